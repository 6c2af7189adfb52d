// tmpfs (kernel/fs/tmpfs.ts, kernel/fs/tmpfile.ts) against Linux's own tmpfs.
//
// The main test runs one scripted sequence of ~230 file-system operations twice: natively, by a
// small Python program on a fresh `mount -t tmpfs -o size=1M,nr_inodes=50` (needs root; skipped
// otherwise), and on a TmpFs with the same limits through the kernel's PathWalker and Inode calls.
// Every result must match: errno names, stat fields (inode numbers, modes, link counts, sizes,
// blocks, rdev), readdir order, xattr lists, statfs counts, and which operation last set each
// timestamp (native runs pause 25 ms between operations and classify times by operation start;
// the TmpFs clock reads "base + operation index"). The unit tests below pin the same facts as
// plain values (checked on Linux 6.18) so they hold without root.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Errno, errnoName } from '../kernel/errno.js';
import type { OpenFile } from '../kernel/file.js';
import type { Stat } from '../kernel/host.js';
import {
  O_APPEND, O_DIRECTORY, O_RDONLY, O_RDWR, O_WRONLY, S_IFDIR, S_IFIFO, S_IFLNK, S_IFREG, SEEK_DATA, SEEK_HOLE, SEEK_END,
} from '../kernel/linux.js';
import type { Process } from '../kernel/process.js';
import { devMajor, devMinor, makedev } from '../kernel/fs/devices.js';
import type { Time } from '../kernel/fs/inode.js';
import { MountTable } from '../kernel/fs/mount.js';
import { TmpFs, TMPFS_MAGIC } from '../kernel/fs/tmpfs.js';
import { PathWalker } from '../kernel/fs/walk.js';

const work = mkdtempSync(join(tmpdir(), 'lxbrand-tmpfs-'));
after(() => rmSync(work, { recursive: true, force: true }));

const ROOT = { fsuid: 0, fsgid: 0, groups: [] as number[] } as unknown as Process;
const BASE = 1_700_000_000;
const REG = 0o100000, FIFO = 0o10000, CHR = 0o20000, BLK = 0o60000, SOCK = 0o140000;

/** A TmpFs mounted at / with a clock the test moves by hand. */
function setup(o: { sizeLimit?: number; nrInodes?: number; mode?: number } = {}) {
  const clock = { t: [BASE - 1, 0] as Time };
  const fs = new TmpFs({ dev: makedev(0, 46), now: () => clock.t, ...o });
  const mounts = new MountTable();
  mounts.mount('/', fs);
  const walker = new PathWalker(mounts);
  const at = (path: string, follow = false) => walker.resolve(ROOT, path, follow).inode;
  const parent = (path: string) => { const pl = walker.resolveParent(ROOT, path); return { dir: pl.dir.inode, name: pl.name }; };
  const tick = (s: number) => { clock.t = [BASE + s, 0]; };
  return { fs, clock, walker, at, parent, tick };
}

function errOf(fn: () => unknown): string {
  try { fn(); } catch (e) { if (e instanceof Errno) return errnoName(e.errno); throw e; }
  return 'ok';
}

// ---- the scripted sequence --------------------------------------------------------------------

type Op = (string | number)[];

