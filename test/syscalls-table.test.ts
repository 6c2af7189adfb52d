// The x86-64 syscall table as data: it covers every number of the installed kernel headers with
// the right names, every entry is coherent (handlers where support is claimed, reasons where it is
// not), and every argument kind is one the unpacker and the strace decoder know.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { X86_64 } from '../syscalls/table-x86_64.js';
import { signatureOf, unpackClass } from '../syscalls/signatures.js';

const HEADER = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';

test('every number in asm/unistd_64.h is in the table under its name', (t) => {
  if (!existsSync(HEADER)) { t.skip(`${HEADER} not installed (apt-get install linux-libc-dev)`); return; }
  const text = readFileSync(HEADER, 'utf8');
  let n = 0;
  for (const m of text.matchAll(/^#define __NR_(\w+)\s+(\d+)/gm)) {
    const e = X86_64.table[Number(m[2])];
    assert.ok(e, `syscall ${m[1]} (${m[2]}) missing`);
    assert.equal(e.name, m[1], `number ${m[2]}`);
    n++;
  }
  assert.ok(n > 350, `only ${n} numbers in the header?`);
});

test('entries are coherent', () => {
  const seen = new Set<string>();
  for (const [nr, e] of X86_64.table.entries()) {
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
  }
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
  const known = /^(fd|dirfd|int|uint|long|off|ssize|size|pid|x|ptr|path|str|ibuf|obuf|ohex|ostr|opath|iov_in|iov_out|oflags|cmode|mode|atflags|prot|mapflags|whence|clockid|timerflags|fcntl|fcntlarg|ioctl|arch|archarg|signo|sighow|sigset_in|sigset_out|sact_in|sact_out|stat|statx|statxmask|ts_in|ts_out|tv_out|rlimres|rlim_in|rlim_out|uts|dirents|cpuset|grnd|madv|acc|who|mremapflags|renflags|fds2|ss_in|ss_out|sysinfo|rusage|tms)(:(\d|ret))?$/;
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
