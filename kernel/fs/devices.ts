// The character-device registry (drivers/char/mem.c, drivers/char/random.c, drivers/tty/tty_io.c,
// cut down to what a zone has): the VFS opens every S_IFCHR inode through openDevice(), whichever
// file system the node lives on, so a node made with mknod(2) on a tmpfs behaves like /dev's own.
//
//   1:3 null   1:5 zero   1:7 full   1:8 random   1:9 urandom
//   5:0 tty (the caller's controlling terminal)   5:1 console   5:2 ptmx (no ptys yet: ENXIO)
//   4:N tty<N> / 136:N pts/<N>: only the host terminal's own number opens (it is the one pts shown)
//
// Everything else answers what Linux answers for a major or minor nobody registered: ENXIO.

import type { Backing } from '../../cpu/memory.js';
import { Errno, EAGAIN, EINVAL, EIO, ENODEV, ENOSPC, ENXIO } from '../errno.js';
import { HostFile, Maybe, OpenFile, POLL_ALWAYS } from '../file.js';
import type { Stat } from '../host.js';
import type { Kernel } from '../kernel.js';
import { O_NONBLOCK, O_RDWR, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, SEEK_HOLE, S_IFCHR } from '../linux.js';
import type { Process, Task } from '../process.js';
import { ttyOpened, type TtyDevice } from '../tty.js';
import type { WaitQueue } from '../wait.js';

// ---- device numbers (glibc's makedev layout, which kernel Stats use) ------------------------------

export function makedev(major: number, minor: number): number {
  return ((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12)) >>> 0;
}
export function devMajor(dev: number): number { return ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff); }
export function devMinor(dev: number): number { return (dev & 0xff) | ((dev >>> 12) & ~0xff); }

export const MEM_MAJOR = 1, TTY_MAJOR = 4, TTYAUX_MAJOR = 5, UNIX98_PTY_SLAVE_MAJOR = 136;
const CONSOLE_RDEV = makedev(TTYAUX_MAJOR, 1);

/** The standard nodes as this machine's /dev (devtmpfs, Linux 6.x) shows them: name, rdev, mode. */
export const STANDARD_NODES: readonly { name: string; rdev: number; perm: number }[] = [
  { name: 'null', rdev: makedev(1, 3), perm: 0o666 },
  { name: 'zero', rdev: makedev(1, 5), perm: 0o666 },
  { name: 'full', rdev: makedev(1, 7), perm: 0o666 },
  { name: 'random', rdev: makedev(1, 8), perm: 0o666 },
  { name: 'urandom', rdev: makedev(1, 9), perm: 0o666 },
  { name: 'tty', rdev: makedev(5, 0), perm: 0o666 },
  { name: 'console', rdev: makedev(5, 1), perm: 0o600 },
  { name: 'ptmx', rdev: makedev(5, 2), perm: 0o666 },
];

// ---- the files ----------------------------------------------------------------------------------

/** What a device file reports before the VFS attaches its inode (fstat shows the inode's). */
function nodeStat(rdev: number, perm: number): Stat {
  return {
    dev: 6, ino: 0, mode: S_IFCHR | perm, nlink: 1, uid: 0, gid: 0, rdev, size: 0, blksize: 4096, blocks: 0,
    atimeSec: 0, atimeNsec: 0, mtimeSec: 0, mtimeNsec: 0, ctimeSec: 0, ctimeNsec: 0,
  };
}

/**
 * The memory devices (mem.c memory_fops): positional, every seek lands on 0 (null_lseek for null,
 * zero and full; random's noop_llseek stays at 0 too since reads never move it), no fsync, FIONREAD
 * is not theirs (ENOTTY; random's own ioctl says EINVAL).
 */
