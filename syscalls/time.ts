// Clocks and sleeping. Sleeps are asynchronous (the host's timers), never blocking.

import { Errno, EINVAL, EFAULT } from '../kernel/errno.js';
import {
  CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW,
  CLOCK_PROCESS_CPUTIME_ID, CLOCK_REALTIME, CLOCK_REALTIME_ALARM, CLOCK_REALTIME_COARSE, CLOCK_TAI,
  CLOCK_THREAD_CPUTIME_ID, TIMER_ABSTIME,
} from '../kernel/linux.js';
import type { Task } from '../kernel/process.js';
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

function readTs(t: Task, addr: number): [number, number] {
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

function sleepMs(t: Task, ms: number): Promise<number> | number {
  if (ms <= 0) return 0;
  return t.kernel.host.sched.sleep(ms).then(() => 0);
}

const nanosleep: Handler = (t, [req]) => {
  const ts = readTs(t, req);
  if (!validTs(ts)) throw new Errno(EINVAL);
  return sleepMs(t, ts[0] * 1000 + ts[1] / 1e6);
};

const clock_nanosleep: Handler = (t, [clk, flags, req]) => {
  if (clk === CLOCK_THREAD_CPUTIME_ID) throw new Errno(EINVAL);
  const now = clockNow(t, clk);
  const ts = readTs(t, req);
  if (!validTs(ts)) throw new Errno(EINVAL);
  let ms = ts[0] * 1000 + ts[1] / 1e6;
  if (flags & TIMER_ABSTIME) ms -= now[0] * 1000 + now[1] / 1e6;
  return sleepMs(t, ms);
};

export const timeCalls: Record<string, Handler> = {
  clock_gettime, clock_getres, gettimeofday, time, nanosleep, clock_nanosleep,
};

export { EFAULT };
