// overlayfs (kernel/fs/overlay.ts) against a real Linux overlay mount of the same lower directory:
// one scripted sequence of changes (writes that copy files up, chmod/chown/utimes, unlink and
// rmdir of lower entries, a directory made where one was removed, renames of lower files and of
// lower directories, hard links, symlinks, a rename of an upper directory over a lower one) runs
// natively through node's fs on `mount -t overlay` (upper on a tmpfs) and here through the VFS
// on OverlayFs(hostfs lower, TmpFs upper). Compared: every call's result, the visible tree
// (types, modes, owners, sizes, contents, link targets, link counts, whether times are the
// lower's), the upper layer itself (which files were copied up, whiteouts, opaque directories),
// and the st_dev/st_ino rules of "inode properties". Without root or overlay support the native
// side is skipped and the results are checked against the errnos Linux gives.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeHost } from '../host/node.js';
import { baseEnv, differences, isStaticElf, LXRUN, lxrunTimeoutMs, runCommand } from './helpers/compare.js';
import { Errno, HostError, errnoName } from '../kernel/errno.js';
import type { Kernel } from '../kernel/kernel.js';
import {
  O_APPEND, O_CREAT, O_DIRECTORY, O_RDONLY, O_TRUNC, O_WRONLY, RENAME_EXCHANGE, S_IFCHR, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG,
} from '../kernel/linux.js';
import type { Process } from '../kernel/process.js';
import { Vfs } from '../kernel/vfs.js';
import { HostFileSystem } from '../kernel/fs/hostfs.js';
import type { Inode } from '../kernel/fs/inode.js';
import { MountTable } from '../kernel/fs/mount.js';
import { OverlayFs, OVERLAYFS_SUPER_MAGIC } from '../kernel/fs/overlay.js';
import { TmpFs } from '../kernel/fs/tmpfs.js';
import { PathWalker } from '../kernel/fs/walk.js';

const host = nodeHost();
const PY = '/usr/bin/python3';
const OLD = 1_000_000_000;           // every lower file's mtime/atime: "old" means kept from the lower
const base = fs.mkdtempSync(join(tmpdir(), 'lxbrand-overlay-'));
const mounted: string[] = [];
after(() => {
  for (const m of mounted.reverse()) spawnSync('umount', [m]);
  fs.rmSync(base, { recursive: true, force: true });
});
process.umask(0o022);

// ---- the lower tree ----------------------------------------------------------------------------

const L = join(base, 'lower');
function buildLower(): void {
  const file = (p: string, s: string, mode = 0o644) => { fs.writeFileSync(join(L, p), s); fs.chmodSync(join(L, p), mode); };
  for (const d of ['d/sub', 'd/sub2', 'd2', 'empty', 'ld', 'deep/er']) fs.mkdirSync(join(L, d), { recursive: true });
  file('a', 'alpha\n');
  file('b', 'bravo\n');
  file('c', 'charlie\n');
  file('e', 'echo\n');
  file('big', 'x'.repeat(10000));
  file('untouched', 'untouched\n');
  file('mode600', 'secret\n', 0o600);
  file('owned', 'owned\n');
  file('d/f', 'foxtrot\n');
  file('d/sub2/g', 'golf\n');
  file('d2/x', 'x\n');
  file('d2/y', 'y\n');
  file('deep/er/file', 'deep\n');
  fs.symlinkSync('a', join(L, 'lnk'));
  if (process.getuid?.() === 0) fs.chownSync(join(L, 'owned'), 1000, 1000);
  // old times everywhere, directories last (making entries moved their times)
  const all: string[] = [];
  const walk = (rel: string) => {
    for (const n of fs.readdirSync(join(L, rel))) {
      const p = rel ? `${rel}/${n}` : n;
      if (fs.lstatSync(join(L, p)).isDirectory()) walk(p);
      all.push(p);
    }
  };
  walk('');
  for (const p of all) fs.lutimesSync(join(L, p), OLD, OLD);
  fs.utimesSync(L, OLD, OLD);
}
buildLower();

