// Grading: align the native and the lxrun records per thread and grade each call
//   exact        equal (fields that varied between native recordings excepted)
//   equivalent   equal after normalisation: addresses → mapping+offset, pids/tids renamed by first
//                appearance, inode numbers, devices and times masked, directory listings as sets
//   errno        one side failed, or both failed with different errnos
//   value        same success/failure, some argument or out-parameter or return value differs
//   missing      native made the call, lxrun did not
//   extra        lxrun made a call native did not
//   unimplemented lxrun answered ENOSYS from a table entry marked unimplemented
// Arguments one side decoded and the other could not (a structure strace shows where the lxrun
// decoder only has the pointer, or the reverse) are not compared; they are counted as "uncompared".

import { align } from './align.js';
import type { CallRecord, TraceRecord } from './format.js';
import { alignKey, byThread, isAsync } from './record.js';
import { PTR_FIELDS, baseKind, isAddressKind, returnsAddress } from './kinds.js';
import { asBig, isObj, render, shape, type Value } from './values.js';

export type Grade = 'exact' | 'equivalent' | 'errno' | 'value' | 'missing' | 'extra' | 'unimplemented';
export const GRADES: Grade[] = ['exact', 'equivalent', 'errno', 'value', 'missing', 'extra', 'unimplemented'];

export interface Graded {
  grade: Grade;
  /** Call name, `--- SIGSEGV` or `+++ exit`. */
  name: string;
  native?: TraceRecord;
  guest?: TraceRecord;
  /** Where the two differ ("ret", "args/1/st_size"), for non-passing grades. */
  where?: string[];
  uncompared?: number;
  /** Skiplist reason, when the divergence is a known one. */
  known?: string;
}

// ---- normalisation ---------------------------------------------------------------------------------

const STACK_LO = 0x7ff000000000n, STACK_HI = 0x7ffffffff000n;
// an i386 process's stack ends at 0xffffe000 under a 64-bit kernel (STACK_TOP of a compat task)
const STACK32_LO = 0xff000000n, STACK32_HI = 0xffffe000n;
const PAGE = 4096n;
const MAP_ANONYMOUS = 0x20n;

interface Region { start: bigint; end: bigint; label: string }

const PID_RETURNS = new Set(['getpid', 'gettid', 'getppid', 'set_tid_address', 'getpgrp', 'getpgid', 'getsid', 'setsid',
  'clone', 'clone3', 'fork', 'vfork', 'wait4', 'waitid', 'waitpid']);
const TIME_RETURNS = new Set(['time', 'times']);
// sigreturn "returns" the interrupted code's EAX/RAX: what it holds depends on where the signal came
const MASKED_RETURNS = new Set(['sigreturn', 'rt_sigreturn']);
const TIME_OUT_CALLS = new Set(['clock_gettime', 'gettimeofday', 'nanosleep', 'clock_nanosleep', 'times', 'getrusage', 'sysinfo', 'clock_getres',
  'clock_gettime64', 'clock_nanosleep_time64', 'clock_getres_time64']);
const MASKED_FIELDS = new Set(['st_ino', 'st_dev', 'st_atime', 'st_atime_nsec', 'st_mtime', 'st_mtime_nsec', 'st_ctime', 'st_ctime_nsec',
  'stx_ino', 'stx_atime', 'stx_btime', 'stx_ctime', 'stx_mtime', 'stx_dev_major', 'stx_dev_minor', 'stx_mnt_id', 'd_ino', 'd_off']);
const MASK = '*';
const DIR_STATE_FIELDS = new Set(['st_nlink', 'st_size', 'st_blocks', 'stx_nlink', 'stx_size', 'stx_blocks']);
const S_IFMT = 0o170000, S_IFDIR = 0o040000;
function isDirMode(m: Value | undefined): boolean {
  return typeof m === 'number' && (m & S_IFMT) === S_IFDIR;
}

