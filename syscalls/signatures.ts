// Argument kinds of each system call, by name (shared by both ABIs): they say how a raw register
// is unpacked for the handler (signed int, unsigned int, long, pointer-sized unsigned) and how the
// strace formatter shows it. Kinds with a `:` carry a parameter (the index of the length argument,
// or `ret` for "the length is the result"). Decoders live in syscalls/strace.ts.

import type { AbiName } from './structs.js';

const SIGS: Record<string, string> = {
  read: 'fd obuf:ret size', write: 'fd ibuf:2 size', open: 'path oflags cmode:1', close: 'fd',
  stat: 'path stat', fstat: 'fd stat', lstat: 'path stat', poll: 'ptr uint int', lseek: 'fd off whence',
  mmap: 'ptr size prot mapflags fd x', mprotect: 'ptr size prot', munmap: 'ptr size', brk: 'ptr',
  rt_sigaction: 'signo sact_in sact_out size', rt_sigprocmask: 'sighow sigset_in sigset_out size',
  rt_sigreturn: '', ioctl: 'fd ioctl x', pread64: 'fd obuf:ret size off', pwrite64: 'fd ibuf:2 size off',
  readv: 'fd iov_out:2 int', writev: 'fd iov_in:2 int', access: 'path acc', pipe: 'fds2', select: 'int ptr ptr ptr ptr',
  sched_yield: '', mremap: 'ptr size size mremapflags ptr', msync: 'ptr size int', mincore: 'ptr size ptr',
  madvise: 'ptr size madv', shmget: 'int size int', shmat: 'int ptr int', shmctl: 'int int ptr', dup: 'fd',
  dup2: 'fd fd', pause: '', nanosleep: 'ts_in ts_out', getitimer: 'int ptr', alarm: 'uint',
  setitimer: 'int ptr ptr', getpid: '', sendfile: 'fd fd ptr size', socket: 'int int int', connect: 'fd ptr int',
  accept: 'fd ptr ptr', sendto: 'fd ibuf:2 size int ptr int', recvfrom: 'fd obuf:ret size int ptr ptr',
  sendmsg: 'fd ptr int', recvmsg: 'fd ptr int', shutdown: 'fd int', bind: 'fd ptr int', listen: 'fd int',
  getsockname: 'fd ptr ptr', getpeername: 'fd ptr ptr', socketpair: 'int int int ptr',
  setsockopt: 'fd int int ptr int', getsockopt: 'fd int int ptr ptr', clone: 'x ptr ptr ptr x', fork: '', vfork: '',
  execve: 'path ptr ptr', exit: 'int', wait4: 'pid ptr int ptr', kill: 'pid signo', uname: 'uts',
  semget: 'int int int', semop: 'int ptr size', semctl: 'int int int x', shmdt: 'ptr', msgget: 'int int',
  msgsnd: 'int ptr size int', msgrcv: 'int ptr size long int', msgctl: 'int int ptr', fcntl: 'fd fcntl fcntlarg:1',
  flock: 'fd int', fsync: 'fd', fdatasync: 'fd', truncate: 'path off', ftruncate: 'fd off',
  getdents: 'fd dirents size', getcwd: 'opath:ret size', chdir: 'path', fchdir: 'fd', rename: 'path path',
  mkdir: 'path mode', rmdir: 'path', creat: 'path mode', link: 'path path', unlink: 'path', symlink: 'path path',
  readlink: 'path ostr:ret size', chmod: 'path mode', fchmod: 'fd mode', chown: 'path int int',
  fchown: 'fd int int', lchown: 'path int int', umask: 'mode', gettimeofday: 'tv_out ptr',
  getrlimit: 'rlimres rlim_out', getrusage: 'who rusage', sysinfo: 'sysinfo', times: 'tms',
  ptrace: 'int pid ptr ptr', getuid: '', syslog: 'int ptr int', getgid: '', setuid: 'int', setgid: 'int',
  geteuid: '', getegid: '', setpgid: 'pid pid', getppid: '', getpgrp: '', setsid: '', setreuid: 'int int',
  setregid: 'int int', getgroups: 'int ptr', setgroups: 'int ptr', setresuid: 'int int int',
  getresuid: 'ptr ptr ptr', setresgid: 'int int int', getresgid: 'ptr ptr ptr', getpgid: 'pid', setfsuid: 'int',
  setfsgid: 'int', getsid: 'pid', capget: 'ptr ptr', capset: 'ptr ptr', rt_sigpending: 'ptr size',
  rt_sigtimedwait: 'sigset_in ptr ts_in size', rt_sigqueueinfo: 'pid signo ptr', rt_sigsuspend: 'sigset_in size',
  sigaltstack: 'ss_in ss_out', utime: 'path ptr', mknod: 'path mode x', personality: 'x', ustat: 'x ptr',
  statfs: 'path ptr', fstatfs: 'fd ptr', getpriority: 'int int', setpriority: 'int int int',
  sched_setparam: 'pid ptr', sched_getparam: 'pid ptr', sched_setscheduler: 'pid int ptr',
  sched_getscheduler: 'pid', sched_get_priority_max: 'int', sched_get_priority_min: 'int',
  sched_rr_get_interval: 'pid ts_out', mlock: 'ptr size', munlock: 'ptr size', mlockall: 'int', munlockall: '',
  vhangup: '', pivot_root: 'path path', prctl: 'int x x x x', arch_prctl: 'arch archarg:0', adjtimex: 'ptr',
  setrlimit: 'rlimres rlim_in', chroot: 'path', sync: '', acct: 'path', settimeofday: 'ptr ptr',
  mount: 'str path str x ptr', umount2: 'path int', swapon: 'path int', swapoff: 'path',
  reboot: 'x x x ptr', sethostname: 'ibuf:1 int', setdomainname: 'ibuf:1 int', gettid: '',
  readahead: 'fd off size', setxattr: 'path str ptr size int', lsetxattr: 'path str ptr size int',
  fsetxattr: 'fd str ptr size int', getxattr: 'path str ptr size', lgetxattr: 'path str ptr size',
  fgetxattr: 'fd str ptr size', listxattr: 'path ptr size', llistxattr: 'path ptr size', flistxattr: 'fd ptr size',
  removexattr: 'path str', lremovexattr: 'path str', fremovexattr: 'fd str', tkill: 'pid signo', time: 'ptr',
  futex: 'ptr int int ptr ptr int', sched_setaffinity: 'pid size ptr', sched_getaffinity: 'pid size cpuset',
  epoll_create: 'int', getdents64: 'fd dirents size', set_tid_address: 'ptr', restart_syscall: '',
  fadvise64: 'fd off size fadv', timer_create: 'clockid ptr ptr', timer_settime: 'int int ptr ptr',
  timer_gettime: 'int ptr', timer_getoverrun: 'int', timer_delete: 'int', clock_settime: 'clockid ts_in',
  clock_gettime: 'clockid ts_out', clock_getres: 'clockid ts_out', clock_nanosleep: 'clockid timerflags ts_in ts_out',
  exit_group: 'int', epoll_wait: 'fd ptr int int', epoll_ctl: 'fd int fd ptr', tgkill: 'pid pid signo',
  utimes: 'path ptr', mbind: 'ptr size int ptr size uint', waitid: 'int pid ptr int ptr',
  inotify_init: '', inotify_add_watch: 'fd path uint', inotify_rm_watch: 'fd int',
  openat: 'dirfd path oflags cmode:2', mkdirat: 'dirfd path mode', mknodat: 'dirfd path mode x',
  fchownat: 'dirfd path int int atflags', futimesat: 'dirfd path ptr', newfstatat: 'dirfd path stat atflags',
  unlinkat: 'dirfd path atflags', renameat: 'dirfd path dirfd path', linkat: 'dirfd path dirfd path atflags',
  symlinkat: 'path dirfd path', readlinkat: 'dirfd path ostr:ret size', fchmodat: 'dirfd path mode',
  faccessat: 'dirfd path acc', pselect6: 'int ptr ptr ptr ptr ptr', ppoll: 'ptr uint ptr ptr size',
  unshare: 'x', set_robust_list: 'ptr size', get_robust_list: 'pid ptr ptr', splice: 'fd ptr fd ptr size uint',
  tee: 'fd fd size uint', sync_file_range: 'fd off off uint', vmsplice: 'fd ptr size uint',
  utimensat: 'dirfd path ptr atflags', epoll_pwait: 'fd ptr int int ptr size', signalfd: 'fd sigset_in size',
  timerfd_create: 'clockid int', eventfd: 'uint', fallocate: 'fd int off off',
  timerfd_settime: 'fd int ptr ptr', timerfd_gettime: 'fd ptr', accept4: 'fd ptr ptr int',
  signalfd4: 'fd sigset_in size int', eventfd2: 'uint int', epoll_create1: 'int', dup3: 'fd fd oflags',
  pipe2: 'fds2 oflags', inotify_init1: 'int', preadv: 'fd iov_out:2 int off', pwritev: 'fd iov_in:2 int off',
  prlimit64: 'pid rlimres rlim_in rlim_out', syncfs: 'fd', setns: 'fd int', getcpu: 'ptr ptr ptr',
  getrandom: 'ohex:ret size grnd', memfd_create: 'str uint', membarrier: 'int uint int',
  copy_file_range: 'fd ptr fd ptr size uint', preadv2: 'fd iov_out:2 int off int',
  pwritev2: 'fd iov_in:2 int off int', statx: 'dirfd path atflags statxmask statx', rseq: 'ptr x int x',
  pidfd_open: 'pid uint', clone3: 'ptr size', close_range: 'uint uint uint', openat2: 'dirfd path ptr size',
  pidfd_getfd: 'fd fd uint', faccessat2: 'dirfd path acc atflags', epoll_pwait2: 'fd ptr int ptr ptr size',
  renameat2: 'dirfd path dirfd path renflags', sched_getattr: 'pid ptr uint uint',
  sched_setattr: 'pid ptr uint', kcmp: 'pid pid int x x', execveat: 'dirfd path ptr ptr atflags',
  userfaultfd: 'int', mlock2: 'ptr size int', name_to_handle_at: 'dirfd path ptr ptr atflags',
  open_by_handle_at: 'fd ptr oflags', io_setup: 'uint ptr', io_destroy: 'x', io_uring_setup: 'uint ptr',
  fchmodat2: 'dirfd path mode atflags', landlock_create_ruleset: 'ptr size uint', futex_waitv: 'ptr uint uint ptr clockid',
  set_mempolicy: 'int ptr size', get_mempolicy: 'ptr ptr size ptr int', ioprio_get: 'int int', ioprio_set: 'int int int',
  modify_ldt: 'int ptr size', set_thread_area: 'ptr', get_thread_area: 'ptr', iopl: 'int', ioperm: 'x x int', socketcall: 'int ptr', ipc: 'uint int int int ptr long',
};

