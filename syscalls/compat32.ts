// The i386 forms of the file, stat and memory calls (arch/x86/kernel/sys_ia32.c, fs/stat.c,
// fs/statfs.c, fs/readdir.c, fs/fcntl.c, mm/mmap.c): 64-bit offsets split across two registers (low
// word first, except _llseek), the old one-pointer mmap and the page-unit mmap2, the 32-bit
// struct stat / statfs with their EOVERFLOW rules, fcntl64's record locks, old readdir, and the
// 32-bit time structures of utime/utimes. Each one unpacks its i386 arguments and hands the call
// to the handler the x86-64 table uses.

import { Errno, EBADF, EFAULT, EINVAL, ENOSYS, EOVERFLOW, EPIPE, HostError } from '../kernel/errno.js';
import type { Stat } from '../kernel/host.js';
import type { StatFs } from '../kernel/fs/inode.js';
import {
  AT_FDCWD, F_GETLK, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_SETLK, F_SETLKW, MAX_RW_COUNT,
  O_APPEND, O_PATH,
} from '../kernel/linux.js';
import type { Task } from '../kernel/process.js';
import { SIGPIPE } from '../kernel/signal.js';
import { fdfileCalls } from './fdfiles.js';
import { fcntlLock, fileCalls } from './file.js';
import { fsCalls } from './fs.js';
import { miscCalls } from './misc.js';
import { mmCalls } from './mm.js';
import { I386_LAYOUTS, encode } from './structs.js';
import type { Handler } from './types.js';
import { atPath, put32, readPath } from './util.js';

const TWO32 = 4294967296;
const PAGE_SHIFT = 12;
/** MAX_NON_LFS: the largest size a 32-bit off_t reports. */
const MAX_NON_LFS = 0x7fffffff;
/** overflowuid/overflowgid: what a 16-bit id field shows for an id that does not fit. */
export const OVERFLOW_ID = 65534;

/** A loff_t from its two 32-bit halves ((loff_t)hi << 32 | lo: the high word carries the sign). */
export function pair(lo: number, hi: number): number { return (hi | 0) * TWO32 + (lo >>> 0); }

/** high2lowuid: ids above 65535 show as the overflow id. */
export function low16(id: number): number { return (id >>> 0) > 0xffff ? OVERFLOW_ID : id & 0xffff; }

// ---- offsets in register pairs (sys_ia32.c) ---------------------------------------------------------

const F = fileCalls, M = miscCalls;

const pread64: Handler = (t, [fd, buf, count, lo, hi]) => F.pread64(t, [fd, buf, count, pair(lo, hi)]);
const pwrite64: Handler = (t, [fd, buf, count, lo, hi]) => F.pwrite64(t, [fd, buf, count, pair(lo, hi)]);
const truncate64: Handler = (t, [path, lo, hi]) => F.truncate(t, [path, pair(lo, hi)]);
const ftruncate64: Handler = (t, [fd, lo, hi]) => F.ftruncate(t, [fd, pair(lo, hi)]);
const readahead: Handler = (t, [fd, lo, hi, count]) => M.readahead(t, [fd, pair(lo, hi), count]);
// ia32_fadvise64: the length is one (32-bit) register; fadvise64_64 splits both
const fadvise64: Handler = (t, [fd, lo, hi, len, advice]) => F.fadvise64(t, [fd, pair(lo, hi), len, advice]);
const fadvise64_64: Handler = (t, [fd, lo, hi, llo, lhi, advice]) =>
  F.fadvise64(t, [fd, pair(lo, hi), pair(llo, lhi), advice]);
const sync_file_range: Handler = (t, [fd, lo, hi, nlo, nhi, flags]) =>
  fdfileCalls.sync_file_range(t, [fd, pair(lo, hi), pair(nlo, nhi), flags]);
const fallocate: Handler = (t, [fd, mode, lo, hi, llo, lhi]) =>
  fdfileCalls.fallocate(t, [fd, mode, pair(lo, hi), pair(llo, lhi)]);
