// tmpfs (mm/shmem.c + fs/libfs.c): a file system that lives in memory, with Linux's observable
// behaviour: inode numbers from 1 (the root) upwards, directory sizes of 20 bytes per entry
// (BOGO_DIRENT_SIZE) plus 40, link counts (a directory has 2 + its subdirectories), nanosecond
// times updated as shmem does, readdir newest entry first (a renamed entry counts as new), sparse
// regular files (kernel/fs/tmpfile.ts), symlinks of up to 4095 bytes (those of 128 bytes or more
// take a page, as shmem_symlink does), FIFO/socket/device nodes (opened by the VFS), xattrs in the
// user, trusted and security namespaces, and the size= / nr_inodes= limits (ENOSPC), O_TMPFILE
// files (born with no name; one link(2) may name them) and fallocate (preallocation, hole punching).
// Values were checked against a tmpfs of Linux 6.18 (test/fs-tmpfs.test.ts compares live).

import {
  Errno, E2BIG, EEXIST, EFBIG, EINVAL, EISDIR, ENAMETOOLONG, ENODATA, ENOENT, ENOSPC, ENOTDIR, ENOTEMPTY, ENXIO,
  EOPNOTSUPP, EPERM, ERANGE,
} from '../errno.js';
import type { DirEntry, OpenFile } from '../file.js';
import type { Stat } from '../host.js';
import {
  O_PATH, RENAME_EXCHANGE, RENAME_NOREPLACE, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK,
  dtFromMode,
} from '../linux.js';
import type { Process } from '../process.js';
import { DirFile } from './dirfile.js';
import { Dirent, FileSystem, Inode, SetAttr, StatFs, Time, sameFs } from './inode.js';
import { MAX_FILE_SIZE, PAGE_SIZE, PathFile, RegularNode, SparseData, TmpFile } from './tmpfile.js';

export const TMPFS_MAGIC = 0x01021994;
const BOGO_DIRENT_SIZE = 20;
const BOGO_INODE_SIZE = 1024;
/** Symlink targets shorter than this (with their NUL) live in the inode; longer ones take a page. */
const SHORT_SYMLINK_LEN = 128;
const NAME_MAX = 255;
const XATTR_CREATE = 1, XATTR_REPLACE = 2;
const XATTR_NAME_MAX = 255, XATTR_SIZE_MAX = 65536;
// Mount flags that decide atime updates (uapi/linux/mount.h).
const MS_NOATIME = 0x400, MS_STRICTATIME = 0x1000000;
const DAY = 24 * 3600;
// fallocate modes (uapi/linux/falloc.h) and F_SEAL_SEAL (uapi/linux/fcntl.h)
export const FALLOC_FL_KEEP_SIZE = 0x01, FALLOC_FL_PUNCH_HOLE = 0x02;
export const F_SEAL_SEAL = 0x0001;

export interface TmpFsOptions {
  /** st_dev of every inode (an anonymous device, 0:N, on Linux). */
  dev: number;
  /** Realtime clock: [seconds, nanoseconds]. */
  now: () => Time;
  /** Permission bits of the root directory (mount option mode=; default 01777). */
  mode?: number;
  uid?: number;
  gid?: number;
  /** size= in bytes (rounded up to pages); 0 means unlimited. Default: half of memTotal. */
  sizeLimit?: number;
  /** nr_inodes=; 0 means unlimited. Default: half of memTotal's pages. */
  nrInodes?: number;
  /** The RAM the defaults are derived from, as Linux derives them from totalram_pages (default 4 GiB). */
  memTotal?: number;
}

export class TmpFs extends FileSystem {
  readonly type = 'tmpfs';
  readonly magic = TMPFS_MAGIC;
  readonly dev: number;
  readonly now: () => Time;
  /** Page and inode limits (0: unlimited) and what is in use. */
  readonly maxPages: number;
  readonly maxInodes: number;
  usedPages = 0;
  /** "Inode space" in bytes (Linux 6.6+ free_ispace): 1024 per inode and per extra hard link,
   *  plus 40 + name + value bytes per xattr; statfs shows it in units of 1024. */
  usedIspace = 0;
  /** The RAM behind the limits: what a request on a mount without size= is measured against
   *  (shmem_fallocate's "impossible to satisfy" check; Linux's overcommit check for kernel mounts). */
  readonly ramPages: number;
  private readonly defaults: { pages: number; inodes: number; mode: number };
  private nextIno = 1;
  private readonly rootDir: TmpDir;

