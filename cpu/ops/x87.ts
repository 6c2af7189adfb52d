// x87 floating-point unit: every D8-DF instruction, FWAIT (9B), FXSAVE/FXRSTOR (0F AE /0 /1),
// with 80-bit arithmetic from cpu/f80.ts, the x87 stack, tags, condition codes, masked and
// unmasked exception responses (an unmasked exception sets FSW.ES; the next waiting x87
// instruction then raises #MF, which Linux reports as SIGFPE with trapno 16).
//
// State lives in the CPU state block (cpu/state.ts):
//   OFF_X87 + 16*p   physical register Rp: significand (8 bytes LE, explicit integer bit),
//                    then sign/exponent (2 bytes); bytes 10..15 unused.
//   OFF_X87CTL + 0   FCW (u16)          + 2   FSW (u16, TOP in bits 11..13)
//              + 4   abridged tag (u8: bit p set = Rp in use)   + 5 unused
//              + 6   FOP (u16, 11 bits)  + 8   FIP (u32 lo, u32 hi)   + 16  FDP (u32 lo, u32 hi)
//              + 24  FCS (u16)           + 26  FDS (u16)
// The full 2-bit tag word is derived from register contents when stored (FNSTENV/FNSAVE),
// as the hardware does; loading one only distinguishes empty (11) from in use.
//
// Exported: x87Reset(c) (FNINIT state plus zeroed registers: call when a CpuState is created),
// fxsave(c, addr, w64?) / fxrstor(c, addr, w64?) (the 512-byte FXSAVE image; w64 defaults to
// c.mode64 and selects the FXSAVE64 layout of FIP/FDP), fsaveImage/frstorImage for i386
// signal frames, and small readers used by tests and the kernel (x87Fsw, x87Fcw, x87Top).
//
// Precision: basic arithmetic, conversions, FSQRT, FPREM/FPREM1, FRNDINT, FSCALE, FXTRACT,
// comparisons and the constants are exact to hardware (IEEE correctly rounded, PC and RC
// applied). The transcendentals (F2XM1 FYL2X FYL2XP1 FPTAN FPATAN FSIN FCOS FSINCOS) are
// evaluated in double-double arithmetic and rounded once to 64 bits: see the comment there.

import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { def } from '../table.js';
import { OFF_X87, OFF_X87CTL, OFF_XMM, OFF_MXCSR, RAX } from '../state.js';
import { getFlags, setFlags, cond, CF, PF, AF, ZF, SF as SFLAG, OF } from '../flags.js';
import { CpuSignal, SIGFPE, FPE_FLTINV, FPE_FLTDIV, FPE_FLTOVF, FPE_FLTUND, FPE_FLTRES, raiseUD, raiseGP } from '../fault.js';
import {
  F, IE, DE, ZE, OE, UE, PE, K_ZERO, K_NORMAL, K_DENORMAL, K_INF, K_QNAN, K_SNAN, K_UNSUPPORTED,
  IND_SE, IND_HI, IND_LO, classify, precisionOf, add, mul, div, sqrt, compare, CMP_GT, CMP_LT, CMP_EQ,
  fromInt, toInt, roundInt, fromF32, fromF64, toF32, toF64, prem, remQ, remComplete, scale, xtract,
  xtSE, xtHI, xtLO, roundF80, packRounded, RC_ZERO,
} from '../f80.js';
import { transcendental, T_F2XM1, T_FYL2X, T_FYL2XP1, T_FPATAN, T_SIN, T_COS, T_TAN } from '../f80trans.js';

const TWO32 = 4294967296;

// ---- state layout --------------------------------------------------------------------------------

const REG = OFF_X87;
const CW = OFF_X87CTL, SW = OFF_X87CTL + 2, TAG = OFF_X87CTL + 4, FOP = OFF_X87CTL + 6;
const FIP = OFF_X87CTL + 8, FDP = OFF_X87CTL + 16, FCS = OFF_X87CTL + 24, FDS = OFF_X87CTL + 26;

// FSW bits (IE..PE come from f80.ts)
const SF = 0x40, ES = 0x80, C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, B = 0x8000;
const CC = C0 | C1 | C2 | C3;

/** Resets the x87 to its FNINIT state and zeroes the registers (a new thread or execve). */
export function x87Reset(c: Cpu): void {
  const d = c.state.dv;
  for (let k = 0; k < 128; k++) d.setUint8(REG + k, 0);
  for (let k = 0; k < 64; k++) d.setUint8(OFF_X87CTL + k, 0);
  d.setUint16(CW, 0x037f, true);
}

export function x87Fcw(c: Cpu): number { return c.state.dv.getUint16(CW, true); }
export function x87Fsw(c: Cpu): number { return c.state.dv.getUint16(SW, true); }
export function x87Top(c: Cpu): number { return (c.state.dv.getUint16(SW, true) >>> 11) & 7; }

// ---- registers and the stack ------------------------------------------------------------------------

let xse = 0, xhi = 0, xlo = 0;     // operand scratch
let yse = 0, yhi = 0, ylo = 0;

function top(d: DataView): number { return (d.getUint16(SW, true) >>> 11) & 7; }
function phys(d: DataView, i: number): number { return (top(d) + i) & 7; }
function used(d: DataView, p: number): boolean { return ((d.getUint8(TAG) >>> p) & 1) !== 0; }

function ldx(d: DataView, p: number): void {
  const o = REG + p * 16;
  xlo = d.getUint32(o, true); xhi = d.getUint32(o + 4, true); xse = d.getUint16(o + 8, true);
}
function ldy(d: DataView, p: number): void {
  const o = REG + p * 16;
  ylo = d.getUint32(o, true); yhi = d.getUint32(o + 4, true); yse = d.getUint16(o + 8, true);
}
function wr(d: DataView, p: number, se: number, hi: number, lo: number): void {
  const o = REG + p * 16;
  d.setUint32(o, lo, true); d.setUint32(o + 4, hi, true); d.setUint16(o + 8, se, true);
  d.setUint8(TAG, d.getUint8(TAG) | (1 << p));
}
function wrInd(d: DataView, p: number): void { wr(d, p, IND_SE, IND_HI, IND_LO); }
function setTop(d: DataView, t: number): void {
  d.setUint16(SW, (d.getUint16(SW, true) & ~0x3800) | ((t & 7) << 11), true);
}
function pop(d: DataView): void {
  const t = top(d);
  d.setUint8(TAG, d.getUint8(TAG) & ~(1 << t));
  setTop(d, t + 1);
}

// ---- status word, exceptions -----------------------------------------------------------------------

function fcw(d: DataView): number { return d.getUint16(CW, true); }

/** Recomputes ES and B from the sticky flags and the masks. */
function syncES(d: DataView): void {
  let s = d.getUint16(SW, true);
  if ((s & ~d.getUint16(CW, true) & 0x3f) !== 0) s |= ES | B; else s &= ~(ES | B);
  d.setUint16(SW, s, true);
}

/** Merges an operation's exceptions into FSW and sets C1 (= up: rounded up, or stack overflow).
 *  Returns false when an unmasked invalid/denormal/zero-divide exception suppresses the result. */
function commit(d: DataView, exc: number, up: number): boolean {
  const cw = d.getUint16(CW, true);
  if (exc & (IE | ZE)) exc &= ~DE;          // an invalid operation or zero-divide never also reports a denormal
  if ((exc & ~cw & (IE | DE | ZE)) !== 0) {   // unmasked: the operation does not take place
    exc &= IE | DE | ZE | SF; up = exc & SF ? up : 0;
  }
  let s = (d.getUint16(SW, true) & ~C1) | (exc & 0x7f);
  if (up) s |= C1;
  if ((s & ~cw & 0x3f) !== 0) s |= ES | B;
  d.setUint16(SW, s, true);
  return (exc & ~cw & (IE | DE | ZE)) === 0;
}

