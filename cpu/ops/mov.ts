// Data movement: MOV forms, MOVZX/MOVSX/MOVSXD, LEA, XCHG, CMOVcc, SETcc, BSWAP, MOVBE,
// CBW/CWD families, PUSH/POP, PUSHF/POPF, LAHF/SAHF, XADD, CMPXCHG, CMPXCHG8B/16B.

import type { Cpu } from '../cpu.js';
import type { Insn, Handler } from '../insn.js';
import { def } from '../table.js';
import { RAX, RDX, RSP, RBP } from '../state.js';
import { cond, getFlags, setFlags, CF, PF, AF, ZF, SF, DF, OF, AC, ID, TF, IF, ARITH } from '../flags.js';
import { alu, SUB, ADD, TWO32, sext } from './arith.js';
import { raiseUD, raiseGP } from '../fault.js';
import { inlineHandler } from '../threaded.js';
import { readSelector } from '../segments.js';

// ---- MOV -----------------------------------------------------------------------------------------

function movEG(c: Cpu, i: Insn): void { const v = c.rdG(i); c.wrE(i, v, c.hi); }
function movGE(c: Cpu, i: Insn): void { const v = c.rdE(i); c.wrG(i, v, c.hi); }
function movEI(c: Cpu, i: Insn): void { c.wrE(i, i.imm, i.immHi); }
function movRI(c: Cpu, i: Insn): void { c.setR(i.osize === 1 ? i.rmb : i.rm, i.osize, i.imm, i.immHi); }
function movAO(c: Cpu, i: Insn): void { const v = c.rdMem(c.ea(i), i.osize); c.setR(RAX, i.osize, v, c.hi); }
function movOA(c: Cpu, i: Insn): void { const v = c.getR(RAX, i.osize); c.wrMem(c.ea(i), i.osize, v, c.hi); }

// register and plain-memory forms without operand dispatch
const movEG32r = inlineHandler('const r = c.r; r[2 * i.rm] = r[2 * i.reg]; r[2 * i.rm + 1] = 0;');
const movEG64r = inlineHandler('const r = c.r; r[2 * i.rm] = r[2 * i.reg]; r[2 * i.rm + 1] = r[2 * i.reg + 1];');
const movGE32r = inlineHandler('const r = c.r; r[2 * i.reg] = r[2 * i.rm]; r[2 * i.reg + 1] = 0;');
const movGE64r = inlineHandler('const r = c.r; r[2 * i.reg] = r[2 * i.rm]; r[2 * i.reg + 1] = r[2 * i.rm + 1];');
const movEG32m = inlineHandler('c.mem.write32(c.ea(i), c.r[2 * i.reg]);');
const movEG64m = inlineHandler('c.mem.write64(c.ea(i), c.r[2 * i.reg], c.r[2 * i.reg + 1]);');
const movGE32m = inlineHandler('const r = c.r; r[2 * i.reg] = c.mem.read32(c.ea(i)); r[2 * i.reg + 1] = 0;');
const movGE64m = inlineHandler('const r = c.r, m = c.mem; r[2 * i.reg] = m.read64(c.ea(i)); r[2 * i.reg + 1] = m.hi;');
const specMovEG = (i: Insn) => i.osize === 4 ? (i.mod === 3 ? movEG32r : movEG32m) : i.osize === 8 ? (i.mod === 3 ? movEG64r : movEG64m) : undefined;
const specMovGE = (i: Insn) => i.osize === 4 ? (i.mod === 3 ? movGE32r : movGE32m) : i.osize === 8 ? (i.mod === 3 ? movGE64r : movGE64m) : undefined;
def(0, 0x88, { flags: 'n', name: 'mov', fn: movEG, modrm: true, size: 'b' });
def(0, 0x89, { flags: 'n', name: 'mov', fn: movEG, modrm: true, spec: specMovEG });
def(0, 0x8a, { flags: 'n', name: 'mov', fn: movGE, modrm: true, size: 'b' });
def(0, 0x8b, { flags: 'n', name: 'mov', fn: movGE, modrm: true, spec: specMovGE });
def(0, 0xc6, { flags: 'n', name: 'mov', fn: movEI, size: 'b', imm: 'b' }, { reg: 0 });
def(0, 0xc7, { flags: 'n', name: 'mov', fn: movEI, imm: 'z' }, { reg: 0 });
for (let r = 0; r < 8; r++) {
  def(0, 0xb0 + r, { flags: 'n', name: 'mov', fn: movRI, size: 'b', imm: 'b' });
  def(0, 0xb8 + r, { flags: 'n', name: 'mov', fn: movRI, imm: 'v' });
}
def(0, 0xa0, { flags: 'n', name: 'mov', fn: movAO, size: 'b', imm: 'o' });
def(0, 0xa1, { flags: 'n', name: 'mov', fn: movAO, imm: 'o' });
def(0, 0xa2, { flags: 'n', name: 'mov', fn: movOA, size: 'b', imm: 'o' });
def(0, 0xa3, { flags: 'n', name: 'mov', fn: movOA, imm: 'o' });