// ---- the script ------------------------------------------------------------------------------

type Op =
  | ['read', string] | ['append', string, string] | ['write', string, string] | ['chmod', string, number]
  | ['chown', string, number, number] | ['utimes', string, number] | ['truncate', string, number]
  | ['unlink', string] | ['rmdir', string] | ['mkdir', string] | ['rename', string, string]
  | ['link', string, string] | ['symlink', string, string] | ['list', string];

const SCRIPT: Op[] = [
  ['read', 'a'],
  ['append', 'a', 'more\n'],                // copy-up of a file
  ['chmod', 'd/f', 0o600],                  // copy-up of a directory and a file in it
  ['unlink', 'lnk'],                        // whiteout
  ['rmdir', 'empty'],                       // whiteout for a directory
  ['rmdir', 'd2'],                          // ENOTEMPTY
  ['mkdir', 'empty'],                       // opaque: nothing of the lower shows
  ['write', 'empty/new', 'n\n'],
  ['list', 'empty'],
  ['rename', 'd', 'd-moved'],               // EXDEV (redirect_dir is off)
  ['rename', 'deep', 'deep2'],              // EXDEV
  ['rename', 'b', 'b2'],                    // copy-up, then a whiteout at b
  ['write', 'newf', 'x\n'],
  ['rename', 'newf', 'c'],                  // an upper file replaces a lower one
  ['link', 'e', 'e-link'],                  // copy-up of the target
  ['truncate', 'big', 10],
  ['symlink', 'a', 'sl'],
  ['mkdir', 'nd'],
  ['write', 'nd/inner', 'i\n'],
  ['rename', 'nd', 'nd2'],                  // a pure upper directory moves freely
  ['rename', 'nd2', 'ld'],                  // ... even over an empty lower directory
  ['list', 'ld'],
  ['unlink', 'd2/x'],
  ['unlink', 'd2/y'],
  ['list', 'd2'],
  ['rmdir', 'd2'],                          // a merged directory holding only whiteouts
  ['append', 'deep/er/file', 'more\n'],     // parents copied up on the way
  ['chown', 'owned', 1234, 5678],
  ['utimes', 'mode600', 2_000_000_000],
  ['unlink', 'nonexistent'],
  ['mkdir', 'd'],
  ['rename', 'd/sub2/g', 'd/g2'],
  ['rmdir', 'd/sub'],
  ['mkdir', 'd/sub'],
  ['write', 'lnk', 'recreated\n'],          // a file where a whiteout is
  ['rename', 'empty/new', 'newname'],
  ['unlink', 'b'],                          // already gone (whiteout)
  ['rmdir', 'd'],                           // ENOTEMPTY: the merged listing is not empty
  ['list', 'd'],
  ['list', ''],
  ['read', 'b2'], ['read', 'c'], ['read', 'e-link'], ['read', 'big'], ['read', 'ld/inner'], ['read', 'lnk'],
];

/** What Linux answers (checked on a 6.x kernel), for when no overlay can be mounted here. */
const EXPECTED_ERRORS: Record<number, string> = {
  5: 'ENOTEMPTY', 9: 'EXDEV', 10: 'EXDEV', 29: 'ENOENT', 30: 'EEXIST', 36: 'ENOENT', 37: 'ENOTEMPTY',
};

function errName(e: unknown): string {
  if (e instanceof Errno) return errnoName(e.errno);
  if (e instanceof HostError) return e.code;
  if (e && typeof e === 'object' && 'code' in e) return String((e as { code: unknown }).code);
  throw e;
}