/** Normalises one side's records in order (regions and pids are learnt as the calls go by). */
export class Normalizer {
  private regions: Region[] = [];
  private fds = new Map<number, string>();
  private anon = 0;
  private brkBase: bigint | null = null;
  private brkEnd = 0n;
  private pids = new Map<string, string>();
  private abi: CallRecord['abi'] = 'x86_64';

  pid(v: Value): Value {
    const b = asBig(v);
    if (b === undefined || b <= 0n) return v;
    const key = b.toString();
    let l = this.pids.get(key);
    if (!l) { l = `pid#${this.pids.size + 1}`; this.pids.set(key, l); }
    return l;
  }

  addr(v: Value, _strict: boolean): Value {
    const a = asBig(v);
    if (a === undefined || a === 0n) return v;
    for (let i = this.regions.length - 1; i >= 0; i--) {
      const r = this.regions[i];
      if (a >= r.start && a < r.end) return `${r.label}+0x${(a - r.start).toString(16)}`;
    }
    if (this.brkBase !== null && a >= this.brkBase && a <= this.brkEnd) return `brk+0x${(a - this.brkBase).toString(16)}`;
    if (this.abi === 'i386' ? a >= STACK32_LO && a < STACK32_HI : a >= STACK_LO && a < STACK_HI) return 'stack';
    return v;
  }

  private fields(v: Value): Value {
    if (Array.isArray(v)) return v.map((x) => this.fields(x));
    if (!isObj(v) || '$s' in v || '$buf' in v || '$raw' in v) return v;
    const o: Record<string, Value> = {};
    // A directory's link count and size follow how many entries it has: host state that changes
    // between the recording and the replay (a new directory under / changes st_nlink of "/").
    const dir = isDirMode(v.st_mode) || isDirMode(v.stx_mode);
    for (const [k, x] of Object.entries(v)) {
      if (MASKED_FIELDS.has(k) || (dir && DIR_STATE_FIELDS.has(k))) o[k] = MASK;
      else if (PTR_FIELDS.has(k) && !isObj(x)) o[k] = this.addr(x, true);
      else o[k] = this.fields(x);
    }
    return o;
  }

  /** Learns the regions and files a call creates. */
  private learn(r: CallRecord): void {
    const a = r.args.map((x) => asBig(x.v as Value));
    const ret = r.err ? undefined : asBig(r.ret as Value);
    switch (r.name) {
      case 'open': case 'openat': case 'creat':
        if (ret !== undefined && ret >= 0n) {
          const p = r.args[r.name === 'openat' ? 1 : 0]?.v;
          this.fds.set(Number(ret), isObj(p) && '$s' in p ? String(p.$s) : '?');
        }
        break;
      case 'close': if (a[0] !== undefined) this.fds.delete(Number(a[0])); break;
      case 'mmap': case 'mmap2': {
        if (ret === undefined || a[1] === undefined) break;
        const len = ((a[1] + PAGE - 1n) / PAGE) * PAGE;
        const flags = a[3] ?? 0n, fd = a[4] ?? -1n;
        const label = (flags & MAP_ANONYMOUS) || fd < 0n ? `anon#${++this.anon}` : `map(${this.fds.get(Number(fd)) ?? 'fd' + fd}@0x${(a[5] ?? 0n).toString(16)})`;
        this.regions.push({ start: ret, end: ret + len, label });
        break;
      }
      case 'mremap': {
        if (ret === undefined || a[0] === undefined || a[2] === undefined) break;
        const old = this.addr(r.args[0].v as Value, true);
        const label = typeof old === 'string' && old.includes('+') ? `remap(${old})` : `remap#${++this.anon}`;
        this.regions.push({ start: ret, end: ret + ((a[2] + PAGE - 1n) / PAGE) * PAGE, label });
        break;
      }
      case 'brk':
        if (ret === undefined) break;
        if (this.brkBase === null) this.brkBase = ret;
        if (ret > this.brkEnd) this.brkEnd = ret;
        break;
    }
  }

