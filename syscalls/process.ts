// Process creation and ending (fork, vfork, clone, clone3, execve, exit, wait4, waitid), process
// groups and sessions, identity, limits, accounting, scheduling hints and the x86-64 arch_prctl.

import { Errno, EFAULT, EINVAL, EPERM, ESRCH, ENODEV, EACCES, ECHILD, ERESTARTSYS, E2BIG, ENAMETOOLONG } from '../kernel/errno.js';
import { ExecError, loadImage } from '../kernel/exec.js';
import { CloneArgs, copyProcess, copyThread, execImage, Reaped, WaitSel, waitOnce } from '../kernel/lifecycle.js';
import {
  AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, CLONE_PIDFD, CLONE_THREAD, CLONE_VFORK, CLONE_VM, CSIGNAL, P_ALL, P_PGID, P_PID,
  RLIMIT_STACK, WCONTINUED, WEXITED, WNOHANG, WNOWAIT, WSTOPPED, WUNTRACED, __WALL, __WCLONE, __WNOTHREAD,
} from '../kernel/linux.js';
import { SIGCHLD } from '../kernel/signal.js';
import { Sleep, waitFor } from '../kernel/wait.js';
import {
  ARCH_GET_CPUID, ARCH_GET_FS, ARCH_GET_GS, ARCH_GET_XCOMP_PERM, ARCH_GET_XCOMP_SUPP, ARCH_REQ_XCOMP_PERM,
  ARCH_SET_CPUID, ARCH_SET_FS, ARCH_SET_GS, NR_OPEN, RLIMIT_NOFILE, RLIM_NLIMITS, RUSAGE_CHILDREN, RUSAGE_SELF,
  RUSAGE_THREAD, USER_HZ,
} from '../kernel/linux.js';
import type { Process, Rlimit, Task } from '../kernel/process.js';
import { encode, get64, layoutsFor } from './structs.js';
import type { Handler } from './types.js';
import { abiOf, atPath, put32, put64, readCStr, readPath, taskOf } from './util.js';

/** exit(2) ends the calling thread; the last one to go ends the process with its code. */
const exit: Handler = (t, [code]) => {
  const p = t.proc;
  if (!p.liveTasks.some((x) => x !== t)) { p.exitWith(code); return 0; }
  if (t === p.mainTask) p.leaderExitCode = code & 0xff;
  t.exiting = true;
  return 0;
};
const exit_group: Handler = (t, [code]) => { t.proc.exitWith(code); return 0; };

// ---- fork, vfork, clone --------------------------------------------------------------------------------

function doClone(t: Task, a: CloneArgs): number | Promise<number> {
  if ((a.flags & CLONE_PIDFD) !== 0) throw new Errno(EINVAL);   // pidfds are not modelled
  const k = t.kernel;
  if (a.flags & CLONE_THREAD) return copyThread(k, t, a);
  const child = copyProcess(k, t, a);
  if (!(a.flags & CLONE_VFORK)) {
    k.start(child);
    return child.pid;
  }
  // The parent sleeps (killable) until the child has exec'd or exited.
  let released = false;
  child.mainTask.vforkDone = () => { released = true; t.wakeup?.(); };
  k.start(child);
  return waitFor<number>(t, [], () => (released ? child.pid : undefined), { mode: Sleep.Killable, intr: () => child.pid });
}

const fork: Handler = (t) => doClone(t, { flags: 0, exitSignal: SIGCHLD, stack: 0, parentTid: 0, childTid: 0, tls: 0 });
const vfork: Handler = (t) =>
  doClone(t, { flags: CLONE_VFORK | CLONE_VM, exitSignal: SIGCHLD, stack: 0, parentTid: 0, childTid: 0, tls: 0 });
const clone: Handler = (t, [flags, newsp, ptid, ctid, tls]) => {
  const f = flags % 4294967296 >>> 0;
  return doClone(t, { flags: (f & ~CSIGNAL) >>> 0, exitSignal: f & CSIGNAL, stack: newsp, parentTid: ptid, childTid: ctid, tls });
};

