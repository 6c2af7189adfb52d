// epoll_create/create1/ctl/wait/pwait/pwait2, eventfd/eventfd2 and timerfd_create/settime/gettime
// (fs/eventpoll.c, fs/eventfd.c, fs/timerfd.c): argument checks in Linux's order, struct
// epoll_event (packed on x86-64: u32 events, u64 data = 12 bytes) and struct itimerspec in and
// out. epoll_wait sleeps on the epoll's queue until an item is ready, the timeout passes or a
// signal arrives; it then answers -EINTR itself, so it is never restarted (not even with
// SA_RESTART). epoll_pwait/pwait2 keep their temporary signal mask until the handler's frame has
// saved the old one, as ppoll does.

import { Errno, EFAULT, EINTR, EINVAL, EPERM } from '../kernel/errno.js';
import { canPoll, EventPoll } from '../kernel/epoll.js';
import { EFD_SEMAPHORE, EventFd } from '../kernel/eventfd.js';
import type { OpenFile } from '../kernel/file.js';
import {
  CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM, CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_REALTIME_ALARM, O_CLOEXEC, O_NONBLOCK,
  RLIMIT_NOFILE,
} from '../kernel/linux.js';
import type { Task } from '../kernel/process.js';
import { TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET, TimerFd, type TimerValue } from '../kernel/timerfd.js';
import { waitFor } from '../kernel/wait.js';
import { readSet, setBlocked } from './signal.js';
import { decode, encode, layoutsFor } from './structs.js';
import type { Handler } from './types.js';
import { abiOf } from './util.js';

const EPOLL_EVENT_SIZE = 12;
/** INT_MAX / sizeof(struct epoll_event) */
const EP_MAX_EVENTS = Math.floor(0x7fffffff / EPOLL_EVENT_SIZE);
const EPOLL_CTL_DEL = 2;

/** Installs a new file at the lowest free descriptor (the file's reference goes to the table). */
function install(t: Task, f: OpenFile, cloexec: boolean): number {
  const p = t.proc;
  try {
    return p.fds.alloc(f, cloexec, p.limit(RLIMIT_NOFILE));
  } catch (e) {
    f.unref();
    throw e;
  }
}

// ---- epoll --------------------------------------------------------------------------------------

function epollCreate(t: Task, flags: number): number {
  if (flags & ~O_CLOEXEC) throw new Errno(EINVAL);
  return install(t, new EventPoll(0), (flags & O_CLOEXEC) !== 0);
}

const epoll_create1: Handler = (t, [flags]) => epollCreate(t, flags);

/** The size is only a hint since Linux 2.6.8, but must be positive. */
const epoll_create: Handler = (t, [size]) => {
  if (size <= 0) throw new Errno(EINVAL);
  return epollCreate(t, 0);
};

const epoll_ctl: Handler = (t, [epfd, op, fd, event]) => {
  let events = 0, data = 0n;
  if (op !== EPOLL_CTL_DEL) {
    const dv = new DataView(t.mem.readBytes(event, EPOLL_EVENT_SIZE).buffer);   // EFAULT first
    events = dv.getUint32(0, true);
    data = dv.getBigUint64(4, true);
  }
  const ep = t.proc.fds.get(epfd);
  const target = t.proc.fds.get(fd);
  if (!canPoll(target)) throw new Errno(EPERM);
  if (!(ep instanceof EventPoll)) throw new Errno(EINVAL);
  ep.ctl(op, fd, target, events, data, t);
  return 0;
};

/**
 * do_epoll_wait: `deadline` is a monotonic time in ms, 0 for "do not wait", undefined for no
 * limit. Events go straight to the user buffer, one by one, as ep_send_events copies them.
 */
