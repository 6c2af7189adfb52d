// Helpers the handlers share: guest strings and paths, dirfd resolution, 64-bit pair access.

import { PAGE_SIZE } from '../cpu/frames.js';
import { GuestFault } from '../cpu/memory.js';
import { Errno, EBADF, EFAULT, ENAMETOOLONG, ENOENT, ENOTDIR, ESRCH } from '../kernel/errno.js';
import { bstr } from '../kernel/host.js';
import { AT_FDCWD, PATH_MAX } from '../kernel/linux.js';
import type { Task } from '../kernel/process.js';
import type { AbiName } from './structs.js';
export { canonical } from '../kernel/vfs.js';

/** i386 tasks inside a *_time64 call (syscalls/compat32-time.ts): their timespecs are 64-bit. */
export const time64Tasks = new WeakSet<Task>();

export function abiOf(t: Task): AbiName { return t.proc.mode64 ? 'x86_64' : time64Tasks.has(t) ? 'i386_time64' : 'i386'; }

/**
 * A NUL-terminated string from guest memory as a byte string. Throws ENAMETOOLONG when no NUL
 * appears within `max` bytes, EFAULT for unreadable memory.
 */
export function readCStr(t: Task, addr: number, max = PATH_MAX): string {
  const mem = t.mem;
  if (addr === 0) throw new Errno(EFAULT);
  let s = '';
  let a = addr;
  while (s.length < max) {
    const n = Math.min(PAGE_SIZE - (a % PAGE_SIZE), max - s.length);
    const chunk = mem.readBytes(a, n);
    const z = chunk.indexOf(0);
    if (z >= 0) return s + bstr(chunk.subarray(0, z));
    s += bstr(chunk);
    a += n;
  }
  throw new Errno(ENAMETOOLONG);
}

/** A path argument (getname): EFAULT, ENAMETOOLONG, ENOENT for "" unless allowed. */
export function readPath(t: Task, addr: number, allowEmpty = false): string {
  const p = readCStr(t, addr, PATH_MAX);
  if (p.length === 0 && !allowEmpty) throw new Errno(ENOENT);
  return p;
}

/** Joins a base directory and a path (byte strings) without interpreting `.` or `..` (the host's
 *  path walk does that, symlinks included); only repeated slashes are folded. */
export function joinPath(base: string, path: string): string {
  const full = path.startsWith('/') ? path : (base.endsWith('/') ? base : base + '/') + path;
  return full.replace(/\/{2,}/g, '/');
}

/**
 * The guest path for (dirfd, path) as the *at() calls see it. An empty path (with AT_EMPTY_PATH)
 * names the dirfd itself. Relative to AT_FDCWD it stays relative: the walk starts from the
 * working directory itself, which may have been renamed or removed since the process entered it
 * (its old name would lead elsewhere or nowhere).
 */
export function atPath(t: Task, dirfd: number, path: string): string {
  if (path.startsWith('/')) return joinPath('/', path);
  if (dirfd === AT_FDCWD) return path.replace(/\/{2,}/g, '/');
  const f = t.proc.fds.get(dirfd);               // EBADF
  if (path === '') return f.path;
  if (!f.isDir) throw new Errno(ENOTDIR);
  return joinPath(f.path, path);
}

/** The zone's thread with this tid (0: the caller), or ESRCH. */
export function taskOf(t: Task, tid: number): Task {
  if (tid === 0) return t;
  const x = t.kernel.tasks.get(tid);
  if (!x || x.dead) throw new Errno(ESRCH);
  return x;
}

/** The file for fd, or EBADF. */
export function fileOf(t: Task, fd: number) {
  return t.proc.fds.get(fd);
}

/** Checks a user pointer range is at least mapped-readable (used before side effects). */
export function checkRead(t: Task, addr: number, len: number): void {
  if (len === 0) return;
  try { t.mem.readBytes(addr, Math.min(len, 1)); t.mem.readBytes(addr + len - 1, 1); } catch (e) {
    if (e instanceof GuestFault) throw new Errno(EFAULT);
    throw e;
  }
}

export function badf(): never { throw new Errno(EBADF); }

/** Writes a 32-bit int to guest memory. */
export function put32(t: Task, addr: number, v: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  t.mem.writeBytes(addr, b);
}

/** Writes a 64-bit value (number) to guest memory. */
export function put64(t: Task, addr: number, v: number): void {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, v >>> 0, true);
  dv.setUint32(4, Math.floor(v / 4294967296) >>> 0, true);
  t.mem.writeBytes(addr, b);
}

/** Writes a pointer-sized value. */
export function putWord(t: Task, addr: number, v: number): void {
  if (t.proc.mode64) put64(t, addr, v); else put32(t, addr, v);
}

/** Reads a 64-bit little-endian value as an unsigned number. */
export function get64(t: Task, addr: number): number {
  const lo = t.mem.read32(addr) >>> 0;
  const hi = t.mem.read32(addr + 4) >>> 0;
  return hi * 4294967296 + lo;
}