function script(): Op[] {
  const ops: Op[] = [
    ['stat', ''], ['statfs'],
    ['mkdir', 'd', 0o755], ['stat', ''], ['stat', 'd'],
    ['creat', 'd/f', 0o644], ['stat', 'd'], ['stat', 'd/f'],
    ['pwrite', 'd/f', 0, 5000, 97], ['stat', 'd/f'],
    ['pread', 'd/f', 4998, 4], ['stat', 'd/f'],
    ['pread', 'd/f', 0, 2], ['stat', 'd/f'],
    ['pwrite', 'd/f', 2 ** 30, 3, 98], ['stat', 'd/f'],
    ['seek', 'd/f', SEEK_DATA, 0], ['seek', 'd/f', SEEK_HOLE, 0], ['seek', 'd/f', SEEK_DATA, 8192],
    ['seek', 'd/f', SEEK_HOLE, 2 ** 30 + 1], ['seek', 'd/f', SEEK_DATA, 2 ** 30 + 3], ['seek', 'd/f', SEEK_END, -3],
    ['pread', 'd/f', 2 ** 30 - 2, 4],
    ['truncate', 'd/f', 5000], ['stat', 'd/f'],
    ['truncate', 'd/f', 5000], ['stat', 'd/f'],
    ['ftruncate', 'd/f', 5000], ['stat', 'd/f'],
    ['truncate', 'd/f', 4097], ['truncate', 'd/f', 8192], ['pread', 'd/f', 4095, 4], ['stat', 'd/f'],
    ['append', 'd/f', 10, 99], ['stat', 'd/f'],
    ['link', 'd/f', 'g'], ['stat', 'd/f'], ['stat', ''], ['stat', 'd'],
    ['link', 'd', 'dd'], ['link', 'd/f', 'g'], ['link', 'nope', 'x'],
    ['symlink', 'd/f', 's'], ['stat', 's'], ['readlink', 's'],
    ['symlink', 'x'.repeat(127), 's127'], ['symlink', 'x'.repeat(128), 's128'], ['stat', 's127'], ['stat', 's128'],
    ['symlink', 'y'.repeat(4095), 'sbig'], ['symlink', 'y'.repeat(4096), 'sbig2'], ['stat', 'sbig'],
    ['mknod', 'fifo', FIFO | 0o640, 0, 0], ['mknod', 'chr', CHR | 0o600, 1, 3], ['mknod', 'blk', BLK | 0o600, 8, 1],
    ['mknod', 'sock', SOCK | 0o755, 0, 0], ['stat', 'fifo'], ['stat', 'chr'], ['stat', 'blk'], ['stat', 'sock'],
    ['mkdir', 'd/sub', 0o700], ['mkdir', 'd/sub2', 0o700], ['stat', 'd'],
    ['readdir', ''], ['readdir', 'd'],
    ['rmdir', 'd'], ['rmdir', 'd/sub'], ['stat', 'd'], ['rmdir', 'd/f'], ['unlink', 'd'], ['unlink', 'nope'], ['rmdir', 'nope'],
    ['chmod', 'd/f', 0o4755], ['stat', 'd/f'],
    ['chown', 'd/f', 1000, 100], ['stat', 'd/f'],
    ['chown', 's', 7, 8], ['stat', 's'], ['stat', 'd/f'],
    ['utime', 'd/f', 1_000_000_000, 123456789, 1_200_000_000, 987654321],
    ['setxattr', 'd/f', 'user.b', 'one', 0], ['stat', 'd/f'], ['setxattr', 'd/f', 'user.a', 'two', 0],
    ['setxattr', 'd/f', 'trusted.t', 'x', 0], ['setxattr', 'd/f', 'security.s', 'y', 0],
    ['setxattr', 'd/f', 'user.a', 'z', 1], ['setxattr', 'd/f', 'user.c', 'z', 2], ['setxattr', 'd/f', 'user.a', 'three', 2],
    ['getxattr', 'd/f', 'user.a'], ['getxattr', 'd/f', 'user.none'], ['listxattr', 'd/f'],
    ['removexattr', 'd/f', 'user.b'], ['removexattr', 'd/f', 'user.b'], ['listxattr', 'd/f'],
    ['setxattr', 'd/f', 'other.x', 'v', 0], ['setxattr', 'd/f', 'user.', 'v', 0],
    ['setxattr', 'fifo', 'user.x', 'v', 0], ['getxattr', 'fifo', 'user.x'], ['setxattr', 'fifo', 'trusted.x', 'v', 0],
    ['listxattr', 'fifo'], ['setxattr', 's', 'user.x', 'v', 0], ['setxattr', 'd', 'user.x', 'v', 0], ['listxattr', 'd'],
    ['rename', 'g', 'g2', 0], ['stat', ''], ['stat', 'g2'], ['readdir', ''],
    ['rename', 'g2', 'd/f', 0], ['stat', 'd/f'],
    ['creat', 'e1', 0o600], ['creat', 'e2', 0o600], ['rename', 'e1', 'e2', 2], ['readdir', ''],
    ['rename', 'e1', 'e2', 1], ['rename', 'e1', 'e3', 1], ['rename', 'nope', 'e4', 2], ['rename', 'e3', 'nope', 2],
    ['rename', 'd', 'e2', 0], ['rename', 'e2', 'd', 0], ['rename', 'd', 'd/sub2/x', 0], ['rename', 'd/sub2', 'd/sub2/y', 0],
    ['mkdir', 'ne', 0o755], ['creat', 'ne/x', 0o600], ['rename', 'd/sub2', 'ne', 0], ['rename', 'd/sub2', 'dd', 0],
    ['stat', ''], ['stat', 'd'], ['stat', 'dd'],
    ['rename', 'ne', 'dd', 2], ['stat', 'ne'], ['stat', 'dd'],
    // a file and a directory in different directories swap places: link counts follow
    ['rename', 'dd/x', 'ne', 2], ['stat', 'ne'], ['stat', 'dd'], ['stat', 'dd/x'], ['stat', ''], ['readdir', 'dd'], ['readdir', ''],
    // the target is an ancestor of the source: ENOTEMPTY (EINVAL when exchanging)
    ['mkdir', 't1', 0o755], ['mkdir', 't1/t2', 0o755], ['creat', 't1/f', 0o644],
    ['rename', 't1/t2', 't1', 0], ['rename', 't1/f', 't1', 0], ['rename', 't1/t2', 't1', 2],
    // replacing an empty directory and a file with another link
    ['mkdir', 'r1', 0o755], ['mkdir', 'r2', 0o711], ['creat', 'r1/x', 0o644], ['rename', 'r1', 'r2', 0],
    ['stat', ''], ['stat', 'r2'], ['readdir', 'r2'],
    ['creat', 'q1', 0o644], ['creat', 'q2', 0o644], ['link', 'q2', 'q3'], ['rename', 'q1', 'q2', 0], ['stat', 'q3'], ['stat', 'q2'],
    // an open file outlives its last name; an open directory its removal
    ['open', 'h', 'e2', O_RDWR], ['fwrite', 'h', 0, 100, 65], ['unlink', 'e2'], ['fstat', 'h'], ['fread', 'h', 98, 4],
    ['fwrite', 'h', 200, 1, 66], ['fstat', 'h'], ['statfs'], ['close', 'h'], ['statfs'],
    ['mkdir', 'gone', 0o755], ['open', 'hd', 'gone', O_RDONLY], ['rmdir', 'gone'], ['fstat', 'hd'], ['fdir', 'hd'], ['close', 'hd'],
    // xattrs take inode space: 40 + name + value bytes each, counted in units of 1024
    ['statfs'], ['setxattr', 'd/f', 'user.pad', 'p'.repeat(977), 0], ['statfs'], ['setxattr', 'd/f', 'user.pad', 'p'.repeat(976), 0],
    ['statfs'], ['setxattr', 'fifo', 'trusted.big', 'p'.repeat(60000), 0], ['removexattr', 'd/f', 'user.pad'], ['statfs'],
    // size=1M: a short write, then ENOSPC
    ['creat', 'big', 0o644], ['pwrite', 'big', 0, 2000000, 1], ['stat', 'big'], ['statfs'], ['pwrite', 'big', 3000000, 10, 1],
    ['creat', 'big2', 0o644], ['pwrite', 'big2', 0, 1, 1], ['ftruncate', 'big', 0], ['statfs'], ['pwrite', 'big2', 0, 10000, 1],
    ['stat', 'big2'], ['unlink', 'big'], ['unlink', 'big2'], ['statfs'],
    // nr_inodes=50: creations and hard links run out
    ['mkdir', 'many', 0o755],
  ];
  for (let i = 0; i < 36; i++) ops.push(['creat', `many/${i}`, 0o600]);
  ops.push(['statfs'], ['link', 'many/0', 'many/L'], ['unlink', 'many/1'], ['statfs'], ['link', 'many/0', 'many/L'],
    ['statfs'], ['stat', 'many/0'], ['readdir', 'many'], ['readdir', '']);
  return ops;
}

