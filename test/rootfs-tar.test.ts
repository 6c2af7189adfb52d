// Tar import (rootfs/tar.ts) against GNU tar: a source tree with long names, symlinks, hard links,
// a FIFO, device nodes, set-id modes, foreign owners, nanosecond mtimes and xattrs is archived by
// the system's tar in GNU, pax (with --xattrs) and gzip'd pax formats, imported into a TmpFs, and
// the tree read back through the Inode interface is compared with the source as node:fs sees it:
// names, types, modes, owners, sizes, mtimes, link targets, rdev, hard-link identity, sha256 of
// the contents and xattrs. Hand-made archives cover what GNU tar will not write: ".." members,
// absolute names, symlinks pointing out, base-256 numbers, truncation and unknown types.

import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import {
  chmodSync, chownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync,
  symlinkSync, writeFileSync, type BigIntStats,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { O_RDONLY, S_IFDIR, S_IFMT, S_IFREG } from '../kernel/linux.js';
import type { Process } from '../kernel/process.js';
import { devMajor, devMinor, makedev } from '../kernel/fs/devices.js';
import type { Inode } from '../kernel/fs/inode.js';
import { TmpFs } from '../kernel/fs/tmpfs.js';
import { importTar, extractTar, readTar } from '../rootfs/tar.js';

const work = mkdtempSync(join(tmpdir(), 'lxbrand-tar-'));
after(() => rmSync(work, { recursive: true, force: true }));
const src = join(work, 'src');
const isRoot = process.getuid?.() === 0;
const ROOT = {} as Process;

const run = (cmd: string, args: string[], cwd = work) => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const hasTar = have('tar') && /GNU tar/.test(spawnSync('tar', ['--version'], { encoding: 'utf8' }).stdout ?? '');

/** What the source tree should contain besides the basics, as far as this machine allows. */
const features = { devices: false, owners: false, xattrs: false };

before(() => {
  if (!hasTar) return;
  mkdirSync(src);
  const deep = join(src, 'deep', 'x'.repeat(60), 'y'.repeat(60));
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'z'.repeat(200)), 'long name\n');
  writeFileSync(join(src, 'data.bin'), Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919) & 0xff)));
  writeFileSync(join(src, 'empty'), '');
  writeFileSync(join(src, 'suid'), '#!/bin/sh\n');
  chmodSync(join(src, 'suid'), 0o4755);
  writeFileSync(join(src, 'sgid'), 'x');
  chmodSync(join(src, 'sgid'), 0o2640);
  mkdirSync(join(src, 'private'), { mode: 0o700 });
  mkdirSync(join(src, 'sticky'));
  chmodSync(join(src, 'sticky'), 0o1777);
  writeFileSync(join(src, 'private', 'inner'), 'inner');
  writeFileSync(join(src, 'caf\u00e9 \u2603'), 'utf-8 name');
  // hard links in three directories
  writeFileSync(join(src, 'h1'), 'hard');
  mkdirSync(join(src, 'hd'));
  linkSync(join(src, 'h1'), join(src, 'hd', 'h2'));
  linkSync(join(src, 'h1'), join(src, 'private', 'h3'));
  // symlinks: relative, absolute, dangling, a long target, one to a directory
  symlinkSync('data.bin', join(src, 'rel'));
  symlinkSync('/etc/passwd', join(src, 'abs'));
  symlinkSync('nowhere/at/all', join(src, 'dangling'));
  symlinkSync('t'.repeat(150) + '/end', join(src, 'longlink'));
  symlinkSync('deep', join(src, 'dirlink'));
  run('mkfifo', ['-m', '0620', join(src, 'fifo')]);
  if (isRoot) {
    features.devices = spawnSync('mknod', ['-m', '0640', join(src, 'null'), 'c', '1', '3']).status === 0 &&
      spawnSync('mknod', ['-m', '0600', join(src, 'loop9'), 'b', '7', '9']).status === 0;
    chownSync(join(src, 'sgid'), 1234, 5678);
    chownSync(join(src, 'private'), 1000, 1000);
    spawnSync('chown', ['-h', '4321:8765', join(src, 'rel')]);
    features.owners = true;
  }
  if (have('python3')) {
    const py = `import os\nos.setxattr(${JSON.stringify(join(src, 'data.bin'))}, 'user.mime', b'application/octet-stream')\n` +
      `os.setxattr(${JSON.stringify(join(src, 'data.bin'))}, 'user.bin', bytes(range(256)))\n` +
      `os.setxattr(${JSON.stringify(join(src, 'private'))}, 'user.dir', b'yes')\n`;
    features.xattrs = spawnSync('python3', ['-c', py]).status === 0;
  }
  // times: nanoseconds, the epoch, far future; directories last (filling them changed them)
  const touch = (d: string, p: string) => run('touch', ['-h', '-d', d, join(src, p)]);
  touch('2001-02-03 04:05:06.123456789', 'data.bin');
  touch('1970-01-01 00:00:01 UTC', 'empty');
  touch('2100-12-31 23:59:59.5', 'suid');
  touch('2010-10-10 10:10:10.000000001', 'rel');
  touch('2011-11-11 11:11:11.111111111', 'private');
  touch('2012-12-12 12:12:12.121212121', 'deep');
  touch('2013-01-01 00:00:00.5', '.');
});

