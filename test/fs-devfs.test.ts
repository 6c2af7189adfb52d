// /dev and /sys of a zone against this machine's own: the device nodes' numbers, modes and owners
// (kernel/fs/devfs.ts vs the real /dev), what each memory device does for read, write, pread,
// pwrite, lseek, FIONREAD, poll, mmap, ftruncate and fsync (kernel/fs/devices.ts vs the same calls
// made natively by node and by Debian's python3), the errno of device numbers nobody registered,
// and sysfs's CPU files (kernel/fs/sysfs.ts vs the real /sys). Last, busybox under lxrun and
// natively reading /dev and /sys.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddressSpace } from '../cpu/memory.js';
import { defaultPool } from '../cpu/frames.js';
import { nodeHost } from '../host/node.js';
import { Errno, HostError, errnoName } from '../kernel/errno.js';
import type { OpenFile } from '../kernel/file.js';
import type { Kernel } from '../kernel/kernel.js';
import { O_RDWR, POLLIN, POLLOUT, S_IFCHR, S_IFDIR, S_IFMT } from '../kernel/linux.js';
import type { Process } from '../kernel/process.js';
import type { TtyDevice } from '../kernel/tty.js';
import { controllingTty, makedev, openDevice, STANDARD_NODES } from '../kernel/fs/devices.js';
import { DevFs, DevPtsFs, DEVPTS_SUPER_MAGIC } from '../kernel/fs/devfs.js';
import type { Inode } from '../kernel/fs/inode.js';
import { SysFs, SYSFS_MAGIC } from '../kernel/fs/sysfs.js';
import { baseEnv, differences, isStaticElf, runBoth } from './helpers/compare.js';