abstract class MemDevice extends OpenFile {
  constructor(flags: number, path: string, private readonly rdev: number) { super(flags, path); }
  stat(): Stat { return this.inode ? this.inode.stat() : nodeStat(this.rdev, 0o666); }
  override get seekable(): boolean { return true; }
  override seek(_off: number, whence: number): number {
    if (whence < 0 || whence > SEEK_HOLE) throw new Errno(EINVAL);
    return (this.pos = 0);
  }
  override read(buf: Uint8Array): number { return this.pread(buf, 0); }
  override write(data: Uint8Array): number { return this.pwrite(data, 0); }
  override pread(_buf: Uint8Array, _pos: number): number { return 0; }
  override pwrite(data: Uint8Array, _pos: number): number { return data.length; }
  override truncate(): void { throw new Errno(EINVAL); }
  override sync(): void { throw new Errno(EINVAL); }
}

/** 1:3 — reads end at once, writes vanish. */
class NullDevice extends MemDevice {}

/**
 * 1:5 — reads give zeros, writes vanish. mmap gives zero-filled memory: a private mapping is
 * anonymous memory (Linux keeps the file on the mapping, so /proc/self/maps names /dev/zero), a
 * shared one stays shared across fork like Linux's shmem object (maps says "/dev/zero (deleted)"
 * on Linux; here it says "/dev/zero").
 */
class ZeroDevice extends MemDevice implements Backing {
  override pread(buf: Uint8Array): number { buf.fill(0); return buf.length; }
  override backing(): Backing { return this; }
  readInto(): number { return 0; }     // the pages stay as the pool gives them: zero
  get dev(): number { return this.stat().dev; }
  get ino(): number { return this.stat().ino; }
}

/** 1:7 — reads give zeros, every write (even of 0 bytes) fails with ENOSPC. */
class FullDevice extends MemDevice {
  override pread(buf: Uint8Array): number { buf.fill(0); return buf.length; }
  override pwrite(): number { throw new Errno(ENOSPC); }
}

/**
 * 1:8 random and 1:9 urandom — bytes from the host's generator; writes are accepted (and mixed in
 * on Linux). Linux 5.6+ never blocks either once the pool is ready, which it always is here.
 * random's poll says readable only (random_poll); urandom has no poll of its own.
 */
class RandomDevice extends MemDevice {
  constructor(flags: number, path: string, rdev: number, private readonly k: Kernel, private readonly blocking: boolean) {
    super(flags, path, rdev);
  }
  override pread(buf: Uint8Array): number { this.k.host.random.fill(buf); return buf.length; }
  override poll(): number { return this.blocking ? POLLIN | POLLRDNORM : POLL_ALWAYS; }
  override available(): number { throw new Errno(EINVAL); }
}

/** One reader of each host terminal, shared by every /dev/tty-like open of it. */
const lines = new WeakMap<TtyDevice, HostFile>();

function lineOf(k: Kernel, tty: TtyDevice): HostFile {
  let l = lines.get(tty);
  if (!l) {
    // `inherited`: the host handle belongs to the stdio it came from and is never closed here
    l = new HostFile(k.host, tty.handle, O_RDWR, '/dev/tty', '/dev/tty', { inherited: true, kind: 'tty' });
    l.tty = tty;
    lines.set(tty, l);
  }
  return l;
}

/**
 * A terminal opened by name (/dev/tty, /dev/console, /dev/pts/N): a stream on the host terminal
 * with this description's own flags (O_NONBLOCK), the terminal's termios for ioctls, and the
 * inode's attributes for fstat. Not seekable (tty_open uses nonseekable_open).
 */
class TtyFile extends OpenFile {
  constructor(flags: number, path: string, private readonly line: HostFile, private readonly rdev: number) {
    super(flags, path);
    this.tty = line.tty;
  }
  /** /dev/console: console_fops (redirected_tty_write), which job control leaves alone. */
  get console(): boolean { return this.rdev === CONSOLE_RDEV; }
  stat(): Stat { return this.inode ? this.inode.stat() : nodeStat(this.rdev, 0o620); }
  override read(buf: Uint8Array, t?: Task): Maybe<number> {
    if ((this.flags & O_NONBLOCK) && buf.length > 0 && !(this.line.poll() & POLLIN)) throw new Errno(EAGAIN);
    return this.line.read(buf, t);
  }
  override write(data: Uint8Array): Maybe<number> { return this.line.write(data); }
  // a write-only description must not start a read of the terminal (the input would wait in
  // this line's buffer instead of reaching stdin's)
  override poll(): number { return this.readable ? this.line.poll() : POLLOUT | POLLWRNORM; }
  override get waitq(): WaitQueue | null { return this.line.waitq; }
  override available(): number { return this.line.available(); }
  override truncate(): void { throw new Errno(EINVAL); }
}