// compat_sys_preadv{,2}: pos_low, pos_high; the *2 forms read "-1" (both words all ones) as "current"
const preadv: Handler = (t, [fd, iov, cnt, lo, hi]) => F.preadv(t, [fd, iov, cnt, pair(lo, hi)]);
const pwritev: Handler = (t, [fd, iov, cnt, lo, hi]) => F.pwritev(t, [fd, iov, cnt, pair(lo, hi)]);
const preadv2: Handler = (t, [fd, iov, cnt, lo, hi, flags]) => F.preadv2(t, [fd, iov, cnt, pair(lo, hi), 0, flags]);
const pwritev2: Handler = (t, [fd, iov, cnt, lo, hi, flags]) => F.pwritev2(t, [fd, iov, cnt, pair(lo, hi), 0, flags]);

/** _llseek(fd, offset_high, offset_low, loff_t *result, whence): high word first; 0 or -errno. */
const _llseek: Handler = (t, [fd, hi, lo, result, whence]) => {
  const r = F.lseek(t, [fd, pair(lo, hi), whence]);
  const put = (pos: number): number => {
    const b = new Uint8Array(8);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, pos >>> 0, true);
    dv.setUint32(4, Math.floor(pos / TWO32) >>> 0, true);
    t.mem.writeBytes(result, b);
    return 0;
  };
  return typeof r === 'number' ? put(r) : r.then(put);
};

// ---- mmap ----------------------------------------------------------------------------------------------

/** mmap2: the offset is in 4096-byte pages (sys_mmap_pgoff). */
const mmap2: Handler = (t, [addr, len, prot, flags, fd, pgoff]) =>
  mmCalls.mmap(t, [addr, len, prot, flags, fd, (pgoff >>> 0) * (1 << PAGE_SHIFT)]);

/** Old mmap (nr 90): one pointer to struct mmap_arg_struct { addr, len, prot, flags, fd, offset }. */
const mmapOld: Handler = (t, [argp]) => {
  let raw: Uint8Array;
  try { raw = t.mem.readBytes(argp, 24); } catch { throw new Errno(EFAULT); }
  const dv = new DataView(raw.buffer);
  const w = (i: number) => dv.getUint32(4 * i, true);
  if (w(5) & 0xfff) throw new Errno(EINVAL);
  return mmCalls.mmap(t, [w(0), w(1), w(2), w(3), dv.getInt32(16, true), w(5)]);
};

// ---- fcntl / fcntl64 -----------------------------------------------------------------------------------

const F_GETLK64 = 12, F_SETLK64 = 13, F_SETLKW64 = 14;
/** check_fcntl_cmd: what an O_PATH descriptor may still do. */
const PATH_OK = new Set([0 /* F_DUPFD */, 1030 /* F_DUPFD_CLOEXEC */, 1 /* F_GETFD */, 2 /* F_SETFD */, 3 /* F_GETFL */]);

/** do_compat_fcntl64 (both nr 55 and nr 221 on a 64-bit kernel): F_GETLK/F_SETLK/F_SETLKW take the
 *  32-bit struct flock, the F_*LK64 and F_OFD_* commands struct flock64; the rest is fcntl. */
const fcntl64: Handler = (t, [fd, cmd, arg]) => {
  const f = t.proc.fds.get(fd);
  if ((f.flags & O_PATH) && !PATH_OK.has(cmd)) throw new Errno(EBADF);
  switch (cmd) {
    case F_GETLK: case F_SETLK: case F_SETLKW:
      return fcntlLock(t, f, cmd, arg, I386_LAYOUTS.flock);
    case F_GETLK64: case F_SETLK64: case F_SETLKW64:
      return fcntlLock(t, f, cmd - F_GETLK64 + F_GETLK, arg, I386_LAYOUTS.flock64);
    case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW:
      return fcntlLock(t, f, cmd, arg, I386_LAYOUTS.flock64);
    default:
      return F.fcntl(t, [fd, cmd, arg]);
  }
};

// ---- stat ----------------------------------------------------------------------------------------------

function statOf(t: Task, path: number, follow: boolean): Stat {
  return t.kernel.vfs.stat(t.proc, atPath(t, AT_FDCWD, readPath(t, path)), follow);
}