  /** A normalised copy of a record. */
  record(r: TraceRecord): TraceRecord {
    if (r.type !== 'call') {
      if (r.type === 'signal' && r.info !== undefined) {
        const info = isObj(r.info) ? { ...r.info } : r.info;
        if (isObj(info)) { if ('si_pid' in info) info.si_pid = this.pid(info.si_pid); if ('si_uid' in info) info.si_uid = MASK; if ('si_addr' in info) info.si_addr = this.addr(info.si_addr, true); }
        return { ...r, info };
      }
      return r;
    }
    this.abi = r.abi ?? 'x86_64';
    const out: CallRecord = { ...r, args: r.args.map((x) => ({ ...x })) };
    const time = TIME_OUT_CALLS.has(r.name);
    out.args.forEach((x) => {
      const b = baseKind(x.k);
      if (b === 'pid') x.v = this.pid(x.v);
      else if (isAddressKind(x.k)) x.v = this.addr(x.v, b !== 'x');
      else if (b === 'dirents' && Array.isArray(x.v)) {
        x.v = x.v.map((e) => (isObj(e) ? `${render(e.d_name)}/${render(e.d_type)}` : render(e))).sort();
      } else if (time && (b === 'ts_out' || b === 'tv_out' || b === 'sysinfo' || b === 'tms' || b === 'ptr')) x.v = MASK;
      else if (typeof x.v === 'string' && x.v.startsWith('0x')) x.v = this.addr(x.v, true);   // memory shown as its address
      else x.v = this.fields(x.v);
    });
    // arguments are seen with the regions as they were before the call, the result after it
    this.learn(r);
    if (!r.err && r.ret !== undefined) {
      if (returnsAddress(r.name)) out.ret = this.addr(r.ret, true);
      else if (PID_RETURNS.has(r.name)) out.ret = this.pid(r.ret);
      else if (TIME_RETURNS.has(r.name) || MASKED_RETURNS.has(r.name)) out.ret = MASK;
    }
    return out;
  }

  /** Seeds the pid map with the thread ids in order of first appearance. */
  seed(records: TraceRecord[]): void {
    for (const t of byThread(records)) this.pid(t[0].tid);
  }
}

// ---- comparison ------------------------------------------------------------------------------------

function masked(path: string, vary: string[] | undefined): boolean {
  if (!vary) return false;
  return vary.some((p) => path === p || path.startsWith(p + '/'));
}

interface Cmp { diffs: string[]; uncompared: number }

function cmpValue(a: Value | undefined, b: Value | undefined, path: string, vary: string[] | undefined, c: Cmp): void {
  if (masked(path, vary)) return;
  if (a === MASK || b === MASK) return;
  const sa = shape(a), sb = shape(b);
  if (sa === 'raw' || sb === 'raw' || sa === 'none' || sb === 'none') { if (JSON.stringify(a) !== JSON.stringify(b)) c.uncompared++; return; }
  if (sa !== sb) {
    // one side decoded memory the other side shows only as a pointer: not comparable
    const ptrA = sa === 'int' && a !== null, ptrB = sb === 'int' && b !== null;
    if (ptrA !== ptrB && (ptrA || ptrB)) { c.uncompared++; return; }
    c.diffs.push(path);
    return;
  }
  if (sa === 'obj' && isObj(a) && isObj(b)) {
    for (const k of Object.keys(a)) if (k in b) cmpValue(a[k], b[k], `${path}/${k}`, vary, c);
    return;
  }
  if (sa === 'arr' && Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) { c.diffs.push(path); return; }
    a.forEach((x, i) => cmpValue(x, b[i], `${path}/${i}`, vary, c));
    return;
  }
  if (sa === 'buf' && isObj(a) && isObj(b)) {
    if (a.$buf !== b.$buf || a.sha !== b.sha || !!a.trunc !== !!b.trunc) c.diffs.push(path);
    return;
  }
  if (sa === 'str' && isObj(a) && isObj(b)) {
    if (a.$s !== b.$s || !!a.more !== !!b.more) c.diffs.push(path);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) c.diffs.push(path);
}