// ---- reading both trees ------------------------------------------------------------------------

interface Node {
  type: number; perm: number; uid: number; gid: number; size: number | null; mtime: [number, number];
  target: string | null; rdev: [number, number] | null; sha: string | null; ino: number; xattrs: Record<string, string>;
}

const latin1 = (b: Buffer) => b.toString('latin1');

function nodeOf(st: BigIntStats, path: string): Node {
  const type = Number(st.mode) & S_IFMT;
  const ns = st.mtimeNs;
  const sec = Number(ns / 1_000_000_000n), nsec = Number(ns % 1_000_000_000n);
  const x: Record<string, string> = {};
  return {
    type, perm: Number(st.mode) & 0o7777, uid: Number(st.uid), gid: Number(st.gid),
    size: type === S_IFREG ? Number(st.size) : null, mtime: [sec, nsec],
    target: type === 0o120000 ? latin1(readlinkSync(path, { encoding: 'buffer' })) : null,
    rdev: type === 0o20000 || type === 0o60000 ? [devMajor(Number(st.rdev)), devMinor(Number(st.rdev))] : null,
    sha: type === S_IFREG ? createHash('sha256').update(readFileSync(path)).digest('hex') : null,
    ino: Number(st.ino), xattrs: x,
  };
}

/** The host tree: relative byte-string path → node (".": the root). */
function hostTree(root: string): Map<string, Node> {
  const out = new Map<string, Node>();
  const xattrs = features.xattrs ? hostXattrs(root) : {};
  const walk = (dir: Buffer, rel: string) => {
    for (const name of readdirSync(dir, { encoding: 'buffer' })) {
      const p = Buffer.concat([dir, Buffer.from('/'), name]);
      const r = rel ? rel + '/' + latin1(name) : latin1(name);
      const st = lstatSync(p, { bigint: true });
      const n = nodeOf(st, p.toString());
      n.xattrs = xattrs[r] ?? {};
      out.set(r, n);
      if ((Number(st.mode) & S_IFMT) === S_IFDIR) walk(p, r);
    }
  };
  const n = nodeOf(lstatSync(root, { bigint: true }), root);
  n.xattrs = xattrs['.'] ?? {};
  out.set('.', n);
  walk(Buffer.from(root), '');
  return out;
}

/** Every user.* xattr of the host tree (python3: node has no xattr calls), values in hex. */
function hostXattrs(root: string): Record<string, Record<string, string>> {
  const py = `import os, json, sys
root = sys.argv[1]; out = {}
for d, dirs, files in os.walk(root):
    for p in [d] + [os.path.join(d, n) for n in dirs + files]:
        rel = os.path.relpath(p, root).encode('utf-8', 'surrogateescape').decode('latin-1')
        x = {k: os.getxattr(p, k, follow_symlinks=False).hex() for k in os.listxattr(p, follow_symlinks=False) if k.startswith('user.')}
        if x: out[rel] = x
print(json.dumps(out))`;
  const r = spawnSync('python3', ['-c', py, root], { encoding: 'utf8' });
  return JSON.parse(r.stdout) as Record<string, Record<string, string>>;
}

function readAll(inode: Inode): Buffer {
  const st = inode.stat();
  const f = inode.open(O_RDONLY, '/', ROOT);
  try {
    const b = new Uint8Array(st.size);
    for (let off = 0; off < b.length;) { const n = f.pread(b.subarray(off), off); if (!n) break; off += n; }
    return Buffer.from(b);
  } finally { f.unref(); }
}

