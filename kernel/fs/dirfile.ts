// An open directory of a kernel file system (tmpfs, procfs, devfs, overlay, sysfs): getdents reads
// a snapshot of the entries taken at open and at rewind, so a listing stays stable while entries
// are added or removed (Linux's tmpfs keeps a cursor in the live list; a snapshot gives the same
// guarantee that each entry present throughout is returned exactly once).

import { Errno, EINVAL, EISDIR } from '../errno.js';
import { DirEntry, OpenFile } from '../file.js';
import type { Stat } from '../host.js';
import { SEEK_CUR, SEEK_SET } from '../linux.js';
import type { Inode } from './inode.js';
import type { Mount } from './mount.js';

export class DirFile extends OpenFile {
  /** The entries from the last rewind on (subclasses may prune entries not yet reached). */
  protected snapshot: DirEntry[] | null = null;

  constructor(inode: Inode, mnt: Mount | null, flags: number, path: string, private readonly parentIno: number) {
    super(flags, path);
    this.inode = inode;
    this.mnt = mnt;
  }

  stat(): Stat { return this.inode!.stat(); }
  override get isDir(): boolean { return true; }
  override get seekable(): boolean { return true; }
  override read(): number { throw new Errno(EISDIR); }
  override write(): number { throw new Errno(EISDIR); }

  override readdir(): DirEntry[] {
    this.snapshot ??= this.inode!.readdir(this.parentIno);
    return this.snapshot.slice(this.pos);
  }

  override seek(off: number, whence: number): number {
    if (whence === SEEK_CUR && off === 0) return this.pos;
    if (whence !== SEEK_SET || off < 0) throw new Errno(EINVAL);
    if (off === 0) this.snapshot = null;    // rewinddir sees the directory as it is now
    return (this.pos = off);
  }
}