function cmpRecords(n: TraceRecord, g: TraceRecord): Cmp {
  const c: Cmp = { diffs: [], uncompared: 0 };
  const vary = 'vary' in n ? n.vary : undefined;
  if (n.type === 'call' && g.type === 'call') {
    if ((n.abi ?? 'x86_64') !== (g.abi ?? 'x86_64')) c.diffs.push('abi');
    const returned = n.ret !== undefined || n.err !== undefined;
    if (returned && !masked('ret', vary)) {
      if (n.err !== g.err) c.diffs.push('ret');
      else if (!n.err) cmpValue(n.ret, g.ret, 'ret', vary, c);
    }
    const k = Math.min(n.args.length, g.args.length);
    for (let i = 0; i < k; i++) {
      // a failed call's out-parameters are not compared (strace shows only the pointer)
      cmpValue(n.args[i].v, g.args[i].v, `args/${i}`, vary, c);
    }
  } else if (n.type === 'signal' && g.type === 'signal') {
    if (n.sig !== g.sig) c.diffs.push('sig');
    else cmpValue(n.info, g.info, 'info', vary, c);
  } else if (n.type === 'exit' && g.type === 'exit') {
    if (n.code !== g.code || n.sig !== g.sig) c.diffs.push('status');
  }
  return c;
}

function gradeName(r: TraceRecord): string {
  if (r.type === 'call') return r.name;
  if (r.type === 'signal') return `--- ${r.name}`;
  return '+++ exit';
}

/** A key that tells calls apart by their inputs: name, paths and strings, written data, integer
 *  arguments that are not addresses. Used to pair calls before falling back to names alone. */
export function fineKey(r: TraceRecord): string {
  if (r.type !== 'call') return alignKey(r);
  const parts = [alignKey(r)];
  for (const a of r.args) {
    const b = baseKind(a.k);
    const v = a.v;
    if (b === 'path' || b === 'str') parts.push(isObj(v) && '$s' in v ? String(v.$s) : '?');
    else if (b === 'ibuf') parts.push(isObj(v) && '$buf' in v ? String(v.sha) : '?');
    else if (b === 'fd' || b === 'dirfd' || b === 'int' || b === 'uint' || b === 'size' || b === 'oflags' || b === 'atflags' ||
      b === 'mode' || b === 'prot' || b === 'mapflags' || b === 'signo' || b === 'sighow' || b === 'whence' || b === 'off' ||
      b === 'fcntl' || b === 'ioctl' || b === 'arch' || b === 'acc' || b === 'clockid' || b === 'rlimres') parts.push(JSON.stringify(v));
    else if (b === 'named' && isObj(v) && 'flags' in v) parts.push(JSON.stringify(v.flags));
  }
  return parts.join('\u0001');
}

type Pair = { a: number | null; b: number | null; moved?: boolean };

/** Calls that may be paired out of order: those naming a file, and mmap (memory layout). */
function movable(r: TraceRecord): boolean {
  if (r.type !== 'call') return false;
  if (r.name === 'mmap' || r.name === 'mmap2') return true;
  return r.args.some((a) => { const b = baseKind(a.k); return b === 'path' || b === 'str'; });
}

const MOVE_WINDOW = 400;

/**
 * Pairs a native thread's records with lxrun's: first by fine keys (longest common subsequence);
 * then records left over on both sides with equal fine keys that come in a different order (a
 * directory read in another order makes the calls that follow it come in another order); then,
 * between those anchors, by name.
 */
