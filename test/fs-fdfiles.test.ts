// memfd_create, O_TMPFILE, fallocate, copy_file_range and sync_file_range (syscalls/fdfiles.ts,
// kernel/fs/memfd.ts, Vfs.openTmpfile, kernel/fs/tmpfs.ts + tmpfile.ts).
//
// The differential test runs the `memfd` fixture (musl, glibc, glibc-dyn) natively on a fresh
// directory under /dev/shm (a real tmpfs: O_TMPFILE and fallocate behave as tmpfs's do) and under
// `lxrun --tmpfs /lxtmp` on /lxtmp/d (not /tmp: the program itself may live there); stdout, stderr and the exit status must agree. When /dev/shm is
// not a tmpfs the native side cannot be the oracle and those tests are skipped, saying why.
// The unit tests below pin what the fixture cannot see from user space: page and inode accounting
// of unnamed files, ENOSPC with its undo, and the file systems that have no O_TMPFILE or fallocate.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeHost } from '../host/node.js';
import { Errno, errnoName } from '../kernel/errno.js';
import type { OpenFile } from '../kernel/file.js';
import { HostFileSystem } from '../kernel/fs/hostfs.js';
import { MountTable } from '../kernel/fs/mount.js';
import { TmpFs, TMPFS_MAGIC } from '../kernel/fs/tmpfs.js';
import { PathWalker } from '../kernel/fs/walk.js';
import type { Kernel } from '../kernel/kernel.js';
import { O_EXCL, O_RDWR, O_TMPFILE, O_WRONLY } from '../kernel/linux.js';
import type { Process } from '../kernel/process.js';
import { Vfs } from '../kernel/vfs.js';
import {
  FIXTURE_BIN, LXRUN, baseEnv, differences, fail, isExecutableFile, lxrunTimeoutMs, runCommand,
} from './helpers/compare.js';

const LIBCS = ['musl', 'glibc', 'glibc-dyn'] as const;

function shmIsTmpfs(): string | null {
  try {
    return statfsSync('/dev/shm').type === TMPFS_MAGIC ? null : '/dev/shm is not a tmpfs on this machine';
  } catch (e) {
    return `/dev/shm cannot be examined: ${(e as Error).message}`;
  }
}
const noShm = shmIsTmpfs();
if (noShm) console.log(`# fs-fdfiles: native runs skipped: ${noShm}`);

const made: string[] = [];
after(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });

for (const libc of LIBCS) {
  test(`memfd fixture (${libc}): native on /dev/shm vs lxrun --tmpfs /tmp`, { skip: noShm ?? false }, async () => {
    const program = join(FIXTURE_BIN, libc, 'memfd');
    if (!isExecutableFile(program)) fail(`${program} is missing: run scripts/build-fixtures.sh memfd`);
    const parent = mkdtempSync('/dev/shm/lxbrand-fdfiles-');
    made.push(parent);
    const env = baseEnv();
    const native = await runCommand([program, join(parent, 'd')], { env, timeoutMs: 60_000 });
    const flags = (process.env.LXRUN_FLAGS ?? '').split(/\s+/).filter(Boolean);
    const lxEnv = { ...env };
    for (const [k, v] of Object.entries(process.env)) if (k.startsWith('LXRUN_') && v !== undefined) lxEnv[k] = v;
    const lxrun = await runCommand([LXRUN, ...flags, '--tmpfs', '/lxtmp', program, '/lxtmp/d'],
      { env: lxEnv, timeoutMs: lxrunTimeoutMs(120_000) });
    const diff = differences({ native, lxrun });
    if (diff) fail(diff);
  });
}

// ---- unit tests ---------------------------------------------------------------------------------

const host = nodeHost();
const work = mkdtempSync(join(tmpdir(), 'lxbrand-fdfiles-'));
made.push(work);

const ROOT = { pid: 2, uid: 0, euid: 0, fsuid: 0, gid: 0, egid: 0, fsgid: 0, groups: [], umask: 0o022, mode64: true } as unknown as Process;

/** A VFS whose / is `fs` (and /host a host directory). */
function vfsOver(fs: TmpFs): Vfs {
  const mounts = new MountTable();
  mounts.mount('/', fs);
  mounts.mount('/host', new HostFileSystem(host, work, false), { source: work });
  const k = { mounts, walker: new PathWalker(mounts), host, ttyDevice: () => null } as unknown as Kernel;
  return new Vfs(k);
}

