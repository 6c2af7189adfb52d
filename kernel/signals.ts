// Signal generation and dequeueing with Linux's rules (kernel/signal.c): prepare_signal (SIGCONT
// and stop signals cancel each other, ignored signals are dropped unless blocked), legacy signals
// pending at most once, real-time signals queued with their siginfo up to RLIMIT_SIGPENDING,
// forced fault signals that cannot be blocked or ignored, group stop and continue with the
// parent's SIGCHLD, and get_signal's choice of what to do with the next pending signal.

import type { CpuSignal } from '../cpu/fault.js';
import { EAGAIN } from './errno.js';
import { signalfdNotify } from './signalfd.js';
import type { Kernel } from './kernel.js';
import { RLIMIT_SIGPENDING, SA_NOCLDSTOP, SA_RESETHAND, SIG_DFL, SIG_IGN } from './linux.js';
import type { Process, Task } from './process.js';
import {
  CLD_CONTINUED, CLD_STOPPED, defaultAction, isStopSignal, SigAction, SigInfo, SIGCHLD, SIGCONT, SIGKILL,
  SIGRTMIN, SIGSEGV, SIGSTOP, SI_USER, STOP_SIGNALS,
} from './signal.js';

/** What get_signal decided for the task. */
export type Dequeued =
  | { kind: 'handler'; sig: number; info: SigInfo; act: SigAction }
  | { kind: 'none' }
  | { kind: 'dead' };

export class Signals {
  constructor(private readonly k: Kernel) {}

  /** sig_task_ignored: SIG_IGN, or SIG_DFL for SIGCHLD, SIGURG, SIGWINCH and SIGCONT. */
  private handlerIgnores(p: Process, sig: number): boolean {
    const h = p.sigactions[sig].handler;
    return h === SIG_IGN || (h === SIG_DFL && (defaultAction(sig) === 'ign' || sig === SIGCONT));
  }

  /** sig_ignored: dropped at generation (blocked signals never are). */
  private ignored(p: Process, sig: number): boolean {
    for (const t of p.tasks) {
      if (t.sigmask.has(sig) || t.realBlocked?.has(sig)) return false;
    }
    return this.handlerIgnores(p, sig);
  }

  /** prepare_signal: job-control side effects, and whether the signal is to be queued at all. */
  private prepare(p: Process, sig: number): boolean {
    if (p.exit || p.state !== 'alive') return false;
    if (isStopSignal(sig)) {
      p.sharedPending.flush(SIGCONT);
      for (const t of p.tasks) t.pending.flush(SIGCONT);
    } else if (sig === SIGCONT) {
      for (const s of STOP_SIGNALS) {
        p.sharedPending.flush(s);
        for (const t of p.tasks) t.pending.flush(s);
      }
      if (p.stopped) {
        p.stopped = false;
        p.waitStop = false;
        p.waitCont = true;
        p.contWait.wake();
        this.notifyParentCldstop(p, CLD_CONTINUED);
      }
    }
    return !this.ignored(p, sig);
  }

  /**
   * Sends sig to a process (group = true: kill(), shared pending) or to one thread (tkill, faults).
   * Returns 0, or -EAGAIN when a real-time signal cannot be queued.
   */
  send(target: Process | Task, sig: number, info: SigInfo | null, group: boolean): number {
    const p = 'proc' in target ? target.proc : target;
    const t = 'proc' in target ? target : (p.liveTasks[0] ?? p.mainTask);
    if (!t) return 0;
    if (!this.prepare(p, sig)) return 0;
    const pending = group ? p.sharedPending : t.pending;
    // Legacy signals are pending at most once.
    if (sig < SIGRTMIN && pending.has(sig)) return 0;
    if (sig !== SIGKILL && info) {
      const overrideLimit = sig < SIGRTMIN || info.code >= 0;
      const queued = this.queuedCount(p);
      if (overrideLimit || queued < p.limit(RLIMIT_SIGPENDING)) {
        pending.queue.push(info);
      } else if (info.code !== SI_USER) {
        return -EAGAIN;
      }
    }
    pending.set.add(sig);
    // signalfd_notify: readers and pollers of a signalfd wait for signals they keep blocked
    signalfdNotify(this.k);
    this.complete(p, t, sig, group);
    return 0;
  }

  private queuedCount(p: Process): number {
    let n = p.sharedPending.queue.length;
    for (const t of p.tasks) n += t.pending.queue.length;
    return n;
  }

  /**
   * complete_signal: wake the thread that will act on it. A process-directed signal goes to the
   * preferred thread if it does not block it, else to any thread that does not (wants_signal).
   */
  private complete(p: Process, t: Task, sig: number, group: boolean): void {
    if (sig === SIGKILL) {
      // SIGKILL also ends a group stop, and every thread must see it
      if (p.stopped) { p.stopped = false; p.contWait.wake(); }
      for (const x of p.tasks) this.wakeTask(x);
      return;
    }
    let target: Task | undefined = t;
    if (group && (t.sigmask.has(sig) || t.dead || t.exiting)) target = p.liveTasks.find((x) => !x.sigmask.has(sig));
    if (target && !target.sigmask.has(sig)) this.wakeTask(target);
  }

  wakeTask(t: Task): void {
    if (t.wakeup) t.wakeup();
  }