function masked(d: DataView, bit: number): boolean { return (d.getUint16(CW, true) & bit) !== 0; }

/** si_code for #MF as Linux derives it (fpu__exception_code). */
function mfCode(sw: number, cw: number): number {
  const err = sw & ~cw & 0x3f;
  if (err & IE) return FPE_FLTINV;
  if (err & ZE) return FPE_FLTDIV;
  if (err & OE) return FPE_FLTOVF;
  if (err & (UE | DE)) return FPE_FLTUND;
  if (err & PE) return FPE_FLTRES;
  return 0;
}

/** Waiting instructions first deliver a pending unmasked exception (#MF). */
function pending(c: Cpu, i: Insn): void {
  const d = c.state.dv;
  if ((d.getUint8(SW) & ES) !== 0) {
    throw new CpuSignal(SIGFPE, mfCode(d.getUint16(SW, true), d.getUint16(CW, true)), i.addr, false, 16);
  }
}

/** Records FIP/FCS/FOP for a non-control instruction (and FDP/FDS when it has a memory operand). */
function note(c: Cpu, i: Insn, ea: number): void {
  const d = c.state.dv;
  const a = i.addr;
  d.setUint32(FIP, a % TWO32, true);
  d.setUint32(FIP + 4, c.mode64 ? Math.floor(a / TWO32) : 0, true);
  d.setUint16(FCS, c.mode64 ? 0x33 : 0x23, true);
  d.setUint16(FOP, ((i.op & 7) << 8) | (i.mod << 6) | ((i.reg & 7) << 3) | (i.rm & 7), true);
  if (ea >= 0) {
    d.setUint32(FDP, ea % TWO32, true);
    d.setUint32(FDP + 4, c.mode64 ? Math.floor(ea / TWO32) : 0, true);
    d.setUint16(FDS, c.mode64 ? 0 : 0x2b, true);
  }
}

function begin(c: Cpu, i: Insn): DataView {
  pending(c, i);
  note(c, i, -1);
  F.exc = 0; F.up = 0;
  return c.state.dv;
}

function setCC(d: DataView, cc: number): void {
  d.setUint16(SW, (d.getUint16(SW, true) & ~CC) | cc, true);
}
const CMP_CC = [0, C0, C3, C0 | C2 | C3];

/** Pushes a value (F.exc holds the exceptions so far); stack overflow: IE|SF, C1 = 1, and the
 *  masked response pushes the indefinite. */
function pushVal(d: DataView, se: number, hi: number, lo: number): void {
  const t = (top(d) - 1) & 7;
  if (used(d, t)) {
    if (!commit(d, F.exc | IE | SF, 1)) return;
    setTop(d, t); wrInd(d, t);
    return;
  }
  if (!commit(d, F.exc, F.up)) return;
  setTop(d, t); wr(d, t, se, hi, lo);
}

/** Stack underflow (an empty register read): IE|SF with C1 = 0; true when masked. */
function underflow(d: DataView): boolean { return commit(d, IE | SF, 0); }

// ---- memory operands --------------------------------------------------------------------------------

function rd80(c: Cpu, a: number): void {
  const m = c.mem;
  ylo = m.read32(a) >>> 0; yhi = m.read32(a + 4) >>> 0; yse = m.read16(a + 8);
}
function wr80(c: Cpu, a: number, se: number, hi: number, lo: number): void {
  const m = c.mem;
  m.write16(a + 8, se);          // the highest part first: a fault leaves memory untouched
  m.write32(a, lo | 0); m.write32(a + 4, hi | 0);
}

const MT_F32 = 0, MT_I32 = 1, MT_F64 = 2, MT_I16 = 3;

/** Reads and converts a D8/DA/DC/DE memory operand to 80 bits in y (DE for denormal floats). */
function rdOperand(c: Cpu, a: number, mt: number): void {
  const m = c.mem;
  switch (mt) {
    case MT_F32: fromF32(m.read32(a) >>> 0); break;
    case MT_F64: { const lo = m.read64(a) >>> 0; fromF64(lo, m.hi >>> 0); break; }
    case MT_I32: fromInt(m.read32(a), 0, 4); break;
    default: fromInt(m.read16(a), 0, 2); break;
  }
  yse = F.se; yhi = F.hi; ylo = F.lo;
}

// ---- arithmetic ---------------------------------------------------------------------------------------

const A_ADD = 0, A_MUL = 1, A_COM = 2, A_COMP = 3, A_SUB = 4, A_SUBR = 5, A_DIV = 6, A_DIVR = 7;

/** x op y into F. */
function arith(op: number, cw: number): void {
  const p = precisionOf(cw);
  switch (op) {
    case A_ADD: add(xse, xhi, xlo, yse, yhi, ylo, 0, p, cw); break;
    case A_MUL: mul(xse, xhi, xlo, yse, yhi, ylo, p, cw); break;
    case A_SUB: add(xse, xhi, xlo, yse, yhi, ylo, 1, p, cw); break;
    case A_SUBR: add(yse, yhi, ylo, xse, xhi, xlo, 1, p, cw); break;
    case A_DIV: div(xse, xhi, xlo, yse, yhi, ylo, p, cw); break;
    default: div(yse, yhi, ylo, xse, xhi, xlo, p, cw); break;
  }
}

/** FCOM family on x, y: sets C3 C2 C0, clears C1; pops `pops` times unless suppressed. */
function fcom(d: DataView, quiet: boolean, pops: number): void {
  const r = compare(xse, xhi, xlo, yse, yhi, ylo, quiet);
  if (!commit(d, F.exc, 0)) return;
  setCC(d, CMP_CC[r]);
  for (let k = 0; k < pops; k++) pop(d);
}

/** D8/DC/DA/DE with a memory operand: ST0 = ST0 op m. */
function arithMem(c: Cpu, i: Insn): void {
  pending(c, i);
  const a = c.ea(i);
  F.exc = 0; F.up = 0;
  rdOperand(c, a, i.ext);
  note(c, i, a);
  const d = c.state.dv;
  const op = i.reg & 7, p0 = top(d);
  ldx(d, p0);
  if (classify(xse, xhi, xlo) >= K_QNAN) F.exc &= ~DE;     // no DE alongside a NaN operand
  if (!used(d, p0)) {
    if (!underflow(d)) return;
    if (op === A_COM || op === A_COMP) { setCC(d, C0 | C2 | C3); if (op === A_COMP) pop(d); }
    else wrInd(d, p0);
    return;
  }
  ldx(d, p0);
  if (op === A_COM || op === A_COMP) { fcom(d, false, op === A_COMP ? 1 : 0); return; }
  arith(op, fcw(d));
  if (commit(d, F.exc, F.up)) wr(d, p0, F.se, F.hi, F.lo);
}

/** D8 register forms: ST0 = ST0 op ST(i); FCOM/FCOMP ST(i). */
function arithST0(c: Cpu, i: Insn): void {
  const d = begin(c, i);
  const op = i.reg & 7, p0 = top(d), pi = (p0 + (i.rm & 7)) & 7;
  if (!used(d, p0) || !used(d, pi)) {
    if (!underflow(d)) return;
    if (op === A_COM || op === A_COMP) { setCC(d, C0 | C2 | C3); if (op === A_COMP) pop(d); }
    else wrInd(d, p0);
    return;
  }
  ldx(d, p0); ldy(d, pi);
  if (op === A_COM || op === A_COMP) { fcom(d, false, op === A_COMP ? 1 : 0); return; }
  arith(op, fcw(d));
  if (commit(d, F.exc, F.up)) wr(d, p0, F.se, F.hi, F.lo);
}

/** DC/DE register forms: ST(i) = ST(i) op ST0 (ext = 1: pop). Reg 2/3 alias FCOM/FCOMP;
 *  DE D9 is FCOMPP. */