/** new_encode_dev in 32 bits (st_dev/st_rdev of compat_stat). Stats carry glibc's makedev layout. */
function dev32(dev: number): number {
  const lo = dev >>> 0, hi = Math.floor(dev / TWO32) >>> 0;
  const major = ((lo >>> 8) & 0xfff) | (hi & 0xfffff000), minor = (lo & 0xff) | ((lo >>> 12) & 0xfffff00);
  return ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0;
}

/** cp_compat_stat: struct stat with 32-bit fields and 16-bit ids and link count. */
function writeStat32(t: Task, addr: number, st: Stat): number {
  if (st.ino > 0xffffffff || st.nlink > 0xffff || st.size > MAX_NON_LFS) throw new Errno(EOVERFLOW);
  t.mem.writeBytes(addr, encode('i386', I386_LAYOUTS.oldstat, {
    dev: dev32(st.dev), ino: st.ino, mode: st.mode & 0xffff, nlink: st.nlink, uid: low16(st.uid), gid: low16(st.gid),
    rdev: dev32(st.rdev), size: st.size, blksize: st.blksize, blocks: st.blocks >>> 0,
    atime_sec: st.atimeSec >>> 0, atime_nsec: st.atimeNsec, mtime_sec: st.mtimeSec >>> 0, mtime_nsec: st.mtimeNsec,
    ctime_sec: st.ctimeSec >>> 0, ctime_nsec: st.ctimeNsec,
  }));
  return 0;
}

const stat32: Handler = (t, [path, buf]) => writeStat32(t, buf, statOf(t, path, true));
const lstat32: Handler = (t, [path, buf]) => writeStat32(t, buf, statOf(t, path, false));
const fstat32: Handler = (t, [fd, buf]) => writeStat32(t, buf, t.proc.fds.get(fd).stat());

/** cp_old_stat: struct __old_kernel_stat (16-bit dev, ino, mode, nlink, ids, rdev; 32-bit size and
 *  times). A 64-bit kernel does not check the size (BITS_PER_LONG is 64): it is truncated. */
function writeOldStat(t: Task, addr: number, st: Stat): number {
  if (st.ino > 0xffff || st.nlink > 0xffff) throw new Errno(EOVERFLOW);
  const old = (d: number) => { const x = dev32(d); return (((x >>> 8) & 0xff) << 8 | (x & 0xff)) & 0xffff; };
  const b = new Uint8Array(32);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, old(st.dev), true); dv.setUint16(2, st.ino, true); dv.setUint16(4, st.mode & 0xffff, true);
  dv.setUint16(6, st.nlink, true); dv.setUint16(8, low16(st.uid), true); dv.setUint16(10, low16(st.gid), true);
  dv.setUint16(12, old(st.rdev), true); dv.setUint32(16, st.size >>> 0, true);
  dv.setUint32(20, st.atimeSec >>> 0, true); dv.setUint32(24, st.mtimeSec >>> 0, true); dv.setUint32(28, st.ctimeSec >>> 0, true);
  t.mem.writeBytes(addr, b);
  return 0;
}

const oldstat: Handler = (t, [path, buf]) => writeOldStat(t, buf, statOf(t, path, true));
const oldlstat: Handler = (t, [path, buf]) => writeOldStat(t, buf, statOf(t, path, false));
const oldfstat: Handler = (t, [fd, buf]) => writeOldStat(t, buf, t.proc.fds.get(fd).stat());

// stat64 and friends are the x86-64 handlers: on i386 their struct stat layout is stat64
const stat64: Handler = (t, a) => fsCalls.stat(t, a);
const lstat64: Handler = (t, a) => fsCalls.lstat(t, a);
const fstat64: Handler = (t, a) => fsCalls.fstat(t, a);
// sys_fstatat64 takes any flag newfstatat takes
const fstatat64: Handler = (t, [dirfd, path, buf, flags]) => fsCalls.newfstatat(t, [dirfd, path, buf, flags]);

// ---- statfs --------------------------------------------------------------------------------------------

function statfsPath(t: Task, path: number): StatFs {
  return t.kernel.vfs.statfs(t.proc, atPath(t, AT_FDCWD, readPath(t, path)));
}
function statfsFd(t: Task, fd: number): StatFs {
  const f = t.proc.fds.get(fd);
  if (!f.inode || !f.mnt) throw new Errno(ENOSYS);       // as fstatfs does for files without a mount
  return t.kernel.vfs.statfsOf({ mnt: f.mnt });
}