  constructor(o: TmpFsOptions) {
    super();
    this.dev = o.dev;
    this.now = o.now;
    this.ramPages = Math.floor((o.memTotal ?? 4 * 2 ** 30) / PAGE_SIZE);
    const half = Math.floor(this.ramPages / 2);
    this.maxPages = o.sizeLimit === undefined ? half : Math.ceil(o.sizeLimit / PAGE_SIZE);
    this.maxInodes = o.nrInodes ?? half;
    this.defaults = { pages: half, inodes: half, mode: 0o1777 };
    this.rootDir = new TmpDir(this, S_IFDIR | ((o.mode ?? 0o1777) & 0o7777), o.uid ?? 0, o.gid ?? 0, null);
  }

  root(): Inode { return this.rootDir; }

  /** shmem_statfs: pages for blocks, inodes for files; no limit shows as 0. */
  override statfs(): StatFs {
    const s = super.statfs();
    if (this.maxPages) { s.blocks = this.maxPages; s.bfree = s.bavail = Math.max(0, this.maxPages - this.usedPages); }
    if (this.maxInodes) {
      s.files = this.maxInodes;
      s.ffree = Math.max(0, Math.floor((this.maxInodes * BOGO_INODE_SIZE - this.usedIspace) / BOGO_INODE_SIZE));
    }
    s.fsid = [this.dev >>> 0, TMPFS_MAGIC];
    return s;
  }

  /** The options /proc/mounts shows (shmem_show_options: only what differs from the defaults). */
  options(): string {
    const out: string[] = [];
    if (this.maxPages !== this.defaults.pages) out.push(`size=${this.maxPages * 4}k`);
    if (this.maxInodes !== this.defaults.inodes) out.push(`nr_inodes=${this.maxInodes}`);
    const st = this.rootDir.stat();
    if ((st.mode & 0o7777) !== this.defaults.mode) out.push(`mode=${(st.mode & 0o7777).toString(8).padStart(3, '0')}`);
    if (st.uid !== 0) out.push(`uid=${st.uid}`);
    if (st.gid !== 0) out.push(`gid=${st.gid}`);
    return out.join(',');
  }

  /** A new inode number, charged against nr_inodes (shmem_reserve_inode). */
  allocIno(): number {
    this.reserveInode();
    return this.nextIno++;
  }

  /** Hard links also take an inode's worth of space on tmpfs (shmem_link). */
  reserveInode(): void { this.chargeIspace(BOGO_INODE_SIZE); }

  freeInode(): void { this.unchargeIspace(BOGO_INODE_SIZE); }

  /** Takes inode space (ENOSPC when there is not enough); nothing is counted without nr_inodes. */
  chargeIspace(bytes: number): void {
    if (!this.maxInodes) return;
    if (this.maxInodes * BOGO_INODE_SIZE - this.usedIspace < bytes) throw new Errno(ENOSPC);
    this.usedIspace += bytes;
  }

  unchargeIspace(bytes: number): void { if (this.maxInodes) this.usedIspace -= bytes; }

  chargePages(n: number): boolean {
    if (this.maxPages && this.usedPages + n > this.maxPages) return false;
    this.usedPages += n;
    return true;
  }

  unchargePages(n: number): void { this.usedPages -= n; }
}

/** Every tmpfs inode: attributes, times, link count and xattrs. */
export abstract class TmpInode extends Inode {
  readonly ino: number;
  imode: number;
  uid: number;
  gid: number;
  nlink = 1;
  atime: Time;
  mtime: Time;
  ctime: Time;
  readonly btime: Time;
  private xattrs: Map<string, Uint8Array> | null = null;

  constructor(readonly fs: TmpFs, mode: number, uid: number, gid: number) {
    super();
    this.ino = fs.allocIno();
    this.imode = mode;
    this.uid = uid;
    this.gid = gid;
    const now = fs.now();
    this.atime = now; this.mtime = now; this.ctime = now; this.btime = now;
  }

