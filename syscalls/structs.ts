// Every structure the syscall layer copies to or from guest memory, per ABI, in one place.
// Offsets and sizes come from the Debian linux-libc-dev headers (asm/stat.h, linux/stat.h,
// linux/time_types.h, linux/resource.h, linux/utsname.h, linux/sysinfo.h, asm/termbits.h,
// asm/signal.h, linux/times.h, linux/futex.h, asm/fcntl.h) measured with offsetof() by gcc and gcc -m32;
// test/syscalls-structs.test.ts re-measures them when a compiler is present. The rt_sigaction
// layout is the kernel's own struct sigaction (include/linux/signal_types.h: handler, flags,
// restorer, mask), which the uapi header does not describe; musl's struct k_sigaction matches.

import type { AddressSpace } from '../cpu/memory.js';

/** Field types: fixed-size, or word-sized per ABI ('long', 'ulong', 'ptr'). */
export type FieldType = 'u8' | 'u16' | 'u32' | 'i32' | 'u64' | 'i64' | 'long' | 'ulong' | 'ptr' | `char[${number}]`;

export interface Layout {
  name: string;
  size: number;
  fields: Record<string, [offset: number, type: FieldType]>;
}

/** 'i386_time64': an i386 task inside one of the *_time64 calls, whose timespecs are 64-bit. */
export type AbiName = 'x86_64' | 'i386' | 'i386_time64';

function L(name: string, size: number, fields: Record<string, [number, FieldType]>): Layout {
  return { name, size, fields };
}

const TWO32 = 4294967296;

/** Writes the fields present in `v` into a fresh buffer of the layout's size. */
export function encode(abi: AbiName, l: Layout, v: Record<string, number | string | undefined>, out?: Uint8Array): Uint8Array {
  const b = out ?? new Uint8Array(l.size);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const word = abi === 'x86_64' ? 8 : 4;
  for (const [k, [off, t]] of Object.entries(l.fields)) {
    const x = v[k];
    if (x === undefined) continue;
    if (typeof x === 'string') {
      const n = Number(t.slice(5, -1));
      for (let i = 0; i < n; i++) b[off + i] = i < x.length ? x.charCodeAt(i) & 0xff : 0;
      b[off + Math.min(x.length, n - 1)] = 0;
      continue;
    }
    putNum(dv, off, t, x, word);
  }
  return b;
}

function putNum(dv: DataView, off: number, t: FieldType, x: number, word: number): void {
  switch (t) {
    case 'u8': dv.setUint8(off, x); return;
    case 'u16': dv.setUint16(off, x, true); return;
    case 'u32': case 'i32': dv.setUint32(off, x >>> 0, true); return;
    case 'u64': case 'i64': put64(dv, off, x); return;
    case 'long': case 'ulong': case 'ptr':
      if (word === 8) put64(dv, off, x); else dv.setUint32(off, x >>> 0, true);
      return;
    default: throw new Error(`cannot encode number into ${t}`);
  }
}

/** Stores a 64-bit value given as a number (negative = two's complement; Infinity = all ones). */
export function put64(dv: DataView, off: number, x: number): void {
  if (x === Infinity || x === -1) { dv.setUint32(off, 0xffffffff, true); dv.setUint32(off + 4, 0xffffffff, true); return; }
  dv.setUint32(off, x >>> 0, true);
  dv.setUint32(off + 4, Math.floor(x / TWO32) >>> 0, true);
}

/** Reads a 64-bit field as a number: unsigned, or signed when `signed`. */
export function get64(dv: DataView, off: number, signed: boolean): number {
  const lo = dv.getUint32(off, true);
  const hi = signed ? dv.getInt32(off + 4, true) : dv.getUint32(off + 4, true);
  return hi * TWO32 + lo;
}

/** Reads every numeric field of the layout from bytes. */
export function decode(abi: AbiName, l: Layout, b: Uint8Array): Record<string, number> {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const word = abi === 'x86_64' ? 8 : 4;
  const out: Record<string, number> = {};
  for (const [k, [off, t]] of Object.entries(l.fields)) {
    switch (t) {
      case 'u8': out[k] = dv.getUint8(off); break;
      case 'u16': out[k] = dv.getUint16(off, true); break;
      case 'u32': out[k] = dv.getUint32(off, true); break;
      case 'i32': out[k] = dv.getInt32(off, true); break;
      case 'u64': out[k] = get64(dv, off, false); break;
      case 'i64': out[k] = get64(dv, off, true); break;
      case 'long': out[k] = word === 8 ? get64(dv, off, true) : dv.getInt32(off, true); break;
      case 'ulong': case 'ptr': out[k] = word === 8 ? get64(dv, off, false) : dv.getUint32(off, true); break;
      default: break;
    }
  }
  return out;
}

