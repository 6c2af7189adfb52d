// overlayfs (fs/overlayfs, Documentation/filesystems/overlayfs.rst) with one read-only lower
// directory (any file system; in practice hostfs) and one writable upper directory (a tmpfs):
//  - a name is looked up in the upper first; an upper non-directory hides the lower entry, an upper
//    directory merges with a lower one of the same name unless it is opaque
//    (xattr trusted.overlay.opaque = "y"), and a whiteout (a character device 0:0) hides it;
//  - readdir of a merged directory lists the lower entries in the lower's order (an entry that is
//    also in the upper takes its upper form there), then the upper-only ones (ovl_fill_lowest),
//    never whiteouts;
//  - any change to something that is only in the lower copies it up first (content, mode, owner,
//    atime/mtime, xattrs; parents first), removing a lower name leaves a whiteout, and a directory
//    made where a whiteout was is opaque;
//  - renaming a directory that has a lower part needs redirect_dir, which is off by default on
//    Linux (and here): EXDEV, which mv and friends answer by copying.
// Attributes follow "inode properties" for layers on different file systems with xino off:
// directories show the overlay's st_dev and an overlay inode number (2 for the root, then in
// order of first use, stable for the life of the mount); other files show their layer's st_dev
// and real inode number, and a copied-up file keeps the lower ones while the overlay lives (the
// in-core inode of Linux keeps them; after a remount Linux shows the upper's). A merged
// directory has nlink 1.
// Open files of a lower file read the lower file; once the file is copied up they read the copy
// (Linux >= 4.19 behaviour). Opening for writing copies up first.

import { Errno, EEXIST, EINVAL, EISDIR, ENOENT, ENOTDIR, ENOTEMPTY, EOPNOTSUPP, EXDEV } from '../errno.js';
import { OpenFile, type Maybe } from '../file.js';
import type { Backing } from '../../cpu/memory.js';
import type { Stat } from '../host.js';
import {
  DT_CHR, DT_DIR, O_ACCMODE, O_APPEND, O_DIRECTORY, O_PATH, O_RDONLY, O_WRONLY, RENAME_EXCHANGE, RENAME_NOREPLACE, S_IFCHR,
  S_IFDIR, S_IFLNK, S_IFMT, S_IFREG,
} from '../linux.js';
import type { Process, Task } from '../process.js';
import { DirFile } from './dirfile.js';
import { Dirent, FileSystem, Inode, SetAttr, StatFs, Time } from './inode.js';

export const OVERLAYFS_SUPER_MAGIC = 0x794c7630;
const OPAQUE_XATTR = 'trusted.overlay.opaque';
/** Overlay's own xattrs: never shown through the overlay (ovl_is_private_xattr). */
const PRIVATE_XATTR = 'trusted.overlay.';
const COPY_CHUNK = 1 << 20;

export interface OverlayOptions {
  /** st_dev of directories (the overlay's anonymous device). */
  dev: number;
  /** Directory of the read-only lower layer. */
  lower: Inode;
  /** Directory of the writable upper layer (a tmpfs: it must take whiteouts and trusted xattrs). */
  upper: Inode;
  now: () => Time;
  /** st_dev shown for non-directories of each layer: Linux gives each layer an anonymous device,
   *  allocated right after the overlay's own (dev+1 upper, dev+2 lower). Default: the real st_dev. */
  upperDev?: number;
  lowerDev?: number;
  readonly?: boolean;
}

/** Copy-ups read and write the layers as the kernel: hostfs and tmpfs open regular files without
 *  looking at the process, and Linux copies up with the mounter's credentials, not the caller's. */
const KERNEL = undefined as unknown as Process;

/** A layer directory's entries, read the way any file system serves them: through an open
 *  directory (hostfs lists only there). */
function entriesOf(dir: Inode): Dirent[] {
  const f = dir.open(O_RDONLY | O_DIRECTORY, '', KERNEL);
  try { return f.readdir(); } finally { f.unref(); }
}

function isWhiteout(i: Inode): boolean {
  const st = i.stat();
  return (st.mode & S_IFMT) === S_IFCHR && st.rdev === 0;
}