  override get mode(): number { return this.imode; }
  protected get size(): number { return 0; }
  protected get blocks(): number { return 0; }
  protected get rdev(): number { return 0; }

  stat(): Stat {
    return {
      dev: this.fs.dev, ino: this.ino, mode: this.imode, nlink: this.nlink, uid: this.uid, gid: this.gid,
      rdev: this.rdev, size: this.size, blksize: PAGE_SIZE, blocks: this.blocks,
      atimeSec: this.atime[0], atimeNsec: this.atime[1], mtimeSec: this.mtime[0], mtimeNsec: this.mtime[1],
      ctimeSec: this.ctime[0], ctimeNsec: this.ctime[1], btimeSec: this.btime[0], btimeNsec: this.btime[1],
    };
  }

  /** The link count dropped (unlink, rmdir, replaced by rename); frees the inode once unused. */
  dropLink(): void {
    // every name beyond the first took an inode's worth of nr_inodes (shmem_unlink gives it back)
    if (this.nlink > 1 && (this.imode & S_IFMT) !== S_IFDIR) this.fs.freeInode();
    this.nlink = Math.max(0, this.nlink - 1);
    if (this.nlink === 0) this.evictIfUnused();
  }

  /** Called when the last link is gone; an open regular file waits for its last close. */
  evictIfUnused(): void { this.evict(); }

  /** The inode is gone for good: its inode space and its xattrs' are given back. */
  protected evict(): void {
    if (this.xattrs) for (const [name, v] of this.xattrs) this.fs.unchargeIspace(xattrSpace(name, v));
    this.xattrs = null;
    this.fs.freeInode();
  }

  /** notify_change + shmem_setattr: setting the size (even to the same value, as Linux 6.18's
   *  tmpfs does for truncate and O_TRUNC) also sets mtime and ctime to now. */
  override setattr(a: SetAttr): void {
    this.fs.checkWritable();
    const now = a.ctime ?? this.fs.now();
    if (a.size !== undefined) this.resize(a.size);
    if (a.mode !== undefined) this.imode = (this.imode & S_IFMT) | (a.mode & 0o7777);
    if (a.uid !== undefined) this.uid = a.uid >>> 0;
    if (a.gid !== undefined) this.gid = a.gid >>> 0;
    if (a.atime !== undefined) this.atime = a.atime;
    if (a.mtime !== undefined) this.mtime = a.mtime;
    this.ctime = now;
    if (a.size !== undefined) this.mtime = now;
  }

  /** Changes the size of a regular file. */
  protected resize(_len: number): void {
    throw new Errno((this.imode & S_IFMT) === S_IFDIR ? EISDIR : EINVAL);
  }