function doEpollWait(t: Task, epfd: number, events: number, maxevents: number, deadline: number | undefined): number | Promise<number> {
  const ep = t.proc.fds.get(epfd);
  if (maxevents <= 0 || maxevents > EP_MAX_EVENTS) throw new Errno(EINVAL);
  if (events + maxevents * EPOLL_EVENT_SIZE > t.mem.limit) throw new Errno(EFAULT);   // access_ok
  if (!(ep instanceof EventPoll)) throw new Errno(EINVAL);
  const put = (i: number, ev: number, data: bigint): boolean => {
    const b = new Uint8Array(EPOLL_EVENT_SIZE);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, ev, true);
    dv.setBigUint64(4, data, true);
    try { t.mem.writeBytes(events + i * EPOLL_EVENT_SIZE, b); } catch { return false; }
    return true;
  };
  // ep_poll: collect when something is on the ready list; a list of files that turn out not to
  // be ready (or a zero timeout) gives 0 / a sleep
  const collect = (): number | undefined => {
    if (ep.hasReady) {
      const n = ep.sendEvents(maxevents, put, t);
      if (n) return n;
    }
    ep.prime(t);
    return undefined;
  };
  if (deadline === 0) return collect() ?? 0;
  return waitFor<number>(t, [ep.sleepers], collect, {
    intr: () => -EINTR,
    timeoutMs: deadline === undefined ? undefined : Math.max(0.001, deadline - t.kernel.nowMs()),
    timeout: () => 0,
  });
}

/** epoll_wait's int timeout: negative waits forever, 0 polls. */
function msDeadline(t: Task, timeout: number): number | undefined {
  if (timeout < 0) return undefined;
  return timeout === 0 ? 0 : t.kernel.nowMs() + timeout;
}

const epoll_wait: Handler = (t, [epfd, events, maxevents, timeout]) =>
  doEpollWait(t, epfd, events, maxevents, msDeadline(t, timeout));

/**
 * do_epoll_pwait: the temporary mask (set_user_sigmask) is put back unless the wait was cut
 * short by a signal, whose handler frame then saves the caller's mask (restore_saved_sigmask_unless).
 */
function doEpollPwait(t: Task, epfd: number, events: number, maxevents: number, deadline: number | undefined,
  sigmask: number, sigsetsize: number): number | Promise<number> {
  if (sigmask) {
    if (sigsetsize !== 8) throw new Errno(EINVAL);
    const s = readSet(t, sigmask);
    t.savedMask = t.sigmask.clone();
    setBlocked(t, s);
  }
  const restore = (r: number): number => {
    if (r !== -EINTR && t.savedMask) { t.sigmask = t.savedMask; t.savedMask = null; t.kernel.signals.recalc(t); }
    return r;
  };
  let r: number | Promise<number>;
  try {
    r = doEpollWait(t, epfd, events, maxevents, deadline);
  } catch (e) {
    restore(0);
    throw e;
  }
  return r instanceof Promise ? r.then(restore, (e) => { restore(0); throw e; }) : restore(r);
}

const epoll_pwait: Handler = (t, [epfd, events, maxevents, timeout, sigmask, sigsetsize]) =>
  doEpollPwait(t, epfd, events, maxevents, msDeadline(t, timeout), sigmask, sigsetsize);

/** A struct timespec from the guest as [sec, nsec]. */
function readTimespec(t: Task, addr: number, off = 0): [number, number] {
  const abi = abiOf(t);
  const l = layoutsFor(abi).timespec;
  const v = decode(abi, l, t.mem.readBytes(addr + off * l.size, l.size));
  const sec = l.fields.tv_sec[1] === 'i32' ? v.tv_sec | 0 : v.tv_sec;
  return [sec, v.tv_nsec];
}

/** timespec64_valid */
const validTs = ([s, ns]: [number, number]): boolean => s >= 0 && ns >= 0 && ns < 1e9;
const tsMs = ([s, ns]: [number, number]): number => s * 1000 + ns / 1e6;

/** get_timespec64 of a struct __kernel_timespec: 64-bit fields in both ABIs; a 32-bit caller's
 *  tv_nsec keeps only its low half (the padding). */
function readKernelTimespec(t: Task, addr: number): [number, number] {
  const dv = new DataView(t.mem.readBytes(addr, 16).buffer);
  const sec = Number(dv.getBigInt64(0, true));
  const nsec = t.proc.mode64 ? Number(dv.getBigInt64(8, true)) : dv.getUint32(8, true);
  return [sec, nsec];
}

