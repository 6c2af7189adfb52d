// Open file descriptions (Linux `struct file`): what an fd points at, shared by dup() and fork().
// Every kind of file implements the same small set of operations, so the syscall layer never
// looks at what is behind a descriptor. Today the kinds are host files (through HostFs), the
// inherited stdio streams, synthetic read-only files (/proc/self/maps) and the embedding API's
// stream endpoints; the VFS issue adds tmpfs/procfs inodes behind the same interface.
//
// Operations throw Errno (or HostError) on failure and return plain numbers on success.

import type { Backing } from '../cpu/memory.js';
import { Errno, EBADF, EINVAL, EISDIR, ENODEV, ENOTDIR, ENOTTY, EOPNOTSUPP, ESPIPE, EOVERFLOW, EAGAIN, EPIPE, ERESTARTSYS } from './errno.js';
import type { Host, HostFdKind, Stat } from './host.js';
import {
  O_ACCMODE, O_APPEND, O_NONBLOCK, O_PATH, O_RDONLY, O_WRONLY, SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE,
  SEEK_SET, S_IFCHR, S_IFDIR, S_IFIFO, S_IFMT, S_IFREG, DT_DIR, DT_UNKNOWN, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM,
} from './linux.js';
import type { Task } from './process.js';
import type { TtyDevice } from './tty.js';
import type { Inode } from './fs/inode.js';
import type { Mount } from './fs/mount.js';
import { waitFor, WaitQueue } from './wait.js';

/** What a regular file (or anything that never waits) reports to poll. */
export const POLL_ALWAYS = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

export interface DirEntry { name: string; type: number; ino: number }

/** A value or a promise of it: handlers stay synchronous unless they must wait. */
export type Maybe<T> = T | Promise<T>;

export abstract class OpenFile {
  /** Descriptors (and mappings) referring to this description. */
  refs = 1;
  /** File offset (positional kinds). */
  pos = 0;
  /** Terminal behind this file, if any (ioctl TCGETS & co). */
  tty: TtyDevice | null = null;
  /** The inode and mount it was opened through (files with a name; null for pipes and streams). */
  inode: Inode | null = null;
  mnt: Mount | null = null;

  constructor(
    /** O_ACCMODE plus status flags (O_APPEND, O_NONBLOCK, ...) as F_GETFL shows them. */
    public flags: number,
    /** The guest path it was opened by (byte string), for /proc/self/fd and *at() calls. */
    public path: string,
  ) {}

  get readable(): boolean { return !(this.flags & O_PATH) && (this.flags & O_ACCMODE) !== O_WRONLY; }
  get writable(): boolean { return !(this.flags & O_PATH) && (this.flags & O_ACCMODE) !== O_RDONLY; }

  abstract stat(): Stat;

  /** Writes that find no reader raise SIGPIPE themselves (pipes); the syscall layer does it otherwise. */
  readonly sendsSigpipe: boolean = false;

  /**
   * Reads into buf at the current offset; returns bytes read (0 at end of file). A read that has to
   * wait parks `t` (interruptibly) and returns a promise; without `t` it throws EAGAIN instead.
   */
  read(_buf: Uint8Array, _t?: Task): Maybe<number> { throw new Errno(EINVAL); }
  write(_data: Uint8Array, _t?: Task): Maybe<number> { throw new Errno(EINVAL); }
  /** Readiness for poll/select (POLLIN, POLLOUT, POLLHUP, POLLERR ... bits). `events` is what the
   *  caller waits for: a file that must start work to learn about input does so only when asked.
   *  `t` is the polling thread (current), which a signalfd's readiness depends on. */
  poll(_events = POLL_ALWAYS, _t?: Task): number { return POLL_ALWAYS; }
  /** Where pollers wait for the readiness to change (null: it never changes). */
  get waitq(): WaitQueue | null { return null; }
  pread(_buf: Uint8Array, _pos: number): number { throw new Errno(ESPIPE); }
  pwrite(_data: Uint8Array, _pos: number): number { throw new Errno(ESPIPE); }
  seek(_off: number, _whence: number): number { throw new Errno(ESPIPE); }
  /** The directory's entries from the current offset on (the offset counts entries). */
  readdir(): DirEntry[] { throw new Errno(ENOTDIR); }
  /** Bytes that a read would return without waiting (FIONREAD). */
  available(): number { throw new Errno(ENOTTY); }
  /** The page source for mmap of this file. */
  backing(): Backing { throw new Errno(ENODEV); }
  truncate(_len: number): void { throw new Errno(EINVAL); }
  /** fallocate(2) on a regular file, mode and range checked by the caller: files whose file system
   *  has no ->fallocate (hostfs: Node offers none) answer EOPNOTSUPP. */
  fallocate(_mode: number, _offset: number, _len: number): void { throw new Errno(EOPNOTSUPP); }
  sync(): void { /* nothing buffered */ }
  /** True when the file has a seekable position. */
  get seekable(): boolean { return false; }
  get isDir(): boolean { return (this.stat().mode & S_IFMT) === S_IFDIR; }