// The i386 table's own forms, where its call of that name (or a name only i386 has) takes other
// arguments: 64-bit values split across two registers (`lo64:N` is the low word and names the
// argument holding the high word, `hi64` that high word; strace shows the pair as one number),
// 16-bit ids, the old struct stat, the multiplexed and one-pointer calls.
const I386_SIGS: Record<string, string> = {
  waitpid: 'pid ptr int', stime: 'ptr', nice: 'int', signal: 'signo ptr', sigaction: 'signo ptr ptr', sgetmask: '',
  ssetmask: 'x', sigsuspend: 'int int x', sigpending: 'ptr', sigreturn: '', sigprocmask: 'sighow ptr ptr',
  oldstat: 'path ptr', oldfstat: 'fd ptr', oldlstat: 'path ptr', olduname: 'ptr', oldolduname: 'ptr',
  stat: 'path stat32', lstat: 'path stat32', fstat: 'fd stat32',
  stat64: 'path stat', lstat64: 'path stat', fstat64: 'fd stat', fstatat64: 'dirfd path stat atflags',
  lchown: 'path uid16 uid16', chown: 'path uid16 uid16', fchown: 'fd uid16 uid16', setuid: 'uid16', setgid: 'uid16',
  setreuid: 'uid16 uid16', setregid: 'uid16 uid16', setresuid: 'uid16 uid16 uid16', setresgid: 'uid16 uid16 uid16',
  setfsuid: 'uid16', setfsgid: 'uid16', getresuid: 'oid16 oid16 oid16', getresgid: 'oid16 oid16 oid16',
  lchown32: 'path int int', chown32: 'path int int', fchown32: 'fd int int', getuid32: '', getgid32: '',
  geteuid32: '', getegid32: '', setreuid32: 'int int', setregid32: 'int int', getgroups32: 'int ptr',
  setgroups32: 'int ptr', setresuid32: 'int int int', getresuid32: 'oid32 oid32 oid32', setresgid32: 'int int int',
  getresgid32: 'oid32 oid32 oid32', setuid32: 'int', setgid32: 'int', setfsuid32: 'int', setfsgid32: 'int',
  ugetrlimit: 'rlimres rlim_out', select: 'sel_args', _newselect: 'int ptr ptr ptr ptr', readdir: 'fd old_dirent',
  mmap: 'mmap_args', mmap2: 'ptr size prot mapflags fd pgoff', statfs64: 'path size ptr', fstatfs64: 'fd size ptr',
  _llseek: 'fd hi64 lo64:1 llres whence', pread64: 'fd obuf:ret size lo64:4 hi64', pwrite64: 'fd ibuf:2 size lo64:4 hi64',
  truncate64: 'path lo64:2 hi64', ftruncate64: 'fd lo64:2 hi64', readahead: 'fd lo64:2 hi64 size',
  fadvise64: 'fd lo64:2 hi64 size fadv', fadvise64_64: 'fd lo64:2 hi64 lo64:4 hi64 fadv',
  sync_file_range: 'fd lo64:2 hi64 lo64:4 hi64 uint', fallocate: 'fd int lo64:3 hi64 lo64:5 hi64',
  preadv: 'fd iov_out:2 int lo64:4 hi64', pwritev: 'fd iov_in:2 int lo64:4 hi64',
  preadv2: 'fd iov_out:2 int lo64:4 hi64 int', pwritev2: 'fd iov_in:2 int lo64:4 hi64 int',
  sendfile64: 'fd fd ptr size', fcntl64: 'fd fcntl fcntlarg:1', clone: 'x ptr ptr ptr ptr', utime: 'path ptr',
  set_thread_area: 'user_desc', get_thread_area: 'user_desc', vm86: 'x x x x x', umount: 'path',
  clock_adjtime: 'clockid ptr',
  break: '', idle: '', bdflush: 'int x', lookup_dcookie: 'x ptr size', afs_syscall: 'x x x x x', vm86old: 'x',
  socketcall: 'sockcall ptr',
};
// The *_time64 calls take what their 32-bit-time namesakes take (strace reads 64-bit timespecs).
export const TIME64_BASE: Record<string, string> = {
  clock_gettime64: 'clock_gettime', clock_settime64: 'clock_settime', clock_adjtime64: 'clock_adjtime',
  clock_getres_time64: 'clock_getres', clock_nanosleep_time64: 'clock_nanosleep', timer_gettime64: 'timer_gettime',
  timer_settime64: 'timer_settime', timerfd_gettime64: 'timerfd_gettime', timerfd_settime64: 'timerfd_settime',
  utimensat_time64: 'utimensat', pselect6_time64: 'pselect6', ppoll_time64: 'ppoll', io_pgetevents_time64: 'io_pgetevents',
  recvmmsg_time64: 'recvmmsg', mq_timedsend_time64: 'mq_timedsend', mq_timedreceive_time64: 'mq_timedreceive',
  semtimedop_time64: 'semtimedop', rt_sigtimedwait_time64: 'rt_sigtimedwait', futex_time64: 'futex',
  sched_rr_get_interval_time64: 'sched_rr_get_interval',
};

