// Sleeping and waking on the one JS thread (DESIGN.md decision 7). A task that has to wait parks on
// one or more wait queues and its system call returns a Promise; whoever changes the state (a pipe
// write, a child's exit, a signal) wakes the queue, and the sleeper re-checks its condition in a
// microtask, so it never runs inside the waker's call. Interruptible sleeps end when a signal
// becomes deliverable (the caller chooses the -ERESTART* code); killable sleeps only on a fatal one.

import type { Task } from './process.js';

/** A sleeper's callback; `key` is the readiness the waker says changed (POLLIN ...; 0: anything). */
export type Waiter = (key: number) => void;

/** Linux wait_queue_head_t: sleepers registered by callback. */
export class WaitQueue {
  private waiters = new Set<Waiter>();

  /** Registers a waiter; returns its removal. */
  add(w: Waiter): () => void {
    this.waiters.add(w);
    return () => { this.waiters.delete(w); };
  }

  /**
   * Wakes every sleeper (each re-checks its own condition). `key` is wake_up_poll's key: the poll
   * bits that changed, which epoll's edge-triggered items filter on; 0 (wake_up) means anything.
   */
  wake(key = 0): void {
    if (this.waiters.size === 0) return;
    for (const w of [...this.waiters]) w(key);
  }

  get size(): number { return this.waiters.size; }
}

/** How a sleep may be cut short. */
export const enum Sleep {
  /** TASK_INTERRUPTIBLE: any deliverable signal ends it. */
  Interruptible,
  /** TASK_KILLABLE: only a fatal signal (SIGKILL, group exit) ends it. */
  Killable,
}

export interface WaitOptions<T> {
  /** What the call returns when a signal cuts the sleep short (-ERESTARTSYS, -EINTR, bytes done...). */
  intr: () => T;
  mode?: Sleep;
  /** Milliseconds until `timeout()` is the answer (undefined: no limit). */
  timeoutMs?: number;
  timeout?: () => T;
}

/**
 * Waits until `check()` returns something other than undefined, re-checking each time one of the
 * queues is woken. Returns synchronously when no wait is needed. `check` may throw (an errno): the
 * promise then rejects with it.
 */
export function waitFor<T>(t: Task, queues: (WaitQueue | null | undefined)[], check: () => T | undefined,
  o: WaitOptions<T>): T | Promise<T> {
  const first = check();
  if (first !== undefined) return first;
  const mode = o.mode ?? Sleep.Interruptible;
  const cut = () => (mode === Sleep.Interruptible ? t.signalPending() : t.fatalPending());
  if (o.timeoutMs !== undefined && o.timeoutMs <= 0) return (o.timeout ?? o.intr)();
  if (cut()) return o.intr();
  return new Promise<T>((resolve, reject) => {
    let done = false, scheduled = false;
    const removers: (() => void)[] = [];
    let cancelTimer: (() => void) | null = null;
    const finish = (fn: () => T) => {
      if (done) return;
      done = true;
      for (const r of removers) r();
      if (cancelTimer) cancelTimer();
      if (t.wakeup === poke) t.wakeup = null;
      try { resolve(fn()); } catch (e) { reject(e); }
    };
    const recheck = () => {
      scheduled = false;
      if (done) return;
      let v: T | undefined;
      try { v = check(); } catch (e) { done = true; for (const r of removers) r(); if (cancelTimer) cancelTimer(); if (t.wakeup === poke) t.wakeup = null; reject(e); return; }
      if (v !== undefined) { const val = v; finish(() => val); return; }
      if (cut()) finish(o.intr);
    };
    const poke = () => {
      if (done || scheduled) return;
      scheduled = true;
      queueMicrotask(recheck);
    };
    for (const q of queues) if (q) removers.push(q.add(poke));
    t.wakeup = poke;
    if (o.timeoutMs !== undefined) {
      // Host timers have millisecond granularity and may fire a little early: a timeout only
      // counts once the deadline has really passed (an hrtimer never expires before its time).
      const deadline = t.kernel.nowMs() + o.timeoutMs;
      const fire = () => {
        cancelTimer = null;
        const left = deadline - t.kernel.nowMs();
        if (left > 0) { cancelTimer = t.kernel.timer(Math.max(1, Math.ceil(left)), fire); return; }
        // One last look: the condition may have become true at the same moment.
        let v: T | undefined;
        try { v = check(); } catch (e) { finish(() => { throw e; }); return; }
        if (v !== undefined) { const val = v; finish(() => val); return; }
        finish(o.timeout ?? o.intr);
      };
      cancelTimer = t.kernel.timer(Math.ceil(o.timeoutMs), fire);
    }
  });
}
