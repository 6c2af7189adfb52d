// Real multithreaded static programs from npm, fetched by scripts/npm-binaries.sh (make setup):
// esbuild (Go: goroutines on threads, futexes, epoll, SIGURG preemption) bundles a small TypeScript
// project, biome (Rust, static-pie musl) checks the formatting of a file, and esbuild's i386 build
// (static 32-bit Go) bundles the same project. Natively and under bin/lxrun, the outputs must be
// equal (for i386 on a kernel that cannot run it, the x86-64 esbuild's output: test/helpers/i386.ts).

import { after, test } from 'node:test';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { differences, fail, runBoth, ROOT } from './helpers/compare.js';
import { i386Oracle } from './helpers/i386.js';

const NPM = join(process.env.LXBRAND_CACHE ?? '/var/cache/lxbrand', 'npm');
const ESBUILD = join(NPM, '@esbuild__linux-x64', 'package', 'bin', 'esbuild');
const BIOME = join(NPM, '@biomejs__cli-linux-x64-musl', 'package', 'biome');
const ESBUILD_IA32 = join(NPM, '@esbuild__linux-ia32', 'package', 'bin', 'esbuild');

function fetchProblem(): string | null {
  if (existsSync(ESBUILD) && existsSync(BIOME) && existsSync(ESBUILD_IA32)) return null;
  const r = spawnSync(join(ROOT, 'scripts', 'npm-binaries.sh'), { encoding: 'utf8' });
  return r.status === 0 ? null : `the npm packages could not be fetched (scripts/npm-binaries.sh): ${(r.stderr || '').trim()}`;
}
const problem = fetchProblem();

const dir = mkdtempSync(join(tmpdir(), 'lxbrand-npm-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'main.ts'), [
  "import { greet, Shape, area } from './lib';",
  "const shapes: Shape[] = [{ kind: 'circle', r: 2 }, { kind: 'square', side: 3 }];",
  'for (const s of shapes) console.log(greet(s.kind), area(s).toFixed(2));',
  'export default shapes;',
].join('\n') + '\n');
writeFileSync(join(dir, 'lib.ts'), [
  'export type Shape = { kind: \'circle\'; r: number } | { kind: \'square\'; side: number };',
  'export function greet(name: string): string { return `hello ${name}`; }',
  'export const area = (s: Shape): number => (s.kind === \'circle\' ? Math.PI * s.r ** 2 : s.side ** 2);',
  'enum Color { Red, Green }',
  'export const favourite = Color.Green;',
].join('\n') + '\n');
writeFileSync(join(dir, 'messy.js'), 'const   x = {a:1,b:[1,2,3]}\nfunction f( y ){return y*2}\nexport {x,f}\n');

test('esbuild (static Go, linux-x64) bundles a TypeScript project as natively', { skip: problem ?? false, timeout: 600_000 }, async () => {
  const pair = await runBoth({ program: ESBUILD, args: ['main.ts', '--bundle', '--format=esm', '--minify-syntax', '--target=es2020'], cwd: dir, timeoutMs: 60_000 },
    { timeoutMs: 300_000 });
  const diff = differences(pair);
  if (diff) fail(diff);
});

test('esbuild (static Go, linux-ia32) bundles the same project as natively', { skip: problem ?? false, timeout: 600_000 }, async () => {
  const o = i386Oracle(ESBUILD_IA32, ESBUILD);
  const native = 'program' in o ? o.program : ESBUILD;
  const args = ['main.ts', '--bundle', '--format=esm', '--minify-syntax', '--target=es2020'];
  const pair = await runBoth({ program: native, args, cwd: dir, timeoutMs: 60_000 }, { program: ESBUILD_IA32, timeoutMs: 300_000 });
  const diff = differences(pair);
  if (diff) fail(diff);
});

test('biome (static-pie Rust/musl) reports the same formatting diff as natively', { skip: problem ?? false, timeout: 600_000 }, async () => {
  const pair = await runBoth({ program: BIOME, args: ['format', '--colors=off', 'messy.js'], cwd: dir, timeoutMs: 60_000 },
    { timeoutMs: 300_000 });
  // its summary line carries the time it took
  for (const r of [pair.native, pair.lxrun]) r.stdout = Buffer.from(r.stdout.toString().replace(/in \d+(\.\d+)?(ms|s|µs)\./g, 'in <time>.'));
  for (const r of [pair.native, pair.lxrun]) r.stderr = Buffer.from(r.stderr.toString().replace(/in \d+(\.\d+)?(ms|s|µs)\./g, 'in <time>.'));
  const diff = differences(pair, { nativeStatus: 1 });
  if (diff) fail(diff);
});