const HI = (v: number) => v > 0xffffffff;
const ALL_ONES = 2 ** 64 - 1;

/** put_compat_statfs: struct statfs of 32-bit words; EOVERFLOW for counts that do not fit (the file
 *  counts may be -1). */
function writeStatfs32(t: Task, addr: number, s: StatFs): number {
  if (HI(s.blocks) || HI(s.bfree) || HI(s.bavail) || HI(s.bsize) || HI(s.frsize)) throw new Errno(EOVERFLOW);
  if ((s.files !== ALL_ONES && HI(s.files)) || (s.ffree !== ALL_ONES && HI(s.ffree))) throw new Errno(EOVERFLOW);
  const b = new Uint8Array(64);
  const dv = new DataView(b.buffer);
  const words = [s.type, s.bsize, s.blocks, s.bfree, s.bavail, s.files, s.ffree];
  words.forEach((v, i) => dv.setUint32(4 * i, v >>> 0, true));
  dv.setInt32(28, s.fsid[0], true); dv.setInt32(32, s.fsid[1], true);
  dv.setUint32(36, s.namelen >>> 0, true); dv.setUint32(40, s.frsize >>> 0, true); dv.setUint32(44, s.flags >>> 0, true);
  t.mem.writeBytes(addr, b);
  return 0;
}

/** struct compat_statfs64 (packed to 4: 84 bytes); the size argument must be exactly that. */
const STATFS64_SIZE = 84;
function writeStatfs64(t: Task, addr: number, s: StatFs): number {
  if (HI(s.bsize) || HI(s.frsize)) throw new Errno(EOVERFLOW);
  const b = new Uint8Array(STATFS64_SIZE);
  const dv = new DataView(b.buffer);
  const u64 = (o: number, v: number) => {
    if (v >= ALL_ONES) { dv.setUint32(o, 0xffffffff, true); dv.setUint32(o + 4, 0xffffffff, true); return; }
    dv.setUint32(o, v >>> 0, true); dv.setUint32(o + 4, Math.floor(v / TWO32) >>> 0, true);
  };
  dv.setUint32(0, s.type >>> 0, true); dv.setUint32(4, s.bsize >>> 0, true);
  u64(8, s.blocks); u64(16, s.bfree); u64(24, s.bavail); u64(32, s.files); u64(40, s.ffree);
  dv.setInt32(48, s.fsid[0], true); dv.setInt32(52, s.fsid[1], true);
  dv.setUint32(56, s.namelen >>> 0, true); dv.setUint32(60, s.frsize >>> 0, true); dv.setUint32(64, s.flags >>> 0, true);
  t.mem.writeBytes(addr, b);
  return 0;
}

const statfs: Handler = (t, [path, buf]) => writeStatfs32(t, buf, statfsPath(t, path));
const fstatfs: Handler = (t, [fd, buf]) => writeStatfs32(t, buf, statfsFd(t, fd));
const statfs64: Handler = (t, [path, sz, buf]) => {
  if (sz !== STATFS64_SIZE) throw new Errno(EINVAL);
  return writeStatfs64(t, buf, statfsPath(t, path));
};
const fstatfs64: Handler = (t, [fd, sz, buf]) => {
  if (sz !== STATFS64_SIZE) throw new Errno(EINVAL);
  return writeStatfs64(t, buf, statfsFd(t, fd));
};

// ---- directories ---------------------------------------------------------------------------------------

/** Old readdir (nr 89): one struct old_linux_dirent { u32 d_ino, u32 d_offset, u16 d_namlen, name } per
 *  call; 1 for an entry, 0 at the end; the count argument is ignored (compat_fillonedir). */