export class OverlayFs extends FileSystem {
  readonly type = 'overlay';
  readonly magic = OVERLAYFS_SUPER_MAGIC;
  readonly dev: number;
  readonly upperDev: number | undefined;
  readonly lowerDev: number | undefined;
  readonly now: () => Time;
  /** Bumped by every copy-up: inodes that had only a lower layer look for their copy then. */
  generation = 0;
  /** Copied-up non-directories (upper ino): the lower inode number and link count at copy-up. */
  readonly origins = new Map<number, { ino: number; dev: number; nlink: number }>();
  private readonly dirInos = new Map<string, number>();
  private nextDirIno = 2;
  /** Opaque marks for an upper that stores no trusted xattrs. */
  private readonly opaqueMarks = new WeakSet<Inode>();
  private readonly rootNode: OverlayInode;

  constructor(o: OverlayOptions) {
    super();
    this.dev = o.dev;
    this.upperDev = o.upperDev;
    this.lowerDev = o.lowerDev;
    this.now = o.now;
    this.readonly = !!o.readonly;
    if (!o.lower.isDir || !o.upper.isDir) throw new Errno(ENOTDIR);
    this.rootNode = new OverlayInode(this, null, '', o.upper, o.lower, this.isOpaque(o.upper));
    this.rootNode.stat();           // the root takes the first directory number, as on Linux
  }

  root(): Inode { return this.rootNode; }

  /** ovl_statfs: the upper file system's numbers under the overlay's magic. */
  override statfs(): StatFs {
    const up = this.rootNode.upper!.fs.statfs();
    return { ...up, type: this.magic, flags: (up.flags & ~1) | (this.readonly ? 1 : 0) };
  }

  /** The non-persistent inode number of a directory (ovl_next_ino), by its identity. */
  dirIno(key: string): number {
    let n = this.dirInos.get(key);
    if (n === undefined) { n = this.nextDirIno++; this.dirInos.set(key, n); }
    return n;
  }

  isOpaque(dir: Inode): boolean {
    if (this.opaqueMarks.has(dir)) return true;
    try {
      const v = dir.getxattr(OPAQUE_XATTR);
      return v.length === 1 && v[0] === 0x79;       // "y"
    } catch { return false; }
  }

  setOpaque(dir: Inode): void {
    try { dir.setxattr(OPAQUE_XATTR, new Uint8Array([0x79]), 0); } catch { this.opaqueMarks.add(dir); }
  }
}

export class OverlayInode extends Inode {
  /** fs.generation when `up` was last looked for. */
  private seen: number;

  constructor(
    readonly fs: OverlayFs,
    private readonly parent: OverlayInode | null,
    private readonly name: string,
    private up: Inode | null,
    /** The lower inode: a lower-only entry, or the lower half of a merged directory. */
    readonly lower: Inode | null,
    readonly opaque: boolean,
  ) {
    super();
    this.seen = fs.generation;
  }

  /** The upper inode, if there is one by now (another lookup of this entry may have copied it up). */
  get upper(): Inode | null {
    if (this.up || !this.parent || this.seen === this.fs.generation) return this.up;
    this.seen = this.fs.generation;
    const pu = this.parent.upper;
    const u = pu ? pu.lookup(this.name) : null;
    // a whiteout or a different kind of file means this entry was removed meanwhile: it stays
    // what it was (an open file of a removed name)
    if (u && !isWhiteout(u) && this.lower && (u.mode & S_IFMT) === (this.lower.mode & S_IFMT)) this.up = u;
    return this.up;
  }

  /** The layer that answers for this entry now. */
  get real(): Inode { return this.upper ?? this.lower!; }

  get ino(): number { return this.stat().ino; }

  /** A merged directory: an upper part with a lower one showing through. */
  private get merged(): boolean { return !!this.upper && !!this.lower && !this.opaque; }

  stat(): Stat {
    const up = this.upper;
    const st = { ...(up ?? this.lower!).stat() };
    if ((st.mode & S_IFMT) === S_IFDIR) {
      st.dev = this.fs.dev;
      st.ino = this.fs.dirIno(this.key());
      if (this.merged) st.nlink = 1;      // ovl_getattr: counting subdirectories is not worth it
      return st;
    }
    if (up) {
      const o = this.fs.origins.get(up.stat().ino);
      if (o && o.nlink === 1) {
        st.ino = o.ino;
        st.dev = this.fs.lowerDev ?? o.dev;
      } else if (this.fs.upperDev !== undefined) st.dev = this.fs.upperDev;
    } else if (this.fs.lowerDev !== undefined) st.dev = this.fs.lowerDev;
    return st;
  }