/** The imported tree, read through the Inode interface only. */
function kernelTree(root: Inode): Map<string, Node> {
  const out = new Map<string, Node>();
  const visit = (inode: Inode, rel: string) => {
    const st = inode.stat();
    const type = st.mode & S_IFMT;
    const x: Record<string, string> = {};
    for (const k of inode.listxattr()) if (k.startsWith('user.')) x[k] = Buffer.from(inode.getxattr(k)).toString('hex');
    out.set(rel, {
      type, perm: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: type === S_IFREG ? st.size : null,
      mtime: [st.mtimeSec, st.mtimeNsec], target: type === 0o120000 ? inode.readlink() : null,
      rdev: type === 0o20000 || type === 0o60000 ? [devMajor(st.rdev), devMinor(st.rdev)] : null,
      sha: type === S_IFREG ? createHash('sha256').update(readAll(inode)).digest('hex') : null,
      ino: st.ino, xattrs: x,
    });
    if (type === S_IFDIR) {
      for (const e of inode.readdir(0)) {
        if (e.name === '.' || e.name === '..') continue;
        visit(inode.lookup(e.name)!, rel === '.' ? e.name : rel + '/' + e.name);
      }
    }
  };
  visit(root, '.');
  return out;
}

function newFs(): TmpFs {
  return new TmpFs({ dev: makedev(0, 50), now: () => [1_800_000_000, 0], mode: 0o755 });
}

/** Compares the trees; `nsTimes` when the format keeps nanoseconds (pax). */
function compareTrees(host: Map<string, Node>, ours: Map<string, Node>, nsTimes: boolean, xattrs: boolean): void {
  assert.deepEqual([...ours.keys()].sort(), [...host.keys()].sort(), 'the same names');
  const groups = new Map<number, number>();      // host inode -> our inode
  for (const [path, h] of host) {
    const o = ours.get(path)!;
    const what = `${JSON.stringify(path)}`;
    assert.equal(o.type, h.type, `${what}: type`);
    if (h.type !== 0o120000) assert.equal(o.perm, h.perm, `${what}: mode`);
    assert.deepEqual([o.uid, o.gid], [h.uid, h.gid], `${what}: owner`);
    assert.equal(o.size, h.size, `${what}: size`);
    assert.equal(o.sha, h.sha, `${what}: content`);
    assert.equal(o.target, h.target, `${what}: link target`);
    assert.deepEqual(o.rdev, h.rdev, `${what}: rdev`);
    const want: [number, number] = nsTimes ? h.mtime : [h.mtime[0], 0];
    assert.deepEqual(o.mtime, want, `${what}: mtime`);
    if (xattrs) assert.deepEqual(o.xattrs, h.xattrs, `${what}: xattrs`);
    if (h.type !== S_IFDIR) {
      const seen = groups.get(h.ino);
      if (seen === undefined) groups.set(h.ino, o.ino);
      else assert.equal(o.ino, seen, `${what}: hard link to the same inode`);
    }
  }
  assert.equal(new Set(groups.values()).size, groups.size, 'different files stay different');
}

const tarTest = (name: string, fn: (t: TestContext) => Promise<void> | void) =>
  test(name, { skip: hasTar ? false : 'needs GNU tar' }, fn);

tarTest('GNU format: long names (L/K records), links, FIFO, devices, modes, owners, mtimes', async (t) => {
  run('tar', ['--format=gnu', '-cf', 'gnu.tar', '-C', src, '.']);
  const fs = newFs();
  const r = await importTar(readFileSync(join(work, 'gnu.tar')), fs.root());
  assert.deepEqual(r.warnings, []);
  const host = hostTree(src);
  compareTrees(host, kernelTree(fs.root()), false, false);
  assert.equal(r.entries, host.size);
  t.diagnostic(`${host.size} members compared; devices ${features.devices}, owners ${features.owners}, xattrs ${features.xattrs}`);
  if (features.devices) assert.deepEqual(kernelTree(fs.root()).get('null')!.rdev, [1, 3]);
});