const readdir: Handler = (t, [fd, dirent]) => {
  const f = t.proc.fds.get(fd);
  if (f.flags & O_PATH) throw new Errno(EBADF);
  const entries = f.readdir();
  if (entries.length === 0) return 0;
  const e = entries[0];
  if (e.ino > 0xffffffff) throw new Errno(EOVERFLOW);
  const b = new Uint8Array(10 + e.name.length + 1);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, e.ino >>> 0, true);
  dv.setUint32(4, f.pos + 1, true);
  dv.setUint16(8, e.name.length, true);
  for (let i = 0; i < e.name.length; i++) b[10 + i] = e.name.charCodeAt(i);
  t.mem.writeBytes(dirent, b);
  f.pos += 1;
  return 1;
};

// ---- sendfile with a 32-bit offset ------------------------------------------------------------------

/** compat_sys_sendfile: the offset pointer is a 32-bit off_t (sendfile64 takes loff_t: the x86-64 form). */
const sendfile: Handler = (t, [outfd, infd, offp, count]) => {
  if (!offp) return F.sendfile(t, [outfd, infd, 0, count]);
  const out = t.proc.fds.get(outfd);
  const inp = t.proc.fds.get(infd);
  const off = t.mem.read32(offp) | 0;
  if (!inp.readable || !out.writable) throw new Errno(EBADF);
  if (out.flags & O_APPEND) throw new Errno(EINVAL);
  if (off < 0) throw new Errno(EINVAL);
  count = Math.min(count, MAX_RW_COUNT);
  if (off + count > MAX_NON_LFS) {
    if (off >= MAX_NON_LFS) throw new Errno(EOVERFLOW);
    count = MAX_NON_LFS - off;
  }
  const tmp = new Uint8Array(Math.min(count, 1 << 24));
  const n = inp.pread(tmp, off);
  put32(t, offp, off + n);
  const fail = (e: unknown): never => {
    const errno = e instanceof Errno ? e.errno : e instanceof HostError ? e.errno : 0;
    if (errno === EPIPE && !out.sendsSigpipe) t.kernel.signals.sendNoInfo(t, SIGPIPE);
    throw e;
  };
  try {
    const r = out.write(tmp.subarray(0, n), t);
    return r instanceof Promise ? r.catch(fail) : r;
  } catch (e) { return fail(e); }
};

// ---- 32-bit time structures in path calls --------------------------------------------------------------

/** utime (sys_utime32): struct old_utimbuf32 { s32 actime, modtime }. */
const utime: Handler = (t, [path, times]) => {
  const abs = atPath(t, AT_FDCWD, readPath(t, path));
  let at: [number, number], mt: [number, number];
  if (times) {
    at = [t.mem.read32(times) | 0, 0];
    mt = [t.mem.read32(times + 4) | 0, 0];
  } else at = mt = t.kernel.host.clock.realtime();
  t.kernel.vfs.utimes(t.proc, abs, at, mt, true, times !== 0);
  return 0;
};

/** utimes/futimesat (…_time32): two struct old_timeval32 { s32 tv_sec, s32 tv_usec }. */
function utimes32(t: Task, dirfd: number, path: number, times: number): number {
  const abs = atPath(t, dirfd, readPath(t, path));
  let at: [number, number], mt: [number, number];
  if (times) {
    const tv = (o: number): [number, number] => {
      const s = t.mem.read32(times + o) | 0, us = t.mem.read32(times + o + 4) | 0;
      if (us < 0 || us > 999999) throw new Errno(EINVAL);
      return [s, us * 1000];
    };
    at = tv(0); mt = tv(8);
  } else at = mt = t.kernel.host.clock.realtime();
  t.kernel.vfs.utimes(t.proc, abs, at, mt, true, times !== 0);
  return 0;
}
const utimes: Handler = (t, [path, times]) => utimes32(t, AT_FDCWD, path, times);
const futimesat: Handler = (t, [dirfd, path, times]) => utimes32(t, dirfd, path, times);

export const compat32Calls: Record<string, Handler> = {
  pread64, pwrite64, truncate64, ftruncate64, readahead, fadvise64, fadvise64_64, sync_file_range, fallocate,
  preadv, pwritev, preadv2, pwritev2, _llseek, mmap2, mmapOld, fcntl64,
  stat32, lstat32, fstat32, oldstat, oldlstat, oldfstat, stat64, lstat64, fstat64, fstatat64,
  statfs, fstatfs, statfs64, fstatfs64, readdir, sendfile, utime, utimes, futimesat,
};
