// Signal calls (kernel/signal.c, arch/x86/kernel/signal_64.c): actions, masks, pending sets,
// waiting for signals, the alternate stack, sending signals to processes, groups and threads, and
// rt_sigreturn. Checks come in Linux's order; delivery itself is kernel/run.ts + kernel/sigframe.ts.

import {
  Errno, EAGAIN, EFAULT, EINTR, EINVAL, EPERM, ERESTARTNOHAND, ESRCH, KEEP_REGS,
} from '../kernel/errno.js';
import {
  MINSIGSTKSZ, SA_NOCLDSTOP, SA_NOCLDWAIT, SA_NODEFER, SA_ONSTACK, SA_RESETHAND, SA_RESTART, SA_RESTORER,
  SA_SIGINFO, SIG_BLOCK, SIG_DFL, SIG_IGN, SIG_SETMASK, SIG_UNBLOCK, SS_AUTODISARM,
} from '../kernel/linux.js';
import { INIT_PID, type Process, type Task } from '../kernel/process.js';
import type { SigAction } from '../kernel/signal.js';
import { rtSigreturn, sasSsFlags, setAltstack } from '../kernel/sigframe.js';
import { sigreturn32 } from '../kernel/sigframe32.js';
import {
  defaultAction, KSIGINFO_SIZE, NSIG, SIGINFO_SIZE, SigInfo, SigSet, SIGCONT, SIGKILL, SIGSTOP, SIGSEGV, SI_TKILL, SI_USER,
} from '../kernel/signal.js';
import { waitFor } from '../kernel/wait.js';
import { decode, encode, layoutsFor } from './structs.js';
import type { Handler } from './types.js';
import { abiOf } from './util.js';

/** UAPI_SA_FLAGS: the flag bits sigaction keeps (others are cleared so callers can probe). */
const UAPI_SA_FLAGS = (SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER | SA_RESETHAND |
  0x800 /* SA_EXPOSE_TAGBITS */ | SA_RESTORER) >>> 0;

export function readSet(t: Task, addr: number): SigSet {
  const b = t.mem.readBytes(addr, 8);
  const dv = new DataView(b.buffer);
  return new SigSet(dv.getUint32(0, true) | 0, dv.getUint32(4, true) | 0);
}

function setBytes(s: SigSet): Uint8Array {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, s.lo >>> 0, true);
  dv.setUint32(4, s.hi >>> 0, true);
  return b;
}

function writeSet(t: Task, addr: number, s: SigSet): void {
  t.mem.writeBytes(addr, setBytes(s));
}

const validSignal = (sig: number): boolean => sig >= 0 && sig <= NSIG;

/** set_current_blocked: the new mask (never SIGKILL/SIGSTOP), and a look at what it unblocked. */
export function setBlocked(t: Task, s: SigSet): void {
  s.del(SIGKILL); s.del(SIGSTOP);
  t.sigmask = s;
  t.kernel.signals.recalc(t);
}

/** sig_handler_ignored */
function handlerIgnored(handler: number, sig: number): boolean {
  return handler === SIG_IGN || (handler === SIG_DFL && (defaultAction(sig) === 'ign' || sig === SIGCONT));
}

/**
 * do_sigaction: installs act (when given) for sig and returns the action it replaces, its flags
 * cut to UAPI_SA_FLAGS. Throws EINVAL for a bad signal or an action for SIGKILL/SIGSTOP.
 */
export function doSigaction(t: Task, sig: number, act: SigAction | null): SigAction {
  if (sig < 1 || sig > NSIG || (act && (sig === SIGKILL || sig === SIGSTOP))) throw new Errno(EINVAL);
  const p = t.proc;
  const cur = p.sigactions[sig];
  const old = { handler: cur.handler, flags: (cur.flags >>> 0) & UAPI_SA_FLAGS, restorer: cur.restorer, mask: cur.mask.clone() };
  if (act) {
    const mask = act.mask.clone();
    mask.del(SIGKILL); mask.del(SIGSTOP);
    cur.handler = act.handler;
    cur.flags = (act.flags >>> 0) & UAPI_SA_FLAGS;
    cur.restorer = act.restorer;
    cur.mask = mask;
    // POSIX: an action that ignores the signal discards it while pending, blocked or not
    if (handlerIgnored(cur.handler, sig)) {
      p.sharedPending.flush(sig);
      for (const x of p.tasks) x.pending.flush(sig);
    }
  }
  return old;
}

