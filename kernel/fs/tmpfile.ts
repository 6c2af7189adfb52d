// The data of a tmpfs regular file and its open file description (mm/shmem.c's page cache and
// shmem_file_operations). Data lives in 4 KiB pages kept in a Map by page index, so a file with a
// hole at 1 GiB costs nothing: a page exists once something was written into it (zeros included,
// as on Linux), reads of missing pages give zeros, SEEK_DATA/SEEK_HOLE walk the pages, and
// st_blocks counts pages x 8 as Linux tmpfs does. fallocate(2) reserves pages without memory
// behind them: shmem keeps such folios !uptodate, so they count in st_blocks but read as zeros and
// are holes to SEEK_DATA until something is written into them.

import type { Backing } from '../../cpu/memory.js';
import { Errno, EBADF, EFBIG, EINVAL, ENOSPC, ENXIO, EOVERFLOW } from '../errno.js';
import { OpenFile, type Maybe } from '../file.js';
import type { Stat } from '../host.js';
import { O_APPEND, O_NOATIME, SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET } from '../linux.js';
import type { Task } from '../process.js';
import type { Inode } from './inode.js';

export const PAGE_SIZE = 4096;
/** The largest file size (Linux allows 2^63-1; offsets here are JS numbers). */
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;

/** Sparse file contents: whole pages by index; `charge(n)` asks the file system for n pages. */
export class SparseData {
  readonly pages = new Map<number, Uint8Array>();
  /** Pages fallocate charged that nothing has written yet (shmem's fallocated, !uptodate folios). */
  readonly reserved = new Set<number>();
  size = 0;

  constructor(private readonly charge: (pages: number) => boolean, private readonly uncharge: (pages: number) => void) {}

  get pageCount(): number { return this.pages.size + this.reserved.size; }