  /** Called once the last reference is gone. */
  protected release(): void { /* nothing to free */ }

  /** Set by kernel/fs/locks.ts once flock or OFD locks are taken through this description:
   *  locks_remove_file drops them with the last reference (file.ts cannot import locks.ts). */
  dropLocks: ((f: OpenFile) => void) | null = null;

  ref(): this { this.refs++; return this; }
  unref(): void {
    if (--this.refs !== 0) return;
    if (this.dropLocks) this.dropLocks(this);
    this.release();
  }
}

/** Host writes to pipes and sockets complete one at a time, in the order the guest made them
 *  (stdout and stderr may be the same host pipe behind two host descriptors). */
let hostWriteChain: Promise<unknown> = Promise.resolve();

/** Shared seek logic for files with a size. */
function seekIn(f: OpenFile, off: number, whence: number, size: () => number): number {
  let base: number;
  switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = f.pos; break;
    case SEEK_END: base = size(); break;
    case SEEK_DATA: {          // no holes known: data everywhere before EOF
      const sz = size();
      if (off < 0 || off >= sz) throw new Errno(6 /* ENXIO */);
      return (f.pos = off);
    }
    case SEEK_HOLE: {
      const sz = size();
      if (off < 0 || off >= sz) throw new Errno(6 /* ENXIO */);
      return (f.pos = sz);
    }
    default: throw new Errno(EINVAL);
  }
  const n = base + off;
  if (n < 0) throw new Errno(EINVAL);
  if (n > Number.MAX_SAFE_INTEGER) throw new Errno(EOVERFLOW);
  return (f.pos = n);
}

/**
 * A file opened on the host: regular files and directories use positional I/O on the host
 * handle; terminals, pipes and devices are streams (reads that can wait are asynchronous).
 * Inherited stdio handles are never closed on the host.
 */
export class HostFile extends OpenFile implements Backing {
  readonly kind: HostFdKind;
  readonly inherited: boolean;
  private dirCache: DirEntry[] | null = null;
  /** Inherited handle whose host offset is shared with the outside world (stdio). */
  private shared: boolean;
  private st: Stat | null = null;
  dev?: number;
  ino?: number;

  constructor(
    private readonly host: Host,
    /** Host handle, or -1 for an O_PATH description that holds no host resource. */
    readonly handle: number,
    flags: number,
    path: string,
    readonly hostPath: string,
    opts: { inherited?: boolean; kind?: HostFdKind; stat?: Stat } = {},
  ) {
    super(flags, path);
    this.inherited = !!opts.inherited;
    this.kind = opts.kind ?? (handle >= 0 ? host.fs.kind(handle) : 'other');
    this.shared = this.inherited && this.kind === 'file';
    if (opts.stat) { this.dev = opts.stat.dev; this.ino = opts.stat.ino; }
    if (this.shared) {
      const info = host.fs.fdInfo(handle);
      if (info) this.pos = info.pos;
    }
  }

  override get seekable(): boolean { return this.kind === 'file' || this.kind === 'dir' || this.kind === 'chr'; }
  get stream(): boolean { return !this.seekable; }
  /** Reads from this file can wait for another party (terminal, pipe, socket). */
  get mayBlock(): boolean { return this.kind === 'tty' || this.kind === 'fifo' || this.kind === 'socket'; }

  stat(): Stat {
    if (this.handle < 0) return this.host.fs.stat(this.hostPath);
    const st = this.host.fs.fstat(this.handle);
    this.dev = st.dev; this.ino = st.ino;
    return st;
  }

  override get isDir(): boolean { return this.kind === 'dir'; }

  // Reads from a terminal or pipe of the host go through one outstanding host read per
  // description, whose result waits here until a guest read takes it: a signal can interrupt the
  // guest's read without losing the data, and poll can tell when input is there.
  private inbuf: Uint8Array | null = null;
  private ineof = false;
  private inerr: unknown = null;
  private inflight = false;
  private readonly inq = new WaitQueue();