  /** What a directory's overlay inode number hangs on: its lower directory if it has one. */
  private key(): string {
    if (this.lower && !this.opaque) { const l = this.lower.stat(); return `L${l.dev}:${l.ino}`; }
    return `U${this.upper!.stat().ino}`;
  }

  override same(other: Inode): boolean {
    if (!(other instanceof OverlayInode) || other.fs !== this.fs) return false;
    const a = this.stat(), b = other.stat();
    return a.dev === b.dev && a.ino === b.ino;
  }

  // ---- lookup and listing -------------------------------------------------------------------

  override lookup(name: string): Inode | null {
    if (!this.isDir) return super.lookup(name);
    const up = this.upper;
    const u = up ? up.lookup(name) : null;
    if (u && isWhiteout(u)) return null;
    let l: Inode | null = null;
    if (this.lower && !this.opaque && (!u || u.isDir)) {
      l = this.lower.lookup(name);
      if (l && isWhiteout(l)) l = null;
      if (u && l && !l.isDir) l = null;            // an upper directory hides a lower file
    }
    if (!u && !l) return null;
    const opaque = !!u && u.isDir && this.fs.isOpaque(u);
    if (u && !u.isDir) l = null;                   // the copy answers; its origin is in fs.origins
    return new OverlayInode(this.fs, this, name, u, opaque ? null : l, opaque);
  }

  override readdir(parentIno: number): Dirent[] {
    if (!this.isDir) return super.readdir(parentIno);
    const out: Dirent[] = [
      { name: '.', ino: this.stat().ino, type: DT_DIR },
      { name: '..', ino: this.parent ? this.parent.stat().ino : parentIno, type: DT_DIR },
    ];
    const up = this.upper;
    const upper = new Map<string, Dirent>();
    if (up) for (const e of entriesOf(up)) if (e.name !== '.' && e.name !== '..') upper.set(e.name, e);
    const hidden = (e: Dirent) => e.type === DT_CHR && !!up && isWhiteout(up.lookup(e.name)!);
    if (this.lower && !this.opaque) {
      for (const e of entriesOf(this.lower)) {
        if (e.name === '.' || e.name === '..') continue;
        const ue = upper.get(e.name);
        if (ue) {
          upper.delete(e.name);
          if (!hidden(ue)) out.push(ue);
          continue;
        }
        if (e.type === DT_CHR && isWhiteout(this.lower.lookup(e.name)!)) continue;
        out.push(e);
      }
    }
    for (const e of upper.values()) if (!hidden(e)) out.push(e);
    return out;
  }

  /** True when the merged listing has entries besides "." and "..". */
  private hasEntries(): boolean { return this.readdir(0).length > 2; }

  // ---- copy-up ------------------------------------------------------------------------------

  /**
   * The upper inode, made by copying this entry up first when it is only in the lower; `keep`
   * bytes of a regular file's data are copied (all by default; a truncation copies what stays).
   */
  copyUp(keep = Infinity): Inode {
    const have = this.upper;
    if (have) return have;
    this.fs.checkWritable();
    const parentUp = this.parent!.copyUp();     // the root always has an upper
    const lower = this.lower!;
    const found = parentUp.lookup(this.name);
    if (found) {
      if (isWhiteout(found)) throw new Errno(ENOENT);   // removed while this stayed open
      return (this.up = found);
    }
    const st = lower.stat();
    const perm = st.mode & 0o7777;
    // a copy-up is no change the user made: the upper parent keeps its times (ovl_set_timestamps)
    const pst = parentUp.stat();
    let u: Inode;
    switch (st.mode & S_IFMT) {
      case S_IFDIR: u = parentUp.mkdir(this.name, S_IFDIR | perm, st.uid, st.gid); break;
      case S_IFLNK: u = parentUp.symlink(this.name, lower.readlink(), st.uid, st.gid); break;
      case S_IFREG:
        u = parentUp.mknod(this.name, S_IFREG | perm, 0, st.uid, st.gid);
        try { copyData(lower, u, keep); } catch (e) { parentUp.unlink(this.name); throw e; }
        break;
      default: u = parentUp.mknod(this.name, st.mode, st.rdev, st.uid, st.gid); break;
    }
    copyXattrs(lower, u);
    const a: SetAttr = {
      uid: st.uid, gid: st.gid, atime: [st.atimeSec, st.atimeNsec], mtime: [st.mtimeSec, st.mtimeNsec], ctime: this.fs.now(),
    };
    if ((st.mode & S_IFMT) !== S_IFLNK) a.mode = perm;
    u.setattr(a);
    parentUp.setattr({ atime: [pst.atimeSec, pst.atimeNsec], mtime: [pst.mtimeSec, pst.mtimeNsec], ctime: this.fs.now() });
    if ((st.mode & S_IFMT) !== S_IFDIR) this.fs.origins.set(u.stat().ino, { ino: st.ino, dev: st.dev, nlink: st.nlink });
    this.up = u;
    this.fs.generation++;
    return u;
  }

