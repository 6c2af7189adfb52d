// epoll (fs/eventpoll.c). An epoll file holds an interest list of items keyed by (file, fd); each
// item is hooked on its file's wait queue for as long as it exists (ep_ptable_queue_proc), so a
// wake-up whose poll key matches the item's events puts it on the ready list and wakes the
// epoll's own queue (ep_poll_callback). Collecting events (ep_send_events) takes the ready list,
// polls each file again and reports what is really ready: level-triggered items go back to the
// tail, edge-triggered ones wait for the next wake-up, one-shot ones are disabled until
// EPOLL_CTL_MOD. An epoll is itself pollable (readable while an item is ready), which nests.
//
// Linux drops an item when the last reference to its file goes (eventpoll_release). Nobody can
// name such a file any more, so the same is done lazily: items whose file has no references are
// dropped whenever epoll next looks at them, which nothing can tell apart.

import { Errno, EEXIST, EFAULT, EINVAL, ELOOP, ENOENT } from './errno.js';
import type { OpenFile } from './file.js';
import { AnonFile } from './fs/anon.js';
import { POLLIN, POLLRDNORM } from './linux.js';
import type { Task } from './process.js';
import { WaitQueue } from './wait.js';

export const EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
export const EPOLLIN = 0x1, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10, EPOLLRDHUP = 0x2000;
export const EPOLLEXCLUSIVE = 0x10000000, EPOLLWAKEUP = 0x20000000, EPOLLONESHOT = 0x40000000, EPOLLET = 0x80000000;
/** Bits that steer the item rather than name events. */
const EP_PRIVATE_BITS = (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE) >>> 0;
/** What EPOLLEXCLUSIVE may be combined with. */
const EPOLLEXCLUSIVE_OK_BITS = (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE) >>> 0;
/** Deepest nesting of epolls inside epolls. */
const EP_MAX_NESTS = 4;

class EpItem {
  /** On the ready list. */
  ready = false;
  /** Removes the hook from the file's wait queue. */
  unhook: () => void = () => {};
  constructor(readonly ep: EventPoll, readonly file: OpenFile, readonly fd: number, public events: number,
    public data: bigint) {}
  get dead(): boolean { return this.file.refs <= 0; }
}

/** Whether epoll can watch a file (file_can_poll: it has a poll operation, i.e. readiness that changes). */
export function canPoll(f: OpenFile): boolean { return f.waitq !== null; }

export class EventPoll extends AnonFile {
  /** The interest list by file, then fd (ep_find's key). */
  private readonly items = new Map<OpenFile, Map<number, EpItem>>();
  /** The ready list (rdllist), oldest first. */
  private rdl: EpItem[] = [];
  /** ep->wq: where epoll_wait sleeps. */
  readonly sleepers = new WaitQueue();
  /** ep->poll_wait: whoever polls this epoll (poll, select, an outer epoll). */
  private readonly pollWait = new WaitQueue();
  /** Items of other epolls watching this one (ep->refs), for the nesting depth check. */
  private readonly watchedBy = new Set<EpItem>();

  constructor(flags: number) { super('eventpoll', flags); }

  override get waitq(): WaitQueue { return this.pollWait; }

  /** ep_item_poll: the file's readiness within the item's events, as thread t (current) sees it. */
  private itemPoll(epi: EpItem, t?: Task): number {
    if (epi.dead) return 0;
    return (epi.file.poll(undefined, t) & epi.events) >>> 0;
  }

  /** epitem_ready + the wake-ups of ep_poll_callback / ep_insert. */
  private makeReady(epi: EpItem): void {
    if (!epi.ready) { epi.ready = true; this.rdl.push(epi); }
    this.sleepers.wake();
    this.pollWait.wake(POLLIN);
  }

  /** ep_poll_callback: a wake-up on the file's queue, `key` the poll bits that changed (0: any). */
  private callback(epi: EpItem, key: number): void {
    if (!(epi.events & ~EP_PRIVATE_BITS)) return;        // disabled (EPOLLONESHOT fired)
    if (key && !(key & epi.events)) return;
    this.makeReady(epi);
  }