const host = nodeHost();
const PY = '/usr/bin/python3';
const hasPy = fs.existsSync(PY);
const isRoot = process.getuid?.() === 0;
const work = fs.mkdtempSync(join(tmpdir(), 'lxbrand-devfs-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** The kernel as devices.ts and devfs.ts see it: the host, the host terminal, the first process. */
function kernel(tty: TtyDevice | null = null, firstSid = 0): Kernel {
  return { host, hostTty: tty, first: firstSid ? { sid: firstSid } : null, cpus: Math.max(1, host.sys.cpus()) } as unknown as Kernel;
}
const proc = (sid = 1) => ({ sid, fsuid: 0, fsgid: 0, groups: [] }) as unknown as Process;

function errName(e: unknown): string {
  if (e instanceof Errno) return errnoName(e.errno);
  if (e instanceof HostError) return e.code;
  if (e && typeof e === 'object' && 'code' in e) return String((e as { code: unknown }).code);
  throw e;
}
function attempt(fn: () => unknown): string {
  try { const v = fn(); return typeof v === 'number' ? `ok ${v}` : 'ok'; } catch (e) { return errName(e); }
}

function walk(root: Inode, path: string): Inode {
  let cur = root;
  for (const c of path.split('/').filter(Boolean)) {
    const n = cur.lookup(c);
    assert.ok(n, `${path}: ${c} missing`);
    cur = n;
  }
  return cur;
}

// ---- the nodes ---------------------------------------------------------------------------------

test('devfs nodes carry the real /dev\'s numbers, modes and owners', () => {
  const dev = new DevFs(kernel(), 40);
  const root = dev.root();
  let compared = 0;
  for (const n of STANDARD_NODES) {
    const ours = walk(root, n.name).stat();
    assert.equal(ours.mode & S_IFMT, S_IFCHR, n.name);
    assert.equal(ours.rdev, n.rdev, n.name);
    let real: fs.Stats;
    try { real = fs.lstatSync(`/dev/${n.name}`); } catch { continue; }   // a container may lack one
    if ((real.mode & S_IFMT) !== S_IFCHR) continue;                        // ptmx as a link to pts/ptmx
    assert.deepEqual(
      { mode: ours.mode.toString(8), rdev: ours.rdev, uid: ours.uid, gid: ours.gid },
      { mode: real.mode.toString(8), rdev: real.rdev, uid: real.uid, gid: real.gid }, `/dev/${n.name}`);
    compared++;
  }
  assert.ok(compared >= 5, `only ${compared} nodes to compare with in /dev`);
  for (const name of ['fd', 'stdin', 'stdout', 'stderr']) {
    const l = walk(root, name);
    assert.ok(l.isLink, name);
    assert.equal(l.readlink(), fs.readlinkSync(`/dev/${name}`), `/dev/${name}`);
  }
  assert.equal(walk(root, 'pts').stat().mode, S_IFDIR | 0o755);
  assert.equal(walk(root, 'shm').stat().mode, S_IFDIR | 0o1777);
  assert.equal(root.stat().mode, S_IFDIR | 0o755);
  assert.equal(dev.type, 'tmpfs');
  // root may add nodes of its own, and they open like the standard ones
  const z = root.mknod('myzero', S_IFCHR | 0o600, makedev(1, 5), 0, 0);
  assert.equal(z.stat().rdev, makedev(1, 5));
  const f = openDevice(kernel(), z.stat().rdev, O_RDWR, '/dev/myzero', proc());
  const b = new Uint8Array(8).fill(7);
  assert.equal(f.read(b), 8);
  assert.deepEqual([...b], [0, 0, 0, 0, 0, 0, 0, 0]);
});

// ---- memory devices: node's fs natively vs ours -----------------------------------------------

const MEM = ['null', 'zero', 'full', 'random', 'urandom'];

/** The same sequence natively (through node's fs) and on our device file. */
function nativeOps(name: string): string[] {
  const fd = fs.openSync(`/dev/${name}`, 'r+');
  const b = Buffer.alloc(100, 7);
  const out = [
    attempt(() => fs.readSync(fd, b, 0, 100, null)),
    b.every((x) => x === 0) ? 'zeros' : b.every((x) => x === 7) ? 'untouched' : 'bytes',
    attempt(() => fs.readSync(fd, b, 0, 10, 5)),
    attempt(() => fs.writeSync(fd, Buffer.from('abc'))),
    attempt(() => fs.writeSync(fd, Buffer.alloc(0))),
    attempt(() => fs.writeSync(fd, Buffer.from('abc'), 0, 3, 5)),
    attempt(() => fs.ftruncateSync(fd, 0)),
    attempt(() => fs.fsyncSync(fd)),
  ];
  fs.closeSync(fd);
  return out;
}

function ourOps(name: string): string[] {
  const n = STANDARD_NODES.find((x) => x.name === name)!;
  const f = openDevice(kernel(), n.rdev, O_RDWR, `/dev/${name}`, proc());
  const b = new Uint8Array(100).fill(7);
  return [
    attempt(() => f.read(b)),
    b.every((x) => x === 0) ? 'zeros' : b.every((x) => x === 7) ? 'untouched' : 'bytes',
    attempt(() => f.pread(new Uint8Array(10), 5)),
    attempt(() => f.write(new Uint8Array([1, 2, 3]))),
    attempt(() => f.write(new Uint8Array(0))),
    attempt(() => f.pwrite(new Uint8Array([1, 2, 3]), 5)),
    attempt(() => f.truncate(0)),
    attempt(() => f.sync()),
  ];
}

for (const name of MEM) {
  test(`/dev/${name}: read, write, pread, pwrite, ftruncate, fsync as natively`, () => {
    assert.deepEqual(ourOps(name), nativeOps(name));
  });
}

// lseek, FIONREAD, poll and mmap are out of node's reach: Debian's python3 makes those calls.
const PY_OPS = `
import os, fcntl, termios, struct, mmap, select, json, sys
out = {}
for d in sys.argv[1:]:
    fd = os.open('/dev/' + d, os.O_RDWR)
    r = []
    def t(f):
        try: r.append('ok %s' % f())
        except OSError as e: r.append(__import__('errno').errorcode[e.errno])
    t(lambda: os.lseek(fd, 100, 0)); t(lambda: os.lseek(fd, 5, 1)); t(lambda: os.lseek(fd, -5, 2))
    t(lambda: os.lseek(fd, -100, 0)); t(lambda: os.lseek(fd, 0, 9))
    t(lambda: struct.unpack('i', fcntl.ioctl(fd, termios.FIONREAD, b'0000'))[0])
    t(lambda: len(mmap.mmap(fd, 4096)))
    p = select.poll(); p.register(fd, select.POLLIN | select.POLLOUT)
    r.append('poll %d' % p.poll(0)[0][1])
    out[d] = r
    os.close(fd)
print(json.dumps(out))
`;

test('memory devices: lseek, FIONREAD, mmap and poll as natively (python3 oracle)', { skip: !hasPy && `${PY} missing` }, () => {
  const r = spawnSync(PY, ['-c', PY_OPS, ...MEM], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const native = JSON.parse(r.stdout) as Record<string, string[]>;
  for (const name of MEM) {
    const n = STANDARD_NODES.find((x) => x.name === name)!;
    const f: OpenFile = openDevice(kernel(), n.rdev, O_RDWR, `/dev/${name}`, proc());
    const ours = [
      attempt(() => f.seek(100, 0)), attempt(() => f.seek(5, 1)), attempt(() => f.seek(-5, 2)),
      attempt(() => f.seek(-100, 0)), attempt(() => f.seek(0, 9)),
      attempt(() => f.available()),
      attempt(() => { f.backing(); return 4096; }),
      `poll ${f.poll() & (POLLIN | POLLOUT)}`,
    ];
    assert.deepEqual(ours, native[name], `/dev/${name}`);
  }
});

test('a private or shared mapping of /dev/zero is zero-filled memory', () => {
  const f = openDevice(kernel(), makedev(1, 5), O_RDWR, '/dev/zero', proc());
  const mem = new AddressSpace(defaultPool());
  try {
    const base = 0x10000000;
    mem.map(base, 8192, 3, 0, '', f.backing(), 4096);
    assert.equal(mem.read32(base + 100), 0);
    mem.write32(base + 100, 0x12345678);
    assert.equal(mem.read32(base + 100), 0x12345678);
    assert.equal(mem.read32(base + 4096), 0);
    assert.equal(f.backing(), f.backing(), 'one backing per description (mm counts mappings by it)');
    assert.equal(f.backing().path, '/dev/zero');
  } finally { mem.destroy(); }
});

// ---- device numbers nobody registered ---------------------------------------------------------

test('unregistered device numbers fail with Linux\'s errno', { skip: !(isRoot && hasPy) && 'needs root (mknod) and python3' }, () => {
  // 5:2 outside a devpts (ENOENT on Linux) and 4:N (real virtual consoles here) are left out:
  // a zone has no ptys and no consoles, and says ENXIO for both
  const cases: [number, number][] = [[1, 0], [1, 2], [1, 99], [5, 3], [200, 0], [136, 99]];
  const script = `
import os, sys, errno
for a in sys.argv[1:]:
    ma, mi = map(int, a.split(':'))
    p = '${work}/n'
    if os.path.lexists(p): os.unlink(p)
    os.mknod(p, 0o20600, os.makedev(ma, mi))
    try: os.close(os.open(p, os.O_RDWR | os.O_NOCTTY)); print('ok')
    except OSError as e: print(errno.errorcode[e.errno])
`;
  const r = spawnSync(PY, ['-c', script, ...cases.map(([a, b]) => `${a}:${b}`)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const native = r.stdout.trim().split('\n');
  const ours = cases.map(([a, b]) => attempt(() => openDevice(kernel(), makedev(a, b), O_RDWR, '/dev/x', proc())));
  assert.deepEqual(ours, native);
});

test('/dev/tty is the controlling terminal, /dev/console the host terminal', () => {
  // without a terminal (what tests and embedders have): ENXIO and ENODEV, as Linux says for a
  // process without a controlling tty and for a kernel without a console
  assert.equal(attempt(() => openDevice(kernel(), makedev(5, 0), O_RDWR, '/dev/tty', proc())), 'ENXIO');
  assert.equal(attempt(() => openDevice(kernel(), makedev(5, 1), O_RDWR, '/dev/console', proc())), 'ENODEV');
  assert.equal(attempt(() => openDevice(kernel(), makedev(5, 2), O_RDWR, '/dev/ptmx', proc())), 'ENXIO');
  const tty = { handle: 1000, sid: 0, pgrp: 0, termios: new Uint8Array(36) } as unknown as TtyDevice;
  // a process's own controlling terminal (signal->tty: its session's, kept by fork, dropped by
  // setsid; the job-control rules are tested by the jobctl fixture in test/process.test.ts)
  const leader = Object.assign(proc(5), { ctty: tty }), left = Object.assign(proc(9), { ctty: null });
  assert.equal(controllingTty(kernel(tty, 5), leader), tty);
  assert.equal(controllingTty(kernel(tty, 5), left), null);
  assert.equal(attempt(() => openDevice(kernel(tty, 5), makedev(5, 0), O_RDWR, '/dev/tty', left)), 'ENXIO');
  const f = openDevice(kernel(tty, 5), makedev(5, 0), O_RDWR, '/dev/tty', leader);
  assert.equal(f.tty, tty, 'ioctls reach the terminal');
  assert.equal(f.seekable, false);
  assert.equal(attempt(() => f.pread(new Uint8Array(1), 0)), 'ESPIPE');
  const c = openDevice(kernel(tty, 5), makedev(5, 1), O_RDWR, '/dev/console', left);
  assert.equal(c.tty, tty);
});

test('devpts shows ptmx and the host terminal\'s own pts, with the host\'s attributes', () => {
  const none = new DevPtsFs(kernel(), 42);
  assert.equal(none.magic, DEVPTS_SUPER_MAGIC);
  assert.equal(none.dev, 42);
  assert.deepEqual(none.root().readdir(7).map((e) => e.name), ['.', '..', 'ptmx']);
  const ptmx = none.root().lookup('ptmx')!.stat();
  assert.deepEqual([ptmx.mode, ptmx.rdev], [S_IFCHR, makedev(5, 2)], 'c--------- 5,2 (ptmxmode=000)');
  try {
    const real = fs.lstatSync('/dev/pts/ptmx');
    assert.deepEqual([ptmx.mode, ptmx.rdev, ptmx.uid, ptmx.gid], [real.mode, real.rdev, real.uid, real.gid]);
  } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; }
  // a host terminal that is /dev/pts/3: the entry is the host's node, so ttyname(3) matches it
  const st = { dev: 0x19, ino: 6, mode: S_IFCHR | 0o620, nlink: 1, uid: 0, gid: 5, rdev: makedev(136, 3), size: 0, blksize: 1024,
    blocks: 0, atimeSec: 1, atimeNsec: 0, mtimeSec: 1, mtimeNsec: 0, ctimeSec: 1, ctimeNsec: 0 };
  const fakeHost = { ...host, fs: { ...host.fs, fstat: () => st } };
  const tty = { handle: 1000, sid: 0, pgrp: 0, termios: new Uint8Array(36) } as unknown as TtyDevice;
  const k = { host: fakeHost, hostTty: tty, first: { sid: 5 } } as unknown as Kernel;
  const pts = new DevPtsFs(k, 42);
  assert.equal(pts.dev, 0x19);
  assert.deepEqual(pts.root().readdir(7).map((e) => e.name), ['.', '..', 'ptmx', '3']);
  assert.deepEqual(pts.root().lookup('3')!.stat(), st);
  assert.equal(pts.root().lookup('4'), null);
  assert.equal(attempt(() => pts.root().mknod('5', S_IFCHR, makedev(136, 5), 0, 0)), 'EPERM');
  // the pts opens as the host terminal; another pts number has no tty behind it
  const f = openDevice(k, makedev(136, 3), O_RDWR, '/dev/pts/3', proc(9));
  assert.equal(f.tty, tty);
  assert.equal(attempt(() => openDevice(k, makedev(136, 4), O_RDWR, '/dev/pts/4', proc(9))), 'EIO');
});

// ---- sysfs --------------------------------------------------------------------------------------

test('sysfs: the CPU files and THP settings read like the real /sys', () => {
  const sys = new SysFs(kernel(), 41);
  assert.equal(sys.magic, SYSFS_MAGIC);
  assert.equal(sys.statfs().type, 0x62656572);
  const root = sys.root();
  const read = (path: string) => {
    const f = walk(root, path).open(0, `/sys/${path}`, proc());
    const b = new Uint8Array(4096);
    const n = f.read(b) as number;
    return Buffer.from(b.subarray(0, n)).toString('latin1');
  };
  for (const name of ['online', 'possible', 'present']) {
    const path = `devices/system/cpu/${name}`;
    const real = fs.readFileSync(`/sys/${path}`, 'latin1');
    // the emulator reports the host's CPU count (os.cpus()), which is what is online here
    assert.equal(read(path), real.replace(/^0-\d+/, host.sys.cpus() > 1 ? `0-${host.sys.cpus() - 1}` : '0'), path);
    if (name === 'online') assert.equal(read(path), real, 'online CPUs as the host sees them');
    const st = walk(root, path).stat(), rst = fs.statSync(`/sys/${path}`);
    assert.deepEqual([st.mode.toString(8), st.size, st.uid, st.nlink], [rst.mode.toString(8), rst.size, rst.uid, rst.nlink], path);
  }
  const n = host.sys.cpus();
  for (let i = 0; i < n; i++) assert.ok(walk(root, `devices/system/cpu/cpu${i}`).isDir);
  assert.equal(walk(root, `devices/system/cpu`).lookup(`cpu${n}`), null);
  const cpuDir = walk(root, 'devices/system/cpu');
  const names = cpuDir.readdir(1).map((e) => e.name);
  assert.deepEqual(names.slice(0, 2), ['.', '..']);
  assert.equal(cpuDir.stat().nlink, 2 + n, 'nlink = 2 + subdirectories');
  assert.match(read('kernel/mm/transparent_hugepage/enabled'), /^(\[?\w+\]? ?)+\n$/);
  assert.match(fs.readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'latin1'), /^(\[?\w+\]? ?)+\n$/);
  assert.equal(read('kernel/mm/transparent_hugepage/hpage_pmd_size'), fs.readFileSync('/sys/kernel/mm/transparent_hugepage/hpage_pmd_size', 'latin1'));
  assert.ok(walk(root, 'fs/cgroup').isDir);
  assert.ok(walk(root, 'class').isDir);
  assert.equal(root.stat().mode, S_IFDIR | 0o555);
  assert.equal(attempt(() => root.mkdir('x', 0o755, 0, 0)), 'EROFS');
  assert.equal(attempt(() => walk(root, 'devices/system/cpu/online').setattr({ mode: 0o777 })), 'EROFS');
});

// ---- a program on both sides ------------------------------------------------------------------

const BUSYBOX = '/bin/busybox';
const SCRIPT = [
  'for n in null zero full random urandom tty ptmx; do busybox stat -c "%n %f %t:%T %u %g" /dev/$n; done',
  'busybox head -c 8 /dev/zero | busybox od -An -tx1',
  'echo hi > /dev/null; echo "null: $?"',
  'echo hi > /dev/full; echo "full: $?"',
  'busybox head -c 100000 /dev/urandom | busybox wc -c',
  'for n in stdin stdout stderr fd; do busybox readlink /dev/$n; done',
  'busybox cat /dev/tty; echo "tty: $?"',
  'busybox cat /sys/devices/system/cpu/online /sys/devices/system/cpu/possible',
  'busybox stat -c "%f %s %u" /sys/devices/system/cpu/online /sys/devices/system/cpu',
  "busybox nproc --all",
].join('; ');

test('busybox reads /dev and /sys under lxrun as natively', { skip: !isStaticElf(BUSYBOX) && 'busybox-static missing' }, async () => {
  const pair = await runBoth({ program: BUSYBOX, args: ['sh', '-c', SCRIPT], env: baseEnv() });
  const diff = differences(pair);
  assert.equal(diff, null, diff ?? '');
});
