// lxconform: the corpus of native strace recordings (conformance/traces) replayed under lxbrand must
// show no divergence that conformance/skiplist.json does not explain; and lxconform itself must
// catch what stdout cannot show (a wrong errno), parse strace's notation, align and normalise.
// The corpus is recorded natively in the test run where strace works; the committed traces
// (`make record-traces`) are replayed where it does not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { abiOfCall } from '../conformance/abi.js';
import { align } from '../conformance/align.js';
import { i386View } from '../conformance/guest-i386.js';
import { cloneArgs } from '../conformance/guest.js';
import { Mem } from '../conformance/guest-mem.js';
import { kindsOf } from '../conformance/kinds.js';
import { I386_NR } from '../conformance/nr-i386.js';
import { loadCorpus } from '../conformance/corpus.js';
import { gradeRecords, Normalizer, pairThread } from '../conformance/compare.js';
import type { CallRecord, TraceRecord } from '../conformance/format.js';
import { readTrace } from '../conformance/format.js';
import { fromStrace } from '../conformance/native.js';
import { byThread, mergeRuns } from '../conformance/record.js';
import { replay } from '../conformance/replay.js';
import { judge, runCorpus, summaryLine, coverageLine, traceFiles } from '../conformance/report.js';
import { Skiplist } from '../conformance/skiplist.js';
import { parseStrace } from '../conformance/strace-parse.js';
import { CONFORMANCE, ROOT, TRACES } from '../conformance/workdir.js';
import { fail } from './helpers/compare.js';

const SKIPLIST = join(CONFORMANCE, 'skiplist.json');

test('strace -X raw -v output parses into typed records', () => {
  const text = [
    '101 1795675130.599508 openat(-100, "/etc/ld.so.cache", 0x80000) = 3',
    '101 1795675130.599549 newfstatat(3, "", {st_dev=0xfe00, st_ino=2244614, st_mode=0100644, st_nlink=1, st_uid=0, st_gid=0, st_blksize=4096, st_blocks=80, st_size=38063, st_atime=1795671308 /* 2026-11-26T05:35:08.509244604+0000 */, st_atime_nsec=509244604, st_mtime=1795671308, st_mtime_nsec=493244605, st_ctime=1795671308, st_ctime_nsec=493244605}, 0x1000) = 0',
    '101 1795675130.599599 mmap(NULL, 38063, 0x1, 0x2, 3, 0) = 0x7ffff7fb6000',
    '101 1795675130.6 statx(-100, "sub", |0x900, 0x25e, {stx_mask=0x17ff, stx_mode=040755, stx_atime={tv_sec=1, tv_nsec=2} /* x */}) = 0',
    '101 1795675130.7 socket(0x1, 0x1|0x80800, 0) = 3',
    '101 1795675130.8 rt_sigprocmask(0, ~[32 33 34], [], 8) = 0',
    '101 1795675130.9 read(0, <unfinished ...>',
    '101 1795675131.0 <... read resumed>"a\\tb\\n\\0\\377", 64) = 6',
    '101 1795675131.1 access("/nope", 0x4) = -1 ENOENT (No such file or directory)',
    '101 1795675131.2 --- SIGUSR1 {si_signo=10, si_code=0xfffffffa, si_pid=101, si_uid=0} ---',
    '101 1795675131.3 exit_group(3)                           = ?',
    '101 1795675131.4 +++ exited with 3 +++',
  ].join('\n');
  const recs = fromStrace(parseStrace(text));
  const calls = recs.filter((r): r is CallRecord => r.type === 'call');
  assert.equal(calls.length, 9);
  assert.deepEqual(calls[0].args.map((a) => a.v), [-100, { $s: '/etc/ld.so.cache' }, 0x80000]);
  assert.equal(calls[0].ret, 3);
  const st = calls[1].args[2].v as Record<string, unknown>;
  assert.equal(st.st_mode, 0o100644);
  assert.equal(st.st_size, 38063);
  assert.equal(calls[2].ret, '0x7ffff7fb6000');
  assert.equal(calls[2].args[0].v, null);
  assert.equal(calls[3].args[2].v, 0x900);
  assert.deepEqual((calls[3].args[4].v as Record<string, unknown>).stx_atime, { tv_sec: 1, tv_nsec: 2 });
  assert.equal(calls[4].args[1].v, 0x80801);
  assert.equal((calls[5].args[1].v as number[]).length, 61);
  assert.equal(calls[6].name, 'read');
  assert.equal((calls[6].args[1].v as Record<string, unknown>).$buf, 6);
  assert.equal((calls[6].args[1].v as Record<string, unknown>).head, 'a\tb\n\u0000\u00ff');
  assert.equal(calls[7].err, 'ENOENT');
  const sig = recs.find((r) => r.type === 'signal');
  assert.ok(sig && sig.type === 'signal' && sig.sig === 10);
  assert.equal((sig.info as Record<string, unknown>).si_code, -6);
  assert.equal(calls[8].ret, undefined);
  assert.deepEqual(recs[recs.length - 1], { type: 'exit', seq: recs.length - 1, tid: 101, code: 3 });
});

