// The kernel's file-system objects (Linux's struct super_block and struct inode, cut down):
// every file system (tmpfs, hostfs, overlay, procfs, devfs, sysfs) implements FileSystem and
// Inode; the path walk (kernel/fs/walk.ts) and the mount table (kernel/fs/mount.ts) are shared.
//
// Contract for implementers:
//  - Names are byte strings (one char per byte), never "", ".", ".." or containing "/": the walk
//    handles those. Directory operations receive already-checked names.
//  - Errors are thrown as Errno (kernel/errno.ts) with the value Linux returns; the defaults below
//    give the right errno for an inode that does not support an operation.
//  - Permission checks are done by the caller (kernel/fs/perm.ts) before directory and attribute
//    operations, except what only the file system can know (read-only: EROFS via `fs.readonly`).
//  - Times are [seconds, nanoseconds]. Modes include the S_IF* type bits.
//  - `open` returns a new OpenFile (one reference) whose `inode` field is this inode.

import { Errno, EINVAL, ENOTDIR, EPERM, EROFS, EOPNOTSUPP, ENODATA, EXDEV, ENXIO } from '../errno.js';
import type { OpenFile } from '../file.js';
import type { Stat } from '../host.js';
import type { Process } from '../process.js';
import type { DirRef } from './walk.js';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '../linux.js';

export type Time = [number, number];

/** What setattr may change (notify_change's iattr); absent fields stay as they are. */
export interface SetAttr {
  mode?: number;        // permission bits only (0o7777); the type never changes
  uid?: number;
  gid?: number;
  size?: number;        // truncate
  atime?: Time;
  mtime?: Time;
  /** Set by the VFS on every change; file systems store it (ctime cannot be chosen by users). */
  ctime?: Time;
}

/** struct statfs, in Linux terms. */
export interface StatFs {
  type: number;         // f_type magic (TMPFS_MAGIC 0x01021994, PROC_SUPER_MAGIC 0x9fa0, ...)
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  fsid: [number, number];
  namelen: number;
  frsize: number;
  flags: number;        // ST_RDONLY 1, ST_NOSUID 2, ST_NODEV 4, ST_NOEXEC 8, ... ST_RELATIME 0x1000
}

/** One directory entry as getdents shows it (". " and ".." included by the directory itself). */
export interface Dirent { name: string; ino: number; type: number }

/** Where a magic link (/proc/self/fd/N, /proc/self/exe, cwd, root) leads: a file already open,
 *  or a location reached without a path walk. */
export interface MagicTarget {
  /** The file it names (an open description: /proc/self/fd/N); reopened through its inode. */
  file?: OpenFile;
  /** A path to walk from the process's root (exe, root). */
  path?: string;
  /** A directory a process holds (cwd): the walk goes on from it even when it has no name left. */
  ref?: DirRef;
}

export abstract class FileSystem {
  /** The name /proc/mounts shows ("tmpfs", "proc", "devtmpfs", "sysfs", "overlay", "hostfs"...). */
  abstract readonly type: string;
  /** statfs f_type. */
  abstract readonly magic: number;
  /** st_dev of its inodes (Linux dev_t encoding). */
  abstract readonly dev: number;
  /** Mounted read-only: every change answers EROFS. */
  readonly = false;

  abstract root(): Inode;

  statfs(): StatFs {
    return {
      type: this.magic, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0,
      fsid: [0, 0], namelen: 255, frsize: 4096, flags: this.readonly ? 1 : 0,
    };
  }

  /** Throws EROFS when the file system is read-only. */
  checkWritable(): void { if (this.readonly) throw new Errno(EROFS); }
}

export abstract class Inode {
  abstract readonly fs: FileSystem;
  abstract readonly ino: number;

  abstract stat(): Stat;

  get mode(): number { return this.stat().mode; }
  get isDir(): boolean { return (this.mode & S_IFMT) === S_IFDIR; }
  get isLink(): boolean { return (this.mode & S_IFMT) === S_IFLNK; }
  get isReg(): boolean { return (this.mode & S_IFMT) === S_IFREG; }

