// File-descriptor calls: read/write and their vector and positional forms, lseek, open/close,
// dup*, fcntl, ioctl, getdents, truncate/sync. Errors are Linux's, in Linux's order.

import {
  Errno, EBADF, EFAULT, EINVAL, EISDIR, EMFILE, ENOTTY, EOVERFLOW, EPIPE, ESPIPE, HostError,
} from '../kernel/errno.js';
import type { Maybe, OpenFile } from '../kernel/file.js';
import { HostFile } from '../kernel/file.js';
import { makePipe, PipeFile } from '../kernel/pipe.js';
import {
  checkLockType, flockFile, lockRange, LOCK_EX, LOCK_MAND, LOCK_NB, LOCK_SH, LOCK_UN, OFFSET_MAX, setPosix, testPosix,
  type PosixLock,
} from '../kernel/fs/locks.js';
import {
  F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_GETLK, F_GETOWN, F_GETSIG, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW,
  F_SETFD, F_SETFL, F_SETLK, F_SETLKW, F_SETOWN, F_SETSIG, F_UNLCK, F_RDLCK, F_WRLCK, FD_CLOEXEC, F_GETPIPE_SZ,
  F_SETPIPE_SZ, F_GETLEASE, F_SETLEASE, F_GET_SEALS, F_ADD_SEALS, F_NOTIFY, F_GETOWN_EX, F_SETOWN_EX,
  FIOASYNC, FIOCLEX, FIONBIO, FIONCLEX, FIONREAD, MAX_RW_COUNT, O_ASYNC, O_CLOEXEC, O_CREAT, O_NONBLOCK, O_TRUNC,
  O_WRONLY, RLIMIT_NOFILE, SETFL_MASK, TCFLSH, TCGETS, TCSBRK, TCSETS, TCSETSF, TCSETSW, TCXONC, TIOCGPGRP,
  TIOCGSID, TIOCGWINSZ, TIOCNOTTY, TIOCSCTTY, TIOCSPGRP, TIOCSWINSZ, UIO_MAXIOV, O_LARGEFILE, O_PATH,
  O_ACCMODE, O_DIRECTORY, O_NOFOLLOW, O_EXCL, O_NOCTTY, O_APPEND, O_DSYNC, O_DIRECT, O_NOATIME, O_SYNC, O_TMPFILE,
  TCGETS2, SEEK_DATA, SEEK_HOLE, SEEK_SET, TIOCOUTQ,
} from '../kernel/linux.js';
import type { Task } from '../kernel/process.js';
import { SIGPIPE, SIGTTOU } from '../kernel/signal.js';
import { isConsoleFile } from '../kernel/fs/devices.js';
import {
  TERMIOS_SIZE, tiocgpgrp, tiocgsid, tiocnotty, tiocsctty, tiocspgrp, ttyCheckChange, ttyReadCheck, ttyWriteCheck,
} from '../kernel/tty.js';
import { decode, encode, get64 as dvGet64, layoutsFor, type Layout } from './structs.js';
import type { Handler } from './types.js';
import { abiOf, atPath, put32, readPath } from './util.js';

/** Continues with fn on a value or a promise of it. */
function then<T, R>(x: Maybe<T>, fn: (v: T) => R): Maybe<R> {
  return x instanceof Promise ? x.then(fn) : fn(x);
}

/** A temporary buffer for a read of up to `count` bytes from f. */
function readBuffer(f: OpenFile, count: number): Uint8Array {
  let n = Math.min(count, MAX_RW_COUNT);
  if (f instanceof HostFile && f.kind === 'file') {
    try { n = Math.min(n, Math.max(0, f.stat().size - f.pos)); } catch { /* keep n */ }
  } else {
    n = Math.min(n, 1 << 20);
  }
  return new Uint8Array(n);
}

function userRange(t: Task, addr: number, len: number): void {
  if (addr + len > t.mem.limit) throw new Errno(EFAULT);
}

/** EPIPE from a write also raises SIGPIPE in the writer (pipes raise it themselves). */
function writeErr(t: Task, f: OpenFile, e: unknown): never {
  const errno = e instanceof Errno ? e.errno : e instanceof HostError ? e.errno : 0;
  if (errno === EPIPE && !f.sendsSigpipe) t.kernel.signals.sendNoInfo(t, SIGPIPE);
  throw e;
}