// MOV r/m, Sreg: the selector (MOV Sreg, r/m and the other loads are in segment.ts). A register
// destination takes it zero-extended to the operand size, memory always 16 bits.
function movSegE(c: Cpu, i: Insn): void {
  if ((i.reg & 7) > 5) return raiseUD(c, i);                // there is no segment register 6 or 7
  c.wrE(i, readSelector(c, i.reg & 7), 0, i.mod === 3 ? i.osize : 2);
}
def(0, 0x8c, { name: 'mov', fn: movSegE, modrm: true });

// ---- zero/sign extension ------------------------------------------------------------------------

function movzx(c: Cpu, i: Insn): void { const v = c.rdE(i, i.ext); c.wrG(i, v, 0); }
function movsx(c: Cpu, i: Insn): void {
  const v = sext(c.rdE(i, i.ext), i.ext);
  c.wrG(i, v, v < 0 ? -1 : 0);
}
function movsxd(c: Cpu, i: Insn): void {
  const v = c.rdE(i, 4);
  c.wrG(i, v, v < 0 ? -1 : 0);
}
def(1, 0xb6, { flags: 'n', name: 'movzx', fn: movzx, modrm: true, ext: 1 });
def(1, 0xb7, { flags: 'n', name: 'movzx', fn: movzx, modrm: true, ext: 2 });
def(1, 0xbe, { flags: 'n', name: 'movsx', fn: movsx, modrm: true, ext: 1 });
def(1, 0xbf, { flags: 'n', name: 'movsx', fn: movsx, modrm: true, ext: 2 });
def(0, 0x63, { flags: 'n', name: 'movsxd', fn: movsxd, modrm: true, only: 64 });

// ---- LEA (exact 64-bit arithmetic: compilers use it to add and multiply) -----------------------

function lea(c: Cpu, i: Insn): void {
  if (i.mod === 3) return raiseUD(c, i);
  const r = c.r;
  let lo = ((i.disp % TWO32) + TWO32) % TWO32, hi = Math.floor(i.disp / TWO32);
  if (i.base >= 0) { lo += r[2 * i.base] >>> 0; hi += r[2 * i.base + 1]; }
  if (i.index >= 0) { lo += (r[2 * i.index] >>> 0) * i.scale; hi += Math.imul(r[2 * i.index + 1], i.scale); }
  hi = (hi + Math.floor(lo / TWO32)) | 0;
  if (i.asize === 4) hi = 0;
  else if (i.asize === 2) { hi = 0; lo &= 0xffff; }           // 16-bit addressing: zero-extended to the operand
  c.wrG(i, lo | 0, hi);
}
// LEA base + disp / base + index*scale + disp with 64-bit address and operand size
const lea64b = inlineHandler(`const r = c.r, b = 2 * i.base;
  const lo = (r[b] >>> 0) + (i.disp >>> 0);
  r[2 * i.reg] = lo | 0;
  r[2 * i.reg + 1] = (r[b + 1] + (i.disp < 0 ? -1 : 0) + (lo > 0xffffffff ? 1 : 0)) | 0;`);
