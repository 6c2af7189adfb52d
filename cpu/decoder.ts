// The x86 decoder for 64-bit long mode and 32-bit protected mode, driven by cpu/table.ts.
// It reads prefixes, REX, the opcode maps, ModRM/SIB/displacement and immediates, and fills
// an Insn. Anything the table does not define decodes to an instruction that raises #UD
// (SIGILL in the guest), so the decoder never throws on bad bytes; only a fetch from an
// unmapped or non-executable page throws (GuestFault).

import { Insn, SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS } from './insn.js';
import { maps, OpDef, Slot } from './table.js';
import { raiseUD } from './fault.js';
import type { AddressSpace } from './memory.js';

const TWO32 = 4294967296;
const MAX_LEN = 15;

class Reader {
  pos = 0;
  constructor(private mem: AddressSpace, private start: number) {}
  u8(): number {
    if (this.pos >= MAX_LEN) throw new TooLong();
    return this.mem.fetch8(this.start + this.pos++);
  }
  i8(): number { return (this.u8() << 24) >> 24; }
  u16(): number { return this.u8() | (this.u8() << 8); }
  i32(): number { return this.u8() | (this.u8() << 8) | (this.u8() << 16) | (this.u8() << 24); }
}

class TooLong {}

const segPrefix: Record<number, number> = { 0x26: SEG_ES, 0x2e: SEG_CS, 0x36: SEG_SS, 0x3e: SEG_DS, 0x64: SEG_FS, 0x65: SEG_GS };

function pick(slot: Slot, i: Insn, lastRep: number): OpDef | OpDef[] | undefined {
  if (lastRep === 0xf3 && slot.pF3) { i.mandatory = 0xf3; return slot.pF3; }
  if (lastRep === 0xf2 && slot.pF2) { i.mandatory = 0xf2; return slot.pF2; }
  if (i.p66 && slot.p66) { i.mandatory = 0x66; return slot.p66; }
  if (slot.none) return slot.none;
  return slot.any;
}

/** Decodes the instruction at `addr`. */
export function decode(mem: AddressSpace, addr: number, mode64: boolean): Insn {
  const rd = new Reader(mem, addr);
  const i = new Insn(raiseUD);
  i.addr = addr;
  try {
    decodeInto(rd, i, mode64);
  } catch (e) {
    if (!(e instanceof TooLong)) throw e;
    i.fn = raiseUD;
  }
  i.len = rd.pos;
  i.next = addr + rd.pos;
  if (i.base === -2) {                     // RIP-relative: relative to the next instruction
    i.base = -1;
    i.disp = i.disp + i.next;
    if (i.asize === 4) i.disp = i.disp >>> 0;
  }
  if (i.fn === raiseUD) i.ends = true;
  return i;
}

function decodeInto(rd: Reader, i: Insn, mode64: boolean): void {
  let lastRep = 0, p67 = false, b: number;
  // legacy prefixes and REX: a REX counts only right before the opcode; one followed by a legacy
  // prefix or another REX is ignored, as the hardware does
  for (;;) {
    b = rd.u8();
    if (b === 0x66) i.p66 = true;
    else if (b === 0x67) p67 = true;
    else if (b === 0xf2 || b === 0xf3) lastRep = b;
    else if (b === 0xf0) i.lock = true;
    else if (segPrefix[b] !== undefined) {
      // in 64-bit mode ES/CS/SS/DS overrides are ignored: they do not undo an FS/GS one (measured)
      if (!mode64 || b === 0x64 || b === 0x65) i.seg = segPrefix[b];
    } else if (mode64 && (b & 0xf0) === 0x40) { i.rex = b; continue; }
    else break;
    i.rex = 0;
  }
  const rexW = (i.rex & 8) !== 0, rexR = (i.rex & 4) << 1, rexX = (i.rex & 2) << 2, rexB = (i.rex & 1) << 3;
  let map = 0;
  if (b === 0x0f) {
    map = 1;
    b = rd.u8();
    if (b === 0x38) { map = 2; b = rd.u8(); }
    else if (b === 0x3a) { map = 3; b = rd.u8(); }
  }
  i.map = map;
  i.op = b;
  const slot = maps[map][b];
  let entry = pick(slot, i, lastRep);
  if (!entry) return;
  if (i.mandatory === 0xf2 || i.mandatory === 0xf3) lastRep = 0;
  i.rep = lastRep;
  i.asize = mode64 ? (p67 ? 4 : 8) : (p67 ? 2 : 4);

  let d: OpDef | undefined;
  if (slot.modrm) {
    const m = rd.u8();
    i.hasModrm = true;
    i.mod = m >> 6;
    i.reg = ((m >> 3) & 7) | rexR;
    i.rm = (m & 7) | rexB;
    i.regb = (i.rex === 0 && i.reg >= 4 && i.reg < 8) ? i.reg + 12 : i.reg;
    i.rmb = (i.rex === 0 && i.rm >= 4 && i.rm < 8) ? i.rm + 12 : i.rm;
    d = Array.isArray(entry) ? entry[(i.mod === 3 ? 8 : 0) + ((m >> 3) & 7)] : entry;
    if (!d) return;
    if (d.form === 'reg' && i.mod !== 3) return;
    if (d.form === 'mem' && i.mod === 3) return;
    if (i.mod !== 3) {
      if (i.asize === 2) decodeMem16(rd, i, m);
      else decodeMem(rd, i, m, mode64, rexX, rexB);
    }
  } else {
    d = Array.isArray(entry) ? undefined : entry;
    if (!d) return;
    i.rm = (b & 7) | rexB;               // register-in-opcode forms (PUSH r, MOV r, imm, XCHG, BSWAP)
    i.rmb = (i.rex === 0 && i.rm >= 4 && i.rm < 8) ? i.rm + 12 : i.rm;
  }
  if (i.lock && (!d.lock || i.mod === 3)) return;
  if (d.only === 64 && !mode64) return;
  if (d.only === 32 && mode64) return;
  const rule = d.size ?? 'v';
  const p66size = i.p66 && i.mandatory !== 0x66;
  switch (rule) {
    case 'b': i.osize = 1; break;
    case 'v': i.osize = rexW ? 8 : p66size ? 2 : 4; break;
    case 'd64': i.osize = mode64 ? (rexW ? 8 : p66size ? 2 : 8) : (p66size ? 2 : 4); break;
    case 'f64': i.osize = mode64 ? 8 : 4; break;
    case 'w': i.osize = 2; break;
    case 'd': i.osize = 4; break;
    case 'q': i.osize = 8; break;
    case 'y': i.osize = rexW ? 8 : 4; break;
  }
  if (d.imm) decodeImm(rd, i, d, mode64);
  i.ext = d.ext ?? 0;
  i.ends = d.ends ?? false;
  i.flagFx = d.flags ?? '';
  i.fn = (d.spec && d.spec(i)) || d.fn;
}