/** A terminal's job-control check before a read or write (n_tty_read / n_tty_write): 0 or -errno. */
function ttyJob(t: Task, f: OpenFile, write: boolean): number {
  const tty = f.tty;
  if (!tty) return 0;
  return write ? ttyWriteCheck(t, tty, isConsoleFile(f)) : ttyReadCheck(t, tty, isConsoleFile(f));
}

function doWrite(t: Task, f: OpenFile, data: Uint8Array): Maybe<number> {
  const jc = ttyJob(t, f, true);
  if (jc) return jc;
  try {
    const r = f.write(data, t);
    return r instanceof Promise ? r.catch((e) => writeErr(t, f, e)) : r;
  } catch (e) {
    return writeErr(t, f, e);
  }
}

const read: Handler = (t, [fd, buf, count]) => {
  const f = t.proc.fds.get(fd);
  if (!f.readable) throw new Errno(EBADF);
  userRange(t, buf, Math.min(count, MAX_RW_COUNT));
  const tmp = readBuffer(f, count);
  if (tmp.length > 0) t.mem.checkWritable(buf, tmp.length);
  const jc = ttyJob(t, f, false);
  if (jc) return jc;
  return then(f.read(tmp, t), (n) => {
    if (n > 0) t.mem.writeBytes(buf, tmp.subarray(0, n));
    return n;
  });
};

const write: Handler = (t, [fd, buf, count]) => {
  const f = t.proc.fds.get(fd);
  if (!f.writable) throw new Errno(EBADF);
  count = Math.min(count, MAX_RW_COUNT);
  userRange(t, buf, count);
  const data = count > 0 ? t.mem.readBytes(buf, count) : new Uint8Array(0);
  return doWrite(t, f, data);
};

/** Reads an iovec array: [base, len][] (EINVAL for a bad count or a negative length). */
function readIov(t: Task, iov: number, cnt: number): [number, number][] {
  if (cnt < 0 || cnt > UIO_MAXIOV) throw new Errno(EINVAL);
  const abi = abiOf(t);
  const l = layoutsFor(abi).iovec;
  const raw = cnt > 0 ? t.mem.readBytes(iov, l.size * cnt) : new Uint8Array(0);
  const out: [number, number][] = [];
  let total = 0;
  for (let i = 0; i < cnt; i++) {
    const v = decode(abi, l, raw.subarray(i * l.size, (i + 1) * l.size));
    const signedMax = abi === 'x86_64' ? 2 ** 63 : 2 ** 31;
    if (v.iov_len >= signedMax) throw new Errno(EINVAL);
    let len = v.iov_len;
    if (total + len > MAX_RW_COUNT) len = MAX_RW_COUNT - total;   // rw_copy_check_uvector truncates
    total += len;
    out.push([v.iov_base, len]);
  }
  return out;
}

function gather(t: Task, iov: [number, number][]): Uint8Array {
  const total = iov.reduce((s, [, l]) => s + l, 0);
  const data = new Uint8Array(total);
  let off = 0;
  for (const [base, len] of iov) {
    if (len > 0) data.set(t.mem.readBytes(base, len), off);
    off += len;
  }
  return data;
}

function scatter(t: Task, iov: [number, number][], data: Uint8Array, n: number): void {
  let off = 0;
  for (const [base, len] of iov) {
    if (off >= n) break;
    const k = Math.min(len, n - off);
    t.mem.writeBytes(base, data.subarray(off, off + k));
    off += k;
  }
}

const readv: Handler = (t, [fd, iovp, cnt]) => {
  const f = t.proc.fds.get(fd);
  if (!f.readable) throw new Errno(EBADF);
  const iov = readIov(t, iovp, cnt);
  const total = iov.reduce((s, [, l]) => s + l, 0);
  for (const [b, l] of iov) if (l > 0) t.mem.checkWritable(b, l);
  const tmp = readBuffer(f, total);
  const jc = ttyJob(t, f, false);
  if (jc) return jc;
  return then(f.read(tmp, t), (n) => { scatter(t, iov, tmp, n); return n; });
};