const lea64bi = inlineHandler(`const r = c.r, b = 2 * i.base, x = 2 * i.index;
  const lo = (r[b] >>> 0) + (r[x] >>> 0) * i.scale + (i.disp >>> 0);
  r[2 * i.reg] = lo | 0;
  r[2 * i.reg + 1] = (r[b + 1] + Math.imul(r[x + 1], i.scale) + (i.disp < 0 ? -1 : 0) + Math.floor(lo / 4294967296)) | 0;`);
/** 32-bit result: only the low words matter */
const lea32 = inlineHandler(`const r = c.r;
  let v = i.disp | 0;
  if (i.base >= 0) v = (v + r[2 * i.base]) | 0;
  if (i.index >= 0) v = (v + Math.imul(r[2 * i.index], i.scale)) | 0;
  r[2 * i.reg] = v; r[2 * i.reg + 1] = 0;`);
const lea64i = inlineHandler(`const r = c.r, x = 2 * i.index;
  const lo = (r[x] >>> 0) * i.scale + (i.disp >>> 0);
  r[2 * i.reg] = lo | 0;
  r[2 * i.reg + 1] = (Math.imul(r[x + 1], i.scale) + (i.disp < 0 ? -1 : 0) + Math.floor(lo / 4294967296)) | 0;`);
/** RIP-relative or absolute: the address is a constant (disp holds it once decoding is done) */
const leaAbs = inlineHandler(`c.r[2 * i.reg] = i.disp % 4294967296 | 0;
  c.r[2 * i.reg + 1] = i.osize === 8 ? Math.floor(i.disp / 4294967296) | 0 : 0;`);
function specLea(i: Insn): Handler | undefined {
  if (i.mod === 3) return undefined;
  // base -2 marks RIP-relative while decoding; 16-bit results keep the generic path
  if (i.base < 0 && i.index < 0) return (i.osize === 8 || i.osize === 4) && i.asize === 8 ? leaAbs : undefined;
  if (i.asize === 2) return undefined;
  if (i.osize === 4) return lea32;
  if (i.osize !== 8 || i.asize !== 8) return undefined;
  return i.base < 0 ? lea64i : i.index < 0 ? lea64b : lea64bi;
}
def(0, 0x8d, { flags: 'n', name: 'lea', fn: lea, modrm: true, spec: specLea });

// ---- XCHG ------------------------------------------------------------------------------------------

function xchgEG(c: Cpu, i: Insn): void {
  const s = i.osize;
  const a = i.mod === 3 ? 0 : c.ea(i);
  const x = c.rdRmw(i, a, s), xh = c.hi;
  const y = c.rdG(i, s), yh = c.hi;
  c.wrAt(i, a, y, yh, s);
  c.wrG(i, x, xh, s);
}
function xchgAR(c: Cpu, i: Insn): void {
  const s = i.osize;
  if (i.rm === RAX) return;                   // 0x90 is NOP: it does not zero-extend RAX (87 C0 does)
  const x = c.getR(RAX, s), xh = c.hi;
  const y = c.getR(i.rm, s), yh = c.hi;
  c.setR(RAX, s, y, yh);
  c.setR(i.rm, s, x, xh);
}
function nop(): void { /* nothing */ }
def(0, 0x86, { flags: 'n', name: 'xchg', fn: xchgEG, modrm: true, size: 'b', lock: true });
def(0, 0x87, { flags: 'n', name: 'xchg', fn: xchgEG, modrm: true, lock: true });
def(0, 0x90, { flags: 'n', name: 'xchg', fn: xchgAR });
def(0, 0x90, { name: 'pause', fn: (c, i) => { if (i.rex & 1) xchgAR(c, i); } }, { mandatory: 'F3' });   // F3 41 90 is XCHG r8d, eax
for (let r = 1; r < 8; r++) def(0, 0x90 + r, { flags: 'n', name: 'xchg', fn: xchgAR });

