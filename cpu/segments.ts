// The segment descriptors a Linux user task can name (arch/x86/include/asm/segment.h, desc.h,
// kernel/tls.c, kernel/ldt.c on an x86-64 kernel), and what a user-mode segment load does with
// them. Descriptors are kept as Linux keeps them: struct desc_struct, two 32-bit words (lo, hi),
// so get_thread_area/modify_ldt(read) can hand back exactly what the kernel would.
//
//   GDT  0 null  1..3 kernel (DPL 0)  4 __USER32_CS 0x23  5 __USER_DS 0x2b  6 __USER_CS 0x33
//        7 unused  8..9 TSS  10..11 LDT (system descriptors)  12..14 TLS (per thread: 0x63 0x6b 0x73)
//        15 CPUNODE 0x7b (read-only expand-down data, DPL 3: vgetcpu's LSL target); 16 entries.
//   LDT  per address space (mm->context.ldt), up to 8192 entries, written by modify_ldt.
//
// Limits are not checked on use: the fixed user segments and the TLS segments libcs build
// (limit 0xfffff in pages) cover the whole address space; a program that relies on a small limit
// (an LDT segment of a few bytes) gets no #GP from us. In 32-bit mode the DS/ES/SS bases and null
// selectors apply to ModRM operands (Cpu.ea), not to string instructions or the stack.

import type { Cpu } from './cpu.js';
import { CpuSignal, SIGSEGV, SIGBUS, SI_KERNEL } from './fault.js';

export const GDT_ENTRIES = 16;
export const GDT_ENTRY_TLS_MIN = 12, GDT_ENTRY_TLS_ENTRIES = 3, GDT_ENTRY_TLS_MAX = 14;
export const LDT_ENTRIES = 8192, LDT_ENTRY_SIZE = 8;
export const USER32_CS = 0x23, USER_DS = 0x2b, USER_CS = 0x33;
export const SEG_ES = 0, SEG_CS = 1, SEG_SS = 2, SEG_DS = 3, SEG_FS = 4, SEG_GS = 5;

/** struct user_desc (asm/ldt.h): 16 bytes; the flag bits are one 32-bit word at offset 12. */
export interface UserDesc {
  entryNumber: number;
  baseAddr: number;
  limit: number;
  seg32bit: number;
  contents: number;
  readExecOnly: number;
  limitInPages: number;
  segNotPresent: number;
  useable: number;
  lm: number;
}
export const USER_DESC_SIZE = 16;

export function parseUserDesc(b: Uint8Array): UserDesc {
  const dv = new DataView(b.buffer, b.byteOffset, 16);
  const f = dv.getUint32(12, true);
  return {
    entryNumber: dv.getUint32(0, true), baseAddr: dv.getUint32(4, true), limit: dv.getUint32(8, true),
    seg32bit: f & 1, contents: (f >> 1) & 3, readExecOnly: (f >> 3) & 1, limitInPages: (f >> 4) & 1,
    segNotPresent: (f >> 5) & 1, useable: (f >> 6) & 1, lm: (f >> 7) & 1,
  };
}

export function packUserDesc(u: UserDesc): Uint8Array {
  const b = new Uint8Array(16), dv = new DataView(b.buffer);
  dv.setUint32(0, u.entryNumber >>> 0, true);
  dv.setUint32(4, u.baseAddr >>> 0, true);
  dv.setUint32(8, u.limit >>> 0, true);
  dv.setUint32(12, u.seg32bit | (u.contents << 1) | (u.readExecOnly << 3) | (u.limitInPages << 4) |
    (u.segNotPresent << 5) | (u.useable << 6) | (u.lm << 7), true);
  return b;
}

/** LDT_empty: the documented way to ask for "no segment". */
export function ldtEmpty(u: UserDesc): boolean {
  return u.baseAddr === 0 && u.limit === 0 && u.contents === 0 && u.readExecOnly === 1 && u.seg32bit === 0 &&
    u.limitInPages === 0 && u.segNotPresent === 1 && u.useable === 0;
}

/** LDT_zero: all zero but the entry number, which programs also use to mean "no segment". */
export function ldtZero(u: UserDesc): boolean {
  return u.baseAddr === 0 && u.limit === 0 && u.contents === 0 && u.readExecOnly === 0 && u.seg32bit === 0 &&
    u.limitInPages === 0 && u.segNotPresent === 0 && u.useable === 0;
}

/** fill_ldt: user_desc → descriptor words [lo, hi] (accessed bit set, S=1, DPL 3, L never set). */
export function fillLdt(u: UserDesc): [number, number] {
  const base = u.baseAddr >>> 0, limit = u.limit >>> 0;
  const type = ((u.readExecOnly ^ 1) << 1) | (u.contents << 2) | 1;
  const lo = (limit & 0xffff) | ((base & 0xffff) << 16);
  const hi = ((base >>> 16) & 0xff) | (type << 8) | (1 << 12) | (3 << 13) | ((u.segNotPresent ^ 1) << 15) |
    (limit & 0xf0000) | (u.useable << 20) | (u.seg32bit << 22) | (u.limitInPages << 23) | (base & 0xff000000);
  return [lo | 0, hi | 0];
}

