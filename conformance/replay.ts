// `lxconform replay`: run a trace's program under lxbrand's kernel in this process, with the same
// argv, environment, working directory and standard input as the native recording, collecting
// trace records from the kernel's own trace hook (guest.ts), then grade them (compare.ts).

import { existsSync, readFileSync } from 'node:fs';
import { Kernel } from '../kernel/kernel.js';
import { ExecError } from '../kernel/exec.js';
import { HostFile } from '../kernel/file.js';
import { O_LARGEFILE, O_RDONLY, O_WRONLY } from '../kernel/linux.js';
import type { ExitInfo, Process } from '../kernel/process.js';
import { nodeHost } from '../host/node.js';
import { gradeRecords, uncomparedSignals, type Graded } from './compare.js';
import type { ExitRecord, SignalRecord, Trace, TraceRecord } from './format.js';
import { GuestRecorder } from './guest.js';
import { sha256 } from './values.js';
import { buildIo, buildWorkDir, cleanWork, withLock } from './workdir.js';

export interface ReplayRun {
  records: TraceRecord[];
  stdout: Buffer;
  stderr: Buffer;
  exit: ExitInfo | null;
  /** Why the program could not be started (exec error), or the replay was abandoned. */
  error?: string;
  /** Why the trace no longer applies (the executable or an input changed). */
  stale?: string;
  /** Kernel diagnostics (unimplemented-call reports). */
  log: string[];
  ms: number;
}

export interface ReplayOptions {
  timeoutMs?: number;
  /** Leave the working directory in place afterwards (debugging). */
  keep?: boolean;
}

/** Runs the trace's program under the emulator and returns what it did. */
export function runGuest(trace: Trace, opts: ReplayOptions = {}): Promise<ReplayRun> {
  return withLock(trace.header.id, () => runGuestLocked(trace, opts));
}