  // ---- changing the directory ---------------------------------------------------------------

  /** A lower entry called `name` shows through here (ovl_lower_positive): removing needs a whiteout. */
  private lowerHas(name: string): boolean {
    if (!this.lower || this.opaque) return false;
    const l = this.lower.lookup(name);
    return !!l && !isWhiteout(l);
  }

  private whiteout(up: Inode, name: string): void { up.mknod(name, S_IFCHR, 0, 0, 0); }

  /**
   * Makes room for a new entry `name` in the upper (parent copied up, a whiteout there removed)
   * and runs `make`; a whiteout that was replaced comes back if `make` fails.
   */
  private create(name: string, make: (up: Inode, overWhiteout: boolean) => Inode): Inode {
    this.fs.checkWritable();
    if (!this.isDir) throw new Errno(ENOTDIR);
    const up = this.copyUp();
    const e = up.lookup(name);
    let wo = false;
    if (e) {
      if (!isWhiteout(e)) throw new Errno(EEXIST);
      up.unlink(name);
      wo = true;
    } else if (this.lowerHas(name)) throw new Errno(EEXIST);
    try {
      return make(up, wo);
    } catch (err) {
      if (wo) this.whiteout(up, name);
      throw err;
    }
  }

  private child(name: string, u: Inode, opaque = false): OverlayInode {
    return new OverlayInode(this.fs, this, name, u, null, opaque);
  }

  override mknod(name: string, mode: number, rdev: number, uid: number, gid: number): Inode {
    return this.create(name, (up) => this.child(name, up.mknod(name, mode, rdev, uid, gid)));
  }

  override mkdir(name: string, mode: number, uid: number, gid: number): Inode {
    return this.create(name, (up, wo) => {
      const u = up.mkdir(name, mode, uid, gid);
      // a directory where a lower entry was removed must not let the lower show through
      if (wo) this.fs.setOpaque(u);
      return this.child(name, u, wo);
    });
  }

  override symlink(name: string, target: string, uid: number, gid: number): Inode {
    return this.create(name, (up) => this.child(name, up.symlink(name, target, uid, gid)));
  }

  override link(name: string, target: Inode): void {
    if (!(target instanceof OverlayInode) || target.fs !== this.fs) throw new Errno(EXDEV);
    this.fs.checkWritable();
    const tu = target.copyUp();
    this.create(name, (up) => { up.link(name, tu); return tu; });
  }

  override unlink(name: string): void {
    this.fs.checkWritable();
    const v = this.lookup(name) as OverlayInode | null;
    if (!v) throw new Errno(ENOENT);
    if (v.isDir) throw new Errno(EISDIR);
    const wo = this.lowerHas(name);
    const up = this.copyUp();
    if (v.upper) up.unlink(name);
    if (wo) this.whiteout(up, name);
  }

  override rmdir(name: string): void {
    this.fs.checkWritable();
    const v = this.lookup(name) as OverlayInode | null;
    if (!v) throw new Errno(ENOENT);
    if (!v.isDir) throw new Errno(ENOTDIR);
    if (v.hasEntries()) throw new Errno(ENOTEMPTY);
    const wo = this.lowerHas(name);
    const up = this.copyUp();
    const vu = v.upper;
    if (vu) {
      clearWhiteouts(vu);            // all that is left in it (ovl_clear_empty)
      up.rmdir(name);
    }
    if (wo) this.whiteout(up, name);
  }