tarTest('pax format with --xattrs: nanosecond mtimes and SCHILY.xattr records', async () => {
  run('tar', ['--format=pax', '--xattrs', '--xattrs-include=user.*', '-cf', 'pax.tar', '-C', src, '.']);
  const fs = newFs();
  const r = await importTar(readFileSync(join(work, 'pax.tar')), fs.root());
  assert.deepEqual(r.warnings, []);
  const ours = kernelTree(fs.root());
  compareTrees(hostTree(src), ours, true, features.xattrs);
  if (features.xattrs) assert.equal(ours.get('data.bin')!.xattrs['user.bin'], Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('hex'));
});

tarTest('gzip-compressed pax archive, with progress reports', async () => {
  run('tar', ['--format=pax', '--xattrs', '-czf', 'pax.tgz', '-C', src, '.']);
  const bytes = readFileSync(join(work, 'pax.tgz'));
  assert.deepEqual([bytes[0], bytes[1]], [0x1f, 0x8b]);
  const fs = newFs();
  const seen: [number, number][] = [];
  await importTar(bytes, fs.root(), { onProgress: (d, t) => seen.push([d, t]) });
  compareTrees(hostTree(src), kernelTree(fs.root()), true, features.xattrs);
  assert.ok(seen.length > 10);
  const total = seen[0][1];
  assert.ok(seen.every(([d, t], i) => t === total && d <= total && (i === 0 || d >= seen[i - 1][0])));
});

tarTest('ustar format: names split into prefix and name; owners mapped on request', async () => {
  const u = join(work, 'ustar');
  const dir = join(u, 'p'.repeat(90), 'q'.repeat(40));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'n'.repeat(90)), 'split');
  run('tar', ['--format=ustar', '--owner=7', '--group=9', '-cf', 'ustar.tar', '-C', u, '.']);
  const bytes = readFileSync(join(work, 'ustar.tar'));
  const long = [...readTar(bytes)].find((e) => e.path.endsWith('n'.repeat(90)))!;
  assert.ok(long.path.length > 200);
  const fs = newFs();
  await importTar(bytes, fs.root(), { mapUid: (x) => x + 1000, mapGid: (x) => x + 2000 });
  const st = fs.root().lookup('p'.repeat(90))!.lookup('q'.repeat(40))!.lookup('n'.repeat(90))!.stat();
  assert.deepEqual([st.size, st.uid, st.gid], [5, 1007, 2009]);
});

tarTest('absolute member names lose their leading "/" as tar says', async () => {
  run('tar', ['-P', '-cf', 'abs.tar', join(src, 'empty'), join(src, 'h1')]);
  const fs = newFs();
  const r = await importTar(readFileSync(join(work, 'abs.tar')), fs.root());
  assert.deepEqual(r.warnings, ["Removing leading `/' from member names"]);
  let d: Inode = fs.root();
  for (const c of join(src).split('/').filter((x) => x)) d = d.lookup(c)!;
  assert.ok(d.lookup('empty') && d.lookup('h1'));
});

// ---- hand-made archives ------------------------------------------------------------------------

interface H { type?: string; size?: number; mode?: number; uid?: number | Uint8Array; mtime?: number; link?: string; gnu?: boolean; v7?: boolean }

/** One ustar (or GNU) header block with a correct checksum. */
function header(name: string, o: H = {}): Uint8Array {
  const h = new Uint8Array(512);
  const put = (off: number, s: string) => { for (let i = 0; i < s.length; i++) h[off + i] = s.charCodeAt(i); };
  const oct = (off: number, len: number, v: number) => put(off, v.toString(8).padStart(len - 1, '0') + '\0');
  put(0, name);
  oct(100, 8, o.mode ?? 0o644);
  if (o.uid instanceof Uint8Array) h.set(o.uid, 108); else oct(108, 8, o.uid ?? 0);
  oct(116, 8, 0);
  oct(124, 12, o.size ?? 0);
  oct(136, 12, o.mtime ?? 0);
  if (!o.v7) put(156, o.type ?? '0');
  put(157, o.link ?? '');
  if (!o.v7) put(257, o.gnu ? 'ustar  \0' : 'ustar\x0000');
  put(148, '        ');
  let sum = 0;
  for (const b of h) sum += b;
  put(148, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

function pad(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / 512) * 512);
  out.set(data);
  return out;
}

function tarOf(...members: [string, H?, string?][]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [name, o = {}, data = ''] of members) {
    const bytes = Buffer.from(data, 'latin1');
    parts.push(header(name, { ...o, size: o.size ?? bytes.length }), pad(bytes));
  }
  parts.push(new Uint8Array(1024));
  return Buffer.concat(parts);
}

