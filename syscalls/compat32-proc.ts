// The i386 forms of the process, credential and multiplexed calls: the uid16 calls (kernel/uid16.c:
// 16-bit ids, 0xffff for "unchanged", ids above 65535 shown as the overflow id), waitpid, the old
// getrlimit, clone's CONFIG_CLONE_BACKWARDS argument order, nice, the old uname forms, the
// one-pointer select, and the socketcall/ipc multiplexers (net/compat.c, ipc/syscall.c), which unpack
// their arguments and go to the handler the x86-64 table has for the call they name.

import { Errno, EFAULT, EINVAL, ENOSYS, EPERM, EACCES } from '../kernel/errno.js';
import { utf8ToBstr } from '../kernel/host.js';
import { RLIM_NLIMITS } from '../kernel/linux.js';
import type { Task } from '../kernel/process.js';
import { low16 } from './compat32.js';
import { credCalls } from './creds.js';
import { fsCalls } from './fs.js';
import { pollCalls } from './poll.js';
import { processCalls } from './process.js';
import { X86_64 } from './table-x86_64.js';
import type { Handler, SyscallEntry } from './types.js';
import { put32 } from './util.js';

const P = processCalls, C = credCalls;

/** low2highuid: the 16-bit "-1" stays -1 (unchanged); other values are the id. */
function high(v: number): number { v &= 0xffff; return v === 0xffff ? 0xffffffff : v; }
function put16(t: Task, addr: number, v: number): void {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, v, true);
  t.mem.writeBytes(addr, b);
}

// ---- uid16 ----------------------------------------------------------------------------------------------

const id16 = (get: Handler): Handler => (t, a) => {
  const r = get(t, a);
  return typeof r === 'number' ? low16(r) : r.then(low16);
};

const getresid16 = (ids: (t: Task) => [number, number, number]): Handler => (t, [r, e, s]) => {
  const [a, b, c] = ids(t);
  put16(t, r, low16(a)); put16(t, e, low16(b)); put16(t, s, low16(c));
  return 0;
};

/** groups16_to_user / groups16_from_user. */
const getgroups16: Handler = (t, [size, list]) => {
  const g = t.proc.groups;
  if (size < 0) throw new Errno(EINVAL);
  if (size === 0) return g.length;
  if (size < g.length) throw new Errno(EINVAL);
  const b = new Uint8Array(2 * g.length);
  const dv = new DataView(b.buffer);
  g.forEach((id, i) => dv.setUint16(2 * i, low16(id), true));
  t.mem.writeBytes(list, b);
  return g.length;
};
const NGROUPS_MAX = 65536;
const setgroups16: Handler = (t, [size, list]) => {
  if (size < 0 || size > NGROUPS_MAX) throw new Errno(EINVAL);
  if (t.proc.euid !== 0) throw new Errno(EPERM);
  const raw = size ? t.mem.readBytes(list, 2 * size) : new Uint8Array(0);
  const dv = new DataView(raw.buffer);
  const groups: number[] = [];
  for (let i = 0; i < size; i++) groups.push(high(dv.getUint16(2 * i, true)) >>> 0);
  t.proc.groups = groups.sort((a, b) => a - b);
  return 0;
};

export const uid16Calls: Record<string, Handler> = {
  getuid16: id16(P.getuid), geteuid16: id16(P.geteuid), getgid16: id16(P.getgid), getegid16: id16(P.getegid),
  setuid16: (t, [u]) => C.setuid(t, [high(u)]),
  setgid16: (t, [g]) => C.setgid(t, [high(g)]),
  setreuid16: (t, [r, e]) => C.setreuid(t, [high(r), high(e)]),
  setregid16: (t, [r, e]) => C.setregid(t, [high(r), high(e)]),
  setresuid16: (t, [r, e, s]) => C.setresuid(t, [high(r), high(e), high(s)]),
  setresgid16: (t, [r, e, s]) => C.setresgid(t, [high(r), high(e), high(s)]),
  // sys_setfsuid16 returns the old fsuid as __sys_setfsuid does: not folded to 16 bits
  setfsuid16: (t, [u]) => C.setfsuid(t, [high(u)]),
  setfsgid16: (t, [g]) => C.setfsgid(t, [high(g)]),
  getresuid16: getresid16((t) => [t.proc.uid, t.proc.euid, t.proc.suid]),
  getresgid16: getresid16((t) => [t.proc.gid, t.proc.egid, t.proc.sgid]),
  getgroups16, setgroups16,
  chown16: (t, [path, u, g]) => fsCalls.chown(t, [path, high(u), high(g)]),
  lchown16: (t, [path, u, g]) => fsCalls.lchown(t, [path, high(u), high(g)]),
  fchown16: (t, [fd, u, g]) => fsCalls.fchown(t, [fd, high(u), high(g)]),
};