/** clone3: struct clone_args, every field a u64. */
const clone3: Handler = (t, [uargs, size]) => {
  if (size < 64) throw new Errno(EINVAL);
  if (size > 4096) throw new Errno(E2BIG);
  const raw = t.mem.readBytes(uargs, Math.min(size, 88));
  for (let i = 88; i < size; i++) if (t.mem.read8(uargs + i) !== 0) throw new Errno(E2BIG);
  const dv = new DataView(raw.buffer);
  const u64 = (o: number) => (o + 8 <= raw.length ? dv.getUint32(o + 4, true) * 4294967296 + dv.getUint32(o, true) : 0);
  const flags = u64(0), exitSignal = u64(32), stack = u64(40), stackSize = u64(48);
  if (flags > 0xffffffff || exitSignal > CSIGNAL) throw new Errno(EINVAL);
  if ((stack === 0) !== (stackSize === 0)) throw new Errno(EINVAL);
  if (u64(64) || u64(72)) throw new Errno(EINVAL);     // set_tid: needs pid namespaces
  return doClone(t, { flags: flags >>> 0, exitSignal, stack: stack ? stack + stackSize : 0, parentTid: u64(24),
    childTid: u64(16), tls: u64(56) });
};

// ---- execve --------------------------------------------------------------------------------------------

/** A NULL-terminated array of strings (argv/envp) as byte strings; E2BIG past the limits. */
function readStrv(t: Task, addr: number): string[] {
  const out: string[] = [];
  if (!addr) return out;
  const word = t.proc.mode64 ? 8 : 4;
  for (let i = 0; ; i++) {
    if (i >= 0x7fffffff) throw new Errno(E2BIG);
    const lo = t.mem.read32(addr + i * word) >>> 0;
    const hi = word === 8 ? t.mem.read32(addr + i * word + 4) >>> 0 : 0;
    const ptr = hi * 4294967296 + lo;
    if (ptr === 0) break;
    try {
      out.push(readCStr(t, ptr, 32 * 4096));
    } catch (e) {
      if (e instanceof Errno && e.errno === ENAMETOOLONG) throw new Errno(E2BIG);
      throw e;
    }
  }
  return out;
}

function doExecve(t: Task, dirfd: number, pathAddr: number, argvAddr: number, envpAddr: number, flags: number): number {
  if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) throw new Errno(EINVAL);
  const name = readPath(t, pathAddr, !!(flags & AT_EMPTY_PATH));
  const p = t.proc;
  const k = t.kernel;
  // the file to run: relative to dirfd, or the descriptor itself (fexecve)
  const path = name === '' ? atPath(t, dirfd, '') : dirfd === AT_FDCWD || name.startsWith('/') ? name : atPath(t, dirfd, name);
  const argv = readStrv(t, argvAddr);
  const envp = readStrv(t, envpAddr);
  let img;
  try {
    img = loadImage(k, '', path, argv, envp, { uid: p.uid, euid: p.euid, gid: p.gid, egid: p.egid },
      p.limit(RLIMIT_STACK), 0, p);
  } catch (e) {
    if (e instanceof ExecError) throw new Errno(e.errno);
    throw e;
  }
  execImage(k, t, img);
  p.envp = envp;
  return 0;
}

const execve: Handler = (t, [path, argv, envp]) => doExecve(t, AT_FDCWD, path, argv, envp, 0);
const execveat: Handler = (t, [dirfd, path, argv, envp, flags]) => doExecve(t, dirfd, path, argv, envp, flags);

// ---- wait ----------------------------------------------------------------------------------------------

function writeRusage(t: Task, addr: number, cpuMs: number): void {
  const abi = abiOf(t);
  const us = Math.round(cpuMs * 1000);
  t.mem.writeBytes(addr, encode(abi, layoutsFor(abi).rusage, { utime_sec: Math.floor(us / 1e6), utime_usec: us % 1e6 }));
}

