// The two ABIs a trace can hold. An i386 process's calls have other numbers, and strace prints
// them the way the i386 ABI passes them: 64-bit offsets split over two registers are shown as one
// value (_llseek, pread64, ftruncate64, fadvise64_64, ...), mmap2's page offset in bytes, old mmap's
// structure as six arguments, socketcall's subcalls under their own names. The argument kinds below
// follow strace's view; conformance/guest.ts rebuilds the same view from the i386 registers.
// Kinds that only the i386 ABI has (their layouts measured with gcc -m32 on this machine):
//   stat64 (struct stat64, 96 bytes), statfs64 (84), statfs32 (struct statfs, 64), user_desc (16),
//   loff_out (a 64-bit result, _llseek's), osact_in/osact_out (old_sigaction, 16),
//   osigset_in/osigset_out (a 32-bit old_sigset_t), ts64_in/ts64_out (the *_time64 calls' 16-byte
//   __kernel_timespec), rlim64_in/rlim64_out (prlimit64's 16-byte rlimit64 on both ABIs).

import { closeSync, openSync, readSync } from 'node:fs';
import { X86_64 } from '../syscalls/table-x86_64.js';
import { I386_NR } from './nr-i386.js';

export type Abi = 'x86_64' | 'i386';

const X86_64_NR = new Map<string, number>();
for (const e of X86_64.table) if (e) X86_64_NR.set(e.name, e.nr);

export function nrTable(abi: Abi): Map<string, number> { return abi === 'i386' ? I386_NR : X86_64_NR; }

/** The ABI whose table holds this (number, name) pair alone, or null (both do, or neither). */
export function abiOfCall(name: string, nr: number): Abi | null {
  const x = X86_64_NR.get(name) === nr, i = I386_NR.get(name) === nr;
  return x === i ? null : x ? 'x86_64' : 'i386';
}

/** The ABI of an ELF executable (EI_CLASS and e_machine), or null when it is not one of ours. */
export function elfAbi(path: string): Abi | null {
  const b = Buffer.alloc(20);
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    if (readSync(fd, b, 0, 20, 0) < 20) return null;
  } catch {
    return null;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  if (b.readUInt32BE(0) !== 0x7f454c46) return null;
  const machine = b.readUInt16LE(18);
  if (b[4] === 2 && machine === 62) return 'x86_64';
  if (b[4] === 1 && machine === 3) return 'i386';
  return null;
}

/** i386 calls whose arguments, as strace shows them, differ from the shared signatures. */
export const I386_KINDS: Record<string, string> = {
  mmap: 'ptr size prot mapflags fd off', mmap2: 'ptr size prot mapflags fd off',
  _llseek: 'fd off loff_out whence',
  pread64: 'fd obuf:ret size off', pwrite64: 'fd ibuf:2 size off',
  preadv: 'fd iov_out:2 int off', pwritev: 'fd iov_in:2 int off',
  preadv2: 'fd iov_out:2 int off int', pwritev2: 'fd iov_in:2 int off int',
  truncate64: 'path off', ftruncate64: 'fd off', readahead: 'fd off size',
  fadvise64: 'fd off size int', fadvise64_64: 'fd off off int', fallocate: 'fd int off off',
  sync_file_range: 'fd off off uint',
  stat64: 'path stat64', lstat64: 'path stat64', fstat64: 'fd stat64', fstatat64: 'dirfd path stat64 atflags',
  // the old struct stat and struct statfs of stat/lstat/fstat and statfs/fstatfs
  stat: 'path ptr', lstat: 'path ptr', fstat: 'fd ptr',
  statfs: 'path statfs32', fstatfs: 'fd statfs32',
  statfs64: 'path size statfs64', fstatfs64: 'fd size statfs64',
  getrlimit: 'rlimres rlim_out', ugetrlimit: 'rlimres rlim_out', setrlimit: 'rlimres rlim_in',
  prlimit64: 'pid rlimres rlim64_in rlim64_out',
  set_thread_area: 'user_desc', get_thread_area: 'user_desc',
  sigreturn: '', sigaction: 'signo osact_in osact_out', sigprocmask: 'sighow osigset_in osigset_out',
  sigpending: 'osigset_out', waitpid: 'pid ptr int', fcntl64: 'fd fcntl fcntlarg:1', sendfile64: 'fd fd ptr size',
  _newselect: 'int ptr ptr ptr ptr', send: 'fd ibuf:2 size int', recv: 'fd obuf:ret size int',
  clone: 'x ptr ptr x ptr',
  clock_gettime64: 'clockid ts64_out', clock_settime64: 'clockid ts64_in', clock_getres_time64: 'clockid ts64_out',
  clock_nanosleep_time64: 'clockid timerflags ts64_in ts64_out', rt_sigtimedwait_time64: 'sigset_in ptr ts64_in size',
  futex_time64: 'ptr int int ptr ptr int', utimensat_time64: 'dirfd path ptr atflags',
  ppoll_time64: 'ptr uint ptr ptr size', pselect6_time64: 'int ptr ptr ptr ptr ptr',
  // the 32-bit uid/gid calls take the same arguments as their 16-bit-era namesakes
  getuid32: '', geteuid32: '', getgid32: '', getegid32: '', setuid32: 'int', setgid32: 'int',
  setreuid32: 'int int', setregid32: 'int int', setresuid32: 'int int int', setresgid32: 'int int int',
  getresuid32: 'ptr ptr ptr', getresgid32: 'ptr ptr ptr', getgroups32: 'int ptr', setgroups32: 'int ptr',
  chown32: 'path int int', lchown32: 'path int int', fchown32: 'fd int int', setfsuid32: 'int', setfsgid32: 'int',
};

/** socketcall(call, args): the subcall names (linux/net.h SYS_SOCKET..SYS_SENDMMSG) and their
 *  argument counts (the kernel's nargs[] in net/socket.c). strace shows the subcall by name. */
export const SOCKETCALL: [string, number][] = [
  ['', 0], ['socket', 3], ['bind', 3], ['connect', 3], ['listen', 2], ['accept', 3], ['getsockname', 3],
  ['getpeername', 3], ['socketpair', 4], ['send', 4], ['recv', 4], ['sendto', 6], ['recvfrom', 6], ['shutdown', 2],
  ['setsockopt', 5], ['getsockopt', 5], ['sendmsg', 3], ['recvmsg', 3], ['accept4', 4], ['recvmmsg', 5], ['sendmmsg', 4],
];
