// /proc/<pid>/fd and /proc/<pid>/fdinfo (fs/proc/fd.c): one magic link per open descriptor, whose
// text is the file's path ("pipe:[ino]" for pipes) and whose target is the open file itself, and
// one fdinfo file per descriptor (pos, flags, mnt_id, ino). Both are private to processes that
// may ptrace the owner.

import { Errno, ENOENT } from '../../errno.js';
import { O_CLOEXEC, O_PATH } from '../../linux.js';
import type { Process } from '../../process.js';
import type { ProcFs } from '../procfs.js';
import { AnonFile } from '../anon.js';
import { NodeAttrs, ProcDir, ProcFile, ProcLink, ProcNode } from './node.js';
import { checkAccess, checkExists } from './task.js';

/** The mount id pipes and other unnamed files show (pipefs' internal mount). */
const ANON_MNT_ID = 16;

function fdNumber(name: string): number {
  return /^(0|[1-9]\d{0,9})$/.test(name) ? Number(name) : -1;
}

/** The fd's link: mode follows how it was opened (r-x, -wx or rwx for the owner), size 64. */
function fdLink(fs: ProcFs, p: Process, key: string, attrs: NodeAttrs, fd: number): ProcLink | null {
  const e = p.fds.entry(fd);
  if (!e) return null;
  const f = e.file;
  const perm = f.flags & O_PATH ? 0 : (f.readable ? 0o500 : 0) | (f.writable ? 0o300 : 0);
  const live = (reader?: Process) => {
    checkExists(p);
    checkAccess(reader, p);
    const now = p.fds.entry(fd);
    if (!now) throw new Errno(ENOENT);
    return now.file;
  };
  return new ProcLink(fs, fs.ino(`${key}/fd/${fd}`), String(fd), attrs,
    (reader) => live(reader).path, (reader) => ({ file: live(reader) }), perm, 64);
}

/** fdinfo/N: what seq_show prints for every file, then the kind's own lines (epoll, eventfd, timerfd). */
function fdInfo(fs: ProcFs, p: Process, key: string, attrs: NodeAttrs, fd: number): ProcFile | null {
  if (!p.fds.entry(fd)) return null;
  return new ProcFile(fs, fs.ino(`${key}/fdinfo/${fd}`), String(fd), 0o444, attrs, {
    open: (_flags, reader) => checkAccess(reader, p),
    show: () => {
      checkExists(p);
      const e = p.fds.entry(fd);
      if (!e) throw new Errno(ENOENT);
      const f = e.file;
      const flags = (f.flags | (e.cloexec ? O_CLOEXEC : 0)) >>> 0;
      let ino = 0;
      try { ino = f.stat().ino; } catch { /* the host file went away */ }
      const extra = f instanceof AnonFile ? f.fdinfo() : '';     // the kind's show_fdinfo
      return `pos:\t${f.pos}\nflags:\t0${flags.toString(8)}\nmnt_id:\t${f.mnt ? f.mnt.id : ANON_MNT_ID}\nino:\t${ino}\n${extra}`;
    },
  });
}

class FdDir extends ProcDir {
  constructor(fs: ProcFs, ino: number, name: string, perm: number, attrs: NodeAttrs, parentIno: number,
    kids: () => ProcNode[], find: (name: string) => ProcNode | null, private readonly count: () => number) {
    super(fs, ino, name, perm, attrs, parentIno, kids, find, () => 2);
  }
  /** Linux 6.x reports the number of open descriptors as the fd directory's size. */
  protected override size(): number { return this.count(); }
}

/** /proc/<pid>/fd (0500: listing needs the owner's rights, like Linux's proc_fd_permission). */
export function fdDir(fs: ProcFs, p: Process, key: string, attrs: NodeAttrs, parentIno: number): ProcDir {
  const make = (fd: number) => fdLink(fs, p, key, attrs, fd);
  return new FdDir(fs, fs.ino(`${key}/fd`), 'fd', 0o500, attrs, parentIno,
    () => (p.state === 'alive' ? p.fds.list().map(make).filter((n): n is ProcLink => n !== null) : []),
    (name) => { const fd = fdNumber(name); return fd >= 0 && p.state === 'alive' ? make(fd) : null; },
    () => (p.state === 'alive' ? p.fds.list().length : 0));
}

/** /proc/<pid>/fdinfo (0555; each file checks access when opened). */
export function fdinfoDir(fs: ProcFs, p: Process, key: string, attrs: NodeAttrs, parentIno: number): ProcDir {
  const make = (fd: number) => fdInfo(fs, p, key, attrs, fd);
  return new ProcDir(fs, fs.ino(`${key}/fdinfo`), 'fdinfo', 0o555, attrs, parentIno,
    () => (p.state === 'alive' ? p.fds.list().map(make).filter((n): n is ProcFile => n !== null) : []),
    (name) => { const fd = fdNumber(name); return fd >= 0 && p.state === 'alive' ? make(fd) : null; },
    () => 2);
}