// Lines of `strace -f -n -e quiet=attach -X raw -v -s 65536 -ttt` (strace 6.1) tracing a gcc -m32
// -static program that makes these calls through syscall(2) on this machine (its i386 emulation).
test('i386: strace output parses into records of the right ABI, numbers and canonical values', () => {
  const text = [
    '20276 1795691036.566417 [  59] execve("./sc32", ["./sc32"], ["HOME=/root"]) = 0',
    '20276 1795691036.576114 [  59] [ Process PID=20276 runs in 32 bit mode. ]',
    '20276 1795691036.576209 [ 243] set_thread_area({entry_number=-1, base_addr=0x80f1380, limit=0x0fffff, seg_32bit=1, contents=0, read_exec_only=0, limit_in_pages=1, seg_not_present=0, useable=1}) = 0 (entry_number=12)',
    '20276 1795691036.576335 [ 191] ugetrlimit(0x3, {rlim_cur=8388608, rlim_max=4294967295}) = 0',
    '20276 1795691036.576713 [ 197] fstat64(3, {st_dev=0xfe00, st_ino=2228737, st_mode=0100644, st_nlink=1, st_uid=0, st_gid=0, st_blksize=4096, st_blocks=8, st_size=196, st_atime=1795690621 /* 2026-11-26T10:57:01.176567988+0000 */, st_atime_nsec=176567988, st_mtime=1795690619, st_mtime_nsec=893527405, st_ctime=1795690619, st_ctime_nsec=893527405}) = 0',
    '20276 1795691036.576857 [ 268] statfs64("/", 84, {f_type=0xef53, f_bsize=4096, f_blocks=66053021, f_bfree=57085829, f_bavail=17630536, f_files=16777216, f_ffree=16353746, f_fsid={val=[0x4c6648d3, 0x54272b11]}, f_namelen=255, f_frsize=4096, f_flags=0x1020}) = 0',
    '20276 1795691036.576981 [  90] mmap(NULL, 8192, 0x3, 0x22, -1, 0) = 0xf7ff4000',
    '20276 1795691036.577001 [ 192] mmap2(0xf7daf000, 1544192, 0x5, 0x812, 3, 0x22000) = 0xf7daf000',
    '20276 1795691036.577052 [ 102] socket(0x1, 0x1, 0) = 4',
    '20276 1795691036.577151 [ 140] _llseek(3, -60, [54], 0x1) = 0',
    '20276 1795691036.579876 [ 403] clock_gettime64(0x1, {tv_sec=19816, tv_nsec=684194548}) = 0',
    '20276 1795691036.580117 [  67] sigaction(10, NULL, {sa_handler=0, sa_mask=[], sa_flags=0}) = 0',
    '20276 1795691036.580200 [ 252] exit_group(0) = ?',
    '20276 1795691036.580300 +++ exited with 0 +++',
  ].join('\n');
  const calls = fromStrace(parseStrace(text)).filter((r): r is CallRecord => r.type === 'call');
  const by = (n: string) => calls.find((c) => c.name === n)!;
  assert.equal(calls[0].abi, 'x86_64', 'the launcher\'s execve is a 64-bit call');
  assert.equal(calls[0].newAbi, 'i386', 'the personality line marks the execve that changed the ABI');
  assert.deepEqual(calls.slice(1).map((c) => c.abi), calls.slice(1).map(() => 'i386'));
  assert.deepEqual(calls.map((c) => c.nr), [59, 243, 191, 197, 268, 90, 192, 102, 140, 403, 67, 252]);
  assert.deepEqual(by('set_thread_area').args[0].v, { entry_number: -1, base_addr: '0x80f1380', limit: 0xfffff, seg_32bit: 1, contents: 0,
    read_exec_only: 0, limit_in_pages: 1, seg_not_present: 0, useable: 1, entry_number_out: 12 });
  assert.deepEqual(by('ugetrlimit').args.map((a) => a.v), [3, { rlim_cur: 8388608, rlim_max: 4294967295 }]);
  const st = by('fstat64').args[1];
  assert.equal(st.k, 'stat64');
  assert.deepEqual([(st.v as Record<string, unknown>).st_dev, (st.v as Record<string, unknown>).st_mode, (st.v as Record<string, unknown>).st_size], [0xfe00, 0o100644, 196],
    'struct stat64 maps to the same field names and values as x86-64\'s struct stat');
  assert.deepEqual((by('statfs64').args[2].v as Record<string, unknown>).f_fsid, { val: [0x4c6648d3, 0x54272b11] });
  assert.deepEqual(by('mmap').args.map((a) => a.v), [null, 8192, 3, 0x22, -1, 0], 'old mmap\'s structure is shown as six arguments');
  assert.equal(by('mmap').ret, '0xf7ff4000');
  assert.equal(by('mmap2').args[5].v, 0x22000, 'mmap2\'s page offset is shown in bytes');
  assert.deepEqual(by('socket').args.map((a) => a.v), [1, 1, 0], 'socketcall(SYS_SOCKET, ...) is shown as socket(...)');
  assert.deepEqual(by('_llseek').args.map((a) => a.v), [3, -60, [54], 1]);
  assert.deepEqual(by('clock_gettime64').args[1], { k: 'ts64_out', v: { tv_sec: 19816, tv_nsec: 684194548 } });
  assert.deepEqual(by('sigaction').args[2].v, { sa_handler: null, sa_mask: [], sa_flags: 0 });
});

