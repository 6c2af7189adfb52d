// i386 programs (issue #8) beside x86-64 ones, native vs lxrun: the process fixtures (procs,
// sigwait, spawn, pipes, cputimers) built with gcc -m32, static and dynamic; Debian's busybox-static:i386
// running the shell cases of test/process.test.ts; and both ABIs in one zone (a 64-bit shell execs
// a 32-bit one and back, and reads the 32-bit process's /proc files). The other fixtures' i386
// builds run in test/fixtures.test.ts, test/threads.test.ts and test/fs-semantics.test.ts, the
// i386 busybox applets in test/busybox.test.ts, esbuild's i386 build in test/npm-binaries.test.ts.
// The oracle is the native run (this kernel runs i386 programs); on a kernel that cannot, the
// x86-64 build's native run where the output is architecture-independent (test/helpers/i386.ts).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_BIN, ROOT, differences, fail, isExecutableFile, runBoth } from './helpers/compare.js';
import { BUSYBOX_I386, i386Oracle, i386RunsNatively } from './helpers/i386.js';

const BUSYBOX = '/bin/busybox';
const work = mkdtempSync(join(tmpdir(), 'lxbrand-i386-'));
after(() => rmSync(work, { recursive: true, force: true }));

const FIXTURES: { name: string; tmpDirArg?: boolean }[] = [{ name: 'procs', tmpDirArg: true }, { name: 'sigwait' }, { name: 'spawn' }, { name: 'pipes' }, { name: 'cputimers' }];
const BUILDS = ['glibc-i386', 'glibc-i386-dyn'] as const;

test('i386 process fixtures are built and committed', () => {
  const missing = FIXTURES.flatMap((f) => BUILDS.map((b) => join(FIXTURE_BIN, b, f.name))).filter((p) => !isExecutableFile(p));
  assert.deepEqual(missing, [], `missing fixture binaries: run 'make setup fixtures'`);
});

for (const fx of FIXTURES) {
  for (const build of BUILDS) {
    test(`${fx.name} (${build}): lxrun matches native`, async (t) => {
      const program = join(FIXTURE_BIN, build, fx.name);
      const o = i386Oracle(program, join(FIXTURE_BIN, build === 'glibc-i386' ? 'glibc' : 'glibc-dyn', fx.name));
      if ('skip' in o) { t.skip(o.skip); return; }
      const dir = mkdtempSync(join(work, `${fx.name}-`));
      const dirs = fx.tmpDirArg ? [mkdtempSync(join(dir, 'native-')), mkdtempSync(join(dir, 'lxrun-'))] : [];
      const pair = await runBoth({ program: o.program, args: dirs.slice(0, 1), cwd: dir, timeoutMs: 60_000 },
        { program, args: dirs.slice(1), timeoutMs: 180_000 });
      const diff = differences(pair);
      if (diff) fail(diff);
    });
  }
}

/** busybox-static:i386 sh -c SCRIPT natively (or the x86-64 busybox) and under lxrun. */
async function sh32(t: { skip(m: string): void }, script: string, opts: { status?: number; stdin?: string; args?: string[] } = {}): Promise<void> {
  if (!isExecutableFile(BUSYBOX_I386)) fail(`${BUSYBOX_I386} is missing: run 'make setup' (scripts/i386-packages.sh)`);
  const o = i386Oracle(BUSYBOX_I386, BUSYBOX);
  if ('skip' in o) { t.skip(o.skip); return; }
  const args = ['sh', '-c', script, ...(opts.args ?? [])];
  const pair = await runBoth({ program: o.program, args, cwd: work, stdin: opts.stdin, env: { BB32: BUSYBOX_I386 }, timeoutMs: 60_000 },
    { program: BUSYBOX_I386, timeoutMs: 180_000 });
  const diff = differences(pair, { nativeStatus: opts.status ?? 0 });
  if (diff) fail(diff);
}

test('i386 sh: pipelines', (t) => sh32(t, `seq 1 30 | sort -rn | head -n 4 | tr '\\n' ' '; echo; echo abc | cat | cat | tr a-c x-z;
  printf 'b\\na\\nb\\n' | sort | uniq -c; false | true; echo $?; true | false; echo $?`));

test('i386 sh: subshells and command substitution', (t) => sh32(t, `x=1; (x=2; echo in $x; exit 4); echo "st=$? x=$x";
  y=$(echo one; echo two); echo "[$y]"; z=$(exit 9); echo $?; echo "$(echo $(echo nested) "$(echo quoted)")"`));

test('i386 sh: while loops with arithmetic', (t) => sh32(t, `i=0; s=0; while [ $i -lt 200 ]; do i=$((i+1)); s=$((s + i*i % 7)); done;
  echo "$i $s $((1<<40)) $((-17/5)) $((-17%5))"`));

test('i386 sh: background jobs, wait and exit statuses', (t) => sh32(t, `(sleep 0.3; exit 5) & a=$!; (exit 6) & b=$!;
  wait $b; echo "b=$?"; wait $a; echo "a=$?"; sleep 10 & c=$!; sleep 1; kill $c; wait $c; echo "c=$?"; exit 42`, { status: 42 }));