/** Runs the script natively in directory `m`; one result line per step. */
function runNative(m: string): string[] {
  const at = (p: string) => join(m, p);
  return SCRIPT.map((op) => {
    try {
      switch (op[0]) {
        case 'read': return `ok ${fs.readFileSync(at(op[1]), 'latin1').length}`;
        case 'append': fs.appendFileSync(at(op[1]), op[2]); break;
        case 'write': fs.writeFileSync(at(op[1]), op[2]); break;
        case 'chmod': fs.chmodSync(at(op[1]), op[2]); break;
        case 'chown': fs.chownSync(at(op[1]), op[2], op[3]); break;
        case 'utimes': fs.utimesSync(at(op[1]), op[2], op[2]); break;
        case 'truncate': fs.truncateSync(at(op[1]), op[2]); break;
        case 'unlink': fs.unlinkSync(at(op[1])); break;
        case 'rmdir': fs.rmdirSync(at(op[1])); break;
        case 'mkdir': fs.mkdirSync(at(op[1]), 0o755); break;
        case 'rename': fs.renameSync(at(op[1]), at(op[2])); break;
        case 'link': fs.linkSync(at(op[1]), at(op[2])); break;
        case 'symlink': fs.symlinkSync(op[1], at(op[2])); break;
        case 'list': return `ok ${fs.readdirSync(at(op[1])).sort().join(',')}`;
      }
      return 'ok';
    } catch (e) { return errName(e); }
  });
}

// ---- our side: the VFS over an OverlayFs --------------------------------------------------------

interface Ours { vfs: Vfs; p: Process; ovl: OverlayFs; upper: TmpFs; lowerRoot: Inode }

function ours(): Ours {
  const now = () => host.clock.realtime();
  const lower = new HostFileSystem(host, L, true);
  const upper = new TmpFs({ dev: 0x70, now, mode: 0o755 });
  const ovl = new OverlayFs({ dev: 0x71, lower: lower.root(), upper: upper.root(), now, upperDev: 0x72, lowerDev: 0x73 });
  const mounts = new MountTable();
  mounts.mount('/', ovl, { source: 'overlay' });
  const k = { mounts, walker: new PathWalker(mounts), host, ttyDevice: () => null } as unknown as Kernel;
  const p = { pid: 2, uid: 0, euid: 0, fsuid: 0, gid: 0, egid: 0, fsgid: 0, groups: [], umask: 0o022, mode64: true } as unknown as Process;
  return { vfs: new Vfs(k), p, ovl, upper, lowerRoot: lower.root() };
}

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function readAll(o: Ours, path: string): string {
  const f = o.vfs.open(o.p, path, O_RDONLY, 0) as ReturnType<Vfs['openLoc']> & { read(b: Uint8Array): number; unref(): void };
  let s = '';
  const b = new Uint8Array(65536);
  for (let n; (n = f.read(b)) > 0;) s += String.fromCharCode(...b.subarray(0, n));
  f.unref();
  return s;
}

function listDir(o: Ours, path: string): string[] {
  const f = o.vfs.open(o.p, path, O_RDONLY | O_DIRECTORY, 0) as { readdir(): { name: string }[]; unref(): void };
  const names = f.readdir().map((e) => e.name).filter((n) => n !== '.' && n !== '..');
  f.unref();
  return names;
}

function writeFile(o: Ours, path: string, s: string, flags: number): void {
  const f = o.vfs.open(o.p, path, O_WRONLY | flags, 0o666) as { write(b: Uint8Array): number; unref(): void };
  f.write(enc(s));
  f.unref();
}