// ---- processes ------------------------------------------------------------------------------------------

/** waitpid(pid, status, options) = wait4(pid, status, options, NULL). */
const waitpid: Handler = (t, [pid, status, options]) => P.wait4(t, [pid, status, options, 0]);

/** clone on i386 (CONFIG_CLONE_BACKWARDS): flags, newsp, parent_tidptr, tls, child_tidptr. With
 *  CLONE_SETTLS, `tls` is a struct user_desc *: kernel/lifecycle.ts cloneCpu sees the call came
 *  through int 0x80 and installs it in the child's GDT TLS slot (syscalls/tls.ts setNewTls32). */
const clone: Handler = (t, [flags, newsp, ptid, tls, ctid]) => P.clone(t, [flags, newsp, ptid, ctid, tls]);

/** nice(increment): sys_nice over the same nice value getpriority/setpriority keep (20 - prio). */
const nice: Handler = (t, [inc]) => {
  const cur = 20 - (P.getpriority(t, [0, 0]) as number);
  const incr = Math.max(-40, Math.min(40, inc));
  const n = Math.max(-20, Math.min(19, cur + incr));
  if (incr < 0 && n < cur && t.proc.euid !== 0) throw new Errno(EPERM);
  try { P.setpriority(t, [0, 0, n]); } catch (e) {
    if (e instanceof Errno && e.errno === EACCES) throw new Errno(EPERM);
    throw e;
  }
  return 0;
};

/** The old rlimit call (nr 76, compat_sys_old_getrlimit): limits above 0x7fffffff read 0x7fffffff. */
const oldGetrlimit: Handler = (t, [res, rlim]) => {
  if (res < 0 || res >= RLIM_NLIMITS) throw new Errno(EINVAL);
  const r = t.proc.rlimits[res];
  const clamp = (v: number) => (v > 0x7fffffff ? 0x7fffffff : v);
  put32(t, rlim, clamp(r.cur));
  put32(t, rlim + 4, clamp(r.max));
  return 0;
};

// ---- old uname forms -------------------------------------------------------------------------------------

function unameFields(t: Task): string[] {
  const k = t.kernel;
  const machine = (t.proc.personality & 0xff) === 0x0008 ? 'i686' : 'x86_64';
  return ['Linux', utf8ToBstr(k.hostname), utf8ToBstr(k.release), utf8ToBstr(k.version), machine];
}
function putFields(t: Task, addr: number, width: number): number {
  const f = unameFields(t);
  const out = new Uint8Array(5 * width);
  f.forEach((s, i) => { for (let j = 0; j < Math.min(s.length, width - 1); j++) out[i * width + j] = s.charCodeAt(j) & 0xff; });
  t.mem.writeBytes(addr, out);
  return 0;
}
/** olduname (nr 109, sys_uname): struct old_utsname, five 65-byte fields (no domainname). */
const olduname: Handler = (t, [buf]) => { if (!buf) throw new Errno(EFAULT); return putFields(t, buf, 65); };
/** oldolduname (nr 59, sys_olduname): struct oldold_utsname, five 9-byte fields. */
const oldolduname: Handler = (t, [buf]) => { if (!buf) throw new Errno(EFAULT); return putFields(t, buf, 9); };

// ---- one-pointer and multiplexed calls -----------------------------------------------------------------------

/** Old select (nr 82): one pointer to struct sel_arg_struct { n, inp, outp, exp, tvp }. */
const oldSelect: Handler = (t, [argp]) => {
  let raw: Uint8Array;
  try { raw = t.mem.readBytes(argp, 20); } catch { throw new Errno(EFAULT); }
  const dv = new DataView(raw.buffer);
  return pollCalls.select(t, [dv.getInt32(0, true), dv.getUint32(4, true), dv.getUint32(8, true), dv.getUint32(12, true), dv.getUint32(16, true)]);
};