const RET: Record<string, 'hex' | 'none' | 'oct'> = {
  mmap: 'hex', brk: 'hex', mremap: 'hex', shmat: 'hex', exit: 'none', exit_group: 'none', umask: 'oct',
  mmap2: 'hex',
};
for (const [t64, base] of Object.entries(TIME64_BASE)) if (RET[base]) RET[t64] = RET[base];

/** The argument kinds of a call in an ABI ('x' for every argument of calls without a signature). */
export function signatureOf(name: string, abi: AbiName = 'x86_64'): string[] {
  const base = TIME64_BASE[name] ?? name;
  const s = abi !== 'x86_64' && base in I386_SIGS ? I386_SIGS[base] : SIGS[base];
  if (s === undefined) return ['x', 'x', 'x', 'x', 'x', 'x'];
  return s ? s.split(' ') : [];
}

export function returnKindOf(name: string): 'dec' | 'hex' | 'none' | 'oct' { return RET[name] ?? 'dec'; }

export function hasSignature(name: string, abi: AbiName = 'x86_64'): boolean {
  const base = TIME64_BASE[name] ?? name;
  return base in SIGS || (abi !== 'x86_64' && base in I386_SIGS);
}

const SIGNED_INT = new Set(['fadv', 'sockcall', 'fd', 'dirfd', 'int', 'oflags', 'atflags', 'prot', 'mapflags', 'signo', 'sighow', 'clockid',
  'fcntl', 'arch', 'madv', 'acc', 'who', 'pid', 'timerflags']);
const UNSIGNED_INT = new Set(['uint', 'mode', 'cmode', 'whence', 'rlimres', 'grnd', 'statxmask', 'renflags', 'ioctl',
  'uid16', 'lo64', 'hi64', 'pgoff']);
const LONG = new Set(['long', 'off', 'ssize']);

/** How a raw register becomes the handler's number: int32, uint32, signed long, unsigned long. */
export function unpackClass(kind: string): 'i' | 'u' | 'l' | 'p' {
  const base = kind.includes(':') ? kind.slice(0, kind.indexOf(':')) : kind;
  if (SIGNED_INT.has(base)) return 'i';
  if (UNSIGNED_INT.has(base)) return 'u';
  if (LONG.has(base)) return 'l';
  return 'p';
}