test('i386: a 64-bit shell\'s child that execs a 32-bit program changes ABI at its execve', () => {
  const text = [
    '500 1.000001 [  59] execve("/bin/busybox", ["/bin/busybox", "sh", "-c", "x"], []) = 0',
    '500 1.000002 [  57] fork() = 501',
    '501 1.000003 [  59] execve("/opt/bb32", ["/opt/bb32", "echo", "hi"], []) = 0',
    '500 1.000004 [  61] wait4(-1,  <unfinished ...>',
    '501 1.000005 [  59] [ Process PID=501 runs in 32 bit mode. ]',
    '501 1.000006 [  45] brk(NULL) = 0x8244000',
    '501 1.000007 [   4] write(1, "hi\\n", 3) = 3',
    '501 1.000008 [ 252] exit_group(0) = ?',
    '501 1.000009 +++ exited with 0 +++',
    '500 1.000010 [  61] <... wait4 resumed>NULL, 0, NULL) = 501',
    '500 1.000011 [   1] write(1, "back\\n", 5) = 5',
  ].join('\n');
  const calls = fromStrace(parseStrace(text), { abi: 'x86_64' }).filter((r): r is CallRecord => r.type === 'call');
  assert.deepEqual(calls.map((c) => `${c.tid}:${c.abi}:${c.name}:${c.nr}`), [
    '500:x86_64:execve:59', '500:x86_64:fork:57', '501:x86_64:execve:59', '501:i386:brk:45', '501:i386:write:4',
    '501:i386:exit_group:252', '500:x86_64:wait4:61', '500:x86_64:write:1',
  ]);
  assert.equal(calls[2].newAbi, 'i386');
  assert.equal(calls[0].newAbi, undefined);
});