const writev: Handler = (t, [fd, iovp, cnt]) => {
  const f = t.proc.fds.get(fd);
  if (!f.writable) throw new Errno(EBADF);
  const iov = readIov(t, iovp, cnt);
  return doWrite(t, f, gather(t, iov));
};

const pread64: Handler = (t, [fd, buf, count, off]) => {
  const f = t.proc.fds.get(fd);
  if (!f.readable) throw new Errno(EBADF);
  if (off < 0) throw new Errno(EINVAL);
  if (!f.seekable) throw new Errno(ESPIPE);
  count = Math.min(count, MAX_RW_COUNT);
  userRange(t, buf, count);
  const tmp = new Uint8Array(count);
  let size = Infinity;
  try { size = f.stat().size; } catch { /* unknown */ }
  const want = f.isDir ? tmp : tmp.subarray(0, Math.max(0, Math.min(count, size - off)));
  if (want.length > 0) t.mem.checkWritable(buf, want.length);
  const n = f.pread(want, off);
  if (n > 0) t.mem.writeBytes(buf, tmp.subarray(0, n));
  return n;
};

const pwrite64: Handler = (t, [fd, buf, count, off]) => {
  const f = t.proc.fds.get(fd);
  if (!f.writable) throw new Errno(EBADF);
  if (off < 0) throw new Errno(EINVAL);
  if (!f.seekable) throw new Errno(ESPIPE);
  count = Math.min(count, MAX_RW_COUNT);
  const data = count > 0 ? t.mem.readBytes(buf, count) : new Uint8Array(0);
  return f.pwrite(data, off);
};

/** preadv/pwritev (x86-64: the offset is one register; -1 in the *2 forms means "current"). */
function preadvCommon(t: Task, fd: number, iovp: number, cnt: number, off: number): Maybe<number> {
  const f = t.proc.fds.get(fd);
  if (!f.readable) throw new Errno(EBADF);
  const iov = readIov(t, iovp, cnt);
  const total = iov.reduce((s, [, l]) => s + l, 0);
  if (off === -1) {
    const tmp = readBuffer(f, total);
    const jc = ttyJob(t, f, false);
    if (jc) return jc;
    return then(f.read(tmp, t), (n) => { scatter(t, iov, tmp, n); return n; });
  }
  if (off < 0) throw new Errno(EINVAL);
  if (!f.seekable) throw new Errno(ESPIPE);
  const tmp = new Uint8Array(total);
  const n = f.pread(tmp, off);
  scatter(t, iov, tmp, n);
  return n;
}

function pwritevCommon(t: Task, fd: number, iovp: number, cnt: number, off: number): Maybe<number> {
  const f = t.proc.fds.get(fd);
  if (!f.writable) throw new Errno(EBADF);
  const iov = readIov(t, iovp, cnt);
  const data = gather(t, iov);
  if (off === -1) return doWrite(t, f, data);
  if (off < 0) throw new Errno(EINVAL);
  if (!f.seekable) throw new Errno(ESPIPE);
  return f.pwrite(data, off);
}

const preadv: Handler = (t, [fd, iov, cnt, off]) => { if (off === -1) throw new Errno(EINVAL); return preadvCommon(t, fd, iov, cnt, off); };
const pwritev: Handler = (t, [fd, iov, cnt, off]) => { if (off === -1) throw new Errno(EINVAL); return pwritevCommon(t, fd, iov, cnt, off); };
const RWF_VALID = 0x1f;   // HIPRI DSYNC SYNC NOWAIT APPEND
const preadv2: Handler = (t, [fd, iov, cnt, off, , flags]) => {
  if (flags & ~RWF_VALID) throw new Errno(95 /* EOPNOTSUPP */);
  return preadvCommon(t, fd, iov, cnt, off);
};
const pwritev2: Handler = (t, [fd, iov, cnt, off, , flags]) => {
  if (flags & ~RWF_VALID) throw new Errno(95);
  return pwritevCommon(t, fd, iov, cnt, off);
};

