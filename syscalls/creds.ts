// Changing credentials (kernel/sys.c, kernel/groups.c). A zone has no capability sets of its own:
// a process whose effective uid is 0 holds CAP_SETUID and CAP_SETGID, as root does on Linux,
// and loses them with the effective uid. The file-system ids follow the effective ones, except
// through setfsuid/setfsgid. Credentials belong to the process: glibc and musl apply set*id to
// every thread themselves (the setxid broadcast), which lands on the same values.

import { Errno, EINVAL, EPERM } from '../kernel/errno.js';
import type { Process, Task } from '../kernel/process.js';
import type { Handler } from './types.js';

const NGROUPS_MAX = 65536;

/** An id argument: -1 (0xffffffff) means "unchanged"; other values are 32-bit unsigned. */
function idArg(v: number): number { return (v >>> 0) === 0xffffffff ? -1 : v >>> 0; }

type Ids = { r: number; e: number; s: number; fs: number };
const uids = (p: Process): Ids => ({ r: p.uid, e: p.euid, s: p.suid, fs: p.fsuid });
const gids = (p: Process): Ids => ({ r: p.gid, e: p.egid, s: p.sgid, fs: p.fsgid });
function putUids(p: Process, v: Ids): void { p.uid = v.r; p.euid = v.e; p.suid = v.s; p.fsuid = v.fs; }
function putGids(p: Process, v: Ids): void { p.gid = v.r; p.egid = v.e; p.sgid = v.s; p.fsgid = v.fs; }

/** CAP_SETUID / CAP_SETGID: the effective uid is root. */
const capable = (t: Task): boolean => t.proc.euid === 0;

/** __sys_setuid / __sys_setgid. */
function setOne(t: Task, raw: number, get: (p: Process) => Ids, put: (p: Process, v: Ids) => void): number {
  const id = idArg(raw);
  if (id === -1) throw new Errno(EINVAL);
  const p = t.proc, o = get(p);
  if (capable(t)) put(p, { r: id, e: id, s: id, fs: id });
  else if (id === o.r || id === o.s) put(p, { ...o, e: id, fs: id });
  else throw new Errno(EPERM);
  return 0;
}

/** __sys_setreuid / __sys_setregid. */
function setRe(t: Task, rraw: number, eraw: number, get: (p: Process) => Ids, put: (p: Process, v: Ids) => void): number {
  const r = idArg(rraw), e = idArg(eraw);
  const p = t.proc, o = get(p), n = { ...o };
  const priv = capable(t);
  if (r !== -1) {
    if (!priv && r !== o.r && r !== o.e) throw new Errno(EPERM);
    n.r = r;
  }
  if (e !== -1) {
    if (!priv && e !== o.r && e !== o.e && e !== o.s) throw new Errno(EPERM);
    n.e = e;
  }
  if (r !== -1 || (e !== -1 && e !== o.r)) n.s = n.e;
  n.fs = n.e;
  put(p, n);
  return 0;
}

/** __sys_setresuid / __sys_setresgid. */
function setRes(t: Task, rraw: number, eraw: number, sraw: number, get: (p: Process) => Ids, put: (p: Process, v: Ids) => void): number {
  const r = idArg(rraw), e = idArg(eraw), s = idArg(sraw);
  const p = t.proc, o = get(p);
  if (!capable(t)) {
    const ok = (v: number) => v === -1 || v === o.r || v === o.e || v === o.s;
    if (!ok(r) || !ok(e) || !ok(s)) throw new Errno(EPERM);
  }
  const n = { r: r === -1 ? o.r : r, e: e === -1 ? o.e : e, s: s === -1 ? o.s : s, fs: 0 };
  n.fs = n.e;
  put(p, n);
  return 0;
}

/** __sys_setfsuid / __sys_setfsgid: returns the old value, changes it when allowed, never fails. */
function setFs(t: Task, raw: number, get: (p: Process) => Ids, put: (p: Process, v: Ids) => void): number {
  const p = t.proc, o = get(p);
  const id = idArg(raw);
  if (id !== -1 && (capable(t) || id === o.r || id === o.e || id === o.s || id === o.fs)) put(p, { ...o, fs: id });
  return o.fs;
}

const setgroups: Handler = (t, [size, list]) => {
  if (size < 0 || size > NGROUPS_MAX) throw new Errno(EINVAL);
  if (!capable(t)) throw new Errno(EPERM);
  const groups: number[] = [];
  for (let i = 0; i < size; i++) groups.push(t.mem.read32(list + 4 * i) >>> 0);
  t.proc.groups = groups.sort((a, b) => a - b);
  return 0;
};

export const credCalls: Record<string, Handler> = {
  setuid: (t, [u]) => setOne(t, u, uids, putUids),
  setgid: (t, [g]) => setOne(t, g, gids, putGids),
  setreuid: (t, [r, e]) => setRe(t, r, e, uids, putUids),
  setregid: (t, [r, e]) => setRe(t, r, e, gids, putGids),
  setresuid: (t, [r, e, s]) => setRes(t, r, e, s, uids, putUids),
  setresgid: (t, [r, e, s]) => setRes(t, r, e, s, gids, putGids),
  setfsuid: (t, [u]) => setFs(t, u, uids, putUids),
  setfsgid: (t, [g]) => setFs(t, g, gids, putGids),
  setgroups,
};