function x86Entry(name: string): SyscallEntry | undefined { return X86_64.table.find((e) => e?.name === name); }

/** The x86-64 table's answer for a call reached through a multiplexer (ENOSYS, reported, when it has none). */
function viaTable(t: Task, name: string, via: number, a: number[]): number | Promise<number> {
  const e = x86Entry(name);
  if (!e || !e.handler) {
    t.kernel.reportUnimplemented(name, via, e ? e.reason : 'no such system call');
    throw new Errno(ENOSYS);
  }
  return e.handler(t, a);
}

const NR_SOCKETCALL = 102, NR_IPC = 117;
/** net/compat.c nas[]: how many 32-bit words each socketcall reads. */
const SOCK_ARGS = [0, 3, 3, 3, 2, 3, 3, 3, 4, 4, 4, 6, 6, 2, 5, 5, 3, 3, 4, 5, 4];
const SOCK_NAMES = ['', 'socket', 'bind', 'connect', 'listen', 'accept', 'getsockname', 'getpeername', 'socketpair',
  'send', 'recv', 'sendto', 'recvfrom', 'shutdown', 'setsockopt', 'getsockopt', 'sendmsg', 'recvmsg', 'accept4',
  'recvmmsg', 'sendmmsg'];

/** socketcall(call, args): reads the call's arguments as 32-bit words and runs the call. */
const socketcall: Handler = (t, [call, args]) => {
  if (call < 1 || call > 20) throw new Errno(EINVAL);
  const n = SOCK_ARGS[call];
  let raw: Uint8Array;
  try { raw = t.mem.readBytes(args, 4 * n); } catch { throw new Errno(EFAULT); }
  const dv = new DataView(raw.buffer);
  const a = Array.from({ length: n }, (_, i) => dv.getUint32(4 * i, true));
  const s = (i: number) => a[i] | 0;   // int arguments
  switch (SOCK_NAMES[call]) {
    case 'socket': return viaTable(t, 'socket', NR_SOCKETCALL, [s(0), s(1), s(2)]);
    case 'bind': return viaTable(t, 'bind', NR_SOCKETCALL, [s(0), a[1], s(2)]);
    case 'connect': return viaTable(t, 'connect', NR_SOCKETCALL, [s(0), a[1], s(2)]);
    case 'listen': return viaTable(t, 'listen', NR_SOCKETCALL, [s(0), s(1)]);
    case 'accept': return viaTable(t, 'accept4', NR_SOCKETCALL, [s(0), a[1], a[2], 0]);
    case 'getsockname': return viaTable(t, 'getsockname', NR_SOCKETCALL, [s(0), a[1], a[2]]);
    case 'getpeername': return viaTable(t, 'getpeername', NR_SOCKETCALL, [s(0), a[1], a[2]]);
    case 'socketpair': return viaTable(t, 'socketpair', NR_SOCKETCALL, [s(0), s(1), s(2), a[3]]);
    case 'send': return viaTable(t, 'sendto', NR_SOCKETCALL, [s(0), a[1], a[2], a[3], 0, 0]);
    case 'recv': return viaTable(t, 'recvfrom', NR_SOCKETCALL, [s(0), a[1], a[2], a[3], 0, 0]);
    case 'sendto': return viaTable(t, 'sendto', NR_SOCKETCALL, [s(0), a[1], a[2], a[3], a[4], s(5)]);
    case 'recvfrom': return viaTable(t, 'recvfrom', NR_SOCKETCALL, [s(0), a[1], a[2], a[3], a[4], a[5]]);
    case 'shutdown': return viaTable(t, 'shutdown', NR_SOCKETCALL, [s(0), s(1)]);
    case 'setsockopt': return viaTable(t, 'setsockopt', NR_SOCKETCALL, [s(0), s(1), s(2), a[3], s(4)]);
    case 'getsockopt': return viaTable(t, 'getsockopt', NR_SOCKETCALL, [s(0), s(1), s(2), a[3], a[4]]);
    case 'sendmsg': return viaTable(t, 'sendmsg', NR_SOCKETCALL, [s(0), a[1], a[2]]);
    case 'recvmsg': return viaTable(t, 'recvmsg', NR_SOCKETCALL, [s(0), a[1], a[2]]);
    case 'accept4': return viaTable(t, 'accept4', NR_SOCKETCALL, [s(0), a[1], a[2], s(3)]);
    case 'recvmmsg': return viaTable(t, 'recvmmsg', NR_SOCKETCALL, [s(0), a[1], a[2], a[3], a[4]]);
    default: return viaTable(t, 'sendmmsg', NR_SOCKETCALL, [s(0), a[1], a[2], a[3]]);
  }
};

