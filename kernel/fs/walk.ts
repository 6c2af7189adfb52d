// Path walk (fs/namei.c, cut down): absolute guest paths are resolved component by component from
// the process's root, crossing mount points, following symbolic links (ELOOP after 40), and
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
import { FileSystem, Inode } from './inode.js';
import type { Mount, MountTable } from './mount.js';
import { checkPermission, MAY_EXEC } from './perm.js';

export const MAXSYMLINKS = 40;

/** A resolved location: a mount, an inode in it and the canonical guest path that reached it. */
export interface Loc { mnt: Mount; inode: Inode; path: string }

/** The parent directory of a path's last component, and that component. */
export interface ParentLoc {
  dir: Loc;
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

  /** Resolves an absolute path; `follow` says whether a symlink as last component is followed. */
  resolve(p: Process, path: string, follow: boolean): Loc {
    const st: WalkState = { stack: [this.rootOf(p)], links: 0 };
    const comps = components(path);
    const trailing = path.endsWith('/') && comps.length > 0;
    this.walk(p, st, comps, follow || trailing);
    const loc = st.stack[st.stack.length - 1];
    if (trailing && !loc.inode.isDir) throw new Errno(ENOTDIR);
    return loc;
  }

  /** Resolves all but the last component (which may not exist yet). */
  resolveParent(p: Process, path: string): ParentLoc {
    const st: WalkState = { stack: [this.rootOf(p)], links: 0 };
    const comps = components(path);
    const trailing = path.endsWith('/') && comps.length > 0;
    const name = comps.pop() ?? '';
    this.walk(p, st, comps, true);
    const dir = st.stack[st.stack.length - 1];
    if (!dir.inode.isDir) throw new Errno(ENOTDIR);
    return { dir, name, trailingSlash: trailing };
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
  private jump(p: Process, st: WalkState, t: { file?: OpenFile; path?: string }): Loc[] {
    const root = this.rootOf(p);
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