function errOf(fn: () => unknown): string {
  try { fn(); } catch (e) { if (e instanceof Errno) return errnoName(e.errno); throw e; }
  return 'ok';
}

const now = () => host.clock.realtime();

test('an O_TMPFILE file takes an inode and pages until its last close', () => {
  const fs = new TmpFs({ dev: 0x90, now, sizeLimit: 64 * 4096, nrInodes: 8 });
  const vfs = vfsOver(fs);
  const before = fs.statfs();
  const f = vfs.open(ROOT, '/', O_TMPFILE | O_RDWR, 0o600) as OpenFile;
  f.write(new Uint8Array(3 * 4096));
  assert.equal(fs.usedPages, 3);
  assert.equal(fs.statfs().ffree, before.ffree - 1);
  assert.equal(f.stat().nlink, 0);
  assert.match(f.path, /^\/#\d+ \(deleted\)$/);
  const g = f.ref();
  f.unref();
  assert.equal(fs.usedPages, 3, 'still open through a second reference');
  g.unref();
  assert.equal(fs.usedPages, 0);
  assert.equal(fs.statfs().ffree, before.ffree);
});

test('linkat names an O_TMPFILE file once; the name costs no extra inode; O_EXCL refuses', () => {
  const fs = new TmpFs({ dev: 0x91, now, nrInodes: 8 });
  const vfs = vfsOver(fs);
  const free0 = fs.statfs().ffree;
  const f = vfs.open(ROOT, '/', O_TMPFILE | O_WRONLY, 0o644) as OpenFile;
  vfs.linkLoc(ROOT, vfs.fileLoc(f), '/named');
  assert.equal(f.stat().nlink, 1);
  assert.equal(fs.statfs().ffree, free0 - 1, 'the first name is the inode the file already had');
  vfs.linkLoc(ROOT, vfs.fileLoc(f), '/second');
  assert.equal(fs.statfs().ffree, free0 - 2, 'further names take inode space, as shmem_link does');
  vfs.unlink(ROOT, '/named');
  vfs.unlink(ROOT, '/second');
  assert.equal(errOf(() => vfs.linkLoc(ROOT, vfs.fileLoc(f), '/third')), 'ENOENT', 'I_LINKABLE is good for one link');
  f.unref();
  assert.equal(fs.statfs().ffree, free0);
  const e = vfs.open(ROOT, '/', O_TMPFILE | O_RDWR | O_EXCL, 0o600) as OpenFile;
  assert.equal(errOf(() => vfs.linkLoc(ROOT, vfs.fileLoc(e), '/x')), 'ENOENT');
  e.unref();
});

test('file systems without ->tmpfile or ->fallocate answer EOPNOTSUPP; a read-only mount EROFS', () => {
  const fs = new TmpFs({ dev: 0x92, now });
  const vfs = vfsOver(fs);
  assert.equal(errOf(() => vfs.open(ROOT, '/host', O_TMPFILE | O_RDWR, 0o600)), 'EOPNOTSUPP');
  const h = vfs.open(ROOT, '/host/file', 0o102 /* O_CREAT | O_RDWR */, 0o600) as OpenFile;
  assert.equal(errOf(() => h.fallocate(0, 0, 4096)), 'EOPNOTSUPP');
  h.unref();
  const ro = new TmpFs({ dev: 0x93, now });
  ro.readonly = true;
  assert.equal(errOf(() => vfsOver(ro).open(ROOT, '/', O_TMPFILE | O_RDWR, 0o600)), 'EROFS');
});

test('fallocate: ENOSPC gives back the pages the failed call reserved, keeps earlier ones', () => {
  const fs = new TmpFs({ dev: 0x94, now, sizeLimit: 8 * 4096 });
  const vfs = vfsOver(fs);
  const f = vfs.open(ROOT, '/', O_TMPFILE | O_RDWR, 0o600) as OpenFile;
  f.fallocate(0, 0, 3 * 4096);
  assert.equal(fs.usedPages, 3);
  assert.equal(errOf(() => f.fallocate(0, 0, 9 * 4096)), 'ENOSPC', 'more than the mount can ever hold');
  assert.equal(errOf(() => f.fallocate(1, 2 * 4096, 7 * 4096)), 'ENOSPC', 'runs out after 5 new pages');
  assert.equal(fs.usedPages, 3);
  assert.equal(f.stat().size, 3 * 4096);
  assert.equal(f.stat().blocks, 24);
  f.fallocate(3, 0, 3 * 4096);                     // punch everything
  assert.equal(fs.usedPages, 0);
  f.unref();
});
