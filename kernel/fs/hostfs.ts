// hostfs: a directory of the host, seen through the host adapter (kernel/host.ts HostFs).
// Owners, modes, sizes, times and inode numbers are the host's, shown as they are. Names are
// looked up one at a time with lstat and files are opened without following a final symlink,
// so host symlinks are resolved by the kernel's path walk inside the zone, never by the host.
// Read-only unless mounted read-write.

import { Errno, EEXIST, EINVAL, EPERM, HostError, ENOENT } from '../errno.js';
import { HostFile, OpenFile } from '../file.js';
import type { Host, Stat } from '../host.js';
import {
  O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY, O_PATH, O_DIRECTORY,
  RENAME_EXCHANGE, RENAME_NOREPLACE, S_IFMT, S_IFREG, S_IFDIR,
} from '../linux.js';
import type { Process } from '../process.js';
import { FileSystem, Inode, SetAttr, StatFs } from './inode.js';

/**
 * Stats are cached for the duration of one VFS operation: the VFS bumps this epoch at the start
 * of each call, so a walk does not lstat the same directory twice but never sees stale data.
 */
let epoch = 0;
export function nextStatEpoch(): void { epoch++; }

export class HostFileSystem extends FileSystem {
  readonly type = 'hostfs';
  readonly magic = 0xef53;    // what the host's ext4 would say; statfs asks the host where it can
  readonly dev: number;
  private readonly rootInode: HostInode;

  constructor(readonly host: Host, readonly hostRoot: string, readonly: boolean) {
    super();
    this.readonly = readonly;
    const st = host.fs.stat(hostRoot);
    if ((st.mode & S_IFMT) !== S_IFDIR) throw new Errno(20 /* ENOTDIR */);
    this.dev = st.dev;
    this.rootInode = new HostInode(this, hostRoot.replace(/\/+$/, '') || '/', st);
  }

  root(): Inode { return this.rootInode; }

  override statfs(): StatFs {
    return { ...super.statfs(), blocks: 0, bfree: 0, bavail: 0 };
  }
}

function hostJoin(dir: string, name: string): string { return dir === '/' ? '/' + name : dir + '/' + name; }

export class HostInode extends Inode {
  private cached: Stat | null;
  private cachedEpoch: number;

  constructor(readonly fs: HostFileSystem, readonly hostPath: string, st?: Stat) {
    super();
    this.cached = st ?? null;
    this.cachedEpoch = epoch;
  }

  private get hfs() { return this.fs.host.fs; }

  stat(): Stat {
    if (!this.cached || this.cachedEpoch !== epoch) {
      this.cached = this.hfs.lstat(this.hostPath);
      this.cachedEpoch = epoch;
    }
    return this.cached;
  }

  get ino(): number { return this.stat().ino; }
  override same(other: Inode): boolean {
    if (!(other instanceof HostInode)) return false;
    const a = this.stat(), b = other.stat();
    return a.dev === b.dev && a.ino === b.ino;
  }

  private changed(): void { this.cached = null; }
  private child(name: string): string { return hostJoin(this.hostPath, name); }

  override lookup(name: string): Inode | null {
    if (!this.isDir) throw new Errno(20 /* ENOTDIR */);
    try {
      return new HostInode(this.fs, this.child(name), this.hfs.lstat(this.child(name)));
    } catch (e) {
      if (e instanceof HostError && e.errno === ENOENT) return null;
      throw e;
    }
  }

  override mknod(name: string, mode: number, _rdev: number, _uid: number, _gid: number): Inode {
    this.fs.checkWritable();
    // The host adapter can make regular files only (no mkfifo/mknod in Node): what a container
    // without CAP_MKNOD answers for the rest.
    if ((mode & S_IFMT) !== S_IFREG) throw new Errno(EPERM);
    const p = this.child(name);
    const h = this.hfs.open(p, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW, mode & 0o7777);
    this.hfs.close(h);
    this.changed();
    return new HostInode(this.fs, p);
  }

  override mkdir(name: string, mode: number): Inode {
    this.fs.checkWritable();
    this.hfs.mkdir(this.child(name), mode & 0o7777);
    this.changed();
    return new HostInode(this.fs, this.child(name));
  }

  override symlink(name: string, target: string): Inode {
    this.fs.checkWritable();
    this.hfs.symlink(target, this.child(name));
    this.changed();
    return new HostInode(this.fs, this.child(name));
  }

  override link(name: string, target: Inode): void {
    this.fs.checkWritable();
    this.hfs.link((target as HostInode).hostPath, this.child(name));
    this.changed();
  }

  override unlink(name: string): void {
    this.fs.checkWritable();
    this.hfs.unlink(this.child(name));
    this.changed();
  }

  override rmdir(name: string): void {
    this.fs.checkWritable();
    this.hfs.rmdir(this.child(name));
    this.changed();
  }

  override rename(name: string, newDir: Inode, newName: string, flags: number): void {
    this.fs.checkWritable();
    const to = hostJoin((newDir as HostInode).hostPath, newName);
    // The host adapter has plain rename only: NOREPLACE is checked here (racy, like a fallback
    // renameat2 emulation), EXCHANGE is not possible through it.
    if (flags & RENAME_EXCHANGE) throw new Errno(EINVAL);
    if (flags & RENAME_NOREPLACE) {
      let exists = true;
      try { this.hfs.lstat(to); } catch { exists = false; }
      if (exists) throw new Errno(EEXIST);
    }
    this.hfs.rename(this.child(name), to);
    this.changed();
    (newDir as HostInode).changed();
  }

  override readlink(): string { return this.hfs.readlink(this.hostPath); }

  override setattr(a: SetAttr): void {
    this.fs.checkWritable();
    const fs = this.hfs;
    if (a.mode !== undefined) fs.chmod(this.hostPath, a.mode & 0o7777);
    if (a.uid !== undefined || a.gid !== undefined) fs.chown(this.hostPath, a.uid ?? -1, a.gid ?? -1, true);
    if (a.size !== undefined) fs.truncate(this.hostPath, a.size);
    if (a.atime !== undefined || a.mtime !== undefined) fs.utimes(this.hostPath, a.atime ?? null, a.mtime ?? null, true);
    this.changed();
  }

  override open(flags: number, path: string, _p: Process): OpenFile {
    const fs = this.hfs;
    const st = this.stat();
    if (flags & O_PATH) {
      const kind = (st.mode & S_IFMT) === S_IFDIR ? 'dir' : 'other';
      return new HostFile(this.fs.host, -1, flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW), path, this.hostPath, { kind, stat: st });
    }
    // The VFS has already taken out the open-time flags (O_CREAT, O_TRUNC, ...) and added
    // O_LARGEFILE for 64-bit processes. Never let the host follow a symlink that replaced the
    // file since the walk looked.
    const h = fs.open(this.hostPath, flags | O_NOFOLLOW, 0);
    return new HostFile(this.fs.host, h, flags, path, this.hostPath);
  }
}