/** The native side: runs the operations on a real tmpfs and classifies times by operation. */
const DRIVER = String.raw`
import os, sys, json, time, ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
os.umask(0)
base = sys.argv[1]
ops = json.load(sys.stdin)
starts = []
ALIAS = {'ENOTSUP': 'EOPNOTSUPP', 'EWOULDBLOCK': 'EAGAIN', 'EDEADLOCK': 'EDEADLK'}
def P(p): return os.path.join(base, p) if p else base
def tidx(ns):
    k = -1
    for i, s in enumerate(starts):
        if s <= ns: k = i
    return k
def st(s):
    return dict(mode=s.st_mode, nlink=s.st_nlink, uid=s.st_uid, gid=s.st_gid, size=s.st_size, blocks=s.st_blocks,
                rdev=[os.major(s.st_rdev), os.minor(s.st_rdev)], ino=s.st_ino,
                atime=tidx(s.st_atime_ns), mtime=tidx(s.st_mtime_ns), ctime=tidx(s.st_ctime_ns))
fds = {}
def withfd(p, fl, fn):
    fd = os.open(P(p), fl)
    try: return fn(fd)
    finally: os.close(fd)
def run(o, a):
    if o == 'mkdir': return os.mkdir(P(a[0]), a[1])
    if o == 'creat': return os.close(os.open(P(a[0]), os.O_CREAT | os.O_EXCL | os.O_WRONLY, a[1]))
    if o == 'mknod': return os.mknod(P(a[0]), a[1], os.makedev(a[2], a[3]))
    if o == 'symlink': return os.symlink(a[0], P(a[1]))
    if o == 'link': return os.link(P(a[0]), P(a[1]), follow_symlinks=False)
    if o == 'unlink': return os.unlink(P(a[0]))
    if o == 'rmdir': return os.rmdir(P(a[0]))
    if o == 'rename':
        if libc.renameat2(-100, P(a[0]).encode(), -100, P(a[1]).encode(), a[2]): raise OSError(ctypes.get_errno(), '')
        return None
    if o == 'pwrite': return withfd(a[0], os.O_WRONLY, lambda fd: os.pwrite(fd, bytes([a[3]]) * a[2], a[1]))
    if o == 'append': return withfd(a[0], os.O_WRONLY | os.O_APPEND, lambda fd: os.write(fd, bytes([a[2]]) * a[1]))
    if o == 'pread': return withfd(a[0], os.O_RDONLY, lambda fd: os.pread(fd, a[2], a[1]).hex())
    if o == 'seek': return withfd(a[0], os.O_RDONLY, lambda fd: os.lseek(fd, a[2], a[1]))
    if o == 'truncate': return os.truncate(P(a[0]), a[1])
    if o == 'ftruncate': return withfd(a[0], os.O_WRONLY, lambda fd: os.ftruncate(fd, a[1]))
    if o == 'chmod': return os.chmod(P(a[0]), a[1])
    if o == 'chown': return os.chown(P(a[0]), a[1], a[2], follow_symlinks=False)
    if o == 'utime': return os.utime(P(a[0]), ns=(a[1] * 10**9 + a[2], a[3] * 10**9 + a[4]), follow_symlinks=False)
    if o == 'setxattr': return os.setxattr(P(a[0]), a[1], a[2].encode(), a[3], follow_symlinks=False)
    if o == 'getxattr': return os.getxattr(P(a[0]), a[1], follow_symlinks=False).decode()
    if o == 'removexattr': return os.removexattr(P(a[0]), a[1], follow_symlinks=False)
    if o == 'listxattr': return os.listxattr(P(a[0]), follow_symlinks=False)
    if o == 'stat': return st(os.lstat(P(a[0])))
    if o == 'readlink': return os.readlink(P(a[0]))
    if o == 'readdir': return [[e.name, e.inode()] for e in os.scandir(P(a[0]))]
    if o == 'open': fds[a[0]] = os.open(P(a[1]), a[2]); return None
    if o == 'close': return os.close(fds.pop(a[0]))
    if o == 'fstat': return st(os.fstat(fds[a[0]]))
    if o == 'fread': return os.pread(fds[a[0]], a[2], a[1]).hex()
    if o == 'fwrite': return os.pwrite(fds[a[0]], bytes([a[3]]) * a[2], a[1])
    if o == 'fdir': return os.listdir(fds[a[0]])
    if o == 'statfs':
        s = os.statvfs(base)
        return dict(bsize=s.f_bsize, blocks=s.f_blocks, bfree=s.f_bfree, bavail=s.f_bavail, files=s.f_files, ffree=s.f_ffree, namelen=s.f_namemax)
    raise Exception('unknown op ' + o)
out = []
for op in ops:
    time.sleep(0.025)
    starts.append(time.clock_gettime_ns(5))    # CLOCK_REALTIME_COARSE: never ahead of file times
    try:
        out.append(['ok', run(op[0], op[1:])])
    except OSError as e:
        out.append(['err', ALIAS.get(errno.errorcode[e.errno], errno.errorcode[e.errno])])
json.dump(out, sys.stdout)
`;

