// signalfd (fs/signalfd.c): a file that reads the pending signals of whoever reads it, not of its
// creator, so an fd inherited across fork reads the child's own signals. The mask is kept as the
// set of signals to dequeue; SIGKILL and SIGSTOP are never in it. A read dequeues as
// dequeue_signal does (the thread's own pending set first, then the process's shared one) and
// returns struct signalfd_siginfo records of 128 bytes, the same layout for every ABI.
//
// Linux sleeps on current->sighand->signalfd_wqh, which every queued signal wakes
// (signalfd_notify). The poll interface here names no sleeper when the queue is asked for, so one
// queue per kernel stands for all of them: a signal queued anywhere wakes every signalfd sleeper,
// and each re-checks its own pending sets. Linux's wake-up carries no poll key either, so the
// extra wake-ups look like the ones Linux makes for signals outside the mask.

import { Errno, EAGAIN, EINVAL, ERESTARTSYS } from './errno.js';
import type { Maybe } from './file.js';
import { AnonFile } from './fs/anon.js';
import type { Kernel } from './kernel.js';
import { O_NONBLOCK, POLLIN } from './linux.js';
import type { Process, Task } from './process.js';
import { SigInfo, siginfoLayout, SIGKILL, SigSet, SIGSTOP } from './signal.js';
import { waitFor, WaitQueue } from './wait.js';

export const SIGNALFD_SIGINFO_SIZE = 128;

const queues = new WeakMap<Kernel, WaitQueue>();

/** The stand-in for every sighand's signalfd_wqh in kernel k. */
export function signalfdQueue(k: Kernel): WaitQueue {
  let q = queues.get(k);
  if (!q) queues.set(k, q = new WaitQueue());
  return q;
}

/** signalfd_notify: a signal was queued; sleepers re-check. */
export function signalfdNotify(k: Kernel): void {
  queues.get(k)?.wake();
}

export class SignalFd extends AnonFile {
  /** The signals the fd dequeues (Linux stores the complement, for dequeue_signal's mask). */
  private mask = new SigSet();

  constructor(private readonly k: Kernel, private readonly creator: Process, mask: SigSet, flags: number) {
    super('signalfd', flags);
    this.setMask(mask);
  }

  /** do_signalfd4: SIGKILL and SIGSTOP are dropped silently; sleepers look again. */
  setMask(m: SigSet): void {
    const s = m.clone();
    s.del(SIGKILL); s.del(SIGSTOP);
    this.mask = s;
    signalfdQueue(this.k).wake();
  }

  /** The signals dequeue_signal must skip: everything outside the fd's mask. */
  private get excluded(): SigSet { return new SigSet(~this.mask.lo, ~this.mask.hi); }

  /** dequeue_signal restricted to the mask: the thread's own pending set, then the shared one. */
  private dequeue(t: Task): SigInfo | undefined {
    const ex = this.excluded;
    let sig = t.pending.next(ex);
    if (sig) return t.pending.take(sig);
    sig = t.proc.sharedPending.next(ex);
    if (sig) return t.proc.sharedPending.take(sig);
    return undefined;
  }

  /** signalfd_read: whole records only; waits for the first, takes the rest only if pending. */
  override read(buf: Uint8Array, t?: Task): Maybe<number> {
    const count = Math.floor(buf.length / SIGNALFD_SIGINFO_SIZE);
    if (count === 0) throw new Errno(EINVAL);
    if (!t) throw new Errno(EAGAIN);
    const take = (): number | undefined => {
      let n = 0;
      for (; n < count; n++) {
        const info = this.dequeue(t);
        if (!info) break;
        buf.set(copyinfo(info), n * SIGNALFD_SIGINFO_SIZE);
      }
      return n ? n * SIGNALFD_SIGINFO_SIZE : undefined;
    };
    const now = take();
    if (now !== undefined) return now;
    if (this.flags & O_NONBLOCK) throw new Errno(EAGAIN);
    return waitFor<number>(t, [signalfdQueue(this.k)], take, { intr: () => -ERESTARTSYS });
  }

  /**
   * signalfd_poll: EPOLLIN (and nothing else) while a signal in the mask is pending for the
   * polling thread. A caller that names no thread gets the creator's current thread.
   */
  override poll(_events?: number, t?: Task): number {
    const task = t ?? this.creator.current ?? this.creator.mainTask;
    if (!task) return 0;
    const ex = this.excluded;
    return task.pending.next(ex) || task.proc.sharedPending.next(ex) ? POLLIN : 0;
  }

  override get waitq(): WaitQueue { return signalfdQueue(this.k); }

  /** signalfd_show_fdinfo: render_sigset_t, 16 hex digits from signal 64 down to 1. */
  override fdinfo(): string {
    const hex = (v: number) => (v >>> 0).toString(16).padStart(8, '0');
    return `sigmask:\t${hex(this.mask.hi)}${hex(this.mask.lo)}\n`;
  }
}

/**
 * signalfd_copyinfo: struct signalfd_siginfo from a kernel siginfo (x86-64 kernel_siginfo offsets,
 * which SigInfo keeps for i386 tasks too), filling the fields of the siginfo's layout only.
 */
export function copyinfo(info: SigInfo): Uint8Array {
  const out = new Uint8Array(SIGNALFD_SIGINFO_SIZE);
  const o = new DataView(out.buffer);
  const k = (off: number) => info.getI32(off);
  const u64 = (to: number, from: number) => { o.setInt32(to, k(from), true); o.setInt32(to + 4, k(from + 4), true); };
  o.setInt32(0, info.signo, true);
  o.setInt32(4, k(4), true);
  o.setInt32(8, info.code, true);
  switch (siginfoLayout(info.signo, info.code)) {
    case 'kill':
      o.setInt32(12, k(16), true); o.setInt32(16, k(20), true);
      break;
    case 'timer':
      o.setInt32(24, k(16), true); o.setInt32(32, k(20), true); u64(48, 24); o.setInt32(44, k(24), true);
      break;
    case 'poll':
      o.setInt32(28, k(16), true); o.setInt32(20, k(24), true);
      break;
    case 'fault': case 'bnderr': case 'pkuerr': case 'perf':
      // the rarer fault layouts are only ever delivered synchronously; Linux treats an injected one as a plain fault
      u64(72, 16);
      break;
    case 'mceerr':
      u64(72, 16); o.setInt16(80, k(24), true);
      break;
    case 'chld':
      o.setInt32(12, k(16), true); o.setInt32(16, k(20), true); o.setInt32(40, k(24), true);
      u64(56, 32); u64(64, 40);
      break;
    case 'rt':
      o.setInt32(12, k(16), true); o.setInt32(16, k(20), true); u64(48, 24); o.setInt32(44, k(24), true);
      break;
    case 'sys':
      u64(88, 16); o.setInt32(84, k(24), true); o.setInt32(96, k(28), true);
      break;
  }
  return out;
}