test('i386: lxrun\'s side rebuilds strace\'s view of the arguments from EBX ECX EDX ESI EDI EBP', () => {
  // guest memory: socketcall's argument block at 0x1000, old mmap's structure at 0x2000
  const words = new Map<number, number[]>([[0x1000, [1, 2, 0]], [0x2000, [0, 8192, 3, 0x22, 0xffffffff, 0]]]);
  const space = {
    readBytes(addr: number, len: number): Uint8Array {
      const w = words.get(addr);
      if (!w || w.length * 4 < len) throw new Error('fault');
      return new Uint8Array(Uint32Array.from(w).buffer).slice(0, len);
    },
    read8(): number { throw new Error('fault'); },
  };
  const mem = new Mem(space as never);
  const k = (n: string) => kindsOf(n, 'i386');
  const view = (name: string, regs: number[]) => i386View(name, regs.map((r) => BigInt(r >>> 0)), mem, k);
  assert.deepEqual(view('_llseek', [3, 0xffffffff, -60, 0xffd0, 1, 0]).vals, [3n, -60n, 0xffd0n, 1n], '_llseek(fd, high, low, result, whence)');
  assert.deepEqual(view('pread64', [3, 0x5000, 8, 0x10, 1, 0]).vals.slice(0, 4), [3n, 0x5000n, 8n, 0x100000010n], 'pread64\'s offset is (low, high)');
  assert.equal(view('mmap2', [0, 4096, 1, 2, 3, 0x22]).vals[5], 0x22000n);
  assert.deepEqual(view('mmap', [0x2000, 0, 0, 0, 0, 0]).vals, [0n, 8192n, 3n, 0x22n, 0xffffffffn, 0n]);
  assert.deepEqual(view('socketcall', [1, 0x1000, 0, 0, 0, 0]), { name: 'socket', vals: [1n, 2n, 0n] });
  assert.equal(view('lseek', [3, -60, 1, 0, 0, 0]).vals[1], -60n, 'a C long is 32 bits: sign-extended');
});

