// The small per-process files of fs/proc/base.c: cmdline and environ (read from the process's
// memory, as Linux does, so setproctitle shows), auxv, limits, personality, comm (writable within
// the thread group, like PR_SET_NAME), children, and the one-liners (cgroup, cpuset, wchan,
// loginuid, sessionid, oom_*, coredump_filter, uid_map, gid_map, setgroups).

import { GuestFault } from '../../../cpu/memory.js';
import { Errno, EINVAL, EPERM, EACCES } from '../../errno.js';
import { bstr } from '../../host.js';
import type { Process, Task } from '../../process.js';
import { checkExists, hasMm, mayAccess } from './task.js';
import { memCounters } from './task_mmu.js';

const PAGE = 4096;

/** Bytes of the process's memory, or null where it is not mapped. */
function peek(p: Process, addr: number, len: number): string | null {
  if (len <= 0) return '';
  try { return bstr(p.mem.readBytes(addr, len)); } catch (e) {
    if (e instanceof GuestFault) return null;
    throw e;
  }
}

/** get_mm_cmdline: [arg_start, arg_end), or up to the first NUL past it when the last argv byte
 *  was overwritten (setproctitle), limited to a page. */
export function procCmdline(p: Process): string {
  checkExists(p);
  if (!hasMm(p)) return '';
  const mm = p.image?.mm;
  if (!mm) return p.argv.map((a) => a + '\0').join('');
  const last = peek(p, mm.argEnd - 1, 1);
  if (last === null) return '';
  if (last !== '\0') {
    const end = mm.envStart === mm.argEnd && mm.envEnd >= mm.envStart ? mm.envEnd : mm.argEnd;
    const s = peek(p, mm.argStart, Math.min(PAGE, end - mm.argStart)) ?? '';
    const nul = s.indexOf('\0');
    return nul >= 0 ? s.slice(0, nul + 1) : s;
  }
  return peek(p, mm.argStart, mm.argEnd - mm.argStart) ?? '';
}

/** environ_read: [env_start, env_end) of the process's memory. */
export function procEnviron(p: Process, reader: Process): string {
  checkExists(p);
  if (!mayAccess(reader, p)) throw new Errno(EACCES);
  if (!hasMm(p)) return '';
  const mm = p.image?.mm;
  if (!mm) return p.envp.map((a) => a + '\0').join('');
  return peek(p, mm.envStart, mm.envEnd - mm.envStart) ?? '';
}

/** mm->saved_auxv up to and including AT_NULL, as words of the process's size. */
export function procAuxv(p: Process, reader: Process): string {
  checkExists(p);
  if (!mayAccess(reader, p)) throw new Errno(EACCES);
  if (!hasMm(p) || !p.image) return '';
  const bytes = (x: number, n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode((x >>> (8 * i)) & 0xff);
    return s;
  };
  let out = '';
  for (const pair of p.image.auxv) {
    for (const x of pair) out += bytes(x >>> 0, 4) + (p.mode64 ? bytes(Math.floor(x / 2 ** 32) >>> 0, 4) : '');
  }
  return out;
}

/** proc_pid_limits: the rlimit table, columns of 25, 20, 20 and 10. */
const LIMITS: [string, string][] = [
  ['Max cpu time', 'seconds'], ['Max file size', 'bytes'], ['Max data size', 'bytes'],
  ['Max stack size', 'bytes'], ['Max core file size', 'bytes'], ['Max resident set', 'bytes'],
  ['Max processes', 'processes'], ['Max open files', 'files'], ['Max locked memory', 'bytes'],
  ['Max address space', 'bytes'], ['Max file locks', 'locks'], ['Max pending signals', 'signals'],
  ['Max msgqueue size', 'bytes'], ['Max nice priority', ''], ['Max realtime priority', ''],
  ['Max realtime timeout', 'us'],
];

export function procLimits(p: Process): string {
  checkExists(p);
  const v = (x: number) => (x === Infinity ? 'unlimited' : String(x));
  let out = `${'Limit'.padEnd(25)} ${'Soft Limit'.padEnd(20)} ${'Hard Limit'.padEnd(20)} ${'Units'.padEnd(10)}\n`;
  LIMITS.forEach(([name, unit], i) => {
    const r = p.rlimits[i];
    out += `${name.padEnd(25)} ${v(r.cur).padEnd(20)} ${v(r.max).padEnd(20)} `;
    out += unit ? `${unit.padEnd(10)}\n` : '\n';
  });
  return out;
}