/** Reads a structure from guest memory (GuestFault propagates: the dispatcher makes it EFAULT). */
export function readStruct(mem: AddressSpace, abi: AbiName, l: Layout, addr: number): Record<string, number> {
  return decode(abi, l, mem.readBytes(addr, l.size));
}

/** Writes a structure to guest memory in one piece (nothing is written if any byte faults). */
export function writeStruct(mem: AddressSpace, abi: AbiName, l: Layout, addr: number, v: Record<string, number | string | undefined>): void {
  mem.writeBytes(addr, encode(abi, l, v));
}

const STATX: Layout = L('statx', 256, {
  mask: [0, 'u32'], blksize: [4, 'u32'], attributes: [8, 'u64'], nlink: [16, 'u32'], uid: [20, 'u32'],
  gid: [24, 'u32'], mode: [28, 'u16'], ino: [32, 'u64'], size: [40, 'u64'], blocks: [48, 'u64'],
  attributes_mask: [56, 'u64'],
  atime_sec: [64, 'i64'], atime_nsec: [72, 'u32'], btime_sec: [80, 'i64'], btime_nsec: [88, 'u32'],
  ctime_sec: [96, 'i64'], ctime_nsec: [104, 'u32'], mtime_sec: [112, 'i64'], mtime_nsec: [120, 'u32'],
  rdev_major: [128, 'u32'], rdev_minor: [132, 'u32'], dev_major: [136, 'u32'], dev_minor: [140, 'u32'],
  mnt_id: [144, 'u64'], dio_mem_align: [152, 'u32'], dio_offset_align: [156, 'u32'],
});

const UTSNAME: Layout = L('new_utsname', 390, {
  sysname: [0, 'char[65]'], nodename: [65, 'char[65]'], release: [130, 'char[65]'], version: [195, 'char[65]'],
  machine: [260, 'char[65]'], domainname: [325, 'char[65]'],
});

const WINSIZE: Layout = L('winsize', 8, { ws_row: [0, 'u16'], ws_col: [2, 'u16'], ws_xpixel: [4, 'u16'], ws_ypixel: [6, 'u16'] });

const TERMIOS: Layout = L('termios', 36, {
  c_iflag: [0, 'u32'], c_oflag: [4, 'u32'], c_cflag: [8, 'u32'], c_lflag: [12, 'u32'], c_line: [16, 'u8'],
});

const FLOCK64_X86_64: Layout = L('flock', 32, {
  l_type: [0, 'u16'], l_whence: [2, 'u16'], l_start: [8, 'i64'], l_len: [16, 'i64'], l_pid: [24, 'i32'],
});

export interface AbiLayouts {
  /** struct stat for stat/fstat/lstat/newfstatat (x86-64) or stat64 (i386 *stat64 calls). */
  stat: Layout;
  /** i386's old struct stat (stat/fstat/lstat); same as `stat` on x86-64. */
  oldstat: Layout;
  statx: Layout;
  timespec: Layout;
  timeval: Layout;
  iovec: Layout;
  rlimit: Layout;
  rlimit64: Layout;
  rusage: Layout;
  utsname: Layout;
  sysinfo: Layout;
  sigaction: Layout;
  stack: Layout;
  winsize: Layout;
  termios: Layout;
  tms: Layout;
  robust_list_head: Layout;
  /** Fixed part of struct linux_dirent64 (d_name follows at 19). */
  dirent64: Layout;
  /** struct flock of fcntl's record locks (l_type and l_whence are shorts); on i386 the one with
   *  32-bit offsets that fcntl's F_GETLK/F_SETLK/F_SETLKW take. */
  flock: Layout;
  /** struct flock64: i386 fcntl64's F_*LK64 and the F_OFD_* commands; same as flock on x86-64. */
  flock64: Layout;
}