/** do_wait: a child to report, 0 (WNOHANG, nothing yet), or a sleep on the caller's child-wait queue. */
function doWait(t: Task, sel: WaitSel, report: (r: Reaped | null) => number): number | Promise<number> {
  const p = t.proc;
  const k = t.kernel;
  const check = (): number | undefined => {
    const r = waitOnce(k, p, sel);
    if (r === 'none') return -ECHILD;
    if (r === 'wait') return sel.options & WNOHANG ? report(null) : undefined;
    return report(r);
  };
  return waitFor<number>(t, [p.childWait], check, { intr: () => -ERESTARTSYS });
}

const wait4: Handler = (t, [upid, status, options, ru]) => {
  if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)) throw new Errno(EINVAL);
  if (upid === -2147483648) throw new Errno(ESRCH);
  const sel: WaitSel = upid === -1 ? { which: 'all', id: 0, options: options | WEXITED }
    : upid < 0 ? { which: 'pgid', id: -upid, options: options | WEXITED }
      : upid === 0 ? { which: 'pgid', id: t.proc.pgid, options: options | WEXITED }
        : { which: 'pid', id: upid, options: options | WEXITED };
  return doWait(t, sel, (r) => {
    if (!r) return 0;
    if (status) put32(t, status, r.status);
    if (ru) writeRusage(t, ru, r.cpuMs);
    return r.pid;
  });
};

const waitid: Handler = (t, [which, upid, infop, options, ru]) => {
  if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)) throw new Errno(EINVAL);
  if (!(options & (WEXITED | WSTOPPED | WCONTINUED))) throw new Errno(EINVAL);
  let sel: WaitSel;
  switch (which) {
    case P_ALL: sel = { which: 'all', id: 0, options }; break;
    case P_PID: if (upid <= 0) throw new Errno(EINVAL); sel = { which: 'pid', id: upid, options }; break;
    case P_PGID: if (upid < 0) throw new Errno(EINVAL); sel = { which: 'pgid', id: upid || t.proc.pgid, options }; break;
    default: throw new Errno(EINVAL);
  }
  return doWait(t, sel, (r) => {
    if (r && ru) writeRusage(t, ru, r.cpuMs);
    if (infop) {
      const b = new Uint8Array(28);
      const dv = new DataView(b.buffer);
      dv.setInt32(0, r ? SIGCHLD : 0, true);
      dv.setInt32(8, r ? r.code : 0, true);
      const u = t.proc.mode64 ? 16 : 12;      // the union of a compat_siginfo_t starts at 12
      dv.setInt32(u, r ? r.pid : 0, true);
      dv.setInt32(u + 4, r ? r.uid : 0, true);
      dv.setInt32(u + 8, r ? r.sistatus : 0, true);
      t.mem.writeBytes(infop, b.subarray(0, u + 12));
    }
    return 0;
  });
};

const getpid: Handler = (t) => t.proc.pid;
const gettid: Handler = (t) => t.tid;
const getppid: Handler = (t) => t.proc.ppid;
const getuid: Handler = (t) => t.proc.uid;
const geteuid: Handler = (t) => t.proc.euid;
const getgid: Handler = (t) => t.proc.gid;
const getegid: Handler = (t) => t.proc.egid;
const getpgrp: Handler = (t) => t.proc.pgid;

function selfPid(t: Task, pid: number): void {
  if (pid !== 0 && pid !== t.proc.pid) throw new Errno(ESRCH);
}

/** The live (or zombie) process with this pid in the zone, or ESRCH. */
function findProc(t: Task, pid: number): Process {
  if (pid === 0) return t.proc;
  const p = t.kernel.procs.get(pid);
  if (!p || p.state === 'dead') throw new Errno(ESRCH);
  return p;
}