const SEMOP = 1, SEMGET = 2, SEMCTL = 3, SEMTIMEDOP = 4, MSGSND = 11, MSGRCV = 12, MSGGET = 13, MSGCTL = 14,
  SHMAT = 21, SHMDT = 22, SHMGET = 23, SHMCTL = 24;

/** ipc(call, first, second, third, ptr, fifth) (compat_ksys_ipc): the version rides in the top half of
 *  call; each call's own argument checks come first, then the x86-64 table's call of that name. */
const ipc: Handler = (t, [callv, first, second, third, ptr, fifth]) => {
  const version = callv >>> 16, call = callv & 0xffff;
  switch (call) {
    case SEMOP: return viaTable(t, 'semtimedop', NR_IPC, [first, ptr, second, 0]);
    case SEMTIMEDOP: return viaTable(t, 'semtimedop', NR_IPC, [first, ptr, second, fifth]);
    case SEMGET: return viaTable(t, 'semget', NR_IPC, [first, second, third]);
    case SEMCTL: {
      if (!ptr) throw new Errno(EINVAL);
      let pad: number;
      try { pad = t.mem.read32(ptr) >>> 0; } catch { throw new Errno(EFAULT); }
      return viaTable(t, 'semctl', NR_IPC, [first, second, third, pad]);
    }
    case MSGSND: return viaTable(t, 'msgsnd', NR_IPC, [first, ptr, second, third]);
    case MSGRCV: {
      if (first < 0 || second < 0) throw new Errno(EINVAL);
      if (!version) {
        // struct compat_ipc_kludge { msgp, msgtyp }
        if (!ptr) throw new Errno(EINVAL);
        let k: Uint8Array;
        try { k = t.mem.readBytes(ptr, 8); } catch { throw new Errno(EFAULT); }
        const dv = new DataView(k.buffer);
        return viaTable(t, 'msgrcv', NR_IPC, [first, dv.getUint32(0, true), second, dv.getInt32(4, true), third]);
      }
      return viaTable(t, 'msgrcv', NR_IPC, [first, ptr, second, fifth | 0, third]);
    }
    case MSGGET: return viaTable(t, 'msgget', NR_IPC, [first, second]);
    case MSGCTL: return viaTable(t, 'msgctl', NR_IPC, [first, second, ptr]);
    case SHMAT: {
      if (version === 1) throw new Errno(EINVAL);
      const r = viaTable(t, 'shmat', NR_IPC, [first, ptr, second]);
      // the attach address goes to *third; the call itself returns 0
      const put = (addr: number): number => { if (addr < 0 && addr > -4096) return addr; put32(t, third, addr); return 0; };
      return typeof r === 'number' ? put(r) : r.then(put);
    }
    case SHMDT: return viaTable(t, 'shmdt', NR_IPC, [ptr]);
    case SHMGET: return viaTable(t, 'shmget', NR_IPC, [first, second >>> 0, third]);
    case SHMCTL: return viaTable(t, 'shmctl', NR_IPC, [first, second, ptr]);
    default: throw new Errno(ENOSYS);
  }
};

/** compat_sys_arch_prctl: a 32-bit task has no FS/GS base calls (do_arch_prctl_common only). */
const arch_prctl: Handler = (t, [code, addr]) => {
  if (code >= 0x1001 && code <= 0x1004) throw new Errno(EINVAL);
  return P.arch_prctl(t, [code, addr]);
};

export const compat32ProcCalls: Record<string, Handler> = {
  ...uid16Calls, waitpid, clone, nice, oldGetrlimit, olduname, oldolduname, oldSelect, socketcall, ipc, arch_prctl,
};
