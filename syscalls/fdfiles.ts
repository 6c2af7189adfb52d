// Calls that make or move file contents through descriptors: memfd_create, fallocate,
// copy_file_range and sync_file_range. Checks come in Linux 6.x's order (mm/memfd.c, fs/open.c
// vfs_fallocate, fs/read_write.c, fs/sync.c); the file systems do the rest (kernel/fs/tmpfs.ts).

import { Errno, EBADF, EFBIG, EINVAL, EISDIR, ENAMETOOLONG, ENODEV, ENOSYS, EOPNOTSUPP, EOVERFLOW, ESPIPE, EXDEV } from '../kernel/errno.js';
import { HostFile, type Maybe, type OpenFile } from '../kernel/file.js';
import { memfdOpen } from '../kernel/fs/memfd.js';
import {
  MAX_RW_COUNT, O_APPEND, O_LARGEFILE, O_PATH, RLIMIT_NOFILE, SEEK_CUR, S_IFBLK, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG,
} from '../kernel/linux.js';
import type { Task } from '../kernel/process.js';
import type { Handler } from './types.js';
import { readCStr } from './util.js';

/** fdget(): a descriptor that is not O_PATH (those are EBADF here). */
function fdFile(t: Task, fd: number): OpenFile {
  const f = t.proc.fds.get(fd);
  if (f.flags & O_PATH) throw new Errno(EBADF);
  return f;
}

const typeOf = (f: OpenFile): number => f.stat().mode & S_IFMT;

// ---- memfd_create ----------------------------------------------------------------------------

const MFD_CLOEXEC = 0x1, MFD_ALLOW_SEALING = 0x2, MFD_HUGETLB = 0x4, MFD_NOEXEC_SEAL = 0x8, MFD_EXEC = 0x10;
const MFD_ALL_FLAGS = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC;
/** Huge page size encoding (MFD_HUGE_MASK << MFD_HUGE_SHIFT), allowed only with MFD_HUGETLB. */
const MFD_HUGE_BITS = 0x3f << 26;
/** NAME_MAX minus "memfd:". */
const MFD_NAME_MAX_LEN = 255 - 6;

const memfd_create: Handler = (t, [nameAddr, flags]) => {
  const allowed = flags & MFD_HUGETLB ? MFD_ALL_FLAGS | MFD_HUGE_BITS : MFD_ALL_FLAGS;
  if ((flags & ~allowed) !== 0) throw new Errno(EINVAL);
  if ((flags & MFD_EXEC) && (flags & MFD_NOEXEC_SEAL)) throw new Errno(EINVAL);
  let name: string;
  try {
    name = readCStr(t, nameAddr, MFD_NAME_MAX_LEN + 1);     // strnlen_user: EFAULT, or too long
  } catch (e) {
    if (e instanceof Errno && e.errno === ENAMETOOLONG) throw new Errno(EINVAL);
    throw e;
  }
  // A kernel built without hugetlbfs: hugetlb_file_setup's stub answers ENOSYS.
  if (flags & MFD_HUGETLB) throw new Errno(ENOSYS);
  const p = t.proc;
  const f = memfdOpen(t.kernel, p, {
    name, noexec: (flags & MFD_NOEXEC_SEAL) !== 0, sealable: (flags & (MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL)) !== 0,
  });
  try {
    return p.fds.alloc(f, (flags & MFD_CLOEXEC) !== 0, p.limit(RLIMIT_NOFILE));
  } catch (e) {
    f.unref();
    throw e;
  }
};

// ---- fallocate -------------------------------------------------------------------------------

const FALLOC_FL_KEEP_SIZE = 0x01, FALLOC_FL_PUNCH_HOLE = 0x02, FALLOC_FL_COLLAPSE_RANGE = 0x08,
  FALLOC_FL_ZERO_RANGE = 0x10, FALLOC_FL_INSERT_RANGE = 0x20, FALLOC_FL_UNSHARE_RANGE = 0x40,
  FALLOC_FL_WRITE_ZEROES = 0x80;
const FALLOC_FL_MODE_MASK = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_ZERO_RANGE |
  FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_WRITE_ZEROES;
/** loff_t's range; offsets arrive as doubles, so 2^63 - 1 reads as 2^63. */
const LOFF_LIMIT = 2 ** 63;

