// The CPU-time interval timers ITIMER_PROF and ITIMER_VIRTUAL (kernel/time/itimer.c set_cpu_itimer,
// posix-cpu-timers.c check_cpu_itimer). They run on the process's CPU clock, the one times(),
// getrusage() and CLOCK_PROCESS_CPUTIME_ID read (Kernel.cpuMsOf: the time its tasks spent running);
// all of it counts as user time here, so both timers see the same clock. Linux checks them at the
// scheduler tick; here the run loop checks at the end of each instruction slice or system call,
// and only when one is armed (Process.cpuTimerNext), so an unarmed process pays one comparison.

import type { Kernel } from './kernel.js';
import type { Process } from './process.js';
import { SIGPROF, SIGVTALRM } from './signal.js';

export const CPUCLOCK_PROF = 0, CPUCLOCK_VIRT = 1;
const SIGNAL_OF = [SIGPROF, SIGVTALRM];

/** TICK_NSEC in ms: this machine's kernel has CONFIG_HZ=250 (a 10 ms ITIMER_PROF set there reads back
 *  as 14 ms at once: set_cpu_itimer adds one tick to a new value). */
export const TICK_MS = 4;

function recompute(p: Process): void {
  let next = 0;
  for (const it of p.itCpu) if (it.expires && (!next || it.expires < next)) next = it.expires;
  p.cpuTimerNext = next;
}

/** get_cpu_itimer: [remaining ms, interval ms]; a timer already due shows one tick. */
export function getCpuItimer(k: Kernel, p: Process, clock: number): [number, number] {
  const it = p.itCpu[clock];
  let val = it.expires;
  if (val) {
    const now = k.cpuMsOf(p);
    val = val < now ? TICK_MS : val - now;
  }
  return [val, it.incr];
}

/**
 * set_cpu_itimer: arms (value > 0) or disarms the timer, keeping the interval as given even for a
 * value of 0 (getitimer shows it). Returns the old [remaining, interval].
 */
export function setCpuItimer(k: Kernel, p: Process, clock: number, valueMs: number, intervalMs: number): [number, number] {
  const it = p.itCpu[clock];
  const now = k.cpuMsOf(p);
  // set_process_cpu_timer's old value: one tick for a timer at or past its expiry
  const old: [number, number] = [it.expires ? (it.expires <= now ? TICK_MS : it.expires - now) : 0, it.incr];
  it.expires = valueMs > 0 ? now + valueMs + TICK_MS : 0;
  it.incr = intervalMs;
  recompute(p);
  return old;
}

/** check_cpu_itimer for both timers: a due one sends its signal (SEND_SIG_PRIV) and reloads once. */
export function checkCpuTimers(k: Kernel, p: Process): void {
  const now = k.cpuMsOf(p);
  if (now < p.cpuTimerNext) return;
  for (let clock = 0; clock < 2; clock++) {
    const it = p.itCpu[clock];
    if (!it.expires || now < it.expires) continue;
    it.expires = it.incr ? it.expires + it.incr : 0;
    k.signals.sendKernel(p, SIGNAL_OF[clock]);
  }
  recompute(p);
}
