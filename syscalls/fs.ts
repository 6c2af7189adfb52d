// Path calls: stat family, access, cwd, directories, links, rename, modes, times, umask.

import { Errno, EBADF, EFAULT, EINVAL, ENOENT, ENOTDIR, ERANGE, EPERM, ENOSYS } from '../kernel/errno.js';
import type { StatFs } from '../kernel/fs/inode.js';
import type { Stat } from '../kernel/host.js';
import {
  AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_NO_AUTOMOUNT, AT_REMOVEDIR, AT_STATX_SYNC_TYPE, AT_SYMLINK_FOLLOW,
  AT_SYMLINK_NOFOLLOW, O_PATH, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK, STATX__RESERVED, STATX_BASIC_STATS, STATX_BTIME,
  STATX_MNT_ID,
} from '../kernel/linux.js';
import type { Task } from '../kernel/process.js';
import { encode, layoutsFor } from './structs.js';
import type { Handler } from './types.js';
import { abiOf, atPath, readCStr, readPath } from './util.js';

/** Fields of struct stat / stat64 for a Stat. */
export function statFields(st: Stat): Record<string, number> {
  return {
    dev: st.dev, ino: st.ino, __st_ino: st.ino >>> 0, nlink: st.nlink, mode: st.mode, uid: st.uid, gid: st.gid,
    rdev: st.rdev, size: st.size, blksize: st.blksize, blocks: st.blocks,
    atime_sec: st.atimeSec, atime_nsec: st.atimeNsec, mtime_sec: st.mtimeSec, mtime_nsec: st.mtimeNsec,
    ctime_sec: st.ctimeSec, ctime_nsec: st.ctimeNsec,
  };
}

export function writeStat(t: Task, addr: number, st: Stat): void {
  const abi = abiOf(t);
  t.mem.writeBytes(addr, encode(abi, layoutsFor(abi).stat, statFields(st)));
}

/** dev_t (glibc/new_encode_dev layout) → [major, minor]. */
export function devSplit(dev: number): [number, number] {
  const lo = dev >>> 0, hi = Math.floor(dev / 2 ** 32) >>> 0;
  return [((lo >>> 8) & 0xfff) | (hi & 0xfffff000), (lo & 0xff) | ((lo >>> 12) & 0xfffff00)];
}

/** stat of (dirfd, path) with AT_EMPTY_PATH / AT_SYMLINK_NOFOLLOW, and the mount it is on. */
function statAtMnt(t: Task, dirfd: number, pathAddr: number, flags: number): { st: Stat; mntId: number } {
  const empty = (flags & AT_EMPTY_PATH) !== 0;
  const path = pathAddr === 0 && empty ? '' : readPath(t, pathAddr, empty);
  const vfs = t.kernel.vfs;
  if (path === '' && dirfd !== AT_FDCWD) {
    const f = t.proc.fds.get(dirfd);
    return { st: f.stat(), mntId: f.mnt ? f.mnt.id : ANON_MNT_ID };
  }
  const loc = vfs.resolve(t.proc, atPath(t, dirfd, path), path === '' || !(flags & AT_SYMLINK_NOFOLLOW));
  return { st: loc.inode.stat(), mntId: loc.mnt.id };
}

function statAt(t: Task, dirfd: number, pathAddr: number, flags: number): Stat {
  return statAtMnt(t, dirfd, pathAddr, flags).st;
}

const stat: Handler = (t, [path, buf]) => { writeStat(t, buf, statAt(t, AT_FDCWD, path, 0)); return 0; };
const lstat: Handler = (t, [path, buf]) => { writeStat(t, buf, statAt(t, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW)); return 0; };
const fstat: Handler = (t, [fd, buf]) => { writeStat(t, buf, t.proc.fds.get(fd).stat()); return 0; };
const newfstatat: Handler = (t, [dirfd, path, buf, flags]) => {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH)) throw new Errno(EINVAL);
  writeStat(t, buf, statAt(t, dirfd, path, flags));
  return 0;
};

/** The mount id pipes and other nameless files show (Linux: the internal pipefs/anon mount). */
const ANON_MNT_ID = 15;

