// strace-style formatting of system calls, driven by the argument kinds of syscalls/signatures.ts:
// one decoder per kind, not one printer per call. Output follows strace 6.x's notation
// (`openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3`, 32-byte string truncation with
// `...`, octal escapes, `= -1 ENOENT (No such file or directory)`, the ` = ` aligned at column 40).

import { errnoMessage, errnoName } from '../kernel/errno.js';
import type { Task } from '../kernel/process.js';
import { signalName, signalShortName, SigSet } from '../kernel/signal.js';
import * as L from '../kernel/linux.js';
import { decode, get64, layoutsFor, type Layout } from './structs.js';
import { TIME64_BASE } from './signatures.js';
import type { Abi, SyscallEntry } from './types.js';

/** strace -s default. */
export const MAX_STR = 32;

// ---- value helpers ---------------------------------------------------------------------------------

export function hex(v: number): string { return v === 0 ? '0' : '0x' + v.toString(16); }
function ptr(v: number): string { return v === 0 ? 'NULL' : '0x' + v.toString(16); }
/** printf("%#03o"): 0644, 022, 000. */
function oct(v: number): string { return v === 0 ? '000' : ('0' + (v >>> 0).toString(8)).padStart(3, '0'); }

/** Quotes bytes the way strace does (octal escapes, minimal digits unless a digit follows). */
export function quote(b: Uint8Array, hexAll = false): string {
  let s = '"';
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (hexAll) { s += '\\x' + c.toString(16).padStart(2, '0'); continue; }
    switch (c) {
      case 0x22: s += '\\"'; continue;
      case 0x5c: s += '\\\\'; continue;
      case 0x0a: s += '\\n'; continue;
      case 0x09: s += '\\t'; continue;
      case 0x0d: s += '\\r'; continue;
      case 0x0b: s += '\\v'; continue;
      case 0x0c: s += '\\f'; continue;
    }
    if (c >= 0x20 && c < 0x7f) { s += String.fromCharCode(c); continue; }
    const next = i + 1 < b.length ? b[i + 1] : -1;
    const digitFollows = next >= 0x30 && next <= 0x37;
    s += '\\' + (digitFollows ? c.toString(8).padStart(3, '0') : c.toString(8));
  }
  return s + '"';
}

/** Flags as A|B|0x40 (names listed in order); `zero` names the empty set. */
export function flags(v: number, names: [number, string][], zero = '0'): string {
  const out: string[] = [];
  let rest = v >>> 0;
  for (const [bit, name] of names) {
    if (bit !== 0 && (rest & bit) === bit >>> 0) { out.push(name); rest = (rest & ~bit) >>> 0; }
  }
  if (rest) out.push(hex(rest));
  return out.length ? out.join('|') : zero;
}

function lookup(v: number, names: Record<number, string>): string { return names[v] ?? String(v); }

const OPEN_FLAGS: [number, string][] = [
  [L.O_CREAT, 'O_CREAT'], [L.O_EXCL, 'O_EXCL'], [L.O_NOCTTY, 'O_NOCTTY'], [L.O_TRUNC, 'O_TRUNC'],
  [L.O_APPEND, 'O_APPEND'], [L.O_NONBLOCK, 'O_NONBLOCK'], [L.O_SYNC, 'O_SYNC'], [L.O_DSYNC, 'O_DSYNC'],
  [L.O_ASYNC, 'O_ASYNC'], [L.O_DIRECT, 'O_DIRECT'], [L.O_LARGEFILE, 'O_LARGEFILE'],
  [L.O_TMPFILE, 'O_TMPFILE'], [L.O_DIRECTORY, 'O_DIRECTORY'], [L.O_NOFOLLOW, 'O_NOFOLLOW'],
  [L.O_NOATIME, 'O_NOATIME'], [L.O_CLOEXEC, 'O_CLOEXEC'], [L.O_PATH, 'O_PATH'],
];
export function openFlags(v: number): string {
  const acc = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', '0x3'][v & 3];
  const rest = flags(v & ~3, OPEN_FLAGS, '');
  return rest ? `${acc}|${rest}` : acc;
}

const PROT: [number, string][] = [[1, 'PROT_READ'], [2, 'PROT_WRITE'], [4, 'PROT_EXEC'], [8, 'PROT_SEM'],
  [L.PROT_GROWSDOWN, 'PROT_GROWSDOWN'], [L.PROT_GROWSUP, 'PROT_GROWSUP']];