  find(file: OpenFile, fd: number): EpItem | undefined { return this.items.get(file)?.get(fd); }

  /** EPOLL_CTL_* after the fd checks of do_epoll_ctl (done by the caller). */
  ctl(op: number, fd: number, file: OpenFile, events: number, data: bigint, t?: Task): void {
    events = (events & ~EPOLLWAKEUP) >>> 0;      // no CAP_BLOCK_SUSPEND: the bit is dropped silently
    if (file === this) throw new Errno(EINVAL);
    const hasEvent = op !== EPOLL_CTL_DEL;
    if (hasEvent && (events & EPOLLEXCLUSIVE)) {
      // wake-up queues are joined at ADD time only, and exclusive wake-ups do not nest
      if (op === EPOLL_CTL_MOD) throw new Errno(EINVAL);
      if (op === EPOLL_CTL_ADD && (file instanceof EventPoll || (events & ~EPOLLEXCLUSIVE_OK_BITS))) throw new Errno(EINVAL);
    }
    if (op === EPOLL_CTL_ADD && file instanceof EventPoll && !this.nestingOk(file)) throw new Errno(ELOOP);
    const epi = this.find(file, fd);
    switch (op) {
      case EPOLL_CTL_ADD:
        if (epi) throw new Errno(EEXIST);
        this.insert(file, fd, (events | EPOLLERR | EPOLLHUP) >>> 0, data, t);
        return;
      case EPOLL_CTL_DEL:
        if (!epi) throw new Errno(ENOENT);
        this.remove(epi);
        return;
      case EPOLL_CTL_MOD:
        if (!epi) throw new Errno(ENOENT);
        if (epi.events & EPOLLEXCLUSIVE) throw new Errno(EINVAL);
        this.modify(epi, (events | EPOLLERR | EPOLLHUP) >>> 0, data, t);
        return;
      default:
        throw new Errno(EINVAL);
    }
  }

  /** ep_insert: hook the file's queue, then queue the item at once if it is ready already. */
  private insert(file: OpenFile, fd: number, events: number, data: bigint, t?: Task): void {
    const epi = new EpItem(this, file, fd, events, data);
    let byFd = this.items.get(file);
    if (!byFd) this.items.set(file, byFd = new Map());
    byFd.set(fd, epi);
    if (file instanceof EventPoll) file.watchedBy.add(epi);
    const q = file.waitq;
    if (q) epi.unhook = q.add((key) => this.callback(epi, key));
    if (this.itemPoll(epi, t)) this.makeReady(epi);
  }

  /** ep_modify: new events and data; a ready file goes on the ready list (re-arming ET/ONESHOT). */
  private modify(epi: EpItem, events: number, data: bigint, t?: Task): void {
    epi.events = events;
    epi.data = data;
    if (this.itemPoll(epi, t)) this.makeReady(epi);
  }

  /** ep_remove */
  private remove(epi: EpItem): void {
    epi.unhook();
    const byFd = this.items.get(epi.file);
    if (byFd) { byFd.delete(epi.fd); if (byFd.size === 0) this.items.delete(epi.file); }
    if (epi.ready) { epi.ready = false; this.rdl = this.rdl.filter((e) => e !== epi); }
    if (epi.file instanceof EventPoll) epi.file.watchedBy.delete(epi);
  }

  /**
   * ep_loop_check: adding `to` must not close a loop back to this epoll, nor make a chain of
   * epolls deeper than EP_MAX_NESTS counting both what hangs below `to` and what this one hangs in.
   */
  private nestingOk(to: EventPoll): boolean {
    const down = (ep: EventPoll, depth: number): number => {
      let result = 0;
      for (const byFd of ep.items.values()) {
        for (const epi of byFd.values()) {
          if (epi.dead || !(epi.file instanceof EventPoll)) continue;
          if (epi.file === this || depth > EP_MAX_NESTS) result = Infinity;
          else result = Math.max(result, down(epi.file, depth + 1) + 1);
          if (result > EP_MAX_NESTS) return result;
        }
      }
      return result;
    };
    const up = (ep: EventPoll): number => {
      let result = 0;
      for (const epi of ep.watchedBy) if (epi.ep.refs > 0) result = Math.max(result, up(epi.ep) + 1);
      return result;
    };
    const depth = down(to, 0);
    if (depth > EP_MAX_NESTS) return false;
    return depth + 1 + up(this) <= EP_MAX_NESTS;
  }