  /** touch_atime after a read, readdir or symlink follow: never on noatime mounts, always with
   *  strictatime, and with relatime (the default) when atime is not newer than mtime or ctime or
   *  is a day old. `mntFlags` are the mount's MS_* flags when known. */
  touchAtime(mntFlags = 0): void {
    if ((mntFlags & MS_NOATIME) || this.fs.readonly) return;
    const now = this.fs.now();
    if (!(mntFlags & MS_STRICTATIME)) {
      const le = (a: Time, b: Time) => a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);
      if (!le(this.atime, this.mtime) && !le(this.atime, this.ctime) && now[0] - this.atime[0] < DAY) return;
    }
    this.atime = now;
  }

  // ---- extended attributes (simple_xattr: kept per inode, listed in descending name order) ----

  /** Which namespaces tmpfs stores, and xattr_permission's rule for user.* on special files. */
  private xattrCheck(name: string, write: boolean): void {
    if (name.length > XATTR_NAME_MAX) throw new Errno(ERANGE);
    const dot = name.indexOf('.');
    const ns = dot < 0 ? '' : name.slice(0, dot + 1);
    if (ns !== 'user.' && ns !== 'trusted.' && ns !== 'security.') throw new Errno(EOPNOTSUPP);
    if (name.length === ns.length) throw new Errno(EINVAL);
    if (ns === 'user.') {
      const t = this.imode & S_IFMT;
      if (t !== S_IFREG && t !== S_IFDIR) throw new Errno(write ? EPERM : ENODATA);
    }
  }

  override getxattr(name: string): Uint8Array {
    this.xattrCheck(name, false);
    const v = this.xattrs?.get(name);
    if (!v) throw new Errno(ENODATA);
    return v.slice();
  }

  override setxattr(name: string, value: Uint8Array, flags: number): void {
    this.xattrCheck(name, true);
    if (value.length > XATTR_SIZE_MAX) throw new Errno(E2BIG);
    if (flags & ~(XATTR_CREATE | XATTR_REPLACE)) throw new Errno(EINVAL);
    this.fs.checkWritable();
    const old = this.xattrs?.get(name);
    if ((flags & XATTR_CREATE) && old) throw new Errno(EEXIST);
    if ((flags & XATTR_REPLACE) && !old) throw new Errno(ENODATA);
    this.fs.chargeIspace(xattrSpace(name, value));          // the new value first, as shmem does
    if (old) this.fs.unchargeIspace(xattrSpace(name, old));
    (this.xattrs ??= new Map()).set(name, value.slice());
    this.ctime = this.fs.now();
  }

  override listxattr(): string[] {
    if (!this.xattrs) return [];
    return [...this.xattrs.keys()].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  }

  override removexattr(name: string): void {
    this.xattrCheck(name, true);
    this.fs.checkWritable();
    const old = this.xattrs?.get(name);
    if (!old) throw new Errno(ENODATA);
    this.xattrs!.delete(name);
    this.fs.unchargeIspace(xattrSpace(name, old));
    this.ctime = this.fs.now();
  }

  /** Only directories and regular files open here; the VFS opens FIFOs and devices itself. */
  override open(flags: number, path: string, _p: Process): OpenFile {
    if (flags & O_PATH) return new PathFile(this, flags, path);
    throw new Errno(ENXIO);
  }
}

/** simple_xattr_space: what one xattr costs in inode space. */
function xattrSpace(name: string, value: Uint8Array): number { return 40 + name.length + value.length; }

function checkName(name: string): void {
  if (name.length > NAME_MAX) throw new Errno(ENAMETOOLONG);
}

export class TmpDir extends TmpInode {
  /** Entries in the order they were made (readdir lists them backwards: newest first). */
  readonly entries = new Map<string, TmpInode>();
  /** The directory ".." leads to (the root's is itself). */
  parent: TmpDir;
  /** Removed (rmdir): nothing can be created in it any more and getdents answers ENOENT. */
  dead = false;
  /** Counts changes to `entries` (open listings prune what went away: TmpDirFile). */
  generation = 0;

  constructor(fs: TmpFs, mode: number, uid: number, gid: number, parent: TmpDir | null) {
    super(fs, S_IFDIR | (mode & 0o7777), uid, gid);
    this.nlink = 2;
    this.parent = parent ?? this;
  }

  protected override get size(): number { return (2 + this.entries.size) * BOGO_DIRENT_SIZE; }

  /** A directory entry was added or removed: the directory's mtime and ctime are now. */
  private changed(now: Time): void { this.mtime = now; this.ctime = now; this.generation++; }

  override lookup(name: string): Inode | null {
    checkName(name);
    return this.entries.get(name) ?? null;
  }

  /** getdents (iterate_dir: a removed directory answers ENOENT; reading touches atime). */
  override readdir(parentIno: number): Dirent[] {
    if (this.dead) throw new Errno(ENOENT);
    this.touchAtime();
    const out: Dirent[] = [
      { name: '.', ino: this.ino, type: dtFromMode(S_IFDIR) },
      { name: '..', ino: parentIno, type: dtFromMode(S_IFDIR) },
    ];
    const list = [...this.entries];
    for (let i = list.length - 1; i >= 0; i--) {
      const [name, node] = list[i];
      out.push({ name, ino: node.ino, type: dtFromMode(node.imode) });
    }
    return out;
  }

  /** Checks shared by everything that adds a name. */
  private canAdd(name: string): void {
    this.fs.checkWritable();
    checkName(name);
    if (this.dead) throw new Errno(ENOENT);
    if (this.entries.has(name)) throw new Errno(EEXIST);
  }

  private add(name: string, node: TmpInode): void {
    this.entries.set(name, node);
    this.changed(node.ctime);
  }