  private fill(size: number): void {
    if (this.inflight || this.inbuf || this.ineof || this.inerr) return;
    const b = new Uint8Array(Math.max(1, Math.min(size, 1 << 20)));
    // input the host already has is taken at once (a non-blocking read or poll sees it)
    try {
      const now = this.host.fs.tryRead?.(this.handle, b) ?? null;
      if (now !== null) {
        if (now === 0) this.ineof = true; else this.inbuf = b.subarray(0, now);
        return;
      }
    } catch (e) {
      this.inerr = e;
      return;
    }
    this.inflight = true;
    this.host.fs.readAsync(this.handle, b).then((n) => {
      this.inflight = false;
      if (n === 0) this.ineof = true; else this.inbuf = b.subarray(0, n);
      this.inq.wake();
    }, (e) => {
      this.inflight = false;
      this.inerr = e;
      this.inq.wake();
    });
  }

  /** Takes buffered input: bytes, 0 for end of input, undefined when nothing came yet. */
  private takeInput(buf: Uint8Array): number | undefined {
    if (this.inbuf) {
      const n = Math.min(buf.length, this.inbuf.length);
      buf.set(this.inbuf.subarray(0, n));
      this.inbuf = n < this.inbuf.length ? this.inbuf.subarray(n) : null;
      return n;
    }
    if (this.inerr) { const e = this.inerr; this.inerr = null; throw e; }
    if (this.ineof) { this.ineof = false; return 0; }
    return undefined;
  }

  override read(buf: Uint8Array, t?: Task): Maybe<number> {
    if (this.kind === 'dir') throw new Errno(EISDIR);
    if (this.mayBlock) {
      if (buf.length === 0) return 0;
      const now = this.takeInput(buf);
      if (now !== undefined) return now;
      this.fill(buf.length);
      const filled = this.takeInput(buf);
      if (filled !== undefined) return filled;
      if (!t) {
        return new Promise<number>((resolve, reject) => {
          const rm = this.inq.add(() => {
            try { const v = this.takeInput(buf); if (v !== undefined) { rm(); resolve(v); } } catch (e) { rm(); reject(e); }
          });
        });
      }
      if (this.flags & O_NONBLOCK) throw new Errno(EAGAIN);
      return waitFor<number>(t, [this.inq], () => this.takeInput(buf), { intr: () => -ERESTARTSYS });
    }
    if (this.kind !== 'file' || this.shared) {
      const n = this.host.fs.read(this.handle, buf);
      if (this.shared) this.pos += n;
      return n;
    }
    const n = this.host.fs.pread(this.handle, buf, this.pos);
    this.pos += n;
    return n;
  }

  override write(data: Uint8Array): Maybe<number> {
    if (this.kind === 'dir') throw new Errno(EISDIR);
    if (this.kind === 'fifo' || this.kind === 'socket') {
      const copy = data.slice();
      const p = hostWriteChain.then(() => this.host.fs.writeAsync(this.handle, copy));
      hostWriteChain = p.catch(() => undefined);
      return p;
    }
    if (this.kind !== 'file' || this.shared) {
      const n = this.host.fs.write(this.handle, data);
      if (this.shared) this.pos += n;
      return n;
    }
    if (this.flags & O_APPEND) this.pos = this.host.fs.fstat(this.handle).size;
    const n = this.host.fs.pwrite(this.handle, data, this.pos);
    this.pos += n;
    return n;
  }

  override poll(events = POLL_ALWAYS): number {
    if (!this.mayBlock) return POLL_ALWAYS;
    let mask = POLLOUT | POLLWRNORM;     // the host does not say when its pipe is full
    if (this.inbuf || this.ineof || this.inerr) mask |= POLLIN | POLLRDNORM;
    // A host read is started only for a caller that waits for input: a read left pending on a
    // socket nobody writes to (a program polling its stdout with events 0) would keep it forever.
    else if (this.readable && (events & (POLLIN | POLLRDNORM))) {
      this.fill(4096);
      if (this.inbuf || this.ineof || this.inerr) mask |= POLLIN | POLLRDNORM;   // the host had it already
    }
    return mask;
  }

  override get waitq(): WaitQueue | null { return this.mayBlock ? this.inq : null; }

  override pread(buf: Uint8Array, pos: number): number {
    if (this.kind === 'dir') throw new Errno(EISDIR);
    if (this.kind !== 'file' && this.kind !== 'chr') throw new Errno(ESPIPE);
    return this.host.fs.pread(this.handle, buf, pos);
  }