const rt_sigaction: Handler = (t, [sig, act, oact, size]) => {
  if (size !== 8) throw new Errno(EINVAL);
  const abi = abiOf(t);
  const l = layoutsFor(abi).sigaction;
  let v: Record<string, number> | null = null;
  if (act) v = decode(abi, l, t.mem.readBytes(act, l.size));
  const old = doSigaction(t, sig, v && { handler: v.handler, flags: v.flags, restorer: v.restorer, mask: new SigSet(v.mask_lo | 0, v.mask_hi | 0) });
  if (oact) {
    t.mem.writeBytes(oact, encode(abi, l, {
      handler: old.handler, flags: old.flags, restorer: old.restorer, mask_lo: old.mask.lo >>> 0, mask_hi: old.mask.hi >>> 0,
    }));
  }
  return 0;
};

const rt_sigprocmask: Handler = (t, [how, set, oset, size]) => {
  if (size !== 8) throw new Errno(EINVAL);
  const old = t.sigmask.clone();
  if (set) {
    const s = readSet(t, set);
    s.del(SIGKILL); s.del(SIGSTOP);
    const m = t.sigmask.clone();
    switch (how) {
      case SIG_BLOCK: m.lo |= s.lo; m.hi |= s.hi; break;
      case SIG_UNBLOCK: m.lo &= ~s.lo; m.hi &= ~s.hi; break;
      case SIG_SETMASK: m.lo = s.lo; m.hi = s.hi; break;
      default: throw new Errno(EINVAL);
    }
    setBlocked(t, m);
  }
  if (oset) writeSet(t, oset, old);
  return 0;
};

const rt_sigpending: Handler = (t, [set, size]) => {
  if (size > 8) throw new Errno(EINVAL);
  const p = t.proc;
  // only blocked signals can be pending: the others have been delivered
  const s = new SigSet((t.pending.set.lo | p.sharedPending.set.lo) & t.sigmask.lo, (t.pending.set.hi | p.sharedPending.set.hi) & t.sigmask.hi);
  t.mem.writeBytes(set, setBytes(s).subarray(0, size));
  return 0;
};

/** Sleeps until a signal is pending (pause, sigsuspend). */
export function waitSignal(t: Task): number | Promise<number> {
  return waitFor<number>(t, [], () => undefined, { intr: () => -ERESTARTNOHAND });
}

const pause: Handler = (t) => waitSignal(t);

const rt_sigsuspend: Handler = (t, [set, size]) => {
  if (size !== 8) throw new Errno(EINVAL);
  const s = readSet(t, set);
  t.savedMask = t.sigmask.clone();
  setBlocked(t, s);
  return waitSignal(t);
};

/** dequeue_signal with an explicit mask: thread-private first, then process-wide. */
function dequeueMasked(t: Task, mask: SigSet): SigInfo | undefined {
  let sig = t.pending.next(mask);
  if (sig) return t.pending.take(sig);
  sig = t.proc.sharedPending.next(mask);
  if (sig) return t.proc.sharedPending.take(sig);
  return undefined;
}

function readTimeoutMs(t: Task, addr: number): number {
  const abi = abiOf(t);
  const l = layoutsFor(abi).timespec;
  const v = decode(abi, l, t.mem.readBytes(addr, l.size));
  if (v.tv_sec < 0 || v.tv_nsec < 0 || v.tv_nsec > 999999999) throw new Errno(EINVAL);
  return v.tv_sec * 1000 + v.tv_nsec / 1e6;
}

