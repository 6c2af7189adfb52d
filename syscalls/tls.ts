// set_thread_area, get_thread_area, modify_ldt: the GDT TLS slots and the LDT behind i386 %gs
// (arch/x86/kernel/tls.c and ldt.c of an x86-64 kernel). The descriptor model and the segment
// loads are in cpu/segments.ts. On x86-64 Linux, 205/211 have no 64-bit entry point (ENOSYS,
// measured); a 64-bit process reaches these two only through int 0x80 (the i386 table).

import type { Cpu } from '../cpu/cpu.js';
import type { AddressSpace } from '../cpu/memory.js';
import { Errno, EFAULT, EINVAL, ENOSYS, ESRCH } from '../kernel/errno.js';
import type { Task } from '../kernel/process.js';
import {
  GDT_ENTRY_TLS_MIN, GDT_ENTRY_TLS_MAX, LDT_ENTRIES, LDT_ENTRY_SIZE, SEG_DS, SEG_ES, SEG_FS, SEG_GS, USER_DESC_SIZE,
  UserDesc, copyLdt, fillLdt, fillUserDesc, freeTlsIdx, ldtEmpty, ldtOf, loadSegment, packUserDesc, parseUserDesc,
  refreshTls, setLdt, setTlsDesc, tlsDescOkay,
} from '../cpu/segments.js';
import type { Handler } from './types.js';
import { CpuSignal } from '../cpu/fault.js';

function readDesc(mem: AddressSpace, addr: number): UserDesc {
  try { return parseUserDesc(mem.readBytes(addr, USER_DESC_SIZE).slice()); } catch { throw new Errno(EFAULT); }
}

/** do_set_thread_area(p, -1, u_info, can_allocate); `current` says whether p is the caller. */
export function doSetThreadArea(cpu: Cpu, mem: AddressSpace, uinfo: number, canAllocate: boolean, current: boolean): number {
  const u = readDesc(mem, uinfo);
  if (!tlsDescOkay(u)) throw new Errno(EINVAL);
  let idx = u.entryNumber | 0;
  if (idx === -1 && canAllocate) {
    idx = freeTlsIdx(cpu);
    if (idx < 0) throw new Errno(ESRCH);
    try { mem.write32(uinfo, idx); } catch { throw new Errno(EFAULT); }
  }
  if (idx < GDT_ENTRY_TLS_MIN || idx > GDT_ENTRY_TLS_MAX) throw new Errno(EINVAL);
  setTlsDesc(cpu, idx, u);
  if (current) refreshTls(cpu, idx);
  else {
    // another task (a clone child): its saved FS/GS base follows the descriptor it names
    const modified = (idx << 3) | 3;
    if (cpu.sel[SEG_FS] === modified) cpu.fsBase = u.baseAddr;
    if (cpu.sel[SEG_GS] === modified) cpu.gsBase = u.baseAddr;
  }
  return 0;
}

/** CLONE_SETTLS from an i386 clone: set_new_tls → do_set_thread_area(child, -1, tls, 0). Throws
 *  Errno (the clone fails) like copy_thread. */
export function setNewTls32(child: Cpu, mem: AddressSpace, uinfo: number): void {
  doSetThreadArea(child, mem, uinfo, false, false);
}

function setThreadArea(t: Task, a: number[]): number {
  return doSetThreadArea(t.cpu, t.mem, a[0], true, true);
}

function getThreadArea(t: Task, a: number[]): number {
  let idx: number;
  try { idx = t.mem.read32(a[0]); } catch { throw new Errno(EFAULT); }
  if (idx < GDT_ENTRY_TLS_MIN || idx > GDT_ENTRY_TLS_MAX) throw new Errno(EINVAL);
  const k = 2 * (idx - GDT_ENTRY_TLS_MIN);
  const u = fillUserDesc(idx, t.cpu.tls[k], t.cpu.tls[k + 1]);
  try { t.mem.writeBytes(a[0], packUserDesc(u)); } catch { throw new Errno(EFAULT); }
  return 0;
}