const MAP: [number, string][] = [[L.MAP_FIXED, 'MAP_FIXED'], [L.MAP_ANONYMOUS, 'MAP_ANONYMOUS'], [L.MAP_32BIT, 'MAP_32BIT'],
  [L.MAP_GROWSDOWN, 'MAP_GROWSDOWN'], [L.MAP_DENYWRITE, 'MAP_DENYWRITE'], [L.MAP_EXECUTABLE, 'MAP_EXECUTABLE'],
  [L.MAP_LOCKED, 'MAP_LOCKED'], [L.MAP_NORESERVE, 'MAP_NORESERVE'], [L.MAP_POPULATE, 'MAP_POPULATE'],
  [L.MAP_NONBLOCK, 'MAP_NONBLOCK'], [L.MAP_STACK, 'MAP_STACK'], [L.MAP_HUGETLB, 'MAP_HUGETLB'], [L.MAP_SYNC, 'MAP_SYNC'],
  [L.MAP_FIXED_NOREPLACE, 'MAP_FIXED_NOREPLACE'], [L.MAP_UNINITIALIZED, 'MAP_UNINITIALIZED']];
function mapFlags(v: number): string {
  const type = { 1: 'MAP_SHARED', 2: 'MAP_PRIVATE', 3: 'MAP_SHARED_VALIDATE' }[v & 0xf] ?? hex(v & 0xf);
  const rest = flags(v & ~0xf, MAP, '');
  return rest ? `${type}|${rest}` : type;
}
const AT: [number, string][] = [[L.AT_SYMLINK_NOFOLLOW, 'AT_SYMLINK_NOFOLLOW'], [L.AT_REMOVEDIR, 'AT_REMOVEDIR'],
  [L.AT_SYMLINK_FOLLOW, 'AT_SYMLINK_FOLLOW'], [L.AT_NO_AUTOMOUNT, 'AT_NO_AUTOMOUNT'], [L.AT_EMPTY_PATH, 'AT_EMPTY_PATH'],
  [L.AT_STATX_FORCE_SYNC, 'AT_STATX_FORCE_SYNC'], [L.AT_STATX_DONT_SYNC, 'AT_STATX_DONT_SYNC']];
const STATX_MASK: [number, string][] = [[0xfff, 'STATX_ALL'], [L.STATX_BASIC_STATS, 'STATX_BASIC_STATS'],
  [L.STATX_TYPE, 'STATX_TYPE'], [L.STATX_MODE, 'STATX_MODE'], [L.STATX_NLINK, 'STATX_NLINK'], [L.STATX_UID, 'STATX_UID'],
  [L.STATX_GID, 'STATX_GID'], [L.STATX_ATIME, 'STATX_ATIME'], [L.STATX_MTIME, 'STATX_MTIME'], [L.STATX_CTIME, 'STATX_CTIME'],
  [L.STATX_INO, 'STATX_INO'], [L.STATX_SIZE, 'STATX_SIZE'], [L.STATX_BLOCKS, 'STATX_BLOCKS'], [L.STATX_BTIME, 'STATX_BTIME'],
  [L.STATX_MNT_ID, 'STATX_MNT_ID'], [0x2000, 'STATX_DIOALIGN']];
const WHENCE: Record<number, string> = { 0: 'SEEK_SET', 1: 'SEEK_CUR', 2: 'SEEK_END', 3: 'SEEK_DATA', 4: 'SEEK_HOLE' };
const CLOCKS: Record<number, string> = { 0: 'CLOCK_REALTIME', 1: 'CLOCK_MONOTONIC', 2: 'CLOCK_PROCESS_CPUTIME_ID',
  3: 'CLOCK_THREAD_CPUTIME_ID', 4: 'CLOCK_MONOTONIC_RAW', 5: 'CLOCK_REALTIME_COARSE', 6: 'CLOCK_MONOTONIC_COARSE',
  7: 'CLOCK_BOOTTIME', 8: 'CLOCK_REALTIME_ALARM', 9: 'CLOCK_BOOTTIME_ALARM', 11: 'CLOCK_TAI' };