const getpgid: Handler = (t, [pid]) => findProc(t, pid).pgid;
const getsid: Handler = (t, [pid]) => findProc(t, pid).sid;

/** A session leader: its pid is its session id. */
const isLeader = (p: Process): boolean => p.sid === p.pid;

const setpgid: Handler = (t, [pid, pgid]) => {
  const self = t.proc;
  if (!pid) pid = self.pid;
  if (!pgid) pgid = pid;
  if (pgid < 0) throw new Errno(EINVAL);
  const p = t.kernel.procs.get(pid);
  if (!p || p.state === 'dead') throw new Errno(ESRCH);
  if (p.parent === self) {
    if (p.sid !== self.sid) throw new Errno(EPERM);
    if (p.didExec) throw new Errno(EACCES);
  } else if (p !== self) throw new Errno(ESRCH);
  if (isLeader(p)) throw new Errno(EPERM);
  if (pgid !== pid) {
    const g = [...t.kernel.procs.values()].find((q) => q.pgid === pgid && q.state !== 'dead');
    if (!g || g.sid !== self.sid) throw new Errno(EPERM);
  }
  p.pgid = pgid;
  return 0;
};

const setsid: Handler = (t) => {
  const p = t.proc;
  if ([...t.kernel.procs.values()].some((q) => q.pgid === p.pid && q.state !== 'dead')) throw new Errno(EPERM);
  p.sid = p.pgid = p.pid;
  p.ctty = null;          // proc_clear_tty: a new session starts without a controlling terminal
  return p.sid;
};

const getresuid: Handler = (t, [r, e, s]) => { put32(t, r, t.proc.uid); put32(t, e, t.proc.euid); put32(t, s, t.proc.suid); return 0; };
const getresgid: Handler = (t, [r, e, s]) => { put32(t, r, t.proc.gid); put32(t, e, t.proc.egid); put32(t, s, t.proc.sgid); return 0; };
const getgroups: Handler = (t, [size, list]) => {
  const g = t.proc.groups;
  if (size < 0) throw new Errno(EINVAL);
  if (size === 0) return g.length;
  if (size < g.length) throw new Errno(EINVAL);
  g.forEach((id, i) => put32(t, list + 4 * i, id));
  return g.length;
};

// ---- thread registrations ------------------------------------------------------------------------

const set_tid_address: Handler = (t, [ptr]) => { t.clearChildTid = ptr; return t.tid; };

const set_robust_list: Handler = (t, [head, len]) => {
  if (len !== layoutsFor(abiOf(t)).robust_list_head.size) throw new Errno(EINVAL);
  t.robustList = head;
  t.robustLen = len;
  return 0;
};

const get_robust_list: Handler = (t, [pid, headp, lenp]) => {
  const x = taskOf(t, pid);
  if (t.proc.mode64) { put64(t, headp, x.robustList); put64(t, lenp, x.robustLen); }
  else { put32(t, headp, x.robustList); put32(t, lenp, x.robustLen); }
  return 0;
};

const arch_prctl: Handler = (t, [code, addr]) => {
  const cpu = t.cpu;
  switch (code) {
    case ARCH_SET_FS: if (addr >= 0x7ffffffff000) throw new Errno(EPERM); cpu.fsBase = addr; cpu.sel[4] = 0; return 0;
    case ARCH_SET_GS: if (addr >= 0x7ffffffff000) throw new Errno(EPERM); cpu.gsBase = addr; cpu.sel[5] = 0; return 0;
    case ARCH_GET_FS: put64(t, addr, cpu.fsBase); return 0;
    case ARCH_GET_GS: put64(t, addr, cpu.gsBase); return 0;
    case ARCH_GET_CPUID: return 1;
    case ARCH_SET_CPUID: throw new Errno(ENODEV);          // no CPUID faulting
    case ARCH_GET_XCOMP_SUPP: case ARCH_GET_XCOMP_PERM: put64(t, addr, 0x3); return 0;  // x87 | SSE
    case ARCH_REQ_XCOMP_PERM: if (addr === 0 || addr === 1) return 0; throw new Errno(EINVAL);
    default: throw new Errno(EINVAL);
  }
};