// ---- the registry -------------------------------------------------------------------------------

/** The controlling terminal of `p` (get_current_tty); job control: kernel/tty.ts. */
export function controllingTty(_k: Kernel, p: Process): TtyDevice | null {
  return p.ctty ?? null;
}

/** A description of /dev/console: job control does not apply to it. */
export function isConsoleFile(f: OpenFile): boolean {
  return f instanceof TtyFile && f.console;
}

/** rdev of the host terminal (136:N for a pts, 4:N for a virtual console), or -1. */
export function hostTtyRdev(k: Kernel): number {
  const tty = k.hostTty;
  if (!tty) return -1;
  try { return k.host.fs.fstat(tty.handle).rdev; } catch { return -1; }
}

function ttyFile(k: Kernel, tty: TtyDevice, flags: number, path: string, rdev: number): OpenFile {
  return new TtyFile(flags, path, lineOf(k, tty), rdev);
}

/**
 * Opens the character device `rdev` (chrdev_open): a new description with one reference whose
 * `inode`/`mnt` the VFS fills in. `flags` are the open(2) flags the description keeps; `noctty`:
 * O_NOCTTY was given (a session leader without a terminal otherwise acquires the one it opens).
 */
export function openDevice(k: Kernel, rdev: number, flags: number, path: string, p: Process, noctty = true): OpenFile {
  const major = devMajor(rdev), minor = devMinor(rdev);
  switch (major) {
    case MEM_MAJOR:
      switch (minor) {
        case 3: return new NullDevice(flags, path, rdev);
        case 5: return new ZeroDevice(flags, path, rdev);
        case 7: return new FullDevice(flags, path, rdev);
        case 8: return new RandomDevice(flags, path, rdev, k, true);
        case 9: return new RandomDevice(flags, path, rdev, k, false);
      }
      break;
    case TTYAUX_MAJOR:
      switch (minor) {
        case 0: {            // tty_open_current_tty: no controlling terminal is ENXIO
          const tty = controllingTty(k, p);
          if (!tty) throw new Errno(ENXIO);
          return ttyFile(k, tty, flags, path, rdev);
        }
        case 1: {            // tty_lookup_driver: no console device is ENODEV
          const tty = k.hostTty;
          if (!tty) throw new Errno(ENODEV);
          return ttyFile(k, tty, flags, path, rdev);
        }
        // 5:2 ptmx: pseudo-terminals are not modelled yet; a kernel without UNIX98 ptys has no
        // driver at 5:2 and answers ENXIO, which posix_openpt callers report and survive.
      }
      break;
    case TTY_MAJOR: case UNIX98_PTY_SLAVE_MAJOR: {
      const tty = k.hostTty;
      if (tty && hostTtyRdev(k) === rdev) {
        const f = ttyFile(k, tty, flags, path, rdev);
        ttyOpened(p, tty, noctty, f.readable);
        return f;
      }
      // a pts number with no pty behind it: devpts has no such tty (EIO, as on Linux); there are
      // no virtual consoles in a zone (no driver: ENXIO)
      if (major === UNIX98_PTY_SLAVE_MAJOR) throw new Errno(EIO);
      break;
    }
  }
  throw new Errno(ENXIO);
}

/** Block devices: a zone has none (blkdev_open of an unregistered device: ENXIO). */
export function openBlockDevice(): never { throw new Errno(ENXIO); }
