// `lxconform run`: replay every trace of a directory, decide pass/fail per program against the
// skiplist, and summarise per program and per system call (with the table's support label, like
// gVisor's compatibility tables). Text for the terminal, Markdown for conformance/REPORT.md.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { X86_64 } from '../syscalls/table-x86_64.js';
import { I386 } from '../syscalls/table-i386.js';
import { GRADES, renderRecord, type Grade, type Graded } from './compare.js';
import { readTrace, type Trace } from './format.js';
import { replay, statusText, type OutputDiff, type Replayed } from './replay.js';
import type { SkipEntry, Skiplist } from './skiplist.js';

export type ProgramStatus = 'pass' | 'known' | 'fail' | 'stale';

export interface Divergence {
  kind: 'call' | 'output' | 'error';
  grade?: Grade;
  name: string;
  native: string;
  lxrun: string;
  where?: string[];
  known?: string;
}

export interface ProgramReport {
  id: string;
  status: ProgramStatus;
  /** Why the program is stale, or the skiplist reason of a known-failing program. */
  note?: string;
  counts: Record<Grade, number>;
  uncompared: number;
  /** Native signal deliveries not compared (no signal events in the kernel's trace hook). */
  signals: number;
  divergences: Divergence[];
  unexplained: number;
  first?: Divergence;
  ms: number;
  graded: Graded[];
  outputs: OutputDiff[];
  log: string[];
}

export interface CallStats { name: string; support: string; counts: Record<Grade, number> }

export interface RunReport {
  programs: ProgramReport[];
  calls: CallStats[];
  totals: Record<Grade, number>;
  unusedSkips: SkipEntry[];
  /** Every skiplist entry, with how many divergences it explained. */
  skips: SkipEntry[];
  ms: number;
}

function zero(): Record<Grade, number> {
  return Object.fromEntries(GRADES.map((g) => [g, 0])) as Record<Grade, number>;
}

const PASSING = new Set<Grade>(['exact', 'equivalent']);

/** Decides one program's result from its replay. */
export function judge(r: Replayed, skips: Skiplist): ProgramReport {
  const id = r.trace.header.id;
  const counts = zero();
  let uncompared = 0;
  const divergences: Divergence[] = [];
  const progSkip = skips.program(id);
  for (const g of r.graded) {
    counts[g.grade]++;
    uncompared += g.uncompared ?? 0;
    if (PASSING.has(g.grade)) continue;
    const e = skips.call(id, g) ?? progSkip;
    if (e) { e.used = (e.used ?? 0) + 1; g.known = e.reason; }
    divergences.push({ kind: 'call', grade: g.grade, name: g.name, native: renderRecord(g.native), lxrun: renderRecord(g.guest), where: g.where, known: e?.reason });
  }
  for (const o of r.outputs) {
    const e = skips.output(id, o.what) ?? progSkip;
    if (e) e.used = (e.used ?? 0) + 1;
    divergences.push({ kind: 'output', name: o.what, native: o.native, lxrun: o.lxrun, known: e?.reason });
  }
  if (r.run.error) {
    const e = progSkip;
    if (e) e.used = (e.used ?? 0) + 1;
    divergences.unshift({ kind: 'error', name: 'replay', native: statusText(r.trace.result.status), lxrun: r.run.error, known: e?.reason });
  }
  const unexplained = divergences.filter((d) => !d.known).length;
  let status: ProgramStatus = unexplained ? 'fail' : divergences.length ? 'known' : 'pass';
  let note: string | undefined = progSkip && status !== 'pass' ? progSkip.reason : undefined;
  if (r.run.stale) { status = 'stale'; note = r.run.stale; }
  const first = divergences.find((d) => !d.known) ?? divergences[0];
  return { id, status, note, counts, uncompared, signals: r.signalsUncompared, divergences, unexplained, first, ms: r.run.ms, graded: r.graded, outputs: r.outputs, log: r.run.log };
}

export function traceFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort().map((f) => join(dir, f));
}

export interface RunOptions {
  only?: string[];
  timeoutMs?: number;
  onProgram?: (p: ProgramReport) => void;
}

