// Path-level file-system calls (fs/namei.c, fs/open.c): each one walks the path with the zone's
// PathWalker, checks permissions and read-only mounts in Linux's order, and asks the inode's file
// system to do the change. The syscall layer turns (dirfd, path) into a guest path (absolute, or
// relative to the process's working directory) and calls these; fd-based variants take the open
// file's inode. Renames and rmdir also keep the processes' working directories current (d_move).

import { Errno, EACCES, EBUSY, EEXIST, EINVAL, EISDIR, ELOOP, ENOENT, ENOTDIR, ENXIO, EOPNOTSUPP, EPERM, EROFS, EXDEV } from './errno.js';
import { HostFile, OpenFile } from './file.js';
import type { Stat } from './host.js';
import type { Kernel } from './kernel.js';
import {
  O_ACCMODE, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_LARGEFILE, O_NOCTTY, O_NOFOLLOW, O_PATH, O_RDONLY, O_RDWR,
  O_TRUNC, O_WRONLY, RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO,
  S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, S_ISGID, S_ISUID, W_OK,
} from './linux.js';
import type { Process } from './process.js';
import { openDevice } from './fs/devices.js';
import { nextStatEpoch } from './fs/hostfs.js';
import type { Inode, SetAttr, StatFs, Time } from './fs/inode.js';
import { MS_RDONLY, MS_NOEXEC } from './fs/mount.js';
import { checkOwner, checkPermission, checkSticky, chmodMode, inGroup, MAY_EXEC, MAY_READ, MAY_WRITE } from './fs/perm.js';
import { childPath, DirRef, Loc, MAXSYMLINKS, ParentLoc } from './fs/walk.js';
import { openFifo } from './fs/fifo.js';
import type { Maybe } from './file.js';
import type { Task } from './process.js';

const S_IRWXUGO = 0o777, S_ISVTX = 0o1000;
/** O_TMPFILE without its O_DIRECTORY (asm-generic/fcntl.h): open(2) insists on both. */
const __O_TMPFILE = 0o20000000;

function isSpecial(name: string): boolean { return name === '' || name === '.' || name === '..'; }

/** The file kinds whose writes a read-only mount refuses (devices and FIFOs still work). */
function storedOnFs(mode: number): boolean {
  const t = mode & S_IFMT;
  return t === S_IFREG || t === S_IFDIR || t === S_IFLNK;
}

export class Vfs {
  constructor(private readonly k: Kernel) {}

  private get walker() { return this.k.walker; }

  now(): Time { return this.k.host.clock.realtime(); }

  // ---- walking ------------------------------------------------------------------------------

  resolve(p: Process, path: string, follow: boolean): Loc {
    nextStatEpoch();
    return this.walker.resolve(p, path, follow);
  }

  private parent(p: Process, path: string): ParentLoc {
    nextStatEpoch();
    return this.walker.resolveParent(p, path);
  }

  private roCheck(loc: Loc): void {
    if ((loc.mnt.flags & MS_RDONLY) || loc.mnt.fs.readonly) throw new Errno(EROFS);
  }

  /** May `p` add or remove entries in directory `dir`? (may_create / may_delete). */
  private dirWrite(p: Process, dir: Loc): void {
    checkPermission(p, dir.inode.stat(), MAY_WRITE | MAY_EXEC);
    this.roCheck(dir);
  }

  /** Owner and group a new inode in `dir` gets (setgid directories hand down their group). */
  private newOwner(p: Process, dir: Loc): [number, number, boolean] {
    const st = dir.inode.stat();
    return st.mode & S_ISGID ? [p.fsuid, st.gid, true] : [p.fsuid, p.fsgid, false];
  }

  // ---- open ---------------------------------------------------------------------------------