// ---- modify_ldt ------------------------------------------------------------------------------------------

function readLdt(t: Task, ptr: number, bytecount: number): number {
  const ldt = ldtOf(t.mem);
  if (!ldt) return 0;
  bytecount = Math.min(bytecount, LDT_ENTRY_SIZE * LDT_ENTRIES);
  const out = new Uint8Array(bytecount);
  const have = new Uint8Array(ldt.buffer, ldt.byteOffset, ldt.byteLength);
  out.set(have.subarray(0, Math.min(have.length, bytecount)));
  try { t.mem.writeBytes(ptr, out); } catch { throw new Errno(EFAULT); }
  return bytecount;
}

/** read_default_ldt: an x86-64 kernel clears up to 128 bytes and reports them read. */
function readDefaultLdt(t: Task, ptr: number, bytecount: number): number {
  bytecount = Math.min(bytecount, 128);
  try { t.mem.writeBytes(ptr, new Uint8Array(bytecount)); } catch { throw new Errno(EFAULT); }
  return bytecount;
}

function writeLdt(t: Task, ptr: number, bytecount: number, oldmode: boolean): number {
  if (bytecount !== USER_DESC_SIZE) throw new Errno(EINVAL);
  const u = readDesc(t.mem, ptr);
  if (u.entryNumber >= LDT_ENTRIES) throw new Errno(EINVAL);
  if (u.contents === 3 && (oldmode || u.segNotPresent === 0)) throw new Errno(EINVAL);
  let lo = 0, hi = 0;
  if (!((oldmode && !u.baseAddr && !u.limit) || ldtEmpty(u))) {
    // 16-bit segments are allowed: CONFIG_X86_16BIT=y, as Debian's kernels and this host are built
    [lo, hi] = fillLdt(u);
    if (oldmode) hi &= ~(1 << 20);                       // the old interface has no AVL bit
  }
  const old = ldtOf(t.mem);
  const n = Math.max(u.entryNumber + 1, old ? old.length / 2 : 0);
  const ldt = new Int32Array(2 * n);
  if (old) ldt.set(old);
  ldt[2 * u.entryNumber] = lo;
  ldt[2 * u.entryNumber + 1] = hi;
  setLdt(t.mem, ldt);
  // refresh_ldt_segments: DS and ES that name the LDT are loaded again on every CPU of the mm
  for (const task of t.proc.tasks) {
    const c = task.cpu;
    for (const s of [SEG_DS, SEG_ES]) {
      if (!(c.sel[s] & 4)) continue;
      try { loadSegment(c, s, c.sel[s]); } catch (e) { if (!(e instanceof CpuSignal)) throw e; loadSegment(c, s, 0); }
    }
  }
  return 0;
}

/** modify_ldt's result is cast to unsigned int: a 64-bit caller sees -EINVAL as 0xffffffea. */
function modifyLdt(t: Task, a: number[]): number {
  const [func, ptr, bytecount] = a;
  let r: number;
  try {
    switch (func) {
      case 0: r = readLdt(t, ptr, bytecount); break;
      case 1: r = writeLdt(t, ptr, bytecount, true); break;
      case 2: r = readDefaultLdt(t, ptr, bytecount); break;
      case 0x11: r = writeLdt(t, ptr, bytecount, false); break;
      default: r = -ENOSYS;
    }
  } catch (e) {
    if (!(e instanceof Errno)) throw e;
    r = -e.errno;
  }
  return r >>> 0;
}

/** fork (dup_mm): the child's address space gets a copy of the parent's LDT. */
export function forkLdt(parent: AddressSpace, child: AddressSpace): void { copyLdt(parent, child); }

export const tlsCalls: Record<string, Handler> = {
  set_thread_area: setThreadArea,
  get_thread_area: getThreadArea,
  modify_ldt: modifyLdt,
};