  override rename(name: string, newDir: Inode, newName: string, flags: number): void {
    if (!(newDir instanceof OverlayInode) || newDir.fs !== this.fs) throw new Errno(EXDEV);
    this.fs.checkWritable();
    if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) throw new Errno(EINVAL);
    const exchange = (flags & RENAME_EXCHANGE) !== 0;
    const src = this.lookup(name) as OverlayInode | null;
    if (!src) throw new Errno(ENOENT);
    const dst = newDir.lookup(newName) as OverlayInode | null;
    if ((flags & RENAME_NOREPLACE) && dst) throw new Errno(EEXIST);
    if (exchange && !dst) throw new Errno(ENOENT);
    // moving a directory with a lower part needs redirect_dir (off): EXDEV, as Linux says
    if (src.isDir && src.lower) throw new Errno(EXDEV);
    if (exchange && dst!.isDir && dst!.lower) throw new Errno(EXDEV);
    if (dst && !exchange) {
      if (src.isDir && !dst.isDir) throw new Errno(ENOTDIR);
      if (!src.isDir && dst.isDir) throw new Errno(EISDIR);
      if (dst.isDir && dst.hasEntries()) throw new Errno(ENOTEMPTY);
    }
    if (dst && dst.same(src)) return;
    const srcWhiteout = !exchange && this.lowerHas(name);
    src.copyUp();
    if (exchange) dst!.copyUp();
    const fromUp = this.copyUp();
    const toUp = newDir.copyUp();
    // what a rename onto a removed lower name finds in the upper is its whiteout: out of the way
    const there = toUp.lookup(newName);
    const overWhiteout = !dst && !!there && isWhiteout(there);
    if (overWhiteout) toUp.unlink(newName);
    if (dst && !exchange && dst.isDir && dst.upper) clearWhiteouts(dst.upper);
    try {
      fromUp.rename(name, toUp, newName, flags);
    } catch (e) {
      if (overWhiteout) this.whiteout(toUp, newName);
      throw e;
    }
    // a pure upper directory moved into a merged one must not show the lower below its new name
    if (src.isDir && !src.opaque && newDir.lower && !newDir.opaque) this.fs.setOpaque(src.upper!);
    if (exchange && dst!.isDir && !dst!.opaque && this.lower && !this.opaque) this.fs.setOpaque(dst!.upper!);
    if (srcWhiteout) this.whiteout(fromUp, name);
  }

  // ---- attributes ---------------------------------------------------------------------------

  override readlink(): string { return this.real.readlink(); }

  override setattr(a: SetAttr): void {
    this.fs.checkWritable();
    this.copyUp(a.size ?? Infinity).setattr(a);
  }

  override getxattr(name: string): Uint8Array {
    if (name.startsWith(PRIVATE_XATTR)) throw new Errno(EOPNOTSUPP);
    return this.real.getxattr(name);
  }

  override listxattr(): string[] { return this.real.listxattr().filter((n) => !n.startsWith(PRIVATE_XATTR)); }

  override setxattr(name: string, value: Uint8Array, flags: number): void {
    if (name.startsWith(PRIVATE_XATTR)) throw new Errno(EOPNOTSUPP);
    this.fs.checkWritable();
    this.copyUp().setxattr(name, value, flags);
  }

  override removexattr(name: string): void {
    if (name.startsWith(PRIVATE_XATTR)) throw new Errno(EOPNOTSUPP);
    this.fs.checkWritable();
    this.copyUp().removexattr(name);
  }

  // ---- opening ------------------------------------------------------------------------------

  override open(flags: number, path: string, p: Process): OpenFile {
    if (this.isDir) {
      const parentIno = this.parent ? this.parent.stat().ino : this.stat().ino;
      return new DirFile(this, null, flags, path, parentIno);
    }
    const writing = !(flags & O_PATH) && (flags & O_ACCMODE) !== O_RDONLY;
    if (writing) this.copyUp();
    // the layer's file never appends by itself: O_APPEND is this description's (F_SETFL may change it)
    const innerFlags = flags & ~O_APPEND;
    return new OverlayFile(this, this.real.open(innerFlags, path, p), innerFlags, flags, path);
  }
}