test('i386: call names and numbers are the kernel\'s syscall_32.tbl ones (asm/unistd_32.h, strace, lxbrand\'s table)', async () => {
  const hdr = '/usr/include/x86_64-linux-gnu/asm/unistd_32.h';
  if (existsSync(hdr)) {
    const defs = [...readFileSync(hdr, 'utf8').matchAll(/#define __NR_(\w+) (\d+)/g)];
    assert.ok(defs.length > 400);
    for (const [, name, nr] of defs) assert.equal(I386_NR.get(name), Number(nr), `__NR_${name}`);
  }
  // every i386 call of the committed traces: strace's (name, number) pair (-n) is in the list
  const seen = new Map<string, number>();
  for (const f of traceFiles(TRACES)) {
    for (const r of readTrace(f).records) if (r.type === 'call' && r.abi === 'i386' && r.nr !== 102) seen.set(r.name, r.nr);
  }
  assert.ok(seen.size > 20, `${seen.size} i386 calls in the committed traces`);
  for (const [name, nr] of seen) assert.equal(I386_NR.get(name), nr, name);
  assert.equal(abiOfCall('brk', 45), 'i386');
  assert.equal(abiOfCall('brk', 12), 'x86_64');
  assert.equal(abiOfCall('clone3', 435), null, 'numbers from 424 up are the same on both');
  // and lxbrand's i386 table, once it is there, names each of those numbers the same way
  const tablePath = join(ROOT, 'dist', 'syscalls', 'table-i386.js');
  if (existsSync(tablePath)) {
    const mod = await import(tablePath) as Record<string, { table?: ({ name: string } | undefined)[] }>;
    const abi = Object.values(mod).find((x) => x && Array.isArray(x.table));
    if (abi?.table) for (const [name, nr] of seen) assert.equal(abi.table[nr]?.name, name, `syscalls/table-i386.ts entry ${nr}`);
  }
});

test('clone: both ABIs show strace\'s named arguments, from either register order', () => {
  const text = [
    '300 1.000001 [  56] clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x5ec690) = 301',
    '300 1.000002 [  56] clone(child_stack=0x7f0000001000, flags=0x3d0f00, parent_tid=[302], tls=0x7f0000002000, child_tidptr=0x7f0000002010) = 302',
  ].join('\n');
  const x64 = fromStrace(parseStrace(text), { abi: 'x86_64' }) as CallRecord[];
  const i386 = fromStrace(parseStrace('400 1.000001 [ 120] clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x82443e8) = 401'), { abi: 'i386' }) as CallRecord[];
  assert.deepEqual(x64[0].args, [{ k: 'named', v: { child_stack: null } }, { k: 'named', v: { flags: 0x1200011 } }, { k: 'named', v: { child_tidptr: '0x5ec690' } }]);
  assert.deepEqual(x64[1].args.map((a) => a.v), [{ child_stack: '0x7f0000001000' }, { flags: 0x3d0f00 }, { parent_tid: [302] }, { tls: '0x7f0000002000' }, { child_tidptr: '0x7f0000002010' }]);
  assert.equal(i386[0].abi, 'i386');
  // lxrun's side: x86-64 passes flags, newsp, parent_tid, child_tid, tls; i386 flags, newsp, parent_tid, tls, child_tid
  const words = new Map<number, number[]>([[0x7f0000003000, [302]], [0x3000, [12, 0x80f1380, 0xfffff, 0x51]]]);
  const mem = new Mem({
    readBytes(addr: number, len: number): Uint8Array {
      const w = words.get(addr);
      if (!w || w.length * 4 < len) throw new Error('fault');
      return new Uint8Array(Uint32Array.from(w).buffer).slice(0, len);
    },
    read8(): number { throw new Error('fault'); },
  } as never);
  const fork = 0x1200011n;
  assert.deepEqual(cloneArgs('x86_64', [fork, 0n, 0n, 0x5ec690n, 0n], mem), x64[0].args);
  assert.deepEqual(cloneArgs('i386', [fork, 0n, 0n, 0n, 0x82443e8n], mem), i386[0].args, 'i386: child_tid is the fifth register, tls the fourth');
  const thread = cloneArgs('x86_64', [0x3d0f00n, 0x7f0000001000n, 0x7f0000003000n, 0x7f0000002010n, 0x7f0000002000n], mem);
  assert.deepEqual(thread.map((a) => a.v), [{ child_stack: '0x7f0000001000' }, { flags: 0x3d0f00 }, { parent_tid: [302] }, { tls: '0x7f0000002000' }, { child_tidptr: '0x7f0000002010' }]);
  const t32 = cloneArgs('i386', [0x3d0f00n, 0x1000n, 0n, 0x3000n, 0x4000n], mem).map((a) => a.v);
  assert.deepEqual(t32[3], { tls: { entry_number: 12, base_addr: '0x80f1380', limit: 0xfffff, seg_32bit: 1, contents: 0, read_exec_only: 0,
    limit_in_pages: 1, seg_not_present: 0, useable: 1 } }, 'an i386 task\'s tls is a struct user_desc');
  assert.deepEqual(t32[4], { child_tidptr: '0x4000' });
});

test('threads pair in creation order; signals and sigreturns wherever the signal arrived', () => {
  const cl = (tid: number, child: number) => call('clone', [['named', { child_stack: null }], ['named', { flags: 0x1200011 }]], child, { tid });
  const w = (tid: number, fd: number) => call('write', [['fd', fd]], 1, { tid });
  const sigret = (tid: number) => call('rt_sigreturn', [], 0, { tid });
  const wait = (tid: number) => call('wait4', [['pid', -1]], 0, { tid });
  const sig = (tid: number): TraceRecord => ({ type: 'signal', seq: 0, tid, sig: 17, name: 'SIGCHLD' });
  // run 1: the second child runs first; run 2: the first; SIGCHLD arrives before and after a wait4
  const r1 = [cl(10, 11), cl(10, 12), w(12, 2), w(11, 1), wait(10), sig(10), sigret(10), wait(10)];
  const r2 = [cl(20, 21), w(21, 1), cl(20, 22), w(22, 2), sig(20), sigret(20), wait(20), wait(20)];
  assert.deepEqual(byThread(r1).map((t) => t[0].tid), [10, 11, 12], 'children in the order the creating calls returned them');
  assert.deepEqual(byThread(r2).map((t) => t[0].tid), [20, 21, 22]);
  const m = mergeRuns([r1, r2]);
  assert.equal(m.filter((r) => r.type === 'call' && r.optional).length, 0, 'no call is optional because a signal came elsewhere');
  const g = gradeRecords(r1, r2);
  assert.deepEqual(g.filter((x) => x.grade !== 'exact').map((x) => `${x.grade} ${x.name}`), ['equivalent clone', 'equivalent clone'],
    'the returned tids are the same once renamed in creation order');
});

test('alignment pairs equal keys in order and reports the rest', () => {
  const ops = align(['a', 'b', 'c', 'd', 'e'], ['a', 'c', 'x', 'd', 'e', 'f']);
  const matched = ops.filter((o) => o.op === 'match').map((o) => o.op === 'match' && `${o.a}:${o.b}`);
  assert.deepEqual(matched, ['0:0', '2:1', '3:3', '4:4']);
  assert.equal(ops.filter((o) => o.op === 'del').length, 1);
  assert.equal(ops.filter((o) => o.op === 'ins').length, 2);
});

function call(name: string, args: [string, unknown][], ret: unknown, extra: Partial<CallRecord> = {}): CallRecord {
  return { type: 'call', seq: 0, tid: 7, abi: 'x86_64', name, nr: 0, args: args.map(([k, v]) => ({ k, v: v as never })), ret: ret as never, ...extra };
}

test('native runs merge: differing fields are masked, calls in only some runs are optional', () => {
  const r1: TraceRecord[] = [call('getpid', [], 100, { tid: 100 }), call('getrandom', [['ohex:ret', { $buf: 8, sha: 'aa', head: '' }]], 8, { tid: 100 }), call('close', [['fd', 3]], 0, { tid: 100 })];
  const r2: TraceRecord[] = [call('getpid', [], 200, { tid: 200 }), call('getrandom', [['ohex:ret', { $buf: 8, sha: 'bb', head: '' }]], 8, { tid: 200 })];
  const m = mergeRuns([r1, r2]) as CallRecord[];
  assert.deepEqual(m[0].vary, ['ret']);
  assert.deepEqual(m[1].vary, ['args/0']);
  assert.equal(m[2].optional, true);
});

test('normalisation: addresses become mapping+offset, pids are renamed, inode numbers, times and directory sizes are masked', () => {
  const n = new Normalizer();
  n.seed([call('x', [], 0, { tid: 4242 })]);
  const m = n.record(call('mmap', [['ptr', null], ['size', 8192], ['prot', 3], ['mapflags', 0x22], ['fd', -1], ['x', 0]], '0x7ffff7fc0000')) as CallRecord;
  assert.equal(m.ret, 'anon#1+0x0');
  const p = n.record(call('set_tid_address', [['ptr', '0x7ffff7fc0010']], 4242)) as CallRecord;
  assert.equal(p.args[0].v, 'anon#1+0x10');
  assert.equal(p.ret, 'pid#1');
  const s = n.record(call('fstat', [['fd', 3], ['stat', { st_ino: 5, st_size: 10, st_mtime: 99 }]], 0)) as CallRecord;
  assert.deepEqual(s.args[1].v, { st_ino: '*', st_size: 10, st_mtime: '*' });
  const root = n.record(call('newfstatat', [['dirfd', -100], ['path', { $s: '/' }], ['stat', { st_mode: 0o40755, st_nlink: 21, st_size: 4096 }], ['atflags', 0]], 0)) as CallRecord;
  assert.deepEqual(root.args[2].v, { st_mode: 0o40755, st_nlink: '*', st_size: '*' }, 'a directory\'s link count and size are host state');
  const file = n.record(call('fstat', [['fd', 3], ['stat', { st_mode: 0o100644, st_nlink: 2 }]], 0)) as CallRecord;
  assert.deepEqual(file.args[1].v, { st_mode: 0o100644, st_nlink: 2 }, 'a file\'s link count is compared');
  const d = n.record(call('getdents64', [['fd', 3], ['dirents', [{ d_ino: 1, d_off: 2, d_reclen: 24, d_type: 4, d_name: { $s: 'b' } }, { d_ino: 3, d_off: 4, d_reclen: 24, d_type: 8, d_name: { $s: 'a' } }]]], 48)) as CallRecord;
  assert.deepEqual(d.args[1].v, ['"a"/8', '"b"/4']);
});

test('calls that come in another order (after a directory read) are paired by their inputs', () => {
  const stat = (p: string) => call('newfstatat', [['dirfd', -100], ['path', { $s: p }], ['stat', { st_size: p.length }], ['atflags', 0]], 0);
  const nat = [stat('a'), stat('bb'), stat('ccc'), call('close', [['fd', 3]], 0)];
  const gst = [stat('ccc'), stat('a'), stat('bb'), call('close', [['fd', 3]], 0)];
  const pairs = pairThread(nat, gst);
  assert.equal(pairs.filter((p) => p.a !== null && p.b !== null).length, 4);
  const g = gradeRecords(nat, gst);
  assert.deepEqual(g.map((x) => x.grade).sort(), ['equivalent', 'exact', 'exact', 'exact']);
});

const haveTraces = existsSync(TRACES) && traceFiles(TRACES).length > 0;

test('a wrong errno that stdout does not show is caught by the trace comparison', { skip: !haveTraces && 'no traces recorded' }, async () => {
  // musl-fileio asks for errors on purpose (stat of a dangling symlink, mkdir of an existing
  // directory, ...) and prints only a summary. Alter one expected errno: the program's output and
  // exit status cannot tell (the program runs the same way), the trace comparison must.
  const trace = readTrace(join(TRACES, 'musl-fileio.jsonl'));
  const target = trace.records.find((r): r is CallRecord => r.type === 'call' && r.err === 'ENOENT');
  assert.ok(target, 'musl-fileio has a call failing with ENOENT');
  target.err = 'EACCES';
  const r = await replay(trace, { timeoutMs: 60_000 });
  assert.deepEqual(r.outputs, [], 'stdout, stderr and exit status are the same either way');
  const g = r.graded.find((x) => x.native === target);
  assert.ok(g, 'the altered call is paired with lxrun\'s call');
  assert.equal(g.grade, 'errno');
  const p = judge(r, Skiplist.load(SKIPLIST));
  assert.equal(p.status, 'fail');
  assert.ok(p.divergences.some((d) => d.grade === 'errno' && !d.known && d.native.includes('EACCES') && d.lxrun.includes('ENOENT')));
});

// The oracle is native Linux on this machine, now: where strace can trace, the corpus is recorded
// afresh in the test run (host state such as the link count of "/" differs between machines);
// the committed traces serve machines without strace or ptrace.
// i386 programs (the i386-*, busybox32-* entries and busybox-exec32, whose child is one) are
// recorded natively only where the kernel runs them (IA-32 emulation, as on the machine that
// recorded the committed traces). Where it does not, their committed traces are the only source,
// and they still replay: a replay runs the program under lxbrand's kernel and CPU alone and never
// needs the native run (LXCONFORM_NO_I386=1 takes that path here, to check it).
function kernelRunsI386(): boolean {
  if (process.env.LXCONFORM_NO_I386) return false;
  const r = spawnSync(join(ROOT, 'test', 'fixtures', 'bin', 'glibc-i386', 'hello'), [], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 && r.stdout === 'Hello, world!\n';
}

/** Corpus ids whose committed trace has i386 calls. */
function i386Ids(): string[] {
  return traceFiles(TRACES).map((f) => readTrace(f)).filter((t) => t.header.abi === 'i386' || t.records.some((r) => r.type === 'call' && r.abi === 'i386'))
    .map((t) => t.header.id);
}

function recordFresh(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'lxconform-traces-'));
  const skip = kernelRunsI386() ? [] : i386Ids();
  const ids = skip.length ? loadCorpus().programs.map((p) => p.id).filter((id) => !skip.includes(id)) : [];
  const r = spawnSync(join(ROOT, 'bin', 'lxconform'), ['record', '--corpus', '-o', dir, ...ids], { encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0 && traceFiles(dir).length > 0) {
    if (skip.length) console.log(`lxconform: this kernel does not run i386 programs: replaying the committed traces of ${skip.join(', ')}`);
    for (const id of skip) copyFileSync(join(TRACES, `${id}.jsonl`), join(dir, `${id}.jsonl`));
    return dir;
  }
  console.log(`lxconform: recording natively failed (${(r.stderr || r.error?.message || '').trim().split('\n').slice(-2).join(' / ')}); replaying the committed traces`);
  rmSync(dir, { recursive: true, force: true });
  return null;
}

test('corpus: every divergence from native Linux is a known one (conformance/skiplist.json)', { skip: !haveTraces && 'no traces recorded', timeout: 900_000 }, async (t) => {
  const fresh = spawnSync('strace', ['-V']).status === 0 ? recordFresh() : null;
  console.log(`lxconform: replaying ${fresh ? 'traces recorded natively in this run' : 'the committed traces (conformance/traces)'}`);
  let r;
  try {
    r = await runCorpus(fresh ?? TRACES, Skiplist.load(SKIPLIST), { timeoutMs: 90_000 });
  } finally {
    if (fresh) rmSync(fresh, { recursive: true, force: true });
  }
  const live = r.programs.filter((p) => p.status !== 'stale');
  const stale = r.programs.filter((p) => p.status === 'stale');
  if (stale.length) console.log(`lxconform: ${stale.length} stale traces (re-record with make record-traces): ${stale.map((p) => `${p.id}: ${p.note}`).join('; ')}`);
  console.log(summaryLine(r));
  console.log(coverageLine(r));
  if (stale.length > r.programs.length / 2) {
    t.skip(`${stale.length} of ${r.programs.length} traces were recorded on a machine with other binaries or libraries (make record-traces)`);
    return;
  }
  assert.ok(live.length >= 40, `only ${live.length} programs could be replayed`);
  const failed = r.programs.filter((p) => p.status === 'fail');
  if (failed.length) {
    const lines = failed.map((p) => {
      const d = p.divergences.filter((x) => !x.known).slice(0, 3)
        .map((x) => `    ${x.kind === 'call' ? `${x.grade} ${x.name}${x.where ? ` at ${x.where.slice(0, 3).join(', ')}` : ''}` : x.kind === 'output' ? `${x.name} differs` : 'replay error'}\n      native: ${x.native.slice(0, 300)}\n      lxrun : ${x.lxrun.slice(0, 300)}`);
      return `  ${p.id}: ${p.unexplained} unexplained divergences\n${d.join('\n')}`;
    });
    fail(`lxconform: ${failed.length} programs diverge from their native traces in ways conformance/skiplist.json does not explain ` +
      `(fix lxbrand, or add a skiplist entry with the reason; 'bin/lxconform run --suggest-skips' drafts them):\n${lines.join('\n')}`);
  }
});
