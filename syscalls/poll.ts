// poll, ppoll, select and pselect6 (fs/select.c): scan every descriptor's readiness, sleep on all
// their wait queues until one changes, the timeout passes or a signal arrives. The interrupted
// call returns -ERESTARTNOHAND (poll: -ERESTART_RESTARTBLOCK with the deadline kept for
// restart_syscall); ppoll/pselect6 install a temporary signal mask that stays until the handler's
// frame has saved the old one; select/ppoll/pselect6 write back the time left.

import { Errno, EBADF, EFAULT, EINTR, EINVAL, ERESTARTNOHAND, ERESTART_RESTARTBLOCK } from '../kernel/errno.js';
import type { OpenFile } from '../kernel/file.js';
import {
  POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDBAND, POLLRDNORM, POLLWRBAND, POLLWRNORM, RLIMIT_NOFILE,
} from '../kernel/linux.js';
import type { Task } from '../kernel/process.js';
import { SigSet } from '../kernel/signal.js';
import { waitFor, WaitQueue } from '../kernel/wait.js';
import { readSet, setBlocked } from './signal.js';
import { decode, encode, layoutsFor } from './structs.js';
import type { Handler } from './types.js';
import { abiOf } from './util.js';

const POLLIN_SET = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
const POLLOUT_SET = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
const POLLEX_SET = POLLPRI;

function queuesOf(files: (OpenFile | undefined)[]): WaitQueue[] {
  const qs = new Set<WaitQueue>();
  for (const f of files) { const q = f?.waitq; if (q) qs.add(q); }
  return [...qs];
}

const now = (t: Task): number => t.kernel.nowMs();

// ---- poll / ppoll -------------------------------------------------------------------------------------

interface PollFd { fd: number; events: number; revents: number }

/** do_sys_poll: the count of ready descriptors, 0 on timeout, -ERESTARTNOHAND on a signal. */
function doSysPoll(t: Task, ufds: number, nfds: number, deadline: number | undefined): number | Promise<number> {
  if (nfds > t.proc.limit(RLIMIT_NOFILE)) throw new Errno(EINVAL);
  const raw = nfds ? t.mem.readBytes(ufds, 8 * nfds) : new Uint8Array(0);
  const dv = new DataView(raw.buffer);
  const fds: PollFd[] = [];
  for (let i = 0; i < nfds; i++) fds.push({ fd: dv.getInt32(8 * i, true), events: dv.getInt16(8 * i + 4, true) & 0xffff, revents: 0 });
  const files = fds.map((p) => (p.fd >= 0 ? t.proc.fds.entry(p.fd)?.file : undefined));
  const scan = (): number => {
    let count = 0;
    fds.forEach((p, i) => {
      p.revents = 0;
      if (p.fd < 0) return;
      const f = t.proc.fds.entry(p.fd)?.file;
      if (!f) p.revents = POLLNVAL;
      else p.revents = f.poll(p.events, t) & (p.events | POLLERR | POLLHUP);
      void files[i];
      if (p.revents) count++;
    });
    return count;
  };
  const writeBack = (r: number): number => {
    const out = new Uint8Array(2);
    const odv = new DataView(out.buffer);
    for (let i = 0; i < nfds; i++) {
      odv.setInt16(0, fds[i].revents, true);
      t.mem.writeBytes(ufds + 8 * i + 6, out);
    }
    return r;
  };
  const r = waitFor<number>(t, queuesOf(files), () => { const n = scan(); return n ? n : undefined; }, {
    intr: () => -ERESTARTNOHAND,
    timeoutMs: deadline === undefined ? undefined : deadline - now(t),
    timeout: () => scan(),
  });
  return r instanceof Promise ? r.then(writeBack) : writeBack(r);
}

