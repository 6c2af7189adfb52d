// The trace file: JSON Lines, one record per line (conformance/FORMAT.md). A header, then the calls,
// signal deliveries and thread exits in the order they happened, then the program's result.

import { readFileSync, writeFileSync } from 'node:fs';
import type { Value } from './values.js';

export const FORMAT = 'lxconform-trace/1';

export interface Arg { k: string; v: Value }

export interface CallRecord {
  type: 'call';
  /** Position in the whole trace (0-based). */
  seq: number;
  /** Thread id as the recording saw it (renamed by first appearance when compared). */
  tid: number;
  abi: 'x86_64' | 'i386';
  name: string;
  nr: number;
  args: Arg[];
  /** Return value; absent with `err` (failure) and when the call did not return. */
  ret?: Value;
  /** errno name when the call failed ('ENOENT'). */
  err?: string;
  /** Paths ("ret", "args/2", "args/2/st_atime") whose values differed between native recordings. */
  vary?: string[];
  /** Present in only some native recordings: a replay may leave it out. */
  optional?: boolean;
  /** The program's initial execve, done by the launcher (not graded). */
  initial?: boolean;
  /** A successful execve after which the process runs in the other ABI (strace's personality
   *  change): `abi` is the caller's, `newAbi` the new image's; the calls that follow carry it. */
  newAbi?: 'x86_64' | 'i386';
  /** lxrun side only: the table's support level for this call. */
  support?: string;
}

export interface SignalRecord {
  type: 'signal';
  seq: number;
  tid: number;
  sig: number;
  name: string;
  info?: Value;
  vary?: string[];
  optional?: boolean;
}

export interface ExitRecord {
  type: 'exit';
  seq: number;
  tid: number;
  /** exit status, or the killing signal. */
  code?: number;
  sig?: number;
  core?: boolean;
}

export interface OutputRecord {
  len: number;
  sha256: string;
  /** The bytes, base64, when at most 256 KiB. */
  b64?: string;
  /** Differs between native recordings: not compared. */
  varies?: boolean;
}

export interface ResultRecord {
  type: 'result';
  status: { code: number } | { signal: number; core: boolean };
  stdout: OutputRecord;
  stderr: OutputRecord;
}

export interface StdinSpec {
  /** A file in the working directory (the program's stdin is the open file). */
  file?: string;
  /** Bytes written to a pipe (base64). */
  b64?: string;
}

export interface SetupSpec {
  /** Name of a directory under conformance/inputs copied into the working directory. */
  inputs?: string;
  /** Files copied into the working directory (from: repository-relative path, to: name). */
  copy?: { from: string; to: string; sha256?: string }[];
  /** Empty directories created inside the working directory. */
  dirs?: string[];
}

export interface TraceHeader {
  type: 'header';
  format: string;
  /** Corpus id (file name without .jsonl). */
  id: string;
  abi: 'x86_64' | 'i386';
  /** Path executed (absolute). */
  program: string;
  argv: string[];
  env: string[];
  cwd: string;
  stdin: StdinSpec | null;
  /** How the working directory is made (corpus runs build it fresh for every run). */
  setup?: SetupSpec;
  /** SHA-256 of the executable: a replay against a different binary is stale, not a failure. */
  exeSha256?: string;
  /** SHA-256 of the other files of the machine the program opened (libraries, ld.so.cache, locale
   *  files): when one differs the trace describes another machine, and the replay is stale. */
  hostFiles?: Record<string, string>;
  /** What the native kernel reported (the replay kernel is configured the same). */
  uname: { sysname: string; nodename: string; release: string; version: string; machine: string };
  recorded: { runs: number; strace: string; command: string; date: string; uid: number; gid: number };
  note?: string;
}

export type TraceRecord = CallRecord | SignalRecord | ExitRecord;

export interface Trace {
  header: TraceHeader;
  records: TraceRecord[];
  result: ResultRecord;
}

export function writeTrace(path: string, t: Trace): void {
  const lines = [JSON.stringify(t.header), ...t.records.map((r) => JSON.stringify(r)), JSON.stringify(t.result)];
  writeFileSync(path, lines.join('\n') + '\n');
}

/** A trace file that is not in this format (carries code 'EBADTRACE' for the CLI). */
export class TraceError extends Error {
  readonly code = 'EBADTRACE';
}

export function parseTrace(text: string, where = 'trace'): Trace {
  let header: TraceHeader | null = null;
  let result: ResultRecord | null = null;
  const records: TraceRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let r: { type?: string };
    try { r = JSON.parse(line); } catch (e) { throw new TraceError(`${where}:${i + 1}: not JSON: ${(e as Error).message}`); }
    switch (r.type) {
      case 'header': header = r as TraceHeader; break;
      case 'result': result = r as ResultRecord; break;
      case 'call': case 'signal': case 'exit': records.push(r as TraceRecord); break;
      default: throw new TraceError(`${where}:${i + 1}: unknown record type ${JSON.stringify(r.type)}`);
    }
  });
  if (!header) throw new TraceError(`${where}: no header record`);
  if ((header as TraceHeader).format !== FORMAT) throw new TraceError(`${where}: format ${(header as TraceHeader).format}, expected ${FORMAT}`);
  if (!result) throw new TraceError(`${where}: no result record`);
  return { header, records, result };
}

export function readTrace(path: string): Trace {
  return parseTrace(readFileSync(path, 'utf8'), path);
}