function runOurs(o: Ours): string[] {
  const { vfs, p } = o;
  const at = (s: string) => '/' + s;
  return SCRIPT.map((op) => {
    try {
      switch (op[0]) {
        case 'read': return `ok ${readAll(o, at(op[1])).length}`;
        case 'append': writeFile(o, at(op[1]), op[2], O_APPEND); break;
        case 'write': writeFile(o, at(op[1]), op[2], O_CREAT | O_TRUNC); break;
        case 'chmod': vfs.chmod(p, at(op[1]), op[2]); break;
        case 'chown': vfs.chown(p, at(op[1]), op[2], op[3], true); break;
        case 'utimes': vfs.utimes(p, at(op[1]), [op[2], 0], [op[2], 0], true); break;
        case 'truncate': vfs.truncate(p, at(op[1]), op[2]); break;
        case 'unlink': vfs.unlink(p, at(op[1])); break;
        case 'rmdir': vfs.rmdir(p, at(op[1])); break;
        case 'mkdir': vfs.mkdir(p, at(op[1]), 0o755); break;
        case 'rename': vfs.rename(p, at(op[1]), at(op[2]), 0); break;
        case 'link': vfs.link(p, at(op[1]), at(op[2])); break;
        case 'symlink': vfs.symlink(p, op[1], at(op[2])); break;
        case 'list': return `ok ${listDir(o, at(op[1])).sort().join(',')}`;
      }
      return 'ok';
    } catch (e) { return errName(e); }
  });
}

// ---- trees ------------------------------------------------------------------------------------

interface Entry { type: string; mode: string; uid: number; gid: number; size: number; nlink: number; times: string; data: string }
const typeName = (m: number) => ({ [S_IFDIR]: 'dir', [S_IFREG]: 'file', [S_IFLNK]: 'link', [S_IFCHR]: 'chr' } as Record<number, string>)[m & S_IFMT] ?? 'other';

function entry(st: { mode: number; uid: number; gid: number; size: number; nlink: number; mtimeSec: number; atimeSec: number }, data: string, dirSize: boolean): Entry {
  const type = typeName(st.mode);
  return {
    type, mode: (st.mode & 0o7777).toString(8), uid: st.uid, gid: st.gid,
    // directory sizes differ between file systems (ext4 blocks, tmpfs 20 per entry): not compared
    size: type === 'dir' && !dirSize ? 0 : st.size, nlink: st.nlink,
    times: `${st.mtimeSec === OLD ? 'old' : st.mtimeSec === 2_000_000_000 ? 'set' : 'new'}`, data,
  };
}

function nativeTree(root: string): Record<string, Entry> {
  const out: Record<string, Entry> = {};
  const walk = (rel: string) => {
    for (const n of fs.readdirSync(join(root, rel)).sort()) {
      const p = rel ? `${rel}/${n}` : n;
      const full = join(root, p);
      const st = fs.lstatSync(full);
      const data = st.isFile() ? fs.readFileSync(full, 'latin1') : st.isSymbolicLink() ? fs.readlinkSync(full) :
        st.isCharacterDevice() ? `rdev ${st.rdev}` : '';
      out[p] = entry({ mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, nlink: st.nlink, mtimeSec: Math.floor(st.mtimeMs / 1000), atimeSec: 0 }, data, false);
      if (st.isDirectory()) walk(p);
    }
  };
  walk('');
  return out;
}

function ourTree(o: Ours): Record<string, Entry> {
  const out: Record<string, Entry> = {};
  const walk = (rel: string) => {
    for (const n of listDir(o, '/' + rel).sort()) {
      const p = rel ? `${rel}/${n}` : n;
      const st = o.vfs.stat(o.p, '/' + p, false);
      const t = st.mode & S_IFMT;
      const data = t === S_IFREG ? readAll(o, '/' + p) : t === S_IFLNK ? o.vfs.readlink(o.p, '/' + p) : '';
      out[p] = entry(st, data, false);
      if (t === S_IFDIR) walk(p);
    }
  };
  walk('');
  return out;
}

/** A layer directory as-is (whiteouts and opaque marks included). */
function layerTree(dir: Inode, xattr: (i: Inode) => string): Record<string, Entry & { opaque: string }> {
  const out: Record<string, Entry & { opaque: string }> = {};
  const walk = (d: Inode, rel: string) => {
    for (const e of d.readdir(0).filter((x) => x.name !== '.' && x.name !== '..').sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      const i = d.lookup(e.name)!;
      const st = i.stat();
      const t = st.mode & S_IFMT;
      const data = t === S_IFLNK ? i.readlink() : t === S_IFCHR ? `rdev ${st.rdev}` : '';
      out[p] = { ...entry({ ...st }, data, false), data: t === S_IFREG ? `${st.size}` : data, nlink: 0, times: '', opaque: t === S_IFDIR ? xattr(i) : '' };
      if (t === S_IFDIR) walk(i, p);
    }
  };
  walk(dir, '');
  return out;
}