function paxData(records: Record<string, string>): string {
  let out = '';
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    out += len + body;
  }
  return out;
}

test('".." inside a name is refused; leading "../" and "./" are removed', async () => {
  const fs = newFs();
  const r = extractTar(tarOf(['a/../../evil', {}, 'x'], ['../up', {}, 'u'], ['./here/./there', {}, 't']), fs.root());
  assert.deepEqual(r.warnings, ["a/../../evil: Member name contains '..'", "Removing leading `../' from member names"]);
  assert.equal(fs.root().lookup('evil'), null);
  assert.ok(fs.root().lookup('up'));
  assert.ok(fs.root().lookup('here')!.lookup('there'));
});

test('symlinks in the archive are followed inside the destination only', () => {
  const fs = newFs();
  extractTar(tarOf(['out', { type: '2', link: '/../../etc' }], ['out/passwd', {}, 'pw'], ['rel', { type: '2', link: '../../../x' }],
    ['rel/y', {}, 'why']), fs.root());
  assert.ok(fs.root().lookup('etc')!.lookup('passwd'));
  assert.ok(fs.root().lookup('x')!.lookup('y'));
  assert.equal(fs.root().lookup('out')!.readlink(), '/../../etc');
});

test('"./" sets the attributes of the destination; directory times survive their contents', () => {
  const fs = newFs();
  extractTar(tarOf(['./', { type: '5', mode: 0o750, mtime: 1000 }], ['d/', { type: '5', mode: 0o711, mtime: 2000 }],
    ['d/f', { mtime: 3000 }, 'f'], ['d/g', { type: '1', link: 'd/f' }]), fs.root());
  const root = fs.root().stat();
  assert.deepEqual([root.mode, root.mtimeSec], [S_IFDIR | 0o750, 1000]);
  const d = fs.root().lookup('d')!;
  assert.deepEqual([d.stat().mode, d.stat().mtimeSec], [S_IFDIR | 0o711, 2000]);
  assert.equal(d.lookup('g')!.stat().nlink, 2);
  assert.ok(d.lookup('g')!.same(d.lookup('f')!));
});

test('later members replace earlier ones, as tar extracts them', () => {
  const fs = newFs();
  const r = extractTar(tarOf(['x', {}, 'first'], ['x', {}, 'second!'], ['y', {}, 'file'], ['y/', { type: '5' }],
    ['z/', { type: '5' }], ['z/in', {}, ''], ['z', {}, 'over a full dir']), fs.root());
  assert.equal(fs.root().lookup('x')!.stat().size, 7);
  assert.ok(fs.root().lookup('y')!.isDir);
  assert.ok(fs.root().lookup('z')!.isDir);
  assert.deepEqual(r.warnings, ['z: Cannot create: File exists']);
});

test('pax records: path, linkpath, fractional and negative mtimes, uid, global headers', () => {
  const fs = newFs();
  const px = paxData({ path: 'named/by/pax', mtime: '-1.25', uid: '3000000' });
  const gl = paxData({ gid: '77' });
  extractTar(tarOf(['g', { type: 'g' }, gl], ['x', { type: 'x' }, px], ['short', {}, 'data'],
    ['x2', { type: 'x' }, paxData({ linkpath: 'l'.repeat(300) })], ['s', { type: '2' }]), fs.root());
  const st = fs.root().lookup('named')!.lookup('by')!.lookup('pax')!.stat();
  assert.deepEqual([st.mtimeSec, st.mtimeNsec, st.uid, st.gid, st.size], [-2, 750_000_000, 3000000, 77, 4]);
  assert.equal(fs.root().lookup('s')!.readlink(), 'l'.repeat(300));
});

test('GNU base-256 numbers and long names', () => {
  const uid = new Uint8Array(8);
  uid[0] = 0x80; uid[5] = 0x01; uid[6] = 0x02; uid[7] = 0x03;
  const long = 'L'.repeat(180);
  const fs = newFs();
  extractTar(tarOf(['././@LongLink', { type: 'L', gnu: true }, long + '\0'], ['cut', { uid, gnu: true }, 'b256']), fs.root());
  assert.equal(fs.root().lookup(long)!.stat().uid, 0x010203);
});