  override mknod(name: string, mode: number, rdev: number, uid: number, gid: number): Inode {
    this.canAdd(name);
    let node: TmpInode;
    switch (mode & S_IFMT) {
      case S_IFREG: node = new TmpReg(this.fs, mode, uid, gid); break;
      case S_IFIFO: case S_IFSOCK: node = new TmpNode(this.fs, mode, uid, gid, 0); break;
      case S_IFCHR: case S_IFBLK: node = new TmpNode(this.fs, mode, uid, gid, rdev); break;
      case S_IFDIR: throw new Errno(EPERM);
      default: throw new Errno(EINVAL);
    }
    this.add(name, node);
    return node;
  }

  /** shmem_tmpfile + d_tmpfile: a regular file that is in no directory (nlink 0); the directory
   *  itself does not change. */
  override tmpfile(mode: number, uid: number, gid: number, linkable: boolean): Inode {
    this.fs.checkWritable();
    const node = new TmpReg(this.fs, mode, uid, gid);
    node.nlink = 0;
    node.linkable = linkable;
    return node;
  }

  override mkdir(name: string, mode: number, uid: number, gid: number): Inode {
    this.canAdd(name);
    const node = new TmpDir(this.fs, mode, uid, gid, this);
    this.nlink++;
    this.add(name, node);
    return node;
  }

  override symlink(name: string, target: string, uid: number, gid: number): Inode {
    this.canAdd(name);
    if (target.length + 1 > PAGE_SIZE) throw new Errno(ENAMETOOLONG);
    const node = new TmpSymlink(this.fs, target, uid, gid);
    this.add(name, node);
    return node;
  }

  override link(name: string, target: Inode): void {
    sameFs(this, target);
    this.canAdd(name);
    const t = target as TmpInode;
    if ((t.imode & S_IFMT) === S_IFDIR) throw new Errno(EPERM);
    // vfs_link: an unlinked file stays unlinked, except an O_TMPFILE one opened without O_EXCL
    const linkable = t instanceof TmpReg && t.linkable;
    if (t.nlink === 0 && !linkable) throw new Errno(ENOENT);
    // shmem_link: the first name of an O_TMPFILE file is the inode it already holds
    if (t.nlink > 0) this.fs.reserveInode();
    t.nlink++;
    t.ctime = this.fs.now();
    this.add(name, t);
    if (linkable) t.linkable = false;                   // I_LINKABLE is good for one link
  }

  /** The entry `name`, which must exist. */
  private entry(name: string): TmpInode {
    checkName(name);
    const node = this.entries.get(name);
    if (!node) throw new Errno(ENOENT);
    return node;
  }

  override unlink(name: string): void {
    this.fs.checkWritable();
    const node = this.entry(name);
    if ((node.imode & S_IFMT) === S_IFDIR) throw new Errno(EISDIR);
    this.entries.delete(name);
    const now = this.fs.now();
    node.ctime = now;
    this.changed(now);
    node.dropLink();
  }

  override rmdir(name: string): void {
    this.fs.checkWritable();
    const node = this.entry(name);
    if (!(node instanceof TmpDir)) throw new Errno(ENOTDIR);
    if (node.entries.size) throw new Errno(ENOTEMPTY);
    this.entries.delete(name);
    this.removedDir(node, this.fs.now());
  }

  /** A directory lost its name: shmem_rmdir's drop_nlink of it (to 0) and of its parent. */
  private removedDir(node: TmpDir, now: Time): void {
    node.dead = true;
    node.nlink = 0;
    node.ctime = now;
    node.evictIfUnused();
    this.nlink--;
    this.changed(now);
  }