  override pwrite(data: Uint8Array, pos: number): number {
    if (this.kind === 'chr') return this.host.fs.write(this.handle, data);
    if (this.kind !== 'file') throw new Errno(ESPIPE);
    // Linux: pwrite on an O_APPEND file appends regardless of the offset.
    if (this.flags & O_APPEND) pos = this.host.fs.fstat(this.handle).size;
    return this.host.fs.pwrite(this.handle, data, pos);
  }

  override seek(off: number, whence: number): number {
    if (this.kind === 'dir') {
      // Directory offsets are entry indexes; SEEK_SET 0 (rewinddir) re-reads the directory.
      if (whence === SEEK_SET && off >= 0) { this.pos = off; if (off === 0) this.dirCache = null; return off; }
      if (whence === SEEK_CUR && off === 0) return this.pos;
      if (whence === SEEK_END) throw new Errno(EINVAL);
      return seekIn(this, off, whence, () => 0);
    }
    // Character devices such as /dev/null and /dev/zero accept any seek and stay at 0.
    if (this.kind === 'chr') return (this.pos = 0);
    if (this.kind !== 'file' || this.handle < 0) throw new Errno(ESPIPE);
    // An inherited file detaches from the host's offset on its first real seek (Node has no lseek).
    if (this.shared && !(whence === SEEK_CUR && off === 0)) this.shared = false;
    return seekIn(this, off, whence, () => this.host.fs.fstat(this.handle).size);
  }

  override readdir(): DirEntry[] {
    if (this.kind !== 'dir') throw new Errno(ENOTDIR);
    if (!this.dirCache) {
      const fs = this.host.fs;
      const self = fs.fstat(this.handle);
      let parentIno = self.ino;
      try { parentIno = fs.stat(this.hostPath + '/..').ino; } catch { /* keep self */ }
      const list: DirEntry[] = [
        { name: '.', type: DT_DIR, ino: self.ino },
        { name: '..', type: DT_DIR, ino: parentIno },
      ];
      for (const e of fs.readdir(this.hostPath)) {
        let ino = 0;
        let type = e.type;
        try {
          const st = fs.lstat(this.hostPath + '/' + e.name);
          ino = st.ino;
          if (type === DT_UNKNOWN) type = (st.mode & S_IFMT) >>> 12;
        } catch { /* vanished meanwhile */ continue; }
        list.push({ name: e.name, type, ino });
      }
      this.dirCache = list;
    }
    return this.dirCache.slice(this.pos);
  }

  override available(): number {
    if (this.kind === 'file') return Math.max(0, this.host.fs.fstat(this.handle).size - this.pos);
    if (this.kind === 'dir') throw new Errno(ENOTTY);
    return this.inbuf ? this.inbuf.length : 0;   // the host does not say how much more it holds
  }

  override backing(): Backing {
    if (this.kind !== 'file') throw new Errno(ENODEV);
    if (this.ino === undefined) this.stat();
    return this;
  }

  override truncate(len: number): void {
    if (this.kind !== 'file') throw new Errno(EINVAL);
    this.host.fs.ftruncate(this.handle, len);
  }

  override sync(): void { if (this.handle >= 0 && this.kind === 'file') this.host.fs.fsync(this.handle); }

  /** Backing: fills a page of a file mapping (past EOF stays zero). */
  readInto(offset: number, dst: Uint8Array, dstOff: number, len: number): number {
    return this.host.fs.pread(this.handle, dst.subarray(dstOff, dstOff + len), offset);
  }

  protected override release(): void {
    if (this.handle >= 0 && !this.inherited) {
      try { this.host.fs.close(this.handle); } catch { /* already gone */ }
    }
  }

  /** The stat of the file at open time, when known (cheap mode checks). */
  cachedStat(): Stat { return (this.st ??= this.stat()); }
}

/** A read-only file whose whole content is generated when first read (procfs-style). */
export class MemFile extends OpenFile {
  private data: Uint8Array | null = null;
  constructor(path: string, private readonly gen: () => Uint8Array, private readonly st: Stat) {
    super(O_RDONLY, path);
  }
  private get content(): Uint8Array { return (this.data ??= this.gen()); }
  stat(): Stat { return { ...this.st, size: 0 }; }
  override get seekable(): boolean { return true; }
  override read(buf: Uint8Array): number {
    const n = this.pread(buf, this.pos);
    this.pos += n;
    return n;
  }
  override write(): number { throw new Errno(EBADF); }
  override pread(buf: Uint8Array, pos: number): number {
    if (pos === 0 && this.pos === 0) this.data = null;     // a read from the start sees fresh content
    const c = this.content;
    if (pos >= c.length) return 0;
    const n = Math.min(buf.length, c.length - pos);
    buf.set(c.subarray(pos, pos + n));
    return n;
  }
  override seek(off: number, whence: number): number { return seekIn(this, off, whence, () => this.content.length); }
  override available(): number { return Math.max(0, this.content.length - this.pos); }
}