/** vfs_fallocate's checks, then the file system's ->fallocate (OpenFile.fallocate). */
const fallocate: Handler = (t, [fd, mode, offset, len]) => {
  const f = fdFile(t, fd);
  if (offset < 0 || len <= 0) throw new Errno(EINVAL);
  if (mode & ~(FALLOC_FL_MODE_MASK | FALLOC_FL_KEEP_SIZE)) throw new Errno(EOPNOTSUPP);
  // the modes exclude each other; ALLOCATE_RANGE is "no bit"
  switch (mode & FALLOC_FL_MODE_MASK) {
    case 0: case FALLOC_FL_UNSHARE_RANGE: case FALLOC_FL_ZERO_RANGE: break;
    case FALLOC_FL_PUNCH_HOLE: if (!(mode & FALLOC_FL_KEEP_SIZE)) throw new Errno(EOPNOTSUPP); break;
    case FALLOC_FL_COLLAPSE_RANGE: case FALLOC_FL_INSERT_RANGE: case FALLOC_FL_WRITE_ZEROES:
      if (mode & FALLOC_FL_KEEP_SIZE) throw new Errno(EOPNOTSUPP);
      break;
    default: throw new Errno(EOPNOTSUPP);
  }
  if (!f.writable) throw new Errno(EBADF);
  const type = typeOf(f);
  if (type === S_IFIFO) throw new Errno(ESPIPE);
  if (type === S_IFDIR) throw new Errno(EISDIR);
  if (type !== S_IFREG && type !== S_IFBLK) throw new Errno(ENODEV);
  if (offset + len >= LOFF_LIMIT) throw new Errno(EFBIG);          // wraps past loff_t
  f.fallocate(mode, offset, len);
  return 0;
};

// ---- copy_file_range ------------------------------------------------------------------------

const U64 = 1n << 64n;
const S64_MAX = (1n << 63n) - 1n;
/** MAX_NON_LFS: the size limit of a file opened without O_LARGEFILE. */
const MAX_NON_LFS = (1n << 31n) - 1n;
/** Largest file size here (kernel/fs/tmpfile.ts MAX_FILE_SIZE): offsets are JS numbers. */
const MAX_BYTES = BigInt(Number.MAX_SAFE_INTEGER);
const CHUNK = 1 << 20;

function readLoff(t: Task, addr: number): bigint {
  return new DataView(t.mem.readBytes(addr, 8).buffer).getBigInt64(0, true);
}

function writeLoff(t: Task, addr: number, v: bigint): void {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, v, true);
  t.mem.writeBytes(addr, b);
}

/** A size_t register value as the exact integer it most likely was (2^64 - 1 rounds up to 2^64). */
function sizeArg(v: number): bigint { return v >= 2 ** 64 ? U64 - 1n : BigInt(v); }

/** The same superblock: copy_file_range between different ones is EXDEV (no file system here has
 *  a ->copy_file_range of its own shared across superblocks, as NFS and CIFS do). Host files are
 *  compared by host device: hostfs is one file system object over many host devices, and inherited
 *  stdio files (no inode here) are host files too. */
function sameSuper(a: OpenFile, b: OpenFile): boolean {
  if (a instanceof HostFile && b instanceof HostFile) return a.stat().dev === b.stat().dev;
  if (!a.inode || !b.inode || a.inode.fs !== b.inode.fs) return false;
  return a.stat().dev === b.stat().dev;
}

function sameFile(a: OpenFile, b: OpenFile): boolean {
  if (a.inode && b.inode) return a.inode.same(b.inode);
  const sa = a.stat(), sb = b.stat();
  return sa.dev === sb.dev && sa.ino === sb.ino;
}

/** The result of a read or write of a regular file, which never has to wait. */
function now(r: Maybe<number>): number {
  if (typeof r !== 'number') throw new Error('copy_file_range: a regular file read or write went asynchronous');
  return r;
}

/** rw_verify_area's range checks. */
function verifyArea(pos: bigint, count: bigint): void {
  if (count > S64_MAX) throw new Errno(EINVAL);
  if (pos < 0n || pos + count > S64_MAX) throw new Errno(EINVAL);
}