/** fill_user_desc: descriptor words → user_desc (get_thread_area). */
export function fillUserDesc(idx: number, lo: number, hi: number): UserDesc {
  const type = (hi >> 8) & 0xf;
  return {
    entryNumber: idx, baseAddr: descBase(lo, hi), limit: ((lo & 0xffff) | (hi & 0xf0000)) >>> 0,
    seg32bit: (hi >> 22) & 1, contents: type >> 2, readExecOnly: (type & 2) ? 0 : 1, limitInPages: (hi >> 23) & 1,
    segNotPresent: ((hi >> 15) & 1) ^ 1, useable: (hi >> 20) & 1, lm: (hi >> 21) & 1,
  };
}

export function descBase(lo: number, hi: number): number {
  return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
}

/** GDT_ENTRY_INIT(flags, 0, 0xfffff) for the fixed descriptors (arch/x86/kernel/cpu/common.c). */
function gdtInit(flags: number): [number, number] {
  return [0xffff, (0xf << 16) | ((flags & 0xff) << 8) | ((flags >> 12) << 20)];
}
const FIXED: ([number, number] | undefined)[] = [];
FIXED[1] = gdtInit(0xc09b);   // __KERNEL32_CS
FIXED[2] = gdtInit(0xa09b);   // __KERNEL_CS
FIXED[3] = gdtInit(0xc093);   // __KERNEL_DS
FIXED[4] = gdtInit(0xc0fb);   // __USER32_CS
FIXED[5] = gdtInit(0xc0f3);   // __USER_DS
FIXED[6] = gdtInit(0xa0fb);   // __USER_CS
// 8..11: TSS and LDT descriptors: system (S=0) type 9 / type 2; their bases do not matter here
FIXED[8] = [0, (9 << 8) | (1 << 15)];
FIXED[9] = [0, 0];
FIXED[10] = [0, (2 << 8) | (1 << 15)];
FIXED[11] = [0, 0];
FIXED[15] = [0, (5 << 8) | (1 << 12) | (3 << 13) | (1 << 15) | (1 << 22)];   // setup_getcpu: cpu 0, node 0

// ---- per-address-space LDT -------------------------------------------------------------------------

/** The LDT of each address space (2 words per entry); absent until modify_ldt writes one. */
const ldts = new WeakMap<object, Int32Array>();

export function ldtOf(mem: object): Int32Array | undefined { return ldts.get(mem); }
export function setLdt(mem: object, ldt: Int32Array | undefined): void {
  if (ldt) ldts.set(mem, ldt); else ldts.delete(mem);
}
/** fork (dup_mm → ldt_dup_context): the child's address space starts with a copy. */
export function copyLdt(from: object, to: object): void {
  const l = ldts.get(from);
  if (l && from !== to) ldts.set(to, l.slice());
}

// ---- segment loads -----------------------------------------------------------------------------------

function gp(err: number): never { throw new CpuSignal(SIGSEGV, SI_KERNEL, 0, false, 13, err); }
/** #NP and #SS: do_error_trap with si_code 0, so force_sig(SIGBUS): SI_KERNEL. */
function np(trapno: number, err: number): never { throw new CpuSignal(SIGBUS, SI_KERNEL, 0, false, trapno, err); }

/** The descriptor words a selector names, or undefined when it lies beyond the table's limit. */
export function lookup(c: Cpu, sel: number): [number, number] | undefined {
  const idx = sel >> 3;
  if (sel & 4) {
    const l = ldts.get(c.mem);
    if (!l || 2 * idx >= l.length) return undefined;
    return [l[2 * idx], l[2 * idx + 1]];
  }
  if (idx >= GDT_ENTRIES) return undefined;
  if (idx >= GDT_ENTRY_TLS_MIN && idx <= GDT_ENTRY_TLS_MAX) {
    const k = 2 * (idx - GDT_ENTRY_TLS_MIN);
    return [c.tls[k], c.tls[k + 1]];
  }
  return FIXED[idx] ?? [0, 0];
}

/**
 * MOV/POP/LxS to segment register n at CPL 3 (SDM "MOV—Move", protected-mode exceptions), as this
 * host raises them: #GP(selector & ~3) for a selector beyond the table, a system descriptor, an
 * execute-only code segment, DPL < 3; for SS also RPL != 3 and anything but writable data; null
 * (0..3) is #GP(0) for SS and allowed elsewhere. Not present: #NP(sel), #SS(sel) for SS.
 * The descriptor's base is cached (fsBase, gsBase, segBase); a null selector's base is 0.
 */
