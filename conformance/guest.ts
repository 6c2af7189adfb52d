// The lxrun side of a trace: a kernel trace hook (kernel/trace.ts) that turns every system call
// into a record of the trace format, decoding arguments from the registers and guest memory the
// way `strace -X raw -v -s 65536` shows them (same shapes as conformance/kinds.ts makes from text).
//
// The hook's event carries pid, tid and the unpacked arguments; it has no accessor for guest
// memory or for the raw 64-bit registers, so this recorder reaches them through the kernel's
// process table (kernel.procs → Process.mem, Task.cpu). See the gaps listed in FORMAT.md.

import type { Kernel } from '../kernel/kernel.js';
import type { Task } from '../kernel/process.js';
import type { SyscallEvent, TraceHook } from '../kernel/trace.js';
import { errnoName } from '../kernel/errno.js';
import type { AddressSpace } from '../cpu/memory.js';
import type { Abi } from './abi.js';
import type { Arg, CallRecord } from './format.js';
import { I386_ARG_REGS, I386_IOVEC, I386_STRUCTS, i386View, userDesc } from './guest-i386.js';
import { Mem, dv, i32, i64, sigset, u32, u64 } from './guest-mem.js';
import { NAMED_ARGS, baseKind, canonInt, intClass, kindParam, kindsOf, returnsAddress } from './kinds.js';
import { MAX_DATA, bufVal, intVal, isObj, ptrVal, strVal, type Value } from './values.js';

/** x86-64 argument registers: RDI RSI RDX R10 R8 R9. */
const ARG_REGS: Record<Abi, number[]> = { x86_64: [7, 6, 2, 10, 8, 9], i386: I386_ARG_REGS };
const SA_RESTORER = 0x04000000;

function statVal(b: Uint8Array): Value {
  const d = dv(b);
  const mode = Number(u32(d, 24));
  const fmt = mode & 0o170000;
  const o: Record<string, Value> = {
    st_dev: intVal(u64(d, 0)), st_ino: intVal(u64(d, 8)), st_mode: mode, st_nlink: intVal(u64(d, 16)),
    st_uid: intVal(u32(d, 28)), st_gid: intVal(u32(d, 32)), st_blksize: intVal(i64(d, 56)), st_blocks: intVal(i64(d, 64)),
  };
  if (fmt === 0o020000 || fmt === 0o060000) o.st_rdev = intVal(u64(d, 40));
  else o.st_size = intVal(i64(d, 48));
  o.st_atime = intVal(i64(d, 72)); o.st_atime_nsec = intVal(u64(d, 80));
  o.st_mtime = intVal(i64(d, 88)); o.st_mtime_nsec = intVal(u64(d, 96));
  o.st_ctime = intVal(i64(d, 104)); o.st_ctime_nsec = intVal(u64(d, 112));
  return o;
}

function statxVal(b: Uint8Array): Value {
  const d = dv(b);
  const ts = (o: number): Value => ({ tv_sec: intVal(i64(d, o)), tv_nsec: intVal(u32(d, o + 8)) });
  const mask = d.getUint32(0, true);
  const o: Record<string, Value> = {
    stx_mask: mask, stx_blksize: intVal(u32(d, 4)), stx_attributes: intVal(u64(d, 8)), stx_nlink: intVal(u32(d, 16)),
    stx_uid: intVal(u32(d, 20)), stx_gid: intVal(u32(d, 24)), stx_mode: d.getUint16(28, true), stx_ino: intVal(u64(d, 32)),
    stx_size: intVal(u64(d, 40)), stx_blocks: intVal(u64(d, 48)), stx_attributes_mask: intVal(u64(d, 56)),
    stx_atime: ts(64),
  };
  if (mask & 0x800) o.stx_btime = ts(80);
  o.stx_ctime = ts(96); o.stx_mtime = ts(112);
  o.stx_rdev_major = intVal(u32(d, 128)); o.stx_rdev_minor = intVal(u32(d, 132));
  o.stx_dev_major = intVal(u32(d, 136)); o.stx_dev_minor = intVal(u32(d, 140));
  if (mask & 0x1000) o.stx_mnt_id = intVal(u64(d, 144));
  return o;
}

function dirents64(b: Uint8Array): Value {
  const out: Value[] = [];
  const d = dv(b);
  for (let off = 0; off + 19 <= b.length;) {
    const reclen = d.getUint16(off + 16, true);
    if (!reclen) break;
    const nameBytes = b.subarray(off + 19, off + reclen);
    const z = nameBytes.indexOf(0);
    out.push({
      d_ino: intVal(u64(d, off)), d_off: intVal(i64(d, off + 8)), d_reclen: reclen, d_type: b[off + 18],
      d_name: strVal(z >= 0 ? nameBytes.subarray(0, z) : nameBytes),
    });
    off += reclen;
  }
  return out;
}