export function pairThread(nat: TraceRecord[], gst: TraceRecord[]): Pair[] {
  // Signal deliveries and sigreturns come wherever the signal arrived (a child's SIGCHLD: anywhere
  // among the parent's calls, in another place on every run): they are paired among themselves, in
  // order, and the thread's own calls without them.
  const na = nat.map(isAsync), ga = gst.map(isAsync);
  if (!na.some(Boolean) && !ga.some(Boolean)) return pairSync(nat, gst);
  const ni = nat.map((_, i) => i).filter((i) => !na[i]), gi = gst.map((_, j) => j).filter((j) => !ga[j]);
  const sync = pairSync(ni.map((i) => nat[i]), gi.map((j) => gst[j]))
    .map((p) => ({ ...p, a: p.a === null ? null : ni[p.a], b: p.b === null ? null : gi[p.b] }));
  const ai = nat.map((_, i) => i).filter((i) => na[i]), aj = gst.map((_, j) => j).filter((j) => ga[j]);
  const asyncPairs: Pair[] = align(ai.map((i) => fineKey(nat[i])), aj.map((j) => fineKey(gst[j])))
    .map((o) => (o.op === 'match' ? { a: ai[o.a], b: aj[o.b] } : o.op === 'del' ? { a: ai[o.a], b: null } : { a: null, b: aj[o.b] }));
  // listed where they came on the native side (lxrun's extra ones where they came on lxrun's)
  const out: Pair[] = [];
  let k = 0;
  for (const p of sync) {
    while (k < asyncPairs.length && before(asyncPairs[k], p)) out.push(asyncPairs[k++]);
    out.push(p);
  }
  while (k < asyncPairs.length) out.push(asyncPairs[k++]);
  return out;
}

function before(x: Pair, p: Pair): boolean {
  if (x.a !== null && p.a !== null) return x.a < p.a;
  if (x.b !== null && p.b !== null) return x.b < p.b;
  return false;
}

function pairSync(nat: TraceRecord[], gst: TraceRecord[]): Pair[] {
  const fn = nat.map(fineKey), fg = gst.map(fineKey);
  const ops = align(fn, fg);
  // out-of-order pairs among everything the LCS left over
  const movedTo = new Map<number, number>();
  const movedB = new Set<number>();
  const freeB = new Map<string, number[]>();
  for (const o of ops) if (o.op === 'ins' && movable(gst[o.b])) { const l = freeB.get(fg[o.b]) ?? []; l.push(o.b); freeB.set(fg[o.b], l); }
  for (const o of ops) {
    if (o.op !== 'del' || !movable(nat[o.a])) continue;
    const l = freeB.get(fn[o.a]);
    if (!l) continue;
    const k = l.findIndex((j) => Math.abs(j - o.a) <= MOVE_WINDOW);
    if (k < 0) continue;
    const j = l.splice(k, 1)[0];
    movedTo.set(o.a, j);
    movedB.add(j);
  }
  const out: Pair[] = [];
  let gapA: number[] = [], gapB: number[] = [];
  const flush = () => {
    if (!gapA.length && !gapB.length) return;
    const ra = gapA.filter((i) => !movedTo.has(i)), rb = gapB.filter((j) => !movedB.has(j));
    const coarse = align(ra.map((i) => alignKey(nat[i])), rb.map((j) => alignKey(gst[j])));
    let k = 0;
    for (const i of gapA) {
      const j = movedTo.get(i);
      if (j !== undefined) { out.push({ a: i, b: j, moved: true }); continue; }
      while (k < coarse.length) {
        const o = coarse[k++];
        if (o.op === 'ins') { out.push({ a: null, b: rb[o.b] }); continue; }
        if (o.op === 'match') out.push({ a: ra[o.a], b: rb[o.b] });
        else out.push({ a: ra[o.a], b: null });
        break;
      }
    }
    while (k < coarse.length) {
      const o = coarse[k++];
      if (o.op === 'ins') out.push({ a: null, b: rb[o.b] });
    }
    gapA = []; gapB = [];
  };
  for (const o of ops) {
    if (o.op === 'match') { flush(); out.push({ a: o.a, b: o.b }); }
    else if (o.op === 'del') gapA.push(o.a);
    else gapB.push(o.b);
  }
  flush();
  return out;
}