const lseek: Handler = (t, [fd, off, whence]) => {
  const f = t.proc.fds.get(fd);
  if (f.flags & O_PATH) throw new Errno(EBADF);
  if (whence > SEEK_HOLE || whence < 0) throw new Errno(EINVAL);
  if (!f.seekable && whence !== SEEK_DATA) throw new Errno(ESPIPE);
  return f.seek(off, whence);
};

// ---- open / close / dup ----------------------------------------------------------------------------

const VALID_OPEN = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | O_ASYNC |
  O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC | O_PATH | O_TMPFILE;

export function openFile(t: Task, path: string, flags: number, mode: number): number | Promise<number> {
  const p = t.proc;
  flags &= VALID_OPEN;   // open(2) ignores unknown flags
  const install = (f: OpenFile): number => {
    try {
      return p.fds.alloc(f, !!(flags & O_CLOEXEC), p.limit(RLIMIT_NOFILE));
    } catch (e) {
      f.unref();
      throw e;
    }
  };
  const f = t.kernel.vfs.open(p, path, flags, mode, t);    // a FIFO may wait for its other end
  return f instanceof Promise ? f.then(install) : install(f);
}

const open: Handler = (t, [path, flags, mode]) => openFile(t, atPath(t, -100, readPath(t, path)), flags, mode);
const openat: Handler = (t, [dirfd, path, flags, mode]) => openFile(t, atPath(t, dirfd, readPath(t, path)), flags, mode);
const creat: Handler = (t, [path, mode]) => openFile(t, atPath(t, -100, readPath(t, path)), O_CREAT | O_WRONLY | O_TRUNC, mode);

const openat2: Handler = (t, [dirfd, path, how, size]) => {
  if (size < 24) throw new Errno(EINVAL);
  if (size > 4096) throw new Errno(7 /* E2BIG */);
  const raw = t.mem.readBytes(how, 24);
  const dv = new DataView(raw.buffer);
  const flags = dvGet64(dv, 0, false), mode = dvGet64(dv, 8, false), resolve = dvGet64(dv, 16, false);
  if (flags & ~VALID_OPEN || flags > 0xffffffff) throw new Errno(EINVAL);
  if (resolve & ~0x3f) throw new Errno(EINVAL);
  if (mode & ~0o7777 || (mode !== 0 && !(flags & O_CREAT) && (flags & O_TMPFILE) !== O_TMPFILE)) throw new Errno(EINVAL);
  return openFile(t, atPath(t, dirfd, readPath(t, path)), flags, mode);
};

const close: Handler = (t, [fd]) => { t.proc.fds.close(fd); return 0; };

const CLOSE_RANGE_UNSHARE = 2, CLOSE_RANGE_CLOEXEC = 4;
const close_range: Handler = (t, [first, last, flags]) => {
  if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) throw new Errno(EINVAL);
  first >>>= 0; last >>>= 0;
  if (first > last) throw new Errno(EINVAL);
  for (const fd of t.proc.fds.list()) {
    if (fd < first || fd > last) continue;
    if (flags & CLOSE_RANGE_CLOEXEC) t.proc.fds.entry(fd)!.cloexec = true;
    else t.proc.fds.close(fd);
  }
  return 0;
};

const dup: Handler = (t, [fd]) => {
  const p = t.proc;
  const f = p.fds.get(fd);
  return p.fds.alloc(f.ref(), false, p.limit(RLIMIT_NOFILE));
};

function dupTo(t: Task, oldfd: number, newfd: number, cloexec: boolean): number {
  const p = t.proc;
  const f = p.fds.get(oldfd);
  if (newfd < 0 || newfd >= p.limit(RLIMIT_NOFILE)) throw new Errno(EBADF);
  p.fds.install(newfd, f.ref(), cloexec);
  return newfd;
}

const dup2: Handler = (t, [oldfd, newfd]) => {
  if (oldfd === newfd) { t.proc.fds.get(oldfd); return newfd; }
  return dupTo(t, oldfd, newfd, false);
};

const dup3: Handler = (t, [oldfd, newfd, flags]) => {
  if (flags & ~O_CLOEXEC) throw new Errno(EINVAL);
  if (oldfd === newfd) throw new Errno(EINVAL);
  return dupTo(t, oldfd, newfd, !!(flags & O_CLOEXEC));
};