interface Ctx { mem: Mem; args: bigint[]; result: number | undefined; name: string; abi: Abi }

function failed(c: Ctx): boolean { return c.result === undefined || c.result < 0; }

function buf(c: Ctx, addr: bigint, len: number): Value {
  const n = Math.min(len, MAX_DATA);
  const b = c.mem.bytes(addr, n);
  if (!b) return ptrVal(addr);
  return bufVal(b, len > MAX_DATA);
}

function iovec(c: Ctx, addr: bigint, cnt: number, total: number | null): Value {
  const sz = c.abi === 'i386' ? I386_IOVEC : 16;
  const raw = cnt > 0 && cnt <= 1024 ? c.mem.bytes(addr, sz * cnt) : null;
  if (!raw) return ptrVal(addr);
  const d = dv(raw);
  const out: Value[] = [];
  let left = total ?? Infinity;
  for (let i = 0; i < cnt; i++) {
    const base = sz === 16 ? u64(d, i * 16) : u32(d, i * 8), len = Number(sz === 16 ? u64(d, i * 16 + 8) : u32(d, i * 8 + 4));
    const n = Math.min(len, left);
    left -= n;
    out.push({ iov_base: buf(c, base, n), iov_len: intVal(len) });
  }
  return out;
}

/** One argument as the trace format shows it. */
function guestArg(c: Ctx, kind: string, raw: bigint): Value {
  const cls = intClass(kind);
  if (cls) return canonInt(cls, raw);
  const b = baseKind(kind);
  const param = kindParam(kind);
  const argN = param && param !== 'ret' ? Number(BigInt.asUintN(64, c.args[Number(param)] ?? 0n)) : 0;
  const addr = BigInt.asUintN(64, raw);
  if (addr === 0n) return null;
  const struct = (len: number, f: (b: Uint8Array) => Value, out: boolean): Value => {
    if (out && failed(c)) return ptrVal(addr);
    const m = c.mem.bytes(addr, len);
    return m ? f(m) : ptrVal(addr);
  };
  const s386 = c.abi === 'i386' ? I386_STRUCTS[b] : undefined;
  if (s386) return struct(s386[0], s386[2], s386[1]);
  switch (b) {
    case 'path': case 'str': {
      const s = c.mem.cstr(addr, b === 'path' ? 4096 : MAX_DATA);
      return s ? strVal(s.b, s.more) : ptrVal(addr);
    }
    case 'ibuf': return buf(c, addr, argN);
    case 'obuf': case 'ohex':
      if (failed(c)) return ptrVal(addr);
      return buf(c, addr, param === 'ret' ? c.result! : argN);
    case 'ostr': {
      if (failed(c)) return ptrVal(addr);
      if (param === 'name') { const s = c.mem.cstr(addr, 16); return s ? strVal(s.b) : ptrVal(addr); }
      const m = c.mem.bytes(addr, Math.min(c.result!, MAX_DATA));
      return m ? strVal(m) : ptrVal(addr);
    }
    case 'opath': {
      if (failed(c)) return ptrVal(addr);
      const s = c.mem.cstr(addr, Math.min(c.result!, 4096));
      return s ? strVal(s.b) : ptrVal(addr);
    }
    case 'iov_in': return iovec(c, addr, argN, null);
    case 'iov_out': return failed(c) ? ptrVal(addr) : iovec(c, addr, argN, c.result!);
    case 'sigset_in': return struct(8, sigset, false);
    case 'sigset_out': return struct(8, sigset, true);
    case 'sact_in': case 'sact_out':
      return struct(32, (m) => {
        const d = dv(m);
        const flags = u64(d, 8);
        const o: Record<string, Value> = { sa_handler: ptrVal(u64(d, 0)), sa_mask: sigset(m.subarray(24, 32)), sa_flags: intVal(flags) };
        if (flags & BigInt(SA_RESTORER)) o.sa_restorer = ptrVal(u64(d, 16));
        return o;
      }, b === 'sact_out');
    case 'stat': return struct(144, statVal, true);
    case 'statx': return struct(256, statxVal, true);
    case 'ts_in': case 'ts_out':
      return struct(16, (m) => ({ tv_sec: intVal(i64(dv(m), 0)), tv_nsec: intVal(i64(dv(m), 8)) }), b === 'ts_out');
    case 'tv_out':
      return struct(16, (m) => ({ tv_sec: intVal(i64(dv(m), 0)), tv_usec: intVal(i64(dv(m), 8)) }), true);
    case 'rlim_in': case 'rlim_out':
      return struct(16, (m) => ({ rlim_cur: intVal(u64(dv(m), 0)), rlim_max: intVal(u64(dv(m), 8)) }), b === 'rlim_out');
    case 'uts':
      return struct(390, (m) => {
        const f = (o: number) => { const s = m.subarray(o, o + 65); const z = s.indexOf(0); return strVal(s.subarray(0, z < 0 ? 65 : z)); };
        return { sysname: f(0), nodename: f(65), release: f(130), version: f(195), machine: f(260), domainname: f(325) };
      }, true);
    case 'sysinfo':
      return struct(112, (m) => {
        const d = dv(m);
        return {
          uptime: intVal(i64(d, 0)), loads: [intVal(u64(d, 8)), intVal(u64(d, 16)), intVal(u64(d, 24))],
          totalram: intVal(u64(d, 32)), freeram: intVal(u64(d, 40)), sharedram: intVal(u64(d, 48)),
          bufferram: intVal(u64(d, 56)), totalswap: intVal(u64(d, 64)), freeswap: intVal(u64(d, 72)),
          procs: d.getUint16(80, true), totalhigh: intVal(u64(d, 88)), freehigh: intVal(u64(d, 96)), mem_unit: d.getUint32(104, true),
        };
      }, true);
    case 'tms':
      return struct(32, (m) => {
        const d = dv(m);
        return { tms_utime: intVal(i64(d, 0)), tms_stime: intVal(i64(d, 8)), tms_cutime: intVal(i64(d, 16)), tms_cstime: intVal(i64(d, 24)) };
      }, true);
    case 'dirents':
      if (failed(c)) return ptrVal(addr);
      if (c.name !== 'getdents64') return ptrVal(addr);
      return struct(c.result!, dirents64, true);
    case 'fds2': return struct(8, (m) => [Number(i32(dv(m), 0)), Number(i32(dv(m), 4))], true);
    case 'ss_in': case 'ss_out':
      return struct(24, (m) => {
        const d = dv(m);
        return { ss_sp: ptrVal(u64(d, 0)), ss_flags: Number(i32(d, 8)), ss_size: intVal(u64(d, 16)) };
      }, b === 'ss_out');
    case 'cpuset':
      return struct(Math.max(0, c.result ?? 0), (m) => {
        const cpus: Value[] = [];
        m.forEach((byte, i) => { for (let k = 0; k < 8; k++) if (byte & (1 << k)) cpus.push(i * 8 + k); });
        return cpus;
      }, true);
    default:
      return ptrVal(addr);
  }
}

