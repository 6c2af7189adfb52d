// Anonymous pipes as fs/pipe.c builds them: a ring of up to 16 page buffers (64 KiB), small writes
// merged into the last page when they fit whole (so writes of at most PIPE_BUF bytes are atomic),
// reads that return what is there, EOF once every writer is gone, EPIPE + SIGPIPE once every reader
// is gone, O_NONBLOCK giving EAGAIN, and a blocked reader or writer parked on the pipe's wait
// queue (interruptible: -ERESTARTSYS, or the bytes already moved).

import { Errno, EAGAIN, EBADF, EBUSY, EINVAL, EPERM, EPIPE, ERESTARTSYS } from './errno.js';
import { OpenFile, type Maybe } from './file.js';
import type { Stat } from './host.js';
import {
  O_NONBLOCK, O_RDONLY, O_WRONLY, PIPE_DEF_BUFFERS, PIPE_MAX_SIZE, POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM,
  POLLWRNORM, S_IFIFO,
} from './linux.js';
import type { Task } from './process.js';
import { SIGPIPE } from './signal.js';
import { waitFor, WaitQueue } from './wait.js';

const PAGE = 4096;

interface PipeBuf { data: Uint8Array; off: number; len: number }

let nextIno = 1000000;
/** st_dev of pipefs as this machine's kernel reports it (anonymous device 0:14). */
const PIPEFS_DEV = 0xe;

export class Pipe {
  bufs: PipeBuf[] = [];
  /** Ring size in slots (F_SETPIPE_SZ changes it). */
  maxUsage = PIPE_DEF_BUFFERS;
  readers = 0;
  writers = 0;
  /** Readers wait here for data, writers for room; poll waits on it too. */
  readonly wq = new WaitQueue();
  readonly ino = nextIno++;
  readonly ctime: [number, number];
  uid = 0;
  gid = 0;

  constructor(now: [number, number]) { this.ctime = now; }

  get empty(): boolean { return this.bufs.length === 0; }
  get full(): boolean { return this.bufs.length >= this.maxUsage; }
  get bytes(): number { let n = 0; for (const b of this.bufs) n += b.len; return n; }

  /** Copies out what is buffered, up to buf.length. */
  take(buf: Uint8Array): number {
    let done = 0;
    while (done < buf.length && this.bufs.length) {
      const b = this.bufs[0];
      const n = Math.min(b.len, buf.length - done);
      buf.set(b.data.subarray(b.off, b.off + n), done);
      b.off += n; b.len -= n; done += n;
      if (b.len === 0) this.bufs.shift();
    }
    return done;
  }

  /** Appends a fresh page with up to 4096 bytes of data; returns the count. */
  private push(data: Uint8Array): number {
    const n = Math.min(PAGE, data.length);
    const page = new Uint8Array(PAGE);
    page.set(data.subarray(0, n));
    this.bufs.push({ data: page, off: 0, len: n });
    return n;
  }

  /** pipe_write's merge of the tail (total % 4096 bytes) into the last buffer, when they fit. */
  private merge(data: Uint8Array): number {
    const chars = data.length & (PAGE - 1);
    if (!chars || this.empty) return 0;
    const last = this.bufs[this.bufs.length - 1];
    if (last.off + last.len + chars > PAGE) return 0;
    last.data.set(data.subarray(0, chars), last.off + last.len);
    last.len += chars;
    return chars;
  }

  /** pipe_read */
  read(t: Task | undefined, buf: Uint8Array, nonblock: boolean): Maybe<number> {
    if (buf.length === 0) return 0;
    const attempt = (): number | undefined => {
      if (!this.empty) {
        const wasFull = this.full;
        const n = this.take(buf);
        // pipe_read wakes writers (keyed EPOLLOUT) only when the pipe was full: readiness for
        // reading did not change, so an edge-triggered epoll item for input is not re-armed
        if (wasFull) this.wq.wake(POLLOUT | POLLWRNORM);
        return n;
      }
      if (!this.writers) return 0;
      return undefined;
    };
    const first = attempt();
    if (first !== undefined) return first;
    if (nonblock || !t) throw new Errno(EAGAIN);
    return waitFor<number>(t, [this.wq], attempt, { intr: () => -ERESTARTSYS });
  }

