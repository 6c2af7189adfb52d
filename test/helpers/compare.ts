// Differential testing: run a program natively and the same program under bin/lxrun with the same
// argv, environment, working directory and standard input, and compare what came out.
// The native run is the oracle; nothing is ever recorded from an lxrun run.
//
// Knobs (environment of the test process):
//   LXRUN            launcher to use instead of <repo>/bin/lxrun
//   LXRUN_FLAGS      extra options put before the program, split on spaces (e.g. "--trace")
//   LXTEST_TIMEOUT_SCALE  multiply every lxrun timeout (slow machine, debugging)
//   LXRUN_*          passed through to the launcher (not to native runs)

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is dist/test/helpers/compare.js once compiled). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const FIXTURE_BIN = join(ROOT, 'test', 'fixtures', 'bin');
export const LXRUN = process.env.LXRUN ? resolve(process.env.LXRUN) : join(ROOT, 'bin', 'lxrun');

export interface RunSpec {
  /** Absolute path of the program (argv[0] is this path, as a shell would pass it). */
  program: string;
  args?: string[];
  /** Added to the base environment (see baseEnv). */
  env?: Record<string, string>;
  cwd?: string;
  /** Bytes for standard input; standard input is an empty pipe otherwise. */
  stdin?: string | Buffer;
  /** Milliseconds before the process group is killed (default 60 s native; lxrun: see lxrunTimeoutMs). */
  timeoutMs?: number;
}

export interface RunResult {
  argv: string[];
  stdout: Buffer;
  stderr: Buffer;
  /** Exit status, or null when killed by a signal. */
  status: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Set when the process could not be started (ENOENT, EACCES...). */
  spawnError?: string;
  ms: number;
}

/** The environment both runs get: small and fixed, so outputs do not depend on the caller's. */
export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    // node's own directory first: bin/lxrun is a node script (#!/usr/bin/env node)
    PATH: [...new Set([dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/sbin', '/sbin'])].join(':'),
    HOME: '/root',
    LANG: 'C',
    LC_ALL: 'C',
    TZ: 'UTC',
    TERM: 'dumb',
    ...extra,
  };
}

const MAX_OUTPUT = 64 << 20;

/** Runs argv[0] with argv[1..]; never throws, never hangs past the timeout (the whole process group is killed). */
export function runCommand(argv: string[], opts: { env: Record<string, string>; cwd?: string; stdin?: string | Buffer; timeoutMs: number }): Promise<RunResult> {
  const t0 = Date.now();
  return new Promise((resolvePromise) => {
    const out: Buffer[] = [], err: Buffer[] = [];
    let outLen = 0, errLen = 0, timedOut = false, settled = false, spawnError: string | undefined;
    const child = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd ?? ROOT,
      env: opts.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // own process group, so a timeout also kills whatever it started
    });
    const killGroup = () => {
      try { if (child.pid) process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    };
    const timer = setTimeout(() => { timedOut = true; killGroup(); }, opts.timeoutMs);
    child.stdout.on('data', (b: Buffer) => { outLen += b.length; if (outLen <= MAX_OUTPUT) out.push(b); else killGroup(); });
    child.stderr.on('data', (b: Buffer) => { errLen += b.length; if (errLen <= MAX_OUTPUT) err.push(b); else killGroup(); });
    child.stdin.on('error', () => { /* the program need not read its input */ });
    child.stdin.end(opts.stdin ?? '');
    const finish = (status: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (status === null && signal === null && !spawnError) spawnError = 'no exit status';
      resolvePromise({
        argv, stdout: Buffer.concat(out), stderr: Buffer.concat(err), status, signal, timedOut, spawnError, ms: Date.now() - t0,
      });
    };
    child.on('error', (e: NodeJS.ErrnoException) => { spawnError = `${e.code ?? ''} ${e.message}`.trim(); finish(null, null); });
    child.on('close', (status, signal) => finish(status, signal));
  });
}

export function runNative(spec: RunSpec): Promise<RunResult> {
  return runCommand([spec.program, ...(spec.args ?? [])], {
    env: baseEnv(spec.env), cwd: spec.cwd, stdin: spec.stdin, timeoutMs: spec.timeoutMs ?? 60_000,
  });
}

// After two lxrun time-outs in one test file, later runs get a short time limit: a hanging
// emulator should fail the suite in minutes, not hours.
let lxrunTimeouts = 0;
const scale = Number(process.env.LXTEST_TIMEOUT_SCALE ?? '1') || 1;
export function lxrunTimeoutMs(requested: number): number {
  const ms = requested * scale;
  return lxrunTimeouts >= 2 ? Math.min(ms, 15_000 * scale) : ms;
}

export function lxrunCommand(program: string, args: string[] = []): string[] {
  const flags = (process.env.LXRUN_FLAGS ?? '').split(/\s+/).filter(Boolean);
  return [LXRUN, ...flags, program, ...args];
}

export async function runLxrun(spec: RunSpec): Promise<RunResult> {
  const passThrough: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('LXRUN_') && v !== undefined) passThrough[k] = v;
  if (!existsSync(LXRUN)) {
    return { argv: [LXRUN], stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), status: null, signal: null, timedOut: false,
      spawnError: `${LXRUN} does not exist yet (the launcher; run 'make' first)`, ms: 0 };
  }
  const r = await runCommand(lxrunCommand(spec.program, spec.args), {
    env: { ...baseEnv(spec.env), ...passThrough }, cwd: spec.cwd, stdin: spec.stdin,
    timeoutMs: lxrunTimeoutMs(spec.timeoutMs ?? 120_000),
  });
  if (r.timedOut) lxrunTimeouts++;
  return r;
}

export interface Pair { native: RunResult; lxrun: RunResult }