// ---- fcntl -----------------------------------------------------------------------------------------

/**
 * fcntl's record locks (fcntl_getlk, fcntl_setlk) with the struct flock layout `l` of the caller's
 * ABI; cmd is F_GETLK/F_SETLK/F_SETLKW or an F_OFD_* command (i386's fcntl64 maps its F_*LK64
 * commands to these and passes flock64). Errors in fs/locks.c's order.
 */
export function fcntlLock(t: Task, f: OpenFile, cmd: number, arg: number, l: Layout): Maybe<number> {
  const raw = t.mem.readBytes(arg, l.size);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const at = (name: string): number => l.fields[name][0];
  const wide = l.fields.l_start[1] === 'i64';   // else i386's struct flock: 32-bit offsets
  const off = (name: string): bigint => (wide ? dv.getBigInt64(at(name), true) : BigInt(dv.getInt32(at(name), true)));
  const type = dv.getInt16(at('l_type'), true);
  const ofd = cmd === F_OFD_GETLK || cmd === F_OFD_SETLK || cmd === F_OFD_SETLKW;
  const get = cmd === F_GETLK || cmd === F_OFD_GETLK;
  if (get && !ofd && type !== F_RDLCK && type !== F_WRLCK) throw new Errno(EINVAL);
  const range = lockRange(f, dv.getInt16(at('l_whence'), true), off('l_start'), off('l_len'));
  checkLockType(type);
  if (!get) {
    if (type === F_RDLCK && !f.readable) throw new Errno(EBADF);
    if (type === F_WRLCK && !f.writable) throw new Errno(EBADF);
  }
  if (ofd && dv.getInt32(at('l_pid'), true) !== 0) throw new Errno(EINVAL);
  // POSIX locks belong to the fd table (current->files), OFD locks to the open description
  const req: PosixLock = { owner: ofd ? f : t.proc.fds, ofd, pid: t.proc.pid, type, ...range };
  if (!get) return setPosix(t, f, req, cmd === F_SETLKW || cmd === F_OFD_SETLKW);
  const c = testPosix(f, req);
  if (!c) {
    dv.setInt16(at('l_type'), F_UNLCK, true);     // the rest goes back as it came
  } else {
    let len = c.end === OFFSET_MAX ? 0n : c.end - c.start + 1n;
    if (!wide) {
      // fixup_compat_flock: a start that does not fit is EOVERFLOW, a length is clipped
      if (c.start > 0x7fffffffn) throw new Errno(EOVERFLOW);
      if (len > 0x7fffffffn) len = 0x7fffffffn;
    }
    dv.setInt16(at('l_type'), c.type, true);
    dv.setInt16(at('l_whence'), SEEK_SET, true);
    if (wide) { dv.setBigInt64(at('l_start'), c.start, true); dv.setBigInt64(at('l_len'), len, true); }
    else { dv.setInt32(at('l_start'), Number(c.start), true); dv.setInt32(at('l_len'), Number(len), true); }
    dv.setInt32(at('l_pid'), c.ofd ? -1 : c.pid, true);
  }
  t.mem.writeBytes(arg, raw);
  return 0;
}