function pollRestartable(t: Task, ufds: number, nfds: number, deadline: number | undefined): number | Promise<number> {
  const fix = (r: number): number => {
    if (r !== -ERESTARTNOHAND) return r;
    t.restartBlock = (t2) => pollRestartable(t2, ufds, nfds, deadline);
    return -ERESTART_RESTARTBLOCK;
  };
  const r = doSysPoll(t, ufds, nfds, deadline);
  return r instanceof Promise ? r.then(fix) : fix(r);
}

const poll: Handler = (t, [ufds, nfds, timeout]) =>
  pollRestartable(t, ufds, nfds >>> 0, timeout >= 0 ? now(t) + timeout : undefined);

/** set_user_sigmask: the temporary mask of ppoll / pselect6 (the old one is put back later). */
function setUserMask(t: Task, addr: number, size: number): void {
  if (!addr) return;
  if (size !== 8) throw new Errno(EINVAL);
  const s = readSet(t, addr);
  t.savedMask = t.sigmask.clone();
  setBlocked(t, s);
}

/** poll_select_finish: restore the mask unless interrupted, write back the time left. */
function finish(t: Task, r: number, deadline: number | undefined, tp: number, timeval: boolean): number {
  if (r !== -ERESTARTNOHAND && t.savedMask) { t.sigmask = t.savedMask; t.savedMask = null; }
  if (!tp || deadline === undefined) return r;
  if (deadline === -1) return r;     // a zero timeout is never updated
  let left = deadline - now(t);
  if (left < 0) left = 0;
  const abi = abiOf(t);
  const ns = Math.round(left * 1e6);
  const sec = Math.floor(ns / 1e9);
  try {
    if (timeval) t.mem.writeBytes(tp, encode(abi, layoutsFor(abi).timeval, { tv_sec: sec, tv_usec: Math.floor((ns % 1e9) / 1000) }));
    else t.mem.writeBytes(tp, encode(abi, layoutsFor(abi).timespec, { tv_sec: sec, tv_nsec: ns % 1e9 }));
    return r;
  } catch {
    return r === -ERESTARTNOHAND ? -EINTR : r;
  }
}

/** A timespec timeout: [deadline (ms, or -1 for a zero timeout), valid]. */
function readTimespecDeadline(t: Task, tp: number): number | undefined {
  if (!tp) return undefined;
  const abi = abiOf(t);
  const l = layoutsFor(abi).timespec;
  const v = decode(abi, l, t.mem.readBytes(tp, l.size));
  if (v.tv_sec < 0 || v.tv_nsec < 0 || v.tv_nsec > 999999999) throw new Errno(EINVAL);
  if (v.tv_sec === 0 && v.tv_nsec === 0) return -1;
  return now(t) + v.tv_sec * 1000 + v.tv_nsec / 1e6;
}

const ppoll: Handler = (t, [ufds, nfds, tsp, sigmask, size]) => {
  const deadline = readTimespecDeadline(t, tsp);
  setUserMask(t, sigmask, size);
  const r = doSysPoll(t, ufds, nfds >>> 0, deadline === -1 ? now(t) : deadline);
  const done = (v: number) => finish(t, v, deadline, tsp, false);
  return r instanceof Promise ? r.then(done) : done(r);
};

// ---- select / pselect6 ----------------------------------------------------------------------------------