// ---- CMOVcc, SETcc --------------------------------------------------------------------------------

function cmov(c: Cpu, i: Insn): void {
  const v = c.rdE(i), vh = c.hi;                        // the source is read (and can fault) either way
  if (cond(c.f, i.ext)) c.wrG(i, v, vh);
  else if (i.osize === 4) c.setR(i.reg, 4, c.r[2 * i.reg]);   // 32-bit destination is zero-extended anyway
}
function setcc(c: Cpu, i: Insn): void { c.wrE(i, cond(c.f, i.ext) ? 1 : 0, 0, 1); }
for (let cc = 0; cc < 16; cc++) {
  def(1, 0x40 + cc, { name: 'cmovcc', fn: cmov, modrm: true, ext: cc });
  def(1, 0x90 + cc, { name: 'setcc', fn: setcc, modrm: true, size: 'b', ext: cc });
}

// ---- BSWAP, MOVBE ------------------------------------------------------------------------------------

function bswap32(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}
function bswap(c: Cpu, i: Insn): void {
  const r = c.r, n = i.rm;
  if (i.osize === 8) { const lo = r[2 * n]; r[2 * n] = bswap32(r[2 * n + 1]); r[2 * n + 1] = bswap32(lo); }
  else if (i.osize === 4) c.setR(n, 4, bswap32(r[2 * n]));
  else c.setR(n, 2, 0);                                   // BSWAP r16 is undefined; hardware gives 0
}
for (let r = 0; r < 8; r++) def(1, 0xc8 + r, { flags: 'n', name: 'bswap', fn: bswap });

function movbeLoad(c: Cpu, i: Insn): void {
  const s = i.osize, v = c.rdE(i, s), vh = c.hi;
  if (s === 8) c.wrG(i, bswap32(vh), bswap32(v));
  else if (s === 4) c.wrG(i, bswap32(v), 0);
  else c.wrG(i, ((v & 0xff) << 8) | ((v >> 8) & 0xff), 0);
}
function movbeStore(c: Cpu, i: Insn): void {
  const s = i.osize, v = c.rdG(i, s), vh = c.hi;
  if (s === 8) c.wrE(i, bswap32(vh), bswap32(v));
  else if (s === 4) c.wrE(i, bswap32(v), 0);
  else c.wrE(i, ((v & 0xff) << 8) | ((v >> 8) & 0xff), 0);
}
def(2, 0xf0, { flags: 'n', name: 'movbe', fn: movbeLoad, modrm: true, form: 'mem' }, { mandatory: 'none' });
def(2, 0xf1, { flags: 'n', name: 'movbe', fn: movbeStore, modrm: true, form: 'mem' }, { mandatory: 'none' });
// F3 0F 38 F0/F1 is no instruction: #UD (measured), where the decoder would otherwise fall back to MOVBE
def(2, 0xf0, { flags: 'n', name: 'movbe', fn: raiseUD, modrm: true }, { mandatory: 'F3' });
def(2, 0xf1, { flags: 'n', name: 'movbe', fn: raiseUD, modrm: true }, { mandatory: 'F3' });

// ---- CBW/CWDE/CDQE, CWD/CDQ/CQO ------------------------------------------------------------------

function cbw(c: Cpu, i: Insn): void {
  const r = c.r;
  if (i.osize === 8) r[1] = r[0] >> 31;
  else if (i.osize === 4) c.setR(RAX, 4, (r[0] << 16) >> 16);
  else c.setR(RAX, 2, (r[0] << 24) >> 24);
}
function cwd(c: Cpu, i: Insn): void {
  const r = c.r;
  if (i.osize === 8) { const s = r[1] >> 31; c.setR(RDX, 8, s, s); }
  else if (i.osize === 4) c.setR(RDX, 4, r[0] >> 31);
  else c.setR(RDX, 2, (r[0] << 16) >> 31);
}
def(0, 0x98, { flags: 'n', name: 'cbw', fn: cbw });
def(0, 0x99, { flags: 'n', name: 'cwd', fn: cwd });

