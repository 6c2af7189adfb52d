// Where programs run during recording and replay. A corpus program runs in a fixed directory,
// /tmp/lxconform/ID/cwd, rebuilt before every run from the committed inputs, so that every path the
// program sees (cwd, argv, file names) is the same natively and under lxrun. Standard input,
// output and error are regular files in /tmp/lxconform/ID/io on both sides: the same kind of
// file natively and in the replay (a Node child's "pipes" are really socketpairs).

import { closeSync, copyFileSync, chmodSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SetupSpec, StdinSpec } from './format.js';
import { sha256 } from './values.js';

/** The repository root (this file is dist/conformance/workdir.js once compiled). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CONFORMANCE = join(ROOT, 'conformance');
export const TRACES = join(CONFORMANCE, 'traces');
export const INPUTS = join(CONFORMANCE, 'inputs');
export const WORK_BASE = process.env.LXCONFORM_WORK ?? '/tmp/lxconform';

/** The program's working directory; its parent holds only it and the io directory. */
export function workDir(id: string): string { return join(WORK_BASE, id, 'cwd'); }
export function ioDir(id: string): string { return join(WORK_BASE, id, 'io'); }

function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from).sort()) {
    const s = join(from, name), d = join(to, name);
    const st = statSync(s);
    if (st.isDirectory()) copyTree(s, d);
    else { copyFileSync(s, d); chmodSync(d, st.mode & 0o777); }
  }
}

/** Rebuilds the working directory of a corpus program; returns problems (missing inputs). */
export function buildWorkDir(id: string, setup: SetupSpec | undefined, checkSha = false): string[] {
  const dir = workDir(id);
  const problems: string[] = [];
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (setup?.inputs) {
    const src = join(INPUTS, setup.inputs);
    if (existsSync(src)) copyTree(src, dir);
    else problems.push(`inputs directory ${src} is missing`);
  }
  for (const c of setup?.copy ?? []) {
    const src = resolve(ROOT, c.from);
    if (!existsSync(src)) { problems.push(`${c.from} is missing`); continue; }
    const data = readFileSync(src);
    if (checkSha && c.sha256 && sha256(data) !== c.sha256) problems.push(`${c.from} changed since the trace was recorded`);
    writeFileSync(join(dir, c.to), data);
    chmodSync(join(dir, c.to), statSync(src).mode & 0o777);
  }
  for (const d of setup?.dirs ?? []) mkdirSync(join(dir, d), { recursive: true });
  fixTimes(dir);
  return problems;
}

/** Every file and directory of the working directory gets the same fixed times (ls -l output). */
export const FIXED_TIME = 1700000000;
function fixTimes(path: string): void {
  const st = lstatSync(path);
  if (st.isDirectory()) for (const name of readdirSync(path)) fixTimes(join(path, name));
  if (!st.isSymbolicLink()) utimesSync(path, FIXED_TIME, FIXED_TIME);
}

/** Creates the stdin/stdout/stderr files of a run; returns their paths. */
export function buildIo(id: string, cwd: string, stdin: StdinSpec | null): { stdin: string; stdout: string; stderr: string } {
  const io = ioDir(id);
  rmSync(io, { recursive: true, force: true });
  mkdirSync(io, { recursive: true });
  const paths = { stdin: join(io, 'stdin'), stdout: join(io, 'stdout'), stderr: join(io, 'stderr') };
  if (stdin?.file) paths.stdin = resolve(cwd, stdin.file);
  else writeFileSync(paths.stdin, stdin?.b64 ? Buffer.from(stdin.b64, 'base64') : Buffer.alloc(0));
  writeFileSync(paths.stdout, '');
  writeFileSync(paths.stderr, '');
  return paths;
}

export function cleanWork(id: string): void {
  rmSync(join(WORK_BASE, id), { recursive: true, force: true });
}

/**
 * Takes /tmp/lxconform/ID.lock for the duration of fn (a record or a replay uses fixed paths, so two
 * at once on the same program would trample each other). A lock whose owner died is taken over.
 */
export async function withLock<T>(id: string, fn: () => Promise<T> | T, waitMs = 600_000): Promise<T> {
  mkdirSync(WORK_BASE, { recursive: true });
  const lock = join(WORK_BASE, `${id}.lock`);
  const t0 = Date.now();
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = 0;
      try { owner = Number(readFileSync(lock, 'utf8')); } catch { continue; }
      let alive = owner > 0;
      if (alive) { try { process.kill(owner, 0); } catch (k) { alive = (k as NodeJS.ErrnoException).code === 'EPERM'; } }
      if (!alive) { rmSync(lock, { force: true }); continue; }
      if (Date.now() - t0 > waitMs) throw new Error(`${lock} is held by process ${owner}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}
