// `lxconform record`: run a program natively under strace (randomization off, like lxrun's default
// layout), convert the output to the trace format, repeat, and mark every field that differed
// between the native runs (pids, times, random bytes, ...) so that a replay never compares it.

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { align } from './align.js';
import { FORMAT, type CallRecord, type OutputRecord, type ResultRecord, type SetupSpec, type StdinSpec, type Trace, type TraceHeader, type TraceRecord } from './format.js';
import { elfAbi, type Abi } from './abi.js';
import { fromStrace } from './native.js';
import { parseStrace } from './strace-parse.js';
import { isObj, latin1, sha256, shape, type Value } from './values.js';
import { buildIo, buildWorkDir, cleanWork, withLock } from './workdir.js';

// -n: each call's number in the caller's ABI; `-e quiet=attach` instead of -q keeps strace's
// personality-change lines ("[ Process PID=N runs in 32 bit mode. ]"), which it writes into the
// trace file: an i386 program, or a 64-bit shell's child that execs one, changes ABI there.
export const STRACE_ARGS = ['-f', '-n', '-e', 'quiet=attach', '-X', 'raw', '-v', '-s', '65536', '-ttt'];

export interface RecordSpec {
  id: string;
  /** Absolute path of the program. */
  program: string;
  /** argv including argv[0] (the program path). */
  argv: string[];
  /** K=V strings. */
  env: string[];
  cwd: string;
  stdin: StdinSpec | null;
  setup?: SetupSpec;
  runs?: number;
  timeoutMs?: number;
  note?: string;
}

interface NativeRun {
  /** The program's ELF class, read once the working directory holds it. */
  abi: Abi;
  records: TraceRecord[];
  stdout: Buffer;
  stderr: Buffer;
  status: ResultRecord['status'];
}

export function straceVersion(): string {
  const r = spawnSync('strace', ['-V'], { encoding: 'utf8' });
  const m = /version (\S+)/.exec(r.stdout ?? '');
  return m ? m[1] : 'unknown';
}

function runOnce(spec: RecordSpec): NativeRun {
  if (spec.setup) {
    const problems = buildWorkDir(spec.id, spec.setup);
    if (problems.length) throw new Error(`${spec.id}: ${problems.join('; ')}`);
  }
  const io = buildIo(spec.id, spec.cwd, spec.stdin);
  const tmp = mkdtempSync(join(os.tmpdir(), 'lxconform-strace-'));
  const traceFile = join(tmp, 'trace');
  const fds = [openSync(io.stdin, 'r'), openSync(io.stdout, 'w'), openSync(io.stderr, 'w')];
  try {
    const env: Record<string, string> = {};
    for (const kv of spec.env) { const i = kv.indexOf('='); env[kv.slice(0, i)] = kv.slice(i + 1); }
    const r = spawnSync('setarch', ['-R', 'strace', ...STRACE_ARGS, '-o', traceFile, '--', spec.program, ...spec.argv.slice(1)], {
      cwd: spec.cwd, env, stdio: fds, timeout: spec.timeoutMs ?? 120_000,
    });
    if (r.error) throw new Error(`${spec.id}: cannot run strace: ${r.error.message}`);
    if (!existsSync(traceFile)) throw new Error(`${spec.id}: strace wrote no trace (is strace installed? ptrace allowed?)`);
    const abi = elfAbi(spec.program) ?? 'x86_64';
    const records = fromStrace(parseStrace(readFileSync(traceFile, 'latin1')), { abi });
    const stdout = readFileSync(io.stdout);
    // strace's own complaints share the program's stderr; they start with "strace: "
    const stderr = Buffer.from(readFileSync(io.stderr, 'latin1').split('\n').filter((l) => !l.startsWith('strace: ')).join('\n'), 'latin1');
    const mainTid = records.length ? records[0].tid : 0;
    const ex = records.find((x) => x.type === 'exit' && x.tid === mainTid) ?? records.find((x) => x.type === 'exit');
    let status: ResultRecord['status'] = { code: r.status ?? 0 };
    if (ex && ex.type === 'exit') status = ex.sig ? { signal: ex.sig, core: !!ex.core } : { code: ex.code ?? 0 };
    return { abi, records, stdout, stderr, status };
  } finally {
    for (const fd of fds) closeSync(fd);
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Paths at which two values differ (a whole subtree when the shapes differ). */
export function diffPaths(a: Value | undefined, b: Value | undefined, path: string, out: string[]): void {
  if (a === b) return;
  const sa = shape(a), sb = shape(b);
  if (sa !== sb) { out.push(path); return; }
  if (sa === 'obj' && isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) diffPaths(a[k], b[k], `${path}/${k}`, out);
    return;
  }
  if (sa === 'arr' && Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) { out.push(path); return; }
    a.forEach((x, i) => diffPaths(x, b[i], `${path}/${i}`, out));
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path);
}