/** core_sys_select: ready bits written back into the three sets; -EBADF for a closed fd in them. */
function coreSelect(t: Task, n: number, inp: number, outp: number, exp: number, deadline: number | undefined): number | Promise<number> {
  if (n < 0) throw new Errno(EINVAL);
  const maxFds = Math.max(0, ...t.proc.fds.list().map((x) => x + 1), 64);
  if (n > maxFds) n = maxFds;
  // fd_set words are longs: a 32-bit task's sets are read and written in 4-byte steps
  const wordBits = t.proc.mode64 ? 64 : 32;
  const bytes = Math.ceil(n / wordBits) * (wordBits / 8);
  const get = (a: number) => (a && bytes ? t.mem.readBytes(a, bytes) : null);
  const sin = get(inp), sout = get(outp), sex = get(exp);
  const bit = (s: Uint8Array | null, fd: number) => !!s && ((s[fd >> 3] >> (fd & 7)) & 1) === 1;
  const fds: number[] = [];
  for (let fd = 0; fd < n; fd++) {
    if (bit(sin, fd) || bit(sout, fd) || bit(sex, fd)) {
      if (!t.proc.fds.has(fd)) throw new Errno(EBADF);
      fds.push(fd);
    }
  }
  const rin = new Uint8Array(bytes), rout = new Uint8Array(bytes), rex = new Uint8Array(bytes);
  const scan = (): number => {
    rin.fill(0); rout.fill(0); rex.fill(0);
    let count = 0;
    for (const fd of fds) {
      const f = t.proc.fds.entry(fd)?.file;
      if (!f) continue;
      const mask = f.poll((bit(sin, fd) ? POLLIN_SET : 0) | (bit(sout, fd) ? POLLOUT_SET : 0) | (bit(sex, fd) ? POLLEX_SET : 0), t);
      const set = (r: Uint8Array) => { r[fd >> 3] |= 1 << (fd & 7); count++; };
      if ((mask & POLLIN_SET) && bit(sin, fd)) set(rin);
      if ((mask & POLLOUT_SET) && bit(sout, fd)) set(rout);
      if ((mask & POLLEX_SET) && bit(sex, fd)) set(rex);
    }
    return count;
  };
  const files = fds.map((fd) => t.proc.fds.entry(fd)?.file);
  const writeBack = (r: number): number => {
    if (r < 0) return r;
    try {
      if (inp && bytes) t.mem.writeBytes(inp, rin);
      if (outp && bytes) t.mem.writeBytes(outp, rout);
      if (exp && bytes) t.mem.writeBytes(exp, rex);
    } catch { return -EFAULT; }
    return r;
  };
  const r = waitFor<number>(t, queuesOf(files), () => { const c = scan(); return c ? c : undefined; }, {
    intr: () => -ERESTARTNOHAND,
    timeoutMs: deadline === undefined ? undefined : deadline - now(t),
    timeout: () => scan(),
  });
  return r instanceof Promise ? r.then(writeBack) : writeBack(r);
}

const select: Handler = (t, [n, inp, outp, exp, tvp]) => {
  let deadline: number | undefined;
  if (tvp) {
    const abi = abiOf(t);
    const l = layoutsFor(abi).timeval;
    const v = decode(abi, l, t.mem.readBytes(tvp, l.size));
    const sec = v.tv_sec + Math.trunc(v.tv_usec / 1e6), usec = v.tv_usec % 1e6;
    if (sec < 0 || usec < 0) throw new Errno(EINVAL);
    deadline = sec === 0 && usec === 0 ? -1 : now(t) + sec * 1000 + usec / 1000;
  }
  const r = coreSelect(t, n, inp, outp, exp, deadline === -1 ? now(t) : deadline);
  const done = (v: number) => finish(t, v, deadline, tvp, true);
  return r instanceof Promise ? r.then(done) : done(r);
};

const pselect6: Handler = (t, [n, inp, outp, exp, tsp, sig]) => {
  const deadline = readTimespecDeadline(t, tsp);
  if (sig) {
    const word = t.proc.mode64 ? 8 : 4;
    const b = new DataView(t.mem.readBytes(sig, 2 * word).buffer);
    const ss = word === 8 ? b.getUint32(4, true) * 4294967296 + b.getUint32(0, true) : b.getUint32(0, true);
    const len = word === 8 ? b.getUint32(8, true) : b.getUint32(4, true);
    setUserMask(t, ss, len);
  }
  const r = coreSelect(t, n, inp, outp, exp, deadline === -1 ? now(t) : deadline);
  const done = (v: number) => finish(t, v, deadline, tsp, false);
  return r instanceof Promise ? r.then(done) : done(r);
};

export const pollCalls: Record<string, Handler> = { poll, ppoll, select, pselect6 };

void SigSet;
