// i386-only signal calls as a 64-bit kernel serves them to a 32-bit task: the old sigaction,
// sigprocmask and sigpending with a one-word old_sigset_t (compat_sys_*), the three-argument
// sigsuspend, signal() with its SA_ONESHOT|SA_NOMASK action, sgetmask/ssetmask, and the
// non-RT sigreturn (kernel/signal.c, kernel/compat.c, arch/x86/kernel/signal_32.c).

import { Errno, EINVAL, KEEP_REGS } from '../kernel/errno.js';
import { MINSIGSTKSZ, SA_NODEFER, SA_RESETHAND, SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK } from '../kernel/linux.js';
import type { Task } from '../kernel/process.js';
import { sigreturn32 } from '../kernel/sigframe32.js';
import { SigSet } from '../kernel/signal.js';
import { badFrame, doSigaction, setBlocked, waitSignal } from './signal.js';
import type { Handler } from './types.js';

function get32(t: Task, addr: number): number {
  return new DataView(t.mem.readBytes(addr, 4).buffer).getUint32(0, true);
}

function put32(t: Task, addr: number, v: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  t.mem.writeBytes(addr, b);
}

/** struct compat_old_sigaction: sa_handler @0, sa_mask @4 (one word), sa_flags @8, sa_restorer @12. */
const OLD_SIGACTION_SIZE = 16;

/** compat_sys_sigaction */
const sigaction: Handler = (t, [sig, act, oact]) => {
  let next = null;
  if (act) {
    const dv = new DataView(t.mem.readBytes(act, OLD_SIGACTION_SIZE).buffer);
    next = { handler: dv.getUint32(0, true), mask: new SigSet(dv.getInt32(4, true), 0), flags: dv.getUint32(8, true), restorer: dv.getUint32(12, true) };
  }
  const old = doSigaction(t, sig, next);
  if (oact) {
    const b = new Uint8Array(OLD_SIGACTION_SIZE);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, old.handler >>> 0, true);
    dv.setUint32(4, old.mask.lo >>> 0, true);
    dv.setUint32(8, old.flags >>> 0, true);
    dv.setUint32(12, old.restorer >>> 0, true);
    t.mem.writeBytes(oact, b);
  }
  return 0;
};

/** sys_signal: SA_ONESHOT | SA_NOMASK, an empty mask; the old handler is the result. */
const signal: Handler = (t, [sig, handler]) => {
  const old = doSigaction(t, sig, { handler: handler >>> 0, flags: (SA_RESETHAND | SA_NODEFER) >>> 0, restorer: 0, mask: new SigSet() });
  return old.handler | 0;
};

/**
 * compat_sys_sigprocmask: the one-word set changes only signals 1..32 (SIG_SETMASK keeps the
 * upper word, as compat_sig_setmask does); the old set written back is the low word.
 */
const sigprocmask: Handler = (t, [how, nset, oset]) => {
  const old = t.sigmask.lo;
  if (nset) {
    const w = get32(t, nset) & ~((1 << 8) | (1 << 18));      // sigmask(SIGKILL) | sigmask(SIGSTOP)
    const m = t.sigmask.clone();
    switch (how) {
      case SIG_BLOCK: m.lo |= w; break;
      case SIG_UNBLOCK: m.lo &= ~w; break;
      case SIG_SETMASK: m.lo = w | 0; break;
      default: throw new Errno(EINVAL);
    }
    setBlocked(t, m);
  }
  if (oset) put32(t, oset, old);
  return 0;
};

/** compat_sys_sigpending: the low word of (pending | shared pending) & blocked. */
const sigpending: Handler = (t, [set]) => {
  put32(t, set, (t.pending.set.lo | t.proc.sharedPending.set.lo) & t.sigmask.lo);
  return 0;
};

/** sys_sigsuspend(int, int, old_sigset_t): siginitset replaces the whole mask. */
const sigsuspend: Handler = (t, [, , mask]) => {
  t.savedMask = t.sigmask.clone();
  setBlocked(t, new SigSet(mask | 0, 0));
  return waitSignal(t);
};

/** sys_sgetmask: the low word of the blocked set. */
const sgetmask: Handler = (t) => t.sigmask.lo | 0;

/** sys_ssetmask(int): siginitset with the int sign-extended to unsigned long; returns the old low word. */
const ssetmask: Handler = (t, [newmask]) => {
  const old = t.sigmask.lo | 0;
  setBlocked(t, new SigSet(newmask | 0, (newmask | 0) < 0 ? -1 : 0));
  return old;
};

/** The i386 sigreturn: the old sigframe_ia32 at ESP - 8. */
const sigreturn: Handler = (t) => (sigreturn32(t, false, MINSIGSTKSZ) ? KEEP_REGS : badFrame(t));

export const signal32Calls: Record<string, Handler> = {
  sigaction, signal, sigprocmask, sigpending, sigsuspend, sgetmask, ssetmask, sigreturn,
};
