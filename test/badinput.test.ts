// bin/lxrun given something it cannot run: it must say so in exactly one line on stderr, print no
// JavaScript stack trace, write nothing to stdout, and exit with a non-zero status (not by a signal).

import { after, test } from 'node:test';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_BIN, RunResult, fail, hasJsStack, runLxrun, runNative } from './helpers/compare.js';

const dir = mkdtempSync(join(tmpdir(), 'lxbrand-badinput-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const hello = readFileSync(join(FIXTURE_BIN, 'musl', 'hello'));
function file(name: string, bytes: Buffer | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  chmodSync(p, 0o755);
  return p;
}
const otherMachine = Buffer.from(hello);
otherMachine.writeUInt16LE(183, 18); // e_machine = EM_AARCH64
const emptyDir = join(dir, 'a-directory');
mkdirSync(emptyDir);

const CASES: [string, string][] = [
  ['a missing file', join(dir, 'no-such-program')],
  ['a directory', emptyDir],
  ['a text file', file('notes.txt', 'just some text\nnot a program\n')],
  ['an empty file', file('empty', '')],
  ['an ELF truncated inside its header', file('truncated-header', hello.subarray(0, 40))],
  ['an ELF truncated inside its segments', file('truncated-body', hello.subarray(0, Math.floor(hello.length / 2)))],
  ['an ELF for another machine (AArch64)', file('aarch64', otherMachine)],
];

function cleanFailure(r: RunResult): string | null {
  if (r.spawnError) return `lxrun could not start: ${r.spawnError}`;
  const err = r.stderr.toString('utf8');
  const lines = err.replace(/\n$/, '').split('\n');
  const problems: string[] = [];
  if (r.timedOut) problems.push(`timed out after ${r.ms} ms`);
  else if (r.signal) problems.push(`killed by ${r.signal}`);
  else if (r.status === 0) problems.push('exit status 0');
  if (hasJsStack(err)) problems.push('stderr contains a JavaScript stack trace');
  if (err.trim() === '') problems.push('nothing on stderr');
  else if (lines.length !== 1) problems.push(`${lines.length} lines on stderr, expected 1`);
  if (r.stdout.length) problems.push(`${r.stdout.length} bytes on stdout`);
  if (!problems.length) return null;
  if (err.trim() === '') return `${r.argv.join(' ')}: ${problems.join('; ')}`;
  return `${r.argv.join(' ')}: ${problems.join('; ')}\n  stderr:\n` +
    lines.slice(0, 20).map((l) => '    | ' + l).join('\n') + (lines.length > 20 ? `\n    | … (${lines.length - 20} more)` : '');
}

for (const [what, path] of CASES) {
  test(`lxrun on ${what}: one line on stderr, non-zero status`, async () => {
    const r = await runLxrun({ program: path, cwd: dir, timeoutMs: 30_000 });
    const problem = cleanFailure(r);
    if (problem) fail(problem);
  });
}

// Until i386 lands this must fail cleanly like the others; once lxrun runs i386 programs it must
// instead behave like the native run (this kernel runs i386 binaries natively).
test('lxrun on an i386 ELF: a clean one-line refusal, or the same result as native', async () => {
  const program = join(FIXTURE_BIN, 'glibc-i386', 'hello');
  const r = await runLxrun({ program, cwd: dir, timeoutMs: 60_000 });
  if (r.status === 0 && !r.spawnError) {
    const native = await runNative({ program, cwd: dir });
    if (!native.stdout.equals(r.stdout) || r.stderr.length) {
      fail(`lxrun ran the i386 hello but its output differs: stdout ${JSON.stringify(r.stdout.toString())} ` +
        `(native ${JSON.stringify(native.stdout.toString())}), stderr ${JSON.stringify(r.stderr.toString())}`);
    }
    return;
  }
  const problem = cleanFailure(r);
  if (problem) fail(problem);
});

test('the copied inputs are what they claim to be', () => {
  // guards the test itself: the AArch64 copy differs from the original only in e_machine
  const copy = readFileSync(join(dir, 'aarch64'));
  if (copy.readUInt16LE(18) !== 183 || copy.subarray(20).compare(hello.subarray(20)) !== 0) fail('bad AArch64 copy');
  copyFileSync(join(FIXTURE_BIN, 'glibc-i386', 'hello'), join(dir, 'i386-copy'));
  const i386 = readFileSync(join(dir, 'i386-copy'));
  if (i386[4] !== 1 || i386.readUInt16LE(18) !== 3) fail('the i386 fixture is not an ELF32 for EM_386');
});
