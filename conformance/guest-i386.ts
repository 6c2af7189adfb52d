// The i386 side of lxconform's lxrun-side decoder (guest.ts): strace's view of an i386 call's
// arguments rebuilt from EBX ECX EDX ESI EDI EBP (64-bit values whole, mmap2's offset in bytes, old
// mmap's and socketcall's arguments read from memory), and the i386 layouts of the structures
// (measured with gcc -m32 on this machine; see conformance/abi.ts for the kinds).

import { SOCKETCALL } from './abi.js';
import { Mem, dv, i32, i64, sigset, u32, u64 } from './guest-mem.js';
import { intClass } from './kinds.js';
import { intVal, ptrVal, type Value } from './values.js';

/** GPR numbers of the i386 argument registers: EBX ECX EDX ESI EDI EBP. */
export const I386_ARG_REGS = [3, 1, 2, 6, 7, 5];
const SA_RESTORER = 0x04000000;

/** A 64-bit value from the two 32-bit registers that carry it. */
const pair = (lo: bigint, hi: bigint): bigint => BigInt.asIntN(64, (hi << 32n) | lo);

type View = (r: bigint[], m: Mem) => { name?: string; vals: bigint[] } | null;
const v = (vals: bigint[]) => ({ vals });
const offAt3: View = (r) => v([r[0], r[1], r[2], pair(r[3], r[4]), r[5]]);

const VIEWS: Record<string, View> = {
  _llseek: (r) => v([r[0], pair(r[2], r[1]), r[3], r[4]]),
  pread64: offAt3, pwrite64: offAt3, preadv: offAt3, pwritev: offAt3, preadv2: offAt3, pwritev2: offAt3,
  truncate64: (r) => v([r[0], pair(r[1], r[2])]), ftruncate64: (r) => v([r[0], pair(r[1], r[2])]),
  readahead: (r) => v([r[0], pair(r[1], r[2]), r[3]]),
  fadvise64: (r) => v([r[0], pair(r[1], r[2]), r[3], r[4]]),
  fadvise64_64: (r) => v([r[0], pair(r[1], r[2]), pair(r[3], r[4]), r[5]]),
  fallocate: (r) => v([r[0], r[1], pair(r[2], r[3]), pair(r[4], r[5])]),
  sync_file_range: (r) => v([r[0], pair(r[1], r[2]), pair(r[3], r[4]), r[5]]),
  // mmap2's last argument counts 4096-byte pages; strace shows bytes
  mmap2: (r) => v([r[0], r[1], r[2], r[3], r[4], r[5] * 4096n]),
  // old mmap: one pointer to struct mmap_arg_struct { addr, len, prot, flags, fd, offset }
  mmap: (r, m) => {
    const b = m.bytes(r[0], 24);
    return b ? v([0, 4, 8, 12, 16, 20].map((o) => u32(dv(b), o))) : null;
  },
  socketcall: (r, m) => {
    const sub = SOCKETCALL[Number(r[0])];
    if (!sub || !sub[0]) return null;
    const b = m.bytes(r[1], 4 * sub[1]);
    if (!b) return null;
    return { name: sub[0], vals: Array.from({ length: sub[1] }, (_, i) => u32(dv(b), 4 * i)) };
  },
};

/** strace's view of an i386 call: its name (socketcall's subcall) and one value per argument. */
export function i386View(name: string, regs: bigint[], mem: Mem, kindsFor: (name: string) => string[]): { name: string; vals: bigint[] } {
  const view = VIEWS[name]?.(regs, mem);
  if (view) return { name: view.name ?? name, vals: view.vals };
  // one register per argument: a C long is 32 bits here
  const kinds = kindsFor(name);
  return { name, vals: regs.map((x, i) => (intClass(kinds[i] ?? 'x') === 'l64' ? BigInt.asIntN(32, x) : x)) };
}

function sact(m: Uint8Array): Value {
  const d = dv(m);
  const flags = d.getUint32(4, true);
  const o: Record<string, Value> = { sa_handler: ptrVal(u32(d, 0)), sa_mask: sigset(m.subarray(12, 20)), sa_flags: flags };
  if (flags & SA_RESTORER) o.sa_restorer = ptrVal(u32(d, 8));
  return o;
}

function oldSact(m: Uint8Array): Value {
  const d = dv(m);
  const flags = d.getUint32(8, true);
  const o: Record<string, Value> = { sa_handler: ptrVal(u32(d, 0)), sa_mask: sigset(m.subarray(4, 8)), sa_flags: flags };
  if (flags & SA_RESTORER) o.sa_restorer = ptrVal(u32(d, 12));
  return o;
}

/** struct stat64: the same fields, under the same names, as x86-64's struct stat. */
function stat64(b: Uint8Array): Value {
  const d = dv(b);
  const mode = d.getUint32(16, true);
  const fmt = mode & 0o170000;
  const o: Record<string, Value> = {
    st_dev: intVal(u64(d, 0)), st_ino: intVal(u64(d, 88)), st_mode: mode, st_nlink: intVal(u32(d, 20)),
    st_uid: intVal(u32(d, 24)), st_gid: intVal(u32(d, 28)), st_blksize: intVal(u32(d, 52)), st_blocks: intVal(u64(d, 56)),
  };
  if (fmt === 0o020000 || fmt === 0o060000) o.st_rdev = intVal(u64(d, 32));
  else o.st_size = intVal(i64(d, 44));
  o.st_atime = intVal(i32(d, 64)); o.st_atime_nsec = intVal(u32(d, 68));
  o.st_mtime = intVal(i32(d, 72)); o.st_mtime_nsec = intVal(u32(d, 76));
  o.st_ctime = intVal(i32(d, 80)); o.st_ctime_nsec = intVal(u32(d, 84));
  return o;
}

