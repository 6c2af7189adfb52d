// Calls whose whole story is short: a single-threaded futex, privileged calls a zone refuses,
// calls Linux itself answers with ENOSYS, sync.

import { Errno, EAGAIN, EBADF, EINVAL, ENOMEM, ENOSYS, EOPNOTSUPP, EPERM, ETIMEDOUT } from '../kernel/errno.js';
import { AT_FDCWD } from '../kernel/linux.js';
import type { Task } from '../kernel/process.js';
import type { Handler } from './types.js';
import { atPath, readPath, readCStr } from './util.js';

const FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5,
  FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10, FUTEX_CMD_MASK = ~(128 | 256);

function readTimeout(t: Task, addr: number): number {
  const lo = t.mem.read32(addr) >>> 0, hi = t.mem.read32(addr + 4) >>> 0;
  const nsLo = t.mem.read32(addr + 8) >>> 0;
  const sec = hi * 2 ** 32 + lo;
  if (hi >= 0x80000000 || nsLo > 999999999) throw new Errno(EINVAL);
  return sec * 1000 + nsLo / 1e6;
}

/** futex with one thread: nobody else can wake a waiter, so WAIT only returns by timeout. */
const futex: Handler = (t, [uaddr, op, val, timeout, , val3]) => {
  const cmd = op & FUTEX_CMD_MASK;
  if (uaddr % 4 !== 0) throw new Errno(EINVAL);
  switch (cmd) {
    case FUTEX_WAIT: case FUTEX_WAIT_BITSET: {
      if (cmd === FUTEX_WAIT_BITSET && val3 === 0) throw new Errno(EINVAL);
      if (t.mem.read32(uaddr) !== val) throw new Errno(EAGAIN);
      if (!timeout) return new Promise<number>(() => { /* no other thread can ever wake it */ });
      let ms = readTimeout(t, timeout);
      if (cmd === FUTEX_WAIT_BITSET) {
        const [s, ns] = (op & 256) ? t.kernel.host.clock.realtime() : t.kernel.host.clock.monotonic();
        ms -= s * 1000 + ns / 1e6;
      }
      return t.kernel.host.sched.sleep(Math.max(0, ms)).then(() => -ETIMEDOUT);
    }
    case FUTEX_WAKE: case FUTEX_WAKE_BITSET:
      if (cmd === FUTEX_WAKE_BITSET && val3 === 0) throw new Errno(EINVAL);
      t.mem.read32(uaddr);
      return 0;
    case FUTEX_REQUEUE: return 0;
    case FUTEX_CMP_REQUEUE:
      if (t.mem.read32(uaddr) !== val3) throw new Errno(EAGAIN);
      return 0;
    case FUTEX_WAKE_OP: return 0;
    default: throw new Errno(ENOSYS);
  }
};

/** A privileged operation the zone never grants. */
export const eperm: Handler = () => { throw new Errno(EPERM); };
/** What Linux itself answers (sys_ni_syscall). */
export const enosys: Handler = () => { throw new Errno(ENOSYS); };

const sync: Handler = () => 0;
const syncfs: Handler = (t, [fd]) => { t.proc.fds.get(fd); return 0; };
const readahead: Handler = (t, [fd]) => {
  const f = t.proc.fds.get(fd);
  if (!f.readable || !f.seekable) throw new Errno(EINVAL);
  return 0;
};

/** mincore: every mapped page counts as resident (pages are never swapped out). */
const mincore: Handler = (t, [addr, len, vec]) => {
  if (addr % 4096 !== 0) throw new Errno(EINVAL);
  const pages = Math.ceil(len / 4096);
  if (!t.mem.isMapped(addr, addr + pages * 4096)) throw new Errno(ENOMEM);
  t.mem.writeBytes(vec, new Uint8Array(pages).fill(1));
  return 0;
};

function utimesCommon(t: Task, dirfd: number, path: number, times: number): number {
  const abs = atPath(t, dirfd, readPath(t, path));
  let at: [number, number] | null = null, mt: [number, number] | null = null;
  if (times) {
    const tv = (o: number): [number, number] => {
      const s = (t.mem.read32(times + o + 4) >>> 0) * 2 ** 32 + (t.mem.read32(times + o) >>> 0);
      const us = t.mem.read32(times + o + 8);
      if (us < 0 || us > 999999) throw new Errno(EINVAL);
      return [s, us * 1000];
    };
    at = tv(0); mt = tv(16);
  } else {
    at = mt = t.kernel.host.clock.realtime();
  }
  t.kernel.vfs.utimes(t.proc, abs, at, mt, true, times !== 0);
  return 0;
}
const utimes: Handler = (t, [path, times]) => utimesCommon(t, AT_FDCWD, path, times);
const futimesat: Handler = (t, [dirfd, path, times]) => utimesCommon(t, dirfd, path, times);
const utime: Handler = (t, [path, times]) => {
  const abs = atPath(t, AT_FDCWD, readPath(t, path));
  let at: [number, number], mt: [number, number];
  if (times) {
    at = [(t.mem.read32(times + 4) >>> 0) * 2 ** 32 + (t.mem.read32(times) >>> 0), 0];
    mt = [(t.mem.read32(times + 12) >>> 0) * 2 ** 32 + (t.mem.read32(times + 8) >>> 0), 0];
  } else at = mt = t.kernel.host.clock.realtime();
  t.kernel.vfs.utimes(t.proc, abs, at, mt, true, times !== 0);
  return 0;
};

const memfd_create: Handler = (t, [name]) => {
  readCStr(t, name, 250);
  throw new Errno(ENOSYS);
};

export const miscCalls: Record<string, Handler> = {
  futex, sync, syncfs, readahead, mincore, utimes, futimesat, utime,
};

void memfd_create; void EBADF;