const FCNTL: Record<number, string> = { 0: 'F_DUPFD', 1: 'F_GETFD', 2: 'F_SETFD', 3: 'F_GETFL', 4: 'F_SETFL',
  5: 'F_GETLK', 6: 'F_SETLK', 7: 'F_SETLKW', 8: 'F_SETOWN', 9: 'F_GETOWN', 10: 'F_SETSIG', 11: 'F_GETSIG',
  15: 'F_SETOWN_EX', 16: 'F_GETOWN_EX', 36: 'F_OFD_GETLK', 37: 'F_OFD_SETLK', 38: 'F_OFD_SETLKW',
  1024: 'F_SETLEASE', 1025: 'F_GETLEASE', 1026: 'F_NOTIFY', 1030: 'F_DUPFD_CLOEXEC', 1031: 'F_SETPIPE_SZ',
  1032: 'F_GETPIPE_SZ', 1033: 'F_ADD_SEALS', 1034: 'F_GET_SEALS' };
/** i386's fcntl64 record-lock commands (x86-64 has no such numbers). */
const FCNTL64: Record<number, string> = { 12: 'F_GETLK64', 13: 'F_SETLK64', 14: 'F_SETLKW64' };
const FADV: Record<number, string> = { 0: 'POSIX_FADV_NORMAL', 1: 'POSIX_FADV_RANDOM', 2: 'POSIX_FADV_SEQUENTIAL',
  3: 'POSIX_FADV_WILLNEED', 4: 'POSIX_FADV_DONTNEED', 5: 'POSIX_FADV_NOREUSE' };
const SOCKCALL: Record<number, string> = { 1: 'SYS_SOCKET', 2: 'SYS_BIND', 3: 'SYS_CONNECT', 4: 'SYS_LISTEN',
  5: 'SYS_ACCEPT', 6: 'SYS_GETSOCKNAME', 7: 'SYS_GETPEERNAME', 8: 'SYS_SOCKETPAIR', 9: 'SYS_SEND', 10: 'SYS_RECV',
  11: 'SYS_SENDTO', 12: 'SYS_RECVFROM', 13: 'SYS_SHUTDOWN', 14: 'SYS_SETSOCKOPT', 15: 'SYS_GETSOCKOPT',
  16: 'SYS_SENDMSG', 17: 'SYS_RECVMSG', 18: 'SYS_ACCEPT4', 19: 'SYS_RECVMMSG', 20: 'SYS_SENDMMSG' };
const IOCTL: Record<number, string> = { 0x5401: 'TCGETS', 0x5402: 'TCSETS', 0x5403: 'TCSETSW', 0x5404: 'TCSETSF',
  0x5405: 'TCGETA', 0x5409: 'TCSBRK', 0x540a: 'TCXONC', 0x540b: 'TCFLSH', 0x540e: 'TIOCSCTTY', 0x540f: 'TIOCGPGRP',
  0x5410: 'TIOCSPGRP', 0x5411: 'TIOCOUTQ', 0x5413: 'TIOCGWINSZ', 0x5414: 'TIOCSWINSZ', 0x541b: 'FIONREAD',
  0x5421: 'FIONBIO', 0x5422: 'TIOCNOTTY', 0x5429: 'TIOCGSID', 0x5450: 'FIONCLEX', 0x5451: 'FIOCLEX', 0x5452: 'FIOASYNC',
  0x802c542a: 'TCGETS2', 0x402c542b: 'TCSETS2', 0x80045430: 'TIOCGPTN', 0x40045431: 'TIOCSPTLCK' };
const ARCH: Record<number, string> = { 0x1001: 'ARCH_SET_GS', 0x1002: 'ARCH_SET_FS', 0x1003: 'ARCH_GET_FS',
  0x1004: 'ARCH_GET_GS', 0x1011: 'ARCH_GET_CPUID', 0x1012: 'ARCH_SET_CPUID', 0x1021: 'ARCH_GET_XCOMP_SUPP',
  0x1022: 'ARCH_GET_XCOMP_PERM', 0x1023: 'ARCH_REQ_XCOMP_PERM' };
const MADV: Record<number, string> = { 0: 'MADV_NORMAL', 1: 'MADV_RANDOM', 2: 'MADV_SEQUENTIAL', 3: 'MADV_WILLNEED',
  4: 'MADV_DONTNEED', 8: 'MADV_FREE', 9: 'MADV_REMOVE', 10: 'MADV_DONTFORK', 11: 'MADV_DOFORK', 12: 'MADV_MERGEABLE',
  13: 'MADV_UNMERGEABLE', 14: 'MADV_HUGEPAGE', 15: 'MADV_NOHUGEPAGE', 16: 'MADV_DONTDUMP', 17: 'MADV_DODUMP',
  18: 'MADV_WIPEONFORK', 19: 'MADV_KEEPONFORK', 20: 'MADV_COLD', 21: 'MADV_PAGEOUT', 22: 'MADV_POPULATE_READ',
  23: 'MADV_POPULATE_WRITE' };