const copy_file_range: Handler = (t, [fdIn, offInAddr, fdOut, offOutAddr, len, flags]) => {
  const fin = fdFile(t, fdIn), fout = fdFile(t, fdOut);
  let posIn = offInAddr ? readLoff(t, offInAddr) : BigInt(fin.pos);
  let posOut = offOutAddr ? readLoff(t, offOutAddr) : BigInt(fout.pos);
  if (flags !== 0) throw new Errno(EINVAL);
  // generic_copy_file_checks -> generic_file_rw_checks
  const tin = typeOf(fin), tout = typeOf(fout);
  if (tin === S_IFDIR || tout === S_IFDIR) throw new Errno(EISDIR);
  if (tin !== S_IFREG || tout !== S_IFREG) throw new Errno(EINVAL);
  if (!fin.readable || !fout.writable || (fout.flags & O_APPEND)) throw new Errno(EBADF);
  if (!sameSuper(fin, fout)) throw new Errno(EXDEV);
  let count = sizeArg(len);
  const u = (v: bigint) => BigInt.asUintN(64, v);
  if (u(posIn + count) < u(posIn) || u(posOut + count) < u(posOut)) throw new Errno(EOVERFLOW);
  const sizeIn = BigInt(fin.stat().size);
  count = posIn >= sizeIn ? 0n : (count < sizeIn - posIn ? count : sizeIn - posIn);
  // generic_write_check_limits (s_maxbytes is 2^63 - 1 on Linux; files here end at 2^53)
  const maxSize = fout.flags & O_LARGEFILE ? MAX_BYTES : MAX_NON_LFS;
  if (posOut >= maxSize) throw new Errno(EFBIG);
  if (count > maxSize - posOut) count = maxSize - posOut;
  if (sameFile(fin, fout) && posOut + count > posIn && posOut < posIn + count) throw new Errno(EINVAL);
  verifyArea(posIn, count);
  verifyArea(posOut, count);
  if (count === 0n) return 0;
  // do_splice_direct: at most MAX_RW_COUNT, short when the input ends early. A side without an
  // offset pointer moves through read/write, which keep an inherited host file's offset shared
  // with the host (HostFile); regular files never wait, so those calls answer at once.
  let want = Number(count < BigInt(MAX_RW_COUNT) ? count : BigInt(MAX_RW_COUNT));
  let done = 0;
  let rpos = Number(posIn), wpos = Number(posOut);
  const buf = new Uint8Array(Math.min(want, CHUNK));
  while (want > 0) {
    const chunk = buf.subarray(0, Math.min(want, CHUNK));
    const n = offInAddr ? fin.pread(chunk, rpos) : now(fin.read(chunk, t));
    if (n === 0) break;
    const w = offOutAddr ? fout.pwrite(chunk.subarray(0, n), wpos) : now(fout.write(chunk.subarray(0, n), t));
    if (w < n && !offInAddr) fin.seek(w - n, SEEK_CUR);     // give back what was not written
    done += w; rpos += w; wpos += w; want -= w;
    if (w < n) break;
  }
  if (offInAddr && done > 0) writeLoff(t, offInAddr, posIn + BigInt(done));
  if (offOutAddr && done > 0) writeLoff(t, offOutAddr, posOut + BigInt(done));
  return done;
};

// ---- sync_file_range ------------------------------------------------------------------------

const SYNC_FILE_RANGE_VALID = 0x7;     // WAIT_BEFORE | WRITE | WAIT_AFTER

/** A signed 64-bit argument as the integer it most likely was (2^63 - 1 rounds up to 2^63). */
function loffArg(v: number): bigint { return v >= LOFF_LIMIT ? S64_MAX : BigInt(v); }

/** Nothing is ever dirty here: validate as Linux does and report success for files with data. */
const sync_file_range: Handler = (t, [fd, offset, nbytes, flags]) => {
  const f = fdFile(t, fd);
  if (flags & ~SYNC_FILE_RANGE_VALID) throw new Errno(EINVAL);
  const off = loffArg(offset);
  const end = BigInt.asIntN(64, off + loffArg(nbytes));
  if (off < 0n || end < 0n || end < off) throw new Errno(EINVAL);
  const type = typeOf(f);
  if (type !== S_IFREG && type !== S_IFBLK && type !== S_IFDIR && type !== S_IFLNK) throw new Errno(ESPIPE);
  return 0;
};

export const fdfileCalls: Record<string, Handler> = { memfd_create, fallocate, copy_file_range, sync_file_range };
