// Permission checks (fs/namei.c generic_permission, acl-less): owner, group, other bits against
// the process's fsuid/fsgid and supplementary groups; uid 0 has CAP_DAC_OVERRIDE.

import { Errno, EACCES, EPERM } from '../errno.js';
import type { Stat } from '../host.js';
import { S_IFDIR, S_IFMT, S_ISGID } from '../linux.js';
import type { Process } from '../process.js';

export const MAY_EXEC = 1, MAY_WRITE = 2, MAY_READ = 4;

export function inGroup(p: Process, gid: number): boolean {
  return p.fsgid === gid || p.groups.includes(gid);
}

/** Throws EACCES unless `p` may access a file with attributes `st` for `mask` (MAY_*). */
export function checkPermission(p: Process, st: Stat, mask: number): void {
  if (mask === 0) return;
  if (p.fsuid === 0) {
    // root reads and writes anything; it executes a file only if some execute bit is set
    if (!(mask & MAY_EXEC) || (st.mode & S_IFMT) === S_IFDIR || (st.mode & 0o111)) return;
    throw new Errno(EACCES);
  }
  let bits: number;
  if (p.fsuid === st.uid) bits = (st.mode >> 6) & 7;
  else if (inGroup(p, st.gid)) bits = (st.mode >> 3) & 7;
  else bits = st.mode & 7;
  if ((bits & mask) !== mask) throw new Errno(EACCES);
}

/** chmod/utimes-to-a-given-time and friends: only the owner or root (EPERM). */
export function checkOwner(p: Process, st: Stat): void {
  if (p.fsuid !== 0 && p.fsuid !== st.uid) throw new Errno(EPERM);
}

/** The mode chmod really sets: S_ISGID is dropped when the caller is not in the file's group. */
export function chmodMode(p: Process, st: Stat, mode: number): number {
  mode &= 0o7777;
  if (p.fsuid !== 0 && !inGroup(p, st.gid)) mode &= ~S_ISGID;
  return mode;
}

/** Sticky directories: only the owner of the entry or of the directory (or root) may remove it. */
export function checkSticky(p: Process, dir: Stat, victim: Stat): void {
  if (!(dir.mode & 0o1000) || p.fsuid === 0 || p.fsuid === victim.uid || p.fsuid === dir.uid) return;
  throw new Errno(EPERM);
}