const statx: Handler = (t, [dirfd, path, flags, mask, buf]) => {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) throw new Errno(EINVAL);
  if ((flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE) throw new Errno(EINVAL);
  if (mask & STATX__RESERVED) throw new Errno(EINVAL);
  const { st, mntId } = statAtMnt(t, dirfd, path, flags);
  const [rmaj, rmin] = devSplit(st.rdev);
  const [dmaj, dmin] = devSplit(st.dev);
  const hasBtime = st.btimeSec !== undefined;
  const abi = abiOf(t);
  t.mem.writeBytes(buf, encode(abi, layoutsFor(abi).statx, {
    mask: STATX_BASIC_STATS | STATX_MNT_ID | (hasBtime ? STATX_BTIME : 0),
    blksize: st.blksize, attributes: 0, nlink: st.nlink, uid: st.uid, gid: st.gid, mode: st.mode & 0xffff,
    ino: st.ino, size: st.size, blocks: st.blocks, attributes_mask: 0,
    atime_sec: st.atimeSec, atime_nsec: st.atimeNsec,
    btime_sec: hasBtime ? st.btimeSec : 0, btime_nsec: hasBtime ? st.btimeNsec : 0,
    ctime_sec: st.ctimeSec, ctime_nsec: st.ctimeNsec, mtime_sec: st.mtimeSec, mtime_nsec: st.mtimeNsec,
    rdev_major: rmaj, rdev_minor: rmin, dev_major: dmaj, dev_minor: dmin, mnt_id: mntId,
  }));
  return 0;
};

// ---- access ------------------------------------------------------------------------------------------

function accessAt(t: Task, dirfd: number, pathAddr: number, mode: number, flags: number): number {
  if (mode & ~7) throw new Errno(EINVAL);
  if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) throw new Errno(EINVAL);
  const empty = (flags & AT_EMPTY_PATH) !== 0;
  const path = readPath(t, pathAddr, empty);
  const abs = atPath(t, dirfd, path);
  if (flags & AT_SYMLINK_NOFOLLOW) {
    const st = t.kernel.vfs.stat(t.proc, abs, false);
    if ((st.mode & S_IFMT) === S_IFLNK) return 0;    // a link's own permissions are always rwx
  }
  t.kernel.vfs.access(t.proc, abs, mode);
  return 0;
}

const access: Handler = (t, [path, mode]) => accessAt(t, AT_FDCWD, path, mode, 0);
const faccessat: Handler = (t, [dirfd, path, mode]) => accessAt(t, dirfd, path, mode, 0);
const faccessat2: Handler = (t, [dirfd, path, mode, flags]) => accessAt(t, dirfd, path, mode, flags);

// ---- cwd ---------------------------------------------------------------------------------------------

/**
 * getcwd(2): the working directory's path from the process's root, built from the directory
 * itself (d_path), not from the name it was entered by. A directory that lost its name (rmdir,
 * renamed over) answers ENOENT before the size is looked at. The "(unreachable)" prefix Linux
 * gives a directory outside the process's root (2.6.36 on) cannot arise: chroot is refused, so
 * every working directory is reached from the zone's root.
 */
const getcwd: Handler = (t, [buf, size]) => {
  const ref = t.proc.pwd;
  if (ref.unlinked) throw new Errno(ENOENT);
  const cwd = ref.path;
  const len = cwd.length + 1;
  if (size < len) throw new Errno(ERANGE);
  const b = new Uint8Array(len);
  for (let i = 0; i < cwd.length; i++) b[i] = cwd.charCodeAt(i);
  t.mem.writeBytes(buf, b);
  return len;
};

const chdir: Handler = (t, [path]) => {
  t.proc.pwd = t.kernel.vfs.dirRef(t.proc, atPath(t, AT_FDCWD, readPath(t, path)), true);
  return 0;
};

const fchdir: Handler = (t, [fd]) => {
  const f = t.proc.fds.get(fd);
  if (!f.isDir) throw new Errno(ENOTDIR);
  t.proc.pwd = t.kernel.vfs.fileDirRef(t.proc, f);
  return 0;
};

const chroot: Handler = (t, [path]) => {
  readPath(t, path);
  throw new Errno(EPERM);
};

// ---- directories and names -----------------------------------------------------------------------

