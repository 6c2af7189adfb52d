// timerfd (fs/timerfd.c): a timer whose expirations are read as a 64-bit count. The timer runs on
// the host scheduler; an expiry counts one tick, sets `expired`, wakes readers (key EPOLLIN) and,
// like timerfd_tmrproc's HRTIMER_NORESTART, does not re-arm itself: a periodic timer is moved on
// (hrtimer_forward_now) only when read or queried, the intervals that passed meanwhile counting as
// further ticks. So an unread periodic timer costs no host wake-ups. The realtime clock is never
// set inside a zone, so TFD_TIMER_CANCEL_ON_SET is accepted and never fires (no ECANCELED).

import { Errno, EAGAIN, EINVAL, ERESTARTSYS } from './errno.js';
import type { Maybe } from './file.js';
import { AnonFile } from './fs/anon.js';
import type { Kernel } from './kernel.js';
import { CLOCK_REALTIME, CLOCK_REALTIME_ALARM, O_NONBLOCK, POLLIN } from './linux.js';
import type { Task } from './process.js';
import { waitFor, WaitQueue } from './wait.js';

export const TFD_TIMER_ABSTIME = 1, TFD_TIMER_CANCEL_ON_SET = 2;

/** A timer value in milliseconds (fractions carry the nanoseconds). */
export interface TimerValue { valueMs: number; intervalMs: number }

export class TimerFd extends AnonFile {
  private readonly wq = new WaitQueue();
  /** Monotonic ms of the next expiry; null after a disarming settime (hrtimer_init zeroes it). */
  private expires: number | null = null;
  private intervalMs = 0;
  /** Expirations not read yet. */
  private ticks = 0;
  /** The host timer fired and nothing has moved the timer on since. */
  private expired = false;
  private cancel: (() => void) | null = null;
  private settimeFlags = 0;

  constructor(private readonly k: Kernel, readonly clockid: number, flags: number) {
    super('timerfd', flags);
  }

  private get nonblock(): boolean { return (this.flags & O_NONBLOCK) !== 0; }

  /** hrtimer_start at `expires`: the host timer fires then (re-armed if the host fires early). */
  private start(): void {
    const fire = () => {
      this.cancel = null;
      if (this.expires === null) return;
      const early = this.expires - this.k.nowMs();
      if (early > 0) { this.cancel = this.k.timer(Math.max(1, Math.ceil(early)), fire); return; }
      this.expired = true;
      this.ticks++;
      this.wq.wake(POLLIN);
    };
    this.stop();
    this.cancel = this.k.timer(Math.max(0, Math.ceil((this.expires ?? 0) - this.k.nowMs())), fire);
  }

  private stop(): void {
    if (this.cancel) { this.cancel(); this.cancel = null; }
  }

  /** hrtimer_forward_now: moves the expiry past now by whole intervals; returns how many. */
  private forward(): number {
    if (this.expires === null) return 0;
    const now = this.k.nowMs();
    const delta = now - this.expires;
    if (delta < 0) return 0;
    let orun = 1;
    if (delta >= this.intervalMs) {
      orun = Math.floor(delta / this.intervalMs);
      this.expires += orun * this.intervalMs;
      if (this.expires > now) return orun;
      orun++;
    }
    this.expires += this.intervalMs;
    return orun;
  }

  /** timerfd_restart: forward and start again; the overrun count. */
  private restart(): number {
    const orun = this.forward();
    this.start();
    return orun;
  }

  private remaining(): number {
    return this.expires === null ? 0 : Math.max(0, this.expires - this.k.nowMs());
  }

  /** do_timerfd_settime after the argument checks: the old value, then the new one armed. */
  settime(flags: number, v: TimerValue): TimerValue {
    this.stop();
    if (this.expired && this.intervalMs) this.forward();
    const old = { valueMs: this.remaining(), intervalMs: this.intervalMs };
    this.expired = false;
    this.ticks = 0;
    this.intervalMs = v.intervalMs;
    this.expires = null;
    if (v.valueMs !== 0) {
      let at = v.valueMs;
      if (flags & TFD_TIMER_ABSTIME) {
        if (this.clockid === CLOCK_REALTIME || this.clockid === CLOCK_REALTIME_ALARM) {
          const [s, ns] = this.k.host.clock.realtime();
          at = this.k.nowMs() + (v.valueMs - (s * 1000 + ns / 1e6));
        }
      } else {
        at += this.k.nowMs();
      }
      this.expires = at;
      this.start();
    }
    this.settimeFlags = flags & (TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET);
    return old;
  }

  /** do_timerfd_gettime: a periodic timer that expired is moved on first (its ticks kept). */
  gettime(): TimerValue {
    if (this.expired && this.intervalMs) {
      this.expired = false;
      this.ticks += this.restart() - 1;
    }
    return { valueMs: this.remaining(), intervalMs: this.intervalMs };
  }

  /** timerfd_read_iter: the tick count as 8 bytes, waiting for the first expiry. */
  override read(buf: Uint8Array, t?: Task): Maybe<number> {
    if (buf.length < 8) throw new Errno(EINVAL);
    const take = (): number | undefined => {
      if (!this.ticks) return undefined;
      let n = this.ticks;
      if (this.expired && this.intervalMs) n += this.restart() - 1;
      this.expired = false;
      this.ticks = 0;
      new DataView(buf.buffer, buf.byteOffset, 8).setBigUint64(0, BigInt(n), true);
      return 8;
    };
    const now = take();
    if (now !== undefined) return now;
    if (this.nonblock || !t) throw new Errno(EAGAIN);
    return waitFor<number>(t, [this.wq], take, { intr: () => -ERESTARTSYS });
  }

  override poll(): number { return this.ticks ? POLLIN : 0; }

  override get waitq(): WaitQueue { return this.wq; }

  protected override release(): void { this.stop(); }

  override fdinfo(): string {
    const ts = (ms: number) => {
      const ns = Math.round(ms * 1e6);
      return `(${Math.floor(ns / 1e9)}, ${ns % 1e9})`;
    };
    return `clockid: ${this.clockid}\nticks: ${this.ticks}\nsettime flags: 0${this.settimeFlags.toString(8)}\n` +
      `it_value: ${ts(this.remaining())}\nit_interval: ${ts(this.intervalMs)}\n`;
  }
}
