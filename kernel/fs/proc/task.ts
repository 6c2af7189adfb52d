// What procfs needs to know about a process beyond its fields: whether it still exists, whether a
// reader may see its private details (ptrace_may_access), its scheduler state letter and the
// owner and times its /proc entries show.

import { Errno, EACCES, ESRCH } from '../../errno.js';
import type { Process, Task } from '../../process.js';
import type { Time } from '../inode.js';
import type { ProcFs } from '../procfs.js';
import type { NodeAttrs } from './node.js';

/** The content of a reaped process's files can no longer be read (get_proc_task fails). */
export function checkExists(p: Process): void {
  if (p.state === 'dead') throw new Errno(ESRCH);
}

/** A zombie has given back its memory (mm is NULL). */
export function hasMm(p: Process): boolean { return p.state === 'alive'; }

/**
 * ptrace_may_access(PTRACE_MODE_READ_FSCREDS): the same process, a caller with CAP_SYS_PTRACE
 * (root), or one whose fsuid/fsgid match all of the target's real, effective and saved ids.
 */
export function mayAccess(reader: Process, target: Process): boolean {
  if (reader === target || reader.euid === 0) return true;
  return reader.fsuid === target.uid && reader.fsuid === target.euid && reader.fsuid === target.suid &&
    reader.fsgid === target.gid && reader.fsgid === target.egid && reader.fsgid === target.sgid;
}

/** Throws EACCES unless `reader` may look inside `target` (magic links, environ, auxv). */
export function checkAccess(reader: Process | undefined, target: Process): void {
  if (reader && !mayAccess(reader, target)) throw new Errno(EACCES);
}

/** get_task_state: the letter and word of fs/proc/array.c task_state_array. */
export function taskState(p: Process, t: Task | undefined, reader: Process): string {
  if (p.state === 'zombie') return 'Z (zombie)';
  if (p.state === 'dead') return 'X (dead)';
  if (p.stopped) return 'T (stopped)';
  // Whoever reads is on the CPU; another task is asleep while it waits for something.
  if (p !== reader && t && t.wakeup) return 'S (sleeping)';
  return 'R (running)';
}

/** The wall-clock start of each process, converted once so its entries' times never jitter. */
const started = new WeakMap<Process, Time>();

/** Owner (task_dump_owner: the effective ids) and time stamps of a process's entries. */
export function procAttrs(fs: ProcFs, p: Process): NodeAttrs {
  let time = started.get(p);
  if (!time) { time = fs.wallTime(p.startMs); started.set(p, time); }
  const t = time;
  return { owner: () => ({ uid: p.euid, gid: p.egid }), time: () => t };
}

/** The main task, or undefined once the process has no tasks. */
export function mainTask(p: Process): Task | undefined { return p.tasks[0]; }

/** CPU time of the process so far, in ms (all counted as user time, as times(2) does here). */
export function cpuMs(p: Process): number { return p.kernel.cpuMsOf(p); }