export function loadSegment(c: Cpu, n: number, sel: number): void {
  sel &= 0xffff;
  const err = sel & 0xfffc;
  if (err === 0) {
    if (n === SEG_SS) gp(0);
    setSeg(c, n, sel, 0);
    return;
  }
  const d = lookup(c, sel);
  if (!d) gp(err);
  const hi = d[1];
  const type = (hi >> 8) & 0xf, s = (hi >> 12) & 1, dpl = (hi >> 13) & 3, present = (hi >> 15) & 1;
  const code = (type & 8) !== 0;
  if (!s) gp(err);
  if (n === SEG_SS) {
    if ((sel & 3) !== 3 || code || !(type & 2) || dpl !== 3) gp(err);
    if (!present) np(12, err);
  } else {
    if (code && !(type & 2)) gp(err);
    // data and non-conforming code need DPL >= max(CPL, RPL); CPL is 3
    if (!(code && (type & 4)) && dpl < 3) gp(err);
    if (!present) np(11, err);
  }
  setSeg(c, n, sel, descBase(d[0], hi));
}

/** The selector and its cached base. A null selector clears the base here: this host does so
 *  for FS and GS in both modes, although its kernel flags X86_BUG_NULL_SEG (measured). */
function setSeg(c: Cpu, n: number, sel: number, base: number): void {
  c.sel[n] = sel;
  if (n === SEG_FS) c.fsBase = base;
  else if (n === SEG_GS) c.gsBase = base;
  else {
    c.segBase[n] = base;
    c.segOdd = c.sel[SEG_ES] <= 3 || c.sel[SEG_SS] <= 3 || c.sel[SEG_DS] <= 3 || (c.segBase[SEG_ES] | c.segBase[SEG_SS] | c.segBase[SEG_DS]) !== 0;
  }
}

/** The selector MOV r/m, Sreg reads. CS follows the mode: the only user code segments are
 *  __USER_CS and __USER32_CS, and nothing here loads CS (far transfers are not implemented). */
export function readSelector(c: Cpu, n: number): number {
  return n === SEG_CS ? (c.mode64 ? USER_CS : USER32_CS) : c.sel[n];
}

// ---- TLS slots (kernel/tls.c) --------------------------------------------------------------------------

/** tls_desc_okay */
export function tlsDescOkay(u: UserDesc): boolean {
  if (ldtEmpty(u) || ldtZero(u)) return true;
  if (!u.seg32bit) return false;                 // 16-bit TLS segments would need espfix
  if (u.contents > 1) return false;              // data segments only
  if (u.segNotPresent) return false;
  return true;
}

/** get_free_idx: the first TLS slot whose descriptor is all zero, or -1. */
export function freeTlsIdx(c: Cpu): number {
  for (let k = 0; k < GDT_ENTRY_TLS_ENTRIES; k++) if ((c.tls[2 * k] | c.tls[2 * k + 1]) === 0) return k + GDT_ENTRY_TLS_MIN;
  return -1;
}

/** set_tls_desc for one entry (idx already checked to be a TLS slot). */
export function setTlsDesc(c: Cpu, idx: number, u: UserDesc): void {
  const k = 2 * (idx - GDT_ENTRY_TLS_MIN);
  const [lo, hi] = ldtEmpty(u) || ldtZero(u) ? [0, 0] : fillLdt(u);
  c.tls[k] = lo; c.tls[k + 1] = hi;
}

/** do_set_thread_area's refresh on the current task: DS, ES, FS and GS that hold the modified
 *  selector are loaded again (a descriptor that no longer loads leaves a null selector, as the
 *  kernel's loadsegment fixup does). */
export function refreshTls(c: Cpu, idx: number): void {
  const modified = (idx << 3) | 3;
  for (const n of [SEG_DS, SEG_ES, SEG_FS, SEG_GS]) {
    if (c.sel[n] !== modified) continue;
    try { loadSegment(c, n, modified); } catch (e) { if (!(e instanceof CpuSignal)) throw e; loadSegment(c, n, 0); }
  }
}

/** IRET to user mode (interrupt and exception returns, signal delivery) replaces a data segment
 *  register that holds a null selector with a nonzero RPL (1..3) by 0 (SDM IRET: a selector that
 *  is not valid for the new CPL is nulled). Timer interrupts do it too, at moments no program can
 *  rely on; signal delivery does it every time. */
export function iretSegments(c: Cpu): void {
  for (const n of [SEG_ES, SEG_DS, SEG_FS, SEG_GS]) if (c.sel[n] >= 1 && c.sel[n] <= 3) setSeg(c, n, 0, 0);
}

/** Copies one thread's TLS slots and selectors to a new thread (copy_thread: tls_array is part of
 *  thread_struct; the selectors and bases are the parent's registers). */
export function inheritSegments(from: Cpu, to: Cpu): void {
  to.tls.set(from.tls);
  for (let n = 0; n < 6; n++) to.sel[n] = from.sel[n];
  to.segBase = from.segBase.slice();
  to.segOdd = from.segOdd;
  to.fsBase = from.fsBase;
  to.gsBase = from.gsBase;
}