/** Copies a regular file's bytes from the lower to its new upper copy. */
function copyData(from: Inode, to: Inode, keep: number): void {
  const src = from.open(O_RDONLY, '', KERNEL);
  try {
    const dst = to.open(O_WRONLY, '', KERNEL);
    try {
      const buf = new Uint8Array(COPY_CHUNK);
      for (let pos = 0; pos < keep;) {
        const n = src.pread(keep - pos < buf.length ? buf.subarray(0, keep - pos) : buf, pos);
        if (n === 0) break;
        for (let done = 0; done < n;) done += dst.pwrite(buf.subarray(done, n), pos + done);
        pos += n;
      }
    } finally { dst.unref(); }
  } finally { src.unref(); }
}

/** xattrs go along with a copy-up, except the overlay's own and what the upper cannot store. */
function copyXattrs(from: Inode, to: Inode): void {
  let names: string[];
  try { names = from.listxattr(); } catch { return; }
  for (const n of names) {
    if (n.startsWith(PRIVATE_XATTR)) continue;
    try { to.setxattr(n, from.getxattr(n), 0); } catch { /* not storable in the upper: dropped */ }
  }
}

/** Removes the whiteouts of an upper directory that is otherwise empty (before it is removed). */
function clearWhiteouts(dir: Inode): void {
  for (const e of entriesOf(dir)) {
    if (e.name === '.' || e.name === '..') continue;
    const i = dir.lookup(e.name);
    if (i && isWhiteout(i)) dir.unlink(e.name);
  }
}

/**
 * An open non-directory of the overlay: I/O goes to the layer's file at this description's own
 * offset; fstat shows the overlay's attributes. A description opened on the lower switches to the
 * upper copy once there is one.
 */
class OverlayFile extends OpenFile {
  private onUpper: boolean;
  /** Layer files replaced after a copy-up (a mapping may still read through one). */
  private retired: OpenFile[] = [];
  private mapped: Backing | null = null;

  constructor(private readonly node: OverlayInode, private inner: OpenFile, private readonly innerFlags: number,
    flags: number, path: string) {
    super(flags, path);
    this.inode = node;
    this.onUpper = !!node.upper;
  }

  private cur(): OpenFile {
    if (!this.onUpper && !(this.flags & O_PATH)) {
      const up = this.node.upper;
      if (up) {
        this.retired.push(this.inner);
        this.inner = up.open(this.innerFlags, this.path, KERNEL);
        this.onUpper = true;
      }
    }
    this.inner.mnt = this.mnt;       // atime rules of the mount the file was opened through
    return this.inner;
  }

  stat(): Stat { return this.node.stat(); }
  override get seekable(): boolean { return this.inner.seekable; }
  override get isDir(): boolean { return false; }

  override read(buf: Uint8Array, _t?: Task): Maybe<number> {
    const n = this.cur().pread(buf, this.pos);
    this.pos += n;
    return n;
  }

  override write(data: Uint8Array, _t?: Task): Maybe<number> {
    const f = this.cur();
    if (this.flags & O_APPEND) this.pos = f.stat().size;
    const n = f.pwrite(data, this.pos);
    this.pos += n;
    return n;
  }

  override pread(buf: Uint8Array, pos: number): number { return this.cur().pread(buf, pos); }

  override pwrite(data: Uint8Array, pos: number): number {
    const f = this.cur();
    if (this.flags & O_APPEND) pos = f.stat().size;      // as Linux's pwrite on O_APPEND
    return f.pwrite(data, pos);
  }

  override seek(off: number, whence: number): number {
    const f = this.cur();
    f.pos = this.pos;
    const r = f.seek(off, whence);
    this.pos = f.pos;
    return r;
  }

  override available(): number {
    const f = this.cur();
    f.pos = this.pos;
    return f.available();
  }

  /** The mapping keeps reading the file it was made with, as Linux's vm_file does. */
  override backing(): Backing { return (this.mapped ??= this.cur().backing()); }
  override truncate(len: number): void { this.cur().truncate(len); }
  override fallocate(mode: number, offset: number, len: number): void { this.cur().fallocate(mode, offset, len); }
  override sync(): void { this.cur().sync(); }

  protected override release(): void {
    this.inner.unref();
    for (const f of this.retired) f.unref();
  }
}
