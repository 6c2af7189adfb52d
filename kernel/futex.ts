// Futexes (kernel/futex/): wait queues keyed by the futex word. A private futex (FUTEX_PRIVATE_FLAG)
// is named by (address space, address); a shared one by the physical page when the word lies in a
// shared mapping (so processes sharing MAP_SHARED memory meet), else by (address space, address).
// PI futexes keep the owner's tid in the word as glibc expects (FUTEX_WAITERS, FUTEX_OWNER_DIED), and
// robust lists are walked when a thread dies (exit_robust_list).

import type { AddressSpace } from '../cpu/memory.js';
import { VMA_SHARED } from '../cpu/memory.js';
import { Errno, EDEADLK, EFAULT, EINVAL, ENOSYS, EPERM, ETIMEDOUT } from './errno.js';
import type { Task } from './process.js';
import { waitFor, WaitQueue } from './wait.js';
import type { Kernel } from './kernel.js';

export const FUTEX_WAITERS = 0x80000000, FUTEX_OWNER_DIED = 0x40000000, FUTEX_TID_MASK = 0x3fffffff;
export const FUTEX_BITSET_MATCH_ANY = 0xffffffff;

interface Waiter {
  key: string;
  bitset: number;
  task: Task;
  woken: boolean;
  readonly wq: WaitQueue;
}

const ids = new WeakMap<AddressSpace, number>();
let nextId = 1;
function mmId(mem: AddressSpace): number {
  let id = ids.get(mem);
  if (id === undefined) { id = nextId++; ids.set(mem, id); }
  return id;
}

export class Futexes {
  /** Waiters by key, in the order they came (wake-ups are FIFO). */
  private readonly queues = new Map<string, Waiter[]>();

  /** The key of the futex word at `addr` (EFAULT when unmapped, EINVAL when misaligned). */
  key(mem: AddressSpace, addr: number, priv: boolean): string {
    if (addr % 4 !== 0) throw new Errno(EINVAL);
    if (!priv) {
      const vma = mem.findVma(addr);
      if (!vma) throw new Errno(EFAULT);
      if (vma.flags & VMA_SHARED) return `p${mem.translate(addr, false)}`;
    }
    return `m${mmId(mem)}:${addr}`;
  }

  private add(w: Waiter): void {
    let q = this.queues.get(w.key);
    if (!q) { q = []; this.queues.set(w.key, q); }
    q.push(w);
  }

  private remove(w: Waiter): void {
    const q = this.queues.get(w.key);
    if (!q) return;
    const i = q.indexOf(w);
    if (i >= 0) q.splice(i, 1);
    if (q.length === 0) this.queues.delete(w.key);
  }

  /**
   * Sleeps on `key` until woken (0), the deadline passes (-ETIMEDOUT) or a signal comes (`intr`).
   * The caller has checked the futex word already (futex_wait's EAGAIN, LOCK_PI's owner).
   */
  sleep(t: Task, key: string, bitset: number, intr: number, timeoutMs?: number): number | Promise<number> {
    if (bitset === 0) throw new Errno(EINVAL);
    const w: Waiter = { key, bitset: bitset >>> 0, task: t, woken: false, wq: new WaitQueue() };
    this.add(w);
    const done = (r: number) => { this.remove(w); return r; };
    return waitFor<number>(t, [w.wq], () => (w.woken ? done(0) : undefined), {
      intr: () => (w.woken ? done(0) : done(intr)),
      timeoutMs,
      timeout: () => (w.woken ? done(0) : done(-ETIMEDOUT)),
    });
  }

  /** Tasks waiting on key. */
  waiters(key: string): number { return this.queues.get(key)?.length ?? 0; }

  /** futex_wake: wakes up to n waiters whose bitset matches; returns how many. */
  wake(key: string, n: number, bitset = FUTEX_BITSET_MATCH_ANY): number {
    if (bitset === 0) throw new Errno(EINVAL);
    const q = this.queues.get(key);
    if (!q) return 0;
    let woken = 0;
    for (const w of [...q]) {
      if (woken >= n) break;
      if (!(w.bitset & bitset)) continue;
      this.remove(w);
      w.woken = true;
      w.wq.wake();
      woken++;
    }
    return woken;
  }

