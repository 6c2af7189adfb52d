// lxconform: record Linux system-call traces natively with strace, replay them under lxbrand's
// kernel, and score conformance per call (conformance/FORMAT.md).
//   lxconform record [-o FILE] [options] -- PROGRAM [ARGS...]
//   lxconform record --corpus [FILE] [-o DIR] [ID...]
//   lxconform replay [-v] TRACE...
//   lxconform run [DIR] [--skiplist FILE] [--report FILE] [--only ID,...]

import fs from 'node:fs';
import path from 'node:path';
import { loadCorpus, recordSpec, CORPUS_FILE } from '../../conformance/corpus.js';
import { readTrace, writeTrace } from '../../conformance/format.js';
import { record } from '../../conformance/record.js';
import { replay } from '../../conformance/replay.js';
import { judge, markdownReport, programLine, runCorpus, suggestSkips, textReport, type ProgramReport } from '../../conformance/report.js';
import { Skiplist } from '../../conformance/skiplist.js';
import { CONFORMANCE, TRACES } from '../../conformance/workdir.js';
import { renderRecord } from '../../conformance/compare.js';

const USAGE = `Usage:
  lxconform record [-o FILE] [--runs N] [--cwd DIR] [--stdin FILE] [-e K=V] [--id ID] -- PROGRAM [ARGS...]
      Run PROGRAM natively under strace (randomization off) N times (default 3), mask the fields
      that vary between runs, and write the trace (default: ./ID.jsonl).
  lxconform record --corpus [FILE] [-o DIR] [ID...]
      Record the corpus (default conformance/corpus.json) into DIR (default conformance/traces);
      IDs may be globs ('i386-*'). i386 programs need a kernel that runs them (FORMAT.md).
  lxconform replay [-v] TRACE...
      Run each trace's program under lxbrand and grade every call against the native trace.
  lxconform run [DIR] [--skiplist FILE] [--report FILE] [--only ID,...] [-v] [--suggest-skips]
      Replay every trace in DIR (default conformance/traces), print the report, write
      conformance/REPORT.md (for the default DIR) and exit 1 on a divergence no skiplist entry
      explains. --suggest-skips prints skiplist entries (reasons to be written) for those.

The environment of a recorded program is fixed (PATH, HOME, LANG=C, LC_ALL=C, TZ=UTC, TERM=dumb,
plus -e); see conformance/FORMAT.md for the trace format and the grades.`;

class UsageError extends Error {}

function say(s: string): void { process.stderr.write(s.endsWith('\n') ? s : s + '\n'); }

const BASE_ENV = ['PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/root', 'LANG=C', 'LC_ALL=C', 'TZ=UTC', 'TERM=dumb'];

function which(prog: string, env: string[]): string {
  if (prog.includes('/')) return path.resolve(prog);
  const PATH = (env.find((e) => e.startsWith('PATH=')) ?? 'PATH=/usr/bin:/bin').slice(5);
  for (const d of PATH.split(':')) {
    const c = path.join(d || '.', prog);
    try { fs.accessSync(c, fs.constants.X_OK); if (fs.statSync(c).isFile()) return c; } catch { /* next */ }
  }
  throw new UsageError(`${prog}: command not found`);
}

async function cmdRecord(args: string[]): Promise<number> {
  let out: string | undefined, runs = 3, cwd = process.cwd(), stdinFile: string | undefined, id: string | undefined;
  let corpus: string | null = null;
  const env = [...BASE_ENV];
  const ids: string[] = [];
  let i = 0;
  const val = (o: string) => { if (i + 1 >= args.length) throw new UsageError(`${o} needs a value`); return args[++i]; };
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '--') { i++; break; }
    if (a === '-o') out = val(a);
    else if (a === '--runs') runs = Number(val(a));
    else if (a === '--cwd') cwd = path.resolve(val(a));
    else if (a === '--stdin') stdinFile = path.resolve(val(a));
    else if (a === '--id') id = val(a);
    else if (a === '-e') {
      const kv = val(a);
      const k = kv.slice(0, kv.indexOf('='));
      if (!k) throw new UsageError(`-e wants K=V`);
      const j = env.findIndex((e) => e.startsWith(k + '='));
      if (j >= 0) env[j] = kv; else env.push(kv);
    } else if (a === '--corpus') {
      corpus = args[i + 1] && args[i + 1].endsWith('.json') ? args[++i] : CORPUS_FILE;
    } else if (corpus !== null && !a.startsWith('-')) ids.push(a);
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else break;
  }
  if (corpus !== null) {
    const c = loadCorpus(corpus);
    const dir = out ?? TRACES;
    fs.mkdirSync(dir, { recursive: true });
    // ids may be globs: record --corpus 'i386-*' 'busybox32-*'
    const globs = ids.map((id) => new RegExp('^' + id.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$'));
    const chosen = c.programs.filter((p) => ids.length === 0 || globs.some((g) => g.test(p.id)));
    const unknown = ids.filter((_, i) => !c.programs.some((p) => globs[i].test(p.id)));
    if (unknown.length) throw new UsageError(`unknown corpus id ${unknown.join(' ')}`);
    let failed = 0;
    for (const p of chosen) {
      const t0 = Date.now();
      try {
        const t = await record(recordSpec(c, p, runs));
        writeTrace(path.join(dir, `${p.id}.jsonl`), t);
        const vary = t.records.filter((r) => 'vary' in r && r.vary).length;
        say(`recorded ${p.id}: ${t.records.length} records (${vary} with varying fields), ${(Date.now() - t0) / 1000}s`);
      } catch (e) {
        failed++;
        say(`lxconform: ${p.id}: ${(e as Error).message}`);
      }
    }
    return failed ? 1 : 0;
  }
  if (i >= args.length) throw new UsageError('no program given (lxconform record -- PROGRAM ARGS)');
  const program = which(args[i], env);
  const argv = [args[i].includes('/') ? args[i] : program, ...args.slice(i + 1)];
  const name = id ?? path.basename(program);
  let stdin = null;
  if (stdinFile) stdin = { b64: fs.readFileSync(stdinFile).toString('base64') };
  const t = await record({ id: name, program, argv, env, cwd, stdin, runs });
  const file = out ?? `${name}.jsonl`;
  writeTrace(file, t);
  say(`lxconform: wrote ${file}: ${t.records.length} records from ${runs} native runs`);
  return 0;
}

function printProgram(p: ProgramReport, verbose: boolean): void {
  process.stdout.write(programLine(p) + '\n');
  const divs = verbose ? p.divergences : p.divergences.filter((d) => !d.known).slice(0, 10);
  for (const d of divs) {
    const what = d.kind === 'call' ? `${d.grade} ${d.name}${d.where?.length ? ` at ${d.where.slice(0, 4).join(', ')}` : ''}` : d.kind === 'output' ? `${d.name} differs` : 'replay error';
    process.stdout.write(`    ${what}${d.known ? ` [known: ${d.known}]` : ''}\n      native: ${d.native}\n      lxrun : ${d.lxrun}\n`);
  }
}

async function cmdReplay(args: string[]): Promise<number> {
  const verbose = args.includes('-v');
  const files = args.filter((a) => a !== '-v');
  if (!files.length) throw new UsageError('replay needs a trace file');
  const skips = Skiplist.load(path.join(CONFORMANCE, 'skiplist.json'));
  let bad = 0;
  for (const f of files) {
    const r = await replay(readTrace(f));
    const p = judge(r, skips);
    printProgram(p, verbose);
    if (verbose) {
      for (const g of r.graded) {
        const where = g.where?.length ? `  [${g.where.slice(0, 6).join(', ')}]` : '';
        process.stdout.write(`  ${g.grade.padEnd(13)} ${renderRecord(g.native ?? g.guest, 50)}${where}\n`);
        if (g.grade !== 'exact' && g.guest && g.native) process.stdout.write(`  ${''.padEnd(13)} ${renderRecord(g.guest, 50)}\n`);
      }
      for (const l of r.run.log) process.stdout.write(`  lxrun: ${l}\n`);
    }
    if (p.status === 'fail') bad++;
  }
  return bad ? 1 : 0;
}

async function cmdRun(args: string[]): Promise<number> {
  let dir = TRACES, skip = path.join(CONFORMANCE, 'skiplist.json'), report: string | undefined, only: string[] | undefined;
  let verbose = false, dirGiven = false, suggest = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const val = () => { if (i + 1 >= args.length) throw new UsageError(`${a} needs a value`); return args[++i]; };
    if (a === '--skiplist') skip = path.resolve(val());
    else if (a === '--report') report = path.resolve(val());
    else if (a === '--only') only = val().split(',');
    else if (a === '-v') verbose = true;
    else if (a === '--suggest-skips') suggest = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else { dir = path.resolve(a); dirGiven = true; }
  }
  if (!report && !dirGiven && !only) report = path.join(CONFORMANCE, 'REPORT.md');
  const skips = Skiplist.load(skip);
  const r = await runCorpus(dir, skips, { only, onProgram: (p) => say(programLine(p)) });
  process.stdout.write(textReport(r, verbose));
  if (report) { fs.writeFileSync(report, markdownReport(r)); say(`lxconform: wrote ${path.relative(process.cwd(), report) || report}`); }
  if (suggest) process.stdout.write('Skiplist entries for the unexplained divergences (write the reasons):\n' + suggestSkips(r));
  return r.programs.some((p) => p.status === 'fail') ? 1 : 0;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'record': return await cmdRecord(rest);
      case 'replay': return await cmdReplay(rest);
      case 'run': return await cmdRun(rest);
      case '-h': case '--help': case 'help': case undefined:
        process.stdout.write(USAGE + '\n');
        return cmd === undefined ? 2 : 0;
      default: throw new UsageError(`unknown command '${cmd}' (try --help)`);
    }
  } catch (e) {
    if (e instanceof UsageError) { say(`lxconform: ${e.message}`); return 2; }
    throw e;
  }
}

export function run(argv: string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (e) => {
      // one line for the user; the stack with LXCONFORM_DEBUG=1
      const msg = e instanceof Error ? (process.env.LXCONFORM_DEBUG === '1' ? e.stack ?? e.message : e.message) : String(e);
      const user = e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string';
      say(`lxconform: ${user ? '' : 'internal error: '}${msg}`);
      process.exit(user ? 1 : 134);
    },
  );
}