const rt_sigtimedwait: Handler = (t, [these, uinfo, uts, size]) => {
  if (size !== 8) throw new Errno(EINVAL);
  const which = readSet(t, these);
  let ms: number | undefined;
  if (uts) ms = readTimeoutMs(t, uts);
  which.del(SIGKILL); which.del(SIGSTOP);
  const notWhich = new SigSet(~which.lo, ~which.hi);
  const finish = (info: SigInfo | undefined, failure: number): number => {
    if (!info) return failure;
    if (uinfo) {
      try { t.mem.writeBytes(uinfo, info.user(t.proc.mode64)); } catch { return -EFAULT; }
    }
    return info.signo;
  };
  const now = dequeueMasked(t, notWhich);
  if (now || ms === 0) return finish(now, -EAGAIN);
  // Sleep with the awaited signals unblocked, so their arrival wakes us.
  const saved = t.sigmask.clone();
  t.realBlocked = saved;
  t.sigmask = new SigSet(saved.lo & notWhich.lo, saved.hi & notWhich.hi);
  const restore = () => { t.sigmask = saved; t.realBlocked = null; };
  const r = waitFor<SigInfo | number>(t, [], () => dequeueMasked(t, notWhich), {
    intr: () => -EINTR, timeoutMs: ms, timeout: () => -EAGAIN,
  });
  const done = (v: SigInfo | number): number => {
    restore();
    t.kernel.signals.recalc(t);
    return typeof v === 'number' ? finish(dequeueMasked(t, notWhich), v) : finish(v, 0);
  };
  return r instanceof Promise ? r.then(done, (e) => { restore(); throw e; }) : done(r);
};

// ---- sending -------------------------------------------------------------------------------------------

/** group_send_sig_info: sig 0 only checks that the target exists. */
function groupSend(t: Task, p: Process, sig: number, info: SigInfo): number {
  if (!validSignal(sig)) return -EINVAL;
  if (p.state !== 'alive') return 0;      // a zombie accepts and drops signals
  if (sig === 0) return 0;
  return t.kernel.signals.send(p, sig, info, true);
}

function procByPid(t: Task, pid: number): Process | undefined {
  const p = t.kernel.procs.get(pid);
  return p && p.state !== 'dead' ? p : undefined;
}

/** kill_something_info */
export function killSomething(t: Task, pid: number, sig: number, info: SigInfo): number {
  const k = t.kernel;
  if (pid > 0) {
    const p = procByPid(t, pid);
    // the zone's init takes no signals it has no handler for (SIGNAL_UNKILLABLE): it has none
    if (!p && pid === INIT_PID) return validSignal(sig) ? 0 : -EINVAL;
    if (!p) return validSignal(sig) ? -ESRCH : -EINVAL;
    return groupSend(t, p, sig, info);
  }
  if (pid === -2147483648) return -ESRCH;
  if (pid !== -1) {
    const pgid = pid ? -pid : t.proc.pgid;
    let success = false, retval = -ESRCH;
    for (const p of [...k.procs.values()]) {
      if (p.pgid !== pgid || p.state === 'dead') continue;
      const err = groupSend(t, p, sig, info);
      success ||= err === 0;
      retval = err;
    }
    return success ? 0 : retval;
  }
  let retval = 0, count = 0;
  for (const p of [...k.procs.values()]) {
    if (p.pid > 1 && p !== t.proc && p.state !== 'dead') {
      const err = groupSend(t, p, sig, info);
      count++;
      if (err !== -EPERM) retval = err;
    }
  }
  return count ? retval : -ESRCH;
}

const kill: Handler = (t, [pid, sig]) =>
  killSomething(t, pid, sig, SigInfo.user(sig, SI_USER, t.proc.pid, t.proc.uid));

/** do_send_specific: a signal for one thread (tgid 0: any process). */
function sendSpecific(t: Task, tgid: number, tid: number, sig: number, info: SigInfo): number {
  const target = t.kernel.tasks.get(tid);
  if (!target || target.dead || target.exiting || (tgid > 0 && target.proc.pid !== tgid) || target.proc.state !== 'alive') return -ESRCH;
  if (!validSignal(sig)) return -EINVAL;
  if (sig === 0) return 0;
  const r = t.kernel.signals.send(target, sig, info, false);
  return r === -ESRCH ? 0 : r;
}

const tkill: Handler = (t, [tid, sig]) => {
  if (tid <= 0) throw new Errno(EINVAL);
  return sendSpecific(t, 0, tid, sig, SigInfo.user(sig, SI_TKILL, t.proc.pid, t.proc.uid));
};