const fcntl: Handler = (t, [fd, cmd, arg]) => {
  const p = t.proc;
  const f = p.fds.get(fd);
  const e = p.fds.entry(fd)!;
  const iarg = arg | 0;
  switch (cmd) {
    case F_DUPFD: case F_DUPFD_CLOEXEC: {
      const lim = p.limit(RLIMIT_NOFILE);
      if (iarg < 0 || iarg >= lim) throw new Errno(EINVAL);
      return p.fds.alloc(f.ref(), cmd === F_DUPFD_CLOEXEC, lim, iarg);
    }
    case F_GETFD: return e.cloexec ? FD_CLOEXEC : 0;
    case F_SETFD: e.cloexec = (iarg & FD_CLOEXEC) !== 0; return 0;
    case F_GETFL: return f.flags;
    case F_SETFL:
      if (f.flags & O_PATH) throw new Errno(EBADF);
      f.flags = (f.flags & ~SETFL_MASK) | (iarg & SETFL_MASK);
      return 0;
    case F_GETLK: case F_SETLK: case F_SETLKW: case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW:
      if (f.flags & O_PATH) throw new Errno(EBADF);      // check_fcntl_cmd: O_PATH allows none of them
      return fcntlLock(t, f, cmd, arg, layoutsFor(abiOf(t)).flock);
    case F_GETOWN: return 0;
    case F_SETOWN: return 0;
    case F_GETOWN_EX: case F_SETOWN_EX: return 0;
    case F_GETSIG: return 0;
    case F_SETSIG: if (iarg < 0 || iarg > 64) throw new Errno(EINVAL); return 0;
    case F_GETLEASE: return F_UNLCK;
    case F_SETLEASE: throw new Errno(EINVAL);
    case F_NOTIFY: throw new Errno(EINVAL);
    case F_GETPIPE_SZ:
      if (f instanceof PipeFile) return f.pipe.maxUsage * 4096;
      if (f instanceof HostFile && f.kind === 'fifo') return 65536;
      throw new Errno(EBADF);
    case F_SETPIPE_SZ:
      if (f instanceof PipeFile) return f.pipe.setSize(arg, false);
      if (f instanceof HostFile && f.kind === 'fifo') return 65536;
      throw new Errno(EBADF);
    case F_GET_SEALS: case F_ADD_SEALS: throw new Errno(EINVAL);
    default: throw new Errno(EINVAL);
  }
};

// ---- ioctl -----------------------------------------------------------------------------------------

const ioctl: Handler = (t, [fd, req, arg]) => {
  const p = t.proc;
  const f = p.fds.get(fd);
  if (f.flags & O_PATH) throw new Errno(EBADF);
  const abi = abiOf(t);
  const L = layoutsFor(abi);
  switch (req) {
    case FIOCLEX: p.fds.entry(fd)!.cloexec = true; return 0;
    case FIONCLEX: p.fds.entry(fd)!.cloexec = false; return 0;
    case FIONBIO: {
      const on = t.mem.read32(arg) !== 0;
      f.flags = on ? f.flags | O_NONBLOCK : f.flags & ~O_NONBLOCK;
      return 0;
    }
    case FIOASYNC: {
      const on = t.mem.read32(arg) !== 0;
      f.flags = on ? f.flags | O_ASYNC : f.flags & ~O_ASYNC;
      return 0;
    }
    case FIONREAD: {
      const n = f.available();
      put32(t, arg, n);
      return 0;
    }
  }
  const tty = f.tty;
  if (!tty) throw new Errno(ENOTTY);
  switch (req) {
    case TCGETS: t.mem.writeBytes(arg, tty.termios.slice(0, TERMIOS_SIZE)); return 0;
    case TCSETS: case TCSETSW: case TCSETSF: {
      const r = ttyCheckChange(t, tty, SIGTTOU);   // set_termios: a background caller stops first
      if (r) return r;
      tty.setTermios(t.mem.readBytes(arg, TERMIOS_SIZE));
      return 0;
    }
    case TIOCGWINSZ: {
      const [rows, cols, xp, yp] = tty.winsize();
      t.mem.writeBytes(arg, encode(abi, L.winsize, { ws_row: rows, ws_col: cols, ws_xpixel: xp, ws_ypixel: yp }));
      return 0;
    }
    case TIOCSWINSZ: {
      const w = decode(abi, L.winsize, t.mem.readBytes(arg, L.winsize.size));
      tty.setWinsize([w.ws_row, w.ws_col, w.ws_xpixel, w.ws_ypixel]);
      return 0;
    }
    case TIOCGPGRP: case TIOCGSID: {
      const r = req === TIOCGPGRP ? tiocgpgrp(t, tty) : tiocgsid(t, tty);
      if (r < 0) return r;
      put32(t, arg, r);
      return 0;
    }
    case TIOCSPGRP: return tiocspgrp(t, tty, () => t.mem.read32(arg) | 0);
    case TIOCSCTTY: return tiocsctty(t, tty, arg, f.readable);
    case TIOCNOTTY: return tiocnotty(t, tty);
    case TCFLSH: case TCSBRK: case TCXONC: return ttyCheckChange(t, tty, SIGTTOU);
    case TIOCOUTQ: put32(t, arg, 0); return 0;
    case TCGETS2: throw new Errno(ENOTTY);
    default: throw new Errno(ENOTTY);
  }
};