  override rename(name: string, newDir: Inode, newName: string, flags: number): void {
    sameFs(this, newDir);
    this.fs.checkWritable();
    if (!(newDir instanceof TmpDir)) throw new Errno(ENOTDIR);
    if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) throw new Errno(EINVAL);
    if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)) throw new Errno(EINVAL);
    checkName(newName);
    const src = this.entry(name);
    if (newDir.dead) throw new Errno(ENOENT);
    const dst = newDir.entries.get(newName);
    if ((flags & RENAME_NOREPLACE) && dst) throw new Errno(EEXIST);
    if ((flags & RENAME_EXCHANGE) && !dst) throw new Errno(ENOENT);
    // lock_rename's traps: the source may not be above the new parent, nor the target above the
    // old one (the VFS checks by path; this checks by parents)
    const srcDir = src instanceof TmpDir;
    if (srcDir && newDir.isBelow(src)) throw new Errno(EINVAL);
    if (dst instanceof TmpDir && this.isBelow(dst)) throw new Errno(flags & RENAME_EXCHANGE ? EINVAL : ENOTEMPTY);
    if (dst === src) return;                    // two names of one file: rename does nothing
    const now = this.fs.now();
    if (dst && (flags & RENAME_EXCHANGE)) {
      this.exchange(name, src, newDir, newName, dst, now);
      return;
    }
    if (dst) {
      const dstDir = dst instanceof TmpDir;
      if (srcDir && !dstDir) throw new Errno(ENOTDIR);
      if (!srcDir && dstDir) throw new Errno(EISDIR);
      if (dstDir && dst.entries.size) throw new Errno(ENOTEMPTY);
    }
    this.entries.delete(name);
    if (dst) {
      newDir.entries.delete(newName);
      if (dst instanceof TmpDir) newDir.removedDir(dst, now);
      else { dst.ctime = now; dst.dropLink(); }
    }
    newDir.entries.set(newName, src);            // a moved entry lists as the newest
    if (srcDir) {
      this.nlink--;
      newDir.nlink++;
      src.parent = newDir;
    }
    this.changed(now);
    newDir.changed(now);
    src.ctime = now;
  }

  /** RENAME_EXCHANGE: both names stay, their inodes swap; both list as newest (old name first). */
  private exchange(name: string, src: TmpInode, newDir: TmpDir, newName: string, dst: TmpInode, now: Time): void {
    this.entries.delete(name);
    newDir.entries.delete(newName);
    this.entries.set(name, dst);
    newDir.entries.set(newName, src);
    if (this !== newDir) {
      const a = src instanceof TmpDir, b = dst instanceof TmpDir;
      if (a && !b) { this.nlink--; newDir.nlink++; }
      if (b && !a) { newDir.nlink--; this.nlink++; }
    }
    if (src instanceof TmpDir) src.parent = newDir;
    if (dst instanceof TmpDir) dst.parent = this;
    this.changed(now);
    newDir.changed(now);
    src.ctime = now;
    dst.ctime = now;
  }

  /** True when this directory is `d` or lies somewhere below it. */
  isBelow(d: TmpDir): boolean {
    for (let cur: TmpDir = this; ; cur = cur.parent) {
      if (cur === d) return true;
      if (cur.parent === cur) return false;
    }
  }

  override open(flags: number, path: string, _p: Process): OpenFile {
    return new TmpDirFile(this, null, flags, path, this.parent.ino);
  }
}

/**
 * An open tmpfs directory. Linux's tmpfs reads the live entry list with a cursor, so an entry
 * removed (or renamed away) before the listing reaches it is not returned; entries added while
 * listing go to the head of the list, behind the cursor, and are not returned either. The
 * snapshot of DirFile gives the second; this drops the entries that went away, past the position.
 */
class TmpDirFile extends DirFile {
  private generation = -1;

  override readdir(): DirEntry[] {
    const dir = this.inode as TmpDir;
    if (dir.dead) throw new Errno(ENOENT);          // iterate_dir: IS_DEADDIR, even mid-listing
    if (this.snapshot && this.generation !== dir.generation) {
      const keep = this.snapshot.slice(0, this.pos);
      for (let i = this.pos; i < this.snapshot.length; i++) {
        const e = this.snapshot[i];
        if (e.name === '.' || e.name === '..' || dir.entries.get(e.name)?.ino === e.ino) keep.push(e);
      }
      this.snapshot = keep;
    }
    const out = super.readdir();
    this.generation = dir.generation;
    return out;
  }
}

/** A regular file: sparse pages, sizes and blocks as shmem keeps them. */
export class TmpReg extends TmpInode implements RegularNode {
  readonly data: SparseData;
  opens = 0;
  /** I_LINKABLE: an O_TMPFILE file (opened without O_EXCL) that link(2) may still name. */
  linkable = false;
  /** shmem_inode_info.seals (F_GET_SEALS): every shmem file starts with F_SEAL_SEAL; memfd_create
   *  with MFD_ALLOW_SEALING clears it. Kept for fcntl; no seal is enforced yet. */
  seals = F_SEAL_SEAL;