const epoll_pwait2: Handler = (t, [epfd, events, maxevents, tsp, sigmask, sigsetsize]) => {
  let deadline: number | undefined;
  if (tsp) {
    const ts = readKernelTimespec(t, tsp);
    if (!validTs(ts)) throw new Errno(EINVAL);
    deadline = ts[0] === 0 && ts[1] === 0 ? 0 : t.kernel.nowMs() + tsMs(ts);
  }
  return doEpollPwait(t, epfd, events, maxevents, deadline, sigmask, sigsetsize);
};

// ---- eventfd ------------------------------------------------------------------------------------

function doEventfd(t: Task, count: number, flags: number): number {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE)) throw new Errno(EINVAL);
  return install(t, new EventFd(BigInt(count >>> 0), flags, (flags & EFD_SEMAPHORE) !== 0), (flags & O_CLOEXEC) !== 0);
}

const eventfd2: Handler = (t, [count, flags]) => doEventfd(t, count, flags);
const eventfd: Handler = (t, [count]) => doEventfd(t, count, 0);

// ---- timerfd ------------------------------------------------------------------------------------

const isAlarm = (clk: number): boolean => clk === CLOCK_REALTIME_ALARM || clk === CLOCK_BOOTTIME_ALARM;
/** CAP_WAKE_ALARM: root's, nobody else's. */
const mayWakeAlarm = (t: Task): boolean => t.proc.euid === 0;

const timerfd_create: Handler = (t, [clockid, flags]) => {
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK)) ||
    (clockid !== CLOCK_MONOTONIC && clockid !== CLOCK_REALTIME && clockid !== CLOCK_REALTIME_ALARM &&
      clockid !== CLOCK_BOOTTIME && clockid !== CLOCK_BOOTTIME_ALARM)) throw new Errno(EINVAL);
  if (isAlarm(clockid) && !mayWakeAlarm(t)) throw new Errno(EPERM);
  return install(t, new TimerFd(t.kernel, clockid, flags), (flags & O_CLOEXEC) !== 0);
};

/** timerfd_fget: EBADF for no file, EINVAL for a file that is not a timerfd. */
function timerOf(t: Task, fd: number): TimerFd {
  const f = t.proc.fds.get(fd);
  if (!(f instanceof TimerFd)) throw new Errno(EINVAL);
  return f;
}

/** struct itimerspec { it_interval, it_value } */
function writeItimerspec(t: Task, addr: number, v: TimerValue): void {
  const abi = abiOf(t);
  const l = layoutsFor(abi).timespec;
  const ts = (ms: number) => {
    const ns = Math.round(ms * 1e6);
    return encode(abi, l, { tv_sec: Math.floor(ns / 1e9), tv_nsec: ns % 1e9 });
  };
  const b = new Uint8Array(2 * l.size);
  b.set(ts(v.intervalMs), 0);
  b.set(ts(v.valueMs), l.size);
  t.mem.writeBytes(addr, b);
}

const timerfd_settime: Handler = (t, [fd, flags, newp, oldp]) => {
  const interval = readTimespec(t, newp, 0), value = readTimespec(t, newp, 1);    // EFAULT first
  if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) || !validTs(interval) || !validTs(value)) throw new Errno(EINVAL);
  const tf = timerOf(t, fd);
  if (isAlarm(tf.clockid) && !mayWakeAlarm(t)) throw new Errno(EPERM);
  const old = tf.settime(flags, { valueMs: tsMs(value), intervalMs: tsMs(interval) });
  if (oldp) writeItimerspec(t, oldp, old);
  return 0;
};

const timerfd_gettime: Handler = (t, [fd, curp]) => {
  const v = timerOf(t, fd).gettime();
  writeItimerspec(t, curp, v);
  return 0;
};

export const epollCalls: Record<string, Handler> = {
  epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2,
  eventfd, eventfd2, timerfd_create, timerfd_settime, timerfd_gettime,
};
