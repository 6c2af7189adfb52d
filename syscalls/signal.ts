// Signal state calls. Actions and masks are kept exactly; delivery to guest handlers arrives with
// the signals issue (a fatal default action already kills, see Process.sendSignal).

import { Errno, EINVAL, ENOMEM, EPERM, ESRCH, EFAULT } from '../kernel/errno.js';
import {
  MINSIGSTKSZ, SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK,
} from '../kernel/linux.js';
import type { Task } from '../kernel/process.js';
import { NSIG, SigSet, SIGKILL, SIGSTOP } from '../kernel/signal.js';
import { decode, encode, layoutsFor } from './structs.js';
import type { Handler } from './types.js';
import { abiOf } from './util.js';

function readSet(t: Task, addr: number): SigSet {
  const b = t.mem.readBytes(addr, 8);
  const dv = new DataView(b.buffer);
  return new SigSet(dv.getUint32(0, true) | 0, dv.getUint32(4, true) | 0);
}

function writeSet(t: Task, addr: number, s: SigSet): void {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, s.lo >>> 0, true);
  dv.setUint32(4, s.hi >>> 0, true);
  t.mem.writeBytes(addr, b);
}

const rt_sigaction: Handler = (t, [sig, act, oact, size]) => {
  if (size !== 8) throw new Errno(EINVAL);
  if (sig < 1 || sig > NSIG) throw new Errno(EINVAL);
  if (act && (sig === SIGKILL || sig === SIGSTOP)) throw new Errno(EINVAL);
  const abi = abiOf(t);
  const l = layoutsFor(abi).sigaction;
  const cur = t.proc.sigactions[sig];
  let next = null;
  if (act) {
    const v = decode(abi, l, t.mem.readBytes(act, l.size));
    const mask = new SigSet(v.mask_lo | 0, v.mask_hi | 0);
    mask.del(SIGKILL); mask.del(SIGSTOP);
    next = { handler: v.handler, flags: v.flags >>> 0, restorer: v.restorer, mask };
  }
  if (oact) {
    t.mem.writeBytes(oact, encode(abi, l, {
      handler: cur.handler, flags: cur.flags, restorer: cur.restorer, mask_lo: cur.mask.lo >>> 0, mask_hi: cur.mask.hi >>> 0,
    }));
  }
  if (next) {
    t.proc.sigactions[sig] = next;
    // Setting SIG_IGN discards a pending instance (POSIX).
    if (next.handler === 1) { t.pending.del(sig); t.proc.pending.del(sig); }
  }
  return 0;
};

const rt_sigprocmask: Handler = (t, [how, set, oset, size]) => {
  if (size !== 8) throw new Errno(EINVAL);
  const old = t.sigmask.clone();
  if (set) {
    const s = readSet(t, set);
    s.del(SIGKILL); s.del(SIGSTOP);
    switch (how) {
      case SIG_BLOCK: t.sigmask.lo |= s.lo; t.sigmask.hi |= s.hi; break;
      case SIG_UNBLOCK: t.sigmask.lo &= ~s.lo; t.sigmask.hi &= ~s.hi; break;
      case SIG_SETMASK: t.sigmask.lo = s.lo; t.sigmask.hi = s.hi; break;
      default: throw new Errno(EINVAL);
    }
  }
  if (oset) writeSet(t, oset, old);
  if (set) t.proc.recheckPending(t);
  return 0;
};

const rt_sigpending: Handler = (t, [set, size]) => {
  if (size > 8) throw new Errno(EINVAL);
  const s = new SigSet(t.pending.lo | t.proc.pending.lo, t.pending.hi | t.proc.pending.hi);
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, s.lo >>> 0, true);
  new DataView(b.buffer).setUint32(4, s.hi >>> 0, true);
  t.mem.writeBytes(set, b.subarray(0, size));
  return 0;
};

const sigaltstack: Handler = (t, [ss, oss]) => {
  const abi = abiOf(t);
  const l = layoutsFor(abi).stack;
  const cur = t.altstack;
  const sp = t.cpu.regAddr(4);
  const onStack = cur.size > 0 && !(cur.flags & SS_DISABLE) && sp > cur.sp && sp - cur.sp <= cur.size;
  let next = null;
  if (ss) {
    const v = decode(abi, l, t.mem.readBytes(ss, l.size));
    if (onStack) throw new Errno(EPERM);
    const mode = v.ss_flags & ~SS_AUTODISARM;
    if (mode !== SS_DISABLE && mode !== SS_ONSTACK && mode !== 0) throw new Errno(EINVAL);
    if (mode === SS_DISABLE) next = { sp: 0, size: 0, flags: SS_DISABLE };
    else {
      if (v.ss_size < MINSIGSTKSZ) throw new Errno(ENOMEM);
      next = { sp: v.ss_sp, size: v.ss_size, flags: v.ss_flags & SS_AUTODISARM };
    }
  }
  if (oss) {
    const flags = onStack ? SS_ONSTACK : cur.flags & SS_DISABLE ? SS_DISABLE : cur.flags;
    t.mem.writeBytes(oss, encode(abi, l, { ss_sp: cur.sp, ss_flags: flags, ss_size: cur.size }));
  }
  if (next) t.altstack = next;
  return 0;
};

/** kill/tkill/tgkill aimed at this process; other pids do not exist until fork arrives. */
function signalSelf(t: Task, pid: number, sig: number): number {
  if (sig < 0 || sig > NSIG) throw new Errno(EINVAL);
  const p = t.proc;
  if (pid !== p.pid && pid !== 0 && pid !== -1 && pid !== -p.pgid) throw new Errno(ESRCH);
  if (sig !== 0) p.sendSignal(sig, t);
  return 0;
}

const kill: Handler = (t, [pid, sig]) => signalSelf(t, pid, sig);
const tkill: Handler = (t, [tid, sig]) => {
  if (tid <= 0) throw new Errno(EINVAL);
  if (tid !== t.tid) throw new Errno(ESRCH);
  return signalSelf(t, t.proc.pid, sig);
};
const tgkill: Handler = (t, [tgid, tid, sig]) => {
  if (tid <= 0 || tgid <= 0) throw new Errno(EINVAL);
  if (tgid !== t.proc.pid || tid !== t.tid) throw new Errno(ESRCH);
  return signalSelf(t, tgid, sig);
};

export const signalCalls: Record<string, Handler> = {
  rt_sigaction, rt_sigprocmask, rt_sigpending, sigaltstack, kill, tkill, tgkill,
};

export { EFAULT };
