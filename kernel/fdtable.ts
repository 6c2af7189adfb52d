// A process's file descriptor table: lowest-free allocation (observable, so exact), the
// close-on-exec bit per descriptor, and the RLIMIT_NOFILE bound. The table is also the owner of
// POSIX record locks (Linux's fl_owner = current->files; kernel/fs/locks.ts).

import { Errno, EBADF, EMFILE } from './errno.js';
import type { OpenFile } from './file.js';
import { closePosix } from './fs/locks.js';

export interface FdEntry { file: OpenFile; cloexec: boolean }

export class FdTable {
  private fds: (FdEntry | undefined)[] = [];

  get(fd: number): OpenFile {
    const e = fd >= 0 ? this.fds[fd] : undefined;
    if (!e) throw new Errno(EBADF);
    return e.file;
  }

  entry(fd: number): FdEntry | undefined { return fd >= 0 ? this.fds[fd] : undefined; }

  has(fd: number): boolean { return fd >= 0 && this.fds[fd] !== undefined; }

  /** Installs `file` (taking over one reference) at the lowest free fd >= min; EMFILE past limit. */
  alloc(file: OpenFile, cloexec: boolean, limit: number, min = 0): number {
    let fd = min;
    while (this.fds[fd] !== undefined) fd++;
    if (fd >= limit) throw new Errno(EMFILE);
    this.fds[fd] = { file, cloexec };
    return fd;
  }

  /** Puts `file` at exactly `fd`, closing what was there (dup2). */
  install(fd: number, file: OpenFile, cloexec: boolean): void {
    const old = this.fds[fd];
    this.fds[fd] = { file, cloexec };
    if (old) { closePosix(this, old.file); old.file.unref(); }
  }

  close(fd: number): void {
    const e = fd >= 0 ? this.fds[fd] : undefined;
    if (!e) throw new Errno(EBADF);
    this.fds[fd] = undefined;
    closePosix(this, e.file);    // filp_close: this table's POSIX locks on the file go with any fd of it
    e.file.unref();
  }

  /** Open descriptors in increasing order. */
  list(): number[] {
    const out: number[] = [];
    this.fds.forEach((e, i) => { if (e) out.push(i); });
    return out;
  }

  closeAll(): void {
    for (let i = 0; i < this.fds.length; i++) if (this.fds[i]) this.close(i);
    this.fds = [];
  }

  closeOnExec(): void {
    for (let i = 0; i < this.fds.length; i++) if (this.fds[i]?.cloexec) this.close(i);
  }

  /** A copy sharing every description (fork). */
  clone(): FdTable {
    const t = new FdTable();
    t.fds = this.fds.map((e) => (e ? { file: e.file.ref(), cloexec: e.cloexec } : undefined));
    return t;
  }
}