function arithSTi(c: Cpu, i: Insn): void {
  const op = i.reg & 7, popN = i.ext;
  if (op === A_COMP && popN === 1 && (i.rm & 7) !== 1) return raiseUD(c, i);
  const d = begin(c, i);
  const p0 = top(d), pi = (p0 + (i.rm & 7)) & 7;
  const isCom = op === A_COM || op === A_COMP;
  const comPops = (op === A_COMP ? 1 : 0) + popN;      // DC D0 FCOM2, DC D8 FCOMP3, DE D0 FCOMP5, DE D9 FCOMPP
  if (!used(d, p0) || !used(d, pi)) {
    if (!underflow(d)) return;
    if (isCom) {
      setCC(d, C0 | C2 | C3);
      for (let k = 0; k < comPops; k++) pop(d);
    } else { wrInd(d, pi); if (popN) pop(d); }
    return;
  }
  if (isCom) {
    ldx(d, p0); ldy(d, pi);
    fcom(d, false, comPops);
    return;
  }
  ldx(d, pi); ldy(d, p0);
  arith(op >= 4 ? op ^ 1 : op, fcw(d));              // reg 4..7 here are FSUBR FSUB FDIVR FDIV
  if (!commit(d, F.exc, F.up)) return;
  wr(d, pi, F.se, F.hi, F.lo);
  if (popN) pop(d);
}

for (let r = 0; r < 8; r++) {
  const nm = ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'][r];
  const nmi = ['fiadd', 'fimul', 'ficom', 'ficomp', 'fisub', 'fisubr', 'fidiv', 'fidivr'][r];
  def(0, 0xd8, { name: nm, fn: arithMem, ext: MT_F32, form: 'mem', flags: 'n' }, { reg: r });
  def(0, 0xdc, { name: nm, fn: arithMem, ext: MT_F64, form: 'mem', flags: 'n' }, { reg: r });
  def(0, 0xda, { name: nmi, fn: arithMem, ext: MT_I32, form: 'mem', flags: 'n' }, { reg: r });
  def(0, 0xde, { name: nmi, fn: arithMem, ext: MT_I16, form: 'mem', flags: 'n' }, { reg: r });
  def(0, 0xd8, { name: nm, fn: arithST0, form: 'reg', flags: 'n' }, { reg: r });
  const rn = ['fadd', 'fmul', 'fcom', 'fcomp', 'fsubr', 'fsub', 'fdivr', 'fdiv'][r];
  def(0, 0xdc, { name: rn, fn: arithSTi, ext: 0, form: 'reg', flags: 'n' }, { reg: r });
  def(0, 0xde, { name: r === 3 ? 'fcompp' : r === 2 ? 'fcomp' : rn + 'p', fn: arithSTi, ext: 1, form: 'reg', flags: 'n' }, { reg: r });
}

// ---- loads and stores -----------------------------------------------------------------------------------

/** FLD m32/m64 (ext 4/8): SNaN -> IE and quieted; denormal -> DE. FLD m80 (ext 10): as is. */
function fldMem(c: Cpu, i: Insn): void {
  pending(c, i);
  const a = c.ea(i);
  F.exc = 0; F.up = 0;
  if (i.ext === 10) { rd80(c, a); }
  else {
    rdOperand(c, a, i.ext === 4 ? MT_F32 : MT_F64);
    if (classify(yse, yhi, ylo) === K_SNAN) { F.exc |= IE; yhi = (yhi | 0x40000000) >>> 0; }
  }
  note(c, i, a);
  pushVal(c.state.dv, yse, yhi, ylo);
}

/** FILD m16/m32/m64 (ext = size). */
function fild(c: Cpu, i: Insn): void {
  pending(c, i);
  const a = c.ea(i);
  const m = c.mem;
  let lo: number, hi = 0;
  if (i.ext === 8) { lo = m.read64(a); hi = m.hi; }
  else lo = i.ext === 4 ? m.read32(a) : m.read16(a);
  F.exc = 0; F.up = 0;
  fromInt(lo, hi, i.ext);
  note(c, i, a);
  pushVal(c.state.dv, F.se, F.hi, F.lo);
}

/** FST/FSTP m32/m64/m80: ext = size | 0x100 for the popping form. */
function fstMem(c: Cpu, i: Insn): void {
  pending(c, i);
  const a = c.ea(i);
  const d = c.state.dv;
  const size = i.ext & 0xff, doPop = (i.ext & 0x100) !== 0;
  F.exc = 0; F.up = 0;
  note(c, i, a);
  const p0 = top(d);
  let se = IND_SE, hi = IND_HI, lo = IND_LO, exc: number, up = 0;
  if (!used(d, p0)) {
    exc = IE | SF;
    if (size === 4) { lo = 0xffc00000; hi = 0; } else if (size === 8) { lo = 0; hi = 0xfff80000; }
  } else {
    ldx(d, p0);
    if (size === 10) { se = xse; hi = xhi; lo = xlo; }
    else {
      if (size === 4) toF32(xse, xhi, xlo, fcw(d)); else toF64(xse, xhi, xlo, fcw(d));
      lo = F.lo; hi = F.hi;
    }
    exc = F.exc; up = F.up;
  }
  // an unmasked exception other than precision leaves the destination alone; an unmasked
  // overflow/underflow of a memory store then reports neither PE nor C1
  if ((exc & ~fcw(d) & (OE | UE)) !== 0) { exc &= ~PE; up = 0; }
  if ((exc & ~fcw(d) & 0x1f) === 0) {
    const m = c.mem;
    if (size === 4) m.write32(a, lo | 0);
    else if (size === 8) m.write64(a, lo | 0, hi | 0);
    else wr80(c, a, se, hi, lo);
  }
  if (!commit(d, exc, up)) return;
  if ((exc & ~fcw(d) & (OE | UE)) !== 0) return;
  if (doPop) pop(d);
}

/** FIST/FISTP/FISTTP: ext = size | 0x100 pop | 0x200 truncate. */
function fist(c: Cpu, i: Insn): void {
  pending(c, i);
  const a = c.ea(i);
  const d = c.state.dv;
  const size = i.ext & 0xff, doPop = (i.ext & 0x100) !== 0, trunc = (i.ext & 0x200) !== 0;
  F.exc = 0; F.up = 0;
  note(c, i, a);
  const p0 = top(d);
  let lo: number, hi = 0, exc: number, up = 0;
  if (!used(d, p0)) {
    exc = IE | SF;
    if (size === 8) { lo = 0; hi = 0x80000000; } else lo = size === 4 ? 0x80000000 : 0x8000;
  } else {
    ldx(d, p0);
    toInt(xse, xhi, xlo, size, trunc ? RC_ZERO : (fcw(d) >>> 10) & 3);
    lo = F.lo; hi = F.hi; exc = F.exc; up = F.up;
  }
  if ((exc & ~fcw(d) & IE) === 0) {
    const m = c.mem;
    if (size === 2) m.write16(a, lo); else if (size === 4) m.write32(a, lo | 0); else m.write64(a, lo | 0, hi | 0);
  }
  if (!commit(d, exc, up)) return;
  if (doPop) pop(d);
}