export function procPersonality(p: Process, reader: Process): string {
  checkExists(p);
  if (!mayAccess(reader, p)) throw new Errno(EACCES);
  return (p.personality >>> 0).toString(16).padStart(8, '0') + '\n';
}

export function procComm(p: Process, t?: Task): string { checkExists(p); return (t ? t.comm : p.comm) + '\n'; }

/** proc_pid_comm_write: only the thread group itself may rename it; up to 15 bytes, kept as
 *  written (a trailing newline included, as on Linux). */
export function writeComm(p: Process, data: string, writer: Process, t?: Task): void {
  checkExists(p);
  if (writer !== p) throw new Errno(EINVAL);
  const name = data.slice(0, 15).split('\0')[0];
  if (t) t.comm = name; else p.comm = name;
}

/** /proc/<pid>/task/<tid>/children: the pids of the children, each followed by a space. */
export function procChildren(p: Process): string {
  checkExists(p);
  return [...p.children].filter((c) => c.state !== 'dead').map((c) => `${c.pid} `).join('');
}

/** oom_score: (1000 + badness * 1000 / totalpages) * 2 / 3, badness = rss + page tables + adj. */
export function procOomScore(p: Process, adj: number): string {
  checkExists(p);
  const total = Math.max(1, Math.floor(p.kernel.host.sys.totalmem() / PAGE));
  const c = memCounters(p);
  const badness = hasMm(p) ? c.rss + c.pteBytes / PAGE + Math.floor(adj * total / 1000) : 0;
  return `${Math.max(0, Math.floor((1000 + Math.floor(badness * 1000 / total)) * 2 / 3))}\n`;
}

/** oom_score_adj, kept per process (it belongs to the signal struct: threads share it). */
const oomAdj = new WeakMap<Process, number>();

export function getOomAdj(p: Process): number { return oomAdj.get(p) ?? 0; }

function parseIntStrict(data: string): number {
  const s = data.trim();
  if (!/^[+-]?\d+$/.test(s)) throw new Errno(EINVAL);
  return Number(s);
}

/** oom_score_adj_min: the floor an unprivileged writer may go down to (set by privileged writes). */
const oomAdjMin = new WeakMap<Process, number>();

export function writeOomScoreAdj(p: Process, data: string, writer: Process, legacy = false): void {
  const v = parseIntStrict(data);
  if (v < -1000 || v > 1000) throw new Errno(EINVAL);
  const privileged = writer.euid === 0;      // CAP_SYS_RESOURCE
  if (v < (oomAdjMin.get(p) ?? 0) && !privileged) throw new Errno(EACCES);
  oomAdj.set(p, v);
  if (!legacy && privileged) oomAdjMin.set(p, v);
}

/** oom_adj: the old -17..15 scale (OOM_DISABLE = -17), mapped to and from oom_score_adj. */
export function procOomAdj(p: Process): string {
  const adj = getOomAdj(p);
  const v = adj === 1000 ? 15 : adj === -1000 ? -17 : Math.trunc(adj * 17 / 1000);
  return `${v}\n`;
}

export function writeOomAdj(p: Process, data: string, writer: Process): void {
  const v = parseIntStrict(data);
  if (v < -17 || v > 15) throw new Errno(EINVAL);
  const adj = v === 15 ? 1000 : v === -17 ? -1000 : Math.trunc(v * 1000 / 17);
  writeOomScoreAdj(p, String(adj), writer, true);
}

/** loginuid/sessionid: unset ((uid_t)-1, no newline); setting it needs CAP_AUDIT_CONTROL. */
export const AUDIT_UNSET = '4294967295';
export function writeLoginuid(): void { throw new Errno(EPERM); }

/** uid_map and gid_map of the initial user namespace: everything maps to itself. */
export const IDENTITY_MAP = `${'0'.padStart(10)} ${'0'.padStart(10)} ${'4294967295'.padStart(10)}\n`;
/** Maps of a namespace can be written once, by its creator: never for the initial one. */
export function writeIdMap(): void { throw new Errno(EPERM); }