type Result = ['ok', unknown] | ['err', string];

/** The same operations on a TmpFs, the way the VFS drives its inodes. */
function runOnTmpFs(ops: Op[]): Result[] {
  const t = setup({ sizeLimit: 1 << 20, nrInodes: 50 });
  const files = new Map<string, OpenFile>();
  const tidx = (sec: number) => (sec >= BASE ? sec - BASE : -1);
  const st = (s: Stat) => ({
    mode: s.mode, nlink: s.nlink, uid: s.uid, gid: s.gid, size: s.size, blocks: s.blocks,
    rdev: [devMajor(s.rdev), devMinor(s.rdev)], ino: s.ino, atime: tidx(s.atimeSec), mtime: tidx(s.mtimeSec), ctime: tidx(s.ctimeSec),
  });
  const withFile = <T>(path: string, flags: number, fn: (f: OpenFile) => T): T => {
    const f = t.at(path).open(flags, '/' + path, ROOT);
    try { return fn(f); } finally { f.unref(); }
  };
  const fill = (len: number, byte: number) => new Uint8Array(len).fill(byte);
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const read = (f: OpenFile, off: number, len: number) => { const b = new Uint8Array(len); return hex(b.subarray(0, f.pread(b, off))); };
  const listDir = (f: OpenFile) => f.readdir().filter((e) => e.name !== '.' && e.name !== '..').map((e) => [e.name, e.ino]);
  const now = () => t.clock.t;
  const run = (o: string, a: (string | number)[]): unknown => {
    const s = (i: number) => a[i] as string, n = (i: number) => a[i] as number;
    switch (o) {
      case 'mkdir': { const p = t.parent(s(0)); p.dir.mkdir(p.name, S_IFDIR | n(1), 0, 0); return null; }
      case 'creat': { const p = t.parent(s(0)); p.dir.mknod(p.name, REG | n(1), 0, 0, 0); return null; }
      case 'mknod': { const p = t.parent(s(0)); p.dir.mknod(p.name, n(1), makedev(n(2), n(3)), 0, 0); return null; }
      case 'symlink': { const p = t.parent(s(1)); p.dir.symlink(p.name, s(0), 0, 0); return null; }
      case 'link': { const target = t.at(s(0)); const p = t.parent(s(1)); p.dir.link(p.name, target); return null; }
      case 'unlink': { const p = t.parent(s(0)); p.dir.unlink(p.name); return null; }
      case 'rmdir': { const p = t.parent(s(0)); p.dir.rmdir(p.name); return null; }
      case 'rename': { const f = t.parent(s(0)), to = t.parent(s(1)); f.dir.rename(f.name, to.dir, to.name, n(2)); return null; }
      case 'pwrite': return withFile(s(0), O_WRONLY, (f) => f.pwrite(fill(n(2), n(3)), n(1)));
      case 'append': return withFile(s(0), O_WRONLY | O_APPEND, (f) => f.write(fill(n(1), n(2))));
      case 'pread': return withFile(s(0), O_RDONLY, (f) => read(f, n(1), n(2)));
      case 'seek': return withFile(s(0), O_RDONLY, (f) => f.seek(n(2), n(1)));
      case 'truncate': t.at(s(0), true).setattr({ size: n(1), mtime: now(), ctime: now() }); return null;
      case 'ftruncate': return withFile(s(0), O_WRONLY, (f) => { f.truncate(n(1)); return null; });
      case 'chmod': t.at(s(0), true).setattr({ mode: n(1), ctime: now() }); return null;
      case 'chown': {
        // what the VFS does: chown of a non-directory drops set-user-ID
        const node = t.at(s(0));
        const m = node.stat().mode;
        node.setattr({ uid: n(1), gid: n(2), ...((m & 0o4000) && !node.isDir ? { mode: m & 0o3777 } : {}), ctime: now() });
        return null;
      }
      case 'utime': t.at(s(0)).setattr({ atime: [n(1), n(2)], mtime: [n(3), n(4)], ctime: now() }); return null;
      case 'setxattr': t.at(s(0)).setxattr(s(1), new TextEncoder().encode(s(2)), n(3)); return null;
      case 'getxattr': return new TextDecoder().decode(t.at(s(0)).getxattr(s(1)));
      case 'removexattr': t.at(s(0)).removexattr(s(1)); return null;
      case 'listxattr': return t.at(s(0)).listxattr();
      case 'stat': return st(t.at(s(0)).stat());
      case 'readlink': return t.at(s(0)).readlink();
      case 'readdir': return withFile(s(0), O_RDONLY | O_DIRECTORY, listDir);
      case 'open': files.set(s(0), t.at(s(1)).open(n(2), '/' + s(1), ROOT)); return null;
      case 'close': files.get(s(0))!.unref(); files.delete(s(0)); return null;
      case 'fstat': return st(files.get(s(0))!.stat());
      case 'fread': return read(files.get(s(0))!, n(1), n(2));
      case 'fwrite': return files.get(s(0))!.pwrite(fill(n(2), n(3)), n(1));
      case 'fdir': {
        // glibc's readdir reports getdents' ENOENT on a removed directory as the end
        try { return listDir(files.get(s(0))!).map((e) => e[0]); } catch (e) { if (e instanceof Errno && errnoName(e.errno) === 'ENOENT') return []; throw e; }
      }
      case 'statfs': {
        const f = t.fs.statfs();
        return { bsize: f.bsize, blocks: f.blocks, bfree: f.bfree, bavail: f.bavail, files: f.files, ffree: f.ffree, namelen: f.namelen };
      }
    }
    throw new Error('unknown op ' + o);
  };
  return ops.map((op, i): Result => {
    t.tick(i);
    try { const v = run(op[0] as string, op.slice(1)); return ['ok', v === undefined ? null : v]; } catch (e) {
      if (e instanceof Errno) return ['err', errnoName(e.errno)];
      throw e;
    }
  });
}

