// Calls whose whole story is short: privileged calls a zone refuses,
// calls Linux itself answers with ENOSYS, sync.

import { Errno, EAGAIN, EBADF, EINVAL, ENOMEM, ENOSYS, EOPNOTSUPP, EPERM, ETIMEDOUT } from '../kernel/errno.js';
import { AT_FDCWD } from '../kernel/linux.js';
import type { Task } from '../kernel/process.js';
import type { Handler } from './types.js';
import { atPath, readPath, readCStr } from './util.js';

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


export const miscCalls: Record<string, Handler> = {
  sync, syncfs, readahead, mincore, utimes, futimesat, utime,
};

void EBADF;