  /** True when `other` is the same file (hard links, bind mounts of the same directory). */
  same(other: Inode): boolean { return other.fs === this.fs && other.ino === this.ino; }

  // ---- directories (defaults: not a directory) ----------------------------------------------
  /** The child called `name`, or null when there is none. */
  lookup(_name: string): Inode | null { throw new Errno(ENOTDIR); }
  /** All entries, "." and ".." first (`parentIno` is what ".." shows: the walk knows it). */
  readdir(_parentIno: number): Dirent[] { throw new Errno(ENOTDIR); }
  /** Creates a regular file, FIFO, socket or device node (mode carries S_IF*). Returns it. */
  mknod(_name: string, _mode: number, _rdev: number, _uid: number, _gid: number): Inode { throw new Errno(ENOTDIR); }
  mkdir(_name: string, _mode: number, _uid: number, _gid: number): Inode { throw new Errno(ENOTDIR); }
  symlink(_name: string, _target: string, _uid: number, _gid: number): Inode { throw new Errno(ENOTDIR); }
  /** A new name for `target` (same file system: the VFS checks EXDEV first). */
  link(_name: string, _target: Inode): void { throw new Errno(ENOTDIR); }
  /**
   * O_TMPFILE (->tmpfile): a new regular file of this directory's file system with no name and a
   * link count of 0 (mode carries S_IFREG). `linkable` (I_LINKABLE: opened without O_EXCL) lets
   * one later link(2) give it a name. File systems without it answer EOPNOTSUPP, as Linux's do.
   */
  tmpfile(_mode: number, _uid: number, _gid: number, _linkable: boolean): Inode { throw new Errno(EOPNOTSUPP); }
  /** Removes a non-directory entry. */
  unlink(_name: string): void { throw new Errno(ENOTDIR); }
  /** Removes an empty directory (ENOTEMPTY otherwise). */
  rmdir(_name: string): void { throw new Errno(ENOTDIR); }
  /**
   * Moves entry `name` to `newDir`/`newName` (same file system), replacing what is there the way
   * rename(2) does (EISDIR, ENOTDIR, ENOTEMPTY; RENAME_NOREPLACE/EXCHANGE already validated).
   */
  rename(_name: string, _newDir: Inode, _newName: string, _flags: number): void { throw new Errno(ENOTDIR); }

  // ---- symbolic links -----------------------------------------------------------------------
  /** The link's target; procfs links depend on who reads them (/proc/self → the reader's pid). */
  readlink(_p?: Process): string { throw new Errno(EINVAL); }
  /** For procfs magic links: where following leads, computed for the walking process. */
  magic(_p: Process): MagicTarget | null { return null; }

  // ---- attributes ---------------------------------------------------------------------------
  setattr(_a: SetAttr): void { throw new Errno(EPERM); }
  getxattr(_name: string): Uint8Array { throw new Errno(ENODATA); }
  setxattr(_name: string, _value: Uint8Array, _flags: number): void { throw new Errno(EOPNOTSUPP); }
  listxattr(): string[] { return []; }
  removexattr(_name: string): void { throw new Errno(ENODATA); }

  // ---- opening ------------------------------------------------------------------------------
  /**
   * A new open description of this inode: `flags` are the open(2) flags after the VFS handled
   * O_CREAT/O_EXCL/O_NOFOLLOW/O_DIRECTORY/O_TRUNC and permissions; `path` is the canonical guest
   * path for /proc/self/fd. Device nodes and FIFOs are opened by the VFS, not here.
   */
  open(_flags: number, _path: string, _p: Process): OpenFile { throw new Errno(ENXIO); }
}

/** Refuses cross-file-system links and renames. */
export function sameFs(a: Inode, b: Inode): void { if (a.fs !== b.fs) throw new Errno(EXDEV); }
