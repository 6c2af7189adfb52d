// The execution loop of a task: run the CPU for a slice, serve its system calls, turn CPU
// exceptions into signals, and on every return to user mode act on pending signals the way
// arch_do_signal_or_restart does: build a handler frame (with -ERESTARTSYS / SA_RESTART rules for
// an interrupted call), carry out a default action, or restart the call. The host's event loop gets
// a turn every few milliseconds, so many tasks share the one JS thread (DESIGN.md decision 7).

import { EXIT_SIGNAL, EXIT_SYSCALL } from '../cpu/cpu.js';
import { SEGV_MAPERR, SIGSEGV } from '../cpu/fault.js';
import { syscallEntry, setReturn, InternalError } from '../syscalls/dispatch.js';
import {
  EINTR, ERESTARTNOHAND, ERESTARTNOINTR, ERESTARTSYS, ERESTART_RESTARTBLOCK, KEEP_REGS,
} from './errno.js';
import type { Kernel } from './kernel.js';
import { SA_NODEFER, SA_RESTART, SS_AUTODISARM } from './linux.js';
import { checkCpuTimers } from './itimer.js';
import { expandStack } from './mm.js';
import type { ExitInfo, Task } from './process.js';
import { rseqPreempt, rseqSignalDeliver } from './rseq.js';
import { setupRtFrame } from './sigframe.js';
import { setupFrame32 } from './sigframe32.js';
import { SIGABRT, SIGKILL, SIGSTOP } from './signal.js';

/** Instructions per slice between checks of the clock and of signals. */
const SLICE = 100_000;
/** Longest stretch (ms) a task runs before the host's event loop (and other tasks) get a turn. */
const YIELD_MS = 10;
/** __NR_restart_syscall; an i386 task restarts with __NR_ia32_restart_syscall (0). */
const NR_RESTART_SYSCALL = 219, NR_IA32_RESTART_SYSCALL = 0;

function isRestart(r: number): boolean {
  return r === -ERESTARTSYS || r === -ERESTARTNOINTR || r === -ERESTARTNOHAND || r === -ERESTART_RESTARTBLOCK;
}

export async function runTask(k: Kernel, t: Task): Promise<void> {
  const p = t.proc;
  let lastYield = k.nowMs();
  t.sliceStart = lastYield;
  try {
    for (;;) {
      if (p.exit || t.exiting) break;
      if (p.stopped || t.signalPending() || t.savedMask) {
        await exitToUser(k, t, undefined);
        if (p.exit || t.exiting) break;
      }
      const cpu = t.cpu;
      let why: number;
      try {
        why = cpu.run(SLICE);
      } catch (e) {
        const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        p.killBy(SIGABRT, { internal: `internal error at rip 0x${cpu.rip.toString(16)}: ${msg}` });
        break;
      }
      if (why === EXIT_SYSCALL) {
        let r: number | Promise<number>;
        try {
          r = syscallEntry(t);
          if (typeof r !== 'number') {
            t.cpuMs += k.nowMs() - t.sliceStart;
            t.sliceStart = 0;
            r = await r;
            lastYield = t.sliceStart = k.nowMs();
            // it slept: Linux switched it out, so rseq_preempt applies on the way back
            if (t.rseq) rseqPreempt(k, t);
          }
        } catch (e) {
          if (e instanceof InternalError) {
            p.killBy(SIGABRT, { internal: e.message });
            break;
          }
          throw e;
        }
        if (p.exit || t.exiting) break;
        if (r !== KEEP_REGS) setReturn(t.cpu, r);
        if (isRestart(r) || t.signalPending() || p.stopped || t.savedMask) await exitToUser(k, t, r);
        t.origAx = -1;
      } else if (why === EXIT_SIGNAL) {
        const sig = cpu.signal!;
        // A fault just below a growing-down stack extends it; the instruction is retried.
        if (sig.signo === SIGSEGV && sig.code === SEGV_MAPERR && expandStack(p, sig.addr)) continue;
        k.signals.forceFault(t, sig);
        await exitToUser(k, t, undefined);
        const e = p.exit as ExitInfo | null;
        if (e) {
          if (e.signal === sig.signo && !e.fault) e.fault = { signal: sig, rip: cpu.rip };
          break;
        }
      }
      // ITIMER_PROF / ITIMER_VIRTUAL: checked per slice (Linux: per tick), never per instruction
      if (p.cpuTimerNext !== 0) checkCpuTimers(k, p);
      const now = k.nowMs();
      if (now - lastYield >= YIELD_MS || t.yieldSoon) {
        t.yieldSoon = false;
        t.cpuMs += now - t.sliceStart;
        t.sliceStart = 0;
        await k.host.sched.yield();
        lastYield = t.sliceStart = k.nowMs();
        if (t.rseq) rseqPreempt(k, t);   // other tasks ran: a preemption for rseq
      }
    }
  } finally {
    if (t.sliceStart) t.cpuMs += k.nowMs() - t.sliceStart;
    t.sliceStart = 0;
  }
}

