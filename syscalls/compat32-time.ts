// i386's *_time64 calls (403..423): the same kernel functions the x86-64 table runs, with
// struct __kernel_timespec (64-bit seconds) where their 32-bit-time namesakes take old_timespec32.
// The handlers read timespecs through layoutsFor(abiOf(t)); while a task is inside one of these
// calls, abiOf answers 'i386_time64', whose timespec is the 64-bit one. A call that sleeps keeps the
// mark until it returns, and a restart_syscall of it (t.restartBlock) runs with the mark again.

import type { Task } from '../kernel/process.js';
import type { Handler } from './types.js';
import { time64Tasks } from './util.js';

function settle(t: Task, r: number | Promise<number>, before: Task['restartBlock']): number | Promise<number> {
  const done = (): void => {
    time64Tasks.delete(t);
    const rb = t.restartBlock;
    if (rb && rb !== before) t.restartBlock = (t2) => runTime64(t2, rb);
  };
  if (typeof r === 'number') { done(); return r; }
  return r.then((v) => { done(); return v; }, (e) => { done(); throw e; });
}

function runTime64(t: Task, fn: (t: Task) => number | Promise<number>): number | Promise<number> {
  const before = t.restartBlock;
  time64Tasks.add(t);
  let r: number | Promise<number>;
  try { r = fn(t); } catch (e) { time64Tasks.delete(t); throw e; }
  return settle(t, r, before);
}

/** The 64-bit-time form of a handler (undefined stays undefined: the row is then unimplemented). */
export function time64(h: Handler | undefined): Handler | undefined {
  if (!h) return undefined;
  return (t, a) => runTime64(t, (t2) => h(t2, a));
}
