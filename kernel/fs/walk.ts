// Path walk (fs/namei.c, cut down): guest paths are resolved component by component from the
// process's root (absolute paths) or its working directory (relative ones), crossing mount points, following symbolic links (ELOOP after 40), and
// treating ".." at the root as the root itself. The walk keeps the chain of directories it came
// through, so ".." is physical (after a symlink it leaves the link's target) and every location
// carries its canonical path (getcwd, /proc/self/fd, mount lookups).
//
// This is the zone's wall: names never contain "/", host file systems look names up one at a
// time without following host symlinks, absolute link targets restart at the zone's root, and
// magic links lead only to files the zone already has.

import { Errno, ELOOP, ENOENT, ENOTDIR } from '../errno.js';
import type { OpenFile } from '../file.js';
import type { Stat } from '../host.js';
import type { Process } from '../process.js';
import { Dirent, FileSystem, Inode, MagicTarget } from './inode.js';
import { S_IFDIR } from '../linux.js';
import type { Mount, MountTable } from './mount.js';
import { checkPermission, MAY_EXEC } from './perm.js';

export const MAXSYMLINKS = 40;

/** A resolved location: a mount, an inode in it and the canonical guest path that reached it. */
export interface Loc { mnt: Mount; inode: Inode; path: string }

/**
 * A directory a process holds as its working directory (fs_struct's pwd). Linux holds a dentry,
 * whose parent and name follow renames and which stays usable after rmdir; here the walk's chain
 * of locations from the root to the directory stands for it: ".." pops the chain, and the VFS
 * keeps the chain current when a directory on it is renamed (Vfs.rename, d_move) and marks it
 * unlinked when the directory itself is removed (rmdir, or renamed over). Processes share one
 * object after fork (the same dentry); chdir gives a process a new one.
 */
export class DirRef {
  /** The directory lost its name (d_unlinked): getcwd answers ENOENT, /proc links add " (deleted)". */
  unlinked = false;
  constructor(public chain: Loc[]) {}
  get loc(): Loc { return this.chain[this.chain.length - 1]; }
  /** The path d_path gives (the chain is kept current, so its last path is the name). */
  get path(): string { return this.loc.path; }
}

/** The parent directory of a path's last component, and that component. */
export interface ParentLoc {
  dir: Loc;
  /** The chain of directories from the root to `dir` (what ".." from `dir` would walk back). */
  chain: Loc[];
  /** The last component: "" for "/", or "." / ".." as written (callers give their errno). */
  name: string;
  /** The path ended in "/" (the last component must be a directory). */
  trailingSlash: boolean;
}

export function childPath(dir: string, name: string): string {
  return dir === '/' ? '/' + name : dir + '/' + name;
}

function components(path: string): string[] {
  return path.split('/').filter((c) => c !== '');
}

/** State of one walk: the directory chain and the symlink budget (shared with nested walks). */
interface WalkState { stack: Loc[]; links: number }

export class PathWalker {
  constructor(private readonly mounts: MountTable) {}

  /** The root location of `p` (the zone's root; chroot would change it per process). */
  rootOf(_p: Process): Loc {
    const m = this.mounts.root;
    return { mnt: m, inode: m.root, path: '/' };
  }

  /** A reference to the root directory (a process's working directory before any chdir). */
  rootRef(p: Process): DirRef { return new DirRef([this.rootOf(p)]); }

  /**
   * The working directory of a program started in a directory the zone does not have (a host
   * directory a --tmpfs covers, a -w that is not there). Linux cannot be in that state, and
   * refusing to start would break running from such a place, which worked while the cwd was only
   * a name: so it is kept as it was, the name without a directory. getcwd and /proc/self/cwd give
   * the name, names under it do not exist, nothing can be made in it, ".." is the root.
   */
  missingRef(p: Process, path: string): DirRef {
    const inode = new MissingDir();
    // a mount of its own, writable and open to all, so every change reaches the directory and
    // fails there with ENOENT (as in a removed one) rather than on the root's flags or modes
    const mnt: Mount = { id: 0, parentId: 0, fs: anonFs, root: inode, path, flags: 0, source: 'none', options: '' };
    return new DirRef([this.rootOf(p), { mnt, inode, path }]);
  }

  /** Where a walk of `path` starts (path_init): the root for an absolute path, else the working
   *  directory, which may have been renamed or removed since the process entered it. Credentials
   *  that are not a whole process (stand-ins for the kernel's own walks) have none: the root. */
  private start(p: Process, path: string): Loc[] {
    const pwd = (p as Partial<Process>).pwd;
    return path.startsWith('/') || !pwd ? [this.rootOf(p)] : pwd.chain.slice();
  }

  /** Resolves a path (relative ones from the working directory; "" is the working directory
   *  itself); `follow` says whether a symlink as last component is followed. */
  resolve(p: Process, path: string, follow: boolean): Loc {
    const chain = this.resolveChain(p, path, follow);
    return chain[chain.length - 1];
  }

  /** resolve, keeping the chain of directories that led to the location (chdir). */
  resolveChain(p: Process, path: string, follow: boolean): Loc[] {
    const st: WalkState = { stack: this.start(p, path), links: 0 };
    const comps = components(path);
    const trailing = path.endsWith('/') && comps.length > 0;
    this.walk(p, st, comps, follow || trailing);
    const loc = st.stack[st.stack.length - 1];
    if (trailing && !loc.inode.isDir) throw new Errno(ENOTDIR);
    return st.stack;
  }