function nativeLayerTree(root: string): Record<string, Entry & { opaque: string }> {
  const t = nativeTree(root);
  const dirs = Object.keys(t).filter((p) => t[p].type === 'dir');
  let opaque: Record<string, string> = {};
  if (fs.existsSync(PY) && dirs.length) {
    const r = spawnSync(PY, ['-c', `
import os, sys, json
out = {}
for p in sys.argv[1:]:
    try: out[p] = os.getxattr(p, 'trusted.overlay.opaque').decode()
    except OSError: out[p] = ''
print(json.dumps(out))`, ...dirs.map((d) => join(root, d))], { encoding: 'utf8' });
    const byFull = JSON.parse(r.stdout) as Record<string, string>;
    opaque = Object.fromEntries(dirs.map((d) => [d, byFull[join(root, d)]]));
  }
  return Object.fromEntries(Object.entries(t).map(([p, e]) => [p, {
    ...e, data: e.type === 'file' ? `${e.size}` : e.data, nlink: 0, times: '', opaque: e.type === 'dir' ? opaque[p] ?? '' : '',
  }]));
}

function ourOpaque(i: Inode): string {
  try { return String.fromCharCode(...i.getxattr('trusted.overlay.opaque')); } catch { return ''; }
}

// ---- the native mount -----------------------------------------------------------------------

function mountNative(): { m: string; upper: string } | string {
  if (process.getuid?.() !== 0) return 'needs root to mount an overlay';
  const t = join(base, 'tmpfs'), m = join(base, 'merged');
  fs.mkdirSync(t); fs.mkdirSync(m);
  let r = spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', t], { encoding: 'utf8' });
  if (r.status !== 0) return `mount -t tmpfs failed: ${r.stderr.trim()}`;
  mounted.push(t);
  fs.mkdirSync(join(t, 'upper'), { mode: 0o755 }); fs.mkdirSync(join(t, 'work'));
  fs.chmodSync(join(t, 'upper'), 0o755);
  r = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${L},upperdir=${t}/upper,workdir=${t}/work`, m], { encoding: 'utf8' });
  if (r.status !== 0) return `mount -t overlay failed: ${r.stderr.trim()}`;
  mounted.push(m);
  return { m, upper: join(t, 'upper') };
}

// ---- the tests --------------------------------------------------------------------------------

test('overlay: a scripted sequence of changes gives what a Linux overlay mount gives', () => {
  const o = ours();
  const native = mountNative();
  // attributes before the changes: copy-up must keep st_ino/st_dev of what it copies
  const inoBefore = o.vfs.stat(o.p, '/a', false).ino;
  const ourResults = runOurs(o);
  if (typeof native === 'string') {
    const expected = SCRIPT.map((op, i) => EXPECTED_ERRORS[i] ?? (op[0] === 'read' || op[0] === 'list' ? ourResults[i] : 'ok'));
    assert.deepEqual(ourResults, expected, `(no native overlay: ${native})`);
    return;
  }
  const nativeInoBefore = fs.statSync(join(L, 'a')).ino;
  const nativeResults = runNative(native.m);
  const steps = (r: string[]) => r.map((x, i) => `${i} ${SCRIPT[i].join(' ')}: ${x}`);
  assert.deepEqual(steps(ourResults), steps(nativeResults), 'results of each step');
  assert.deepEqual(ourTree(o), nativeTree(native.m), 'the merged tree');
  assert.deepEqual(layerTree(o.upper.root(), ourOpaque), nativeLayerTree(native.upper), 'the upper layer');

  // inode properties (layers on different file systems, xino off)
  const nst = (p: string) => fs.lstatSync(join(native.m, p));
  const ost = (p: string) => o.vfs.stat(o.p, '/' + p, false);
  const ovlDev = nst('.').dev;
  for (const p of ['.', 'd', 'ld', 'empty', 'd/sub2']) {
    assert.equal(nst(p).dev, ovlDev, `native ${p}: a directory shows the overlay's st_dev`);
    assert.equal(ost(p).dev, 0x71, `${p}: a directory shows the overlay's st_dev`);
  }
  assert.equal(nst('.').nlink, 1); assert.equal(ost('.').nlink, 1);
  for (const p of ['a', 'untouched', 'c', 'sl']) {
    assert.notEqual(nst(p).dev, ovlDev, `native ${p}`);
    assert.notEqual(ost(p).dev, 0x71, p);
  }
  // a copied-up file keeps the lower's st_dev and st_ino; a new one has the upper's
  assert.equal(nst('a').ino, nativeInoBefore); assert.equal(nst('a').dev, nst('untouched').dev);
  assert.equal(ost('a').ino, inoBefore); assert.equal(ost('a').dev, ost('untouched').dev);
  assert.notEqual(nst('c').dev, nst('untouched').dev); assert.notEqual(ost('c').dev, ost('untouched').dev);
  // directory numbers are the overlay's own and do not change with a copy-up
  assert.equal(ost('d').ino, ost('d').ino);
  assert.notEqual(ost('d').ino, ost('d/sub2').ino);
});