export const X86_64_LAYOUTS: AbiLayouts = {
  stat: L('stat', 144, {
    dev: [0, 'u64'], ino: [8, 'u64'], nlink: [16, 'u64'], mode: [24, 'u32'], uid: [28, 'u32'], gid: [32, 'u32'],
    rdev: [40, 'u64'], size: [48, 'i64'], blksize: [56, 'i64'], blocks: [64, 'i64'],
    atime_sec: [72, 'i64'], atime_nsec: [80, 'u64'], mtime_sec: [88, 'i64'], mtime_nsec: [96, 'u64'],
    ctime_sec: [104, 'i64'], ctime_nsec: [112, 'u64'],
  }),
  oldstat: undefined as unknown as Layout,
  statx: STATX,
  timespec: L('__kernel_timespec', 16, { tv_sec: [0, 'i64'], tv_nsec: [8, 'i64'] }),
  timeval: L('__kernel_old_timeval', 16, { tv_sec: [0, 'i64'], tv_usec: [8, 'i64'] }),
  iovec: L('iovec', 16, { iov_base: [0, 'ptr'], iov_len: [8, 'ulong'] }),
  rlimit: L('rlimit', 16, { rlim_cur: [0, 'u64'], rlim_max: [8, 'u64'] }),
  rlimit64: L('rlimit64', 16, { rlim_cur: [0, 'u64'], rlim_max: [8, 'u64'] }),
  rusage: L('rusage', 144, {
    utime_sec: [0, 'long'], utime_usec: [8, 'long'], stime_sec: [16, 'long'], stime_usec: [24, 'long'],
    maxrss: [32, 'long'], ixrss: [40, 'long'], idrss: [48, 'long'], isrss: [56, 'long'], minflt: [64, 'long'],
    majflt: [72, 'long'], nswap: [80, 'long'], inblock: [88, 'long'], oublock: [96, 'long'], msgsnd: [104, 'long'],
    msgrcv: [112, 'long'], nsignals: [120, 'long'], nvcsw: [128, 'long'], nivcsw: [136, 'long'],
  }),
  utsname: UTSNAME,
  sysinfo: L('sysinfo', 112, {
    uptime: [0, 'long'], loads0: [8, 'ulong'], loads1: [16, 'ulong'], loads2: [24, 'ulong'], totalram: [32, 'ulong'],
    freeram: [40, 'ulong'], sharedram: [48, 'ulong'], bufferram: [56, 'ulong'], totalswap: [64, 'ulong'],
    freeswap: [72, 'ulong'], procs: [80, 'u16'], totalhigh: [88, 'ulong'], freehigh: [96, 'ulong'], mem_unit: [104, 'u32'],
  }),
  sigaction: L('sigaction', 32, { handler: [0, 'ptr'], flags: [8, 'ulong'], restorer: [16, 'ptr'], mask_lo: [24, 'u32'], mask_hi: [28, 'u32'] }),
  stack: L('stack_t', 24, { ss_sp: [0, 'ptr'], ss_flags: [8, 'i32'], ss_size: [16, 'ulong'] }),
  winsize: WINSIZE,
  termios: TERMIOS,
  tms: L('tms', 32, { tms_utime: [0, 'long'], tms_stime: [8, 'long'], tms_cutime: [16, 'long'], tms_cstime: [24, 'long'] }),
  robust_list_head: L('robust_list_head', 24, { list: [0, 'ptr'], futex_offset: [8, 'long'], list_op_pending: [16, 'ptr'] }),
  dirent64: L('linux_dirent64', 19, { d_ino: [0, 'u64'], d_off: [8, 'i64'], d_reclen: [16, 'u16'], d_type: [18, 'u8'] }),
  flock: FLOCK64_X86_64,
  flock64: FLOCK64_X86_64,
};
X86_64_LAYOUTS.oldstat = X86_64_LAYOUTS.stat;