// ---- limits ------------------------------------------------------------------------------------------

const RLIM_INF = 2 ** 64 - 1;   // as a number: ~1.8446744073709552e19

function toNum(v: number): number { return v >= RLIM_INF ? Infinity : v; }

function readRlim(t: Task, addr: number, wide: boolean): Rlimit {
  const abi = abiOf(t);
  const l = wide ? layoutsFor(abi).rlimit64 : layoutsFor(abi).rlimit;
  const b = t.mem.readBytes(addr, l.size);
  const dv = new DataView(b.buffer);
  if (l.size === 16) return { cur: toNum(get64(dv, 0, false)), max: toNum(get64(dv, 8, false)) };
  const c = dv.getUint32(0, true), m = dv.getUint32(4, true);
  return { cur: c === 0xffffffff ? Infinity : c, max: m === 0xffffffff ? Infinity : m };
}

function writeRlim(t: Task, addr: number, r: Rlimit, wide: boolean): void {
  const abi = abiOf(t);
  const l = wide ? layoutsFor(abi).rlimit64 : layoutsFor(abi).rlimit;
  const clamp = (x: number) => (l.size === 8 && x > 0xffffffff ? Infinity : x);
  const b = new Uint8Array(l.size);
  const dv = new DataView(b.buffer);
  if (l.size === 16) {
    const put = (o: number, x: number) => {
      if (x === Infinity) { dv.setUint32(o, 0xffffffff, true); dv.setUint32(o + 4, 0xffffffff, true); }
      else { dv.setUint32(o, x >>> 0, true); dv.setUint32(o + 4, Math.floor(x / 2 ** 32), true); }
    };
    put(0, r.cur); put(8, r.max);
  } else {
    dv.setUint32(0, clamp(r.cur) === Infinity ? 0xffffffff : r.cur, true);
    dv.setUint32(4, clamp(r.max) === Infinity ? 0xffffffff : r.max, true);
  }
  t.mem.writeBytes(addr, b);
}

function setLimit(t: Task, res: number, n: Rlimit): void {
  const p = t.proc;
  if (n.cur > n.max) throw new Errno(EINVAL);
  const old = p.rlimits[res];
  if (n.max > old.max && p.euid !== 0) throw new Errno(EPERM);
  if (res === RLIMIT_NOFILE && n.max > NR_OPEN) throw new Errno(EPERM);
  p.rlimits[res] = { cur: n.cur, max: n.max };
}

const prlimit64: Handler = (t, [pid, res, newp, oldp]) => {
  if (res < 0 || res >= RLIM_NLIMITS) throw new Errno(EINVAL);
  selfPid(t, pid);
  const n = newp ? readRlim(t, newp, true) : null;
  const old = { ...t.proc.rlimits[res] };
  if (n) setLimit(t, res, n);
  if (oldp) writeRlim(t, oldp, old, true);
  return 0;
};

const getrlimit: Handler = (t, [res, rlim]) => {
  if (res < 0 || res >= RLIM_NLIMITS) throw new Errno(EINVAL);
  writeRlim(t, rlim, t.proc.rlimits[res], false);
  return 0;
};

const setrlimit: Handler = (t, [res, rlim]) => {
  if (res < 0 || res >= RLIM_NLIMITS) throw new Errno(EINVAL);
  setLimit(t, res, readRlim(t, rlim, false));
  return 0;
};

// ---- accounting -------------------------------------------------------------------------------------

/** CPU time of a task in ms (the running slice included). */
export function taskCpuMs(t: Task): number {
  return t.cpuMs + (t.sliceStart ? t.kernel.nowMs() - t.sliceStart : 0);
}