  /** Resolves all but the last component (which may not exist yet). */
  resolveParent(p: Process, path: string): ParentLoc {
    const st: WalkState = { stack: this.start(p, path), links: 0 };
    const comps = components(path);
    const trailing = path.endsWith('/') && comps.length > 0;
    const name = comps.pop() ?? '';
    this.walk(p, st, comps, true);
    const dir = st.stack[st.stack.length - 1];
    if (!dir.inode.isDir) throw new Errno(ENOTDIR);
    return { dir, chain: st.stack, name, trailingSlash: trailing };
  }

  /**
   * The working directory fchdir makes of an open directory: the chain its name leads to when
   * that is still the file, else the file alone under the root (renamed or removed since it was
   * opened: the open description keeps no parent), unlinked when it has no links left.
   */
  fileRef(p: Process, f: OpenFile): DirRef {
    const chain = this.jump(p, { stack: [], links: 0 }, { file: f });
    const ref = new DirRef(chain);
    // a directory that still has a name has links ("." at least); a host one may be gone entirely
    try { ref.unlinked = ref.loc.inode.stat().nlink === 0; } catch { ref.unlinked = true; }
    return ref;
  }

  /** The entry `name` in directory `dir` as the walk would find it (mounts included), or null. */
  child(p: Process, dir: Loc, name: string): Loc | null {
    checkPermission(p, dir.inode.stat(), MAY_EXEC);
    const path = childPath(dir.path, name);
    const m = this.mounts.at(path);
    if (m) return { mnt: m, inode: m.root, path };
    const inode = dir.inode.lookup(name);
    return inode ? { mnt: dir.mnt, inode, path } : null;
  }

  private walk(p: Process, st: WalkState, comps: string[], followLast: boolean): void {
    const todo = comps.slice().reverse();      // a stack: the next component is at the end
    while (todo.length) {
      const name = todo.pop()!;
      const cur = st.stack[st.stack.length - 1];
      if (!cur.inode.isDir) throw new Errno(ENOTDIR);
      if (name === '.' || name === '..') {
        checkPermission(p, cur.inode.stat(), MAY_EXEC);
        if (name === '..' && st.stack.length > 1) st.stack.pop();
        continue;
      }
      const next = this.child(p, cur, name);
      if (!next) throw new Errno(ENOENT);
      const last = todo.length === 0;
      if (next.inode.isLink && (!last || followLast)) {
        if (++st.links > MAXSYMLINKS) throw new Errno(ELOOP);
        const magic = next.inode.magic(p);
        if (magic) {
          // the walk goes on from the target as if it had been reached from the root (nd_jump_link):
          // ".." after /proc/self/root stays at the root
          st.stack = this.jump(p, st, magic);
          continue;
        }
        const target = next.inode.readlink(p);
        if (target === '') throw new Errno(ENOENT);
        if (target.startsWith('/')) st.stack.length = 1;
        const tc = components(target);
        for (let i = tc.length - 1; i >= 0; i--) todo.push(tc[i]);
        // "link/" where link points at a non-directory is caught by the caller's trailing check
        continue;
      }
      st.stack.push(next);
    }
  }

  /** Where a magic link leads (nd_jump_link), as the chain of directories from the root to it. */
  private jump(p: Process, st: WalkState, t: MagicTarget): Loc[] {
    const root = this.rootOf(p);
    if (t.ref) return t.ref.chain.slice();
    if (t.file) {
      const f = t.file;
      if (!f.inode || !f.mnt) return [root, { mnt: root.mnt, inode: new AnonInode(f), path: f.path }];
      // the file's own chain, when its name still leads to it; else the file alone under the root
      try {
        const inner: WalkState = { stack: [root], links: 0 };
        this.walk(p, inner, components(f.path), false);
        const end = inner.stack[inner.stack.length - 1];
        if (end.inode.same(f.inode)) return inner.stack;
      } catch { /* renamed or removed since it was opened */ }
      return [root, { mnt: f.mnt, inode: f.inode, path: f.path }];
    }
    const inner: WalkState = { stack: [root], links: st.links };
    this.walk(p, inner, components(t.path ?? '/'), true);
    st.links = inner.links;
    return inner.stack;
  }
}

/** The file system of files that have no name (pipes, sockets, stream endpoints). */
class AnonFs extends FileSystem {
  readonly type = 'anon_inodefs';
  readonly magic = 0x09041934;
  readonly dev = 0xd;
  root(): Inode { throw new Errno(ENOENT); }
}
const anonFs = new AnonFs();

/** What /proc/self/fd/N leads to when the file is a pipe or stream: reopening shares it. */
export class AnonInode extends Inode {
  readonly fs = anonFs;
  constructor(private readonly file: OpenFile) { super(); }
  get ino(): number { return this.file.stat().ino; }
  stat(): Stat { return this.file.stat(); }
  override open(): OpenFile { return this.file.ref(); }
}

/** What missingRef holds: an empty directory with no entries and no links that takes none. */
class MissingDir extends Inode {
  readonly fs = anonFs;
  readonly ino = 0;
  stat(): Stat {
    return {
      dev: anonFs.dev, ino: 0, mode: S_IFDIR | 0o777, nlink: 0, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 4096,
      blocks: 0, atimeSec: 0, atimeNsec: 0, mtimeSec: 0, mtimeNsec: 0, ctimeSec: 0, ctimeNsec: 0,
    };
  }
  override lookup(): Inode | null { return null; }
  override readdir(): Dirent[] { throw new Errno(ENOENT); }
  override mknod(): Inode { throw new Errno(ENOENT); }
  override mkdir(): Inode { throw new Errno(ENOENT); }
  override symlink(): Inode { throw new Errno(ENOENT); }
  override link(): void { throw new Errno(ENOENT); }
  override tmpfile(): Inode { throw new Errno(ENOENT); }
  override open(): OpenFile { throw new Errno(ENOENT); }
}
