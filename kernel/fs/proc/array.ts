// /proc/<pid>/stat and /proc/<pid>/status (fs/proc/array.c do_task_stat, proc_pid_status), field
// for field in Linux 6.x order. Counters this kernel does not keep (page faults, context switches,
// I/O delays) read 0; CPU time is all user time, as times(2) reports it here.

import { RLIMIT_RSS, RLIMIT_SIGPENDING, SIG_DFL, SIG_IGN } from '../../linux.js';
import type { Process, Task } from '../../process.js';
import { SigSet } from '../../signal.js';
import { bitmapHex, bitmapList, hex64, ticks, ULONG_MAX } from './format.js';
import { cpuMs, hasMm, mayAccess, taskState } from './task.js';
import { memCounters, taskMem } from './task_mmu.js';

const PF_EXITING = 0x4, PF_FORKNOEXEC = 0x40;
/** CAP_LAST_CAP of Linux 6.x (CAP_CHECKPOINT_RESTORE = 40): capability sets are bits 0..40. */
export const CAP_LAST_CAP = 40;
const CAP_FULL = hex64(0xffffffff, (1 << (CAP_LAST_CAP - 31)) - 1);
const CAP_NONE = hex64(0, 0);
/** MAX_NUMNODES of a distribution kernel (CONFIG_NODES_SHIFT=10): Mems_allowed has 1024 bits. */
const MAX_NUMNODES = 1024;

/** Signals ignored and caught (collect_sigign_sigcatch). */
function sigIgnCatch(p: Process): [SigSet, SigSet] {
  const ign = new SigSet(), cgt = new SigSet();
  for (let s = 1; s < p.sigactions.length && s <= 64; s++) {
    const h = p.sigactions[s].handler;
    if (h === SIG_IGN) ign.add(s);
    else if (h !== SIG_DFL) cgt.add(s);
  }
  return [ign, cgt];
}

/** The controlling terminal's device number and foreground group (0 and -1 without one). */
function ttyOf(p: Process): [number, number] {
  for (const fd of p.fds.list()) {
    const f = p.fds.entry(fd)?.file;
    if (f?.tty && f.tty.sid === p.sid && f.tty.sid !== 0) {
      let rdev = 0;
      try { rdev = f.stat().rdev; } catch { /* host handle gone */ }
      return [rdev >>> 0, f.tty.pgrp || -1];
    }
  }
  return [0, -1];
}

function lim(v: number): string { return v === Infinity ? ULONG_MAX : String(v); }

/** do_task_stat: 52 space-separated fields. `whole` sums the thread group (/proc/<pid>/stat). */
export function procStat(p: Process, t: Task | undefined, reader: Process): string {
  const permitted = mayAccess(reader, p);
  const mm = hasMm(p);
  const img = p.image?.mm;
  const c = memCounters(p);
  const [ttyNr, ttyPgrp] = ttyOf(p);
  const state = taskState(p, t, reader);
  const [ign, cgt] = sigIgnCatch(p);
  const pend = t ? t.pending.set : new SigSet();
  const blocked = t ? t.sigmask : new SigSet();
  let flags = 0;
  if (!p.didExec && p.parent) flags |= PF_FORKNOEXEC;
  if (p.state !== 'alive') flags |= PF_EXITING;
  const sig31 = (s: SigSet) => s.lo & 0x7fffffff;
  const f: (string | number)[] = [
    t ? t.tid : p.pid, `(${t ? t.comm : p.comm})`, state[0], p.ppid, p.pgid, p.sid, ttyNr, ttyPgrp, flags >>> 0,
    0, 0, 0, 0,                                        // min_flt cmin_flt maj_flt cmaj_flt
    ticks(cpuMs(p)), 0, ticks(p.childCpuMs), 0,       // utime stime cutime cstime
    20, 0, Math.max(1, p.tasks.filter((x) => !x.dead).length), 0,   // priority nice num_threads itrealvalue
    ticks(p.startMs),
    c.total * 4096, c.rss, lim(p.rlimits[RLIMIT_RSS].cur),
    mm ? (permitted && img ? img.startCode : 1) : 0,
    mm ? (permitted && img ? img.endCode : 1) : 0,
    mm && permitted && img ? img.startStack : 0,
    0, 0,                                              // kstkesp kstkeip: only while dumping core
    sig31(pend), sig31(blocked), sig31(ign), sig31(cgt),
    state[0] === 'S' ? 1 : 0,                          // wchan: "is it waiting"
    0, 0,                                              // nswap cnswap
    p.exitSignal, 0, 0, 0,                             // exit_signal processor rt_priority policy
    0, 0, 0,                                           // delayacct_blkio_ticks guest_time cguest_time
  ];
  if (mm && permitted && img) f.push(img.startData, img.endData, p.mem.brkStart, img.argStart, img.argEnd, img.envStart, img.envEnd);
  else f.push(0, 0, 0, 0, 0, 0, 0);
  f.push(permitted && p.exit && p.state !== 'alive' ? p.exit.status : 0);
  return f.join(' ') + '\n';
}

/** FDSize: the fd table's capacity (64, then grown to powers of two times 128 as expand_fdtable). */
function fdSize(p: Process): number {
  const fds = p.fds.list();
  const max = fds.length ? fds[fds.length - 1] : 0;
  if (max < 64) return 64;
  let n = Math.floor(max / 128) + 1;
  let pow = 1;
  while (pow < n) pow *= 2;
  n = pow;
  return n * 128;
}

/** Name: escaped as seq_escape_str(ESCAPE_SPACE | ESCAPE_SPECIAL, "\n\\"). */
function escName(s: string): string { return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n'); }

/** Queued signals of the process (its share of the user's sigpending count). */
function queued(p: Process): number {
  let n = p.sharedPending.queue.length;
  for (const t of p.tasks) n += t.pending.queue.length;
  return n;
}

/** proc_pid_status. */
export function procStatus(p: Process, t: Task | undefined, reader: Process): string {
  const cpus = p.kernel.cpus;
  const [ign, cgt] = sigIgnCatch(p);
  const pend = t ? t.pending.set : new SigSet();
  const blocked = t ? t.sigmask : new SigSet();
  const tid = t ? t.tid : p.pid;
  const root = p.euid === 0, rootAny = root || p.uid === 0;
  const umask = p.umask.toString(8);
  let s = `Name:\t${escName(t ? t.comm : p.comm)}\n`;
  s += `Umask:\t${('0' + umask).padStart(4, '0')}\n`;
  s += `State:\t${taskState(p, t, reader)}\n`;
  s += `Tgid:\t${p.pid}\nNgid:\t0\nPid:\t${tid}\nPPid:\t${p.state === 'dead' ? 0 : p.ppid}\nTracerPid:\t0\n`;
  s += `Uid:\t${p.uid}\t${p.euid}\t${p.suid}\t${p.fsuid}\n`;
  s += `Gid:\t${p.gid}\t${p.egid}\t${p.sgid}\t${p.fsgid}\n`;
  s += `FDSize:\t${fdSize(p)}\n`;
  s += `Groups:\t${p.groups.join(' ')} \n`;
  s += `NStgid:\t${p.pid}\nNSpid:\t${tid}\nNSpgid:\t${p.pgid}\nNSsid:\t${p.sid}\n`;
  s += 'Kthread:\t0\n';
  if (hasMm(p)) {
    s += taskMem(p);
    s += 'CoreDumping:\t0\nTHP_enabled:\t1\n';
    s += 'untag_mask:\t0xffffffffffffffff\n';
  }
  s += `Threads:\t${Math.max(1, p.tasks.filter((x) => !x.dead).length)}\n`;
  s += `SigQ:\t${queued(p)}/${lim(p.rlimits[RLIMIT_SIGPENDING].cur)}\n`;
  s += `SigPnd:\t${hex64(pend.lo, pend.hi)}\nShdPnd:\t${hex64(p.sharedPending.set.lo, p.sharedPending.set.hi)}\n`;
  s += `SigBlk:\t${hex64(blocked.lo, blocked.hi)}\nSigIgn:\t${hex64(ign.lo, ign.hi)}\nSigCgt:\t${hex64(cgt.lo, cgt.hi)}\n`;
  s += `CapInh:\t${CAP_NONE}\nCapPrm:\t${rootAny ? CAP_FULL : CAP_NONE}\nCapEff:\t${root ? CAP_FULL : CAP_NONE}\n`;
  s += `CapBnd:\t${CAP_FULL}\nCapAmb:\t${CAP_NONE}\n`;
  s += 'NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n';
  // the guest cannot reach the host's speculative execution
  s += 'Speculation_Store_Bypass:\tnot vulnerable\nSpeculationIndirectBranch:\tnot affected\n';
  s += `Cpus_allowed:\t${bitmapHex(() => true, cpus)}\nCpus_allowed_list:\t${bitmapList(() => true, cpus)}\n`;
  s += `Mems_allowed:\t${bitmapHex((b) => b === 0, MAX_NUMNODES)}\nMems_allowed_list:\t0\n`;
  s += 'voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n';
  return s;
}