def(0, 0xd9, { name: 'fld', fn: fldMem, ext: 4, form: 'mem', flags: 'n' }, { reg: 0 });
def(0, 0xdd, { name: 'fld', fn: fldMem, ext: 8, form: 'mem', flags: 'n' }, { reg: 0 });
def(0, 0xdb, { name: 'fld', fn: fldMem, ext: 10, form: 'mem', flags: 'n' }, { reg: 5 });
def(0, 0xd9, { name: 'fst', fn: fstMem, ext: 4, form: 'mem', flags: 'n' }, { reg: 2 });
def(0, 0xd9, { name: 'fstp', fn: fstMem, ext: 0x104, form: 'mem', flags: 'n' }, { reg: 3 });
def(0, 0xdd, { name: 'fst', fn: fstMem, ext: 8, form: 'mem', flags: 'n' }, { reg: 2 });
def(0, 0xdd, { name: 'fstp', fn: fstMem, ext: 0x108, form: 'mem', flags: 'n' }, { reg: 3 });
def(0, 0xdb, { name: 'fstp', fn: fstMem, ext: 0x10a, form: 'mem', flags: 'n' }, { reg: 7 });
def(0, 0xdf, { name: 'fild', fn: fild, ext: 2, form: 'mem', flags: 'n' }, { reg: 0 });
def(0, 0xdb, { name: 'fild', fn: fild, ext: 4, form: 'mem', flags: 'n' }, { reg: 0 });
def(0, 0xdf, { name: 'fild', fn: fild, ext: 8, form: 'mem', flags: 'n' }, { reg: 5 });
def(0, 0xdf, { name: 'fisttp', fn: fist, ext: 0x302, form: 'mem', flags: 'n' }, { reg: 1 });
def(0, 0xdb, { name: 'fisttp', fn: fist, ext: 0x304, form: 'mem', flags: 'n' }, { reg: 1 });
def(0, 0xdd, { name: 'fisttp', fn: fist, ext: 0x308, form: 'mem', flags: 'n' }, { reg: 1 });
def(0, 0xdf, { name: 'fist', fn: fist, ext: 2, form: 'mem', flags: 'n' }, { reg: 2 });
def(0, 0xdb, { name: 'fist', fn: fist, ext: 4, form: 'mem', flags: 'n' }, { reg: 2 });
def(0, 0xdf, { name: 'fistp', fn: fist, ext: 0x102, form: 'mem', flags: 'n' }, { reg: 3 });
def(0, 0xdb, { name: 'fistp', fn: fist, ext: 0x104, form: 'mem', flags: 'n' }, { reg: 3 });
def(0, 0xdf, { name: 'fistp', fn: fist, ext: 0x108, form: 'mem', flags: 'n' }, { reg: 7 });

// ---- packed BCD -------------------------------------------------------------------------------------------

function fbld(c: Cpu, i: Insn): void {
  pending(c, i);
  const a = c.ea(i);
  const bytes = c.mem.readBytes(a, 10);
  F.exc = 0; F.up = 0;
  note(c, i, a);
  // value = sum digit * 10^k; accumulate in two parts below 10^9 to stay exact
  let lo9 = 0, hi9 = 0;
  for (let k = 8; k >= 0; k--) {
    const b = bytes[k], hiD = b >>> 4, loD = b & 15;
    if (k >= 4) {
      // bytes 8..5 and the high digit of byte 4 form the top 9 digits
      if (k === 4) { hi9 = hi9 * 10 + hiD; lo9 = loD; }
      else hi9 = hi9 * 100 + hiD * 10 + loD;
    } else lo9 = lo9 * 100 + hiD * 10 + loD;
  }
  // n = hi9 * 1e9 + lo9 (< 2^60): split into 32-bit words exactly
  const p = mul32(hi9, 1000000000);
  let l = p.lo + lo9, h = p.hi;
  if (l >= TWO32) { l -= TWO32; h += 1; }
  const neg = (bytes[9] & 0x80) !== 0;
  if (h === 0 && l === 0) { pushVal(c.state.dv, neg ? 0x8000 : 0, 0, 0); return; }
  fromInt(l >>> 0, h >>> 0, 8);          // below 2^63: positive as a signed 64-bit integer
  pushVal(c.state.dv, F.se | (neg ? 0x8000 : 0), F.hi, F.lo);
}

const m32r = { lo: 0, hi: 0 };
/** Exact product of two non-negative integers below 2^32 as 32-bit words. */
function mul32(a: number, b: number): { lo: number; hi: number } {
  const al = a & 0xffff, ah = Math.floor(a / 65536), bl = b & 0xffff, bh = Math.floor(b / 65536);
  const ll = al * bl, mid = al * bh + ah * bl, hh = ah * bh;
  const midLo = mid % 65536, midHi = (mid - midLo) / 65536;
  let lo = ll + midLo * 65536, hi = hh + midHi;
  if (lo >= TWO32) { const k = Math.floor(lo / TWO32); lo -= k * TWO32; hi += k; }
  m32r.lo = lo; m32r.hi = hi;
  return m32r;
}

function fbstp(c: Cpu, i: Insn): void {
  pending(c, i);
  const a = c.ea(i);
  const d = c.state.dv;
  F.exc = 0; F.up = 0;
  note(c, i, a);
  const out = new Uint8Array(10);
  const p0 = top(d);
  let exc: number, up = 0, ok = false;
  if (!used(d, p0)) exc = IE | SF;
  else {
    ldx(d, p0);
    // round to an integer by RC, then check |n| < 10^18
    toInt(xse, xhi, xlo, 8, (fcw(d) >>> 10) & 3);
    exc = F.exc; up = F.up;
    if ((exc & IE) === 0) {
      let lo = F.lo, hi = F.hi;
      const neg = (xse & 0x8000) !== 0;
      if (hi >= 0x80000000) {        // magnitude
        lo = TWO32 - lo; hi = 0xffffffff - hi;
        if (lo === TWO32) { lo = 0; hi += 1; }
      }
      // 10^18 = 0x0DE0B6B3_A7640000
      if (hi > 0x0de0b6b3 || (hi === 0x0de0b6b3 && lo >= 0xa7640000)) { exc = (exc & ~PE) | IE; up = 0; }
      else {
        ok = true;
        // split into hi9 * 1e9 + lo9 using 16-bit limb division, then 18 digits
        let rem = 0;
        const limbs = [hi >>> 16, hi & 0xffff, lo >>> 16, lo & 0xffff];
        for (let k = 0; k < 4; k++) { const v = rem * 65536 + limbs[k]; limbs[k] = Math.floor(v / 1e9); rem = v - limbs[k] * 1e9; }
        let hi9 = ((limbs[0] * 65536 + limbs[1]) * 65536 + limbs[2]) * 65536 + limbs[3];
        let lo9 = rem;
        for (let k = 0; k < 18; k++) {
          let dg: number;
          if (k < 9) { dg = lo9 % 10; lo9 = (lo9 - dg) / 10; } else { dg = hi9 % 10; hi9 = (hi9 - dg) / 10; }
          out[k >> 1] |= (k & 1) ? dg << 4 : dg;
        }
        out[9] = neg ? 0x80 : 0;
      }
    }
  }
  if (!ok) { out.fill(0); out[7] = 0xc0; out[8] = 0xff; out[9] = 0xff; }
  if ((exc & ~fcw(d) & IE) === 0) c.mem.writeBytes(a, out);
  if (!commit(d, exc, up)) return;
  pop(d);
}

def(0, 0xdf, { name: 'fbld', fn: fbld, form: 'mem', flags: 'n' }, { reg: 4 });
def(0, 0xdf, { name: 'fbstp', fn: fbstp, form: 'mem', flags: 'n' }, { reg: 6 });

// ---- register moves ---------------------------------------------------------------------------------------

function fldST(c: Cpu, i: Insn): void {
  const d = begin(c, i);
  const pi = phys(d, i.rm & 7);
  if (!used(d, pi)) {
    F.exc = IE | SF;
    const t = (top(d) - 1) & 7;
    if (!commit(d, F.exc, used(d, t) ? 1 : 0)) return;
    setTop(d, t); wrInd(d, t);
    return;
  }
  ldx(d, pi);
  pushVal(d, xse, xhi, xlo);
}

function fxch(c: Cpu, i: Insn): void {
  const d = begin(c, i);
  const p0 = top(d), pi = (p0 + (i.rm & 7)) & 7;
  if (!used(d, p0) || !used(d, pi)) {
    if (!underflow(d)) return;
    if (!used(d, p0)) wrInd(d, p0);
    if (!used(d, pi)) wrInd(d, pi);
  } else commit(d, 0, 0);
  ldx(d, p0); ldy(d, pi);
  wr(d, p0, yse, yhi, ylo); wr(d, pi, xse, xhi, xlo);
}

