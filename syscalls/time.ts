// Clocks, sleeping and interval timers. Sleeps are asynchronous (the host's timers), never block
// the host, and end early for a signal the way hrtimer_nanosleep does (-ERESTART_RESTARTBLOCK with
// the time left, or -ERESTARTNOHAND for absolute sleeps). ITIMER_REAL and alarm() raise SIGALRM
// from a host timer (kernel/time: it_real_fn, with the interval re-armed from the expiry);
// ITIMER_VIRTUAL and ITIMER_PROF count the process's CPU time (kernel/itimer.ts).

import { Errno, EINVAL, EFAULT, ERESTARTNOHAND, ERESTART_RESTARTBLOCK } from '../kernel/errno.js';
import {
  CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW,
  CLOCK_PROCESS_CPUTIME_ID, CLOCK_REALTIME, CLOCK_REALTIME_ALARM, CLOCK_REALTIME_COARSE, CLOCK_TAI,
  CLOCK_THREAD_CPUTIME_ID, TIMER_ABSTIME,
} from '../kernel/linux.js';
import { CPUCLOCK_PROF, CPUCLOCK_VIRT, getCpuItimer, setCpuItimer } from '../kernel/itimer.js';
import type { Task } from '../kernel/process.js';
import { SIGALRM } from '../kernel/signal.js';
import { waitFor } from '../kernel/wait.js';
import { taskCpuMs } from './process.js';
import { decode, encode, layoutsFor } from './structs.js';
import type { Handler } from './types.js';
import { abiOf, putWord } from './util.js';

/** The time of a clock as [sec, nsec], or EINVAL. */
export function clockNow(t: Task, clk: number): [number, number] {
  const c = t.kernel.host.clock;
  switch (clk) {
    case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE: case CLOCK_TAI: case CLOCK_REALTIME_ALARM:
      return c.realtime();
    case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME:
    case CLOCK_BOOTTIME_ALARM:
      return c.monotonic();
    case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
      return msToTs(taskCpuMs(t));
  }
  if (clk < 0) {
    // CPU clocks of a pid/tid: ~pid << 3 | type (CPUCLOCK_PROF 0, VIRT 1, SCHED 2; 4 = per thread)
    const type = clk & 3;
    const pid = ~(clk >> 3);
    if (type === 3) throw new Errno(EINVAL);                   // CLOCKFD
    if (pid !== 0 && pid !== t.proc.pid && pid !== t.tid) throw new Errno(EINVAL);
    return msToTs(taskCpuMs(t));
  }
  throw new Errno(EINVAL);
}

function msToTs(ms: number): [number, number] {
  const ns = Math.round(ms * 1e6);
  return [Math.floor(ns / 1e9), ns % 1e9];
}

function writeTs(t: Task, addr: number, [s, ns]: [number, number]): void {
  const abi = abiOf(t);
  t.mem.writeBytes(addr, encode(abi, layoutsFor(abi).timespec, { tv_sec: s, tv_nsec: ns }));
}

/** A struct timespec argument as [seconds, nanoseconds] (seconds sign-extended on i386). */
export function readTs(t: Task, addr: number): [number, number] {
  const abi = abiOf(t);
  const l = layoutsFor(abi).timespec;
  const v = decode(abi, l, t.mem.readBytes(addr, l.size));
  const sec = l.fields.tv_sec[1] === 'i32' ? v.tv_sec | 0 : v.tv_sec;
  return [sec, v.tv_nsec];
}

const clock_gettime: Handler = (t, [clk, tp]) => { writeTs(t, tp, clockNow(t, clk)); return 0; };

const clock_getres: Handler = (t, [clk, tp]) => {
  clockNow(t, clk);
  const coarse = clk === CLOCK_REALTIME_COARSE || clk === CLOCK_MONOTONIC_COARSE;
  if (tp) writeTs(t, tp, [0, coarse ? 4000000 : 1]);
  return 0;
};

const gettimeofday: Handler = (t, [tv, tz]) => {
  const abi = abiOf(t);
  if (tv) {
    const [s, ns] = t.kernel.host.clock.realtime();
    t.mem.writeBytes(tv, encode(abi, layoutsFor(abi).timeval, { tv_sec: s, tv_usec: Math.floor(ns / 1000) }));
  }
  if (tz) t.mem.writeBytes(tz, new Uint8Array(8));   // struct timezone: minuteswest 0, dsttime 0
  return 0;
};

const time: Handler = (t, [tloc]) => {
  const s = t.kernel.host.clock.realtime()[0];
  if (tloc) putWord(t, tloc, s);
  return s;
};

function validTs([s, ns]: [number, number]): boolean { return s >= 0 && ns >= 0 && ns <= 999999999; }

function monoMs(t: Task): number { return t.kernel.nowMs(); }

/**
 * Sleeps until the monotonic deadline; a signal cuts it short with -ERESTART_RESTARTBLOCK (the time
 * left goes to rem, and restart_syscall sleeps on to the same deadline).
 */
function sleepRel(t: Task, deadline: number, rem: number): number | Promise<number> {
  return waitFor<number>(t, [], () => undefined, {
    timeoutMs: deadline - monoMs(t),
    timeout: () => 0,
    intr: () => {
      const left = deadline - monoMs(t);
      if (left <= 0) return 0;
      if (rem) writeTs(t, rem, msToTs(left));
      t.restartBlock = (t2) => sleepRel(t2, deadline, rem);
      return -ERESTART_RESTARTBLOCK;
    },
  });
}

const nanosleep: Handler = (t, [req, rem]) => {
  const ts = readTs(t, req);
  if (!validTs(ts)) throw new Errno(EINVAL);
  return sleepRel(t, monoMs(t) + ts[0] * 1000 + ts[1] / 1e6, rem);
};