function decodeMem(rd: Reader, i: Insn, m: number, mode64: boolean, rexX: number, rexB: number): void {
  const rm = m & 7;
  if (rm === 4) {
    const sib = rd.u8();
    i.scale = 1 << (sib >> 6);
    const idx = ((sib >> 3) & 7) | rexX;
    i.index = idx === 4 ? -1 : idx;
    const base = sib & 7;
    if (base === 5 && i.mod === 0) { i.base = -1; i.disp = rd.i32(); return; }
    i.base = base | rexB;
  } else if (rm === 5 && i.mod === 0) {
    i.disp = rd.i32();
    i.base = mode64 ? -2 : -1;          // -2 marks RIP-relative until the length is known
    return;
  } else {
    i.base = rm | rexB;
  }
  if (i.mod === 1) i.disp = rd.i8();
  else if (i.mod === 2) i.disp = rd.i32();
}

/** ModRM.rm of 16-bit addressing: [base + index]; [bp] with mod 0 is [disp16] instead. */
const BASE16 = [3, 3, 5, 5, 6, 7, 5, 3], INDEX16 = [6, 7, 6, 7, -1, -1, -1, -1];

/** 16-bit addressing (0x67 in 32-bit mode): no SIB, disp8 or disp16; Cpu.ea wraps the sum at 2^16. */
function decodeMem16(rd: Reader, i: Insn, m: number): void {
  const rm = m & 7;
  if (rm === 6 && i.mod === 0) { i.disp = rd.u16(); return; }
  i.base = BASE16[rm];
  i.index = INDEX16[rm];
  if (i.mod === 1) i.disp = rd.i8();
  else if (i.mod === 2) i.disp = rd.u16();
}

function decodeImm(rd: Reader, i: Insn, d: OpDef, mode64: boolean): void {
  switch (d.imm) {
    case 'b': i.imm = rd.i8(); break;
    case 'ub': i.imm = rd.u8(); return;
    case 'w': i.imm = rd.u16(); return;
    case 'd': i.imm = rd.i32(); break;
    case 'z': i.imm = i.osize === 2 ? (rd.u16() << 16) >> 16 : rd.i32(); break;
    case 'v':
      if (i.osize === 8) { i.imm = rd.i32(); i.immHi = rd.i32(); return; }
      i.imm = i.osize === 2 ? (rd.u16() << 16) >> 16 : rd.i32();
      break;
    case 'o': {
      i.base = -1; i.index = -1;
      if (i.asize === 8) { const lo = rd.i32() >>> 0, hi = rd.i32() >>> 0; i.disp = hi * TWO32 + lo; }
      else if (i.asize === 2) i.disp = rd.u16();
      else i.disp = rd.i32() >>> 0;
      return;
    }
    case 'wb': i.imm = rd.u16(); i.imm2 = rd.u8(); return;
  }
  i.immHi = i.imm < 0 ? -1 : 0;
  void mode64;
}

/** Exported for tests: segment numbers. */
export const SEGS = { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };
