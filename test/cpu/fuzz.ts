// `make fuzz-cpu SEED=s N=n`: the differential CPU suites again and again with seeds s, s+1, ...
// until at least n cases have been compared with the hardware, then the decoder fuzz with a
// larger sample. Each suite runs in a node process of its own (node:test runs the file when it
// is started directly) with LXCPU_SEED and LXCPU_RANDOM set, and reports one line per run:
//   LXCPU-RESULT suite=NAME seed=S random=K cases=C mismatches=M
// Prints per-suite cases and mismatches and a total; exits non-zero on any mismatch or failed run
// (its whole output is kept in a log file named in the report).
//
// Options (also from the environment: SEED, N, RANDOM, SUITES, DECODER_CASES):
//   --seed S       first seed (default 1)
//   --n N          cases to compare at least (default 1000000; 10M, 1e7 and 10e6 are accepted)
//   --random K     LXCPU_RANDOM per run: K times the random cases of each suite per process
//                  (default 2: measured 6.5k integer cases/s at 1, 7k at 3; 3 takes 1.7 GB)
//   --suites a,b   any of integer, integer-threaded, sse, mmx, x87 (default all)
//   --decoder C    byte strings for the decoder fuzz at the end (default 200000; 0 skips it)

import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const testDir = join(here, '..');

/** The x87 families that compare snippets with the hardware (the rest run whole programs under lxrun). */
const X87_FAMILIES = 'arith-reg,arith-mem,loads,stores,unary,prem-scale-xtract,compare,const-moves,environment,transcendental,opcode-space-reg,opcode-space-mem,pointers,fxsave,faults,unmasked';
const SUITES: Record<string, { file: string; env?: Record<string, string> }> = {
  integer: { file: join(here, 'integer.test.js') },
  'integer-threaded': { file: join(here, 'integer-threaded.test.js') },
  sse: { file: join(testDir, 'sse.test.js') },
  mmx: { file: join(testDir, 'mmx.test.js') },
  x87: { file: join(testDir, 'x87.test.js'), env: { X87_ONLY: X87_FAMILIES } },
};

function opt(name: string, env: string, def: string): string {
  const k = process.argv.indexOf('--' + name);
  if (k >= 0 && k + 1 < process.argv.length) return process.argv[k + 1];
  return process.env[env] || def;
}
function num(s: string): number {
  const v = Number(s.replace(/_/g, '').replace(/M$/i, 'e6').replace(/k$/i, 'e3'));
  if (!Number.isFinite(v) || v < 0) throw new Error(`not a number: ${s}`);
  return Math.floor(v);
}

const seed0 = num(opt('seed', 'SEED', '1'));
const target = num(opt('n', 'N', '1000000'));
const random = Math.max(1, num(opt('random', 'RANDOM', '2')));
const suites = opt('suites', 'SUITES', Object.keys(SUITES).join(',')).split(',').filter(Boolean);
const decoderCases = num(opt('decoder', 'DECODER_CASES', '200000'));
for (const s of suites) if (!SUITES[s]) throw new Error(`unknown suite ${s} (known: ${Object.keys(SUITES).join(', ')})`);

const logDir = mkdtempSync(join(tmpdir(), 'lxcpu-fuzz-'));
interface Tally { runs: number; cases: number; mismatches: number; ms: number }
const tally = new Map<string, Tally>();
const failures: string[] = [];
let total = 0, mismatches = 0;
const t0 = Date.now();

function run(name: string, file: string, env: Record<string, string>): { results: Map<string, [number, number]>; ok: boolean; ms: number; log: string } {
  const t = Date.now();
  const r = spawnSync(process.execPath, [file], {
    env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 30, timeout: 3_600_000,
  });
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  const results = new Map<string, [number, number]>();
  for (const m of out.matchAll(/LXCPU-RESULT suite=(\S+) .*?cases=(\d+) mismatches=(\d+)/g)) {
    const prev = results.get(m[1]) ?? [0, 0];
    results.set(m[1], [prev[0] + Number(m[2]), prev[1] + Number(m[3])]);
  }
  const ok = r.status === 0 && results.size > 0;
  let log = '';
  if (!ok || [...results.values()].some(([, mm]) => mm > 0)) {
    log = join(logDir, `${name}-seed${env.LXCPU_SEED}.log`);
    writeFileSync(log, out);
  }
  return { results, ok, ms: Date.now() - t, log };
}

console.log(`fuzz-cpu: seeds from ${seed0}, at least ${target} cases, LXCPU_RANDOM=${random}, suites ${suites.join(' ')}`);
let seed = seed0;
outer: for (; ; seed++) {
  for (const name of suites) {
    const s = SUITES[name];
    const env = { LXCPU_SEED: String(seed), LXCPU_RANDOM: String(random), ...(s.env ?? {}) };
    const r = run(name, s.file, env);
    let cases = 0, mm = 0;
    for (const [, [c, m]] of r.results) { cases += c; mm += m; }
    const t = tally.get(name) ?? { runs: 0, cases: 0, mismatches: 0, ms: 0 };
    t.runs++; t.cases += cases; t.mismatches += mm; t.ms += r.ms;
    tally.set(name, t);
    total += cases; mismatches += mm;
    const note = r.ok ? (mm ? `  MISMATCHES, output in ${r.log}` : '') : `  FAILED (exit), output in ${r.log}`;
    if (!r.ok || mm) failures.push(`${name} seed ${seed}: ${mm} mismatches${r.ok ? '' : ', run failed'} (${r.log})`);
    console.log(`seed ${seed} ${name}: ${cases} cases, ${mm} mismatches, ${(r.ms / 1000).toFixed(1)} s (${Math.round(cases / (r.ms / 1000))} cases/s); total ${total}${note}`);
    if (total >= target) break outer;
  }
}

let decoder = '';
if (decoderCases > 0) {
  const r = spawnSync(process.execPath, [join(here, 'decoder-fuzz.test.js')], {
    env: { ...process.env, LXCPU_SEED: String(seed0), LXCPU_DECODER_CASES: String(decoderCases) }, encoding: 'utf8', maxBuffer: 1 << 28,
  });
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  const m = /LXCPU-RESULT suite=decoder-fuzz .*?cases=(\d+) .*?crashes=(\d+)/.exec(out);
  const n = /LXCPU-RESULT suite=decoder-native .*?cases=(\d+) mismatches=(\d+)/.exec(out);
  decoder = m ? `decoder fuzz (seed ${seed0}): ${m[1]} random byte strings executed, ${m[2]} ended other than in a result or a CPU signal` : 'decoder fuzz: no result line';
  if (n) decoder += `; first instructions against the hardware: ${n[1]} compared, ${n[2]} differ without a known reason`;
  if (r.status !== 0 || !m || m[2] !== '0' || !n || n[2] !== '0') {
    const log = join(logDir, `decoder-fuzz-seed${seed0}.log`);
    writeFileSync(log, out);
    failures.push(`decoder fuzz failed (${log})`);
  }
}

const secs = (Date.now() - t0) / 1000;
console.log('');
console.log('suite              runs      cases  mismatches   seconds   cases/s');
for (const [name, t] of tally) {
  console.log(`${name.padEnd(18)} ${String(t.runs).padStart(4)} ${String(t.cases).padStart(10)} ${String(t.mismatches).padStart(11)} ${(t.ms / 1000).toFixed(0).padStart(9)} ${String(Math.round(t.cases / (t.ms / 1000))).padStart(9)}`);
}
console.log(`total: ${total} cases compared with the hardware, ${mismatches} mismatches, seeds ${seed0}..${seed}, ${secs.toFixed(0)} s wall`);
if (decoder) console.log(decoder);
for (const f of failures) console.log('FAILED: ' + f);
process.exitCode = failures.length ? 1 : 0;