  /** pipe_write: partial progress is returned when interrupted, EPIPE raises SIGPIPE. */
  write(t: Task | undefined, data: Uint8Array, nonblock: boolean): Maybe<number> {
    const total = data.length;
    if (total === 0) return 0;
    let ret = 0;
    const sigpipe = () => { if (t) t.kernel.signals.sendNoInfo(t, SIGPIPE); };
    if (!this.readers) { sigpipe(); throw new Errno(EPIPE); }
    ret = this.merge(data);
    // every write wakes readers (pipe_write: "epoll nonsensically wants a wakeup whether the pipe
    // was already empty or not"), keyed EPOLLIN
    if (ret === total) { this.wq.wake(POLLIN | POLLRDNORM); return ret; }
    // fill pages while there is room; undefined means "wait for room"
    const step = (): number | undefined => {
      for (;;) {
        if (!this.readers) {
          sigpipe();
          if (!ret) throw new Errno(EPIPE);
          return ret;
        }
        if (!this.full) {
          ret += this.push(data.subarray(ret));
          this.wq.wake(POLLIN | POLLRDNORM);
          if (ret === total) return ret;
          continue;
        }
        return undefined;
      }
    };
    const first = step();
    if (first !== undefined) return first;
    if (nonblock || !t) {
      if (!ret) throw new Errno(EAGAIN);
      return ret;
    }
    return waitFor<number>(t, [this.wq], step, { intr: () => (ret ? ret : -ERESTARTSYS) });
  }

  /** F_SETPIPE_SZ (pipe_set_size): returns the new size in bytes. */
  setSize(arg: number, privileged: boolean): number {
    if (arg <= 0 || arg > 0x80000000) throw new Errno(EINVAL);
    let pages = Math.ceil(Math.max(arg, PAGE) / PAGE);
    pages = 2 ** Math.ceil(Math.log2(pages));
    const size = pages * PAGE;
    if (size > PIPE_MAX_SIZE && !privileged) throw new Errno(EPERM);
    if (this.bufs.length > pages) throw new Errno(EBUSY);
    this.maxUsage = pages;
    this.wq.wake();
    return size;
  }
}

/** One end of a pipe (an open file description). */
export class PipeFile extends OpenFile {
  override readonly sendsSigpipe = true;

  constructor(readonly pipe: Pipe, flags: number) {
    super(flags, `pipe:[${pipe.ino}]`);
    if (this.readable) pipe.readers++;
    if (this.writable) pipe.writers++;
  }

  stat(): Stat {
    const [s, ns] = this.pipe.ctime;
    return {
      dev: PIPEFS_DEV, ino: this.pipe.ino, mode: S_IFIFO | 0o600, nlink: 1, uid: this.pipe.uid, gid: this.pipe.gid, rdev: 0,
      size: 0, blksize: PAGE, blocks: 0, atimeSec: s, atimeNsec: ns, mtimeSec: s, mtimeNsec: ns, ctimeSec: s, ctimeNsec: ns,
    };
  }

  override read(buf: Uint8Array, t?: Task): Maybe<number> {
    if (!this.readable) throw new Errno(EBADF);
    return this.pipe.read(t, buf, (this.flags & O_NONBLOCK) !== 0);
  }

  override write(data: Uint8Array, t?: Task): Maybe<number> {
    if (!this.writable) throw new Errno(EBADF);
    return this.pipe.write(t, data, (this.flags & O_NONBLOCK) !== 0);
  }

  override available(): number { return this.pipe.bytes; }

  override poll(): number {
    const p = this.pipe;
    let mask = 0;
    if (this.readable) {
      if (!p.empty) mask |= POLLIN | POLLRDNORM;
      if (!p.writers) mask |= POLLHUP;
    }
    if (this.writable) {
      if (!p.full) mask |= POLLOUT | POLLWRNORM;
      if (!p.readers) mask |= POLLERR;
    }
    return mask;
  }

  override get waitq(): WaitQueue { return this.pipe.wq; }

  protected override release(): void {
    if (this.readable) this.pipe.readers--;
    if (this.writable) this.pipe.writers--;
    this.pipe.wq.wake();
  }
}

/** pipe2: the two ends (read, write). */
export function makePipe(now: [number, number], flags: number, uid: number, gid: number): [PipeFile, PipeFile] {
  const p = new Pipe(now);
  p.uid = uid; p.gid = gid;
  const status = flags & O_NONBLOCK;
  return [new PipeFile(p, O_RDONLY | status), new PipeFile(p, O_WRONLY | status)];
}