/** struct statfs64 (wide counters) or struct statfs (32-bit counters): strace's field names. */
function statfs(wide: boolean) {
  return (b: Uint8Array): Value => {
    const d = dv(b);
    const n = (o: number) => intVal(wide ? u64(d, o) : u32(d, o));
    const at = wide ? [8, 16, 24, 32, 40, 48, 56] : [8, 12, 16, 20, 24, 28, 36];
    return {
      f_type: d.getUint32(0, true), f_bsize: d.getUint32(4, true), f_blocks: n(at[0]), f_bfree: n(at[1]), f_bavail: n(at[2]),
      f_files: n(at[3]), f_ffree: n(at[4]), f_fsid: { val: [intVal(u32(d, at[5])), intVal(u32(d, at[5] + 4))] },
      f_namelen: d.getUint32(at[6], true), f_frsize: d.getUint32(at[6] + 4, true), f_flags: d.getUint32(at[6] + 8, true),
    };
  };
}

/** struct user_desc (asm/ldt.h): the flag bits as strace names them. */
export function userDesc(b: Uint8Array): Record<string, Value> {
  const d = dv(b);
  const f = d.getUint32(12, true);
  return {
    entry_number: d.getInt32(0, true), base_addr: ptrVal(u32(d, 4)), limit: d.getUint32(8, true),
    seg_32bit: f & 1, contents: (f >> 1) & 3, read_exec_only: (f >> 3) & 1, limit_in_pages: (f >> 4) & 1,
    seg_not_present: (f >> 5) & 1, useable: (f >> 6) & 1,
  };
}

type Struct = [len: number, out: boolean, f: (m: Uint8Array) => Value];

/** Structures whose i386 layout differs from x86-64's, and those only i386 has, by kind. */
export const I386_STRUCTS: Record<string, Struct> = {
  sact_in: [20, false, sact], sact_out: [20, true, sact],
  osact_in: [16, false, oldSact], osact_out: [16, true, oldSact],
  osigset_in: [4, false, sigset], osigset_out: [4, true, sigset],
  stat64: [96, true, stat64], statfs64: [84, true, statfs(true)], statfs32: [64, true, statfs(false)],
  user_desc: [16, false, userDesc],
  loff_out: [8, true, (m) => [intVal(i64(dv(m), 0))]],
  ts_in: [8, false, (m) => ({ tv_sec: intVal(i32(dv(m), 0)), tv_nsec: intVal(i32(dv(m), 4)) })],
  ts_out: [8, true, (m) => ({ tv_sec: intVal(i32(dv(m), 0)), tv_nsec: intVal(i32(dv(m), 4)) })],
  ts64_in: [16, false, (m) => ({ tv_sec: intVal(i64(dv(m), 0)), tv_nsec: intVal(i64(dv(m), 8)) })],
  ts64_out: [16, true, (m) => ({ tv_sec: intVal(i64(dv(m), 0)), tv_nsec: intVal(i64(dv(m), 8)) })],
  tv_out: [8, true, (m) => ({ tv_sec: intVal(i32(dv(m), 0)), tv_usec: intVal(i32(dv(m), 4)) })],
  rlim_in: [8, false, (m) => ({ rlim_cur: intVal(u32(dv(m), 0)), rlim_max: intVal(u32(dv(m), 4)) })],
  rlim_out: [8, true, (m) => ({ rlim_cur: intVal(u32(dv(m), 0)), rlim_max: intVal(u32(dv(m), 4)) })],
  rlim64_in: [16, false, (m) => ({ rlim_cur: intVal(u64(dv(m), 0)), rlim_max: intVal(u64(dv(m), 8)) })],
  rlim64_out: [16, true, (m) => ({ rlim_cur: intVal(u64(dv(m), 0)), rlim_max: intVal(u64(dv(m), 8)) })],
  sysinfo: [64, true, (m) => {
    const d = dv(m);
    return {
      uptime: intVal(i32(d, 0)), loads: [intVal(u32(d, 4)), intVal(u32(d, 8)), intVal(u32(d, 12))],
      totalram: intVal(u32(d, 16)), freeram: intVal(u32(d, 20)), sharedram: intVal(u32(d, 24)), bufferram: intVal(u32(d, 28)),
      totalswap: intVal(u32(d, 32)), freeswap: intVal(u32(d, 36)), procs: d.getUint16(40, true),
      totalhigh: intVal(u32(d, 44)), freehigh: intVal(u32(d, 48)), mem_unit: d.getUint32(52, true),
    };
  }],
  tms: [16, true, (m) => {
    const d = dv(m);
    return { tms_utime: intVal(i32(d, 0)), tms_stime: intVal(i32(d, 4)), tms_cutime: intVal(i32(d, 8)), tms_cstime: intVal(i32(d, 12)) };
  }],
  ss_in: [12, false, (m) => ({ ss_sp: ptrVal(u32(dv(m), 0)), ss_flags: Number(i32(dv(m), 4)), ss_size: intVal(u32(dv(m), 8)) })],
  ss_out: [12, true, (m) => ({ ss_sp: ptrVal(u32(dv(m), 0)), ss_flags: Number(i32(dv(m), 4)), ss_size: intVal(u32(dv(m), 8)) })],
};

/** Bytes of one struct iovec. */
export const I386_IOVEC = 8;