/** Replays every trace in dir and builds the report. */
export async function runCorpus(dir: string, skips: Skiplist, opts: RunOptions = {}): Promise<RunReport> {
  const t0 = Date.now();
  const programs: ProgramReport[] = [];
  for (const file of traceFiles(dir)) {
    const trace: Trace = readTrace(file);
    if (opts.only?.length && !opts.only.some((o) => trace.header.id === o || new RegExp('^' + o.split('*').join('.*') + '$').test(trace.header.id))) continue;
    const r = await replay(trace, { timeoutMs: opts.timeoutMs });
    const p = judge(r, skips);
    programs.push(p);
    opts.onProgram?.(p);
  }
  const byName = new Map<string, CallStats>();
  const totals = zero();
  for (const p of programs) {
    for (const g of p.graded) {
      if (g.name.startsWith('---') || g.name.startsWith('+++')) continue;
      // i386 calls are counted apart: another table entry, another handler
      const rec = g.native ?? g.guest;
      const i386 = rec?.type === 'call' && rec.abi === 'i386';
      const label = i386 ? `${g.name} (i386)` : g.name;
      let s = byName.get(label);
      if (!s) {
        // the table's level (the lxrun record carries it, but a call lxrun never made has none)
        const gs = g.guest?.type === 'call' ? g.guest.support : undefined;
        const e = (i386 ? I386 : X86_64).table.find((x) => x?.name === g.name);
        s = { name: label, support: gs ?? (e ? e.support : 'unknown'), counts: zero() };
        byName.set(label, s);
      }
      s.counts[g.grade]++;
      totals[g.grade]++;
    }
  }
  const calls = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { programs, calls, totals, unusedSkips: skips.unused(), skips: skips.entries, ms: Date.now() - t0 };
}

// ---- text and Markdown ---------------------------------------------------------------------------------

const LABEL: Record<string, string> = { full: 'Full', partial: 'Partial', unimplemented: 'Unimplemented', unknown: '?' };

function seen(c: Record<Grade, number>): number { return c.exact + c.equivalent + c.errno + c.value + c.missing + c.unimplemented; }
function mismatched(c: Record<Grade, number>): number { return c.errno + c.value + c.unimplemented; }

function statusWord(p: ProgramReport): string {
  switch (p.status) {
    case 'pass': return 'pass';
    case 'known': return 'pass (known divergences)';
    case 'fail': return 'FAIL';
    case 'stale': return 'stale';
  }
}

export function summaryLine(r: RunReport): string {
  const n = (s: ProgramStatus) => r.programs.filter((p) => p.status === s).length;
  const t = r.totals;
  return `${r.programs.length} programs: ${n('pass')} pass, ${n('known')} pass with known divergences, ${n('fail')} fail, ${n('stale')} stale; ` +
    `${seen(t)} calls: ${t.exact} exact, ${t.equivalent} equivalent, ${t.errno} errno mismatch, ${t.value} value mismatch, ` +
    `${t.missing} missing, ${t.extra} extra, ${t.unimplemented} unimplemented`;
}

/** What the comparison could not look at. */
export function coverageLine(r: RunReport): string {
  const args = r.programs.reduce((n, p) => n + p.uncompared, 0);
  const sigs = r.programs.reduce((n, p) => n + p.signals, 0);
  return `not compared: ${args} argument values decoded on one side only (strace decodes a structure lxconform's ` +
    `lxrun decoder shows as a pointer, or the reverse); ${sigs} native signal deliveries (the kernel's trace hook has no signal events)`;
}

/** Skiplist entries that would explain every unexplained divergence (reasons left to write). */
export function suggestSkips(r: RunReport): string {
  const groups = new Map<string, { call?: string; grade?: string; output?: string; programs: Set<string>; example: Divergence }>();
  for (const p of r.programs) {
    for (const d of p.divergences) {
      if (d.known) continue;
      const key = d.kind === 'call' ? `c ${d.name} ${d.grade}` : d.kind === 'output' ? `o ${d.name}` : 'e';
      let g = groups.get(key);
      if (!g) {
        g = { programs: new Set(), example: d };
        if (d.kind === 'call') { g.call = d.name; g.grade = d.grade; } else if (d.kind === 'output') g.output = d.name;
        groups.set(key, g);
      }
      g.programs.add(p.id);
    }
  }
  const lines: string[] = [];
  for (const g of groups.values()) {
    const e: Record<string, unknown> = { program: g.programs.size === 1 ? [...g.programs][0] : [...g.programs].sort() };
    if (g.call) { e.call = g.call; e.grade = g.grade; }
    if (g.output) e.output = g.output;
    e.reason = `TODO (e.g. native ${g.example.native.slice(0, 80)} / lxrun ${g.example.lxrun.slice(0, 80)})`;
    lines.push('  ' + JSON.stringify(e));
  }
  return lines.join(',\n') + '\n';
}

export function programLine(p: ProgramReport): string {
  const c = p.counts;
  return `${p.id.padEnd(28)} ${statusWord(p).padEnd(25)} ${String(seen(c)).padStart(5)} calls  ${c.exact} exact ${c.equivalent} equiv ` +
    `${mismatched(c)} mismatched ${c.missing} missing ${c.extra} extra  ${(p.ms / 1000).toFixed(1)}s` + (p.note ? `  (${p.note})` : '');
}