function runNative(ops: Op[]): Result[] | string {
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs';
  if (spawnSync('python3', ['-c', 'import ctypes'], { stdio: 'ignore' }).status !== 0) return 'needs python3';
  const mnt = join(work, 'mnt');
  spawnSync('mkdir', ['-p', mnt]);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1M,nr_inodes=50', 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) return `mount -t tmpfs failed: ${m.stderr.trim()}`;
  try {
    const driver = join(work, 'driver.py');
    writeFileSync(driver, DRIVER);
    const r = spawnSync('python3', [driver, mnt], { input: JSON.stringify(ops), encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`native driver failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Result[];
  } finally {
    spawnSync('umount', [mnt]);
  }
}

test('a scripted sequence gives what Linux tmpfs gives (native run on a real tmpfs)', (t) => {
  const ops = script();
  const native = runNative(ops);
  if (typeof native === 'string') { t.skip(native); return; }
  const ours = runOnTmpFs(ops);
  const diffs: string[] = [];
  ops.forEach((op, i) => {
    const a = JSON.stringify(native[i]), b = JSON.stringify(ours[i]);
    if (a !== b) diffs.push(`#${i} ${JSON.stringify(op).slice(0, 80)}\n   linux: ${a}\n   tmpfs: ${b}`);
  });
  assert.equal(diffs.length, 0, `${diffs.length} of ${ops.length} operations differ:\n${diffs.join('\n')}`);
  t.diagnostic(`${ops.length} operations matched`);
});

// ---- the same facts as plain values ------------------------------------------------------------

test('new tmpfs: root inode 1, mode 01777, size 40, statfs from the limits', () => {
  const t = setup({ sizeLimit: 1 << 20, nrInodes: 50 });
  const st = t.at('/').stat();
  assert.equal(st.ino, 1);
  assert.equal(st.mode, S_IFDIR | 0o1777);
  assert.equal(st.size, 40);
  assert.equal(st.nlink, 2);
  const f = t.fs.statfs();
  assert.deepEqual([f.type, f.bsize, f.blocks, f.bfree, f.files, f.ffree, f.namelen], [TMPFS_MAGIC, 4096, 256, 256, 50, 49, 255]);
  assert.equal(t.fs.options(), 'size=1024k,nr_inodes=50');
  const dflt = new TmpFs({ dev: 1, now: () => [0, 0], memTotal: 8 << 30, mode: 0o755 });
  assert.equal(dflt.statfs().blocks, (4 << 30) / 4096);
  assert.equal(dflt.options(), 'mode=755');
});