const getrusage: Handler = (t, [who, buf]) => {
  if (who !== RUSAGE_SELF && who !== RUSAGE_CHILDREN && who !== RUSAGE_THREAD) throw new Errno(EINVAL);
  const abi = abiOf(t);
  const v: Record<string, number> = {};
  if (who === RUSAGE_CHILDREN) {
    const us = Math.round(t.proc.childCpuMs * 1000);
    v.utime_sec = Math.floor(us / 1e6); v.utime_usec = us % 1e6;
  } else {
    const us = Math.round(taskCpuMs(t) * 1000);
    v.utime_sec = Math.floor(us / 1e6); v.utime_usec = us % 1e6;
    v.stime_sec = 0; v.stime_usec = 0;
    v.maxrss = t.mem.residentPages * 4;
    v.minflt = t.mem.residentPages;
  }
  t.mem.writeBytes(buf, encode(abi, layoutsFor(abi).rusage, v));
  return 0;
};

const times: Handler = (t, [buf]) => {
  if (buf) {
    const abi = abiOf(t);
    const ticks = Math.floor(taskCpuMs(t) / (1000 / USER_HZ));
    const cticks = Math.floor(t.proc.childCpuMs / (1000 / USER_HZ));
    t.mem.writeBytes(buf, encode(abi, layoutsFor(abi).tms, { tms_utime: ticks, tms_stime: 0, tms_cutime: cticks, tms_cstime: 0 }));
  }
  return Math.floor(t.kernel.host.sys.uptime() * USER_HZ);
};

// ---- scheduling ---------------------------------------------------------------------------------------

const sched_yield: Handler = () => 0;

/** sched_getaffinity: every CPU the zone reports (--cpus), in a mask of whole longs. */
const sched_getaffinity: Handler = (t, [pid, len, mask]) => {
  taskOf(t, pid);
  const word = t.proc.mode64 ? 8 : 4;
  const cpus = t.kernel.cpus;
  if (len * 8 < cpus || len % word !== 0) throw new Errno(EINVAL);
  const n = Math.min(len, Math.ceil(cpus / (word * 8)) * word);
  const b = new Uint8Array(n);
  for (let c = 0; c < cpus; c++) b[c >> 3] |= 1 << (c & 7);
  t.mem.writeBytes(mask, b);
  return n;
};

/** sched_setaffinity: accepted when the mask names at least one of the zone's CPUs (the threads
 *  share one host thread whatever the mask says). */
const sched_setaffinity: Handler = (t, [pid, len, mask]) => {
  taskOf(t, pid);
  const b = t.mem.readBytes(mask, Math.min(len, 128));
  const cpus = t.kernel.cpus;
  let any = false;
  for (let c = 0; c < cpus && (c >> 3) < b.length; c++) if (b[c >> 3] & (1 << (c & 7))) any = true;
  if (!any) throw new Errno(EINVAL);
  return 0;
};

const sched_getscheduler: Handler = (t, [pid]) => { if (pid < 0) throw new Errno(EINVAL); selfPid(t, pid === t.tid ? 0 : pid); return 0; };
const sched_getparam: Handler = (t, [pid, param]) => { if (pid < 0 || !param) throw new Errno(EINVAL); selfPid(t, pid === t.tid ? 0 : pid); put32(t, param, 0); return 0; };
const sched_get_priority_max: Handler = (_t, [policy]) => {
  if (policy === 1 || policy === 2) return 99;
  if (policy === 0 || policy === 3 || policy === 5 || policy === 6) return 0;
  throw new Errno(EINVAL);
};
const sched_get_priority_min: Handler = (_t, [policy]) => {
  if (policy === 1 || policy === 2) return 1;
  if (policy === 0 || policy === 3 || policy === 5 || policy === 6) return 0;
  throw new Errno(EINVAL);
};

