// File semantics against Linux's own tmpfs (issue #5): test/fixtures/src/fsops.c walks through
// rename over directories, renameat2, hard links and link counts, unlinked open files, symlink
// loops and chains, trailing slashes, O_NOFOLLOW/O_DIRECTORY/O_EXCL, sparse files and
// SEEK_DATA/SEEK_HOLE, FIFOs, O_APPEND, utimensat with nanoseconds, getdents64 while entries go
// away, umask/chmod, setgid and sticky directories, mknod, statfs and access, a working directory
// removed or renamed under the process (getcwd, /proc/self/cwd, ".." from it), printing one line
// per step. It runs natively in a fresh directory on a real tmpfs (/dev/shm) and under
// `lxrun --tmpfs /lxtmp` in /lxtmp (not /tmp: the fixture itself may live there); stdout, stderr and the exit status must be equal. The native run
// in the same test is the only source of expected output.
//
// Sections that lxrun cannot do yet run as separate `todo` tests with the reason, so the rest
// stays a hard check.

import { test } from 'node:test';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import {
  FIXTURE_BIN, LXRUN, baseEnv, differences, fail, isExecutableFile, lxrunTimeoutMs, runCommand, type RunResult,
} from './helpers/compare.js';

const TMPFS_MAGIC = 0x01021994;
const NATIVE_TMPFS = '/dev/shm';

/** Every section of fsops.c, in its table order. */
const SECTIONS = [
  'statfs', 'rename', 'links', 'symlinks', 'sparse', 'fifo', 'append', 'times', 'getdents', 'modes',
  'setgid', 'sticky', 'euid', 'mknod', 'rootaccess', 'access', 'rmdir', 'deadcwd', 'movedcwd',
];

/** Sections with a known difference, and why (none at the moment). */
const TODO: Record<string, string> = {};

const LIBCS = ['musl', 'glibc', 'glibc-dyn', 'glibc-i386'] as const;

function nativeSkipReason(): string | undefined {
  try {
    const s = statfsSync(NATIVE_TMPFS);
    if (s.type !== TMPFS_MAGIC) return `${NATIVE_TMPFS} is not a tmpfs here (f_type 0x${s.type.toString(16)}): no native oracle`;
  } catch (e) {
    return `${NATIVE_TMPFS} is not usable here (${(e as Error).message}): no native oracle`;
  }
  return undefined;
}

function lxrunArgv(program: string, args: string[]): string[] {
  const flags = (process.env.LXRUN_FLAGS ?? '').split(/\s+/).filter(Boolean);
  return [LXRUN, ...flags, '--tmpfs', '/lxtmp', program, ...args];
}

function lxrunEnv(): Record<string, string> {
  const env = baseEnv();
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('LXRUN_') && v !== undefined) env[k] = v;
  return env;
}

/** Whether lxrun runs i386 programs yet (a quick run of the smallest fixture). */
let i386Probe: Promise<string | undefined> | undefined;
function i386SkipReason(): Promise<string | undefined> {
  i386Probe ??= (async () => {
    const hello = join(FIXTURE_BIN, 'glibc-i386', 'hello');
    if (!isExecutableFile(hello)) return 'test/fixtures/bin/glibc-i386/hello is missing';
    const r = await runCommand(lxrunArgv(hello, []), { env: lxrunEnv(), timeoutMs: lxrunTimeoutMs(60_000) });
    if (r.status === 0 && r.stdout.toString().includes('Hello')) return undefined;
    const line = r.stderr.toString().split('\n').find((l) => l.trim()) ?? `exit status ${r.status}`;
    return `lxrun does not run i386 programs yet (${line.trim()})`;
  })();
  return i386Probe;
}

async function runPair(program: string, sections: string[]): Promise<{ native: RunResult; lxrun: RunResult }> {
  const work = mkdtempSync(join(NATIVE_TMPFS, 'lxbrand-fsops-'));
  try {
    const native = await runCommand([program, join(work, 'fsops'), ...sections], { env: baseEnv(), cwd: work, timeoutMs: 60_000 });
    const lxrun = await runCommand(lxrunArgv(program, ['/lxtmp/fsops', ...sections]), {
      env: lxrunEnv(), cwd: work, timeoutMs: lxrunTimeoutMs(180_000),
    });
    return { native, lxrun };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const nativeSkip = nativeSkipReason();
const main = SECTIONS.filter((s) => !(s in TODO));

for (const libc of LIBCS) {
  const program = join(FIXTURE_BIN, libc, 'fsops');
  const check = async (t: { skip: (m: string) => void }, sections: string[]): Promise<void> => {
    if (nativeSkip) { t.skip(nativeSkip); return; }
    if (libc === 'glibc-i386') {
      const why = await i386SkipReason();
      if (why) { t.skip(why); return; }
    }
    if (!isExecutableFile(program)) fail(`missing ${program}: run 'scripts/build-fixtures.sh fsops'`);
    const diff = differences(await runPair(program, sections));
    if (diff) fail(diff);
  };
  test(`fsops (${libc}): lxrun on its tmpfs matches native tmpfs (${main.length} sections)`, (t) => check(t, main));
  for (const [section, why] of Object.entries(TODO)) {
    test(`fsops (${libc}) section ${section}`, { todo: why }, (t) => check(t, [section]));
  }
}