test('directories: sizes, link counts, newest-first readdir, times of create and remove', () => {
  const t = setup();
  t.tick(1); t.at('/').mkdir('d', S_IFDIR | 0o755, 0, 0);
  t.tick(2); const d = t.at('/d');
  d.mknod('a', S_IFREG | 0o644, 0, 0, 0);
  t.tick(3); d.mkdir('sub', S_IFDIR | 0o700, 0, 0);
  d.mknod('b', S_IFREG | 0o644, 0, 0, 0);
  let st = d.stat();
  assert.deepEqual([st.size, st.nlink, st.mtimeSec - BASE, st.ctimeSec - BASE, st.atimeSec - BASE], [100, 3, 3, 3, 1]);
  assert.equal(t.at('/').stat().nlink, 3);
  const names = d.readdir(1).map((e) => e.name);
  assert.deepEqual(names, ['.', '..', 'b', 'sub', 'a']);
  assert.equal(errOf(() => t.at('/').rmdir('d')), 'ENOTEMPTY');
  assert.equal(errOf(() => d.rmdir('a')), 'ENOTDIR');
  assert.equal(errOf(() => d.unlink('sub')), 'EISDIR');
  assert.equal(errOf(() => d.mkdir('a', S_IFDIR | 0o755, 0, 0)), 'EEXIST');
  assert.equal(errOf(() => d.lookup('n'.repeat(256))), 'ENAMETOOLONG');
  t.tick(4); d.rmdir('sub');
  st = d.stat();
  assert.deepEqual([st.size, st.nlink, st.mtimeSec - BASE], [80, 2, 4]);
  // a moved entry lists as the newest; an exchange re-lists both (old name first)
  d.rename('a', d, 'a2', 0);
  assert.deepEqual(d.readdir(1).map((e) => e.name).slice(2), ['a2', 'b']);
  d.rename('a2', d, 'b', 2);
  assert.deepEqual(d.readdir(1).map((e) => e.name).slice(2), ['b', 'a2']);
});

test('regular files: sparse pages, blocks, SEEK_DATA/SEEK_HOLE, truncate zeroes the tail', () => {
  const t = setup();
  const f = t.at('/').mknod('f', S_IFREG | 0o644, 0, 0, 0).open(O_RDWR, '/f', ROOT);
  f.pwrite(new Uint8Array(5000).fill(97), 0);
  f.pwrite(new Uint8Array([98, 98, 98]), 2 ** 30);
  let st = f.stat();
  assert.equal(st.size, 2 ** 30 + 3);
  assert.equal(st.blocks, 24);
  assert.equal(f.seek(0, SEEK_DATA), 0);
  assert.equal(f.seek(0, SEEK_HOLE), 8192);
  assert.equal(f.seek(8192, SEEK_DATA), 2 ** 30);
  assert.equal(f.seek(2 ** 30 + 1, SEEK_HOLE), 2 ** 30 + 3);
  assert.equal(errOf(() => f.seek(2 ** 30 + 3, SEEK_DATA)), 'ENXIO');
  f.truncate(4097);
  f.truncate(8192);
  const b = new Uint8Array(4);
  assert.equal(f.pread(b, 4095), 4);
  assert.deepEqual([...b], [97, 97, 0, 0]);
  st = f.stat();
  assert.equal(st.blocks, 16);
  f.pos = 0;
  assert.equal(f.available(), 8192);
  f.pos = 10000;
  assert.equal(f.available(), -1808);         // vfs_ioctl FIONREAD: i_size - f_pos
  f.unref();
});

test('O_APPEND writes at the end; atime follows relatime', () => {
  const t = setup();
  const node = t.at('/').mknod('f', S_IFREG | 0o644, 0, 0, 0);
  t.tick(1);
  const f = node.open(O_WRONLY | O_APPEND, '/f', ROOT);
  f.write(new Uint8Array(3).fill(1));
  t.tick(2);
  f.pwrite(new Uint8Array(2).fill(2), 0);
  assert.equal(node.stat().size, 5);
  assert.equal(node.stat().mtimeSec - BASE, 2);
  f.unref();
  t.tick(3);
  const r = node.open(O_RDONLY, '/f', ROOT);
  r.read(new Uint8Array(1));
  assert.equal(node.stat().atimeSec - BASE, 3);   // atime was older than mtime
  t.tick(4);
  r.read(new Uint8Array(1));
  assert.equal(node.stat().atimeSec - BASE, 3);   // now newer: relatime leaves it
  r.unref();
});

