// procfs (kernel/fs/procfs.ts, kernel/fs/proc/): unit tests on a Kernel with spawned (not running)
// processes, read through the VFS as those processes, then real programs under bin/lxrun compared
// with the same programs run natively on this machine. Comparisons are of shape (which lines and
// fields, in which order, in which format); values that legitimately differ between a zone and
// the host (pids, addresses, sizes, times) are masked, each with its reason.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opendirSync, readFileSync } from 'node:fs';
import '../cpu/index.js';
import { cpuid } from '../cpu/ops/misc.js';
import { Kernel } from '../kernel/kernel.js';
import { Errno } from '../kernel/errno.js';
import { OpenFile, StreamFile } from '../kernel/file.js';
import { bstr } from '../kernel/host.js';
import { O_DIRECTORY, O_RDONLY, O_RDWR, O_WRONLY, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '../kernel/linux.js';
import type { Process } from '../kernel/process.js';
import { nodeHost } from '../host/node.js';
import { ProcFs, PROC_SUPER_MAGIC } from '../kernel/fs/procfs.js';
import { cpuFlags } from '../kernel/fs/proc/cpuinfo.js';
import { isExecutableFile, runLxrun, runNative, type RunResult } from './helpers/compare.js';

const BUSYBOX = '/bin/busybox';
const haveBusybox = isExecutableFile(BUSYBOX);

// ---- a zone with processes that never run -----------------------------------------------------

function zone(): { k: Kernel; p: Process; out: Uint8Array[] } {
  const k = new Kernel({ host: nodeHost(), release: '6.1.0-test', hostname: 'zone' });
  const out: Uint8Array[] = [];
  const p = spawn(k, out);
  return { k, p, out };
}

function spawn(k: Kernel, out: Uint8Array[] = [], argv = ['busybox', 'true', 'x y']): Process {
  return k.spawn({
    path: BUSYBOX, argv, envp: ['A=1', 'B=two'], cwd: '/tmp',
    stdio: [null, new StreamFile(O_WRONLY, 'pipe:[out]', null, (b) => out.push(b)), null],
  });
}

function open(k: Kernel, p: Process, path: string, flags = O_RDONLY): OpenFile {
  const f = k.vfs.open(p, path, flags, 0);
  assert.ok(!(f instanceof Promise));
  return f as OpenFile;
}

/** The whole content of a file, read in small pieces (as a byte string). */
function read(k: Kernel, p: Process, path: string): string {
  const f = open(k, p, path);
  let s = '';
  const buf = new Uint8Array(100);
  for (;;) {
    const n = f.read(buf) as number;
    if (n === 0) break;
    s += bstr(buf.subarray(0, n));
  }
  f.unref();
  return s;
}

function write(k: Kernel, p: Process, path: string, data: string): number {
  const f = open(k, p, path, O_WRONLY);
  try { return f.write(new TextEncoder().encode(data)) as number; } finally { f.unref(); }
}

function names(k: Kernel, p: Process, path: string): string[] {
  const f = open(k, p, path, O_RDONLY | O_DIRECTORY);
  const n = f.readdir().map((e) => e.name);
  f.unref();
  return n;
}

function errnoOf(fn: () => unknown): number {
  try { fn(); } catch (e) { if (e instanceof Errno) return e.errno; throw e; }
  return 0;
}

/** "Key:" names of a status-like file, in order. */
function keys(text: string): string[] {
  return text.split('\n').filter((l) => l).map((l) => l.slice(0, l.indexOf(':')));
}

const nativeProc = (f: string) => readFileSync(`/proc/self/${f}`, 'latin1');

// ---- unit tests --------------------------------------------------------------------------------

test('procfs is mounted at /proc as a proc file system', { skip: !haveBusybox }, () => {
  const { k } = zone();
  const m = k.mounts.all().find((x) => x.path === '/proc');
  assert.ok(m && m.fs instanceof ProcFs);
  assert.equal(m.fs.type, 'proc');
  assert.equal(m.fs.magic, PROC_SUPER_MAGIC);
  assert.equal(m.fs.statfs().type, 0x9fa0);
  const root = m.fs.root().stat();
  assert.equal(root.ino, 1);
  assert.equal(root.mode, S_IFDIR | 0o555);
});

test('/proc lists its fixed entries by (length, name), then self, thread-self and the pids in order',
  { skip: !haveBusybox }, () => {
    const { k, p } = zone();
    const q = spawn(k);
    const list = names(k, p, '/proc');
    assert.deepEqual(list.slice(0, 2), ['.', '..']);
    const i = list.indexOf('self');
    const fixed = list.slice(2, i);
    const sorted = [...fixed].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
    assert.deepEqual(fixed, sorted);
    for (const n of ['cpuinfo', 'meminfo', 'stat', 'uptime', 'loadavg', 'version', 'filesystems', 'mounts', 'swaps', 'partitions', 'sys']) {
      assert.ok(fixed.includes(n), n);
    }
    assert.deepEqual(list.slice(i), ['self', 'thread-self', String(p.pid), String(q.pid)]);
    assert.equal(k.vfs.stat(p, '/proc', true).nlink, 2 + 1 + 2, 'sys plus one per process');
  });

test('self and thread-self name the reader; following them reaches its directory', { skip: !haveBusybox }, () => {
  const { k, p } = zone();
  const q = spawn(k);
  assert.equal(k.vfs.readlink(p, '/proc/self'), String(p.pid));
  assert.equal(k.vfs.readlink(q, '/proc/self'), String(q.pid));
  assert.equal(k.vfs.readlink(p, '/proc/thread-self'), `${p.pid}/task/${p.pid}`);
  assert.equal(k.vfs.stat(q, '/proc/self', true).ino, k.vfs.stat(q, `/proc/${q.pid}`, true).ino);
  assert.equal(k.vfs.resolve(p, '/proc/self/..', true).path, '/proc');
  assert.equal(k.vfs.stat(p, '/proc/self', false).mode, S_IFLNK | 0o777);
  assert.equal(k.vfs.readlink(p, '/proc/mounts'), 'self/mounts');
});

test('/proc/<pid> has Linux\'s entries in Linux\'s order, owned by the process', { skip: !haveBusybox }, () => {
  const { k, p } = zone();
  const list = names(k, p, `/proc/${p.pid}`).slice(2);
  // every entry we have appears in this machine's list, in the same relative order
  const nat = readdirNative('/proc/self');
  assert.deepEqual(list.filter((n) => nat.includes(n)), list, 'no entry Linux does not have');
  assert.deepEqual(nat.filter((n) => list.includes(n)), list, 'same order as Linux');
  for (const n of ['task', 'fd', 'fdinfo', 'ns', 'environ', 'auxv', 'status', 'limits', 'comm', 'cmdline', 'stat', 'statm',
    'maps', 'smaps', 'cwd', 'root', 'exe', 'mounts', 'mountinfo', 'cgroup', 'loginuid', 'oom_score_adj']) assert.ok(list.includes(n), n);
  const tlist = names(k, p, `/proc/${p.pid}/task/${p.pid}`).slice(2);
  const tnat = readdirNative(`/proc/self/task/${process.pid}`);
  assert.deepEqual(tnat.filter((n) => tlist.includes(n)), tlist, 'task/<tid>: same order as Linux');
  assert.deepEqual(names(k, p, `/proc/${p.pid}/task`).slice(2), [String(p.pid)]);
  // modes as Linux has them
  const mode = (n: string) => k.vfs.stat(p, `/proc/self/${n}`, false).mode;
  for (const n of ['environ', 'auxv', 'personality', 'mountstats']) assert.equal(mode(n), S_IFREG | 0o400, n);
  for (const n of ['status', 'stat', 'statm', 'maps', 'cmdline', 'limits', 'cgroup', 'mounts']) assert.equal(mode(n), S_IFREG | 0o444, n);
  for (const n of ['comm', 'oom_score_adj', 'loginuid']) assert.equal(mode(n), S_IFREG | 0o644, n);
  for (const n of ['exe', 'cwd', 'root']) assert.equal(mode(n), S_IFLNK | 0o777, n);
  assert.equal(mode('fd'), S_IFDIR | 0o500);
  assert.equal(mode('fdinfo'), S_IFDIR | 0o555);
  assert.equal(mode('ns'), S_IFDIR | 0o511);
  p.euid = 1234; p.egid = 99;
  const st = k.vfs.stat(p, '/proc/self/status', true);
  assert.deepEqual([st.uid, st.gid, st.size], [1234, 99, 0]);
});

/** A native directory listing in getdents order (node's readdir keeps it). */
function readdirNative(dir: string): string[] {
  // opendir reads with getdents and keeps its order (readdirSync's scandir would sort)
  const d = opendirSync(dir);
  const out: string[] = [];
  for (let e = d.readSync(); e; e = d.readSync()) out.push(e.name);
  d.closeSync();
  return out;
}

test('status has this machine\'s fields in its order, with tab-separated values', { skip: !haveBusybox }, () => {
  const { k, p } = zone();
  const ours = read(k, p, '/proc/self/status');
  assert.deepEqual(keys(ours), keys(nativeProc('status')));
  assert.match(ours, new RegExp(`^Name:\\tbusybox\\nUmask:\\t0022\\nState:\\tR \\(running\\)\\nTgid:\\t${p.pid}\\nNgid:\\t0\\nPid:\\t${p.pid}\\nPPid:\\t1\\n`));
  assert.match(ours, /\nUid:\t(\d+)\t\1\t\1\t\1\n/);
  assert.match(ours, /\nGroups:\t \n/, 'no groups: a lone trailing space');
  assert.match(ours, /\nVmSize:\t {1,8}\d+ kB\n/);
  assert.match(ours, /\nSigCgt:\t[0-9a-f]{16}\n/);
  assert.match(ours, /\nCapBnd:\t000001ffffffffff\n/);
  // signal sets from the process's actions and masks
  p.sigactions[2].handler = 1;              // SIGINT ignored
  p.sigactions[15].handler = 0x401000;      // SIGTERM caught
  p.mainTask.sigmask.add(10);
  const s2 = read(k, p, '/proc/self/status');
  assert.match(s2, /\nSigBlk:\t0000000000000200\nSigIgn:\t0000000000000002\nSigCgt:\t0000000000004000\n/);
});

test('stat has 52 fields in do_task_stat order', { skip: !haveBusybox }, () => {
  const { k, p } = zone();
  const s = read(k, p, '/proc/self/stat');
  assert.ok(s.endsWith('\n'));
  const m = /^(\d+) \((.*)\) (.*)\n$/.exec(s)!;
  assert.ok(m);
  const f = [m[1], m[2], ...m[3].split(' ')];
  assert.equal(f.length, 52);
  const nat = nativeProc('stat');
  assert.equal(nat.slice(nat.lastIndexOf(')') + 2).trim().split(' ').length + 2, 52, 'the native file has 52 too');
  assert.equal(f[0], String(p.pid));
  assert.equal(f[1], 'busybox');
  assert.equal(f[2], 'R');
  assert.deepEqual(f.slice(3, 8), ['1', String(p.pgid), String(p.sid), '0', '-1']);
  assert.equal(f[24], '18446744073709551615', 'rsslim: RLIM_INFINITY');
  const img = p.image!.mm;
  assert.deepEqual(f.slice(25, 28).map(Number), [img.startCode, img.endCode, img.startStack]);
  assert.deepEqual(f.slice(44, 51).map(Number), [img.startData, img.endData, p.mem.brkStart, img.argStart, img.argEnd, img.envStart, img.envEnd]);
  assert.equal(f[37], '17', 'exit_signal SIGCHLD');
  assert.equal(Number(f[22]), (p.mem.vmas.reduce((a, v) => a + v.end - v.start, 0)), 'vsize');
  // another user sees 1/1/0 and zeros for the private addresses
  const q = spawn(k);
  q.uid = q.euid = q.suid = q.fsuid = 1000;
  const g = read(k, q, `/proc/${p.pid}/stat`).split(') ')[1].split(' ');
  assert.deepEqual([g[23], g[24], g[25]], ['1', '1', '0']);
  assert.deepEqual(g.slice(42, 49), ['0', '0', '0', '0', '0', '0', '0']);
});

test('statm, maps and smaps describe the address space', { skip: !haveBusybox }, () => {
  const { k, p } = zone();
  const statm = read(k, p, '/proc/self/statm').trim().split(' ').map(Number);
  assert.equal(statm.length, 7);
  assert.equal(statm[0] * 4096, p.mem.vmas.reduce((a, v) => a + v.end - v.start, 0));
  const maps = read(k, p, '/proc/self/maps').split('\n').filter(Boolean);
  const line = /^([0-9a-f]{8,16})-([0-9a-f]{8,16}) ([r-][w-][x-][ps]) ([0-9a-f]{8}) ([0-9a-f]{2,}):([0-9a-f]{2,}) (\d+)(?: {1,}(.*)|\s?)$/;
  for (const l of maps) assert.match(l, line);
  assert.ok(maps.some((l) => l.endsWith('/busybox') && l.indexOf('/') === 73), 'names start in column 73');
  assert.ok(maps.some((l) => l.endsWith('[stack]')));
  assert.equal(maps[maps.length - 1], 'ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]');
  const smaps = read(k, p, '/proc/self/smaps');
  const natKeys = [...new Set(keys(nativeProc('smaps')).filter((x) => !/^[0-9a-f]+-/.test(x)))];
  const ourKeys = [...new Set(keys(smaps).filter((x) => !/^[0-9a-f]+-/.test(x)))];
  assert.deepEqual(ourKeys, natKeys.filter((x) => x !== 'ProtectionKey'));
  assert.match(smaps, /\nSize: {16}\d+ kB\nKernelPageSize: {8}4 kB\n/);
  assert.match(smaps, /\nVmFlags: rd wr mr mw me gd ac \n/, 'the stack');
  const roll = read(k, p, '/proc/self/smaps_rollup');
  assert.deepEqual(keys(roll).slice(1), keys(nativeProc('smaps_rollup')).slice(1));
});

test('cmdline, environ and auxv come from the process\'s memory', { skip: !haveBusybox }, () => {
  const { k, p } = zone();
  assert.equal(read(k, p, '/proc/self/cmdline'), 'busybox\0true\0x y\0');
  assert.equal(read(k, p, '/proc/self/environ'), 'A=1\0B=two\0');
  // setproctitle: once the last NUL of argv is overwritten, cmdline is the string at arg_start,
  // which may run on into the environment
  const mm = p.image!.mm;
  p.mem.writeBytes(mm.argStart, new TextEncoder().encode('busybox true x y!'));
  assert.equal(read(k, p, '/proc/self/cmdline'), 'busybox true x y!A=1\0');
  p.mem.writeBytes(mm.argStart + 7, new Uint8Array([0]));
  assert.equal(read(k, p, '/proc/self/cmdline'), 'busybox\0');
  const auxv = read(k, p, '/proc/self/auxv');
  assert.equal(auxv.length, p.image!.auxv.length * 16);
  const b = Buffer.from(auxv, 'latin1');
  for (let i = 0; i < p.image!.auxv.length; i++) {
    assert.equal(Number(b.readBigUInt64LE(i * 16)), p.image!.auxv[i][0]);
    assert.equal(Number(b.readBigUInt64LE(i * 16 + 8)), p.image!.auxv[i][1]);
  }
  assert.deepEqual([...b.subarray(b.length - 16)], new Array(16).fill(0), 'ends with AT_NULL');
  // private to those who may ptrace it
  const q = spawn(k);
  q.uid = q.euid = q.suid = q.fsuid = 1000;
  q.gid = q.egid = q.sgid = q.fsgid = 1000;
  p.uid = p.euid = p.suid = p.fsuid = 0;
  assert.equal(errnoOf(() => read(k, q, `/proc/${p.pid}/environ`)), 13);
  assert.equal(errnoOf(() => k.vfs.readlink(q, `/proc/${p.pid}/exe`)), 13);
  assert.equal(read(k, q, `/proc/${p.pid}/cmdline`).split('\0')[0], 'busybox', 'cmdline is public');
});

test('limits is Linux\'s table, column for column', { skip: !haveBusybox }, () => {
  const { k, p } = zone();
  const ours = read(k, p, '/proc/self/limits').split('\n');
  const nat = nativeProc('limits').split('\n');
  assert.equal(ours.length, nat.length);
  assert.equal(ours[0], nat[0]);
  const cols = (l: string) => [l.slice(0, 26), l.slice(26, 47), l.slice(47, 68), l.slice(68)];
  for (let i = 1; i < ours.length - 1; i++) {
    const [a, b] = [cols(ours[i]), cols(nat[i])];
    assert.equal(a[0], b[0]);
    assert.equal(a[3], b[3], `units of ${b[0].trim()}`);
    assert.equal(ours[i].length, nat[i].length, `width of ${b[0].trim()}`);
  }
  assert.match(ours[4], /^Max stack size {12}8388608 {14}unlimited {12}bytes {5}$/);
});

test('fd and fdinfo: one magic link and one info file per descriptor', { skip: !haveBusybox }, () => {
  const { k, p } = zone();
  const f = open(k, p, '/proc/self/status');
  const fd = p.fds.alloc(f, true, 1024);
  assert.equal(fd, 0);
  assert.deepEqual(names(k, p, '/proc/self/fd').slice(2), ['0', '1']);
  assert.equal(k.vfs.readlink(p, '/proc/self/fd/1'), 'pipe:[out]');
  assert.equal(k.vfs.readlink(p, `/proc/self/fd/${fd}`), `/proc/${p.pid}/status`);
  assert.equal(k.vfs.stat(p, '/proc/self/fd/1', false).mode, S_IFLNK | 0o300, 'write-only: -wx');
  assert.equal(k.vfs.stat(p, `/proc/self/fd/${fd}`, false).mode, S_IFLNK | 0o500, 'read-only: r-x');
  assert.equal(k.vfs.stat(p, `/proc/self/fd/${fd}`, false).size, 64);
  assert.equal(k.vfs.stat(p, '/proc/self/fd', true).size, 2, 'the fd directory\'s size counts descriptors');
  // following the link reaches the same open file's inode
  assert.equal(k.vfs.stat(p, `/proc/self/fd/${fd}`, true).ino, f.inode!.stat().ino);
  f.pos = 5;
  assert.equal(read(k, p, `/proc/self/fdinfo/${fd}`), `pos:\t5\nflags:\t02${(0o100000).toString(8).padStart(6, '0')}\nmnt_id:\t${f.mnt!.id}\nino:\t${f.inode!.ino}\n`);
  assert.match(read(k, p, '/proc/self/fdinfo/1'), /^pos:\t0\nflags:\t01\nmnt_id:\t\d+\nino:\t\d+\n$/);
  assert.equal(errnoOf(() => k.vfs.readlink(p, '/proc/self/fd/77')), 2);
  p.fds.close(fd);
  assert.deepEqual(names(k, p, '/proc/self/fd').slice(2), ['1']);
});

test('exe, cwd and root are magic links to the process\'s files', { skip: !haveBusybox }, () => {
  const { k, p } = zone();
  assert.equal(k.vfs.readlink(p, '/proc/self/exe'), p.exe);
  assert.equal(k.vfs.readlink(p, '/proc/self/cwd'), '/tmp');
  assert.equal(k.vfs.readlink(p, '/proc/self/root'), '/');
  assert.equal(k.vfs.stat(p, '/proc/self/exe', true).ino, k.vfs.stat(p, p.exe, true).ino);
  assert.equal(k.vfs.resolve(p, '/proc/self/cwd', true).path, '/tmp');
  assert.equal(k.vfs.readlink(p, `/proc/${p.pid}/ns/mnt`), 'mnt:[4026531832]');
});

test('comm, oom_score_adj and the sysctls take writes the way Linux does', { skip: !haveBusybox }, () => {
  const { k, p } = zone();
  assert.equal(read(k, p, '/proc/self/comm'), 'busybox\n');
  assert.equal(write(k, p, '/proc/self/comm', 'a-very-long-name-indeed'), 23);
  assert.equal(p.comm, 'a-very-long-nam');
  assert.equal(read(k, p, '/proc/self/comm'), 'a-very-long-nam\n');
  const q = spawn(k);
  assert.equal(errnoOf(() => write(k, q, `/proc/${p.pid}/comm`, 'x')), 22, 'another process: EINVAL');
  write(k, p, '/proc/self/oom_score_adj', '500\n');
  assert.equal(read(k, p, '/proc/self/oom_score_adj'), '500\n');
  assert.equal(read(k, p, '/proc/self/oom_adj'), '8\n');
  assert.equal(errnoOf(() => write(k, p, '/proc/self/oom_score_adj', '2000')), 22);
  assert.equal(errnoOf(() => write(k, p, '/proc/self/status', 'x')), 22, 'no write handler: EINVAL');
  // sysctls: root may write 0644 ones, nobody a 0444 one
  p.uid = p.euid = p.fsuid = 0;
  write(k, p, '/proc/sys/kernel/hostname', 'newname\nignored');
  assert.equal(k.hostname, 'newname');
  assert.equal(read(k, p, '/proc/sys/kernel/hostname'), 'newname\n');
  assert.equal(errnoOf(() => open(k, p, '/proc/sys/kernel/osrelease', O_RDWR)), 13);
  assert.equal(errnoOf(() => write(k, p, '/proc/sys/vm/overcommit_memory', 'x')), 22);
  write(k, p, '/proc/sys/vm/overcommit_memory', '1');
  assert.equal(read(k, p, '/proc/sys/vm/overcommit_memory'), '1\n');
  q.uid = q.euid = q.fsuid = 1000;
  assert.equal(errnoOf(() => open(k, q, '/proc/sys/kernel/hostname', O_WRONLY)), 13);
});

test('/proc/sys values', { skip: !haveBusybox }, () => {
  const { k, p } = zone();
  const r = (n: string) => read(k, p, `/proc/sys/${n}`);
  assert.equal(r('kernel/osrelease'), '6.1.0-test\n');
  assert.equal(r('kernel/ostype'), 'Linux\n');
  assert.equal(r('kernel/hostname'), 'zone\n');
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\n$/;
  assert.match(r('kernel/random/uuid'), uuid);
  assert.notEqual(r('kernel/random/uuid'), r('kernel/random/uuid'), 'a fresh uuid at each read');
  assert.match(r('kernel/random/boot_id'), uuid);
  assert.equal(r('kernel/random/boot_id'), r('kernel/random/boot_id'), 'boot_id stays');
  for (const n of ['kernel/ngroups_max', 'kernel/cap_last_cap', 'kernel/overflowuid', 'kernel/overflowgid', 'fs/nr_open', 'kernel/pid_max']) {
    assert.equal(r(n), nativeProcSys(n), n);
  }
  for (const n of ['kernel/threads-max', 'fs/file-max', 'net/core/somaxconn', 'vm/overcommit_memory']) assert.match(r(n), /^\d+\n$/, n);
  assert.deepEqual(names(k, p, '/proc/sys/kernel').slice(2), [...names(k, p, '/proc/sys/kernel').slice(2)].sort());
  assert.equal(k.vfs.stat(p, '/proc/sys', true).nlink, 1);
});

function nativeProcSys(n: string): string { return readFileSync(`/proc/sys/${n}`, 'latin1'); }

test('cpuinfo agrees with our CPUID; one block per host CPU', { skip: !haveBusybox }, () => {
  const { k, p } = zone();
  const text = read(k, p, '/proc/cpuinfo');
  const blocks = text.split('\n\n').filter(Boolean);
  assert.equal(blocks.length, Math.max(1, k.host.sys.cpus()));
  const nat = readFileSync('/proc/cpuinfo', 'latin1').split('\n\n')[0];
  assert.deepEqual(keys(blocks[0]).map((x) => x.trimEnd()), keys(nat).map((x) => x.trimEnd()).filter((x) => x !== 'microcode'),
    'the fields of this machine\'s cpuinfo (no microcode: there is none)');
  assert.match(blocks[0], /^processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\n/);
  const flags = /\nflags\t\t: (.*)\n/.exec(blocks[0])![1].split(' ');
  assert.deepEqual(flags, cpuFlags());
  const ecx1 = cpuid(1, 0)[2];
  assert.equal(flags.includes('sse4_2'), !!(ecx1 & (1 << 20)));
  assert.equal(flags.includes('avx'), !!(ecx1 & (1 << 28)));
  assert.ok(flags.includes('lm') && flags.includes('sse2') && flags.includes('popcnt'));
});

test('meminfo, stat, uptime, loadavg, version, filesystems, swaps and partitions have Linux\'s shape', { skip: !haveBusybox }, () => {
  const { k, p } = zone();
  const mem = read(k, p, '/proc/meminfo');
  assert.deepEqual(keys(mem), keys(readFileSync('/proc/meminfo', 'latin1')));
  for (const l of mem.split('\n').filter(Boolean)) assert.match(l, /^[\w()]+: +\d+( kB)?$/);
  assert.match(mem, new RegExp(`^MemTotal: +${Math.floor(k.host.sys.totalmem() / 1024)} kB\n`));
  const stat = read(k, p, '/proc/stat');
  const natStat = readFileSync('/proc/stat', 'latin1');
  assert.deepEqual(stat.split('\n').map((l) => l.split(' ')[0]), natStat.split('\n').map((l) => l.split(' ')[0]));
  assert.match(stat, /^cpu  \d+ 0 \d+ \d+ 0 0 0 0 0 0\ncpu0 /);
  assert.match(stat, /\nbtime \d+\nprocesses \d+\nprocs_running [1-9]\d*\nprocs_blocked 0\nsoftirq( \d+){11}\n$/);
  assert.match(read(k, p, '/proc/uptime'), /^\d+\.\d\d \d+\.\d\d\n$/);
  assert.match(read(k, p, '/proc/loadavg'), new RegExp(`^\\d+\\.\\d\\d \\d+\\.\\d\\d \\d+\\.\\d\\d 1/1 ${p.pid}\n$`));
  assert.match(read(k, p, '/proc/version'), /^Linux version 6\.1\.0-test \(\S+@\S+\) \(.+\) .+\n$/);
  const fss = read(k, p, '/proc/filesystems');
  for (const t of ['proc', 'tmpfs', 'sysfs', 'overlay']) assert.ok(fss.includes(`nodev\t${t}\n`), t);
  assert.equal(read(k, p, '/proc/swaps'), readFileSync('/proc/swaps', 'latin1').split('\n')[0] + '\n');
  assert.equal(read(k, p, '/proc/partitions'), 'major minor  #blocks  name\n\n');
});

test('mounts and mountinfo render the zone\'s mount table', { skip: !haveBusybox }, () => {
  const { k, p } = zone();
  const mounts = read(k, p, '/proc/mounts').split('\n').filter(Boolean);
  const table = k.mounts.all();
  assert.equal(mounts.length, table.length);
  assert.ok(mounts.includes('proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0'), mounts.join('\n'));
  const info = read(k, p, '/proc/self/mountinfo').split('\n').filter(Boolean);
  const pm = table.find((m) => m.path === '/proc')!;
  const dev = pm.fs.dev;
  assert.ok(info.includes(`${pm.id} ${pm.parentId} 0:${dev} / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw`), info.join('\n'));
  for (const l of info) assert.match(l, /^\d+ \d+ \d+:\d+ \S+ \S+ (rw|ro)\S* - \S+ \S+ (rw|ro)\S*$/);
  assert.match(read(k, p, '/proc/self/mountstats'), /^device proc mounted on \/proc with fstype proc$/m);
  assert.equal(read(k, p, '/proc/self/cgroup'), '0::/\n');
  assert.equal(read(k, p, '/proc/self/loginuid'), '4294967295');
});

test('reading is a snapshot; reading from offset 0 again sees fresh content; seek is seq_lseek', { skip: !haveBusybox }, () => {
  const { k, p } = zone();
  const f = open(k, p, '/proc/self/comm');
  const b = new Uint8Array(3);
  f.read(b);
  p.comm = 'other';
  f.read(b);
  assert.equal(bstr(b), 'ybo', 'the rest of the first snapshot');
  assert.equal(f.seek(0, 0), 0);
  const c = new Uint8Array(16);
  assert.equal(bstr(c.subarray(0, f.read(c) as number)), 'other\n');
  assert.equal(errnoOf(() => f.seek(0, 2)), 22, 'SEEK_END: EINVAL');
  assert.equal(errnoOf(() => f.seek(-1, 0)), 22);
  f.unref();
});

test('a reaped process disappears; its open files answer ESRCH; a zombie keeps its stat', { skip: !haveBusybox }, () => {
  const { k, p } = zone();
  const q = spawn(k);
  const f = open(k, p, `/proc/${q.pid}/status`);
  q.state = 'zombie';
  q.exit = { status: 3 << 8, code: 3 };
  const st = read(k, p, `/proc/${q.pid}/stat`).split(') ')[1].split(' ');
  assert.equal(st[0], 'Z');
  assert.equal(st[49].trim(), String(3 << 8), 'exit_code');
  assert.equal(st[20], '0', 'no memory: vsize 0');
  assert.match(read(k, p, `/proc/${q.pid}/status`), /\nState:\tZ \(zombie\)\n/);
  assert.ok(!read(k, p, `/proc/${q.pid}/status`).includes('VmSize'), 'no Vm* lines without memory');
  assert.equal(errnoOf(() => k.vfs.readlink(p, `/proc/${q.pid}/exe`)), 2);
  q.state = 'dead';
  assert.equal(errnoOf(() => k.vfs.stat(p, `/proc/${q.pid}`, true)), 2);
  assert.ok(!names(k, p, '/proc').includes(String(q.pid)));
  const buf = new Uint8Array(64);
  assert.equal(errnoOf(() => f.pread(buf, 0)), 3);
  f.unref();
});

// ---- real programs: lxrun against this machine ------------------------------------------------

interface Shape { native: RunResult; lxrun: RunResult }

async function both(program: string, args: string[]): Promise<Shape> {
  const native = await runNative({ program, args, timeoutMs: 60_000 });
  const lxrun = await runLxrun({ program, args, timeoutMs: 300_000 });
  assert.equal(native.status, 0, `native ${program} ${args.join(' ')}: ${native.stderr}`);
  assert.equal(lxrun.status, 0, `lxrun ${program} ${args.join(' ')}: ${lxrun.stderr}`);
  return { native, lxrun };
}

const lines = (r: RunResult) => r.stdout.toString('latin1').split('\n').filter(Boolean);

test('lxrun: cat /proc/self/status has the native fields in order', { skip: !haveBusybox }, async () => {
  const { native, lxrun } = await both(BUSYBOX, ['cat', '/proc/self/status']);
  assert.deepEqual(keys(lxrun.stdout.toString('latin1')), keys(native.stdout.toString('latin1')));
  // values are tab-separated in both; masking values keeps only the layout
  const shape = (r: RunResult) => lines(r).map((l) => l.replace(/\d+/g, '0').replace(/[0-9a-f]{16}/g, 'X').replace(/:\t.*$/, ':\t'));
  assert.deepEqual(shape(lxrun), shape(native));
});

test('lxrun: cat /proc/self/stat has 52 fields like native', { skip: !haveBusybox }, async () => {
  const { native, lxrun } = await both(BUSYBOX, ['cat', '/proc/self/stat']);
  const fields = (r: RunResult) => {
    const s = r.stdout.toString('latin1');
    return [s.slice(0, s.indexOf(' (')), s.slice(s.indexOf(' (') + 1, s.lastIndexOf(')') + 1), ...s.slice(s.lastIndexOf(')') + 2).trim().split(' ')];
  };
  const [n, l] = [fields(native), fields(lxrun)];
  assert.equal(l.length, n.length);
  assert.equal(l[1], n[1], 'comm');
  assert.equal(l[2], n[2], 'state');
  // pids, times, sizes and addresses are the zone's own (masked); these are fixed by the ABI:
  for (const i of [6, 7, 17, 18, 19, 20, 24, 37]) assert.equal(l[i], n[i], `field ${i + 1}`);
});

test('lxrun: cat /proc/self/maps lines have the native layout', { skip: !haveBusybox }, async () => {
  const { native, lxrun } = await both(BUSYBOX, ['cat', '/proc/self/maps']);
  // addresses, offsets, devices and inodes differ (a zone lays out memory Linux's way, but the
  // native run is randomized and its files live on other devices): compare columns and names
  const shape = (r: RunResult) => lines(r).map((l) => {
    const m = /^[0-9a-f]+-[0-9a-f]+ ([rwxps-]{4}) [0-9a-f]{8} [0-9a-f]{2}:[0-9a-f]{2} \d+ *(.*)$/.exec(l);
    assert.ok(m, l);
    if (m[2]) assert.equal(l.indexOf(m[2]), 73, l);
    return `${m[1]} ${m[2]}`;
  });
  const [n, l] = [shape(native), shape(lxrun)];
  assert.equal(l[l.length - 1], n[n.length - 1], 'the vsyscall page last');
  assert.deepEqual(l.filter((x) => x.endsWith('/busybox')), n.filter((x) => x.endsWith('/busybox')));
  assert.ok(l.includes('rw-p [heap]') && l.includes('rw-p [stack]'));
});

test('lxrun: ls -l /proc/self/fd/ and readlink /proc/self/exe', { skip: !haveBusybox }, async () => {
  const { native, lxrun } = await both(BUSYBOX, ['readlink', '/proc/self/exe']);
  assert.equal(lxrun.stdout.toString(), native.stdout.toString());
  const ls = await both(BUSYBOX, ['sh', '-c', 'exec 5</dev/null; ls -l /proc/self/fd/ 2>/dev/null']);
  // the test harness hands the native run no extra descriptors; each line's shape must agree
  // Masked: the native run also inherits descriptors the test harness leaves open (251...), which
  // lxrun does not pass into the zone (it gives the guest fds 0-2), and pipe/socket inode numbers.
  const shape = (r: RunResult) => lines(r).filter((x) => !x.startsWith('total'))
    .map((x) => x.replace(/^(\S+)\s+1\s+\S+\s+\S+\s+64 .{12} (\d+)(?: -> (\S+))?$/, (_a, mode, fd, to) =>
      `${mode} ${fd} ${to === undefined ? '' : to.replace(/^(pipe|socket):\[\d+\]$/, '$1')}`))
    .filter((x) => Number(x.split(' ')[1]) < 10);
  assert.deepEqual(shape(ls.lxrun), shape(ls.native));
});

test('lxrun: busybox ps, free and uptime read procfs like on Linux', { skip: !haveBusybox }, async () => {
  const ps = await both(BUSYBOX, ['ps', '-o', 'pid,ppid,user,stat,comm,args']);
  assert.equal(lines(ps.lxrun)[0], lines(ps.native)[0]);
  assert.match(lines(ps.lxrun).find((l) => l.includes(' ps -o'))!, /^\s+\d+\s+1\s+\S+\s+R\s+busybox\s+\S*busybox ps -o/);
  const free = await both(BUSYBOX, ['free']);
  const rowNames = (r: RunResult) => lines(r).map((l) => l.trim().split(/\s+/)[0]);
  assert.deepEqual(rowNames(free.lxrun), rowNames(free.native));
  assert.equal(lines(free.lxrun)[0], lines(free.native)[0]);
  const up = await both(BUSYBOX, ['uptime']);
  const re = /^ \d\d:\d\d:\d\d up .+,\s+load average: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d$/;
  assert.match(lines(up.native)[0], re);
  assert.match(lines(up.lxrun)[0], re);
  const np = await runLxrun({ program: BUSYBOX, args: ['sh', '-c', 'grep -c ^processor /proc/cpuinfo'] });
  assert.equal(np.stdout.toString().trim(), String(readFileSync('/proc/cpuinfo', 'latin1').split('\n').filter((l) => l.startsWith('processor')).length));
});

const PROCPS_PS = '/usr/bin/ps';
test('lxrun: Debian procps ps and free', { skip: !isExecutableFile(PROCPS_PS) && 'procps not installed' }, async () => {
  const args = ['-o', 'pid,ppid,pgid,sid,tty,stat,nlwp,etime,time,comm,args'];
  const ps = await both(PROCPS_PS, args);
  assert.equal(lines(ps.lxrun)[0], lines(ps.native)[0]);
  const own = lines(ps.lxrun).find((l) => / ps /.test(l))!;
  assert.match(own, /^\s*\d+\s+1\s+\d+\s+\d+\s+\?\s+R\S*\s+1\s+[\d:-]+\s+\d\d:\d\d:\d\d ps\s+\/usr\/bin\/ps -o /);
  const aux = await both(PROCPS_PS, ['aux']);
  assert.equal(lines(aux.lxrun)[0], lines(aux.native)[0]);
  if (isExecutableFile('/usr/bin/free')) {
    const free = await both('/usr/bin/free', []);
    assert.equal(lines(free.lxrun)[0], lines(free.native)[0]);
  }
});

const PYTHON = '/usr/bin/python3';
test('lxrun: python3 lists /proc/self/fd like native', { skip: !isExecutableFile(PYTHON) && 'no /usr/bin/python3' }, async () => {
  // fds >= 10 are the test harness's own, inherited by the native run only (see above)
  const { native, lxrun } = await both(PYTHON, ['-S', '-c',
    "import os; print(sorted((f for f in os.listdir('/proc/self/fd') if int(f) < 10), key=int)); print(os.readlink('/proc/self/exe'))"]);
  assert.equal(lxrun.stdout.toString(), native.stdout.toString());
});