// ---- directories -----------------------------------------------------------------------------------

function getdentsCommon(t: Task, fd: number, dirp: number, count: number, old: boolean): number {
  const f = t.proc.fds.get(fd);
  if (f.flags & O_PATH) throw new Errno(EBADF);
  const entries = f.readdir();
  const out = new Uint8Array(Math.min(count, 1 << 20));
  const dv = new DataView(out.buffer);
  let off = 0;
  let used = 0;
  const word = t.proc.mode64 ? 8 : 4;
  for (const e of entries) {
    const nameLen = e.name.length;
    const reclen = old
      ? Math.ceil((2 * word + 2 + nameLen + 2) / word) * word
      : Math.ceil((19 + nameLen + 1) / 8) * 8;
    if (off + reclen > out.length) break;
    // compat_filldir: a 32-bit d_ino that cannot hold the inode number ends the call with EOVERFLOW
    if (old && word === 4 && e.ino > 0xffffffff) { if (used === 0) throw new Errno(EOVERFLOW); break; }
    const cookie = f.pos + used + 1;
    if (old) {
      if (word === 8) { dv.setUint32(off, e.ino >>> 0, true); dv.setUint32(off + 4, Math.floor(e.ino / 2 ** 32), true); dv.setUint32(off + 8, cookie, true); }
      else { dv.setUint32(off, e.ino >>> 0, true); dv.setUint32(off + 4, cookie, true); }
      dv.setUint16(off + 2 * word, reclen, true);
      for (let i = 0; i < nameLen; i++) out[off + 2 * word + 2 + i] = e.name.charCodeAt(i);
      out[off + reclen - 1] = e.type;
    } else {
      dv.setUint32(off, e.ino >>> 0, true);
      dv.setUint32(off + 4, Math.floor(e.ino / 2 ** 32), true);
      dv.setUint32(off + 8, cookie, true);
      dv.setUint16(off + 16, reclen, true);
      out[off + 18] = e.type;
      for (let i = 0; i < nameLen; i++) out[off + 19 + i] = e.name.charCodeAt(i);
    }
    off += reclen;
    used++;
  }
  if (used === 0 && entries.length > 0) throw new Errno(EINVAL);
  if (off > 0) t.mem.writeBytes(dirp, out.subarray(0, off));
  f.pos += used;
  return off;
}

const getdents64: Handler = (t, [fd, dirp, count]) => getdentsCommon(t, fd, dirp, count, false);
const getdents: Handler = (t, [fd, dirp, count]) => getdentsCommon(t, fd, dirp, count, true);

// ---- size and sync ---------------------------------------------------------------------------------

const ftruncate: Handler = (t, [fd, len]) => {
  const f = t.proc.fds.get(fd);
  if (f.flags & O_PATH) throw new Errno(EBADF);
  if (len < 0) throw new Errno(EINVAL);
  if (!f.writable || f.isDir) throw new Errno(EINVAL);
  f.truncate(len);
  return 0;
};

const truncate: Handler = (t, [path, len]) => {
  const p = atPath(t, -100, readPath(t, path));
  if (len < 0) throw new Errno(EINVAL);
  const st = t.kernel.vfs.stat(t.proc, p, true);
  if ((st.mode & 0o170000) === 0o40000) throw new Errno(EISDIR);
  t.kernel.vfs.truncate(t.proc, p, len);
  return 0;
};

const fsync: Handler = (t, [fd]) => {
  const f = t.proc.fds.get(fd);
  if (f.flags & O_PATH) throw new Errno(EBADF);
  // files with a name sync (tmpfs: nothing to do); pipes, sockets and streams cannot
  if (f.inode && !(f instanceof HostFile && f.kind !== 'file' && f.kind !== 'dir')) { f.sync(); return 0; }
  throw new Errno(EINVAL);
};