  /** open/openat: `path` is absolute. Returns a new description (one reference). */
  open(p: Process, path: string, flags: number, mode: number, t?: Task): Maybe<OpenFile> {
    // O_PATH keeps only O_PATH_FLAGS (build_open_how), so O_PATH|O_TMPFILE opens the directory
    if ((flags & __O_TMPFILE) && !(flags & O_PATH)) return this.openTmpfile(p, path, flags, mode);
    let loc: Loc;
    let created = false;
    if (flags & O_CREAT && !(flags & O_PATH)) {
      if (flags & O_DIRECTORY) throw new Errno(EINVAL);
      const r = this.openCreate(p, path, flags, mode);
      loc = r.loc;
      created = r.created;
    } else {
      loc = this.resolve(p, path, !(flags & O_NOFOLLOW));
      // do_open's O_DIRECTORY check comes before may_open's ELOOP for a symlink
      if (loc.inode.isLink && !(flags & O_PATH)) throw new Errno(flags & O_DIRECTORY ? ENOTDIR : ELOOP);
    }
    return this.openLoc(p, loc, flags, created, t);
  }

  /**
   * open(dir, O_TMPFILE | O_WRONLY or O_RDWR, mode): build_open_flags' checks, then do_tmpfile
   * (the directory is looked up like any path, EROFS, write and search permission on it) and
   * vfs_tmpfile (the file system must have ->tmpfile: EOPNOTSUPP). The file is named, in
   * /proc/self/fd, the way d_path shows an unhashed "#ino" dentry: "/dir/#12 (deleted)", a name
   * that stays after linkat gives it a real one.
   */
  private openTmpfile(p: Process, path: string, flags: number, mode: number): OpenFile {
    if (flags & O_CREAT) throw new Errno(EINVAL);                       // O_DIRECTORY | O_CREAT
    if (!(flags & O_DIRECTORY)) throw new Errno(EINVAL);
    if ((flags & O_ACCMODE) === O_RDONLY) throw new Errno(EINVAL);      // ACC_MODE lacks MAY_WRITE
    const dir = this.resolve(p, path, !(flags & O_NOFOLLOW));
    if (!dir.inode.isDir) throw new Errno(ENOTDIR);                     // LOOKUP_DIRECTORY
    this.roCheck(dir);                                                   // mnt_want_write
    checkPermission(p, dir.inode.stat(), MAY_WRITE | MAY_EXEC);
    const [uid, gid] = this.newOwner(p, dir);
    const inode = dir.inode.tmpfile(S_IFREG | ((mode & 0o7777) & ~p.umask), uid, gid, !(flags & O_EXCL));
    // do_dentry_open keeps every other flag, O_TMPFILE and O_NOFOLLOW included (F_GETFL shows them)
    const oflags = (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)) | (p.mode64 ? O_LARGEFILE : 0);
    const f = inode.open(oflags, `${childPath(dir.path, '#' + inode.ino)} (deleted)`, p);
    return this.attach(f, { mnt: dir.mnt, inode, path: f.path });
  }

  /** The O_CREAT half of open: find or make the last component (following symlinks to it). */
  private openCreate(p: Process, path: string, flags: number, mode: number): { loc: Loc; created: boolean } {
    for (let links = 0; ; links++) {
      const pl = this.parent(p, path);
      if (pl.trailingSlash || isSpecial(pl.name)) throw new Errno(EISDIR);
      const child = this.walker.child(p, pl.dir, pl.name);
      if (child) {
        if (flags & O_EXCL) throw new Errno(EEXIST);
        if (child.inode.isLink) {
          if (flags & O_NOFOLLOW) throw new Errno(ELOOP);
          if (links >= MAXSYMLINKS) throw new Errno(ELOOP);
          const magic = child.inode.magic(p);
          if (magic) return { loc: this.resolve(p, child.path, true), created: false };
          const target = child.inode.readlink(p);
          path = target.startsWith('/') ? target : childPath(pl.dir.path, target);
          continue;
        }
        return { loc: child, created: false };
      }
      this.dirWrite(p, pl.dir);
      const [uid, gid] = this.newOwner(p, pl.dir);
      const inode = pl.dir.inode.mknod(pl.name, S_IFREG | ((mode & 0o7777) & ~p.umask), 0, uid, gid);
      return { loc: { mnt: pl.dir.mnt, inode, path: childPath(pl.dir.path, pl.name) }, created: true };
    }
  }

  /** Opens a resolved location with open(2)'s checks. */
  openLoc(p: Process, loc: Loc, flags: number, created: boolean, t?: Task): Maybe<OpenFile> {
    const inode = loc.inode;
    const st = inode.stat();
    const type = st.mode & S_IFMT;
    if ((flags & O_DIRECTORY) && type !== S_IFDIR) throw new Errno(ENOTDIR);
    const acc = flags & O_ACCMODE;
    if (flags & O_PATH) {
      const f = inode.open(flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), loc.path, p);
      return this.attach(f, loc);
    }
    if (type === S_IFDIR && (acc !== O_RDONLY || (flags & O_TRUNC) || (flags & O_CREAT))) throw new Errno(EISDIR);
    if (type === S_IFLNK) throw new Errno(ELOOP);
    const writing = acc === O_WRONLY || acc === O_RDWR || (flags & O_TRUNC) !== 0;
    if (!created) {
      let mask = acc === O_RDONLY ? MAY_READ : acc === O_WRONLY ? MAY_WRITE : MAY_READ | MAY_WRITE;
      if (acc === 3) mask = MAY_READ | MAY_WRITE;
      if (flags & O_TRUNC) mask |= MAY_WRITE;
      checkPermission(p, st, mask);
    }
    if (writing && storedOnFs(st.mode)) this.roCheck(loc);
    const oflags = (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW)) | (p.mode64 ? O_LARGEFILE : 0);
    switch (type) {
      case S_IFCHR: return this.attach(openDevice(this.k, st.rdev, oflags, loc.path, p, (flags & O_NOCTTY) !== 0), loc);
      case S_IFBLK: case S_IFSOCK: throw new Errno(ENXIO);
      case S_IFIFO: {
        const r = openFifo(this.k, inode, oflags, loc.path, t);
        return r instanceof Promise ? r.then((f) => this.attach(f, loc)) : this.attach(r, loc);
      }
    }
    // handle_truncate: O_TRUNC truncates even with O_RDONLY (may_open asked for MAY_WRITE)
    if ((flags & O_TRUNC) && type === S_IFREG && !created) {
      const now = this.now();
      inode.setattr({ size: 0, mtime: now, ctime: now });
    }
    const f = inode.open(oflags, loc.path, p);
    if (f instanceof HostFile && f.kind === 'tty' && f.handle >= 0) f.tty = this.k.ttyDevice(f.handle);
    return this.attach(f, loc);
  }

  private attach(f: OpenFile, loc: Loc): OpenFile {
    if (!f.inode) { f.inode = loc.inode; f.mnt = loc.mnt; }
    else if (!f.mnt) f.mnt = loc.mnt;
    return f;
  }

  /** execve's open: a regular file the process may execute, on a mount that allows it. */
  openExec(p: Process, loc: Loc): OpenFile {
    const st = loc.inode.stat();
    if ((st.mode & S_IFMT) !== S_IFREG) throw new Errno(EACCES);
    if (loc.mnt.flags & MS_NOEXEC) throw new Errno(EACCES);
    checkPermission(p, st, MAY_EXEC);
    return this.openLoc(p, loc, O_RDONLY, false) as OpenFile;
  }

  // ---- looking ------------------------------------------------------------------------------

  stat(p: Process, path: string, follow: boolean): Stat { return this.resolve(p, path, follow).inode.stat(); }

  statfs(p: Process, path: string): StatFs { return this.statfsOf(this.resolve(p, path, true)); }

  statfsOf(loc: { mnt: Loc['mnt'] }): StatFs {
    const s = loc.mnt.fs.statfs();
    return { ...s, flags: s.flags | mountStatfsFlags(loc.mnt.flags) };
  }

  readlink(p: Process, path: string): string {
    const loc = this.resolve(p, path, false);
    if (!loc.inode.isLink) throw new Errno(EINVAL);
    return loc.inode.readlink(p);
  }

  /** access/faccessat: `real` checks with the real ids (access(2)), else the effective ones. */
  access(p: Process, path: string, mode: number, follow = true): void {
    const loc = this.resolve(p, path, follow);
    if (loc.inode.isLink) return;           // a link's own permissions are always rwx
    const st = loc.inode.stat();
    if ((mode & W_OK) && storedOnFs(st.mode) && ((loc.mnt.flags & MS_RDONLY) || loc.mnt.fs.readonly)) throw new Errno(EROFS);
    checkPermission(p, st, mode & 7);
  }

  /** A reference to the directory `path` names (chdir: `search` checks search permission on it),
   *  or ENOTDIR / ENOENT / EACCES. */
  dirRef(p: Process, path: string, search = false): DirRef {
    nextStatEpoch();
    const chain = this.walker.resolveChain(p, path, true);
    const loc = chain[chain.length - 1];
    if (!loc.inode.isDir) throw new Errno(ENOTDIR);
    if (search) checkPermission(p, loc.inode.stat(), MAY_EXEC);
    return new DirRef(chain);
  }

  /** fchdir: the open directory `f` as a working directory (it may have no name any more). */
  fileDirRef(p: Process, f: OpenFile): DirRef {
    nextStatEpoch();
    const ref = this.walker.fileRef(p, f);
    checkPermission(p, ref.loc.inode.stat(), MAY_EXEC);
    return ref;
  }

  // ---- working directories following renames and removals (d_move, d_delete) ----------------

  /** Every working directory held by a process of the zone, each once (fork shares them). */
  private dirRefs(): Set<DirRef> {
    const out = new Set<DirRef>();
    // a stand-in kernel (a file-system unit test) may have no process table
    const procs = (this.k as Partial<Kernel>).procs;
    if (procs) for (const q of procs.values()) if (q.pwdRef) out.add(q.pwdRef);
    return out;
  }

  /** The working directories whose chain passes through `loc`, with the index where it does. */
  private refsThrough(loc: Loc): { ref: DirRef; i: number }[] {
    const out: { ref: DirRef; i: number }[] = [];
    for (const ref of this.dirRefs()) {
      const i = ref.chain.findIndex((c) => c.mnt === loc.mnt && c.path === loc.path && sameInode(c.inode, loc.inode));
      if (i >= 0) out.push({ ref, i });
    }
    return out;
  }

  /**
   * After a rename moved chain[i] of `ref` to `name` in the directory at the end of `parent`
   * (its chain): the chain becomes the new parent's, then the moved directory and what was below
   * it, under their new paths. Inodes are looked up again by name, since some file systems
   * (hostfs, overlay) name their inodes by path; Loc objects are shared between chains, so new
   * ones are made rather than changed.
   */
  private moveRef(ref: DirRef, i: number, parent: Loc[], name: string): void {
    const old = ref.chain;
    const from = old[i].path;
    const chain = parent.slice();
    let prev = chain[chain.length - 1];
    const top: Loc = { mnt: old[i].mnt, inode: relookup(prev.inode, name) ?? old[i].inode, path: childPath(prev.path, name) };
    chain.push(top);
    prev = top;
    for (let j = i + 1; j < old.length; j++) {
      const o = old[j];
      const path = top.path + o.path.slice(from.length);
      const inode = o.mnt === old[j - 1].mnt ? relookup(prev.inode, o.path.slice(o.path.lastIndexOf('/') + 1)) ?? o.inode : o.inode;
      prev = { mnt: o.mnt, inode, path };
      chain.push(prev);
    }
    ref.chain = chain;
  }

  // ---- names --------------------------------------------------------------------------------

  mkdir(p: Process, path: string, mode: number): void {
    const pl = this.parent(p, path);
    if (isSpecial(pl.name)) throw new Errno(EEXIST);
    if (this.walker.child(p, pl.dir, pl.name)) throw new Errno(EEXIST);
    this.dirWrite(p, pl.dir);
    const [uid, gid, sgid] = this.newOwner(p, pl.dir);
    const m = ((mode & (S_IRWXUGO | S_ISVTX)) & ~p.umask) | (sgid ? S_ISGID : 0);
    pl.dir.inode.mkdir(pl.name, S_IFDIR | m, uid, gid);
  }

  mknod(p: Process, path: string, mode: number, rdev: number): void {
    const type = mode & S_IFMT;
    const pl = this.parent(p, path);
    if (isSpecial(pl.name)) throw new Errno(EEXIST);
    if (this.walker.child(p, pl.dir, pl.name)) throw new Errno(EEXIST);
    if (pl.trailingSlash) throw new Errno(ENOENT);        // filename_create: "name/" for a non-directory
    if ((type === S_IFCHR || type === S_IFBLK) && p.euid !== 0) throw new Errno(EPERM);
    this.dirWrite(p, pl.dir);
    const [uid, gid] = this.newOwner(p, pl.dir);
    pl.dir.inode.mknod(pl.name, (type || S_IFREG) | ((mode & 0o7777) & ~p.umask), type === S_IFCHR || type === S_IFBLK ? rdev : 0, uid, gid);
  }

  /**
   * The victim of unlink/rmdir/rename-source: it must exist, be of the kind the call removes
   * (`dir`: rmdir wants a directory, unlink anything else; may_delete checks this first), and not
   * be a mount point.
   */
  private victim(p: Process, pl: ParentLoc, dir?: boolean): Loc {
    const v = this.walker.child(p, pl.dir, pl.name);
    if (!v) throw new Errno(ENOENT);
    if (dir === true && !v.inode.isDir) throw new Errno(ENOTDIR);
    if (dir === false && v.inode.isDir) throw new Errno(EISDIR);
    if (this.k.mounts.isMountPoint(v.path)) throw new Errno(EBUSY);
    return v;
  }

  rmdir(p: Process, path: string): void {
    const pl = this.parent(p, path);
    if (pl.name === '.') throw new Errno(EINVAL);
    if (pl.name === '..') throw new Errno(39 /* ENOTEMPTY */);
    if (pl.name === '') throw new Errno(EBUSY);
    const v = this.victim(p, pl, true);
    this.dirWrite(p, pl.dir);
    checkSticky(p, pl.dir.inode.stat(), v.inode.stat());
    const held = this.refsThrough(v);
    pl.dir.inode.rmdir(pl.name);
    // a working directory removed under a process stays its directory, without a name
    for (const { ref } of held) ref.unlinked = true;
  }

  unlink(p: Process, path: string): void {
    const pl = this.parent(p, path);
    if (isSpecial(pl.name)) throw new Errno(EISDIR);
    const v = this.victim(p, pl, false);
    if (pl.trailingSlash) throw new Errno(ENOTDIR);
    this.dirWrite(p, pl.dir);
    checkSticky(p, pl.dir.inode.stat(), v.inode.stat());
    pl.dir.inode.unlink(pl.name);
  }

  rename(p: Process, from: string, to: string, flags: number): void {
    if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) throw new Errno(EINVAL);
    if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT))) throw new Errno(EINVAL);
    if (flags & RENAME_WHITEOUT) throw new Errno(EINVAL);
    const pf = this.parent(p, from);
    const pt = this.walker.resolveParent(p, to);
    if (isSpecial(pf.name) || isSpecial(pt.name)) throw new Errno(flags & RENAME_NOREPLACE && isSpecial(pt.name) ? EEXIST : EBUSY);
    const src = this.victim(p, pf);
    if (pf.dir.mnt !== pt.dir.mnt) throw new Errno(EXDEV);
    const dst = this.walker.child(p, pt.dir, pt.name);
    if ((flags & RENAME_NOREPLACE) && dst) throw new Errno(EEXIST);
    if ((flags & RENAME_EXCHANGE) && !dst) throw new Errno(ENOENT);
    if (dst && this.k.mounts.isMountPoint(dst.path)) throw new Errno(EBUSY);
    if ((pf.trailingSlash || pt.trailingSlash) && !src.inode.isDir) throw new Errno(ENOTDIR);
    // a directory cannot move into itself
    if (src.inode.isDir && (pt.dir.path + '/').startsWith(src.path + '/')) throw new Errno(EINVAL);
    this.dirWrite(p, pf.dir);
    this.dirWrite(p, pt.dir);
    checkSticky(p, pf.dir.inode.stat(), src.inode.stat());
    // the target is an ancestor of the source: it cannot be empty (lock_rename's trap; a rename
    // onto itself has no trap and does nothing)
    if (dst && src.path.startsWith(dst.path + '/')) throw new Errno(flags & RENAME_EXCHANGE ? EINVAL : 39 /* ENOTEMPTY */);
    if (dst) {
      checkSticky(p, pt.dir.inode.stat(), dst.inode.stat());
      if (!(flags & RENAME_EXCHANGE)) {
        if (src.inode.isDir && !dst.inode.isDir) throw new Errno(ENOTDIR);
        if (!src.inode.isDir && dst.inode.isDir) throw new Errno(EISDIR);
      }
      if (dst.inode.same(src.inode)) return;    // two names of one file: nothing happens
    }
    const moved = this.refsThrough(src);
    const other = dst && dst.inode.isDir ? this.refsThrough(dst) : [];
    pf.dir.inode.rename(pf.name, pt.dir.inode, pt.name, flags);
    // working directories at or below a moved directory move with it; one renamed over is dead
    for (const { ref, i } of moved) this.moveRef(ref, i, pt.chain, pt.name);
    if (flags & RENAME_EXCHANGE) for (const { ref, i } of other) this.moveRef(ref, i, pf.chain, pf.name);
    else for (const { ref } of other) ref.unlinked = true;
  }

  symlink(p: Process, target: string, path: string): void {
    const pl = this.parent(p, path);
    if (isSpecial(pl.name)) throw new Errno(EEXIST);
    if (this.walker.child(p, pl.dir, pl.name)) throw new Errno(EEXIST);
    if (pl.trailingSlash) throw new Errno(ENOENT);
    this.dirWrite(p, pl.dir);
    const [uid, gid] = this.newOwner(p, pl.dir);
    pl.dir.inode.symlink(pl.name, target, uid, gid);
  }

  link(p: Process, from: string, to: string, follow = false): void {
    this.linkLoc(p, this.resolve(p, from, follow), to);
  }

  /** linkat with AT_EMPTY_PATH: a new name for an open file. */
  linkLoc(p: Process, src: Loc, to: string): void {
    if (src.inode.isDir) throw new Errno(EPERM);
    const pt = this.parent(p, to);
    if (isSpecial(pt.name)) throw new Errno(EEXIST);
    if (this.walker.child(p, pt.dir, pt.name)) throw new Errno(EEXIST);
    if (pt.trailingSlash) throw new Errno(ENOENT);
    if (pt.dir.mnt !== src.mnt) throw new Errno(EXDEV);
    this.dirWrite(p, pt.dir);
    pt.dir.inode.link(pt.name, src.inode);
  }

  // ---- attributes ---------------------------------------------------------------------------

  /** The location behind an open file (fchmod, fchown, futimens, fstatfs). */
  fileLoc(f: OpenFile): Loc {
    if (!f.inode || !f.mnt) throw new Errno(EOPNOTSUPP);
    return { mnt: f.mnt, inode: f.inode, path: f.path };
  }

  private setattr(loc: Loc, a: SetAttr): void {
    this.roCheck(loc);
    loc.inode.setattr({ ...a, ctime: a.ctime ?? this.now() });
  }

  chmod(p: Process, path: string, mode: number, follow = true): void { this.chmodLoc(p, this.resolve(p, path, follow), mode); }

  chmodLoc(p: Process, loc: Loc, mode: number): void {
    const st = loc.inode.stat();
    checkOwner(p, st);
    this.setattr(loc, { mode: chmodMode(p, st, mode) });
  }

  chown(p: Process, path: string, uid: number, gid: number, follow: boolean): void {
    this.chownLoc(p, this.resolve(p, path, follow), uid, gid);
  }

  chownLoc(p: Process, loc: Loc, uid: number, gid: number): void {
    const st = loc.inode.stat();
    const u = uid === -1 || uid === 0xffffffff ? undefined : uid;
    const g = gid === -1 || gid === 0xffffffff ? undefined : gid;
    if (p.fsuid !== 0) {
      // chown_ok / chgrp_ok: only the owner may change the group, to one of its groups
      if (u !== undefined && u !== st.uid) throw new Errno(EPERM);
      if (g !== undefined && (p.fsuid !== st.uid || (g !== st.gid && !inGroup(p, g)))) throw new Errno(EPERM);
    }
    const a: SetAttr = {};
    if (u !== undefined) a.uid = u;
    if (g !== undefined) a.gid = g;
    // chown of a non-directory drops set-user-ID, and set-group-ID when group-executable
    if ((st.mode & S_IFMT) !== S_IFDIR && (u !== undefined || g !== undefined)) {
      let m = st.mode & 0o7777;
      m &= ~S_ISUID;
      if (m & 0o010) m &= ~S_ISGID;
      if (m !== (st.mode & 0o7777)) a.mode = m;
    }
    this.setattr(loc, a);
  }

  truncate(p: Process, path: string, len: number): void {
    const loc = this.resolve(p, path, true);
    const st = loc.inode.stat();
    if ((st.mode & S_IFMT) === S_IFDIR) throw new Errno(EISDIR);
    if ((st.mode & S_IFMT) !== S_IFREG) throw new Errno(EINVAL);
    checkPermission(p, st, MAY_WRITE);
    const now = this.now();
    this.setattr(loc, { size: len, mtime: now });
  }

  /** utimensat: `explicit` when a time other than "now" is being set (owner only). */
  utimes(p: Process, path: string, atime: Time | null, mtime: Time | null, follow: boolean, explicit = true, now?: Time): void {
    this.utimesLoc(p, this.resolve(p, path, follow), atime, mtime, explicit, now);
  }

  /** `now`: the clock reading UTIME_NOW used; ctime gets the same one (notify_change reads the
   *  clock once, so "now" times equal ctime). */
  utimesLoc(p: Process, loc: Loc, atime: Time | null, mtime: Time | null, explicit = true, now?: Time): void {
    const st = loc.inode.stat();
    if (explicit) checkOwner(p, st);
    else if (p.fsuid !== 0 && p.fsuid !== st.uid) {
      try { checkPermission(p, st, MAY_WRITE); } catch { throw new Errno(EACCES); }
    }
    const a: SetAttr = {};
    if (atime) a.atime = atime;
    if (mtime) a.mtime = mtime;
    if (now) a.ctime = now;
    this.setattr(loc, a);
  }

  // ---- extended attributes ------------------------------------------------------------------

  getxattr(loc: Loc, name: string): Uint8Array { return loc.inode.getxattr(name); }
  listxattr(loc: Loc): string[] { return loc.inode.listxattr(); }
  setxattr(p: Process, loc: Loc, name: string, value: Uint8Array, flags: number): void {
    checkOwner(p, loc.inode.stat());
    this.roCheck(loc);
    loc.inode.setxattr(name, value, flags);
  }
  removexattr(p: Process, loc: Loc, name: string): void {
    checkOwner(p, loc.inode.stat());
    this.roCheck(loc);
    loc.inode.removexattr(name);
  }
}

/** statfs f_flags for mount flags (ST_RDONLY 1, ST_NOSUID 2, ST_NODEV 4, ST_NOEXEC 8, ST_RELATIME 0x1000). */
function mountStatfsFlags(ms: number): number {
  return (ms & 1 ? 1 : 0) | (ms & 2 ? 2 : 0) | (ms & 4 ? 4 : 0) | (ms & 8 ? 8 : 0) | 0x1000;
}

/** A lexically canonical absolute path (for names shown back to the guest). */
export function canonical(path: string): string {
  const parts: string[] = [];
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') { parts.pop(); continue; }
    parts.push(c);
  }
  return '/' + parts.join('/');
}

export { O_WRONLY, O_RDWR, S_IFIFO };

/** Two inodes of one directory (the same object on most file systems; hostfs compares the host's
 *  numbers, which a file that is gone no longer has). */
function sameInode(a: Inode, b: Inode): boolean {
  if (a === b) return true;
  try { return a.same(b); } catch { return false; }
}

/** The entry `name` of `dir` looked up again after a rename (no permission check: the kernel's
 *  own bookkeeping), or null when it cannot be. */
function relookup(dir: Inode, name: string): Inode | null {
  try { return dir.lookup(name); } catch { return null; }
}