/** Grades one native thread against one lxrun thread. */
function gradeThread(nat: TraceRecord[], gst: TraceRecord[], nn: Normalizer, gn: Normalizer, out: Graded[]): void {
  const pairs = pairThread(nat, gst);
  // normalisers must see each side's records in order, matched or not
  const nNorm = new Map<TraceRecord, TraceRecord>();
  const gNorm = new Map<TraceRecord, TraceRecord>();
  for (const r of nat) nNorm.set(r, nn.record(r));
  for (const r of gst) gNorm.set(r, gn.record(r));
  for (const p of pairs) {
    if (p.b === null) {
      const r = nat[p.a!];
      if ('optional' in r && r.optional) continue;
      out.push({ grade: 'missing', name: gradeName(r), native: r });
      continue;
    }
    if (p.a === null) {
      const r = gst[p.b];
      out.push({ grade: 'extra', name: gradeName(r), guest: r });
      continue;
    }
    const n = nat[p.a], g = gst[p.b];
    const name = gradeName(n);
    if (n.type === 'call' && g.type === 'call' && g.support === 'unimplemented' && g.err === 'ENOSYS' && n.err !== 'ENOSYS') {
      out.push({ grade: 'unimplemented', name, native: n, guest: g, where: ['ret'] });
      continue;
    }
    const exact = cmpRecords(n, g);
    if (exact.diffs.length === 0 && !p.moved) { out.push({ grade: 'exact', name, native: n, guest: g, uncompared: exact.uncompared || undefined }); continue; }
    const norm = cmpRecords(nNorm.get(n)!, gNorm.get(g)!);
    if (norm.diffs.length === 0) {
      out.push({ grade: 'equivalent', name, native: n, guest: g, uncompared: norm.uncompared || undefined, where: p.moved ? ['order'] : undefined });
      continue;
    }
    let grade: Grade = 'value';
    if (n.type === 'call' && g.type === 'call' && (n.err || g.err) && norm.diffs.includes('ret')) grade = 'errno';
    out.push({ grade, name, native: n, guest: g, where: norm.diffs, uncompared: norm.uncompared || undefined });
  }
}

export interface GradeOptions {
  /** The lxrun side reports signal deliveries (the kernel's trace hook has no such event yet). */
  signals?: boolean;
}

/** Native signal deliveries a replay cannot compare (see GradeOptions.signals). */
export function uncomparedSignals(native: TraceRecord[], opts: GradeOptions = {}): number {
  return opts.signals ? 0 : native.filter((r) => r.type === 'signal').length;
}

/** Grades a replay: native records (initial execve excluded) against lxrun's. Without signal
 *  events on the lxrun side, signal deliveries are left out on both sides (a fatal signal still
 *  shows in the exit record and the exit status). */
export function gradeRecords(native: TraceRecord[], guest: TraceRecord[], opts: GradeOptions = {}): Graded[] {
  let nat = native.filter((r) => !(r.type === 'call' && r.initial));
  // The lxrun side knows only how the first process ended (Kernel.run's ExitInfo): other threads'
  // and processes' exits are left out until the trace hook reports them.
  const mainTid = nat[0]?.tid;
  nat = nat.filter((r) => r.type !== 'exit' || r.tid === mainTid);
  if (!opts.signals) {
    nat = nat.filter((r) => r.type !== 'signal');
    guest = guest.filter((r) => r.type !== 'signal');
  }
  const nThreads = byThread(nat), gThreads = byThread(guest);
  const nn = new Normalizer(), gn = new Normalizer();
  nn.seed(nat); gn.seed(guest);
  const out: Graded[] = [];
  const n = Math.max(nThreads.length, gThreads.length);
  for (let i = 0; i < n; i++) gradeThread(nThreads[i] ?? [], gThreads[i] ?? [], nn, gn, out);
  return out;
}

// ---- rendering ---------------------------------------------------------------------------------------

/** A record in strace-like notation (for reports). */
export function renderRecord(r: TraceRecord | undefined, max = 60): string {
  if (!r) return '(nothing)';
  if (r.type === 'signal') return `--- ${r.name} ${render(r.info, max)} ---`;
  if (r.type === 'exit') return r.sig ? `+++ killed by signal ${r.sig} +++` : `+++ exited with ${r.code} +++`;
  const args = r.args.map((a) => render(a.v, max)).join(', ');
  const ret = r.err ? `-1 ${r.err}` : r.ret === undefined ? '?' : render(r.ret, max);
  return `${r.name}(${args}) = ${ret}`;
}