  /** SEND_SIG_PRIV: from the kernel (SI_KERNEL), to the process. */
  sendKernel(p: Process, sig: number): void {
    this.send(p, sig, SigInfo.kernel(sig), true);
  }

  /** send_sig(sig, current, 0): thread-directed, SI_USER from the task itself (SIGPIPE). */
  sendNoInfo(t: Task, sig: number): void {
    this.send(t, sig, SigInfo.user(sig, SI_USER, t.proc.pid, t.proc.uid), false);
  }

  /**
   * force_sig_fault: a synchronous signal from a CPU exception. When the signal is blocked or
   * ignored, its action is reset to the default and it is unblocked, so it kills.
   */
  forceFault(t: Task, s: CpuSignal): void {
    const p = t.proc;
    t.trapNr = s.trapno;
    t.errorCode = s.err;
    if (s.trapno === 14) t.cr2 = s.addr;
    const act = p.sigactions[s.signo];
    const blocked = t.sigmask.has(s.signo);
    if (blocked || act.handler === SIG_IGN) {
      act.handler = SIG_DFL;
      if (blocked) t.sigmask.del(s.signo);
    }
    const info = s.code === 0x80 /* SI_KERNEL */ ? SigInfo.kernel(s.signo) : SigInfo.fault(s.signo, s.code, s.addr);
    this.send(t, s.signo, info, false);
  }

  /** force_sigsegv: a frame could not be written. */
  forceSigsegv(t: Task, sig: number): void {
    const p = t.proc;
    if (sig === SIGSEGV) p.sigactions[SIGSEGV].handler = SIG_DFL;
    const act = p.sigactions[SIGSEGV];
    if (t.sigmask.has(SIGSEGV) || act.handler === SIG_IGN) { act.handler = SIG_DFL; t.sigmask.del(SIGSEGV); }
    this.send(t, SIGSEGV, SigInfo.kernel(SIGSEGV), false);
  }

  /** After the mask changed: a newly unblocked signal needs the task's attention. */
  recalc(t: Task): void {
    if (t.signalPending()) this.wakeTask(t);
  }

  /**
   * get_signal: dequeues the next signal the task acts on. Ignored ones are dropped, default
   * actions are carried out (stop waits for SIGCONT, fatal ones end the process); a signal with a
   * handler is returned for the caller to build the frame.
   */
  async dequeue(t: Task): Promise<Dequeued> {
    const p = t.proc;
    for (;;) {
      if (p.exit || t.exiting) return { kind: 'dead' };
      if (p.stopped) { await this.waitContinue(t); continue; }
      let sig = t.pending.next(t.sigmask);
      let info: SigInfo;
      if (sig) info = t.pending.take(sig);
      else {
        sig = p.sharedPending.next(t.sigmask);
        if (!sig) return { kind: 'none' };
        info = p.sharedPending.take(sig);
      }
      const act = p.sigactions[sig];
      if (act.handler === SIG_IGN) continue;
      if (act.handler !== SIG_DFL) {
        const copy: SigAction = { handler: act.handler, flags: act.flags, restorer: act.restorer, mask: act.mask.clone() };
        if ((act.flags >>> 0) & SA_RESETHAND) act.handler = SIG_DFL;
        return { kind: 'handler', sig, info, act: copy };
      }
      const d = defaultAction(sig);
      if (d === 'ign' || d === 'cont') continue;
      if (d === 'stop') {
        // Terminal stop signals are discarded in an orphaned process group.
        if (sig !== SIGSTOP && this.k.pgrpOrphaned(p.pgid)) continue;
        this.doStop(p, sig);
        continue;
      }
      p.killBy(sig);
      return { kind: 'dead' };
    }
  }

  /** Group stop: the process stops and its parent is told (do_signal_stop). */
  doStop(p: Process, sig: number): void {
    if (p.stopped || p.exit) return;
    p.stopped = true;
    p.stopSig = sig;
    p.waitStop = true;
    p.waitCont = false;
    this.notifyParentCldstop(p, CLD_STOPPED);
  }

  private waitContinue(t: Task): Promise<void> {
    const p = t.proc;
    return new Promise<void>((resolve) => {
      const again = () => {
        // a stopped task wants no signal but SIGKILL (wants_signal)
        if (!p.stopped || p.exit || t.pending.has(SIGKILL) || p.sharedPending.has(SIGKILL)) { remove(); if (t.wakeup === again) t.wakeup = null; resolve(); }
      };
      const remove = p.contWait.add(again);
      t.wakeup = again;
      again();
    });
  }

  /** do_notify_parent_cldstop: SIGCHLD (unless SA_NOCLDSTOP) and a wake-up of the parent's wait. */
  notifyParentCldstop(p: Process, why: number): void {
    const parent = p.parent;
    if (!parent) return;
    const info = new SigInfo(SIGCHLD, why).i32(16, p.pid).i32(20, p.uid)
      .i32(24, why === CLD_CONTINUED ? SIGCONT : p.stopSig);
    const ticks = (ms: number) => Math.floor(ms / 10);
    info.u64(32, ticks(this.k.cpuMsOf(p))).u64(40, 0);
    const act = parent.sigactions[SIGCHLD];
    if (act.handler !== SIG_IGN && !((act.flags >>> 0) & SA_NOCLDSTOP)) this.send(parent, SIGCHLD, info, true);
    parent.childWait.wake();
  }
}
