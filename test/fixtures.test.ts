// Every fixture program in test/fixtures/src, built static against musl and glibc and dynamically
// against Debian's glibc (test/fixtures/bin/{musl,glibc,glibc-dyn}/NAME: the last one goes through
// PT_INTERP, ld.so and the vDSO), and for i386 with gcc -m32, static and dynamic
// (glibc-i386, glibc-i386-dyn: Debian's libc6-i386), runs natively and under bin/lxrun; stdout,
// stderr and the exit status must be equal. The native run in the same test is the only source of
// expected output (for i386 on a kernel that cannot run it: test/helpers/i386.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_BIN, differences, fail, isExecutableFile, runBoth } from './helpers/compare.js';
import { FIXTURES } from './helpers/fixture-list.js';
import { i386Oracle } from './helpers/i386.js';

const LIBCS = ['musl', 'glibc', 'glibc-dyn', 'glibc-i386', 'glibc-i386-dyn'] as const;

test('fixture binaries are built and committed', () => {
  const missing = FIXTURES.flatMap((f) => LIBCS.map((l) => join(FIXTURE_BIN, l, f.name))).filter((p) => !isExecutableFile(p));
  assert.deepEqual(missing, [], `missing fixture binaries: run 'make setup fixtures'`);
});

for (const fx of FIXTURES) {
  for (const libc of LIBCS) {
    test(`${fx.name} (${libc}): lxrun matches native`, { todo: fx.todo }, async (t) => {
      const program = join(FIXTURE_BIN, libc, fx.name);
      let nativeProgram = program;
      if (libc.startsWith('glibc-i386')) {
        const o = i386Oracle(program, join(FIXTURE_BIN, libc === 'glibc-i386' ? 'glibc' : 'glibc-dyn', fx.name), fx.archDependent);
        if ('skip' in o) { t.skip(o.skip); return; }
        nativeProgram = o.program;
      }
      const work = mkdtempSync(join(tmpdir(), `lxbrand-${fx.name}-`));
      try {
        const dirs = fx.tmpDirArg ? [mkdtempSync(join(work, 'native-')), mkdtempSync(join(work, 'lxrun-'))] : [];
        const spec = {
          program, args: [...(fx.args ?? []), ...dirs.slice(0, 1)], env: fx.env, stdin: fx.stdin, cwd: work,
          timeoutMs: fx.timeoutMs ?? 120_000,
        };
        const pair = await runBoth({ ...spec, program: nativeProgram, timeoutMs: 60_000 },
          { program, timeoutMs: spec.timeoutMs, args: [...(fx.args ?? []), ...dirs.slice(1)] });
        const diff = differences(pair, { nativeStatus: fx.status ?? 0 });
        if (diff) fail(diff);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  }
}