const SIGHOW: Record<number, string> = { 0: 'SIG_BLOCK', 1: 'SIG_UNBLOCK', 2: 'SIG_SETMASK' };
const WHO: Record<number, string> = { 0: 'RUSAGE_SELF', [-1]: 'RUSAGE_CHILDREN', 1: 'RUSAGE_THREAD' };
const SA: [number, string][] = [[L.SA_NOCLDSTOP, 'SA_NOCLDSTOP'], [L.SA_NOCLDWAIT, 'SA_NOCLDWAIT'],
  [L.SA_SIGINFO, 'SA_SIGINFO'], [L.SA_RESTORER, 'SA_RESTORER'], [L.SA_ONSTACK, 'SA_ONSTACK'],
  [L.SA_RESTART, 'SA_RESTART'], [L.SA_NODEFER, 'SA_NODEFER'], [L.SA_RESETHAND, 'SA_RESETHAND']];

function modeStr(mode: number): string {
  const types: Record<number, string> = { 0o140000: 'S_IFSOCK', 0o120000: 'S_IFLNK', 0o100000: 'S_IFREG',
    0o60000: 'S_IFBLK', 0o40000: 'S_IFDIR', 0o20000: 'S_IFCHR', 0o10000: 'S_IFIFO' };
  const t = types[mode & 0o170000];
  const perm = (mode & 0o7777).toString(8).padStart(4, '0');
  return t ? `${t}|${perm}` : perm;
}

function makedev(dev: number): string {
  const lo = dev >>> 0, hi = Math.floor(dev / 2 ** 32) >>> 0;
  const major = ((lo >>> 8) & 0xfff) | (hi & 0xfffff000);
  const minor = (lo & 0xff) | ((lo >>> 12) & 0xfffff00);
  return `makedev(${hex(major)}, ${hex(minor)})`;
}

function rlimVal(v: number, wide: boolean): string {
  if (v >= 2 ** 64 - 1 || (!wide && v === 0xffffffff)) return wide ? 'RLIM64_INFINITY' : 'RLIM_INFINITY';
  if (v > 0 && v % 1024 === 0) return `${v / 1024}*1024`;
  return String(v);
}

// ---- decoding one argument -----------------------------------------------------------------------

interface Ctx { t: Task; abi: Abi; args: number[]; result?: number; name: string }

function bytes(c: Ctx, addr: number, len: number): Uint8Array | null {
  try { return c.t.mem.readBytes(addr, len); } catch { return null; }
}

function cstr(c: Ctx, addr: number, max: number): { s: Uint8Array; more: boolean } | null {
  const out: number[] = [];
  try {
    for (let i = 0; i < max; i++) {
      const b = c.t.mem.read8(addr + i);
      if (b === 0) return { s: Uint8Array.from(out), more: false };
      out.push(b);
    }
  } catch { if (out.length === 0) return null; }
  return { s: Uint8Array.from(out), more: true };
}

function buf(c: Ctx, addr: number, len: number, hexAll = false): string {
  if (addr === 0 && len > 0) return 'NULL';
  const shown = Math.min(len, MAX_STR);
  const b = bytes(c, addr, shown);
  if (!b) return ptr(addr);
  return quote(b, hexAll) + (len > MAX_STR ? '...' : '');
}

function failed(c: Ctx): boolean { return c.result === undefined || c.result < 0; }

function sigset(c: Ctx, addr: number): string {
  if (addr === 0) return 'NULL';
  const b = bytes(c, addr, 8);
  if (!b) return ptr(addr);
  const dv = new DataView(b.buffer);
  const s = new SigSet(dv.getUint32(0, true) | 0, dv.getUint32(4, true) | 0);
  const members = s.members();
  if (members.length > 32) {
    const missing: string[] = [];
    for (let n = 1; n <= 64; n++) if (!s.has(n)) missing.push(signalShortName(n));
    return `~[${missing.join(' ')}]`;
  }
  return `[${members.map(signalShortName).join(' ')}]`;
}

function sigaction(c: Ctx, addr: number): string {
  if (addr === 0) return 'NULL';
  const l = c.abi.layouts.sigaction;
  const b = bytes(c, addr, l.size);
  if (!b) return ptr(addr);
  const v = decode(c.abi.name, l, b);
  const h = v.handler === 0 ? 'SIG_DFL' : v.handler === 1 ? 'SIG_IGN' : hex(v.handler);
  const mask = new SigSet(v.mask_lo | 0, v.mask_hi | 0).members().map(signalShortName).join(' ');
  let s = `{sa_handler=${h}, sa_mask=[${mask}], sa_flags=${flags(v.flags, SA)}`;
  if (v.flags & L.SA_RESTORER) s += `, sa_restorer=${hex(v.restorer)}`;
  return s + '}';
}