  constructor(fs: TmpFs, mode: number, uid: number, gid: number) {
    super(fs, S_IFREG | (mode & 0o7777), uid, gid);
    this.data = new SparseData((n) => fs.chargePages(n), (n) => fs.unchargePages(n));
  }

  protected override get size(): number { return this.data.size; }
  protected override get blocks(): number { return this.data.pageCount * (PAGE_SIZE / 512); }

  protected override resize(len: number): void { this.data.truncate(len); }

  writeData(data: Uint8Array, pos: number): number {
    this.fs.checkWritable();
    const n = this.data.write(data, pos);
    if (n > 0) { const now = this.fs.now(); this.mtime = now; this.ctime = now; }
    return n;
  }

  /** ftruncate (do_truncate with ATTR_MTIME | ATTR_CTIME): the times change even at the same size. */
  truncateData(len: number): void {
    const now = this.fs.now();
    this.setattr({ size: len, mtime: now, ctime: now });
  }

  accessed(mntFlags: number): void { this.touchAtime(mntFlags); }

  /**
   * shmem_fallocate: FALLOC_FL_PUNCH_HOLE (with KEEP_SIZE, as the VFS insists) frees pages; mode 0
   * reserves pages and extends the size, FALLOC_FL_KEEP_SIZE only reserves. Other modes are
   * EOPNOTSUPP. Success updates mtime and ctime (file_modified), whatever the mode.
   */
  fallocate(mode: number, offset: number, len: number): void {
    if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) throw new Errno(EOPNOTSUPP);
    this.fs.checkWritable();
    if (mode & FALLOC_FL_PUNCH_HOLE) {
      this.data.punch(offset, len);
    } else {
      const end = offset + len;
      if (end > MAX_FILE_SIZE) throw new Errno(EFBIG);           // inode_newsize_ok
      const first = Math.floor(offset / PAGE_SIZE), last = Math.ceil(end / PAGE_SIZE);
      // "Try to avoid a swapstorm if len is impossible to satisfy"
      if (last - first > (this.fs.maxPages || this.fs.ramPages)) throw new Errno(ENOSPC);
      this.data.allocate(first, last);
      if (!(mode & FALLOC_FL_KEEP_SIZE) && end > this.data.size) this.data.size = end;
    }
    const now = this.fs.now();
    this.mtime = now;
    this.ctime = now;
  }

  closed(): void {
    this.opens--;
    if (this.opens === 0 && this.nlink === 0) this.evict();
  }

  override evictIfUnused(): void { if (this.opens === 0) this.evict(); }

  protected override evict(): void {
    this.data.free();
    super.evict();
  }

  override open(flags: number, path: string, p: Process): OpenFile {
    if (flags & O_PATH) return super.open(flags, path, p);
    return new TmpFile(this, flags, path);
  }
}

export class TmpSymlink extends TmpInode {
  /** Long targets are charged a page, as shmem stores them in one. */
  private readonly paged: boolean;

  constructor(fs: TmpFs, readonly target: string, uid: number, gid: number) {
    super(fs, S_IFLNK | 0o777, uid, gid);
    this.paged = target.length + 1 > SHORT_SYMLINK_LEN;
    if (this.paged && !fs.chargePages(1)) {
      fs.freeInode();
      throw new Errno(ENOSPC);
    }
  }

  protected override get size(): number { return this.target.length; }
  protected override get blocks(): number { return this.paged ? PAGE_SIZE / 512 : 0; }
  /** Reading or following a link touches its atime (do_readlinkat, pick_link). */
  override readlink(): string {
    this.touchAtime();
    return this.target;
  }

  protected override evict(): void {
    if (this.paged) this.fs.unchargePages(1);
    super.evict();
  }
}

/** FIFOs, sockets and device nodes: attributes only (the VFS opens them by type and rdev). */
export class TmpNode extends TmpInode {
  constructor(fs: TmpFs, mode: number, uid: number, gid: number, private readonly dev_t: number) {
    super(fs, mode, uid, gid);
  }
  protected override get rdev(): number { return this.dev_t; }
}