// ---- PUSH, POP ---------------------------------------------------------------------------------------

function pushR(c: Cpu, i: Insn): void { const v = c.getR(i.rm, i.osize); c.push(i.osize, v, c.hi); }
function popR(c: Cpu, i: Insn): void { const v = c.pop(i.osize); c.setR(i.rm, i.osize, v, c.hi); }
function pushI(c: Cpu, i: Insn): void { c.push(i.osize, i.imm, i.immHi); }
function pushE(c: Cpu, i: Insn): void { const v = c.rdE(i); c.push(i.osize, v, c.hi); }
function popE(c: Cpu, i: Insn): void {
  // the address is computed after RSP is incremented (SDM: POP m with RSP as base)
  const sp = c.regAddr(RSP);
  const v = c.pop(i.osize), vh = c.hi;
  try { c.wrE(i, v, vh); } catch (e) { c.setRegAddr(RSP, sp); throw e; }   // a faulting store leaves RSP
}
for (let r = 0; r < 8; r++) {
  def(0, 0x50 + r, { flags: 'n', name: 'push', fn: pushR, size: 'd64' });
  def(0, 0x58 + r, { flags: 'n', name: 'pop', fn: popR, size: 'd64' });
}
def(0, 0x68, { flags: 'n', name: 'push', fn: pushI, size: 'd64', imm: 'z' });
def(0, 0x6a, { flags: 'n', name: 'push', fn: pushI, size: 'd64', imm: 'b' });
def(0, 0xff, { flags: 'n', name: 'push', fn: pushE, size: 'd64' }, { reg: 6 });
def(0, 0x8f, { flags: 'n', name: 'pop', fn: popE, size: 'd64' }, { reg: 0 });

function pusha(c: Cpu, i: Insn): void {
  const s = i.osize, sp = c.getR(RSP, s);
  for (let n = 0; n < 8; n++) c.push(s, n === RSP ? sp : c.getR(n, s));
}
function popa(c: Cpu, i: Insn): void {
  const s = i.osize;
  for (let n = 7; n >= 0; n--) { const v = c.pop(s); if (n !== RSP) c.setR(n, s, v); }
}
def(0, 0x60, { name: 'pusha', fn: pusha, only: 32 });
def(0, 0x61, { name: 'popa', fn: popa, only: 32 });

// ---- flags register ---------------------------------------------------------------------------------

const NT = 0x4000;
const USER_FLAGS = ARITH | DF | TF | AC | ID | NT;
function pushf(c: Cpu, i: Insn): void {
  const v = getFlags(c.f) & ~(TF) ;
  c.push(i.osize, i.osize === 2 ? v & 0xffff : v);
}
function popf(c: Cpu, i: Insn): void {
  const v = c.pop(i.osize);
  const old = getFlags(c.f);
  const mask = i.osize === 2 ? USER_FLAGS & 0xffff : USER_FLAGS;
  setFlags(c.f, ((old & ~mask) | (v & mask) | IF) & ~TF);
}
function lahf(c: Cpu): void {
  const v = getFlags(c.f) & (SF | ZF | AF | PF | CF);
  c.setR(16, 1, v | 2);                                   // byte encoding 16 is AH
}
function sahf(c: Cpu): void {
  const ah = (c.r[0] >> 8) & 0xff;
  const m = SF | ZF | AF | PF | CF;
  setFlags(c.f, (getFlags(c.f) & ~m) | (ah & m));
}
def(0, 0x9c, { name: 'pushf', fn: pushf, size: 'd64' });
def(0, 0x9d, { name: 'popf', fn: popf, size: 'd64' });
def(0, 0x9e, { name: 'sahf', fn: sahf });
def(0, 0x9f, { name: 'lahf', fn: lahf });
void OF;