/** FST/FSTP ST(i) (ext 1: pop). */
function fstST(c: Cpu, i: Insn): void {
  const d = begin(c, i);
  const p0 = top(d), pi = (p0 + (i.rm & 7)) & 7;
  if (!used(d, p0)) {
    if (!underflow(d)) return;
    wrInd(d, pi);
  } else {
    commit(d, 0, 0);
    ldx(d, p0); wr(d, pi, xse, xhi, xlo);
  }
  if (i.ext) pop(d);
}

function ffree(c: Cpu, i: Insn): void {
  const d = begin(c, i);
  const pi = phys(d, i.rm & 7);
  d.setUint8(TAG, d.getUint8(TAG) & ~(1 << pi));
  if (i.ext) pop(d);
}

function fcmov(c: Cpu, i: Insn): void {
  const d = begin(c, i);
  const p0 = top(d), pi = (p0 + (i.rm & 7)) & 7;
  const cc = [2, 4, 6, 10, 3, 5, 7, 11][(i.op === 0xdb ? 4 : 0) + (i.reg & 3)];
  if (!used(d, p0) || !used(d, pi)) {
    if (!underflow(d)) return;
    if (cond(c.f, cc)) wrInd(d, p0);
    else if (!used(d, p0)) wrInd(d, p0);
    return;
  }
  commit(d, 0, 0);
  if (cond(c.f, cc)) { ldx(d, pi); wr(d, p0, xse, xhi, xlo); }
}

def(0, 0xd9, { name: 'fld', fn: fldST, form: 'reg', flags: 'n' }, { reg: 0 });
def(0, 0xd9, { name: 'fxch', fn: fxch, form: 'reg', flags: 'n' }, { reg: 1 });
def(0, 0xdd, { name: 'fxch', fn: fxch, form: 'reg', flags: 'n' }, { reg: 1 });      // undocumented alias
def(0, 0xdf, { name: 'fxch', fn: fxch, form: 'reg', flags: 'n' }, { reg: 1 });      // undocumented alias
def(0, 0xdd, { name: 'fst', fn: fstST, ext: 0, form: 'reg', flags: 'n' }, { reg: 2 });
def(0, 0xdd, { name: 'fstp', fn: fstST, ext: 1, form: 'reg', flags: 'n' }, { reg: 3 });
def(0, 0xd9, { name: 'fstp', fn: fstST, ext: 1, form: 'reg', flags: 'n' }, { reg: 3 });   // undocumented alias
def(0, 0xdf, { name: 'fstp', fn: fstST, ext: 1, form: 'reg', flags: 'n' }, { reg: 2 });   // undocumented alias
def(0, 0xdf, { name: 'fstp', fn: fstST, ext: 1, form: 'reg', flags: 'n' }, { reg: 3 });   // undocumented alias
def(0, 0xdd, { name: 'ffree', fn: ffree, ext: 0, form: 'reg', flags: 'n' }, { reg: 0 });
def(0, 0xdf, { name: 'ffreep', fn: ffree, ext: 1, form: 'reg', flags: 'n' }, { reg: 0 });
for (let r = 0; r < 4; r++) {
  def(0, 0xda, { name: ['fcmovb', 'fcmove', 'fcmovbe', 'fcmovu'][r], fn: fcmov, form: 'reg' }, { reg: r });
  def(0, 0xdb, { name: ['fcmovnb', 'fcmovne', 'fcmovnbe', 'fcmovnu'][r], fn: fcmov, form: 'reg' }, { reg: r });
}

// ---- comparisons ----------------------------------------------------------------------------------------

/** FUCOM/FUCOMP ST(i) (DD /4 /5, ext = pops) and FUCOMPP (DA E9). */
function fucom(c: Cpu, i: Insn): void {
  if (i.op === 0xda && (i.rm & 7) !== 1) return raiseUD(c, i);
  const d = begin(c, i);
  const p0 = top(d), pi = (p0 + (i.rm & 7)) & 7;
  if (!used(d, p0) || !used(d, pi)) {
    if (!underflow(d)) return;
    setCC(d, C0 | C2 | C3);
    for (let k = 0; k < i.ext; k++) pop(d);
    return;
  }
  ldx(d, p0); ldy(d, pi);
  fcom(d, true, i.ext);
}

/** FCOMI/FUCOMI/FCOMIP/FUCOMIP: ext = quiet | 2 * pop. ZF PF CF from the comparison. */
function fcomi(c: Cpu, i: Insn): void {
  const d = begin(c, i);
  const p0 = top(d), pi = (p0 + (i.rm & 7)) & 7;
  const doPop = (i.ext & 2) !== 0;
  let r: number;
  if (!used(d, p0) || !used(d, pi)) {
    if (!underflow(d)) return;
    r = 3;
  } else {
    ldx(d, p0); ldy(d, pi);
    r = compare(xse, xhi, xlo, yse, yhi, ylo, (i.ext & 1) !== 0);
    if (!commit(d, F.exc, 0)) return;
  }
  const fl = getFlags(c.f) & ~(CF | PF | AF | ZF | SFLAG | OF);
  setFlags(c.f, fl | (r === CMP_LT ? CF : r === CMP_EQ ? ZF : r === 3 ? ZF | PF | CF : 0));
  if (doPop) pop(d);
}

def(0, 0xdd, { name: 'fucom', fn: fucom, ext: 0, form: 'reg', flags: 'n' }, { reg: 4 });
def(0, 0xdd, { name: 'fucomp', fn: fucom, ext: 1, form: 'reg', flags: 'n' }, { reg: 5 });
def(0, 0xda, { name: 'fucompp', fn: fucom, ext: 2, form: 'reg', flags: 'n' }, { reg: 5 });
def(0, 0xdb, { name: 'fucomi', fn: fcomi, ext: 1, form: 'reg', flags: 'w' }, { reg: 5 });
def(0, 0xdb, { name: 'fcomi', fn: fcomi, ext: 0, form: 'reg', flags: 'w' }, { reg: 6 });
def(0, 0xdf, { name: 'fucomip', fn: fcomi, ext: 3, form: 'reg', flags: 'w' }, { reg: 5 });
def(0, 0xdf, { name: 'fcomip', fn: fcomi, ext: 2, form: 'reg', flags: 'w' }, { reg: 6 });

// ---- D9 register group 4: FCHS FABS FTST FXAM ---------------------------------------------------------------

function d9e0(c: Cpu, i: Insn): void {
  const rm = i.rm & 7;
  if (rm === 2 || rm === 3 || rm > 5) return raiseUD(c, i);
  const d = begin(c, i);
  const p0 = top(d);
  if (rm === 5) {                                            // FXAM
    let cc: number;
    ldx(d, p0);
    if (!used(d, p0)) cc = C3 | C0;
    else {
      switch (classify(xse, xhi, xlo)) {
        case K_UNSUPPORTED: cc = 0; break;
        case K_QNAN: case K_SNAN: cc = C0; break;
        case K_NORMAL: cc = C2; break;
        case K_INF: cc = C2 | C0; break;
        case K_ZERO: cc = C3; break;
        default: cc = C3 | C2; break;
      }
    }
    if (xse & 0x8000) cc |= C1;
    setCC(d, cc);
    return;
  }
  if (!used(d, p0)) {
    if (!underflow(d)) return;
    if (rm === 4) setCC(d, C0 | C2 | C3); else wrInd(d, p0);
    return;
  }
  ldx(d, p0);
  if (rm === 4) {                                            // FTST
    const r = compare(xse, xhi, xlo, 0, 0, 0, false);
    if (!commit(d, F.exc, 0)) return;
    setCC(d, CMP_CC[r]);
    return;
  }
  commit(d, 0, 0);
  wr(d, p0, rm === 0 ? xse ^ 0x8000 : xse & 0x7fff, xhi, xlo);
}

// ---- D9 register group 5: constants ---------------------------------------------------------------------------