const mkdir: Handler = (t, [path, mode]) => { t.kernel.vfs.mkdir(t.proc, atPath(t, AT_FDCWD, readPath(t, path)), mode); return 0; };
const mkdirat: Handler = (t, [dirfd, path, mode]) => { t.kernel.vfs.mkdir(t.proc, atPath(t, dirfd, readPath(t, path)), mode); return 0; };

const rmdir: Handler = (t, [path]) => { t.kernel.vfs.rmdir(t.proc, atPath(t, AT_FDCWD, readPath(t, path))); return 0; };
const unlink: Handler = (t, [path]) => { t.kernel.vfs.unlink(t.proc, atPath(t, AT_FDCWD, readPath(t, path))); return 0; };
const unlinkat: Handler = (t, [dirfd, path, flags]) => {
  if (flags & ~AT_REMOVEDIR) throw new Errno(EINVAL);
  const abs = atPath(t, dirfd, readPath(t, path));
  if (flags & AT_REMOVEDIR) t.kernel.vfs.rmdir(t.proc, abs); else t.kernel.vfs.unlink(t.proc, abs);
  return 0;
};

function renameAt(t: Task, olddir: number, oldp: number, newdir: number, newp: number, flags: number): number {
  const from = atPath(t, olddir, readPath(t, oldp));
  const to = atPath(t, newdir, readPath(t, newp));
  t.kernel.vfs.rename(t.proc, from, to, flags);
  return 0;
}
const rename: Handler = (t, [o, n]) => renameAt(t, AT_FDCWD, o, AT_FDCWD, n, 0);
const renameat: Handler = (t, [od, o, nd, n]) => renameAt(t, od, o, nd, n, 0);
const renameat2: Handler = (t, [od, o, nd, n, flags]) => renameAt(t, od, o, nd, n, flags);

function readlinkAt(t: Task, dirfd: number, pathAddr: number, buf: number, size: number): number {
  const path = readPath(t, pathAddr, true);
  if (size <= 0) throw new Errno(EINVAL);
  let target: string;
  if (path === '') {
    if (dirfd === AT_FDCWD) throw new Errno(ENOENT);
    const f = t.proc.fds.get(dirfd);
    if (!f.inode || !f.inode.isLink) throw new Errno(ENOENT);
    target = f.inode.readlink(t.proc);
  } else target = t.kernel.vfs.readlink(t.proc, atPath(t, dirfd, path));
  const n = Math.min(size, target.length);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = target.charCodeAt(i);
  t.mem.writeBytes(buf, b);
  return n;
}
const readlink: Handler = (t, [path, buf, size]) => readlinkAt(t, AT_FDCWD, path, buf, size);
const readlinkat: Handler = (t, [dirfd, path, buf, size]) => readlinkAt(t, dirfd, path, buf, size);

const symlink: Handler = (t, [target, path]) => {
  const tg = readPath(t, target);
  t.kernel.vfs.symlink(t.proc, tg, atPath(t, AT_FDCWD, readPath(t, path)));
  return 0;
};
const symlinkat: Handler = (t, [target, dirfd, path]) => {
  const tg = readPath(t, target);
  t.kernel.vfs.symlink(t.proc, tg, atPath(t, dirfd, readPath(t, path)));
  return 0;
};

function linkAt(t: Task, od: number, o: number, nd: number, n: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) throw new Errno(EINVAL);
  const src = readPath(t, o, (flags & AT_EMPTY_PATH) !== 0);
  const to = atPath(t, nd, readPath(t, n));
  if (src === '') {
    const f = t.proc.fds.get(od);
    t.kernel.vfs.linkLoc(t.proc, t.kernel.vfs.fileLoc(f), to);
  } else t.kernel.vfs.link(t.proc, atPath(t, od, src), to, (flags & AT_SYMLINK_FOLLOW) !== 0);
  return 0;
}
const link: Handler = (t, [o, n]) => linkAt(t, AT_FDCWD, o, AT_FDCWD, n, 0);
const linkat: Handler = (t, [od, o, nd, n, flags]) => linkAt(t, od, o, nd, n, flags);

// ---- attributes ----------------------------------------------------------------------------------