// ---- XADD, CMPXCHG -------------------------------------------------------------------------------------

function xadd(c: Cpu, i: Insn): void {
  const s = i.osize;
  const a = i.mod === 3 ? 0 : c.ea(i);
  const x = c.rdRmw(i, a, s), xh = c.hi;
  const y = c.rdG(i, s), yh = c.hi;
  const r = alu(c, ADD, s, x, xh, y, yh), rh = c.hi;
  c.wrG(i, x, xh, s);
  c.wrAt(i, a, r, rh, s);
}
def(1, 0xc0, { flags: 'w', name: 'xadd', fn: xadd, modrm: true, size: 'b', lock: true });
def(1, 0xc1, { flags: 'w', name: 'xadd', fn: xadd, modrm: true, lock: true });

function cmpxchg(c: Cpu, i: Insn): void {
  const s = i.osize;
  const a = i.mod === 3 ? 0 : c.ea(i);
  const x = c.rdRmw(i, a, s), xh = c.hi;
  const acc = c.getR(RAX, s), acch = c.hi;
  alu(c, SUB, s, acc, acch, x, xh);
  const eq = s === 8 ? (acc === x && acch === xh) : ((acc ^ x) & (s === 4 ? -1 : (1 << (s * 8)) - 1)) === 0;
  if (eq) {
    const y = c.rdG(i, s), yh = c.hi;
    c.wrAt(i, a, y, yh, s);
  } else {
    if (i.mod !== 3) c.wrAt(i, a, x, xh, s);             // the processor always writes back
    c.setR(RAX, s, x, xh);
  }
}
def(1, 0xb0, { flags: 'w', name: 'cmpxchg', fn: cmpxchg, modrm: true, size: 'b', lock: true });
def(1, 0xb1, { flags: 'w', name: 'cmpxchg', fn: cmpxchg, modrm: true, lock: true });

/** CMPXCHG8B (EDX:EAX vs m64) and, with REX.W, CMPXCHG16B (RDX:RAX vs m128, 16-byte aligned). */
function cmpxchgNb(c: Cpu, i: Insn): void {
  const a = c.ea(i), r = c.r, m = c.mem;
  if (!(i.osize === 8 && a % 16 !== 0)) m.probeWrite(a, i.osize === 8 ? 16 : 8);   // (misaligned 16b: #GP first)
  const fl = getFlags(c.f);
  if (i.osize === 8) {
    if (a % 16 !== 0) raiseGP();
    const w0 = m.read32(a), w1 = m.read32(a + 4), w2 = m.read32(a + 8), w3 = m.read32(a + 12);
    if (w0 === r[0] && w1 === r[1] && w2 === r[4] && w3 === r[5]) {
      m.write64(a, r[6], r[7]); m.write64(a + 8, r[2], r[3]);
      setFlags(c.f, fl | ZF);
    } else {
      m.write64(a, w0, w1); m.write64(a + 8, w2, w3);
      r[0] = w0; r[1] = w1; r[4] = w2; r[5] = w3;
      setFlags(c.f, fl & ~ZF);
    }
    return;
  }
  const lo = m.read32(a), hi = m.read32(a + 4);
  if (lo === r[0] && hi === r[4]) {
    m.write64(a, r[6], r[2]);                              // ECX:EBX
    setFlags(c.f, fl | ZF);
  } else {
    m.write64(a, lo, hi);
    c.setR(RAX, 4, lo); c.setR(RDX, 4, hi);
    setFlags(c.f, fl & ~ZF);
  }
}
def(1, 0xc7, { name: 'cmpxchg8b', fn: cmpxchgNb, form: 'mem', size: 'y', lock: true }, { reg: 1 });
void RBP; void CF;