// 64-bit significands of the constants with the next 32 bits for rounding (computed to 128 bits).
const CONSTS: [number, number, number, number][] = [
  [0x3fff, 0x80000000, 0x00000000, 0],              // 1
  [0x4000, 0xd49a784b, 0xcd1b8afe, 0x492bf6ff],     // log2(10)
  [0x3fff, 0xb8aa3b29, 0x5c17f0bb, 0xbe87fed0],     // log2(e)
  [0x4000, 0xc90fdaa2, 0x2168c234, 0xc4c6628b],     // pi
  [0x3ffd, 0x9a209a84, 0xfbcff798, 0x8f8959ac],     // log10(2)
  [0x3ffe, 0xb17217f7, 0xd1cf79ab, 0xc9e3b398],     // ln(2)
  [0, 0, 0, 0],                                     // +0
];

function fldConst(c: Cpu, i: Insn): void {
  const rm = i.rm & 7;
  if (rm === 7) return raiseUD(c, i);
  const d = begin(c, i);
  const [se, hi, lo, x] = CONSTS[rm];
  if (x === 0) { pushVal(d, se, hi, lo); return; }
  // rounded by RC as the hardware does (precision control does not apply); no PE
  packRounded(0, se - 16383, hi, lo, x, 64, fcw(d) | 0x3f);
  F.exc = 0; F.up = 0;
  pushVal(d, F.se, F.hi, F.lo);
}

// ---- D9 register groups 6 and 7 ---------------------------------------------------------------------------------

/** One-operand ST0 operations: f computes F from x. */
function unaryST0(c: Cpu, i: Insn, f: (cw: number) => void): void {
  const d = begin(c, i);
  const p0 = top(d);
  if (!used(d, p0)) { if (underflow(d)) wrInd(d, p0); return; }
  ldx(d, p0);
  f(fcw(d));
  if (commit(d, F.exc, F.up)) wr(d, p0, F.se, F.hi, F.lo);
}

/** ST1 = f(ST0, ST1), pop: FYL2X, FYL2XP1, FPATAN. FSCALE/FPREM keep both. */
function binaryST01(c: Cpu, i: Insn, f: (cw: number) => void, popAfter: boolean): boolean {
  const d = begin(c, i);
  const p0 = top(d), p1 = (p0 + 1) & 7;
  if (!used(d, p0) || !used(d, p1)) {
    if (!underflow(d)) return false;
    if (popAfter) { wrInd(d, p1); pop(d); } else wrInd(d, p0);
    return false;
  }
  ldx(d, p0); ldy(d, p1);
  f(fcw(d));
  if (!commit(d, F.exc, F.up)) return false;
  if (popAfter) { wr(d, p1, F.se, F.hi, F.lo); pop(d); }
  else wr(d, p0, F.se, F.hi, F.lo);
  return true;
}

function fprem(c: Cpu, i: Insn, ieee: boolean): void {
  const d = c.state.dv;
  const ok = binaryST01(c, i, (cw) => prem(xse, xhi, xlo, yse, yhi, ylo, ieee, cw), false);
  if (!ok) return;
  if (classify(F.se, F.hi, F.lo) >= K_QNAN && (F.exc & IE) !== 0 || F.se === IND_SE && F.hi === IND_HI && F.lo === 0 && (F.exc & IE)) {
    setCC(d, d.getUint16(SW, true) & CC & ~C2 & ~C1);
    return;
  }
  if (!remComplete) { setCC(d, C2); return; }
  const q = remQ;
  setCC(d, ((q & 4) ? C0 : 0) | ((q & 2) ? C3 : 0) | ((q & 1) ? C1 : 0));
}

/** Transcendental in/out-of-range check for FSIN/FCOS/FSINCOS/FPTAN: |x| >= 2^63 sets C2. */
function trigRange(d: DataView): boolean {
  const k = classify(xse, xhi, xlo);
  if ((k === K_NORMAL) && (xse & 0x7fff) >= 0x3fff + 63) {
    setCC(d, (d.getUint16(SW, true) & ~(C2 | C1)) | C2);
    return false;
  }
  return true;
}

function d9f0(c: Cpu, i: Insn): void {
  const rm = i.rm & 7;
  switch (rm) {
    case 0: unaryST0(c, i, (cw) => transcendental(T_F2XM1, xse, xhi, xlo, 0, 0, 0, cw)); clearC2(c); return;
    case 1: binaryST01(c, i, (cw) => transcendental(T_FYL2X, xse, xhi, xlo, yse, yhi, ylo, cw), true); clearC2(c); return;
    case 2: fptan(c, i); return;
    case 3: binaryST01(c, i, (cw) => transcendental(T_FPATAN, xse, xhi, xlo, yse, yhi, ylo, cw), true); clearC2(c); return;
    case 4: fxtract(c, i); return;
    case 5: fprem(c, i, true); return;
    case 6: case 7: {
      const d = begin(c, i);
      commit(d, 0, 0);
      setTop(d, top(d) + (rm === 6 ? -1 : 1));
      return;
    }
  }
}

function clearC2(c: Cpu): void { const d = c.state.dv; d.setUint16(SW, d.getUint16(SW, true) & ~C2, true); }

function d9f8(c: Cpu, i: Insn): void {
  const rm = i.rm & 7;
  switch (rm) {
    case 0: fprem(c, i, false); return;
    case 1: binaryST01(c, i, (cw) => transcendental(T_FYL2XP1, xse, xhi, xlo, yse, yhi, ylo, cw), true); clearC2(c); return;
    case 2: unaryST0(c, i, (cw) => sqrt(xse, xhi, xlo, precisionOf(cw), cw)); return;
    case 3: fsincos(c, i); return;
    case 4: unaryST0(c, i, (cw) => roundInt(xse, xhi, xlo, cw)); return;
    case 5: binaryST01(c, i, (cw) => scale(xse, xhi, xlo, yse, yhi, ylo, cw), false); return;
    case 6: case 7: {
      const d = begin(c, i);
      const p0 = top(d);
      if (!used(d, p0)) { if (underflow(d)) wrInd(d, p0); return; }
      ldx(d, p0);
      if (!trigRange(d)) { commit(d, 0, 0); setCC(d, (d.getUint16(SW, true) & ~C1) | C2); return; }
      transcendental(rm === 6 ? T_SIN : T_COS, xse, xhi, xlo, 0, 0, 0, fcw(d));
      if (commit(d, F.exc, F.up)) { wr(d, p0, F.se, F.hi, F.lo); clearC2(c); }
      return;
    }
  }
}

function fxtract(c: Cpu, i: Insn): void {
  const d = begin(c, i);
  const p0 = top(d);
  if (!used(d, p0)) {
    if (!underflow(d)) return;
    wrInd(d, p0);
    pushVal(d, IND_SE, IND_HI, IND_LO);
    return;
  }
  ldx(d, p0);
  const t = (p0 - 1) & 7;
  if (used(d, t)) {
    if (!commit(d, IE | SF, 1)) return;
    wrInd(d, p0); setTop(d, t); wrInd(d, t);
    return;
  }
  xtract(xse, xhi, xlo);
  if (!commit(d, F.exc, 0)) return;
  wr(d, p0, xtSE, xtHI, xtLO);
  setTop(d, t); wr(d, t, F.se, F.hi, F.lo);
}