test('i386 sh: trap on signals and on exit', (t) => sh32(t, `trap 'echo usr1' USR1; kill -USR1 $$; echo after;
  trap 'echo "exit trap $?"' EXIT; sh -c 'kill -TERM $$'; echo "child $?"; exit 3`, { status: 3 }));

test('i386 sh: reading standard input line by line', (t) => sh32(t, `n=0; while read -r line; do n=$((n+1)); echo "$n: $line"; done; echo "lines $n"`,
  { stdin: 'first\nsecond line\n\nlast without newline' }));

test('i386 sh: the 200-line script (test/fixtures/sh/jobs.sh)', async (t) => {
  if (!isExecutableFile(BUSYBOX_I386)) fail(`${BUSYBOX_I386} is missing: run 'make setup' (scripts/i386-packages.sh)`);
  const o = i386Oracle(BUSYBOX_I386, BUSYBOX);
  if ('skip' in o) { t.skip(o.skip); return; }
  const script = join(ROOT, 'test', 'fixtures', 'sh', 'jobs.sh');
  const pair = await runBoth({ program: o.program, args: ['sh', script], cwd: work, env: { TMPDIR: work }, timeoutMs: 60_000 },
    { program: BUSYBOX_I386, timeoutMs: 240_000 });
  const diff = differences(pair, { nativeStatus: 3 });
  if (diff) fail(diff);
});

// Both ABIs in one zone. Natively this needs a kernel that runs i386 (no fallback: the point is the mix).
const mixedSkip = i386RunsNatively() ? false : 'this kernel does not run i386 programs: no native oracle for a mixed-ABI run';

test('a 64-bit shell execs a 32-bit one, which execs 64-bit programs again', { skip: mixedSkip }, async () => {
  const script = `echo "64: $(uname -m)"; "$BB32" sh -c 'echo "32: $(uname -m)"; /bin/busybox sh -c "echo back in 64; exit 5"; echo "status $?"';
    "$BB32" true && echo "32-bit true"; "$BB32" false || echo "32-bit false: $?"; echo one two | "$BB32" wc -w`;
  const pair = await runBoth({ program: BUSYBOX, args: ['sh', '-c', script], cwd: work, env: { BB32: BUSYBOX_I386 }, timeoutMs: 60_000 },
    { timeoutMs: 180_000 });
  const diff = differences(pair);
  if (diff) fail(diff);
});

test("a 64-bit process reads a 32-bit process's /proc files, and the other way round", { skip: mixedSkip }, async () => {
  // facts that do not depend on ASLR: the ELF class of /proc/PID/exe, the named mappings, the
  // vsyscall page only in the 64-bit process, the fixed load address of the non-PIE i386 busybox
  const facts = (who: string) => `echo "${who}: class $(od -An -tx1 -j4 -N1 /proc/$p/exe | tr -d ' ')";
    sed -n 's/^[0-9a-f]*-[0-9a-f]* [-rwxsp]* [0-9a-f]* [0-9a-f:]* [0-9]* *//p' /proc/$p/maps | sed 's|.*/||' | sort -u | tr '\\n' ' '; echo;
    head -1 /proc/$p/maps | cut -d- -f1; grep -c '^State:' /proc/$p/status; tr '\\0' ' ' < /proc/$p/cmdline; echo`;
  const script = `"$BB32" sleep 3 & p=$!; sleep 0.5; ${facts('32-bit seen by 64-bit')}; kill $p; wait $p;
    /bin/busybox sleep 3 & p=$!; export p; sleep 0.5; "$BB32" sh -c '${facts('64-bit seen by 32-bit').replace(/'/g, `'"'"'`)}'; kill $p; wait $p; echo done`;
  const pair = await runBoth({ program: BUSYBOX, args: ['sh', '-c', script], cwd: work, env: { BB32: BUSYBOX_I386 }, timeoutMs: 60_000 },
    { timeoutMs: 180_000 });
  const diff = differences(pair);
  if (diff) fail(diff);
});

/** A copy of an i386 ELF file with its PT_GNU_STACK header turned into PT_NULL. */
function withoutGnuStack(src: string, dst: string): void {
  const b = readFileSync(src);
  const phoff = b.readUInt32LE(28), phentsize = b.readUInt16LE(42), phnum = b.readUInt16LE(44);
  let found = false;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (b.readUInt32LE(o) === 0x6474e551) { b.writeUInt32LE(0, o); found = true; }
  }
  assert.ok(found, `${src} has no PT_GNU_STACK to remove`);
  writeFileSync(dst, b);
  chmodSync(dst, 0o755);
}

test('an i386 program without PT_GNU_STACK runs with READ_IMPLIES_EXEC, as natively', { skip: mixedSkip }, async () => {
  const program = join(FIXTURE_BIN, 'glibc-i386', 'readexec');
  const copy = join(work, 'readexec-nognustack');
  withoutGnuStack(program, copy);
  for (const p of [program, copy]) {
    const pair = await runBoth({ program: p, cwd: work, timeoutMs: 60_000 }, { timeoutMs: 120_000 });
    const diff = differences(pair);
    if (diff) fail(diff);
  }
});