test('hard links, unlinked-but-open files and the inode and page limits', () => {
  const t = setup({ sizeLimit: 16384, nrInodes: 5 });
  const root = t.at('/');
  const node = root.mknod('f', S_IFREG | 0o644, 0, 0, 0);
  t.tick(1); root.link('g', node);
  assert.equal(node.stat().nlink, 2);
  assert.equal(node.stat().ctimeSec - BASE, 1);
  assert.equal(t.fs.statfs().ffree, 2);           // root, f and its second name
  const f = node.open(O_RDWR, '/f', ROOT);
  assert.equal(f.pwrite(new Uint8Array(20000).fill(7), 0), 16384);   // short write at the limit
  assert.equal(errOf(() => f.pwrite(new Uint8Array(1), 16384)), 'ENOSPC');
  root.unlink('f'); root.unlink('g');
  assert.equal(f.stat().nlink, 0);
  const b = new Uint8Array(2);
  f.pread(b, 16382);
  assert.deepEqual([...b], [7, 7]);
  assert.equal(t.fs.statfs().bfree, 0);
  assert.equal(errOf(() => root.link('h', node)), 'ENOENT');
  f.unref();
  assert.equal(t.fs.statfs().bfree, 4);
  assert.equal(t.fs.statfs().ffree, 4);
  for (let i = 0; i < 4; i++) root.mknod(`n${i}`, S_IFIFO | 0o600, 0, 0, 0);
  assert.equal(errOf(() => root.mknod('x', S_IFREG | 0o600, 0, 0, 0)), 'ENOSPC');
});

test('symlinks: size is the target length, long targets take a page, 4096 is too long', () => {
  const t = setup();
  const root = t.at('/');
  assert.equal(root.symlink('s', 'x'.repeat(127), 0, 0).stat().blocks, 0);
  const long = root.symlink('l', 'x'.repeat(128), 0, 0).stat();
  assert.deepEqual([long.mode, long.size, long.blocks], [S_IFLNK | 0o777, 128, 8]);
  assert.equal(errOf(() => root.symlink('b', 'y'.repeat(4096), 0, 0)), 'ENAMETOOLONG');
  // the walker follows it inside the file system
  root.mkdir('d', S_IFDIR | 0o755, 0, 0);
  root.symlink('ld', 'd', 0, 0);
  assert.ok(t.at('/ld', true).same(t.at('/d')));
});

test('rename rules: replace, ENOTEMPTY, EISDIR/ENOTDIR, subtree EINVAL, NOREPLACE, EXCHANGE', () => {
  const t = setup();
  const root = t.at('/');
  const a = root.mkdir('a', S_IFDIR | 0o755, 0, 0);
  a.mkdir('b', S_IFDIR | 0o755, 0, 0);
  root.mkdir('empty', S_IFDIR | 0o755, 0, 0);
  root.mknod('f', S_IFREG | 0o644, 0, 0, 0);
  root.mknod('g', S_IFREG | 0o644, 0, 0, 0);
  assert.equal(errOf(() => root.rename('a', t.at('/a/b'), 'x', 0)), 'EINVAL');
  assert.equal(errOf(() => a.rename('b', root, 'a', 0)), 'ENOTEMPTY');
  assert.equal(errOf(() => a.rename('b', root, 'a', 2)), 'EINVAL');
  assert.equal(errOf(() => root.rename('a', root, 'f', 0)), 'ENOTDIR');
  assert.equal(errOf(() => root.rename('f', root, 'a', 0)), 'EISDIR');
  assert.equal(errOf(() => root.rename('f', root, 'g', 1)), 'EEXIST');
  assert.equal(errOf(() => root.rename('f', root, 'none', 2)), 'ENOENT');
  const b = t.at('/a/b');
  t.tick(5);
  a.rename('b', root, 'empty', 0);                // replaces the empty directory
  assert.ok(t.at('/empty').same(b));
  assert.equal(a.stat().nlink, 2);
  assert.equal(root.stat().nlink, 4);
  assert.equal(b.stat().ctimeSec - BASE, 5);
  assert.equal(a.stat().mtimeSec - BASE, 5);
  const f = t.at('/f'), g = t.at('/g');
  root.rename('f', root, 'g', 2);
  assert.ok(t.at('/g').same(f) && t.at('/f').same(g));
  root.rename('f', a, 'f', 0);                    // across directories
  assert.ok(t.at('/a/f').same(g));
});

test('xattrs: namespaces, flags, descending list order, user.* only on files and directories', () => {
  const t = setup();
  const root = t.at('/');
  const f = root.mknod('f', S_IFREG | 0o644, 0, 0, 0);
  const enc = (s: string) => new TextEncoder().encode(s);
  for (const n of ['user.zz', 'user.aa', 'trusted.m', 'user.mm', 'security.x']) f.setxattr(n, enc('v'), 0);
  assert.deepEqual(f.listxattr(), ['user.zz', 'user.mm', 'user.aa', 'trusted.m', 'security.x']);
  assert.equal(errOf(() => f.setxattr('user.aa', enc('x'), 1)), 'EEXIST');
  assert.equal(errOf(() => f.setxattr('user.nn', enc('x'), 2)), 'ENODATA');
  assert.equal(errOf(() => f.setxattr('foo.nn', enc('x'), 0)), 'EOPNOTSUPP');
  assert.equal(errOf(() => f.setxattr('user.big', new Uint8Array(65537), 0)), 'E2BIG');
  f.setxattr('user.big', new Uint8Array(65536), 0);
  f.setxattr('user.empty', new Uint8Array(0), 0);
  assert.equal(f.getxattr('user.empty').length, 0);
  assert.equal(errOf(() => f.removexattr('user.none')), 'ENODATA');
  const p = root.mknod('p', S_IFIFO | 0o644, 0, 0, 0);
  assert.equal(errOf(() => p.setxattr('user.a', enc('x'), 0)), 'EPERM');
  assert.equal(errOf(() => p.getxattr('user.a')), 'ENODATA');
  p.setxattr('trusted.a', enc('x'), 0);
  const l = root.symlink('l', 'f', 0, 0);
  assert.equal(errOf(() => l.setxattr('user.a', enc('x'), 0)), 'EPERM');
});

