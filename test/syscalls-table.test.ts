// The x86-64 and i386 syscall tables as data: it covers every number of the installed kernel headers with
// the right names, every entry is coherent (handlers where support is claimed, reasons where it is
// not), and every argument kind is one the unpacker and the strace decoder know.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X86_64 } from '../syscalls/table-x86_64.js';
import { I386 } from '../syscalls/table-i386.js';
import { LXRUN, ROOT, runLxrun, runNative } from './helpers/compare.js';
import { i386RunsNatively } from './helpers/i386.js';
import { signatureOf, unpackClass } from '../syscalls/signatures.js';
import type { SyscallEntry } from '../syscalls/types.js';

const HEADER = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';

/** The numbers and names of an asm/unistd_*.h header, or null when it is not installed. */
function headerCalls(path: string): [string, number][] | null {
  if (!existsSync(path)) return null;
  return [...readFileSync(path, 'utf8').matchAll(/^#define __NR_(\w+)\s+(\d+)/gm)].map((m) => [m[1], Number(m[2])]);
}

/** Every number of the header is in the table under its name; returns how many there were. */
function checkAgainstHeader(table: (SyscallEntry | undefined)[], calls: [string, number][]): number {
  for (const [name, nr] of calls) {
    const e = table[nr];
    assert.ok(e, `syscall ${name} (${nr}) missing`);
    assert.equal(e.name, name, `number ${nr}`);
  }
  return calls.length;
}

test('every number in asm/unistd_64.h is in the table under its name', (t) => {
  const calls = headerCalls(HEADER);
  if (!calls) { t.skip(`${HEADER} not installed (apt-get install linux-libc-dev)`); return; }
  const n = checkAgainstHeader(X86_64.table, calls);
  assert.ok(n > 350, `only ${n} numbers in the header?`);
});

/** Numbers match slots, names are unique, and a support level comes with a handler and a reason as
 *  it should; returns the entries. */
function checkCoherent(table: (SyscallEntry | undefined)[]): SyscallEntry[] {
  const seen = new Set<string>();
  const out: SyscallEntry[] = [];
  for (const [nr, e] of table.entries()) {
    if (!e) continue;
    assert.equal(e.nr, nr);
    assert.ok(!seen.has(e.name), `duplicate name ${e.name}`);
    seen.add(e.name);
    if (e.support === 'unimplemented') {
      assert.equal(e.handler, undefined, `${e.name}: unimplemented but has a handler`);
      assert.ok(e.reason.length > 5, `${e.name}: unimplemented without a reason`);
    } else {
      assert.equal(typeof e.handler, 'function', `${e.name}: ${e.support} without a handler`);
      if (e.support === 'partial') assert.ok(e.reason.length > 5, `${e.name}: partial without a reason`);
    }
    out.push(e);
  }
  return out;
}

test('entries are coherent', () => {
  checkCoherent(X86_64.table);
});

test('the calls this milestone promises are implemented', () => {
  const required = ['read', 'write', 'writev', 'readv', 'open', 'openat', 'close', 'lseek', 'pread64', 'pwrite64', 'fstat',
    'stat', 'lstat', 'newfstatat', 'statx', 'access', 'faccessat', 'faccessat2', 'getcwd', 'chdir', 'fchdir', 'mkdir',
    'mkdirat', 'unlink', 'unlinkat', 'rmdir', 'rename', 'renameat', 'renameat2', 'readlink', 'readlinkat', 'getdents64',
    'ioctl', 'fcntl', 'dup', 'dup2', 'dup3', 'brk', 'mmap', 'munmap', 'mprotect', 'mremap', 'madvise', 'arch_prctl',
    'set_tid_address', 'set_robust_list', 'exit', 'exit_group', 'uname', 'getpid', 'getppid', 'gettid', 'getuid', 'geteuid',
    'getgid', 'getegid', 'getpgrp', 'getpgid', 'getsid', 'clock_gettime', 'clock_getres', 'gettimeofday', 'time',
    'nanosleep', 'clock_nanosleep', 'getrandom', 'prlimit64', 'getrlimit', 'setrlimit', 'rt_sigaction', 'rt_sigprocmask',
    'sigaltstack', 'sched_getaffinity', 'sched_yield', 'sysinfo', 'umask', 'getrusage', 'times'];
  const byName = new Map(X86_64.table.filter((e) => e).map((e) => [e!.name, e!]));
  const missing = required.filter((n) => !byName.get(n)?.handler);
  assert.deepEqual(missing, []);
});

test('argument kinds are known to the unpacker and fit six registers', () => {
  const known = /^(fd|dirfd|int|uint|long|off|ssize|size|pid|x|ptr|path|str|ibuf|obuf|ohex|ostr|opath|iov_in|iov_out|oflags|cmode|mode|atflags|prot|mapflags|whence|clockid|timerflags|fcntl|fcntlarg|ioctl|arch|archarg|signo|sighow|sigset_in|sigset_out|sact_in|sact_out|stat|statx|statxmask|ts_in|ts_out|tv_out|rlimres|rlim_in|rlim_out|uts|dirents|cpuset|grnd|madv|acc|who|mremapflags|renflags|fds2|ss_in|ss_out|sysinfo|rusage|tms|fadv)(:(\d|ret))?$/;
  for (const e of X86_64.table) {
    if (!e) continue;
    assert.ok(e.args.length <= 6, `${e.name}: ${e.args.length} arguments`);
    for (const k of e.args) {
      assert.match(k, known, `${e.name}: unknown kind ${k}`);
      const param = k.split(':')[1];
      if (param && param !== 'ret') assert.ok(Number(param) < e.args.length, `${e.name}: ${k} names a missing argument`);
      assert.ok(['i', 'u', 'l', 'p'].includes(unpackClass(k)));
    }
  }
  assert.deepEqual(signatureOf('read'), ['fd', 'obuf:ret', 'size']);
});

test('support summary', () => {
  const count = { full: 0, partial: 0, unimplemented: 0 };
  for (const e of X86_64.table) if (e) count[e.support]++;
  // Printed for the record (node --test shows diagnostics); the floor guards against regressions.
  console.log(`x86-64 table: ${count.full} full, ${count.partial} partial, ${count.unimplemented} unimplemented`);
  assert.ok(count.full + count.partial >= 190, JSON.stringify(count));
});

// ---- the i386 table ------------------------------------------------------------------------------------

const HEADER32 = '/usr/include/x86_64-linux-gnu/asm/unistd_32.h';

test('i386: every number in asm/unistd_32.h is in the table under its name', (t) => {
  const calls = headerCalls(HEADER32);
  if (!calls) { t.skip(`${HEADER32} not installed (apt-get install linux-libc-dev)`); return; }
  const n = checkAgainstHeader(I386.table, calls);
  assert.ok(n > 400, `only ${n} numbers in the header?`);
  // the calls added after the header (syscall_32.tbl), up to mseal
  assert.equal(I386.table[452]?.name, 'fchmodat2');
  assert.equal(I386.table[462]?.name, 'mseal');
  // numbers the kernel leaves unused stay holes
  for (const hole of [222, 223, 251, 285, 387, 388, 389, 390, 391, 392, 415]) assert.equal(I386.table[hole], undefined, `${hole}`);
});

test('i386: entries are coherent; argument kinds fit six registers', () => {
  const known = /^(fd|dirfd|int|uint|long|off|ssize|size|pid|x|ptr|path|str|ibuf|obuf|ohex|ostr|opath|iov_in|iov_out|oflags|cmode|mode|atflags|prot|mapflags|whence|clockid|timerflags|fcntl|fcntlarg|ioctl|arch|archarg|signo|sighow|sigset_in|sigset_out|sact_in|sact_out|stat|stat32|statx|statxmask|ts_in|ts_out|tv_out|rlimres|rlim_in|rlim_out|uts|dirents|cpuset|grnd|madv|acc|who|mremapflags|renflags|fds2|ss_in|ss_out|sysinfo|rusage|tms|uid16|oid16|oid32|lo64|hi64|llres|pgoff|user_desc|fadv|sockcall|mmap_args|sel_args|old_dirent)(:(\d|ret))?$/;
  for (const e of checkCoherent(I386.table)) {
    assert.ok(e.args.length <= 6, `${e.name}: ${e.args.length} arguments`);
    for (const [i, k] of e.args.entries()) {
      assert.match(k, known, `${e.name}: unknown kind ${k}`);
      const param = k.split(':')[1];
      if (param && param !== 'ret') assert.ok(Number(param) < e.args.length, `${e.name}: ${k} names a missing argument`);
      // a split 64-bit value names the register holding its high half, which is a hi64
      if (k.startsWith('lo64:')) assert.equal(e.args[Number(param)], 'hi64', `${e.name}: argument ${i}`);
    }
  }
  // the i386 forms take the split offsets where x86-64 takes one register
  assert.deepEqual(signatureOf('pread64', 'i386'), ['fd', 'obuf:ret', 'size', 'lo64:4', 'hi64']);
  assert.deepEqual(signatureOf('pread64'), ['fd', 'obuf:ret', 'size', 'off']);
  assert.deepEqual(signatureOf('clock_gettime64', 'i386'), signatureOf('clock_gettime', 'i386'));
});

test('i386: calls without an entry point in syscall_32.tbl answer ENOSYS as Linux does', () => {
  const byName = new Map(I386.table.filter((e) => e).map((e) => [e!.name, e!]));
  // no entry point, sys_ni_syscall, or sys_ni_syscall as the compat entry (vm86, vm86old)
  for (const n of ['break', 'stty', 'gtty', 'ftime', 'prof', 'lock', 'mpx', 'ulimit', 'profil', 'idle', 'create_module',
    'get_kernel_syms', 'afs_syscall', 'query_module', 'nfsservctl', 'getpmsg', 'putpmsg', 'lookup_dcookie', 'vserver',
    'bdflush', '_sysctl', 'vm86', 'vm86old']) {
    const e = byName.get(n);
    assert.ok(e, n);
    assert.equal(e.support, 'full', n);
    assert.equal(e.reason, 'ENOSYS on Linux too', n);
  }
  // the 16-bit id calls and their *32 forms are different handlers
  assert.notEqual(byName.get('getuid')!.handler, byName.get('getuid32')!.handler);
  assert.equal(I386.argRegs.join(), '3,1,2,6,7,5');
  assert.equal(I386.wordSize, 4);
});

test('i386: support summary', () => {
  const count = { full: 0, partial: 0, unimplemented: 0 };
  for (const e of I386.table) if (e) count[e.support]++;
  console.log(`i386 table: ${count.full} full, ${count.partial} partial, ${count.unimplemented} unimplemented`);
  assert.ok(count.full + count.partial >= 250, JSON.stringify(count));
});

// ---- the i386 forms against the kernel ------------------------------------------------------------------

const SRC = join(ROOT, 'test', 'fixtures', 'src', 'i386_compat.c');

/** Builds test/fixtures/src/i386_compat.c (raw int 0x80 calls, no libc) with gcc -m32, or says why not. */
function buildProbe(dir: string): string | { skip: string } {
  const exe = join(dir, 'i386_compat');
  const r = spawnSync('gcc', ['-m32', '-static', '-nostdlib', '-fno-pie', '-no-pie', '-fno-stack-protector', '-fno-builtin',
    '-O1', '-o', exe, SRC], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return { skip: `gcc -m32 cannot build the probe: ${r.error?.message ?? r.stderr.trim().split('\n')[0]}` };
  return exe;
}

test('i386: the compat calls give what the kernel gives (raw int 0x80 probe, native vs lxrun)', async (t) => {
  if (!i386RunsNatively()) { t.skip('this kernel does not run i386 programs'); return; }
  const tmp = mkdtempSync(join(tmpdir(), 'lx-i386-'));
  try {
    const exe = buildProbe(tmp);
    if (typeof exe !== 'string') { t.skip(exe.skip); return; }
    mkdirSync(join(tmp, 'n')); mkdirSync(join(tmp, 'l'));
    const nat = await runNative({ program: exe, args: [join(tmp, 'n')] });
    const lx = await runLxrun({ program: exe, args: [join(tmp, 'l')] });
    assert.equal(nat.status, 0, nat.stderr.toString());
    const lines = nat.stdout.toString().trim().split('\n');
    assert.ok(lines.length > 140, `only ${lines.length} checks ran natively`);
    assert.equal(lx.stderr.toString().split('\n').filter((l) => l && !l.startsWith('lxrun: ')).join('\n'), '');
    assert.deepEqual(lx.stdout.toString().trim().split('\n'), lines);
    assert.equal(lx.status, 0);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('i386: --strace prints the i386 forms as strace does', async (t) => {
  if (!i386RunsNatively()) { t.skip('this kernel does not run i386 programs'); return; }
  const tmp = mkdtempSync(join(tmpdir(), 'lx-i386-'));
  try {
    const exe = buildProbe(tmp);
    if (typeof exe !== 'string') { t.skip(exe.skip); return; }
    const st = spawnSync('strace', ['-o', join(tmp, 'native.st'), exe, tmp], { encoding: 'utf8' });
    if (st.error || st.status !== 0) { t.skip('strace is not available'); return; }
    for (const f of ['f']) rmSync(join(tmp, f), { force: true });
    const lx = spawnSync(LXRUN, ['--strace', exe, tmp], { encoding: 'utf8', timeout: 120_000 });
    const norm = (s: string) => s.split('\n').map((l) => l.replace(/0x[0-9a-f]{6,}/g, 'ADDR'));
    const native = new Set(norm(readFileSync(join(tmp, 'native.st'), 'utf8')));
    // lines whose values do not depend on the run: the calls whose i386 decoding is ours to get right
    const wanted = [/^_llseek\(/, /^pread64\(/, /^pwrite64\(/, /^ftruncate64\(/, /^truncate64\(/, /^mmap2\(/, /^mmap\(/,
      /^stat64\(/, /^fstat64\(/, /^readahead\(/, /^fadvise64/, /^sync_file_range\(/, /^preadv\(/, /^getresuid/,
      /^clock_nanosleep_time64\(/, /^nanosleep\(/, /^socketcall\(/, /^statfs64\(.*EINVAL/, /^fcntl64\(.*EINVAL/, /^set_thread_area/];
    const ours = norm(lx.stderr).filter((l) => wanted.some((w) => w.test(l)));
    assert.ok(ours.length >= 20, `only ${ours.length} lines to compare`);
    const missing = ours.filter((l) => !native.has(l));
    assert.deepEqual(missing, []);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