export const I386_LAYOUTS: AbiLayouts = {
  stat: L('stat64', 96, {
    dev: [0, 'u64'], __st_ino: [12, 'u32'], mode: [16, 'u32'], nlink: [20, 'u32'], uid: [24, 'u32'], gid: [28, 'u32'],
    rdev: [32, 'u64'], size: [44, 'i64'], blksize: [52, 'u32'], blocks: [56, 'u64'],
    atime_sec: [64, 'u32'], atime_nsec: [68, 'u32'], mtime_sec: [72, 'u32'], mtime_nsec: [76, 'u32'],
    ctime_sec: [80, 'u32'], ctime_nsec: [84, 'u32'], ino: [88, 'u64'],
  }),
  oldstat: L('stat', 64, {
    dev: [0, 'u32'], ino: [4, 'u32'], mode: [8, 'u16'], nlink: [10, 'u16'], uid: [12, 'u16'], gid: [14, 'u16'],
    rdev: [16, 'u32'], size: [20, 'u32'], blksize: [24, 'u32'], blocks: [28, 'u32'],
    atime_sec: [32, 'u32'], atime_nsec: [36, 'u32'], mtime_sec: [40, 'u32'], mtime_nsec: [44, 'u32'],
    ctime_sec: [48, 'u32'], ctime_nsec: [52, 'u32'],
  }),
  statx: STATX,
  timespec: L('old_timespec32', 8, { tv_sec: [0, 'i32'], tv_nsec: [4, 'i32'] }),
  timeval: L('__kernel_old_timeval', 8, { tv_sec: [0, 'i32'], tv_usec: [4, 'i32'] }),
  iovec: L('iovec', 8, { iov_base: [0, 'ptr'], iov_len: [4, 'ulong'] }),
  rlimit: L('rlimit', 8, { rlim_cur: [0, 'u32'], rlim_max: [4, 'u32'] }),
  rlimit64: L('rlimit64', 16, { rlim_cur: [0, 'u64'], rlim_max: [8, 'u64'] }),
  rusage: L('rusage', 72, {
    utime_sec: [0, 'long'], utime_usec: [4, 'long'], stime_sec: [8, 'long'], stime_usec: [12, 'long'],
    maxrss: [16, 'long'], ixrss: [20, 'long'], idrss: [24, 'long'], isrss: [28, 'long'], minflt: [32, 'long'],
    majflt: [36, 'long'], nswap: [40, 'long'], inblock: [44, 'long'], oublock: [48, 'long'], msgsnd: [52, 'long'],
    msgrcv: [56, 'long'], nsignals: [60, 'long'], nvcsw: [64, 'long'], nivcsw: [68, 'long'],
  }),
  utsname: UTSNAME,
  sysinfo: L('sysinfo', 64, {
    uptime: [0, 'long'], loads0: [4, 'ulong'], loads1: [8, 'ulong'], loads2: [12, 'ulong'], totalram: [16, 'ulong'],
    freeram: [20, 'ulong'], sharedram: [24, 'ulong'], bufferram: [28, 'ulong'], totalswap: [32, 'ulong'],
    freeswap: [36, 'ulong'], procs: [40, 'u16'], totalhigh: [44, 'ulong'], freehigh: [48, 'ulong'], mem_unit: [52, 'u32'],
  }),
  sigaction: L('sigaction', 20, { handler: [0, 'ptr'], flags: [4, 'ulong'], restorer: [8, 'ptr'], mask_lo: [12, 'u32'], mask_hi: [16, 'u32'] }),
  stack: L('stack_t', 12, { ss_sp: [0, 'ptr'], ss_flags: [4, 'i32'], ss_size: [8, 'ulong'] }),
  winsize: WINSIZE,
  termios: TERMIOS,
  tms: L('tms', 16, { tms_utime: [0, 'long'], tms_stime: [4, 'long'], tms_cutime: [8, 'long'], tms_cstime: [12, 'long'] }),
  robust_list_head: L('robust_list_head', 12, { list: [0, 'ptr'], futex_offset: [4, 'long'], list_op_pending: [8, 'ptr'] }),
  dirent64: L('linux_dirent64', 19, { d_ino: [0, 'u64'], d_off: [8, 'i64'], d_reclen: [16, 'u16'], d_type: [18, 'u8'] }),
  flock: L('flock', 16, { l_type: [0, 'u16'], l_whence: [2, 'u16'], l_start: [4, 'long'], l_len: [8, 'long'], l_pid: [12, 'i32'] }),
  // i386 aligns long long to 4 inside structures: no padding after l_whence
  flock64: L('flock64', 24, { l_type: [0, 'u16'], l_whence: [2, 'u16'], l_start: [4, 'i64'], l_len: [12, 'i64'], l_pid: [20, 'i32'] }),
};

// The i386 *_time64 calls (403..423) take struct __kernel_timespec; get_timespec64 drops the upper
// half of tv_nsec for compat tasks, so the low word is all that is read (and written: zero above).
const I386_TIME64_LAYOUTS: AbiLayouts = {
  ...I386_LAYOUTS,
  timespec: L('__kernel_timespec', 16, { tv_sec: [0, 'i64'], tv_nsec: [8, 'u32'] }),
};

export function layoutsFor(abi: AbiName): AbiLayouts {
  return abi === 'x86_64' ? X86_64_LAYOUTS : abi === 'i386' ? I386_LAYOUTS : I386_TIME64_LAYOUTS;
}