test('setattr: size changes set mtime and ctime; chmod keeps the type bits; read-only refuses', () => {
  const t = setup();
  const node = t.at('/').mknod('f', S_IFREG | 0o644, 0, 0, 0);
  t.tick(7);
  node.setattr({ size: 0 });
  assert.deepEqual([node.stat().mtimeSec - BASE, node.stat().ctimeSec - BASE], [7, 7]);
  t.tick(8);
  node.setattr({ mode: 0o7777 | S_IFDIR });
  assert.equal(node.stat().mode, S_IFREG | 0o7777);
  assert.equal(node.stat().mtimeSec - BASE, 7);
  assert.equal(errOf(() => t.at('/').setattr({ size: 1 })), 'EISDIR');
  t.fs.readonly = true;
  assert.equal(errOf(() => node.setattr({ mode: 0o600 })), 'EROFS');
  assert.equal(errOf(() => t.at('/').mkdir('x', S_IFDIR | 0o755, 0, 0)), 'EROFS');
});

test('removed directories: nothing can be made in them and getdents answers ENOENT', () => {
  const t = setup();
  const d = t.at('/').mkdir('d', S_IFDIR | 0o755, 0, 0);
  const f = d.open(O_RDONLY | O_DIRECTORY, '/d', ROOT);
  t.at('/').rmdir('d');
  assert.equal(f.stat().nlink, 0);
  assert.equal(errOf(() => f.readdir()), 'ENOENT');
  assert.equal(errOf(() => d.mknod('x', S_IFREG | 0o644, 0, 0, 0)), 'ENOENT');
  f.unref();
});

test('mmap backing reads pages and zeros past the end', () => {
  const t = setup();
  const f = t.at('/').mknod('m', S_IFREG | 0o755, 0, 0, 0).open(O_RDWR, '/m', ROOT);
  f.pwrite(new Uint8Array([1, 2, 3]), 4094);
  const bk = f.backing();
  const page = new Uint8Array(4096).fill(9);
  assert.equal(bk.readInto(4096, page, 0, 4096), 1);
  assert.equal(page[0], 3);
  assert.equal(bk.ino, f.stat().ino);
  assert.equal(bk.dev, makedev(0, 46));
  assert.equal(f.backing(), bk);                  // one identity per description (munmap sweeps by it)
  f.unref();
});

// ---- through lxrun ------------------------------------------------------------------------------

const BUSYBOX = '/bin/busybox';
const SHELL_SCRIPT = `
mkdir -p "$1" && cd "$1" || exit 1
mkdir -p a/b/c && echo hello > a/f && ln a/f a/g && ln -s f a/s && mknod a/p p
dd if=/dev/zero of=sparse bs=1 count=1 seek=1048576 2>/dev/null
printf xyz >> sparse
for f in . a a/b a/f a/g a/s a/p sparse; do stat -c '%n %s %b %h %a %F' $f; done
find .
rmdir a 2>&1; mv a a/b/c/x 2>&1; ln a a2 2>&1; rm a/b 2>&1; mkdir a 2>&1
mv a/f a/b/f2; mv a/s a/b/c; find .
stat -c '%n %h' a/g; cat a/b/c/s 2>&1
stat -f -c '%T %l %S' .
exec 3<a/g; rm a/g a/b/f2; cat <&3
rm -r a; find .; echo done
`;

test('busybox sh on a --tmpfs /tmp under lxrun does what it does on a real tmpfs', async (t) => {
  const { runCommand, baseEnv, LXRUN } = await import('./helpers/compare.js');
  const shm = spawnSync('stat', ['-f', '-c', '%T', '/dev/shm'], { encoding: 'utf8' }).stdout?.trim();
  if (shm !== 'tmpfs') { t.skip('needs /dev/shm on tmpfs'); return; }
  if (spawnSync(BUSYBOX, ['true']).status !== 0) { t.skip('needs /bin/busybox'); return; }
  const dir = mkdtempSync('/dev/shm/lxbrand-tmpfs-');
  try {
    const native = await runCommand([BUSYBOX, 'sh', '-c', SHELL_SCRIPT, 'sh', join(dir, 't')], { env: baseEnv(), timeoutMs: 60_000 });
    const lx = await runCommand([LXRUN, '--tmpfs', '/tmp', BUSYBOX, 'sh', '-c', SHELL_SCRIPT, 'sh', '/tmp/t'], { env: baseEnv(), timeoutMs: 120_000 });
    assert.equal(lx.stderr.toString(), native.stderr.toString());
    assert.equal(lx.stdout.toString(), native.stdout.toString());
    assert.equal(lx.status, native.status);
    assert.match(native.stdout.toString(), /done\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