function stat(c: Ctx, addr: number): string { return statWith(c, addr, c.abi.layouts.stat); }

/** i386's struct stat (the stat/lstat/fstat calls of the i386 table). */
function stat32(c: Ctx, addr: number): string { return statWith(c, addr, c.abi.layouts.oldstat); }

function statWith(c: Ctx, addr: number, l: Layout): string {
  const b = bytes(c, addr, l.size);
  if (!b) return ptr(addr);
  const v = decode(c.abi.name, l, b);
  const type = v.mode & 0o170000;
  if (type === 0o20000 || type === 0o60000) return `{st_mode=${modeStr(v.mode)}, st_rdev=${makedev(v.rdev)}, ...}`;
  return `{st_mode=${modeStr(v.mode)}, st_size=${v.size}, ...}`;
}

/** struct user_desc (set_thread_area, get_thread_area, modify_ldt) as strace prints it. */
function userDesc(c: Ctx, addr: number): string {
  const b = bytes(c, addr, 16);
  if (!b) return ptr(addr);
  const dv = new DataView(b.buffer, b.byteOffset, 16);
  const f = dv.getUint32(12, true);
  const bit = (n: number) => (f >>> n) & 1;
  return `{entry_number=${dv.getInt32(0, true)}, base_addr=${hex(dv.getUint32(4, true))}, limit=0x${dv.getUint32(8, true).toString(16).padStart(6, '0')}, ` +
    `seg_32bit=${bit(0)}, contents=${(f >>> 1) & 3}, read_exec_only=${bit(3)}, limit_in_pages=${bit(4)}, ` +
    `seg_not_present=${bit(5)}, useable=${bit(6)}}`;
}

/** A 64-bit value from two registers: the low word here, the high word in argument `hiArg`. */
function pair64(c: Ctx, lo: number, hiArg: number): string {
  // BigInt: strace output only, never the hot path; the pair may exceed 2^53
  return ((BigInt(c.args[hiArg] | 0) << 32n) | BigInt(lo >>> 0)).toString();
}

function statx(c: Ctx, addr: number): string {
  const l = c.abi.layouts.statx;
  const b = bytes(c, addr, l.size);
  if (!b) return ptr(addr);
  const v = decode(c.abi.name, l, b);
  return `{stx_mask=${flags(v.mask, STATX_MASK)}, stx_attributes=0, stx_mode=${modeStr(v.mode)}, stx_size=${v.size}, ...}`;
}

function timespec(c: Ctx, addr: number): string {
  if (addr === 0) return 'NULL';
  // i386's *_time64 calls take the 64-bit struct __kernel_timespec
  const abi = c.name in TIME64_BASE ? 'i386_time64' : c.abi.name;
  const l = layoutsFor(abi).timespec;
  const b = bytes(c, addr, l.size);
  if (!b) return ptr(addr);
  const v = decode(abi, l, b);
  return `{tv_sec=${v.tv_sec}, tv_nsec=${v.tv_nsec}}`;
}

function timeval(c: Ctx, addr: number): string {
  if (addr === 0) return 'NULL';
  const l = c.abi.layouts.timeval;
  const b = bytes(c, addr, l.size);
  if (!b) return ptr(addr);
  const v = decode(c.abi.name, l, b);
  return `{tv_sec=${v.tv_sec}, tv_usec=${v.tv_usec}}`;
}

function rlimit(c: Ctx, addr: number): string {
  if (addr === 0) return 'NULL';
  const wide = c.name === 'prlimit64' || c.abi.wordSize === 8;
  const b = bytes(c, addr, wide ? 16 : 8);
  if (!b) return ptr(addr);
  const dv = new DataView(b.buffer);
  const cur = wide ? get64(dv, 0, false) : dv.getUint32(0, true);
  const max = wide ? get64(dv, 8, false) : dv.getUint32(4, true);
  return `{rlim_cur=${rlimVal(cur, wide)}, rlim_max=${rlimVal(max, wide)}}`;
}