function fptan(c: Cpu, i: Insn): void {
  const d = begin(c, i);
  const p0 = top(d), t = (p0 - 1) & 7;
  if (!used(d, p0)) {
    if (!underflow(d)) return;
    wrInd(d, p0); setTop(d, t); wrInd(d, t);
    return;
  }
  ldx(d, p0);
  if (!trigRange(d)) { commit(d, 0, 0); setCC(d, (d.getUint16(SW, true) & ~C1) | C2); return; }
  if (used(d, t)) {
    if (!commit(d, IE | SF, 1)) return;
    wrInd(d, p0); setTop(d, t); wrInd(d, t);
    return;
  }
  transcendental(T_TAN, xse, xhi, xlo, 0, 0, 0, fcw(d));
  if (!commit(d, F.exc, F.up)) return;
  clearC2(c);
  wr(d, p0, F.se, F.hi, F.lo);
  const k = classify(F.se, F.hi, F.lo);
  setTop(d, t);
  if (k >= K_QNAN && k !== K_UNSUPPORTED) wr(d, t, F.se, F.hi, F.lo);
  else wr(d, t, 0x3fff, 0x80000000, 0);
}

function fsincos(c: Cpu, i: Insn): void {
  const d = begin(c, i);
  const p0 = top(d), t = (p0 - 1) & 7;
  if (!used(d, p0)) {
    if (!underflow(d)) return;
    wrInd(d, p0); setTop(d, t); wrInd(d, t);
    return;
  }
  ldx(d, p0);
  if (!trigRange(d)) { commit(d, 0, 0); setCC(d, (d.getUint16(SW, true) & ~C1) | C2); return; }
  if (used(d, t)) {
    if (!commit(d, IE | SF, 1)) return;
    wrInd(d, p0); setTop(d, t); wrInd(d, t);
    return;
  }
  transcendental(T_SIN, xse, xhi, xlo, 0, 0, 0, fcw(d));
  const sse = F.se, shi = F.hi, slo = F.lo, sup = F.up;
  F.up = 0;
  transcendental(T_COS, xse, xhi, xlo, 0, 0, 0, fcw(d));
  if (!commit(d, F.exc, F.up | sup)) return;
  clearC2(c);
  wr(d, p0, sse, shi, slo);
  setTop(d, t); wr(d, t, F.se, F.hi, F.lo);
}

function fnop(c: Cpu, i: Insn): void {
  if ((i.rm & 7) !== 0) return raiseUD(c, i);
  begin(c, i);
}

def(0, 0xd9, { name: 'fnop', fn: fnop, form: 'reg', flags: 'n' }, { reg: 2 });
def(0, 0xd9, { name: 'fchs/fabs/ftst/fxam', fn: d9e0, form: 'reg', flags: 'n' }, { reg: 4 });
def(0, 0xd9, { name: 'fldconst', fn: fldConst, form: 'reg', flags: 'n' }, { reg: 5 });
def(0, 0xd9, { name: 'f2xm1..fincstp', fn: d9f0, form: 'reg', flags: 'n' }, { reg: 6 });
def(0, 0xd9, { name: 'fprem..fcos', fn: d9f8, form: 'reg', flags: 'n' }, { reg: 7 });

// ---- control: FLDCW FNSTCW FNSTSW FNCLEX FNINIT, environment --------------------------------------------------------

function fldcw(c: Cpu, i: Insn): void {
  pending(c, i);
  const v = c.mem.read16(c.ea(i));
  const d = c.state.dv;
  d.setUint16(CW, v | 0x40, true);         // bit 6 reads as 1
  syncES(d);
}
function fnstcw(c: Cpu, i: Insn): void { c.mem.write16(c.ea(i), c.state.dv.getUint16(CW, true)); }
function fnstswM(c: Cpu, i: Insn): void { c.mem.write16(c.ea(i), c.state.dv.getUint16(SW, true)); }
function fnstswAX(c: Cpu, i: Insn): void {
  if ((i.rm & 7) !== 0) return raiseUD(c, i);
  c.setR(RAX, 2, c.state.dv.getUint16(SW, true));
}
function dbe0(c: Cpu, i: Insn): void {
  const d = c.state.dv;
  switch (i.rm & 7) {
    case 0: case 1: case 4: return;                       // FENI, FDISI, FSETPM: no-ops since the 387
    case 2: d.setUint16(SW, d.getUint16(SW, true) & 0x7f00, true); return;   // FNCLEX
    case 3: fninit(d); return;
    default: return raiseUD(c, i);
  }
}
function fninit(d: DataView): void {
  d.setUint16(CW, 0x037f, true);
  d.setUint16(SW, 0, true);
  d.setUint8(TAG, 0);
  for (let k = 6; k < 28; k++) d.setUint8(OFF_X87CTL + k, 0);
}

function fwait(c: Cpu, i: Insn): void { pending(c, i); }

/** Full 2-bit tag word from register contents. */
function fullTag(d: DataView): number {
  let tw = 0;
  for (let p = 0; p < 8; p++) {
    let t: number;
    if (!used(d, p)) t = 3;
    else {
      const o = REG + p * 16;
      const k = classify(d.getUint16(o + 8, true), d.getUint32(o + 4, true), d.getUint32(o, true));
      t = k === K_NORMAL ? 0 : k === K_ZERO ? 1 : 2;
    }
    tw |= t << (2 * p);
  }
  return tw;
}

function abridge(tw: number): number {
  let t = 0;
  for (let p = 0; p < 8; p++) if (((tw >>> (2 * p)) & 3) !== 3) t |= 1 << p;
  return t;
}

/** Writes the FNSTENV image (28 bytes, or 14 in the 16-bit format). */
function storeEnv(c: Cpu, a: number, b16: boolean): void {
  const d = c.state.dv, m = c.mem;
  const cw = d.getUint16(CW, true), sw = d.getUint16(SW, true), tw = fullTag(d);
  const fip = d.getUint32(FIP, true), fdp = d.getUint32(FDP, true);
  const fop = d.getUint16(FOP, true) & 0x7ff, fcs = d.getUint16(FCS, true), fds = d.getUint16(FDS, true);
  if (b16) {
    m.write16(a, cw); m.write16(a + 2, sw); m.write16(a + 4, tw);
    m.write16(a + 6, fip & 0xffff); m.write16(a + 8, fcs);
    m.write16(a + 10, fdp & 0xffff); m.write16(a + 12, fds);
    return;
  }
  m.write32(a, cw | 0xffff0000); m.write32(a + 4, sw | 0xffff0000); m.write32(a + 8, tw | 0xffff0000);
  m.write32(a + 12, fip | 0); m.write32(a + 16, (fcs | (fop << 16)) | 0);
  m.write32(a + 20, fdp | 0); m.write32(a + 24, fds | 0xffff0000);
}

function loadEnv(c: Cpu, a: number, b16: boolean): void {
  const d = c.state.dv, m = c.mem;
  let cw: number, sw: number, tw: number, fip: number, fdp: number, fcs: number, fds: number, fop = 0;
  if (b16) {
    cw = m.read16(a); sw = m.read16(a + 2); tw = m.read16(a + 4);
    fip = m.read16(a + 6); fcs = m.read16(a + 8); fdp = m.read16(a + 10); fds = m.read16(a + 12);
  } else {
    cw = m.read16(a); sw = m.read16(a + 4); tw = m.read16(a + 8);
    fip = m.read32(a + 12) >>> 0; const w = m.read32(a + 16); fcs = w & 0xffff; fop = (w >>> 16) & 0x7ff;
    fdp = m.read32(a + 20) >>> 0; fds = m.read16(a + 24);
  }
  d.setUint16(CW, cw | 0x40, true);
  d.setUint16(SW, sw, true);
  d.setUint8(TAG, abridge(tw));
  d.setUint32(FIP, fip, true); d.setUint32(FIP + 4, 0, true);
  d.setUint32(FDP, fdp, true); d.setUint32(FDP + 4, 0, true);
  d.setUint16(FCS, fcs, true); d.setUint16(FDS, fds, true); d.setUint16(FOP, fop, true);
  syncES(d);
}

function fnstenv(c: Cpu, i: Insn): void {
  const a = c.ea(i);
  storeEnv(c, a, i.p66);
  const d = c.state.dv;
  d.setUint16(CW, d.getUint16(CW, true) | 0x3f, true);     // then masks every exception
  syncES(d);
}
function fldenv(c: Cpu, i: Insn): void { loadEnv(c, c.ea(i), i.p66); }

