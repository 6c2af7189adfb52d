// futex(2): the operations glibc, musl and the Go runtime use (kernel/futex/syscalls.c do_futex),
// on the kernel's wait queues (kernel/futex.ts). Timeouts: FUTEX_WAIT's is relative on
// CLOCK_MONOTONIC; WAIT_BITSET's absolute on CLOCK_MONOTONIC or, with FUTEX_CLOCK_REALTIME, on
// CLOCK_REALTIME; LOCK_PI's absolute on CLOCK_REALTIME.

import { Errno, EAGAIN, EDEADLK, EINTR, EINVAL, ENOSYS, EPERM, ERESTARTNOINTR, ERESTARTSYS } from '../kernel/errno.js';
import { FUTEX_BITSET_MATCH_ANY, FUTEX_OWNER_DIED, FUTEX_TID_MASK, FUTEX_WAITERS, wakeOp } from '../kernel/futex.js';
import type { Task } from '../kernel/process.js';
import { readTs } from './time.js';
import type { Handler } from './types.js';

const FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5,
  FUTEX_LOCK_PI = 6, FUTEX_UNLOCK_PI = 7, FUTEX_TRYLOCK_PI = 8, FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10,
  FUTEX_LOCK_PI2 = 13;
const FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256, FUTEX_CMD_MASK = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);

/** The futex word; a fault becomes EFAULT in the dispatcher (which also grows the stack). */
const word = (t: Task, addr: number): number => t.mem.read32(addr) | 0;
const setWord = (t: Task, addr: number, v: number): void => { t.mem.write32(addr, v | 0); };

/** Milliseconds until the timeout: relative, or absolute on the given clock. */
function timeoutMs(t: Task, addr: number, absolute: boolean, realtime: boolean): number | undefined {
  if (!addr) return undefined;
  const [s, ns] = readTs(t, addr);
  if (s < 0 || ns < 0 || ns > 999999999) throw new Errno(EINVAL);
  const ms = s * 1000 + ns / 1e6;
  if (!absolute) return ms;
  const [cs, cns] = realtime ? t.kernel.host.clock.realtime() : t.kernel.host.clock.monotonic();
  return Math.max(0, ms - (cs * 1000 + cns / 1e6));
}

/**
 * A waker that woke somebody gives up the rest of its slice. On Linux the woken thread runs at once
 * on another CPU; here it runs only when the waker yields, and a waker that goes straight back into
 * its critical section (unlock, lock again) would otherwise hold the lock whenever its slice ends,
 * starving the woken thread for good (a lock handed around in a loop with a forking main thread).
 */
function woke(t: Task, n: number): number {
  if (n > 0) t.yieldSoon = true;
  return n;
}

const futex: Handler = (t, [uaddr, op, val, utime, uaddr2, val3]) => {
  const cmd = op & FUTEX_CMD_MASK;
  const priv = (op & FUTEX_PRIVATE_FLAG) !== 0;
  const realtime = (op & FUTEX_CLOCK_REALTIME) !== 0;
  if (realtime && cmd !== FUTEX_WAIT_BITSET && cmd !== FUTEX_WAIT && cmd !== FUTEX_LOCK_PI2) throw new Errno(ENOSYS);
  const fx = t.kernel.futexes;
  const key = (a: number) => fx.key(t.mem, a, priv);
  const n = val | 0;
  switch (cmd) {
    case FUTEX_WAIT: case FUTEX_WAIT_BITSET: {
      const bitset = cmd === FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3 >>> 0;
      if (bitset === 0) throw new Errno(EINVAL);
      const ms = timeoutMs(t, utime, cmd === FUTEX_WAIT_BITSET, realtime);
      const k = key(uaddr);
      if (word(t, uaddr) !== (val | 0)) throw new Errno(EAGAIN);
      return fx.sleep(t, k, bitset, ms === undefined ? -ERESTARTSYS : -EINTR, ms);
    }
    case FUTEX_WAKE: case FUTEX_WAKE_BITSET: {
      const bitset = cmd === FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3 >>> 0;
      if (bitset === 0) throw new Errno(EINVAL);
      return woke(t, fx.wake(key(uaddr), Math.max(0, n), bitset));
    }
    case FUTEX_REQUEUE: case FUTEX_CMP_REQUEUE: {
      const n2 = utime | 0;                       // val2 travels in the timeout argument
      if (n < 0 || n2 < 0) throw new Errno(EINVAL);
      const k1 = key(uaddr), k2 = key(uaddr2);
      if (cmd === FUTEX_CMP_REQUEUE && word(t, uaddr) !== (val3 | 0)) throw new Errno(EAGAIN);
      return woke(t, fx.requeue(k1, k2, n, n2));
    }
    case FUTEX_WAKE_OP: {
      const n2 = utime | 0;
      const k1 = key(uaddr), k2 = key(uaddr2);
      const old = word(t, uaddr2);
      const [nv, cond] = wakeOp(val3 >>> 0, old);
      setWord(t, uaddr2, nv);
      let woken = fx.wake(k1, Math.max(0, n));
      if (cond) woken += fx.wake(k2, Math.max(0, n2));
      return woke(t, woken);
    }
    case FUTEX_LOCK_PI: case FUTEX_LOCK_PI2: case FUTEX_TRYLOCK_PI: {
      const k = key(uaddr);
      const v = word(t, uaddr) >>> 0;
      const owner = v & FUTEX_TID_MASK;
      const ownerAlive = owner !== 0 && t.kernel.tasks.has(owner);
      if (owner === t.tid) throw new Errno(EDEADLK);
      if (owner === 0 || !ownerAlive) {
        // free, or its owner is gone without the robust list saying so: take it
        setWord(t, uaddr, t.tid | (owner !== 0 ? FUTEX_OWNER_DIED : v & FUTEX_OWNER_DIED) | (fx.waiters(k) ? FUTEX_WAITERS : 0));
        return 0;
      }
      if (cmd === FUTEX_TRYLOCK_PI) throw new Errno(EAGAIN);
      setWord(t, uaddr, v | FUTEX_WAITERS);
      const ms = timeoutMs(t, utime, true, cmd === FUTEX_LOCK_PI || realtime);
      // the unlocker hands the word over (owner tid written) before waking us
      return fx.sleep(t, k, FUTEX_BITSET_MATCH_ANY, -ERESTARTNOINTR, ms);
    }
    case FUTEX_UNLOCK_PI: {
      const k = key(uaddr);
      const v = word(t, uaddr) >>> 0;
      if ((v & FUTEX_TID_MASK) !== t.tid) throw new Errno(EPERM);
      const next = fx.firstWaiter(k);
      if (next) {
        setWord(t, uaddr, next.tid | (fx.waiters(k) > 1 ? FUTEX_WAITERS : 0));
        fx.wake(k, 1);
      } else setWord(t, uaddr, 0);
      return 0;
    }
    default: throw new Errno(ENOSYS);
  }
};

export const futexCalls: Record<string, Handler> = { futex };