const chmod: Handler = (t, [path, mode]) => { t.kernel.vfs.chmod(t.proc, atPath(t, AT_FDCWD, readPath(t, path)), mode); return 0; };
const fchmodat: Handler = (t, [dirfd, path, mode]) => { t.kernel.vfs.chmod(t.proc, atPath(t, dirfd, readPath(t, path)), mode); return 0; };
const fchmodat2: Handler = (t, [dirfd, path, mode, flags]) => {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) throw new Errno(EINVAL);
  const abs = atPath(t, dirfd, readPath(t, path, (flags & AT_EMPTY_PATH) !== 0));
  if (flags & AT_SYMLINK_NOFOLLOW) {
    const st = t.kernel.vfs.stat(t.proc, abs, false);
    if ((st.mode & S_IFMT) === S_IFLNK) throw new Errno(95 /* EOPNOTSUPP */);
  }
  t.kernel.vfs.chmod(t.proc, abs, mode);
  return 0;
};
const fchmod: Handler = (t, [fd, mode]) => {
  const f = t.proc.fds.get(fd);
  if (f.flags & O_PATH) throw new Errno(EBADF);
  if (!f.inode) return 0;          // pipes and streams: no stored mode to change
  t.kernel.vfs.chmodLoc(t.proc, t.kernel.vfs.fileLoc(f), mode);
  return 0;
};

function chownAt(t: Task, abs: string, uid: number, gid: number, follow: boolean): number {
  t.kernel.vfs.chown(t.proc, abs, uid, gid, follow);
  return 0;
}
const chown: Handler = (t, [path, uid, gid]) => chownAt(t, atPath(t, AT_FDCWD, readPath(t, path)), uid, gid, true);
const lchown: Handler = (t, [path, uid, gid]) => chownAt(t, atPath(t, AT_FDCWD, readPath(t, path)), uid, gid, false);
const fchown: Handler = (t, [fd, uid, gid]) => {
  const f = t.proc.fds.get(fd);
  if (f.flags & O_PATH) throw new Errno(EBADF);
  if (!f.inode) return 0;
  t.kernel.vfs.chownLoc(t.proc, t.kernel.vfs.fileLoc(f), uid, gid);
  return 0;
};
const fchownat: Handler = (t, [dirfd, path, uid, gid, flags]) => {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) throw new Errno(EINVAL);
  const p = readPath(t, path, (flags & AT_EMPTY_PATH) !== 0);
  const abs = atPath(t, dirfd, p);
  return chownAt(t, abs, uid, gid, !(flags & AT_SYMLINK_NOFOLLOW));
};

const UTIME_NOW = (1 << 30) - 1, UTIME_OMIT = (1 << 30) - 2;

const utimensat: Handler = (t, [dirfd, path, times, flags]) => {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) throw new Errno(EINVAL);
  let abs: string | null = null;
  if (path === 0) {
    if (dirfd === AT_FDCWD) throw new Errno(EFAULT);
  } else {
    const p = readPath(t, path, (flags & AT_EMPTY_PATH) !== 0);
    if (p !== '') abs = atPath(t, dirfd, p);
  }
  let explicit = false;
  const [s, ns] = t.kernel.host.clock.realtime();
  let at: [number, number] | null = [s, ns], mt: [number, number] | null = [s, ns];
  if (times !== 0) {
    const abi = abiOf(t);
    const sz = layoutsFor(abi).timespec.size;
    const raw = t.mem.readBytes(times, 2 * sz);
    const dv = new DataView(raw.buffer);
    // i386's utimensat_time64 passes 64-bit timespecs whose tv_nsec keeps only its low half
    const rd = (o: number): [number, number] => abi === 'x86_64'
      ? [dv.getUint32(o, true) + dv.getInt32(o + 4, true) * 2 ** 32, dv.getUint32(o + 8, true) + dv.getInt32(o + 12, true) * 2 ** 32]
      : sz === 16 ? [dv.getUint32(o, true) + dv.getInt32(o + 4, true) * 2 ** 32, dv.getUint32(o + 8, true)]
        : [dv.getInt32(o, true), dv.getInt32(o + 4, true)];
    const a = rd(0), m = rd(sz);
    const conv = (x: [number, number]): [number, number] | null | undefined => {
      if (x[1] === UTIME_OMIT) return null;
      if (x[1] === UTIME_NOW) return [s, ns];
      if (x[1] < 0 || x[1] > 999999999) return undefined;
      return x;
    };
    const ca = conv(a), cm = conv(m);
    if (ca === undefined || cm === undefined) throw new Errno(EINVAL);
    at = ca; mt = cm;
    explicit = (a[1] !== UTIME_NOW && a[1] !== UTIME_OMIT) || (m[1] !== UTIME_NOW && m[1] !== UTIME_OMIT);
    if (!at && !mt) return 0;
  }
  const vfs = t.kernel.vfs;
  if (abs === null) {
    const f = t.proc.fds.get(dirfd);
    if (!f.inode) return 0;
    vfs.utimesLoc(t.proc, vfs.fileLoc(f), at, mt, explicit, [s, ns]);
  } else vfs.utimes(t.proc, abs, at, mt, !(flags & AT_SYMLINK_NOFOLLOW), explicit, [s, ns]);
  return 0;
};