function divText(d: Divergence, indent: string): string {
  const what = d.kind === 'call' ? `${d.grade} in ${d.name}${d.where?.length ? ` at ${d.where.slice(0, 4).join(', ')}` : ''}` : d.kind === 'output' ? `${d.name} differs` : 'replay error';
  return `${indent}first divergence: ${what}${d.known ? ` [known: ${d.known}]` : ''}\n${indent}  native: ${d.native}\n${indent}  lxrun : ${d.lxrun}`;
}

export function textReport(r: RunReport, verbose = false): string {
  const lines: string[] = ['Programs:'];
  for (const p of r.programs) {
    lines.push('  ' + programLine(p));
    if (p.first && (p.status === 'fail' || verbose)) lines.push(divText(p.first, '      '));
  }
  lines.push('', 'System calls:');
  lines.push('  ' + 'call'.padEnd(26) + 'support'.padEnd(15) + ['calls', 'exact', 'equiv', 'errno', 'value', 'missing', 'extra', 'unimpl'].map((h) => h.padStart(8)).join(''));
  for (const s of r.calls) {
    const c = s.counts;
    lines.push('  ' + s.name.padEnd(26) + LABEL[s.support].padEnd(15) + [seen(c), c.exact, c.equivalent, c.errno, c.value, c.missing, c.extra, c.unimplemented].map((x) => String(x).padStart(8)).join(''));
  }
  lines.push('');
  if (r.unusedSkips.length) {
    lines.push('Skiplist entries that explained nothing (remove them if the divergence is fixed):');
    for (const e of r.unusedSkips) lines.push(`  ${JSON.stringify({ program: e.program, call: e.call, grade: e.grade, output: e.output })}`);
    lines.push('');
  }
  lines.push(coverageLine(r), summaryLine(r));
  return lines.join('\n') + '\n';
}

function md(s: string): string { return s.replace(/\|/g, '\\|').replace(/`/g, "'"); }

export function markdownReport(r: RunReport): string {
  const out: string[] = [];
  out.push('# lxconform report', '');
  out.push('Written by `bin/lxconform run` (see `conformance/FORMAT.md`): every trace in `conformance/traces/` was recorded');
  out.push('natively under `strace` and replayed under lxbrand\'s kernel; each call is graded exact / equivalent / errno');
  out.push('mismatch / value mismatch / missing / extra / unimplemented. Known divergences are listed, with reasons, in');
  out.push('`conformance/skiplist.json`.', '');
  out.push(`**${summaryLine(r)}**`, '', coverageLine(r) + '.', '');
  out.push('## Programs', '');
  out.push('| program | result | calls | exact | equiv | mismatched | missing | extra | first divergence |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---|');
  for (const p of r.programs) {
    const c = p.counts;
    let first = '';
    if (p.first) {
      const d = p.first;
      const what = d.kind === 'call' ? `${d.grade} \`${d.name}\`` : d.kind === 'output' ? `${d.name}` : 'error';
      first = `${what}: native \`${md(d.native).slice(0, 100)}\` / lxrun \`${md(d.lxrun).slice(0, 100)}\`${d.known ? ' (known)' : ''}`;
    }
    out.push(`| ${p.id} | ${statusWord(p)} | ${seen(c)} | ${c.exact} | ${c.equivalent} | ${mismatched(c)} | ${c.missing} | ${c.extra} | ${first} |`);
  }
  out.push('', '## Known divergences', '');
  out.push('The entries of `conformance/skiplist.json` and how many divergences each explained in this run.', '');
  out.push('| program | call / output | grade | explained | reason |');
  out.push('|---|---|---|---:|---|');
  for (const e of r.skips) {
    const prog = Array.isArray(e.program) ? e.program.join(', ') : e.program;
    const grade = e.grade === undefined ? '' : Array.isArray(e.grade) ? e.grade.join(', ') : e.grade;
    out.push(`| ${md(prog)} | ${md(e.call ?? e.output ?? '(whole program)')} | ${grade} | ${e.used ?? 0} | ${md(e.reason)} |`);
  }
  out.push('', '## System calls', '');
  out.push('Support label from the x86-64 table (`bin/lxrun --syscalls`).', '');
  out.push('| call | support | calls | exact | equivalent | errno | value | missing | extra | unimplemented |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of r.calls) {
    const c = s.counts;
    out.push(`| ${s.name} | ${LABEL[s.support]} | ${seen(c)} | ${c.exact} | ${c.equivalent} | ${c.errno} | ${c.value} | ${c.missing} | ${c.extra} | ${c.unimplemented} |`);
  }
  const t = r.totals;
  out.push(`| **total** | | ${seen(t)} | ${t.exact} | ${t.equivalent} | ${t.errno} | ${t.value} | ${t.missing} | ${t.extra} | ${t.unimplemented} |`);
  out.push('');
  return out.join('\n');
}