const CLONE_PIDFD = 0x1000n, CLONE_SETTLS = 0x80000n, CLONE_PARENT_SETTID = 0x100000n;
const CLONE_CHILD_CLEARTID = 0x200000n, CLONE_CHILD_SETTID = 0x1000000n;

/** clone's arguments as strace shows them (kinds.ts NAMED_ARGS): child_stack and flags, then
 *  parent_tid (the value written there), tls and child_tidptr when the flags use them. The registers
 *  hold flags, newsp, parent_tid, child_tid, tls on x86-64 and flags, newsp, parent_tid, tls,
 *  child_tid on i386 (CONFIG_CLONE_BACKWARDS). */
export function cloneArgs(abi: Abi, raw: bigint[], mem: Mem): Arg[] {
  const c = { abi, mem };
  const [flags, sp, ptid] = raw;
  const [tls, ctid] = abi === 'i386' ? [raw[3], raw[4]] : [raw[4], raw[3]];
  const named = (k: string, v: Value): Arg => ({ k: 'named', v: { [k]: v } });
  const out = [named('child_stack', ptrVal(sp)), named('flags', intVal(flags))];
  if (flags & (CLONE_PARENT_SETTID | CLONE_PIDFD)) {
    const b = ptid ? c.mem.bytes(ptid, 4) : null;
    out.push(named('parent_tid', b ? [Number(i32(dv(b), 0))] : ptrVal(ptid)));
  }
  if (flags & CLONE_SETTLS) {
    // a 32-bit task's tls is a struct user_desc (strace's print_tls_arg), a 64-bit task's an address
    const b = c.abi === 'i386' && tls ? c.mem.bytes(tls, 16) : null;
    out.push(named('tls', b ? userDesc(b) : ptrVal(tls)));
  }
  if (flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) out.push(named('child_tidptr', ptrVal(ctid)));
  return out;
}

