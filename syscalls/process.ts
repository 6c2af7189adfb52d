// Process and thread identity, limits, accounting, scheduling hints and the x86-64 arch_prctl.

import { Errno, EFAULT, EINVAL, EPERM, ESRCH, ENODEV, EACCES } from '../kernel/errno.js';
import {
  ARCH_GET_CPUID, ARCH_GET_FS, ARCH_GET_GS, ARCH_GET_XCOMP_PERM, ARCH_GET_XCOMP_SUPP, ARCH_REQ_XCOMP_PERM,
  ARCH_SET_CPUID, ARCH_SET_FS, ARCH_SET_GS, NR_OPEN, RLIMIT_NOFILE, RLIM_NLIMITS, RUSAGE_CHILDREN, RUSAGE_SELF,
  RUSAGE_THREAD, USER_HZ,
} from '../kernel/linux.js';
import type { Rlimit, Task } from '../kernel/process.js';
import { encode, get64, layoutsFor } from './structs.js';
import type { Handler } from './types.js';
import { abiOf, put32, put64, readCStr } from './util.js';

const exit: Handler = (t, [code]) => { t.proc.exitWith(code); return 0; };
const exit_group: Handler = (t, [code]) => { t.proc.exitWith(code); return 0; };

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
const getpgid: Handler = (t, [pid]) => { selfPid(t, pid); return t.proc.pgid; };
const getsid: Handler = (t, [pid]) => { selfPid(t, pid); return t.proc.sid; };
const setpgid: Handler = (t, [pid, pgid]) => {
  if (pgid < 0) throw new Errno(EINVAL);
  selfPid(t, pid);
  if (t.proc.sid === t.proc.pid) throw new Errno(EPERM);    // a session leader cannot move
  t.proc.pgid = pgid === 0 ? t.proc.pid : pgid;
  return 0;
};
const setsid: Handler = (t) => {
  const p = t.proc;
  if (p.pgid === p.pid) throw new Errno(EPERM);
  p.sid = p.pgid = p.pid;
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
  if (pid !== 0 && pid !== t.tid) throw new Errno(ESRCH);
  if (t.proc.mode64) { put64(t, headp, t.robustList); put64(t, lenp, t.robustLen); }
  else { put32(t, headp, t.robustList); put32(t, lenp, t.robustLen); }
  return 0;
};

const arch_prctl: Handler = (t, [code, addr]) => {
  const cpu = t.cpu;
  switch (code) {
    case ARCH_SET_FS: if (addr >= 0x7ffffffff000) throw new Errno(EPERM); cpu.fsBase = addr; return 0;
    case ARCH_SET_GS: if (addr >= 0x7ffffffff000) throw new Errno(EPERM); cpu.gsBase = addr; return 0;
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
  if (who !== RUSAGE_CHILDREN) {
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
    t.mem.writeBytes(buf, encode(abi, layoutsFor(abi).tms, { tms_utime: ticks, tms_stime: 0, tms_cutime: 0, tms_cstime: 0 }));
  }
  return Math.floor(t.kernel.host.sys.uptime() * USER_HZ);
};

// ---- scheduling ---------------------------------------------------------------------------------------

/** The zone runs its threads on one host thread: it has one CPU. */
export const NR_CPUS = 1;

const sched_yield: Handler = () => 0;

const sched_getaffinity: Handler = (t, [pid, len, mask]) => {
  selfPid(t, pid === t.tid ? 0 : pid);
  const word = t.proc.mode64 ? 8 : 4;
  if (len * 8 < NR_CPUS || len % word !== 0) throw new Errno(EINVAL);
  const n = Math.min(len, word);
  const b = new Uint8Array(n);
  b[0] = 1;
  t.mem.writeBytes(mask, b);
  return n;
};

const sched_setaffinity: Handler = (t, [pid, len, mask]) => {
  selfPid(t, pid === t.tid ? 0 : pid);
  const b = t.mem.readBytes(mask, Math.min(len, 128));
  if (b.length === 0 || !(b[0] & 1)) throw new Errno(EINVAL);
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
    case PR_SET_NAME: p.comm = readCStr(t, arg2, 16).slice(0, 15); return 0;
    case PR_GET_NAME: {
      const b = new Uint8Array(16);
      for (let i = 0; i < p.comm.length && i < 15; i++) b[i] = p.comm.charCodeAt(i);
      t.mem.writeBytes(arg2, b);
      return 0;
    }
    case PR_SET_PDEATHSIG: if (arg2 < 0 || arg2 > 64) throw new Errno(EINVAL); return 0;
    case PR_GET_PDEATHSIG: put32(t, arg2, 0); return 0;
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
  exit, exit_group, getpid, gettid, getppid, getuid, geteuid, getgid, getegid, getpgrp, getpgid, getsid, setpgid,
  setsid, getresuid, getresgid, getgroups, set_tid_address, set_robust_list, get_robust_list, arch_prctl,
  prlimit64, getrlimit, setrlimit, getrusage, times, sched_yield, sched_getaffinity, sched_setaffinity,
  sched_getscheduler, sched_getparam, sched_get_priority_max, sched_get_priority_min, getcpu, getpriority,
  setpriority, personality, prctl,
};

export { EFAULT };
