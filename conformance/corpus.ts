// The corpus definition (conformance/corpus.json): which programs `make record-traces` records,
// with which arguments, environment, inputs and standard input. Each entry becomes one trace,
// conformance/traces/ID.jsonl.

import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { SetupSpec, StdinSpec } from './format.js';
import type { RecordSpec } from './record.js';
import { sha256 } from './values.js';
import { CONFORMANCE, ROOT, workDir } from './workdir.js';

export interface CorpusEntry {
  id: string;
  /** Absolute path of a program installed on the machine (/bin/busybox). */
  program?: string;
  /** A repository file copied into the working directory and run from there (fixtures). */
  copy?: string;
  args?: string[];
  env?: Record<string, string>;
  /** Directory under conformance/inputs copied into the working directory. */
  inputs?: string;
  /** Empty directories made in the working directory. */
  dirs?: string[];
  stdin?: { file?: string; text?: string };
  note?: string;
  timeoutMs?: number;
}

export interface Corpus { env: Record<string, string>; programs: CorpusEntry[] }

export const CORPUS_FILE = join(CONFORMANCE, 'corpus.json');

export function loadCorpus(path = CORPUS_FILE): Corpus {
  const c = JSON.parse(readFileSync(path, 'utf8')) as Corpus;
  const seen = new Set<string>();
  for (const p of c.programs) {
    if (!/^[A-Za-z0-9_.-]+$/.test(p.id)) throw new Error(`corpus: bad id ${JSON.stringify(p.id)}`);
    if (seen.has(p.id)) throw new Error(`corpus: duplicate id ${p.id}`);
    seen.add(p.id);
    if (!p.program === !p.copy) throw new Error(`corpus: ${p.id} needs exactly one of program, copy`);
  }
  return c;
}

export function recordSpec(c: Corpus, e: CorpusEntry, runs = 3): RecordSpec {
  const cwd = workDir(e.id);
  const setup: SetupSpec = {};
  let program = e.program ?? '';
  if (e.copy) {
    const name = basename(e.copy);
    program = join(cwd, name);
    setup.copy = [{ from: e.copy, to: name, sha256: sha256(readFileSync(resolve(ROOT, e.copy))) }];
  }
  if (e.inputs) setup.inputs = e.inputs;
  if (e.dirs) setup.dirs = e.dirs;
  let stdin: StdinSpec | null = null;
  if (e.stdin?.file) stdin = { file: e.stdin.file };
  else if (e.stdin?.text !== undefined) stdin = { b64: Buffer.from(e.stdin.text, 'utf8').toString('base64') };
  const env = { ...c.env, ...(e.env ?? {}) };
  return {
    id: e.id, program, argv: [program, ...(e.args ?? [])], env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    cwd, stdin, setup, runs, timeoutMs: e.timeoutMs, note: e.note,
  };
}