function fnsave(c: Cpu, i: Insn): void {
  const a = c.ea(i);
  const b16 = i.p66;
  const d = c.state.dv;
  // registers first (the highest addresses): a fault leaves the state untouched
  const base = a + (b16 ? 14 : 28);
  for (let k = 7; k >= 0; k--) { ldx(d, phys(d, k)); wr80(c, base + 10 * k, xse, xhi, xlo); }
  storeEnv(c, a, b16);
  fninit(d);
}
function frstor(c: Cpu, i: Insn): void {
  const a = c.ea(i);
  const b16 = i.p66;
  const base = a + (b16 ? 14 : 28);
  const regs: number[] = [];
  for (let k = 0; k < 8; k++) { rd80(c, base + 10 * k); regs.push(yse, yhi, ylo); }
  loadEnv(c, a, b16);
  const d = c.state.dv;
  const tag = d.getUint8(TAG);
  for (let k = 0; k < 8; k++) wr(d, phys(d, k), regs[3 * k], regs[3 * k + 1], regs[3 * k + 2]);
  d.setUint8(TAG, tag);
}

def(0, 0xd9, { name: 'fldenv', fn: fldenv, form: 'mem', flags: 'n' }, { reg: 4 });
def(0, 0xd9, { name: 'fldcw', fn: fldcw, form: 'mem', flags: 'n' }, { reg: 5 });
def(0, 0xd9, { name: 'fnstenv', fn: fnstenv, form: 'mem', flags: 'n' }, { reg: 6 });
def(0, 0xd9, { name: 'fnstcw', fn: fnstcw, form: 'mem', flags: 'n' }, { reg: 7 });
def(0, 0xdd, { name: 'frstor', fn: frstor, form: 'mem', flags: 'n' }, { reg: 4 });
def(0, 0xdd, { name: 'fnsave', fn: fnsave, form: 'mem', flags: 'n' }, { reg: 6 });
def(0, 0xdd, { name: 'fnstsw', fn: fnstswM, form: 'mem', flags: 'n' }, { reg: 7 });
def(0, 0xdf, { name: 'fnstsw', fn: fnstswAX, form: 'reg', flags: 'n' }, { reg: 4 });
def(0, 0xdb, { name: 'fnclex/fninit', fn: dbe0, form: 'reg', flags: 'n' }, { reg: 4 });
def(0, 0x9b, { name: 'fwait', fn: fwait, flags: 'n' });

// ---- FXSAVE / FXRSTOR ---------------------------------------------------------------------------------------------

/** Writes the 512-byte FXSAVE image at addr (w64: FXSAVE64 layout of FIP/FDP). Bytes 464..511
 *  (available to software) are not written; reserved fields inside the image are written as 0. */
export function fxsave(c: Cpu, addr: number, w64 = c.mode64): void {
  const d = c.state.dv;
  const img = new Uint8Array(464);
  const v = new DataView(img.buffer);
  v.setUint16(0, d.getUint16(CW, true), true);
  v.setUint16(2, d.getUint16(SW, true), true);
  v.setUint8(4, d.getUint8(TAG));
  v.setUint16(6, d.getUint16(FOP, true) & 0x7ff, true);
  v.setUint32(8, d.getUint32(FIP, true), true);
  v.setUint32(16, d.getUint32(FDP, true), true);
  if (w64) {
    v.setUint32(12, d.getUint32(FIP + 4, true), true);
    v.setUint32(20, d.getUint32(FDP + 4, true), true);
  } else {
    v.setUint16(12, d.getUint16(FCS, true), true);
    v.setUint16(20, d.getUint16(FDS, true), true);
  }
  v.setUint32(24, d.getUint32(OFF_MXCSR, true), true);
  v.setUint32(28, 0xffff, true);
  const t = top(d);
  for (let k = 0; k < 8; k++) {
    const o = REG + ((t + k) & 7) * 16;
    for (let b = 0; b < 10; b++) img[32 + 16 * k + b] = d.getUint8(o + b);
  }
  const nx = c.mode64 ? 16 : 8;
  img.set(c.state.u8.subarray(OFF_XMM, OFF_XMM + 16 * nx), 160);
  c.mem.writeBytes(addr, nx === 16 ? img : img.subarray(0, 288));
}

/** Loads the FXSAVE image at addr. Reserved MXCSR bits set: #GP (SIGSEGV). */
export function fxrstor(c: Cpu, addr: number, w64 = c.mode64): void {
  const nx = c.mode64 ? 16 : 8;
  const img = c.mem.readBytes(addr, 160 + 16 * nx);
  const v = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const mx = v.getUint32(24, true);
  if ((mx & ~0xffff) !== 0) raiseGP();
  const d = c.state.dv;
  d.setUint16(CW, v.getUint16(0, true) | 0x40, true);
  d.setUint16(SW, v.getUint16(2, true), true);
  d.setUint8(TAG, v.getUint8(4));
  d.setUint16(FOP, v.getUint16(6, true) & 0x7ff, true);
  d.setUint32(FIP, v.getUint32(8, true), true);
  d.setUint32(FDP, v.getUint32(16, true), true);
  if (w64) {
    d.setUint32(FIP + 4, v.getUint32(12, true), true);
    d.setUint32(FDP + 4, v.getUint32(20, true), true);
  } else {
    d.setUint32(FIP + 4, 0, true); d.setUint32(FDP + 4, 0, true);
    d.setUint16(FCS, v.getUint16(12, true), true); d.setUint16(FDS, v.getUint16(20, true), true);
  }
  d.setUint32(OFF_MXCSR, mx, true);
  const t = top(d);
  for (let k = 0; k < 8; k++) {
    const o = REG + ((t + k) & 7) * 16;
    for (let b = 0; b < 10; b++) d.setUint8(o + b, img[32 + 16 * k + b]);
  }
  c.state.u8.set(img.subarray(160, 160 + 16 * nx), OFF_XMM);
  syncES(d);
}

/** The legacy FNSAVE image (108 bytes, 32-bit format) for i386 signal frames; does not reset. */
export function fsaveImage(c: Cpu): Uint8Array {
  const d = c.state.dv;
  const img = new Uint8Array(108);
  const v = new DataView(img.buffer);
  v.setUint32(0, d.getUint16(CW, true) | 0xffff0000, true);
  v.setUint32(4, d.getUint16(SW, true) | 0xffff0000, true);
  v.setUint32(8, fullTag(d) | 0xffff0000, true);
  v.setUint32(12, d.getUint32(FIP, true), true);
  v.setUint32(16, d.getUint16(FCS, true) | ((d.getUint16(FOP, true) & 0x7ff) << 16), true);
  v.setUint32(20, d.getUint32(FDP, true), true);
  v.setUint32(24, d.getUint16(FDS, true) | 0xffff0000, true);
  const t = top(d);
  for (let k = 0; k < 8; k++) {
    const o = REG + ((t + k) & 7) * 16;
    for (let b = 0; b < 10; b++) img[28 + 10 * k + b] = d.getUint8(o + b);
  }
  return img;
}

function fxsaveI(c: Cpu, i: Insn): void {
  const a = c.ea(i);
  if (a % 16 !== 0) raiseGP();
  fxsave(c, a, (i.rex & 8) !== 0);
}
function fxrstorI(c: Cpu, i: Insn): void {
  const a = c.ea(i);
  if (a % 16 !== 0) raiseGP();
  fxrstor(c, a, (i.rex & 8) !== 0);
}

def(1, 0xae, { name: 'fxsave', fn: fxsaveI, form: 'mem', flags: 'n' }, { reg: 0, mandatory: 'none' });
def(1, 0xae, { name: 'fxrstor', fn: fxrstorI, form: 'mem', flags: 'n' }, { reg: 1, mandatory: 'none' });

export { K_DENORMAL, K_INF, K_ZERO, CMP_GT, roundF80 };
