// End to end through the kernel: small C programs that exercise the syscall layer
// (test/fixtures/src/sys_*.c) are compiled here with musl-gcc and gcc -static, run natively and
// under bin/lxrun, and must print the same lines and exit with the same status. Also: lxrun's
// strace output against real strace, its one-line fault report, --verbose reports, option errors,
// and the embedding API (Zone.spawn with captured stdio).

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_BIN, LXRUN, ROOT, differences, fail, runBoth, runLxrun, runNative } from './helpers/compare.js';
import { Zone } from '../index.js';

const SRC = join(ROOT, 'test', 'fixtures', 'src');
const work = mkdtempSync(join(tmpdir(), 'lxbrand-kernel-run-'));
after(() => rmSync(work, { recursive: true, force: true }));

const COMPILERS: [string, string[]][] = [['musl-gcc', ['-static', '-O1', '-w']], ['gcc', ['-static', '-O1', '-w']]];
const built = new Map<string, string>();

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

before(() => {
  for (const name of ['sys_fs', 'sys_mm', 'sys_misc', 'sys_fault']) {
    for (const [cc, flags] of COMPILERS) {
      if (!have(cc)) continue;
      const out = join(work, `${name}-${cc}`);
      try {
        execFileSync(cc, [...flags, '-o', out, join(SRC, `${name}.c`)], { stdio: 'pipe' });
        built.set(`${name}-${cc}`, out);
      } catch (e) {
        throw new Error(`${cc} ${name}.c failed: ${(e as { stderr?: Buffer }).stderr?.toString()}`);
      }
    }
  }
});

const PROGRAMS: { name: string; dirArg?: boolean; status?: number }[] = [
  { name: 'sys_fs', dirArg: true },
  { name: 'sys_mm', dirArg: true },
  { name: 'sys_misc', status: 3 },
];

for (const p of PROGRAMS) {
  for (const [cc] of COMPILERS) {
    test(`${p.name} (${cc}): lxrun prints what native prints`, async (t) => {
      const program = built.get(`${p.name}-${cc}`);
      if (!program) { t.skip(`${cc} not available`); return; }
      const dn = mkdtempSync(join(work, 'n-')), dl = mkdtempSync(join(work, 'l-'));
      const pair = await runBoth({ program, args: p.dirArg ? [dn] : [], cwd: work, timeoutMs: 60_000 },
        { args: p.dirArg ? [dl] : [], timeoutMs: 120_000 });
      const diff = differences(pair, { nativeStatus: p.status ?? 0 });
      if (diff) fail(diff);
    });
  }
}

test('a CPU fault kills with one line naming the signal, the address and rip; status 128+N', async (t) => {
  const program = built.get('sys_fault-musl-gcc') ?? built.get('sys_fault-gcc');
  if (!program) { t.skip('no C compiler'); return; }
  const r = await runLxrun({ program, cwd: work, timeoutMs: 60_000 });
  assert.equal(r.status, 139);
  const lines = r.stderr.toString().trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr.toString());
  assert.match(lines[0], /^lxrun: .*sys_fault-\S+: Segmentation fault \(SIGSEGV at 0x10, rip 0x[0-9a-f]+\)$/);
  const ab = await runLxrun({ program, args: ['abort'], cwd: work, timeoutMs: 60_000 });
  assert.equal(ab.status, 134);
  // RLIMIT_CORE is 0 (as in this machine's login shells), so no core is dumped and the wait status
  // has no 0x80: a shell says "Aborted" (test/process.test.ts compares WCOREDUMP with native)
  assert.match(ab.stderr.toString(), /^lxrun: .*: Aborted\n$/);
  const ex = await runLxrun({ program, args: ['exit'], cwd: work, timeoutMs: 60_000 });
  assert.equal(ex.status, 42);
  assert.equal(ex.stderr.toString(), '');
});