/**
 * exit_to_user_mode_loop's signal work: deliver every deliverable signal (frames nest), handle
 * the restart of the interrupted call, put back a temporarily replaced mask.
 * `sysret` is the result the call just returned, undefined when not coming from a call.
 */
export async function exitToUser(k: Kernel, t: Task, sysret: number | undefined): Promise<void> {
  const p = t.proc;
  let ret = sysret !== undefined && t.origAx >= 0 ? sysret : undefined;
  for (;;) {
    const d = await k.signals.dequeue(t);
    if (d.kind === 'dead') return;
    if (d.kind === 'none') break;
    const cpu = t.cpu;
    const flags = d.act.flags >>> 0;
    if (ret !== undefined) {
      switch (-ret) {
        case ERESTART_RESTARTBLOCK: case ERESTARTNOHAND:
          setReturn(cpu, -EINTR);
          break;
        case ERESTARTSYS:
          if (!(flags & SA_RESTART)) { setReturn(cpu, -EINTR); break; }
          setReturn(cpu, t.origAx); cpu.rip -= 2;
          break;
        case ERESTARTNOINTR:
          setReturn(cpu, t.origAx); cpu.rip -= 2;
          break;
      }
      ret = undefined;
    }
    // rseq_signal_deliver: an aborted critical section makes the frame save abort_ip
    if (t.rseq) rseqSignalDeliver(k, t, d.sig);
    // an i386 task gets the ia32 frames (sigframe_ia32, or rt_sigframe_ia32 for SA_SIGINFO)
    if (!(p.mode64 ? setupRtFrame(t, d.sig, d.info, d.act) : setupFrame32(t, d.sig, d.info, d.act))) {
      k.signals.forceSigsegv(t, d.sig);
      continue;
    }
    // signal_delivered: the handler runs with its mask added (and itself, unless SA_NODEFER)
    const m = t.sigmask;
    m.lo |= d.act.mask.lo; m.hi |= d.act.mask.hi;
    if (!(flags & SA_NODEFER)) m.add(d.sig);
    m.del(SIGKILL); m.del(SIGSTOP);
    t.savedMask = null;
    if ((t.altstack.flags >>> 0) & SS_AUTODISARM) t.altstack = { sp: 0, size: 0, flags: 2 };
  }
  if (ret !== undefined && isRestart(ret)) {
    const cpu = t.cpu;
    // int 0x80, like syscall, is two bytes: the rewind re-executes it with the original EAX
    setReturn(cpu, -ret === ERESTART_RESTARTBLOCK ? (p.mode64 ? NR_RESTART_SYSCALL : NR_IA32_RESTART_SYSCALL) : t.origAx);
    cpu.rip -= 2;
    if (-ret !== ERESTART_RESTARTBLOCK) t.restartBlock = null;
  }
  if (t.savedMask) {
    t.sigmask = t.savedMask;
    t.savedMask = null;
  }
}