/** Runs natively, then under lxrun (one after the other, so they do not compete for the CPU). */
export async function runBoth(spec: RunSpec, lxSpec: Partial<RunSpec> = {}): Promise<Pair> {
  const native = await runNative(spec);
  const lxrun = await runLxrun({ ...spec, ...lxSpec });
  return { native, lxrun };
}

/** Lines lxrun itself writes to stderr ("lxrun: ..." diagnostics such as unimplemented-syscall notes). */
export const LXRUN_DIAGNOSTIC = /^lxrun(?:\[\d+\])?: /;

/** The guest's stderr with lxrun's own diagnostic lines removed. */
export function guestStderr(r: RunResult): string {
  return r.stderr.toString('latin1').split('\n').filter((l) => !LXRUN_DIAGNOSTIC.test(l)).join('\n');
}

/** True when text looks like it contains a JavaScript stack trace. */
export function hasJsStack(text: string): boolean {
  return /^ {4}at .+/m.test(text);
}

function describe(r: RunResult): string {
  if (r.spawnError) return `could not start: ${r.spawnError}`;
  if (r.timedOut) return `timed out after ${r.ms} ms and was killed`;
  if (r.signal) return `killed by ${r.signal}`;
  return `exit status ${r.status}`;
}

function tail(text: string, lines: number): string {
  const all = text.replace(/\n$/, '').split('\n');
  const shown = all.slice(0, lines).map((l) => (l.length > 300 ? l.slice(0, 300) + '…' : l));
  return shown.map((l) => '    | ' + l).join('\n') + (all.length > lines ? `\n    | … (${all.length - lines} more lines)` : '');
}

/** Where two texts first differ, with a little context, for a failure message. */
export function firstDifference(expected: string, actual: string, what: string): string {
  const a = expected.split('\n'), b = actual.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const clip = (s: string | undefined) => (s === undefined ? '<end of output>' : JSON.stringify(s.length > 400 ? s.slice(0, 400) + '…' : s));
  const lines = [`${what} differs at line ${i + 1} (native ${a.length} lines, lxrun ${b.length} lines):`];
  for (let k = Math.max(0, i - 2); k < i; k++) lines.push(`      same   : ${clip(a[k])}`);
  lines.push(`      native : ${clip(a[i])}`, `      lxrun  : ${clip(b[i])}`);
  if (i + 1 < Math.max(a.length, b.length)) lines.push(`      next   : native ${clip(a[i + 1])} / lxrun ${clip(b[i + 1])}`);
  return lines.join('\n');
}

export interface CompareOptions {
  /** Compare stderr too (after dropping lxrun's own "lxrun: " lines). Default true. */
  stderr?: boolean;
  /** Expected native exit status: a check on the fixture itself. Default 0. */
  nativeStatus?: number;
}

/**
 * Returns null when lxrun behaved like the native run, else a readable report of what differs.
 * Throws if the native run itself misbehaved (that is a broken fixture or machine, not an lxrun bug).
 */
export function differences(p: Pair, opts: CompareOptions = {}): string | null {
  const { native, lxrun } = p;
  const expectStatus = opts.nativeStatus ?? 0;
  if (native.spawnError || native.timedOut || native.status !== expectStatus) {
    throw new Error(`native run of ${native.argv.join(' ')} misbehaved: ${describe(native)} (expected status ${expectStatus})\n` +
      `  stderr:\n${tail(native.stderr.toString('latin1'), 20)}`);
  }
  const problems: string[] = [];
  if (lxrun.spawnError) return `lxrun ${describe(lxrun)}`;
  if (lxrun.timedOut || lxrun.signal || lxrun.status !== native.status) {
    problems.push(`status: native exit status ${native.status}, lxrun ${describe(lxrun)}`);
  }
  if (!native.stdout.equals(lxrun.stdout)) problems.push(firstDifference(native.stdout.toString('utf8'), lxrun.stdout.toString('utf8'), 'stdout'));
  if (opts.stderr !== false) {
    const ne = native.stderr.toString('latin1'), le = guestStderr(lxrun);
    if (ne !== le) problems.push(firstDifference(native.stderr.toString('utf8'), Buffer.from(le, 'latin1').toString('utf8'), 'stderr'));
  }
  if (problems.length === 0) return null;
  const cmd = lxrun.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  const parts = [`lxrun differs from native for: ${cmd}`, ...problems.map((s) => '  ' + s)];
  const err = lxrun.stderr.toString('utf8');
  if (err.trim()) parts.push(`  lxrun stderr${hasJsStack(err) ? ' (contains a JS stack trace)' : ''}:\n${tail(err, 25)}`);
  parts.push(`  (native ${native.ms} ms, lxrun ${lxrun.ms} ms)`);
  return parts.join('\n');
}

/** Whether a file is a static ELF (no PT_INTERP); false for anything unreadable. */
export function isStaticElf(path: string): boolean {
  try {
    const b = readFileSync(path);
    if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46) return false;
    const is64 = b[4] === 2;
    const phoff = is64 ? Number(b.readBigUInt64LE(32)) : b.readUInt32LE(28);
    const phentsize = b.readUInt16LE(is64 ? 54 : 42), phnum = b.readUInt16LE(is64 ? 56 : 44);
    for (let i = 0; i < phnum; i++) if (b.readUInt32LE(phoff + i * phentsize) === 3) return false; // PT_INTERP
    return true;
  } catch {
    return false;
  }
}

export function isExecutableFile(path: string): boolean {
  try { return statSync(path).isFile() && (statSync(path).mode & 0o111) !== 0; } catch { return false; }
}

/** Fails the current test with a message and no JS stack (the message says everything). */
export function fail(message: string): never {
  const e = new Error(message);
  e.stack = message;
  throw e;
}