/** Differences between two records of the same call, as trace paths ("ret", "args/1/st_atime"). */
export function recordDiffs(a: TraceRecord, b: TraceRecord): string[] {
  const out: string[] = [];
  if (a.type === 'call' && b.type === 'call') {
    const ra = a.err ?? a.ret, rb = b.err ?? b.ret;
    if (JSON.stringify(ra) !== JSON.stringify(rb)) out.push('ret');
    const n = Math.max(a.args.length, b.args.length);
    for (let i = 0; i < n; i++) diffPaths(a.args[i]?.v, b.args[i]?.v, `args/${i}`, out);
  } else if (a.type === 'signal' && b.type === 'signal') {
    diffPaths(a.info, b.info, 'info', out);
  }
  return out;
}

export function alignKey(r: TraceRecord): string {
  // a call is the same call only in the same ABI (read is 0 on x86-64 and 3 on i386)
  if (r.type === 'call') return r.abi === 'i386' ? `i386:${r.name}` : r.name;
  if (r.type === 'signal') return `--- ${r.sig}`;
  return '+++';
}

const CREATORS = new Set(['clone', 'clone3', 'fork', 'vfork']);

/** Records grouped per thread, in creation order: a thread, then the threads and processes it
 *  created in the order its clone/fork/vfork/clone3 calls returned them (each followed by its own),
 *  then the next; threads no call in the records created (the first) in order of first appearance.
 *  Concurrent children (a shell's pipeline) come in another order in every run: the order of the
 *  calls that created them does not change. */
export function byThread<T extends TraceRecord>(records: T[]): T[][] {
  const groups = new Map<number, T[]>();
  for (const r of records) {
    let g = groups.get(r.tid);
    if (!g) { g = []; groups.set(r.tid, g); }
    g.push(r);
  }
  const children = new Map<number, number[]>();
  const created = new Set<number>();
  for (const [tid, g] of groups) {
    for (const r of g) {
      if (r.type !== 'call' || !CREATORS.has(r.name) || r.err || typeof r.ret !== 'number') continue;
      const child = r.ret;
      if (child === tid || !groups.has(child) || created.has(child)) continue;
      created.add(child);
      const l = children.get(tid) ?? [];
      l.push(child);
      children.set(tid, l);
    }
  }
  const out: T[][] = [];
  const done = new Set<number>();
  const visit = (root: number) => {
    const stack = [root];
    while (stack.length) {
      const tid = stack.pop()!;
      if (done.has(tid)) continue;
      done.add(tid);
      out.push(groups.get(tid)!);
      stack.push(...(children.get(tid) ?? []).slice().reverse());
    }
  };
  for (const tid of groups.keys()) if (!created.has(tid)) visit(tid);
  for (const tid of groups.keys()) visit(tid);
  return out;
}

/** Records that come whenever a signal arrives: the delivery and the handler's sigreturn. Where
 *  they fall among a thread's other calls changes from run to run (a child's SIGCHLD). */
export function isAsync(r: TraceRecord): boolean {
  return r.type === 'signal' || (r.type === 'call' && (r.name === 'sigreturn' || r.name === 'rt_sigreturn'));
}