/** Raw argument registers of a task (64-bit; the low 32 bits for i386). */
function regArgs(t: Task, abi: Abi): bigint[] {
  const r = t.cpu.r;
  const out: bigint[] = [];
  for (const reg of ARG_REGS[abi]) {
    const lo = BigInt(r[2 * reg] >>> 0);
    out.push(abi === 'i386' ? lo : (BigInt(r[2 * reg + 1] >>> 0) << 32n) | lo);
  }
  return out;
}

/** Structures a call reads and then overwrites: decoded at entry, as strace shows them. */
const IN_OUT: Record<string, (m: Mem, a: bigint) => Record<string, Value> | null> = {
  set_thread_area: (m, a) => { const b = m.bytes(a, 16); return b ? userDesc(b) : null; },
};

/** Collects trace-format records for every system call a kernel serves. */
interface Entry { abi: Abi; name: string; vals: bigint[]; pre?: Record<string, Value> | null }

export class GuestRecorder implements TraceHook {
  readonly records: CallRecord[] = [];
  private entries = new WeakMap<SyscallEvent, Entry>();
  private seq = 0;

  constructor(readonly kernel: Kernel) {}

  private task(ev: SyscallEvent): Task | undefined {
    const p = this.kernel.procs.get(ev.pid);
    return p?.tasks.find((t) => t.tid === ev.tid);
  }

  enter(ev: SyscallEvent): void {
    const t = this.task(ev);
    if (!t) return;
    const abi: Abi = ev.abi === 'i386' ? 'i386' : 'x86_64';
    const regs = regArgs(t, abi);
    const mem = new Mem(t.mem);
    const e: Entry = abi === 'i386' ? { abi, ...i386View(ev.name, regs, mem, (n) => kindsOf(n, 'i386')) } : { abi, name: ev.name, vals: regs };
    const pre = IN_OUT[e.name];
    if (pre) e.pre = pre(mem, e.vals[0]);
    this.entries.set(ev, e);
  }

  exit(ev: SyscallEvent): void {
    const t = this.task(ev);
    const abi: Abi = ev.abi === 'i386' ? 'i386' : 'x86_64';
    const e = this.entries.get(ev);
    const name = e?.name ?? ev.name;
    const kinds = ev.support === 'unimplemented' && !kindsOf(name, abi).length ? [] : kindsOf(name, abi);
    const n = name.startsWith('syscall_0x') ? 6 : kinds.length;
    const raw = e?.vals ?? ev.args.map((a) => BigInt(Math.trunc(a)));
    const args: Arg[] = [];
    const mem = new Mem(t ? t.mem : (null as unknown as AddressSpace));
    const c: Ctx = { mem, args: raw, result: ev.result, name, abi };
    if (NAMED_ARGS.has(name) && t) args.push(...cloneArgs(abi, raw.map((x) => BigInt.asUintN(abi === 'i386' ? 32 : 64, x)), mem));
    else for (let i = 0; i < n && i < 6; i++) {
      let kind = kinds[i] ?? 'x';
      // prctl(PR_SET_NAME / PR_GET_NAME, name): strace shows the name
      if (name === 'prctl' && i === 1 && (raw[0] === 15n || raw[0] === 16n)) kind = raw[0] === 15n ? 'str' : 'ostr:name';
      let v: Value;
      try { v = t ? guestArg(c, kind, raw[i] ?? 0n) : intVal(raw[i] ?? 0n); } catch (err) { v = { $raw: `decode error: ${(err as Error).message}` }; }
      if (i === 0 && e?.pre) v = this.inOut(e.pre, name, c, raw[0]);
      args.push({ k: kind, v });
    }
    const rec: CallRecord = { type: 'call', seq: this.seq++, tid: ev.tid, abi: ev.abi, name, nr: ev.nr, args, support: ev.support };
    const r = ev.result;
    if (r !== undefined) {
      if (r < 0 && r >= -4095) rec.err = errnoName(-r);
      else if (abi === 'i386') rec.ret = returnsAddress(name) ? ptrVal(BigInt.asUintN(32, BigInt(r))) : intVal(BigInt.asIntN(32, BigInt(r)));
      else rec.ret = returnsAddress(name) ? ptrVal(BigInt(r)) : intVal(BigInt(r));
    }
    this.records.push(rec);
  }

  /** An in-out structure: as it was at entry, plus what strace notes after the result. */
  private inOut(pre: Record<string, Value>, name: string, c: Ctx, addr: bigint): Value {
    const v = { ...pre };
    // set_thread_area({entry_number=-1, ...}) = 0 (entry_number=12): the slot the kernel chose
    if (name === 'set_thread_area' && v.entry_number === -1 && !failed(c)) {
      const b = c.mem.bytes(addr, 4);
      if (b) v.entry_number_out = dv(b).getInt32(0, true);
    }
    return isObj(v) ? v : pre;
  }
}