  /** Whether epoll_wait has anything to look at (ep_events_available). */
  get hasReady(): boolean { return this.rdl.length > 0; }

  /**
   * ep_send_events: up to `max` events, each handed to `put(index, events, data)`, which returns
   * false when the user buffer faults (the item stays ready; -EFAULT if nothing was reported).
   */
  sendEvents(max: number, put: (i: number, events: number, data: bigint) => boolean, t?: Task): number {
    const tx = this.rdl;
    this.rdl = [];
    let res = 0, i = 0;
    for (; i < tx.length && res < max; i++) {
      const epi = tx[i];
      epi.ready = false;
      if (epi.dead) { this.remove(epi); continue; }
      const revents = this.itemPoll(epi, t);
      if (!revents) continue;
      if (!put(res, revents, epi.data)) {
        epi.ready = true;
        if (!res) res = -EFAULT;
        break;
      }
      res++;
      if (epi.events & EPOLLONESHOT) epi.events = (epi.events & EP_PRIVATE_BITS) >>> 0;
      else if (!(epi.events & EPOLLET)) { epi.ready = true; this.rdl.push(epi); }
    }
    // ep_done_scan: what was not looked at goes back in front of the level-triggered re-adds
    this.rdl = tx.slice(i).concat(this.rdl);
    if (this.rdl.length) this.sleepers.wake();
    return res;
  }

  /**
   * Before a sleep: drops the items whose file is gone (eventpoll_release, done late) and asks
   * every enabled edge-triggered item's file for its readiness once more. Host streams start
   * their next read only when polled; a level-triggered item gets that from the scan, an
   * edge-triggered one would otherwise never hear of new input.
   */
  prime(t?: Task): void {
    for (const byFd of [...this.items.values()]) {
      for (const epi of [...byFd.values()]) {
        if (epi.dead) this.remove(epi);
        else if (!epi.ready && (epi.events & EPOLLET) && (epi.events & ~EP_PRIVATE_BITS)) epi.file.poll(undefined, t);
      }
    }
  }

  /** __ep_eventpoll_poll: readable while some item on the ready list really is ready. */
  override poll(_events?: number, t?: Task): number {
    const tx = this.rdl;
    this.rdl = [];
    let res = 0, i = 0;
    for (; i < tx.length; i++) {
      const epi = tx[i];
      if (epi.dead) { epi.ready = false; this.remove(epi); continue; }
      if (this.itemPoll(epi, t)) { res = POLLIN | POLLRDNORM; break; }
      epi.ready = false;
    }
    this.rdl = tx.slice(i).concat(this.rdl);
    return res;
  }

  /** EINVAL for FIONREAD and every other ioctl (ep_eventpoll_ioctl). */
  override available(): number { throw new Errno(EINVAL); }

  /** ep_show_fdinfo: one line per item. */
  override fdinfo(): string {
    let s = '';
    for (const byFd of this.items.values()) {
      for (const epi of byFd.values()) {
        if (epi.dead) continue;
        let ino = 0, dev = 0;
        try { const st = epi.file.stat(); ino = st.ino; dev = st.dev; } catch { /* gone on the host */ }
        s += `tfd: ${String(epi.fd).padStart(8)} events: ${epi.events.toString(16).padStart(8)} ` +
          `data: ${epi.data.toString(16).padStart(16)}  pos:${epi.file.pos} ino:${ino.toString(16)} sdev:${dev.toString(16)}\n`;
      }
    }
    return s;
  }

  /** ep_clear_and_put: the last reference is gone, every item is unhooked. */
  protected override release(): void {
    for (const byFd of [...this.items.values()]) for (const epi of [...byFd.values()]) this.remove(epi);
    this.pollWait.wake(POLLIN);
  }
}