// ---- statfs, mknod -----------------------------------------------------------------------------------

/** struct statfs: native words (8 bytes on x86-64, 4 on i386), fsid as two ints, 4 spare words. */
function writeStatfs(t: Task, addr: number, s: StatFs): void {
  const w = t.proc.mode64 ? 8 : 4;
  const b = new Uint8Array(w * 10 + 8 + w * 4);
  const dv = new DataView(b.buffer);
  let o = 0;
  const word = (v: number) => {
    if (w === 8) { dv.setUint32(o, v >>> 0, true); dv.setUint32(o + 4, Math.floor(v / 2 ** 32) >>> 0, true); }
    else dv.setUint32(o, Math.min(v, 0xffffffff) >>> 0, true);
    o += w;
  };
  word(s.type); word(s.bsize); word(s.blocks); word(s.bfree); word(s.bavail); word(s.files); word(s.ffree);
  dv.setInt32(o, s.fsid[0], true); dv.setInt32(o + 4, s.fsid[1], true); o += 8;
  word(s.namelen); word(s.frsize); word(s.flags);
  t.mem.writeBytes(addr, b);
}

const statfs: Handler = (t, [path, buf]) => {
  writeStatfs(t, buf, t.kernel.vfs.statfs(t.proc, atPath(t, AT_FDCWD, readPath(t, path))));
  return 0;
};
const fstatfs: Handler = (t, [fd, buf]) => {
  const f = t.proc.fds.get(fd);
  if (!f.inode || !f.mnt) throw new Errno(ENOSYS);
  writeStatfs(t, buf, t.kernel.vfs.statfsOf({ mnt: f.mnt }));
  return 0;
};

function mknodAt(t: Task, dirfd: number, path: number, mode: number, dev: number): number {
  const type = mode & S_IFMT;
  if (type === S_IFDIR) throw new Errno(EPERM);
  if (type !== 0 && type !== S_IFREG && type !== S_IFCHR && type !== S_IFBLK && type !== S_IFIFO && type !== S_IFSOCK) throw new Errno(EINVAL);
  // dev is the user's new_encode_dev value; keep it in the glibc makedev layout kernel Stats use
  t.kernel.vfs.mknod(t.proc, atPath(t, dirfd, readPath(t, path)), mode, dev);
  return 0;
}
const mknod: Handler = (t, [path, mode, dev]) => mknodAt(t, AT_FDCWD, path, mode, dev);
const mknodat: Handler = (t, [dirfd, path, mode, dev]) => mknodAt(t, dirfd, path, mode, dev);

const umask: Handler = (t, [mask]) => {
  const old = t.proc.umask;
  t.proc.umask = mask & 0o777;
  return old;
};

export const fsCalls: Record<string, Handler> = {
  stat, lstat, fstat, newfstatat, statx, access, faccessat, faccessat2, getcwd, chdir, fchdir, chroot,
  mkdir, mkdirat, rmdir, unlink, unlinkat, rename, renameat, renameat2, readlink, readlinkat, symlink, symlinkat,
  link, linkat, chmod, fchmod, fchmodat, fchmodat2, chown, lchown, fchown, fchownat, utimensat, umask,
  statfs, fstatfs, mknod, mknodat,
};

export { readCStr };