test('overlay: open files, statfs and the overlay\'s own xattrs', () => {
  const o = ours();
  assert.equal(o.ovl.statfs().type, OVERLAYFS_SUPER_MAGIC);
  // a description opened on the lower sees the copy once another one copies the file up
  const r = o.vfs.open(o.p, '/a', O_RDONLY, 0) as { read(b: Uint8Array): number; seek(o: number, w: number): number; stat(): { ino: number } };
  const b = new Uint8Array(100);
  assert.equal(r.read(b), 6);
  writeFile(o, '/a', 'more\n', O_APPEND);
  assert.equal(r.read(b), 5, 'the appended bytes are read through the old description');
  assert.equal(r.seek(0, 0), 0);
  assert.equal(r.read(b), 11);
  assert.equal(r.stat().ino, o.vfs.stat(o.p, '/a', false).ino);
  // the lower file itself never changes
  assert.equal(fs.readFileSync(join(L, 'a'), 'latin1'), 'alpha\n');
  // trusted.overlay.* is not visible through the overlay
  o.vfs.rmdir(o.p, '/empty');
  o.vfs.mkdir(o.p, '/empty', 0o755);
  const loc = o.vfs.resolve(o.p, '/empty', true);
  assert.deepEqual(o.vfs.listxattr(loc), []);
  assert.throws(() => o.vfs.getxattr(loc, 'trusted.overlay.opaque'), (e: unknown) => e instanceof Errno && errnoName(e.errno) === 'EOPNOTSUPP');
  // but the upper directory carries the mark
  const up = o.upper.root().lookup('empty')!;
  assert.equal(ourOpaque(up), 'y');
  // the read-only lower is never written
  assert.deepEqual(fs.readdirSync(join(L, 'empty')), []);
});

test('overlay: RENAME_EXCHANGE copies both sides up and leaves no whiteout', () => {
  const o = ours();
  o.vfs.rename(o.p, '/b', '/c', RENAME_EXCHANGE);
  assert.equal(readAll(o, '/b'), 'charlie\n');
  assert.equal(readAll(o, '/c'), 'bravo\n');
  const up = o.upper.root();
  for (const n of ['b', 'c']) assert.equal(up.lookup(n)!.stat().mode & S_IFMT, S_IFREG, n);
  assert.throws(() => o.vfs.rename(o.p, '/b', '/d', RENAME_EXCHANGE), (e: unknown) => e instanceof Errno && errnoName(e.errno) === 'EXDEV');
  // truncating a lower file copies only what stays
  o.vfs.truncate(o.p, '/big', 3);
  assert.equal(readAll(o, '/big'), 'xxx');
  assert.equal(o.vfs.stat(o.p, '/big', false).size, 3);
});