test('pre-POSIX (v7) headers: a NUL type flag is a file, or a directory when the name ends in "/"', () => {
  const fs = newFs();
  extractTar(tarOf(['old/', { v7: true, mode: 0o755 }], ['old/file', { v7: true, mode: 0o600, mtime: 12345 }, 'v7 data']), fs.root());
  const dir = fs.root().lookup('old')!;
  assert.equal(dir.stat().mode, S_IFDIR | 0o755);
  const st = dir.lookup('file')!.stat();
  assert.deepEqual([st.mode, st.size, st.mtimeSec], [S_IFREG | 0o600, 7, 12345]);
});

test('errors read like tar: truncation, damage, unknown types, other compressors', async () => {
  const fs = newFs();
  const good = tarOf(['f', {}, 'x'.repeat(2000)]);
  assert.throws(() => extractTar(good.subarray(0, 1000), fs.root()), /^Error: truncated tar archive$/);
  assert.throws(() => extractTar(good.subarray(0, 300), fs.root()), /truncated tar archive/);
  const bad = good.slice();
  bad[10] ^= 1;
  assert.throws(() => extractTar(bad, fs.root()), /This does not look like a tar archive/);
  assert.throws(() => extractTar(new Uint8Array(1024), fs.root()), /This does not look like a tar archive/);
  assert.throws(() => extractTar(tarOf(['weird', { type: 'Z' }]), fs.root()), /unsupported tar entry type 'Z' for weird/);
  assert.throws(() => extractTar(tarOf(['sp', { type: 'S' }]), fs.root()), /unsupported tar entry type 'S' for sp/);
  assert.throws(() => extractTar(Uint8Array.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 1, 2]), fs.root()), /xz-compressed/);
  await assert.rejects(importTar(Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0]), fs.root()), /^Error: gzip: /);
  // gzip from zlib, in a shared-memory view (Blob copies it)
  const gz = gzipSync(tarOf(['z', {}, 'zipped']));
  const shared = new Uint8Array(new SharedArrayBuffer(gz.length));
  shared.set(gz);
  await importTar(shared, fs.root());
  assert.equal(fs.root().lookup('z')!.stat().size, 6);
});

// ---- through lxrun --image -----------------------------------------------------------------------

const LIST_SCRIPT = `
cd "$1" || exit 1
find . | sort | while IFS= read -r f; do
  if [ -L "$f" ]; then stat -c '%N %u:%g %Y' "$f"
  elif [ -d "$f" ]; then stat -c '%n %F %a %u:%g %h %Y' "$f"
  elif [ -f "$f" ]; then stat -c '%n %F %a %u:%g %h %s %Y' "$f"; sha256sum < "$f"
  else stat -c '%n %F %a %u:%g %t:%T %Y' "$f"; fi
done
[ h1 -ef hd/h2 ] && [ h1 -ef private/h3 ] && echo hard links shared
`;

tarTest('lxrun --image: busybox inside the imported tree sees what it sees in the source', async (t) => {
  const { runCommand, baseEnv, LXRUN } = await import('./helpers/compare.js');
  if (spawnSync('/bin/busybox', ['true']).status !== 0) { t.skip('needs /bin/busybox'); return; }
  const img = join(work, 'img');
  mkdirSync(join(img, 'bin'), { recursive: true });
  run('cp', ['-a', src, join(img, 'data')]);
  run('cp', ['/bin/busybox', join(img, 'bin', 'busybox')]);
  run('tar', ['--format=pax', '--xattrs', '-czf', 'img.tgz', '-C', img, '.']);
  const native = await runCommand(['/bin/busybox', 'sh', '-c', LIST_SCRIPT, 'sh', join(img, 'data')], { env: baseEnv(), timeoutMs: 60_000 });
  const lx = await runCommand([LXRUN, '--image', join(work, 'img.tgz'), '/bin/busybox', 'sh', '-c', LIST_SCRIPT, 'sh', '/data'],
    { env: baseEnv(), timeoutMs: 300_000 });
  assert.equal(native.status, 0, native.stderr.toString());
  assert.equal(lx.stderr.toString(), native.stderr.toString());
  assert.equal(lx.stdout.toString(), native.stdout.toString());
  assert.match(native.stdout.toString(), /hard links shared\n$/);
  t.diagnostic(`${native.stdout.toString().split('\n').length - 1} lines compared`);
});