/** Where a stream endpoint's bytes come from: chunks on demand; null at end of input. */
export type ChunkSource = () => Promise<Uint8Array | null>;

/**
 * A stream endpoint of the embedding API: reads pull chunks from a source, writes go to a sink
 * callback (in order, synchronously). Looks like a pipe to the guest.
 */
export class StreamFile extends OpenFile {
  private pending: Uint8Array | null = null;
  private eof = false;
  constructor(
    flags: number,
    path: string,
    private readonly source: ChunkSource | null,
    private readonly sink: ((data: Uint8Array) => void) | null,
    private readonly onClose?: () => void,
  ) {
    super(flags, path);
  }

  stat(): Stat {
    return {
      dev: 0xc, ino: 1, mode: S_IFIFO | 0o600, nlink: 1, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 4096,
      blocks: 0, atimeSec: 0, atimeNsec: 0, mtimeSec: 0, mtimeNsec: 0, ctimeSec: 0, ctimeNsec: 0,
    };
  }

  private inflight = false;
  private readonly inq = new WaitQueue();

  private fill(): void {
    if (this.inflight || this.pending || this.eof || !this.source) return;
    this.inflight = true;
    this.source().then((chunk) => {
      this.inflight = false;
      if (!chunk) this.eof = true; else this.pending = chunk;
      this.inq.wake();
    }, () => { this.inflight = false; this.eof = true; this.inq.wake(); });
  }

  private tryTake(buf: Uint8Array): number | undefined {
    if (this.pending) return this.take(buf);
    if (this.eof) return 0;
    return undefined;
  }

  override read(buf: Uint8Array, t?: Task): Maybe<number> {
    if (!this.source) throw new Errno(EBADF);
    const now = this.tryTake(buf);
    if (now !== undefined) return now;
    this.fill();
    if (this.flags & O_NONBLOCK) throw new Errno(EAGAIN);
    if (!t) {
      return new Promise<number>((resolve) => {
        const rm = this.inq.add(() => { const v = this.tryTake(buf); if (v !== undefined) { rm(); resolve(v); } });
      });
    }
    return waitFor<number>(t, [this.inq], () => this.tryTake(buf), { intr: () => -ERESTARTSYS });
  }

  override poll(events = POLL_ALWAYS): number {
    let mask = this.sink ? POLLOUT | POLLWRNORM : 0;
    if (this.source) {
      if (this.pending || this.eof) mask |= POLLIN | POLLRDNORM;
      else if (events & (POLLIN | POLLRDNORM)) this.fill();
    }
    return mask;
  }

  override get waitq(): WaitQueue { return this.inq; }

  private take(buf: Uint8Array): number {
    const p = this.pending!;
    const n = Math.min(buf.length, p.length);
    buf.set(p.subarray(0, n));
    this.pending = n < p.length ? p.subarray(n) : null;
    return n;
  }

  override write(data: Uint8Array): number {
    if (!this.sink) throw new Errno(EPIPE);
    this.sink(data.slice());
    return data.length;
  }

  override available(): number { return this.pending ? this.pending.length : 0; }

  protected override release(): void { this.onClose?.(); }
}

/** A character device with fixed behaviour (/dev/null-like endpoint for 'ignore' stdio). */
export class NullFile extends OpenFile {
  stat(): Stat {
    return {
      dev: 5, ino: 4, mode: S_IFCHR | 0o666, nlink: 1, uid: 0, gid: 0, rdev: (1 << 8) | 3, size: 0,
      blksize: 4096, blocks: 0, atimeSec: 0, atimeNsec: 0, mtimeSec: 0, mtimeNsec: 0, ctimeSec: 0, ctimeNsec: 0,
    };
  }
  override read(): number { return 0; }
  override write(data: Uint8Array): number { return data.length; }
  override seek(): number { return (this.pos = 0); }
  override get seekable(): boolean { return true; }
}

export const S_ISREG = (m: number): boolean => (m & S_IFMT) === S_IFREG;
export const S_ISDIR = (m: number): boolean => (m & S_IFMT) === S_IFDIR;
