// File locks between processes (issue #5), native vs lxrun: the locks fixture (flock, POSIX record
// locks, OFD locks; fork, pipes, blocking waits, EDEADLK, SIGALRM) built with musl, glibc and
// dynamically against Debian's glibc, on a host directory, and once more on a tmpfs of the zone's
// own and under an overlay root (locks there are keyed within the zone's file system, not by the
// host's inode). The native run in the same test is the only oracle; each side gets a fresh empty
// directory.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_BIN, differences, fail, isExecutableFile, runBoth } from './helpers/compare.js';

const work = mkdtempSync(join(tmpdir(), 'lxbrand-locks-'));
after(() => rmSync(work, { recursive: true, force: true }));

const LIBCS = ['musl', 'glibc', 'glibc-dyn'] as const;

test('locks fixture binaries are built and committed', () => {
  const missing = LIBCS.map((l) => join(FIXTURE_BIN, l, 'locks')).filter((p) => !isExecutableFile(p));
  assert.deepEqual(missing, [], `missing fixture binaries: run 'scripts/build-fixtures.sh locks'`);
});

for (const libc of LIBCS) {
  test(`locks (${libc}): lxrun matches native`, async () => {
    const program = join(FIXTURE_BIN, libc, 'locks');
    const dir = mkdtempSync(join(work, `${libc}-`));
    const native = mkdtempSync(join(dir, 'native-')), lx = mkdtempSync(join(dir, 'lxrun-'));
    const pair = await runBoth({ program, args: [native], cwd: dir, timeoutMs: 60_000 }, { args: [lx], timeoutMs: 180_000 });
    const diff = differences(pair);
    if (diff) fail(diff);
  });
}

test('locks (musl) on a tmpfs of the zone: lxrun matches native', async () => {
  const program = join(FIXTURE_BIN, 'musl', 'locks');
  const dir = mkdtempSync(join(work, 'tmpfs-'));
  const native = mkdtempSync(join(dir, 'native-'));
  // lxrun's options go before the program: run "lxrun --tmpfs /lockdir PROGRAM /lockdir"
  const pair = await runBoth({ program, args: [native], cwd: dir, timeoutMs: 60_000 },
    { program: '--tmpfs', args: ['/lockdir', program, '/lockdir'], timeoutMs: 180_000 });
  const diff = differences(pair);
  if (diff) fail(diff);
});

test('locks (musl) under --root / (an overlay): lxrun matches native', async () => {
  const program = join(FIXTURE_BIN, 'musl', 'locks');
  const dir = mkdtempSync(join(work, 'overlay-'));
  const native = mkdtempSync(join(dir, 'native-')), lx = mkdtempSync(join(dir, 'lxrun-'));
  // the zone's writes land in the overlay's upper tmpfs; the host directory stays empty
  const pair = await runBoth({ program, args: [native], cwd: dir, timeoutMs: 60_000 },
    { program: '--root', args: ['/', program, lx], timeoutMs: 180_000 });
  const diff = differences(pair);
  if (diff) fail(diff);
});