function iovec(c: Ctx, addr: number, cnt: number, total: number | null): string {
  const l = c.abi.layouts.iovec;
  const raw = cnt > 0 && cnt <= 1024 ? bytes(c, addr, l.size * cnt) : null;
  if (!raw) return ptr(addr);
  const parts: string[] = [];
  let left = total ?? Infinity;
  for (let i = 0; i < cnt; i++) {
    const v = decode(c.abi.name, l, raw.subarray(i * l.size, (i + 1) * l.size));
    const n = Math.min(v.iov_len, left);
    left -= n;
    parts.push(`{iov_base=${total === null && c.result !== undefined && c.result < 0 ? ptr(v.iov_base) : buf(c, v.iov_base, n)}, iov_len=${v.iov_len}}`);
  }
  return `[${parts.join(', ')}]`;
}

function decodeOne(c: Ctx, kind: string, v: number): string | null {
  const colon = kind.indexOf(':');
  const base = colon >= 0 ? kind.slice(0, colon) : kind;
  const param = colon >= 0 ? kind.slice(colon + 1) : '';
  const argN = param && param !== 'ret' ? c.args[Number(param)] : 0;
  switch (base) {
    case 'fd': case 'int': case 'uint': case 'long': case 'off': case 'ssize': case 'size': case 'pid':
      return String(v);
    case 'dirfd': return v === L.AT_FDCWD ? 'AT_FDCWD' : String(v);
    case 'x': return hex(v);
    case 'ptr': return ptr(v);
    case 'path': case 'str': {
      if (v === 0) return 'NULL';
      const s = cstr(c, v, base === 'path' ? 4096 : MAX_STR);
      if (!s) return ptr(v);
      return quote(s.s) + (s.more ? '...' : '');
    }
    case 'ibuf': return buf(c, v, argN);
    case 'obuf': case 'ohex': {
      if (failed(c)) return ptr(v);
      const len = param === 'ret' ? c.result! : argN;
      return buf(c, v, len, base === 'ohex');
    }
    case 'ostr': case 'opath': {
      // readlink's buffer obeys the string limit; getcwd's path is shown whole (strace printpathn)
      if (failed(c)) return ptr(v);
      let len = c.result!;
      const b = bytes(c, v, Math.min(len, 4096));
      if (!b) return ptr(v);
      const z = b.indexOf(0);
      if (z >= 0) len = z;
      if (base === 'ostr' && len > MAX_STR) return quote(b.subarray(0, MAX_STR)) + '...';
      return quote(b.subarray(0, len));
    }
    case 'iov_in': return iovec(c, v, argN, null);
    case 'iov_out': return failed(c) ? ptr(v) : iovec(c, v, argN, c.result!);
    case 'oflags': return openFlags(v);
    case 'cmode': {
      const fl = c.args[Number(param)];
      return (fl & L.O_CREAT) || (fl & L.O_TMPFILE) === L.O_TMPFILE ? oct(v) : null;
    }
    case 'mode': return oct(v);
    case 'atflags': return flags(v, AT);
    case 'prot': return flags(v, PROT, 'PROT_NONE');
    case 'mapflags': return mapFlags(v);
    case 'whence': return lookup(v, WHENCE);
    case 'clockid': return lookup(v, CLOCKS);
    case 'timerflags': return v === L.TIMER_ABSTIME ? 'TIMER_ABSTIME' : hex(v);
    case 'fcntl': return c.abi.wordSize === 4 && FCNTL64[v] ? FCNTL64[v] : lookup(v, FCNTL);
    case 'fadv': return FADV[v] ?? `${hex(v >>> 0)} /* POSIX_FADV_??? */`;
    case 'sockcall': return SOCKCALL[v] ?? String(v);
    case 'oid16': case 'oid32': {
      if (v === 0) return 'NULL';
      if (failed(c)) return ptr(v);
      const b = bytes(c, v, base === 'oid16' ? 2 : 4);
      if (!b) return ptr(v);
      return `[${base === 'oid16' ? b[0] | (b[1] << 8) : new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true)}]`;
    }
    case 'mmap_args': {
      // old mmap: one pointer to { addr, len, prot, flags, fd, offset }; strace shows the six values
      const b = bytes(c, v, 24);
      if (!b) return ptr(v);
      const dv = new DataView(b.buffer, b.byteOffset, 24);
      const w = (i: number) => dv.getUint32(4 * i, true);
      return `${ptr(w(0))}, ${w(1)}, ${flags(w(2), PROT, 'PROT_NONE')}, ${mapFlags(w(3))}, ${dv.getInt32(16, true)}, ${hex(w(5))}`;
    }
    case 'sel_args': {
      // old select: one pointer to { n, inp, outp, exp, tvp }
      const b = bytes(c, v, 20);
      if (!b) return ptr(v);
      const dv = new DataView(b.buffer, b.byteOffset, 20);
      const w = (i: number) => dv.getUint32(4 * i, true);
      return `${dv.getInt32(0, true)}, ${ptr(w(1))}, ${ptr(w(2))}, ${ptr(w(3))}, ${ptr(w(4))}`;
    }
    case 'old_dirent': {
      if (failed(c) || c.result === 0) return ptr(v);
      const b = bytes(c, v, 10);
      if (!b) return ptr(v);
      const dv = new DataView(b.buffer, b.byteOffset, 10);
      const n = dv.getUint16(8, true);
      const name = bytes(c, v + 10, n);
      return `{d_ino=${dv.getUint32(0, true)}, d_off=${dv.getUint32(4, true)}, d_reclen=${n}, d_name=${name ? quote(name) : '...'}}`;
    }
    case 'fcntlarg': {
      const cmd = c.args[Number(param)];
      switch (cmd) {
        case L.F_GETFD: case L.F_GETFL: case L.F_GETOWN: case L.F_GETSIG: case L.F_GETLEASE: case L.F_GETPIPE_SZ:
        case L.F_GET_SEALS:
          return null;
        case L.F_SETFD: return v & L.FD_CLOEXEC ? 'FD_CLOEXEC' : '0';
        case L.F_SETFL: return openFlags(v);
        case L.F_DUPFD: case L.F_DUPFD_CLOEXEC: case L.F_SETOWN: case L.F_SETSIG: case L.F_SETPIPE_SZ: return String(v | 0);
        default: return ptr(v);
      }
    }
    case 'ioctl': return IOCTL[v] ?? hex(v);
    case 'arch': return lookup(v, ARCH);
    case 'archarg': return hex(v);
    case 'signo': return v > 0 && v <= 64 ? signalName(v) : String(v);
    case 'sighow': return lookup(v, SIGHOW);
    case 'sigset_in': return sigset(c, v);
    case 'sigset_out': return v === 0 ? 'NULL' : failed(c) ? ptr(v) : sigset(c, v);
    case 'sact_in': return sigaction(c, v);
    case 'sact_out': return v === 0 ? 'NULL' : failed(c) ? ptr(v) : sigaction(c, v);
    case 'stat': return failed(c) ? ptr(v) : stat(c, v);
    case 'stat32': return failed(c) ? ptr(v) : stat32(c, v);
    case 'uid16': return (v & 0xffff) === 0xffff ? '-1' : String(v & 0xffff);
    case 'lo64': return pair64(c, v, Number(param));
    case 'hi64': return null;
    case 'pgoff': return hex((v >>> 0) * 4096);
    case 'llres': {
      if (failed(c)) return ptr(v);
      const b = bytes(c, v, 8);
      if (!b) return ptr(v);
      return `[${get64(new DataView(b.buffer, b.byteOffset, 8), 0, true)}]`;
    }
    case 'user_desc': return userDesc(c, v);
    case 'statx': return failed(c) ? ptr(v) : statx(c, v);
    case 'statxmask': return flags(v, STATX_MASK);
    case 'ts_in': return timespec(c, v);
    case 'ts_out': return v === 0 ? 'NULL' : failed(c) ? ptr(v) : timespec(c, v);
    case 'tv_out': return v === 0 ? 'NULL' : failed(c) ? ptr(v) : timeval(c, v);
    case 'rlimres': return L.RLIMIT_NAMES[v] ?? String(v);
    case 'rlim_in': return rlimit(c, v);
    case 'rlim_out': return v === 0 ? 'NULL' : failed(c) ? ptr(v) : rlimit(c, v);
    case 'uts': {
      if (failed(c)) return ptr(v);
      const b = bytes(c, v, 390);
      if (!b) return ptr(v);
      const field = (o: number) => { const s = b.subarray(o, o + 65); const z = s.indexOf(0); return quote(s.subarray(0, z < 0 ? 65 : z)); };
      return `{sysname=${field(0)}, nodename=${field(65)}, ...}`;
    }
    case 'dirents': {
      if (failed(c)) return ptr(v);
      const b = bytes(c, v, c.result!);
      if (!b) return ptr(v);
      let n = 0;
      for (let off = 0; off + 18 < b.length;) {
        const reclen = b[off + 16] | (b[off + 17] << 8);
        if (c.name === 'getdents') {
          const rl = b[off + 2 * c.abi.wordSize] | (b[off + 2 * c.abi.wordSize + 1] << 8);
          if (!rl) break;
          off += rl;
        } else {
          if (!reclen) break;
          off += reclen;
        }
        n++;
      }
      return `${ptr(v)} /* ${n} entries */`;
    }
    case 'cpuset': {
      if (failed(c)) return ptr(v);
      const b = bytes(c, v, c.result!);
      if (!b) return ptr(v);
      const cpus: number[] = [];
      b.forEach((byte, i) => { for (let k = 0; k < 8; k++) if (byte & (1 << k)) cpus.push(i * 8 + k); });
      return `[${cpus.join(', ')}]`;
    }
    case 'grnd': return flags(v, [[1, 'GRND_NONBLOCK'], [2, 'GRND_RANDOM'], [4, 'GRND_INSECURE']]);
    case 'madv': return lookup(v, MADV);
    case 'acc': return v === 0 ? 'F_OK' : flags(v, [[4, 'R_OK'], [2, 'W_OK'], [1, 'X_OK']]);
    case 'who': return lookup(v, WHO);
    case 'mremapflags': return flags(v, [[1, 'MREMAP_MAYMOVE'], [2, 'MREMAP_FIXED'], [4, 'MREMAP_DONTUNMAP']]);
    case 'renflags': return flags(v, [[1, 'RENAME_NOREPLACE'], [2, 'RENAME_EXCHANGE'], [4, 'RENAME_WHITEOUT']]);
    case 'fds2': {
      if (failed(c)) return ptr(v);
      const b = bytes(c, v, 8);
      if (!b) return ptr(v);
      const dv = new DataView(b.buffer);
      return `[${dv.getInt32(0, true)}, ${dv.getInt32(4, true)}]`;
    }
    case 'ss_in': case 'ss_out': {
      if (v === 0) return 'NULL';
      if (base === 'ss_out' && failed(c)) return ptr(v);
      const l = c.abi.layouts.stack;
      const b = bytes(c, v, l.size);
      if (!b) return ptr(v);
      const s = decode(c.abi.name, l, b);
      const fl = flags(s.ss_flags >>> 0, [[L.SS_ONSTACK, 'SS_ONSTACK'], [L.SS_DISABLE, 'SS_DISABLE'], [L.SS_AUTODISARM, 'SS_AUTODISARM']]);
      return `{ss_sp=${ptr(s.ss_sp)}, ss_flags=${fl}, ss_size=${s.ss_size}}`;
    }
    case 'sysinfo': case 'rusage': case 'tms':
    default:
      return ptr(v);
  }
}