// ---- a program on both sides: lxrun --root DIR vs chroot into an overlay mount of DIR ----------

const BUSYBOX = '/bin/busybox';
const PROGRAM = [
  'cd /data',
  'echo more >> a; cat a',
  'chmod 600 f; busybox stat -c "%n %a %s %h" f',
  'rm lnk; ls',
  'rmdir emptyd; mkdir emptyd; ls -a emptyd',
  'mv d d-moved; ls d-moved',                     // EXDEV inside: mv copies and removes
  'mv b b2; ln e e2; busybox stat -c "%n %h %s" e e2 b2',
  'rmdir d2; echo "rmdir d2: $?"',
  'rm d2/x d2/y; rmdir d2; echo "rmdir d2: $?"',
  'echo new > d3/sub/file; cat d3/sub/file',
  'busybox find . | busybox sort',
  'busybox stat -c "%n %F %a %u %g" $(busybox find . | busybox sort)',
].join('; ');

test('overlay: busybox under lxrun --root does what it does chrooted in an overlay mount', { skip: (process.getuid?.() !== 0 || !isStaticElf(BUSYBOX)) && 'needs root and busybox-static' }, async () => {
  const root = join(base, 'root');
  for (const d of ['bin', 'data/d', 'data/d2', 'data/emptyd', 'data/d3/sub']) fs.mkdirSync(join(root, d), { recursive: true });
  fs.copyFileSync(BUSYBOX, join(root, 'bin', 'busybox'));
  fs.chmodSync(join(root, 'bin', 'busybox'), 0o755);
  for (const tool of ['sh', 'cat', 'ls', 'rm', 'rmdir', 'mkdir', 'mv', 'ln', 'chmod']) fs.symlinkSync('busybox', join(root, 'bin', tool));
  for (const [p, s] of [['a', 'alpha\n'], ['b', 'bravo\n'], ['e', 'echo\n'], ['f', 'foxtrot\n'], ['d/g', 'golf\n'], ['d2/x', 'x'], ['d2/y', 'y']]) {
    fs.writeFileSync(join(root, 'data', p), s);
  }
  fs.symlinkSync('a', join(root, 'data', 'lnk'));
  // the native side: the same directory under a fresh overlay
  const t = join(base, 'e2e-tmpfs'), m = join(base, 'e2e-merged');
  fs.mkdirSync(t); fs.mkdirSync(m);
  if (spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', t]).status !== 0) return;
  mounted.push(t);
  fs.mkdirSync(join(t, 'upper')); fs.mkdirSync(join(t, 'work'));
  fs.chmodSync(join(t, 'upper'), fs.statSync(root).mode & 0o7777);
  const r = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${root},upperdir=${t}/upper,workdir=${t}/work`, m], { encoding: 'utf8' });
  if (r.status !== 0) return;     // no overlay support: the scripted test above covers the rules
  mounted.push(m);
  const env = baseEnv({ PATH: '/bin' });
  const argv = ['/bin/busybox', 'sh', '-c', PROGRAM];
  const native = await runCommand(['/usr/sbin/chroot', m, ...argv], { env, cwd: '/', timeoutMs: 30_000 });
  const lx = await runCommand([LXRUN, '--root', root, ...argv], { env, cwd: '/', timeoutMs: lxrunTimeoutMs(120_000) });
  const diff = differences({ native, lxrun: lx });
  assert.equal(diff, null, diff ?? '');
  assert.equal(fs.readFileSync(join(root, 'data', 'a'), 'latin1'), 'alpha\n', 'the lower directory is never written');
});