const getcpu: Handler = (t, [cpu, node]) => { if (cpu) put32(t, cpu, 0); if (node) put32(t, node, 0); return 0; };

let niceDefault = 0;
const getpriority: Handler = (t, [which, who]) => {
  if (which < 0 || which > 2) throw new Errno(EINVAL);
  if (who !== 0 && who !== t.proc.pid && !(which === 2 && who === t.proc.uid)) throw new Errno(ESRCH);
  return 20 - niceDefault;
};
const setpriority: Handler = (t, [which, who, prio]) => {
  if (which < 0 || which > 2) throw new Errno(EINVAL);
  if (who !== 0 && who !== t.proc.pid && !(which === 2 && who === t.proc.uid)) throw new Errno(ESRCH);
  const nice = Math.max(-20, Math.min(19, prio));
  if (nice < niceDefault && t.proc.euid !== 0) throw new Errno(EACCES);
  niceDefault = nice;
  return 0;
};

const personality: Handler = (t, [persona]) => {
  const old = t.proc.personality;
  if ((persona >>> 0) !== 0xffffffff) t.proc.personality = persona >>> 0;
  return old;
};

const PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4, PR_SET_NAME = 15,
  PR_GET_NAME = 16, PR_CAPBSET_READ = 23, PR_SET_NO_NEW_PRIVS = 38, PR_GET_NO_NEW_PRIVS = 39, PR_SET_VMA = 0x53564d41,
  PR_GET_THP_DISABLE = 42, PR_SET_THP_DISABLE = 41, PR_GET_TIMERSLACK = 30, PR_SET_TIMERSLACK = 29;

const prctl: Handler = (t, [option, arg2]) => {
  const p = t.proc;
  switch (option) {
    case PR_SET_NAME: t.comm = readCStr(t, arg2, 16).slice(0, 15); return 0;
    case PR_GET_NAME: {
      const b = new Uint8Array(16);
      const name = t.comm;
      for (let i = 0; i < name.length && i < 15; i++) b[i] = name.charCodeAt(i);
      t.mem.writeBytes(arg2, b);
      return 0;
    }
    case PR_SET_PDEATHSIG: if (arg2 < 0 || arg2 > 64) throw new Errno(EINVAL); p.pdeathSignal = arg2; return 0;
    case PR_GET_PDEATHSIG: put32(t, arg2, p.pdeathSignal); return 0;
    case PR_GET_DUMPABLE: return 1;
    case PR_SET_DUMPABLE: if (arg2 > 1) throw new Errno(EINVAL); return 0;
    case PR_SET_NO_NEW_PRIVS: if (arg2 !== 1) throw new Errno(EINVAL); return 0;
    case PR_GET_NO_NEW_PRIVS: return 0;
    case PR_CAPBSET_READ: if (arg2 < 0 || arg2 > 40) throw new Errno(EINVAL); return p.euid === 0 ? 1 : 1;
    case PR_GET_THP_DISABLE: return 0;
    case PR_SET_THP_DISABLE: return 0;
    case PR_GET_TIMERSLACK: return 50000;
    case PR_SET_TIMERSLACK: return 0;
    case PR_SET_VMA: throw new Errno(EINVAL);
    default: throw new Errno(EINVAL);
  }
};

export const processCalls: Record<string, Handler> = {
  fork, vfork, clone, clone3, execve, execveat, wait4, waitid,
  exit, exit_group, getpid, gettid, getppid, getuid, geteuid, getgid, getegid, getpgrp, getpgid, getsid, setpgid,
  setsid, getresuid, getresgid, getgroups, set_tid_address, set_robust_list, get_robust_list, arch_prctl,
  prlimit64, getrlimit, setrlimit, getrusage, times, sched_yield, sched_getaffinity, sched_setaffinity,
  sched_getscheduler, sched_getparam, sched_get_priority_max, sched_get_priority_min, getcpu, getpriority,
  setpriority, personality, prctl,
};

export { EFAULT };