/** Merges several native runs: run 0 is the base; differing fields get `vary`, unmatched calls `optional`. */
export function mergeRuns(runs: TraceRecord[][]): TraceRecord[] {
  const base = runs[0].map((r) => ({ ...r }) as TraceRecord);
  const baseThreads = byThread(base);
  const inserts = new Map<TraceRecord, TraceRecord[]>();   // optional records to insert after a base record
  const leading: TraceRecord[] = [];
  for (const other of runs.slice(1)) {
    const otherThreads = byThread(other);
    baseThreads.forEach((bt, ti) => {
      const ot = otherThreads[ti] ?? [];
      // the thread's own calls first, then the signal deliveries and sigreturns apart: where a
      // signal arrives among the calls differs between runs and would misalign the calls
      for (const async of [false, true]) {
        const bs = bt.filter((r) => isAsync(r) === async), os = ot.filter((r) => isAsync(r) === async);
        const ops = align(bs.map(alignKey), os.map(alignKey));
        let last: TraceRecord | null = async ? bt[0] ?? null : null;
        for (const op of ops) {
          if (op.op === 'match') {
            const b = bs[op.a];
            const d = recordDiffs(b, os[op.b]);
            if (d.length && b.type !== 'exit') {
              const set = new Set([...(b.vary ?? []), ...d]);
              b.vary = [...set].sort();
            }
            last = b;
          } else if (op.op === 'del') {
            const b = bs[op.a];
            if (b.type !== 'exit') b.optional = true;
            last = b;
          } else {
            const extra = { ...os[op.b], tid: bt[0]?.tid ?? os[op.b].tid, optional: true } as TraceRecord;
            if (extra.type === 'exit') continue;
            if (last) { const l = inserts.get(last) ?? []; l.push(extra); inserts.set(last, l); } else leading.push(extra);
          }
        }
      }
    });
  }
  const out: TraceRecord[] = [...leading];
  for (const r of base) { out.push(r); for (const x of inserts.get(r) ?? []) out.push(x); }
  out.forEach((r, i) => { r.seq = i; });
  return out;
}

/** Regular files outside the working directory that the program opened successfully. */
function hostFiles(records: TraceRecord[], spec: RecordSpec): Record<string, string> {
  const out: Record<string, string> = {};
  const base = dirname(spec.cwd);
  for (const r of records) {
    if (r.type !== 'call' || r.err || (r.name !== 'openat' && r.name !== 'open' && r.name !== 'execve')) continue;
    const p = r.args[r.name === 'openat' ? 1 : 0]?.v;
    if (!isObj(p) || !('$s' in p)) continue;
    const path = String(p.$s);
    if (!path.startsWith('/') || path.startsWith(base + '/') || /^\/(proc|sys|dev|tmp)\//.test(path) || path in out) continue;
    try {
      if (!statSync(path).isFile()) continue;
      out[path] = sha256(readFileSync(path));
    } catch { /* gone or unreadable */ }
  }
  return out;
}

function output(runs: Buffer[]): OutputRecord {
  const b = runs[0];
  const o: OutputRecord = { len: b.length, sha256: sha256(b) };
  if (b.length <= 256 * 1024) o.b64 = b.toString('base64');
  if (runs.some((x) => !x.equals(b))) o.varies = true;
  return o;
}

/** Records a program natively `runs` times (at least 3 by default) and returns the merged trace. */
export function record(spec: RecordSpec): Promise<Trace> {
  return withLock(spec.id, () => recordLocked(spec));
}

function recordLocked(spec: RecordSpec): Trace {
  const n = Math.max(1, spec.runs ?? 3);
  const runs: NativeRun[] = [];
  try {
    for (let i = 0; i < n; i++) runs.push(runOnce(spec));
  } finally {
    cleanWork(spec.id);
  }
  const records = mergeRuns(runs.map((r) => r.records));
  const statuses = new Set(runs.map((r) => JSON.stringify(r.status)));
  if (statuses.size > 1) throw new Error(`${spec.id}: the exit status differs between native runs: ${[...statuses].join(' ')}`);
  let exeSha: string | undefined;
  try { exeSha = sha256(readFileSync(spec.program)); } catch { exeSha = undefined; }
  const header: TraceHeader = {
    type: 'header', format: FORMAT, id: spec.id, abi: runs[0].abi, program: spec.program,
    argv: spec.argv.map((a) => latin1(Buffer.from(a, 'utf8'))), env: spec.env.map((a) => latin1(Buffer.from(a, 'utf8'))),
    cwd: spec.cwd, stdin: spec.stdin, exeSha256: exeSha,
    uname: { sysname: 'Linux', nodename: os.hostname(), release: os.release(), version: os.version(), machine: os.machine() },
    recorded: {
      runs: n, strace: straceVersion(), command: `setarch -R strace ${STRACE_ARGS.join(' ')}`, date: new Date().toISOString().slice(0, 10),
      uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0,
    },
  };
  const files = hostFiles(records, spec);
  if (Object.keys(files).length) header.hostFiles = files;
  if (spec.setup) header.setup = spec.setup;
  if (spec.note) header.note = spec.note;
  const result: ResultRecord = {
    type: 'result', status: runs[0].status,
    stdout: output(runs.map((r) => r.stdout)), stderr: output(runs.map((r) => r.stderr)),
  };
  return { header, records: records as TraceRecord[], result };
}

export type { CallRecord };