const flock: Handler = (t, [fd, op]) => {
  // LOCK_MAND never worked and is ignored, before the descriptor is even looked at
  if (op & LOCK_MAND) return 0;
  const base = op & ~LOCK_NB;
  const type = base === LOCK_SH ? F_RDLCK : base === LOCK_EX ? F_WRLCK : base === LOCK_UN ? F_UNLCK : -1;
  if (type < 0) throw new Errno(EINVAL);
  const f = t.proc.fds.get(fd);
  if (f.flags & O_PATH) throw new Errno(EBADF);       // fdget() does not see O_PATH descriptors
  if (type !== F_UNLCK && !f.readable && !f.writable) throw new Errno(EBADF);
  return flockFile(t, f, type, !(op & LOCK_NB));
};

const fadvise64: Handler = (t, [fd, , len, advice]) => {
  const f = t.proc.fds.get(fd);
  if (f instanceof HostFile && (f.kind === 'fifo' || f.kind === 'socket')) throw new Errno(ESPIPE);
  if (advice < 0 || advice > 5 || len < 0) throw new Errno(EINVAL);
  return 0;
};

const sendfile: Handler = (t, [outfd, infd, offp, count]) => {
  const out = t.proc.fds.get(outfd);
  const inp = t.proc.fds.get(infd);
  if (!inp.readable || !out.writable) throw new Errno(EBADF);
  if (out.flags & O_APPEND) throw new Errno(EINVAL);
  count = Math.min(count, MAX_RW_COUNT);
  let data: Uint8Array;
  if (offp) {
    const dv = new DataView(t.mem.readBytes(offp, 8).buffer);
    const off = dvGet64(dv, 0, true);
    if (off < 0) throw new Errno(EINVAL);
    const tmp = new Uint8Array(Math.min(count, 1 << 24));
    const n = inp.pread(tmp, off);
    data = tmp.subarray(0, n);
    const nb = new Uint8Array(8);
    const ndv = new DataView(nb.buffer);
    ndv.setUint32(0, (off + n) >>> 0, true); ndv.setUint32(4, Math.floor((off + n) / 2 ** 32), true);
    t.mem.writeBytes(offp, nb);
    return doWrite(t, out, data);
  }
  const tmp = readBuffer(inp, count);
  return then(inp.read(tmp, t), (n) => doWrite(t, out, tmp.subarray(0, n))) as Maybe<number>;
};

// ---- pipes -----------------------------------------------------------------------------------------

function doPipe(t: Task, fds: number, flags: number): number {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) throw new Errno(EINVAL);
  if (flags & O_DIRECT) throw new Errno(EINVAL);     // packet mode: not modelled
  const p = t.proc;
  const [r, w] = makePipe(t.kernel.host.clock.realtime(), flags, p.euid, p.egid);
  const lim = p.limit(RLIMIT_NOFILE);
  let rfd = -1, wfd = -1;
  try {
    rfd = p.fds.alloc(r, !!(flags & O_CLOEXEC), lim);
    wfd = p.fds.alloc(w, !!(flags & O_CLOEXEC), lim);
    const b = new Uint8Array(8);
    const dv = new DataView(b.buffer);
    dv.setInt32(0, rfd, true);
    dv.setInt32(4, wfd, true);
    t.mem.writeBytes(fds, b);
  } catch (e) {
    if (rfd >= 0) p.fds.close(rfd); else r.unref();
    if (wfd >= 0) p.fds.close(wfd); else w.unref();
    throw e;
  }
  return 0;
}

const pipe: Handler = (t, [fds]) => doPipe(t, fds, 0);
const pipe2: Handler = (t, [fds, flags]) => doPipe(t, fds, flags);

export const fileCalls: Record<string, Handler> = {
  pipe, pipe2,
  read, write, readv, writev, pread64, pwrite64, preadv, pwritev, preadv2, pwritev2, lseek,
  open, openat, openat2, creat, close, close_range, dup, dup2, dup3, fcntl, ioctl, getdents, getdents64,
  ftruncate, truncate, fsync, fdatasync: fsync, flock, fadvise64, sendfile,
};

export { EMFILE };