  /** futex_requeue: wakes n on key1, moves up to n2 of the rest to key2; returns woken + moved. */
  requeue(key1: string, key2: string, n: number, n2: number): number {
    const woken = this.wake(key1, n);
    const q = this.queues.get(key1);
    let moved = 0;
    if (q) {
      for (const w of [...q]) {
        if (moved >= n2) break;
        this.remove(w);
        w.key = key2;
        this.add(w);
        moved++;
      }
    }
    return woken + moved;
  }

  /** The first waiter on key (the next owner of a PI futex). */
  firstWaiter(key: string): Task | null { return this.queues.get(key)?.[0]?.task ?? null; }
}

/** FUTEX_WAKE_OP's operation on the second word: returns [new value, condition holds]. */
export function wakeOp(encoded: number, oldval: number): [number, boolean] {
  const op = (encoded >>> 28) & 7, cmp = (encoded >>> 24) & 15;
  let oparg = (encoded << 8) >> 20;             // sign-extended 12 bits
  const cmparg = (encoded << 20) >> 20;
  if ((encoded >>> 28) & 8) {                   // FUTEX_OP_OPARG_SHIFT
    if (oparg < 0 || oparg > 31) oparg &= 31;   // Linux warns and masks
    oparg = 1 << oparg;
  }
  let nv: number;
  switch (op) {
    case 0: nv = oparg; break;                  // SET
    case 1: nv = oldval + oparg; break;         // ADD
    case 2: nv = oldval | oparg; break;         // OR
    case 3: nv = oldval & ~oparg; break;        // ANDN
    case 4: nv = oldval ^ oparg; break;         // XOR
    default: throw new Errno(ENOSYS);
  }
  let c: boolean;
  switch (cmp) {
    case 0: c = oldval === cmparg; break;
    case 1: c = oldval !== cmparg; break;
    case 2: c = oldval < cmparg; break;
    case 3: c = oldval >= cmparg; break;
    case 4: c = oldval <= cmparg; break;
    case 5: c = oldval > cmparg; break;
    default: throw new Errno(ENOSYS);
  }
  return [nv | 0, c];
}

/**
 * exit_robust_list: a dying thread's robust mutexes (glibc's robust_list_head: next, futex_offset,
 * list_op_pending) get FUTEX_OWNER_DIED, and a waiter is woken, so the next locker sees EOWNERDEAD.
 */
export function exitRobustList(k: Kernel, t: Task): void {
  const head = t.robustList;
  if (!head) return;
  t.robustList = 0;
  const mem = t.mem;
  const w = t.proc.mode64 ? 8 : 4;
  const word = (a: number): number => {
    const lo = mem.read32(a) >>> 0;
    return w === 8 ? (mem.read32(a + 4) >>> 0) * 4294967296 + lo : lo;
  };
  const death = (entry: number, offset: number, pi: boolean, pending: boolean) => {
    const uaddr = entry + offset;
    const uval = mem.read32(uaddr) >>> 0;
    if ((uval & FUTEX_TID_MASK) !== t.tid) {
      // a lock being taken when the thread died, not ours yet: a waiter may need the wake-up
      if (pending && !pi && uval === 0) k.futexes.wake(k.futexes.key(mem, uaddr, false), 1);
      return;
    }
    mem.write32(uaddr, ((uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED) | 0);
    if (!pi && (uval & FUTEX_WAITERS)) k.futexes.wake(k.futexes.key(mem, uaddr, false), 1);
  };
  try {
    // entries are user addresses with bit 0 marking a PI futex (no 32-bit bit operations on them)
    const strip = (a: number) => a - (a % 2);
    let entry = word(head);
    const offset = w === 8 ? (mem.read32(head + 12) | 0) * 4294967296 + (mem.read32(head + 8) >>> 0) : (mem.read32(head + 4) | 0);
    const pendingRaw = word(head + 2 * w);
    const pending = strip(pendingRaw);
    for (let limit = 2048; entry !== head && limit > 0; limit--) {
      const e = strip(entry);
      const next = word(e);
      if (e !== pending) death(e, offset, entry % 2 === 1, false);
      entry = next;
    }
    if (pending) death(pending, offset, pendingRaw % 2 === 1, true);
  } catch { /* a damaged list is left alone, as Linux does */ }
}

export { EDEADLK, EPERM };