  /** Copies bytes at `pos` into buf; returns how many (0 at or past the end). */
  read(buf: Uint8Array, pos: number): number {
    if (pos >= this.size || buf.length === 0) return 0;
    const len = Math.min(buf.length, this.size - pos);
    let done = 0;
    while (done < len) {
      const off = pos + done;
      const po = off % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - po, len - done);
      const page = this.pages.get(Math.floor(off / PAGE_SIZE));
      if (page) buf.set(page.subarray(po, po + n), done);
      else buf.fill(0, done, done + n);
      done += n;
    }
    return len;
  }

  /**
   * Stores data at `pos`, allocating pages as it goes. Like shmem_write_begin, a page that cannot
   * be charged ends the write short; only a write that stored nothing fails (ENOSPC).
   */
  write(data: Uint8Array, pos: number): number {
    if (data.length === 0) return 0;
    if (pos >= MAX_FILE_SIZE) throw new Errno(EFBIG);
    const len = Math.min(data.length, MAX_FILE_SIZE - pos);
    let done = 0;
    while (done < len) {
      const off = pos + done;
      const idx = Math.floor(off / PAGE_SIZE);
      const po = off % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - po, len - done);
      let page = this.pages.get(idx);
      if (!page) {
        // a reserved page was paid for by fallocate; writing makes it data (uptodate)
        if (!this.reserved.delete(idx) && !this.charge(1)) break;
        page = new Uint8Array(PAGE_SIZE);
        this.pages.set(idx, page);
      }
      page.set(data.subarray(done, done + n), po);
      done += n;
    }
    if (done === 0) throw new Errno(ENOSPC);
    if (pos + done > this.size) this.size = pos + done;
    return done;
  }

  /** Sets the size: shrinking frees whole pages past the end and zeroes the tail of the last one
   *  (so growing again reads zeros); growing allocates nothing. Like shmem_setattr, a size that does
   *  not grow also drops what fallocate(FALLOC_FL_KEEP_SIZE) put past the end. */
  truncate(len: number): void {
    if (len > MAX_FILE_SIZE) throw new Errno(EFBIG);
    if (len <= this.size) {
      const keep = Math.ceil(len / PAGE_SIZE);
      let freed = 0;
      for (const idx of [...this.pages.keys()]) {
        if (idx >= keep) { this.pages.delete(idx); freed++; }
      }
      for (const idx of [...this.reserved]) {
        if (idx >= keep) { this.reserved.delete(idx); freed++; }
      }
      if (freed) this.uncharge(freed);
      const tail = this.pages.get(Math.floor(len / PAGE_SIZE));
      if (tail) tail.fill(0, len % PAGE_SIZE);
    }
    this.size = len;
  }

  /** Drops every page (the inode is gone). */
  free(): void {
    if (this.pageCount) this.uncharge(this.pageCount);
    this.pages.clear();
    this.reserved.clear();
  }

  /**
   * fallocate's allocation of pages [start, end) (shmem_fallocate with SGP_FALLOC): missing pages
   * are reserved; a page an earlier fallocate reserved is cleared into data (a second SGP_FALLOC
   * makes a folio uptodate). When the file system runs out of pages, the pages this call reserved
   * are given back and the call fails with ENOSPC (shmem_undo_range(..., unfalloc)).
   */
  allocate(start: number, end: number): void {
    const added: number[] = [];
    for (let idx = start; idx < end; idx++) {
      if (this.pages.has(idx)) continue;
      if (this.reserved.delete(idx)) { this.pages.set(idx, new Uint8Array(PAGE_SIZE)); continue; }
      if (!this.charge(1)) {
        for (const a of added) this.reserved.delete(a);
        if (added.length) this.uncharge(added.length);
        throw new Errno(ENOSPC);
      }
      this.reserved.add(idx);
      added.push(idx);
    }
  }

  /**
   * FALLOC_FL_PUNCH_HOLE over bytes [off, off+len) (shmem_truncate_range): pages wholly inside go
   * away (st_blocks drops), partly covered ones keep their page with the covered bytes zeroed.
   * The size never changes; pages past the end (fallocated with KEEP_SIZE) are punched too.
   */
  punch(off: number, len: number): void {
    const end = off + len;                       // exclusive
    const first = Math.ceil(off / PAGE_SIZE);    // first page wholly inside
    const last = Math.floor(end / PAGE_SIZE);    // first page past the whole ones
    let freed = 0;
    for (const idx of [...this.pages.keys()]) {
      if (idx >= first && idx < last) { this.pages.delete(idx); freed++; continue; }
      const ps = idx * PAGE_SIZE;
      if (ps + PAGE_SIZE <= off || ps >= end) continue;
      this.pages.get(idx)!.fill(0, Math.max(off - ps, 0), Math.min(end - ps, PAGE_SIZE));
    }
    for (const idx of [...this.reserved]) {
      if (idx >= first && idx < last) { this.reserved.delete(idx); freed++; }
    }
    if (freed) this.uncharge(freed);
  }

  /** lseek SEEK_DATA: the first offset >= off inside an allocated page (ENXIO when none before EOF). */
  seekData(off: number): number {
    if (off < 0 || off >= this.size) throw new Errno(ENXIO);
    const start = Math.floor(off / PAGE_SIZE);
    if (this.pages.has(start)) return off;
    const end = Math.ceil(this.size / PAGE_SIZE);
    let best = -1;
    for (const idx of this.pages.keys()) {
      if (idx >= start && idx < end && (best < 0 || idx < best)) best = idx;
    }
    if (best < 0) throw new Errno(ENXIO);
    return best === start ? off : best * PAGE_SIZE;
  }

  /** lseek SEEK_HOLE: the first offset >= off in a missing page, or the size (ENXIO past EOF). */
  seekHole(off: number): number {
    if (off < 0 || off >= this.size) throw new Errno(ENXIO);
    const start = Math.floor(off / PAGE_SIZE);
    let idx = start;
    while (this.pages.has(idx)) idx++;
    return Math.min(idx === start ? off : idx * PAGE_SIZE, this.size);
  }
}