/** strace lines with what legitimately differs masked: pids, stack addresses, random bytes. */
function normalise(text: string): string[] {
  return text.split('\n').filter((l) => l && !l.startsWith('execve(') && !l.startsWith('rseq('))
    .map((l) => l
      .replace(/^(set_tid_address\(0x[0-9a-f]+\)\s+= )\d+/, '$1PID')
      .replace(/0x7ff[0-9a-f]{9}/g, 'STACK')
      .replace(/^getrandom\("[^"]*"/, 'getrandom("RANDOM"'));
}

test('--strace matches real strace for the static hello programs', async (t) => {
  if (!have('strace') || !have('setarch')) { t.skip('strace/setarch not installed'); return; }
  for (const libc of ['musl', 'glibc']) {
    const program = join(FIXTURE_BIN, libc, 'hello');
    const out = join(work, `strace-${libc}.txt`);
    const nat = spawnSync('setarch', ['-R', 'strace', '-o', out, program], { cwd: work });
    if (nat.status !== 0 || !existsSync(out)) { t.skip(`strace does not work here: ${nat.stderr}`); return; }
    const r = await runLxrun({ program, args: [], cwd: work, timeoutMs: 60_000, env: {} });
    assert.equal(r.status, 0);
    const ours = spawnSync(LXRUN, ['--strace', program], { cwd: work });
    const want = normalise(readFileSync(out, 'utf8'));
    const got = normalise(ours.stderr.toString());
    assert.deepEqual(got, want, `${libc} hello`);
  }
});

test('--verbose reports an unimplemented call once, with its reason, and the program still works', async () => {
  // busybox logger sends to /dev/log through a socket (networking is not modelled) and goes on
  const r = spawnSync(LXRUN, ['--verbose', '/bin/busybox', 'logger', 'one', 'message'], { cwd: work });
  assert.equal(r.status, 0, r.stderr.toString());
  assert.equal(r.stdout.toString(), '');
  const lines = r.stderr.toString().trimEnd().split('\n');
  assert.deepEqual(lines.filter((l) => l.includes('socket')).length, 1, r.stderr.toString());
  assert.match(lines[0], /^lxrun: unimplemented syscall socket \(41\): \S.+$/);
});

test('lxrun options: --help, usage errors, -e, --, PATH search', async () => {
  const help = spawnSync(LXRUN, ['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout.toString(), /^Usage: lxrun /);
  const none = spawnSync(LXRUN, []);
  assert.equal(none.status, 2);
  assert.equal(none.stderr.toString().trimEnd().split('\n').length, 1);
  const bad = spawnSync(LXRUN, ['--frobnicate', 'x']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr.toString(), /^lxrun: unknown option '--frobnicate'/);
  const argvEnv = join(FIXTURE_BIN, 'musl', 'argv_env');
  const n = await runNative({ program: argvEnv, args: ['-x', 'y'], env: { LXT_ALPHA: 'A' }, cwd: work });
  const l = spawnSync(LXRUN, ['-i', '-e', 'LXT_ALPHA=A', '--', argvEnv, '-x', 'y'], { cwd: work, env: {} });
  assert.equal(l.status, n.status);
  assert.match(l.stdout.toString(), /LXT_ALPHA=A/);
  const notFound = spawnSync(LXRUN, ['no-such-command-anywhere']);
  assert.equal(notFound.status, 127);
  assert.equal(notFound.stderr.toString(), 'lxrun: no-such-command-anywhere: command not found\n');
});

test('Zone.spawn: captured stdout/stderr, stdin from a string, env, cwd and exit status', async () => {
  const zone = new Zone({ firstPid: 100 });
  const chunks: Uint8Array[] = [];
  const r = await zone.spawn([join(FIXTURE_BIN, 'musl', 'hello')], { stdout: (b) => chunks.push(b) });
  assert.equal(r.code, 0);
  assert.equal(Buffer.concat(chunks).toString(), 'Hello, world!\n');

  const wc: Uint8Array[] = [];
  const native = await runNative({ program: join(FIXTURE_BIN, 'glibc', 'stdin_wc'), stdin: 'one two\nthree\n', cwd: work });
  const r2 = await zone.spawn([join(FIXTURE_BIN, 'glibc', 'stdin_wc')], { stdin: 'one two\nthree\n', stdout: (b) => wc.push(b), cwd: work });
  assert.equal(r2.code, native.status);
  assert.equal(Buffer.concat(wc).toString(), native.stdout.toString());

  const env: Uint8Array[] = [];
  const r3 = await zone.spawn([join(FIXTURE_BIN, 'musl', 'argv_env'), 'a'], { env: { LXT_ALPHA: 'zone' }, stdout: (b) => env.push(b) });
  assert.match(Buffer.concat(env).toString(), /LXT_ALPHA=zone/);
  assert.equal(r3.code, (2 + 40) & 0xff);

  await assert.rejects(zone.spawn([join(work, 'missing')]), /No such file or directory/);
});

test('Zone.spawn runs beside the event loop: timers fire while a guest computes', async () => {
  const zone = new Zone();
  let ticks = 0;
  const iv = setInterval(() => ticks++, 5);
  try {
    const r = await zone.spawn([join(FIXTURE_BIN, 'musl', 'sha256'), '256K'], { stdout: () => {} });
    assert.equal(r.code, 0);
  } finally {
    clearInterval(iv);
  }
  assert.ok(ticks > 0, 'the event loop never ran during the guest');
});