const tgkill: Handler = (t, [tgid, tid, sig]) => {
  if (tid <= 0 || tgid <= 0) throw new Errno(EINVAL);
  return sendSpecific(t, tgid, tid, sig, SigInfo.user(sig, SI_TKILL, t.proc.pid, t.proc.uid));
};

function readUserInfo(t: Task, sig: number, uinfo: number): SigInfo {
  // an i386 task passes a compat_siginfo_t (copy_siginfo_from_user32)
  if (!t.proc.mode64) return SigInfo.fromUser32(t.mem.readBytes(uinfo, SIGINFO_SIZE), sig);
  const info = SigInfo.fromBytes(t.mem.readBytes(uinfo, KSIGINFO_SIZE));
  info.i32(0, sig);
  return info;
}

const rt_sigqueueinfo: Handler = (t, [pid, sig, uinfo]) => {
  const info = readUserInfo(t, sig, uinfo);
  if ((info.code >= 0 || info.code === SI_TKILL) && t.proc.pid !== pid) throw new Errno(EPERM);
  const p = pid > 0 ? procByPid(t, pid) : undefined;
  if (!p) return validSignal(sig) ? -ESRCH : -EINVAL;
  return groupSend(t, p, sig, info);
};

const rt_tgsigqueueinfo: Handler = (t, [tgid, tid, sig, uinfo]) => {
  if (tid <= 0 || tgid <= 0) throw new Errno(EINVAL);
  const info = readUserInfo(t, sig, uinfo);
  if ((info.code >= 0 || info.code === SI_TKILL) && t.tid !== tid) throw new Errno(EPERM);
  return sendSpecific(t, tgid, tid, sig, info);
};

// ---- the alternate stack and the way back ------------------------------------------------------------

const sigaltstack: Handler = (t, [ss, oss]) => {
  const abi = abiOf(t);
  const l = layoutsFor(abi).stack;
  const v = ss ? decode(abi, l, t.mem.readBytes(ss, l.size)) : null;
  const sp = t.cpu.regAddr(4);
  const cur = t.altstack;
  const old = { ss_sp: cur.sp, ss_size: cur.size, ss_flags: sasSsFlags(t, sp) | ((cur.flags >>> 0) & SS_AUTODISARM) };
  if (v) {
    const r = setAltstack(t, v.ss_sp, v.ss_flags >>> 0, v.ss_size, sp, MINSIGSTKSZ);
    if (r < 0) return r;
  }
  if (oss) t.mem.writeBytes(oss, encode(abi, l, { ss_sp: old.ss_sp, ss_flags: old.ss_flags >>> 0, ss_size: old.ss_size }));
  return 0;
};

/** signal_fault + force_sig(SIGSEGV): a sigreturn found a bad frame. */
export function badFrame(t: Task): number {
  const act = t.proc.sigactions[SIGSEGV];
  if (t.sigmask.has(SIGSEGV) || act.handler === SIG_IGN) { act.handler = SIG_DFL; t.sigmask.del(SIGSEGV); }
  t.kernel.signals.send(t, SIGSEGV, SigInfo.kernel(SIGSEGV), false);
  return 0;
}

/** rt_sigreturn; an i386 task's frame is the rt_sigframe_ia32 (the compat rt_sigreturn). */
const rt_sigreturn: Handler = (t) => {
  const ok = t.proc.mode64 ? rtSigreturn(t, MINSIGSTKSZ) : sigreturn32(t, true, MINSIGSTKSZ);
  return ok ? KEEP_REGS : badFrame(t);
};

const restart_syscall: Handler = (t) => {
  const fn = t.restartBlock;
  t.restartBlock = null;
  return fn ? fn(t) : -EINTR;
};

export const signalCalls: Record<string, Handler> = {
  rt_sigaction, rt_sigprocmask, rt_sigpending, rt_sigsuspend, rt_sigtimedwait, rt_sigqueueinfo, rt_tgsigqueueinfo,
  sigaltstack, kill, tkill, tgkill, pause, rt_sigreturn, restart_syscall,
};

export { EFAULT };