const clock_nanosleep: Handler = (t, [clk, flags, req, rem]) => {
  if (clk === CLOCK_THREAD_CPUTIME_ID) throw new Errno(EINVAL);
  const now = clockNow(t, clk);
  const ts = readTs(t, req);
  if (!validTs(ts)) throw new Errno(EINVAL);
  let ms = ts[0] * 1000 + ts[1] / 1e6;
  if (flags & TIMER_ABSTIME) {
    ms -= now[0] * 1000 + now[1] / 1e6;
    const deadline = monoMs(t) + ms;
    return waitFor<number>(t, [], () => undefined, { timeoutMs: ms, timeout: () => 0, intr: () => (deadline - monoMs(t) <= 0 ? 0 : -ERESTARTNOHAND) });
  }
  return sleepRel(t, monoMs(t) + ms, rem);
};

// ---- interval timers ----------------------------------------------------------------------------

const ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;

/** ITIMER_PROF and ITIMER_VIRTUAL run on the process's CPU clock: kernel/itimer.ts. */
const CPU_CLOCK_OF = [-1, CPUCLOCK_VIRT, CPUCLOCK_PROF];

/** Remaining time of ITIMER_REAL in ms (an active timer never shows 0: itimer_get_remtime). */
function realRemaining(t: Task): number {
  const it = t.proc.itReal;
  if (!it.cancel) return 0;
  const left = it.expires - monoMs(t);
  return left > 0 ? left : 0.001;
}

function armReal(t: Task, valueMs: number, intervalMs: number): void {
  const p = t.proc;
  const k = t.kernel;
  k.cancelTimers(p);
  if (valueMs <= 0) return;
  p.itReal.interval = intervalMs;
  p.itReal.expires = k.nowMs() + valueMs;
  const fire = () => {
    p.itReal.cancel = null;
    if (p.state !== 'alive') return;
    // a host timer may fire up to a millisecond early: the signal waits for the real expiry
    const early = p.itReal.expires - k.nowMs();
    if (early > 0) { p.itReal.cancel = k.timer(Math.max(1, Math.ceil(early)), fire); return; }
    k.signals.sendKernel(p, SIGALRM);
    if (p.itReal.interval > 0) {
      const now = k.nowMs();
      do p.itReal.expires += p.itReal.interval; while (p.itReal.expires <= now);
      p.itReal.cancel = k.timer(p.itReal.expires - now, fire);
    } else p.itReal.expires = 0;
  };
  p.itReal.cancel = k.timer(Math.ceil(valueMs), fire);
}

const usToMs = (sec: number, usec: number): number => sec * 1000 + usec / 1000;

/** struct itimerval: it_interval (timeval) then it_value (timeval). */
function readItimerval(t: Task, addr: number): [number, number] {
  const abi = abiOf(t);
  const l = layoutsFor(abi).timeval;
  const b = t.mem.readBytes(addr, 2 * l.size);
  const iv = decode(abi, l, b.subarray(0, l.size)), val = decode(abi, l, b.subarray(l.size));
  const valid = (v: Record<string, number>) => v.tv_sec >= 0 && v.tv_usec >= 0 && v.tv_usec <= 999999;
  if (!valid(iv) || !valid(val)) throw new Errno(EINVAL);
  return [usToMs(val.tv_sec, val.tv_usec), usToMs(iv.tv_sec, iv.tv_usec)];
}

function writeItimerval(t: Task, addr: number, valueMs: number, intervalMs: number): void {
  const abi = abiOf(t);
  const l = layoutsFor(abi).timeval;
  const tv = (ms: number) => {
    const us = Math.floor(ms * 1000);
    return encode(abi, l, { tv_sec: Math.floor(us / 1e6), tv_usec: us % 1e6 });
  };
  const b = new Uint8Array(2 * l.size);
  b.set(tv(intervalMs), 0);
  b.set(tv(valueMs), l.size);
  t.mem.writeBytes(addr, b);
}

function getTimer(t: Task, which: number): [number, number] {
  if (which === ITIMER_REAL) return [realRemaining(t), t.proc.itReal.interval];
  return getCpuItimer(t.kernel, t.proc, CPU_CLOCK_OF[which]);
}

const getitimer: Handler = (t, [which, value]) => {
  if (which !== ITIMER_REAL && which !== ITIMER_VIRTUAL && which !== ITIMER_PROF) throw new Errno(EINVAL);
  const [v, i] = getTimer(t, which);
  writeItimerval(t, value, v, i);
  return 0;
};

const setitimer: Handler = (t, [which, value, ovalue]) => {
  const [v, i] = value ? readItimerval(t, value) : [0, 0];
  if (which !== ITIMER_REAL && which !== ITIMER_VIRTUAL && which !== ITIMER_PROF) throw new Errno(EINVAL);
  let old: [number, number];
  if (which === ITIMER_REAL) {
    old = getTimer(t, which);
    armReal(t, v, v > 0 ? i : 0);
  } else {
    old = setCpuItimer(t.kernel, t.proc, CPU_CLOCK_OF[which], v, i);
  }
  if (ovalue) writeItimerval(t, ovalue, old[0], old[1]);
  return 0;
};

const alarm: Handler = (t, [seconds]) => {
  const old = realRemaining(t);
  armReal(t, seconds * 1000, 0);
  // alarm_setitimer: never 0 for a pending alarm, rounded to the nearest second otherwise
  let secs = Math.floor(old / 1000);
  const frac = old - secs * 1000;
  if ((secs === 0 && frac > 0) || frac >= 500) secs++;
  return secs;
};

export const timeCalls: Record<string, Handler> = {
  clock_gettime, clock_getres, gettimeofday, time, nanosleep, clock_nanosleep, getitimer, setitimer, alarm,
};

export { EFAULT };
