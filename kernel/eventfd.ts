// eventfd (fs/eventfd.c): a 64-bit counter. A read takes the whole count (or 1 with
// EFD_SEMAPHORE) and waits while it is 0; a write adds to it and waits while the sum would reach
// 0xffffffffffffffff. Reads and writes move exactly 8 bytes. Each change wakes the other side with
// a poll key (EPOLLIN after a write, EPOLLOUT after a read), which edge-triggered epoll follows.

import { Errno, EAGAIN, EINVAL, ERESTARTSYS } from './errno.js';
import type { Maybe } from './file.js';
import { AnonFile } from './fs/anon.js';
import { O_NONBLOCK, POLLERR, POLLIN, POLLOUT } from './linux.js';
import type { Task } from './process.js';
import { waitFor, WaitQueue } from './wait.js';

export const EFD_SEMAPHORE = 1;
const ULLONG_MAX = 0xffffffffffffffffn;

let nextId = 0;

export class EventFd extends AnonFile {
  private readonly wq = new WaitQueue();
  /** ida number shown by fdinfo. */
  private readonly id = nextId++;

  constructor(private count: bigint, flags: number, private readonly semaphore: boolean) {
    super('eventfd', flags);
  }

  private get nonblock(): boolean { return (this.flags & O_NONBLOCK) !== 0; }

  /** eventfd_read: 8 bytes (EINVAL for a shorter buffer). */
  override read(buf: Uint8Array, t?: Task): Maybe<number> {
    if (buf.length < 8) throw new Errno(EINVAL);
    const take = (): number | undefined => {
      if (this.count === 0n) return undefined;
      const v = this.semaphore ? 1n : this.count;
      this.count -= v;
      this.wq.wake(POLLOUT);
      new DataView(buf.buffer, buf.byteOffset, 8).setBigUint64(0, v, true);
      return 8;
    };
    const now = take();
    if (now !== undefined) return now;
    if (this.nonblock || !t) throw new Errno(EAGAIN);
    return waitFor<number>(t, [this.wq], take, { intr: () => -ERESTARTSYS });
  }

  /** eventfd_write: exactly 8 bytes; the all-ones value is refused. */
  override write(data: Uint8Array, t?: Task): Maybe<number> {
    if (data.length !== 8) throw new Errno(EINVAL);
    const v = new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true);
    if (v === ULLONG_MAX) throw new Errno(EINVAL);
    const add = (): number | undefined => {
      if (ULLONG_MAX - this.count <= v) return undefined;
      this.count += v;
      this.wq.wake(POLLIN);
      return 8;
    };
    const now = add();
    if (now !== undefined) return now;
    if (this.nonblock || !t) throw new Errno(EAGAIN);
    return waitFor<number>(t, [this.wq], add, { intr: () => -ERESTARTSYS });
  }

  /** eventfd_poll: no RDNORM/WRNORM bits; POLLERR only for a counter that overflowed in the kernel. */
  override poll(): number {
    let mask = 0;
    if (this.count > 0n) mask |= POLLIN;
    if (this.count === ULLONG_MAX) mask |= POLLERR;
    if (ULLONG_MAX - 1n > this.count) mask |= POLLOUT;
    return mask;
  }

  override get waitq(): WaitQueue { return this.wq; }

  override fdinfo(): string {
    return `eventfd-count: ${this.count.toString(16).padStart(16)}\neventfd-id: ${this.id}\n` +
      `eventfd-semaphore: ${this.semaphore ? 1 : 0}\n`;
  }
}