// ---- whole calls -------------------------------------------------------------------------------------

export function decodeArgs(t: Task, abi: Abi, e: SyscallEntry | undefined, args: number[], result?: number): string[] {
  const kinds = e ? e.args : ['x', 'x', 'x', 'x', 'x', 'x'];
  const c: Ctx = { t, abi, args, result, name: e ? e.name : '' };
  const out: string[] = [];
  kinds.forEach((k, i) => {
    if (i >= args.length) return;
    let s: string | null;
    try { s = decodeOne(c, k, args[i]); } catch { s = hex(args[i]); }
    if (s !== null) out.push(s);
  });
  return out;
}

export function formatResult(e: SyscallEntry | undefined, r: number | undefined): string {
  if (r === undefined) return '?';
  if (r <= -512 && r >= -516) return `? ${errnoName(-r)} (${errnoMessage(-r)})`;
  if (r < 0 && r >= -4095) return `-1 ${errnoName(-r)} (${errnoMessage(-r)})`;
  switch (e?.ret) {
    case 'hex': return hex(r);
    case 'oct': return oct(r);
    default: return String(r);
  }
}

/** One strace line (without the newline). */
export function formatCall(t: Task, abi: Abi, e: SyscallEntry | undefined, nr: number, args: number[], result?: number): string {
  const name = e ? e.name : `syscall_0x${(nr >>> 0).toString(16)}`;
  const call = `${name}(${decodeArgs(t, abi, e, args, result).join(', ')})`;
  let tail = '';
  if (name === 'set_thread_area' && result === 0) {
    // strace shows the GDT slot the kernel picked
    try { tail = ` (entry_number=${t.mem.read32(args[0]) | 0})`; } catch { /* unreadable now */ }
  }
  return `${call.padEnd(39)} = ${formatResult(e, result)}${tail}`;
}