/** What an open tmpfs file needs from its inode (kernel/fs/tmpfs.ts TmpReg). */
export interface RegularNode extends Inode {
  readonly data: SparseData;
  /** Open descriptions: an unlinked file's pages live until the last one is closed. */
  opens: number;
  /** Stores data at pos and updates mtime/ctime (file_update_time). */
  writeData(data: Uint8Array, pos: number): number;
  /** ftruncate: new size, mtime and ctime now. */
  truncateData(len: number): void;
  /** fallocate(2) with a mode the VFS has checked (the file system refuses what it cannot do). */
  fallocate(mode: number, offset: number, len: number): void;
  /** A read happened: atime per the mount's atime rule (`mntFlags`: MS_* of the mount). */
  accessed(mntFlags: number): void;
  closed(): void;
}

/** An open regular file of a tmpfs. */
export class TmpFile extends OpenFile implements Backing {
  constructor(private readonly node: RegularNode, flags: number, path: string) {
    super(flags, path);
    this.inode = node;
    node.opens++;
  }

  stat(): Stat { return this.node.stat(); }
  override get seekable(): boolean { return true; }
  override get isDir(): boolean { return false; }
  get dev(): number { return this.node.fs.dev; }
  get ino(): number { return this.node.ino; }

  override read(buf: Uint8Array): number {
    const n = this.pread(buf, this.pos);
    this.pos += n;
    return n;
  }

  override write(data: Uint8Array, _t?: Task): Maybe<number> {
    if (this.flags & O_APPEND) this.pos = this.node.data.size;
    const n = this.node.writeData(data, this.pos);
    this.pos += n;
    return n;
  }

  override pread(buf: Uint8Array, pos: number): number {
    const n = this.node.data.read(buf, pos);
    if (!(this.flags & O_NOATIME)) this.node.accessed(this.mnt?.flags ?? 0);
    return n;
  }

  override pwrite(data: Uint8Array, pos: number): number {
    // Linux: pwrite on an O_APPEND file appends whatever the offset says.
    if (this.flags & O_APPEND) pos = this.node.data.size;
    return this.node.writeData(data, pos);
  }

  override seek(off: number, whence: number): number {
    const d = this.node.data;
    let n: number;
    switch (whence) {
      case SEEK_SET: n = off; break;
      case SEEK_CUR: n = this.pos + off; break;
      case SEEK_END: n = d.size + off; break;
      case SEEK_DATA: return (this.pos = d.seekData(off));
      case SEEK_HOLE: return (this.pos = d.seekHole(off));
      default: throw new Errno(EINVAL);
    }
    if (n < 0) throw new Errno(EINVAL);
    if (n > MAX_FILE_SIZE) throw new Errno(EOVERFLOW);
    return (this.pos = n);
  }

  /** FIONREAD on a regular file: size minus offset, as vfs_ioctl computes it (even negative). */
  override available(): number { return this.node.data.size - this.pos; }

  override backing(): Backing { return this; }

  override truncate(len: number): void { this.node.truncateData(len); }

  override fallocate(mode: number, offset: number, len: number): void { this.node.fallocate(mode, offset, len); }

  /** Backing: fills part of a file mapping (past EOF stays zero). */
  readInto(offset: number, dst: Uint8Array, dstOff: number, len: number): number {
    return this.node.data.read(dst.subarray(dstOff, dstOff + len), offset);
  }

  protected override release(): void { this.node.closed(); }
}

/** An O_PATH description of a non-directory: it names the file and can be stat'ed, nothing more. */
export class PathFile extends OpenFile {
  constructor(node: Inode, flags: number, path: string) {
    super(flags, path);
    this.inode = node;
  }
  stat(): Stat { return this.inode!.stat(); }
  override read(): number { throw new Errno(EBADF); }
  override write(): number { throw new Errno(EBADF); }
}