async function runGuestLocked(trace: Trace, opts: ReplayOptions): Promise<ReplayRun> {
  const h = trace.header;
  const t0 = Date.now();
  const log: string[] = [];
  const empty = { records: [], stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exit: null, log, ms: 0 };
  if (h.setup) {
    const problems = buildWorkDir(h.id, h.setup, true);
    if (problems.length) return { ...empty, stale: problems.join('; ') };
  } else if (!existsSync(h.cwd)) {
    return { ...empty, error: `working directory ${h.cwd} does not exist` };
  }
  try {
    if (h.exeSha256 && sha256(readFileSync(h.program)) !== h.exeSha256) {
      return { ...empty, stale: `${h.program} is not the executable the trace was recorded with (re-record: make record-traces)` };
    }
  } catch (e) {
    return { ...empty, stale: `${h.program}: ${(e as Error).message}` };
  }
  const changed: string[] = [];
  for (const [path, sha] of Object.entries(h.hostFiles ?? {})) {
    let now = '';
    try { now = sha256(readFileSync(path)); } catch { now = 'missing'; }
    if (now !== sha) changed.push(path);
  }
  if (changed.length) {
    return { ...empty, stale: `${changed.length} files of this machine differ from the recording (${changed.slice(0, 2).join(', ')}${changed.length > 2 ? ', ...' : ''}): re-record with make record-traces` };
  }
  const io = buildIo(h.id, h.cwd, h.stdin);
  const host = nodeHost();
  const kernel = new Kernel({
    host, release: h.uname.release, version: h.uname.version, hostname: h.uname.nodename,
    uid: h.recorded.uid, gid: h.recorded.gid, verbose: true, log: (l) => log.push(l),
  });
  const rec = new GuestRecorder(kernel);
  kernel.hooks.push(rec);
  const openHost = (path: string, flags: number, hostFlags: number): HostFile => {
    const handle = host.fs.open(path, hostFlags, 0o644);
    return new HostFile(host, handle, flags | O_LARGEFILE, path, path, { kind: 'file' });
  };
  const stdio = [
    openHost(io.stdin, O_RDONLY, O_RDONLY),
    openHost(io.stdout, O_WRONLY, O_WRONLY),
    openHost(io.stderr, O_WRONLY, O_WRONLY),
  ];
  let proc: Process;
  try {
    proc = kernel.spawn({ path: h.program, argv: h.argv, envp: h.env, cwd: h.cwd, stdio });
  } catch (e) {
    for (const f of stdio) f.unref();
    const msg = e instanceof ExecError ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return { ...empty, error: `cannot start ${h.program}: ${msg}`, ms: Date.now() - t0 };
  }
  const timeoutMs = opts.timeoutMs ?? 120_000;
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; proc.killBy(9, { internal: `timed out after ${timeoutMs} ms` }); }, timeoutMs);
  let exit: ExitInfo;
  try {
    exit = await kernel.run(proc);
  } catch (e) {
    // an emulator bug that escaped the kernel: report it as this program's failure
    if (!opts.keep) cleanWork(h.id);
    return { ...empty, records: [...rec.records], error: `kernel.run threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, ms: Date.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
  const records: TraceRecord[] = [...rec.records];
  const tid = proc.pid;
  let seq = records.length;
  if (exit.signal !== undefined && exit.fault) {
    const s: SignalRecord = { type: 'signal', seq: seq++, tid, sig: exit.signal, name: `signal ${exit.signal}` };
    const f = exit.fault.signal;
    s.info = { si_signo: f.signo, si_code: f.code, si_addr: f.addr ? '0x' + f.addr.toString(16) : null };
    records.push(s);
  }
  const ex: ExitRecord = { type: 'exit', seq: seq++, tid };
  if (exit.signal !== undefined) { ex.sig = exit.signal; ex.core = !!(exit.status & 0x80); } else ex.code = exit.code;
  records.push(ex);
  const stdout = readFileSync(io.stdout);
  const stderr = readFileSync(io.stderr);
  if (!opts.keep) cleanWork(h.id);
  const run: ReplayRun = { records, stdout, stderr, exit, log, ms: Date.now() - t0 };
  if (timedOut) run.error = `timed out after ${timeoutMs} ms`;
  else if (exit.internal) run.error = exit.internal;
  return run;
}

export interface OutputDiff { what: 'stdout' | 'stderr' | 'status'; native: string; lxrun: string }

function firstLineDiff(a: Buffer, b: Buffer): { native: string; lxrun: string } {
  const la = a.toString('latin1').split('\n'), lb = b.toString('latin1').split('\n');
  let i = 0;
  while (i < la.length && i < lb.length && la[i] === lb[i]) i++;
  const clip = (s: string | undefined) => (s === undefined ? '<end>' : JSON.stringify(s.length > 200 ? s.slice(0, 200) + '…' : s));
  return { native: `line ${i + 1}: ${clip(la[i])}`, lxrun: `line ${i + 1}: ${clip(lb[i])}` };
}

export function statusText(s: { code: number } | { signal: number; core: boolean }): string {
  return 'signal' in s ? `killed by signal ${s.signal}${s.core ? ' (core dumped)' : ''}` : `exit ${s.code}`;
}

/** Compares stdout, stderr and exit status. */
export function outputDiffs(trace: Trace, run: ReplayRun): OutputDiff[] {
  const out: OutputDiff[] = [];
  const r = trace.result;
  for (const what of ['stdout', 'stderr'] as const) {
    const o = r[what];
    if (o.varies) continue;
    const got = run[what];
    if (sha256(got) === o.sha256) continue;
    if (o.b64 !== undefined) {
      const d = firstLineDiff(Buffer.from(o.b64, 'base64'), got);
      out.push({ what, native: d.native, lxrun: d.lxrun });
    } else out.push({ what, native: `${o.len} bytes sha256 ${o.sha256.slice(0, 16)}`, lxrun: `${got.length} bytes sha256 ${sha256(got).slice(0, 16)}` });
  }
  if (run.exit) {
    const got = run.exit.signal !== undefined ? { signal: run.exit.signal, core: !!(run.exit.status & 0x80) } : { code: run.exit.code };
    if (statusText(got) !== statusText(r.status)) out.push({ what: 'status', native: statusText(r.status), lxrun: statusText(got) });
  }
  return out;
}

export interface Replayed { trace: Trace; run: ReplayRun; graded: Graded[]; outputs: OutputDiff[]; signalsUncompared: number }

export async function replay(trace: Trace, opts: ReplayOptions = {}): Promise<Replayed> {
  const run = await runGuest(trace, opts);
  const graded = run.stale || (run.error && !run.exit) ? [] : gradeRecords(trace.records, run.records, { signals: false });
  const outputs = run.stale || !run.exit ? [] : outputDiffs(trace, run);
  return { trace, run, graded, outputs, signalsUncompared: uncomparedSignals(trace.records) };
}
