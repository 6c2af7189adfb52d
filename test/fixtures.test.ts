// Every fixture program in test/fixtures/src, built static against musl and glibc and dynamically
// against Debian's glibc (test/fixtures/bin/{musl,glibc,glibc-dyn}/NAME: the last one goes through
// PT_INTERP, ld.so and the vDSO), runs natively and under bin/lxrun; stdout, stderr and the
// exit status must be equal. The native run in the same test is the only source of expected output.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_BIN, differences, fail, isExecutableFile, runBoth } from './helpers/compare.js';

interface Fixture {
  name: string;
  args?: string[];
  env?: Record<string, string>;
  stdin?: string;
  /** The native exit status the fixture is written to give (default 0). */
  status?: number;
  /** Time limit for the lxrun run, ms (default 120 s). */
  timeoutMs?: number;
  /** A known failure, with the reason: the test still runs and reports, as a TODO. */
  todo?: string;
  /** Pass a fresh empty directory as the last argument (a different one for each run). */
  tmpDirArg?: boolean;
}

function text(lines: number): string {
  let s = 0x2545f491, out = '';
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', '', 'x', 'lorem ipsum', '\t'];
  for (let i = 0; i < lines; i++) {
    const n = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % 9;
    const parts: string[] = [];
    for (let k = 0; k < n; k++) parts.push(words[(s = (Math.imul(s, 1103515245) + 12345) >>> 0) % words.length]);
    out += parts.join(' ') + '\n';
  }
  return out;
}

const ARGV = ['one', 'two words', '', 'caf\u00e9 \u00fcber', 'tab\there', '--flag=x', 'quote"back\\slash'];

const FIXTURES: Fixture[] = [
  { name: 'hello' },
  { name: 'argv_env', args: ARGV, status: (ARGV.length + 1 + 40) & 0xff,
    env: { LXT_ALPHA: 'alpha', LXT_EMPTY: '', LXT_UTF8: 'h\u00e9llo w\u00f6rld', LXT_EQ: 'a=b=c', LXT_ZZ: 'last' } },
  { name: 'stdin_wc', stdin: text(20000) },
  { name: 'intarith' },
  { name: 'float' },
  { name: 'strings', timeoutMs: 300_000 },
  { name: 'qsort', args: ['100000'], timeoutMs: 300_000 },
  { name: 'malloc', timeoutMs: 180_000 },
  { name: 'mmap' },
  { name: 'setjmp' },
  { name: 'signals' },
  { name: 'fileio', tmpDirArg: true },
  { name: 'sha256', args: ['256K'] },
  { name: 'sortbench', args: ['100000'] },
  { name: 'membarrier' },
  { name: 'creds' },
];

const LIBCS = ['musl', 'glibc', 'glibc-dyn'] as const;

test('fixture binaries are built and committed', () => {
  const missing = FIXTURES.flatMap((f) => LIBCS.map((l) => join(FIXTURE_BIN, l, f.name))).filter((p) => !isExecutableFile(p));
  assert.deepEqual(missing, [], `missing fixture binaries: run 'make setup fixtures'`);
});

for (const fx of FIXTURES) {
  for (const libc of LIBCS) {
    test(`${fx.name} (${libc}): lxrun matches native`, { todo: fx.todo }, async () => {
      const program = join(FIXTURE_BIN, libc, fx.name);
      const work = mkdtempSync(join(tmpdir(), `lxbrand-${fx.name}-`));
      try {
        const dirs = fx.tmpDirArg ? [mkdtempSync(join(work, 'native-')), mkdtempSync(join(work, 'lxrun-'))] : [];
        const spec = {
          program, args: [...(fx.args ?? []), ...dirs.slice(0, 1)], env: fx.env, stdin: fx.stdin, cwd: work,
          timeoutMs: fx.timeoutMs ?? 120_000,
        };
        const pair = await runBoth({ ...spec, timeoutMs: 60_000 }, { timeoutMs: spec.timeoutMs, args: [...(fx.args ?? []), ...dirs.slice(1)] });
        const diff = differences(pair, { nativeStatus: fx.status ?? 0 });
        if (diff) fail(diff);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  }
}
