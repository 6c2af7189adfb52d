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
// Exported:
//   x87Reset(c)            FNINIT state (FCW 037F, empty stack) with zeroed registers; run for every
//                          new CpuState (cpu/ops/index.ts registers it as a CPU reset hook).
//   fxsave(c, addr, w64?)  writes the 512-byte FXSAVE image (w64, default c.mode64: FXSAVE64
//   fxrstor(c, addr, w64?) layout of FIP/FDP; MXCSR from OFF_MXCSR; XMM0-15, or 0-7 in 32-bit
//                          mode); fxrstor raises #GP for reserved MXCSR bits. For signal frames.
//   fsaveImage(c) / frstorImage(c, img)   the 108-byte FNSAVE layout (i386 signal frames).
//   x87Fcw(c), x87Fsw(c), x87Top(c)       readers.
//
// Hardware behaviours reproduced here were measured against an AMD EPYC (the emulated CPUID
// vendor is AuthenticAMD) where the SDM leaves them open: FPREM/FPREM1 reduce by
// N = 32 + (D mod 32) when incomplete; FXSAVE stores FOP/FIP/FDP only while FSW.ES is set; PC = 01
// acts as 64-bit precision; FLDCW keeps FCW bits 0-5 and 8-12; D9 D8+i pops an empty ST0
// without a stack fault; FCMOVcc with an empty operand loads the indefinite whatever the
// condition; FCOMI and FCMOVcc leave C1 alone; FFREE clears C1; an aborted (unmasked) operation
// still sets FCOM's condition codes; DE is not reported along with IE or ZE or a NaN operand;
// an unmasked overflow/underflow of a memory store reports neither PE nor C1; F2XM1 returns x
// for |x| > 1 and FYL2XP1 returns x for x <= -1; trigonometric arguments are reduced modulo the
// 66-bit pi/2 the x87 has always used.
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import type { FramePool } from '../frames.js';
import { def } from '../table.js';
import { OFF_X87, OFF_X87CTL, OFF_XMM, OFF_MXCSR, RAX } from '../state.js';
import { getFlags, setFlags, cond, CF, PF, AF, ZF, SF as SFLAG, OF } from '../flags.js';
import { CpuSignal, SIGFPE, FPE_FLTINV, FPE_FLTDIV, FPE_FLTOVF, FPE_FLTUND, FPE_FLTRES, raiseUD, raiseGP } from '../fault.js';
import {
  F, IE, DE, ZE, OE, UE, PE, K_ZERO, K_NORMAL, K_INF, K_QNAN, K_SNAN, K_UNSUPPORTED,
  IND_SE, IND_HI, IND_LO, classify, precisionOf, add, mul, div, sqrt, compare, CMP_LT, CMP_EQ,
  fromInt, toInt, roundInt, fromF32, fromF64, toF32, toF64, prem, remQ, remComplete, scale, xtract,
  xtSE, xtHI, xtLO, packRounded, RC_ZERO,
} from '../f80.js';
import { transcendental, T_F2XM1, T_FYL2X, T_FYL2XP1, T_FPATAN, T_SIN, T_COS, T_TAN } from '../f80trans.js';

const TWO32 = 4294967296;

// ---- state layout --------------------------------------------------------------------------------
// Pool-wide typed views (as in sse-common.ts): the pool is one WebAssembly.Memory that never grows,
// so the views stay valid; a CPU's field is at (state.base + offset) / width.

let U8 = new Uint8Array(0), U16 = new Uint16Array(0), U32 = new Uint32Array(0);
let bound: FramePool | null = null;

/** Byte offset of c's state block in the pool, binding the views to its pool on first use. */
function vb(c: Cpu): number {
  const st = c.state;
  if (st.pool !== bound) {
    const buf = st.pool.memory.buffer;
    U8 = new Uint8Array(buf); U16 = new Uint16Array(buf); U32 = new Uint32Array(buf);
    bound = st.pool;
  }
  return st.base;
}

const REG = OFF_X87;
const CW = OFF_X87CTL, SW = OFF_X87CTL + 2, TAG = OFF_X87CTL + 4, FOP = OFF_X87CTL + 6;
const FIP = OFF_X87CTL + 8, FDP = OFF_X87CTL + 16, FCS = OFF_X87CTL + 24, FDS = OFF_X87CTL + 26;

// FSW bits (IE..PE come from f80.ts)
const SF = 0x40, ES = 0x80, C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, B = 0x8000;
const CC = C0 | C1 | C2 | C3;

/** Resets the x87 to its FNINIT state and zeroes the registers (a new thread or execve). */
export function x87Reset(c: Cpu): void {
  const b = vb(c);
  for (let k = 0; k < 128; k++) U8[b + REG + k] = 0;
  for (let k = 0; k < 64; k++) U8[b + OFF_X87CTL + k] = 0;
  U16[(b + CW) >> 1] = 0x037f;
}

export function x87Fcw(c: Cpu): number { return U16[(vb(c) + CW) >> 1]; }
export function x87Fsw(c: Cpu): number { return U16[(vb(c) + SW) >> 1]; }
export function x87Top(c: Cpu): number { return (U16[(vb(c) + SW) >> 1] >>> 11) & 7; }

// ---- registers and the stack ------------------------------------------------------------------------

let xse = 0, yse = 0;               // operand scratch (significand words in XY: no boxing)
const XY = new Float64Array(4);

function top(b: number): number { return (U16[(b + SW) >> 1] >>> 11) & 7; }
function phys(b: number, i: number): number { return (top(b) + i) & 7; }
function used(b: number, p: number): boolean { return ((U8[b + TAG] >>> p) & 1) !== 0; }

function ldx(b: number, p: number): void {
  const o = REG + p * 16;
  XY[1] = U32[(b + o) >> 2]; XY[0] = U32[(b + o + 4) >> 2]; xse = U16[(b + o + 8) >> 1];
}
function ldy(b: number, p: number): void {
  const o = REG + p * 16;
  XY[3] = U32[(b + o) >> 2]; XY[2] = U32[(b + o + 4) >> 2]; yse = U16[(b + o + 8) >> 1];
}
function wr(b: number, p: number, se: number, hi: number, lo: number): void {
  const o = REG + p * 16;
  U32[(b + o) >> 2] = lo; U32[(b + o + 4) >> 2] = hi; U16[(b + o + 8) >> 1] = se;
  U8[b + TAG] = U8[b + TAG] | (1 << p);
}
function wrInd(b: number, p: number): void { wr(b, p, IND_SE, IND_HI, IND_LO); }
function setTop(b: number, t: number): void {
  U16[(b + SW) >> 1] = (U16[(b + SW) >> 1] & ~0x3800) | ((t & 7) << 11);
}
function pop(b: number): void {
  const t = top(b);
  U8[b + TAG] = U8[b + TAG] & ~(1 << t);
  setTop(b, t + 1);
}

// ---- status word, exceptions -----------------------------------------------------------------------

function fcw(b: number): number { return U16[(b + CW) >> 1]; }

/** Recomputes ES and B from the sticky flags and the masks. */
function syncES(b: number): void {
  let s = U16[(b + SW) >> 1];
  if ((s & ~U16[(b + CW) >> 1] & 0x3f) !== 0) s |= ES | B; else s &= ~(ES | B);
  U16[(b + SW) >> 1] = s;
}

/** Merges an operation's exceptions into FSW and sets C1 (= up: rounded up, or stack overflow).
 *  Returns false when an unmasked invalid/denormal/zero-divide exception suppresses the result. */
function commit(b: number, exc: number, up: number): boolean {
  const cw = U16[(b + CW) >> 1];
  if (exc & (IE | ZE)) exc &= ~DE;          // an invalid operation or zero-divide never also reports a denormal
  const abort = (exc & ~cw & (IE | DE | ZE)) !== 0;
  if (abort) exc &= IE | DE | ZE | SF;      // unmasked: the operation does not take place
  let s = U16[(b + SW) >> 1] | (exc & 0x7f);
  // C1: rounded up / stack overflow (an aborted operation clears it; FCOMI's caller restores it)
  s = (s & ~C1) | (up && (!abort || (exc & SF) !== 0) ? C1 : 0);
  if ((s & ~cw & 0x3f) !== 0) s |= ES | B;
  U16[(b + SW) >> 1] = s;
  return !abort;
}


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
  const b = vb(c);
  if ((U8[b + SW] & ES) !== 0) {
    throw new CpuSignal(SIGFPE, mfCode(U16[(b + SW) >> 1], U16[(b + CW) >> 1]), i.addr, false, 16);
  }
}

/** Records FIP/FCS/FOP for a non-control instruction (and FDP/FDS when it has a memory operand). */
function note(c: Cpu, i: Insn, ea: number): void {
  const b = vb(c);
  const a = i.addr;
  // typed-array stores take the value modulo 2^32 (and truncate the quotient): exact below 2^53
  U32[(b + FIP) >> 2] = a;
  U32[(b + FIP + 4) >> 2] = a / TWO32;
  U16[(b + FCS) >> 1] = c.mode64 ? 0x33 : 0x23;
  U16[(b + FOP) >> 1] = ((i.op & 7) << 8) | (i.mod << 6) | ((i.reg & 7) << 3) | (i.rm & 7);
  if (ea >= 0) {
    U32[(b + FDP) >> 2] = ea;
    U32[(b + FDP + 4) >> 2] = ea / TWO32;
    U16[(b + FDS) >> 1] = c.mode64 ? 0 : 0x2b;
  }
}

function begin(c: Cpu, i: Insn): number {
  const b = vb(c);
  if ((U8[b + SW] & ES) !== 0) pending(c, i);
  const a = i.addr;
  U32[(b + FIP) >> 2] = a;
  U32[(b + FIP + 4) >> 2] = a / TWO32;
  U16[(b + FCS) >> 1] = c.mode64 ? 0x33 : 0x23;
  U16[(b + FOP) >> 1] = ((i.op & 7) << 8) | (i.mod << 6) | ((i.reg & 7) << 3) | (i.rm & 7);
  F.exc = 0; F.up = 0;
  return b;
}

function setCC(b: number, cc: number): void {
  U16[(b + SW) >> 1] = (U16[(b + SW) >> 1] & ~CC) | cc;
}
const CMP_CC = [0, C0, C3, C0 | C2 | C3];

/** Pushes a value (F.exc holds the exceptions so far); stack overflow: IE|SF, C1 = 1, and the
 *  masked response pushes the indefinite. */
function pushVal(b: number, se: number, hi: number, lo: number): void {
  const t = (top(b) - 1) & 7;
  if (used(b, t)) {
    if (!commit(b, F.exc | IE | SF, 1)) return;
    setTop(b, t); wrInd(b, t);
    return;
  }
  if (!commit(b, F.exc, F.up)) return;
  setTop(b, t); wr(b, t, se, hi, lo);
}

/** Stack underflow (an empty register read): IE|SF with C1 = 0; true when masked. */
function underflow(b: number): boolean { return commit(b, IE | SF, 0); }

// ---- memory operands --------------------------------------------------------------------------------

function rd80(c: Cpu, a: number): void {
  const m = c.mem;
  XY[3] = m.read32(a) >>> 0; XY[2] = m.read32(a + 4) >>> 0; yse = m.read16(a + 8);
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
  yse = F.se; XY[2] = F.hi; XY[3] = F.lo;
}

// ---- arithmetic ---------------------------------------------------------------------------------------

const A_ADD = 0, A_MUL = 1, A_COM = 2, A_COMP = 3, A_SUB = 4, A_SUBR = 5, A_DIV = 6;   // 7: FDIVR

/** x op y into F. */
function arith(op: number, cw: number): void {
  const p = precisionOf(cw);
  switch (op) {
    case A_ADD: add(xse, XY[0], XY[1], yse, XY[2], XY[3], 0, p, cw); break;
    case A_MUL: mul(xse, XY[0], XY[1], yse, XY[2], XY[3], p, cw); break;
    case A_SUB: add(xse, XY[0], XY[1], yse, XY[2], XY[3], 1, p, cw); break;
    case A_SUBR: add(yse, XY[2], XY[3], xse, XY[0], XY[1], 1, p, cw); break;
    case A_DIV: div(xse, XY[0], XY[1], yse, XY[2], XY[3], p, cw); break;
    default: div(yse, XY[2], XY[3], xse, XY[0], XY[1], p, cw); break;    // A_DIVR
  }
}

/** FCOM family on x, y: sets C3 C2 C0, clears C1; pops `pops` times unless suppressed. */
function fcom(b: number, quiet: boolean, pops: number): void {
  const r = compare(xse, XY[0], XY[1], yse, XY[2], XY[3], quiet);
  if (!commit(b, F.exc, 0)) {
    setCC(b, CMP_CC[r]);                  // an unmasked exception still sets the result, but no pop
    return;
  }
  setCC(b, CMP_CC[r]);
  for (let k = 0; k < pops; k++) pop(b);
}

/** D8/DC/DA/DE with a memory operand: ST0 = ST0 op m. */
function arithMem(c: Cpu, i: Insn): void {
  pending(c, i);
  const a = c.ea(i);
  F.exc = 0; F.up = 0;
  rdOperand(c, a, i.ext);
  note(c, i, a);
  const b = vb(c);
  const op = i.reg & 7, p0 = top(b);
  ldx(b, p0);
  if (classify(xse, XY[0], XY[1]) >= K_QNAN) F.exc &= ~DE;     // no DE alongside a NaN operand
  if (!used(b, p0)) {
    const ok = underflow(b);
    if (op === A_COM || op === A_COMP) { setCC(b, C0 | C2 | C3); if (ok && op === A_COMP) pop(b); }
    else if (ok) wrInd(b, p0);
    return;
  }
  ldx(b, p0);
  if (op === A_COM || op === A_COMP) { fcom(b, false, op === A_COMP ? 1 : 0); return; }
  arith(op, fcw(b));
  if (commit(b, F.exc, F.up)) wr(b, p0, F.se, F.hi, F.lo);
}

/** D8 register forms: ST0 = ST0 op ST(i); FCOM/FCOMP ST(i). */
function arithST0(c: Cpu, i: Insn): void {
  const b = begin(c, i);
  const op = i.reg & 7, p0 = top(b), pi = (p0 + (i.rm & 7)) & 7;
  if (!used(b, p0) || !used(b, pi)) {
    const ok = underflow(b);
    if (op === A_COM || op === A_COMP) { setCC(b, C0 | C2 | C3); if (ok && op === A_COMP) pop(b); }
    else if (ok) wrInd(b, p0);
    return;
  }
  ldx(b, p0); ldy(b, pi);
  if (op === A_COM || op === A_COMP) { fcom(b, false, op === A_COMP ? 1 : 0); return; }
  arith(op, fcw(b));
  if (commit(b, F.exc, F.up)) wr(b, p0, F.se, F.hi, F.lo);
}

/** DC/DE register forms: ST(i) = ST(i) op ST0 (ext = 1: pop). Reg 2/3 alias FCOM/FCOMP;
 *  DE D9 is FCOMPP. */
function arithSTi(c: Cpu, i: Insn): void {
  const op = i.reg & 7, popN = i.ext;
  if (op === A_COMP && popN === 1 && (i.rm & 7) !== 1) return raiseUD(c, i);
  const b = begin(c, i);
  const p0 = top(b), pi = (p0 + (i.rm & 7)) & 7;
  const isCom = op === A_COM || op === A_COMP;
  const comPops = (op === A_COMP ? 1 : 0) + popN;      // DC D0 FCOM2, DC D8 FCOMP3, DE D0 FCOMP5, DE D9 FCOMPP
  if (!used(b, p0) || !used(b, pi)) {
    const ok = underflow(b);
    if (isCom) {
      setCC(b, C0 | C2 | C3);
      if (ok) for (let k = 0; k < comPops; k++) pop(b);
    } else if (ok) { wrInd(b, pi); if (popN) pop(b); }
    return;
  }
  if (isCom) {
    ldx(b, p0); ldy(b, pi);
    fcom(b, false, comPops);
    return;
  }
  ldx(b, pi); ldy(b, p0);
  arith(op >= 4 ? op ^ 1 : op, fcw(b));              // reg 4..7 here are FSUBR FSUB FDIVR FDIV
  if (!commit(b, F.exc, F.up)) return;
  wr(b, pi, F.se, F.hi, F.lo);
  if (popN) pop(b);
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
    if (classify(yse, XY[2], XY[3]) === K_SNAN) { F.exc |= IE; XY[2] = (XY[2] | 0x40000000) >>> 0; }
  }
  note(c, i, a);
  // a denormal m32/m64 is loaded even when #D is unmasked (measured here): only DE (and ES) is raised
  const de = F.exc & DE, b = vb(c), full = used(b, (top(b) - 1) & 7);
  F.exc &= ~DE;
  pushVal(b, yse, XY[2], XY[3]);
  if (de && !full) { U16[(b + SW) >> 1] |= DE; syncES(b); }
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
  pushVal(vb(c), F.se, F.hi, F.lo);
}

/** FST/FSTP m32/m64/m80: ext = size | 0x100 for the popping form. */
function fstMem(c: Cpu, i: Insn): void {
  pending(c, i);
  const a = c.ea(i);
  const b = vb(c);
  const size = i.ext & 0xff, doPop = (i.ext & 0x100) !== 0;
  F.exc = 0; F.up = 0;
  note(c, i, a);
  const p0 = top(b);
  let se = IND_SE, hi = IND_HI, lo = IND_LO, exc: number, up = 0;
  if (!used(b, p0)) {
    exc = IE | SF;
    if (size === 4) { lo = 0xffc00000; hi = 0; } else if (size === 8) { lo = 0; hi = 0xfff80000; }
  } else {
    ldx(b, p0);
    if (size === 10) { se = xse; hi = XY[0]; lo = XY[1]; }
    else {
      if (size === 4) toF32(xse, XY[0], XY[1], fcw(b)); else toF64(xse, XY[0], XY[1], fcw(b));
      lo = F.lo; hi = F.hi;
    }
    exc = F.exc; up = F.up;
  }
  // an unmasked exception other than precision leaves the destination alone; an unmasked
  // overflow/underflow of a memory store then reports neither PE nor C1
  if ((exc & ~fcw(b) & (OE | UE)) !== 0) { exc &= ~PE; up = 0; }
  if ((exc & ~fcw(b) & 0x1f) === 0) {
    const m = c.mem;
    if (size === 4) m.write32(a, lo | 0);
    else if (size === 8) m.write64(a, lo | 0, hi | 0);
    else wr80(c, a, se, hi, lo);
  }
  if (!commit(b, exc, up)) return;
  if ((exc & ~fcw(b) & (OE | UE)) !== 0) return;
  if (doPop) pop(b);
}

/** FIST/FISTP/FISTTP: ext = size | 0x100 pop | 0x200 truncate. */
function fist(c: Cpu, i: Insn): void {
  pending(c, i);
  const a = c.ea(i);
  const b = vb(c);
  const size = i.ext & 0xff, doPop = (i.ext & 0x100) !== 0, trunc = (i.ext & 0x200) !== 0;
  F.exc = 0; F.up = 0;
  note(c, i, a);
  const p0 = top(b);
  let lo: number, hi = 0, exc: number, up = 0;
  if (!used(b, p0)) {
    exc = IE | SF;
    if (size === 8) { lo = 0; hi = 0x80000000; } else lo = size === 4 ? 0x80000000 : 0x8000;
  } else {
    ldx(b, p0);
    toInt(xse, XY[0], XY[1], size, trunc ? RC_ZERO : (fcw(b) >>> 10) & 3);
    lo = F.lo; hi = F.hi; exc = F.exc; up = F.up;
  }
  if ((exc & ~fcw(b) & IE) === 0) {
    const m = c.mem;
    if (size === 2) m.write16(a, lo); else if (size === 4) m.write32(a, lo | 0); else m.write64(a, lo | 0, hi | 0);
  }
  if (!commit(b, exc, up)) return;
  if (doPop) pop(b);
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
  if (h === 0 && l === 0) { pushVal(vb(c), neg ? 0x8000 : 0, 0, 0); return; }
  fromInt(l >>> 0, h >>> 0, 8);          // below 2^63: positive as a signed 64-bit integer
  pushVal(vb(c), F.se | (neg ? 0x8000 : 0), F.hi, F.lo);
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
  const b = vb(c);
  F.exc = 0; F.up = 0;
  note(c, i, a);
  const out = new Uint8Array(10);
  const p0 = top(b);
  let exc: number, up = 0, ok = false;
  if (!used(b, p0)) exc = IE | SF;
  else {
    ldx(b, p0);
    // round to an integer by RC, then check |n| < 10^18
    toInt(xse, XY[0], XY[1], 8, (fcw(b) >>> 10) & 3);
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
  if ((exc & ~fcw(b) & IE) === 0) c.mem.writeBytes(a, out);
  if (!commit(b, exc, up)) return;
  pop(b);
}

def(0, 0xdf, { name: 'fbld', fn: fbld, form: 'mem', flags: 'n' }, { reg: 4 });
def(0, 0xdf, { name: 'fbstp', fn: fbstp, form: 'mem', flags: 'n' }, { reg: 6 });

// ---- register moves ---------------------------------------------------------------------------------------

function fldST(c: Cpu, i: Insn): void {
  const b = begin(c, i);
  const pi = phys(b, i.rm & 7);
  if (!used(b, pi)) {
    F.exc = IE | SF;
    const t = (top(b) - 1) & 7;
    if (!commit(b, F.exc, used(b, t) ? 1 : 0)) return;
    setTop(b, t); wrInd(b, t);
    return;
  }
  ldx(b, pi);
  pushVal(b, xse, XY[0], XY[1]);
}

function fxch(c: Cpu, i: Insn): void {
  const b = begin(c, i);
  const p0 = top(b), pi = (p0 + (i.rm & 7)) & 7;
  if (!used(b, p0) || !used(b, pi)) {
    if (!underflow(b)) return;
    if (!used(b, p0)) wrInd(b, p0);
    if (!used(b, pi)) wrInd(b, pi);
  } else commit(b, 0, 0);
  ldx(b, p0); ldy(b, pi);
  wr(b, p0, yse, XY[2], XY[3]); wr(b, pi, xse, XY[0], XY[1]);
}

/** FST/FSTP ST(i) (ext 1: pop; ext 2: D9 D8+i, an FSTP that just pops an empty ST0 without
 *  a stack fault, as measured). */
function fstST(c: Cpu, i: Insn): void {
  const b = begin(c, i);
  const p0 = top(b), pi = (p0 + (i.rm & 7)) & 7;
  if (i.ext === 2 && !used(b, p0)) { commit(b, 0, 0); pop(b); return; }
  if (!used(b, p0)) {
    if (!underflow(b)) return;
    wrInd(b, pi);
  } else {
    commit(b, 0, 0);
    ldx(b, p0); wr(b, pi, xse, XY[0], XY[1]);
  }
  if (i.ext) pop(b);
}

function ffree(c: Cpu, i: Insn): void {
  const b = begin(c, i);
  const pi = phys(b, i.rm & 7);
  commit(b, 0, 0);                          // C1 = 0
  U8[b + TAG] = U8[b + TAG] & ~(1 << pi);
  if (i.ext) pop(b);
}

function fcmov(c: Cpu, i: Insn): void {
  const b = begin(c, i);
  const p0 = top(b), pi = (p0 + (i.rm & 7)) & 7;
  const cc = [2, 4, 6, 10, 3, 5, 7, 11][(i.op === 0xdb ? 4 : 0) + (i.reg & 3)];
  if (!used(b, p0) || !used(b, pi)) {
    if (underflow(b)) wrInd(b, p0);          // whatever the condition (measured)
    return;
  }
  if (cond(c.f, cc)) { ldx(b, pi); wr(b, p0, xse, XY[0], XY[1]); }   // C1 unchanged (measured)
}

def(0, 0xd9, { name: 'fld', fn: fldST, form: 'reg', flags: 'n' }, { reg: 0 });
def(0, 0xd9, { name: 'fxch', fn: fxch, form: 'reg', flags: 'n' }, { reg: 1 });
def(0, 0xdd, { name: 'fxch', fn: fxch, form: 'reg', flags: 'n' }, { reg: 1 });      // undocumented alias
def(0, 0xdf, { name: 'fxch', fn: fxch, form: 'reg', flags: 'n' }, { reg: 1 });      // undocumented alias
def(0, 0xdd, { name: 'fst', fn: fstST, ext: 0, form: 'reg', flags: 'n' }, { reg: 2 });
def(0, 0xdd, { name: 'fstp', fn: fstST, ext: 1, form: 'reg', flags: 'n' }, { reg: 3 });
def(0, 0xd9, { name: 'fstp1', fn: fstST, ext: 2, form: 'reg', flags: 'n' }, { reg: 3 });  // undocumented
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
  const b = begin(c, i);
  const p0 = top(b), pi = (p0 + (i.rm & 7)) & 7;
  if (!used(b, p0) || !used(b, pi)) {
    const ok = underflow(b);
    setCC(b, C0 | C2 | C3);
    if (ok) for (let k = 0; k < i.ext; k++) pop(b);
    return;
  }
  ldx(b, p0); ldy(b, pi);
  fcom(b, true, i.ext);
}

/** FCOMI/FUCOMI/FCOMIP/FUCOMIP: ext = quiet | 2 * pop. ZF PF CF from the comparison. */
function fcomi(c: Cpu, i: Insn): void {
  const b = begin(c, i);
  const p0 = top(b), pi = (p0 + (i.rm & 7)) & 7;
  const doPop = (i.ext & 2) !== 0;
  let r: number;
  if (!used(b, p0) || !used(b, pi)) {
    if (!underflow(b)) return;
    r = 3;
  } else {
    ldx(b, p0); ldy(b, pi);
    r = compare(xse, XY[0], XY[1], yse, XY[2], XY[3], (i.ext & 1) !== 0);
    const c1 = U16[(b + SW) >> 1] & C1;           // FCOMI leaves C1 alone (measured)
    const ok = commit(b, F.exc, 0);
    U16[(b + SW) >> 1] |= c1;
    if (!ok) return;
  }
  const fl = getFlags(c.f) & ~(CF | PF | AF | ZF | SFLAG | OF);
  setFlags(c.f, fl | (r === CMP_LT ? CF : r === CMP_EQ ? ZF : r === 3 ? ZF | PF | CF : 0));
  if (doPop) pop(b);
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
  const b = begin(c, i);
  const p0 = top(b);
  if (rm === 5) {                                            // FXAM
    let cc: number;
    ldx(b, p0);
    if (!used(b, p0)) cc = C3 | C0;
    else {
      switch (classify(xse, XY[0], XY[1])) {
        case K_UNSUPPORTED: cc = 0; break;
        case K_QNAN: case K_SNAN: cc = C0; break;
        case K_NORMAL: cc = C2; break;
        case K_INF: cc = C2 | C0; break;
        case K_ZERO: cc = C3; break;
        default: cc = C3 | C2; break;
      }
    }
    if (xse & 0x8000) cc |= C1;
    setCC(b, cc);
    return;
  }
  if (!used(b, p0)) {
    const ok = underflow(b);
    if (rm === 4) setCC(b, C0 | C2 | C3); else if (ok) wrInd(b, p0);
    return;
  }
  ldx(b, p0);
  if (rm === 4) {                                            // FTST
    const r = compare(xse, XY[0], XY[1], 0, 0, 0, false);
    commit(b, F.exc, 0);
    setCC(b, CMP_CC[r]);                       // even when aborted, as FCOM
    return;
  }
  commit(b, 0, 0);
  wr(b, p0, rm === 0 ? xse ^ 0x8000 : xse & 0x7fff, XY[0], XY[1]);
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
  const b = begin(c, i);
  const [se, hi, lo, x] = CONSTS[rm];
  if (x === 0) { pushVal(b, se, hi, lo); return; }
  // rounded by RC as the hardware does (precision control does not apply); no PE
  packRounded(0, se - 16383, hi, lo, x, 64, fcw(b) | 0x3f);
  F.exc = 0; F.up = 0;
  pushVal(b, F.se, F.hi, F.lo);
}

// ---- D9 register groups 6 and 7 ---------------------------------------------------------------------------------

/** One-operand ST0 operations: f computes F from x. */
function unaryST0(c: Cpu, i: Insn, f: (cw: number) => void): void {
  const b = begin(c, i);
  const p0 = top(b);
  if (!used(b, p0)) { if (underflow(b)) wrInd(b, p0); return; }
  ldx(b, p0);
  f(fcw(b));
  if (commit(b, F.exc, F.up)) wr(b, p0, F.se, F.hi, F.lo);
}

/** ST1 = f(ST0, ST1), pop: FYL2X, FYL2XP1, FPATAN. FSCALE/FPREM keep both. */
function binaryST01(c: Cpu, i: Insn, f: (cw: number) => void, popAfter: boolean): boolean {
  const b = begin(c, i);
  const p0 = top(b), p1 = (p0 + 1) & 7;
  if (!used(b, p0) || !used(b, p1)) {
    if (!underflow(b)) return false;
    if (popAfter) { wrInd(b, p1); pop(b); } else wrInd(b, p0);
    return false;
  }
  ldx(b, p0); ldy(b, p1);
  f(fcw(b));
  if (!commit(b, F.exc, F.up)) return false;
  if (popAfter) { wr(b, p1, F.se, F.hi, F.lo); pop(b); }
  else wr(b, p0, F.se, F.hi, F.lo);
  return true;
}

function fprem(c: Cpu, i: Insn, ieee: boolean): void {
  const ok = binaryST01(c, i, (cw) => prem(xse, XY[0], XY[1], yse, XY[2], XY[3], ieee, cw), false);
  const b = vb(c);
  // no remainder (aborted, stack fault, NaN result): C2 and C1 clear, C0 and C3 unchanged
  if (!ok || classify(F.se, F.hi, F.lo) >= K_QNAN) { U16[(b + SW) >> 1] &= ~(C2 | C1); return; }
  if (!remComplete) { setCC(b, C2); return; }
  const q = remQ;
  setCC(b, ((q & 4) ? C0 : 0) | ((q & 2) ? C3 : 0) | ((q & 1) ? C1 : 0));
}

/** Transcendental in/out-of-range check for FSIN/FCOS/FSINCOS/FPTAN: |x| >= 2^63 sets C2. */
function trigRange(b: number): boolean {
  const k = classify(xse, XY[0], XY[1]);
  if ((k === K_NORMAL) && (xse & 0x7fff) >= 0x3fff + 63) return false;
  return true;
}

function d9f0(c: Cpu, i: Insn): void {
  const rm = i.rm & 7;
  switch (rm) {
    case 0: unaryST0(c, i, (cw) => transcendental(T_F2XM1, xse, XY[0], XY[1], 0, 0, 0, cw)); return;
    case 1: binaryST01(c, i, (cw) => transcendental(T_FYL2X, xse, XY[0], XY[1], yse, XY[2], XY[3], cw), true); return;
    case 2: fptan(c, i); return;
    case 3: binaryST01(c, i, (cw) => transcendental(T_FPATAN, xse, XY[0], XY[1], yse, XY[2], XY[3], cw), true); return;
    case 4: fxtract(c, i); return;
    case 5: fprem(c, i, true); return;
    case 6: case 7: {
      const b = begin(c, i);
      commit(b, 0, 0);
      setTop(b, top(b) + (rm === 6 ? -1 : 1));
      return;
    }
  }
}


function d9f8(c: Cpu, i: Insn): void {
  const rm = i.rm & 7;
  switch (rm) {
    case 0: fprem(c, i, false); return;
    case 1: binaryST01(c, i, (cw) => transcendental(T_FYL2XP1, xse, XY[0], XY[1], yse, XY[2], XY[3], cw), true); return;
    case 2: unaryST0(c, i, (cw) => sqrt(xse, XY[0], XY[1], precisionOf(cw), cw)); return;
    case 3: fsincos(c, i); return;
    case 4: unaryST0(c, i, (cw) => roundInt(xse, XY[0], XY[1], cw)); return;
    case 5: binaryST01(c, i, (cw) => scale(xse, XY[0], XY[1], yse, XY[2], XY[3], cw), false); return;
    case 6: case 7: {
      const b = begin(c, i);
      U16[(b + SW) >> 1] &= ~C2;               // C2 is 1 only for an out-of-range operand
      const p0 = top(b);
      if (!used(b, p0)) { if (underflow(b)) wrInd(b, p0); return; }
      ldx(b, p0);
      if (!trigRange(b)) { commit(b, 0, 0); U16[(b + SW) >> 1] |= C2; return; }
      transcendental(rm === 6 ? T_SIN : T_COS, xse, XY[0], XY[1], 0, 0, 0, fcw(b));
      if (commit(b, F.exc, F.up)) wr(b, p0, F.se, F.hi, F.lo);
      return;
    }
  }
}

function fxtract(c: Cpu, i: Insn): void {
  const b = begin(c, i);
  const p0 = top(b);
  if (!used(b, p0)) {
    if (!underflow(b)) return;
    wrInd(b, p0);
    pushVal(b, IND_SE, IND_HI, IND_LO);
    return;
  }
  ldx(b, p0);
  const t = (p0 - 1) & 7;
  if (used(b, t)) {
    if (!commit(b, IE | SF, 1)) return;
    wrInd(b, p0); setTop(b, t); wrInd(b, t);
    return;
  }
  xtract(xse, XY[0], XY[1]);
  if (!commit(b, F.exc, 0)) return;
  wr(b, p0, xtSE, xtHI, xtLO);
  setTop(b, t); wr(b, t, F.se, F.hi, F.lo);
}

/** The common start of FPTAN and FSINCOS, which replace ST0 and push a second result: stack
 *  faults and an out-of-range argument are handled here (false: the instruction is done);
 *  otherwise ST0 is loaded into xse/XY. */
function trigPushBegin(b: number, p0: number, t: number): boolean {
  U16[(b + SW) >> 1] &= ~C2;
  if (!used(b, p0)) {
    if (underflow(b)) { wrInd(b, p0); setTop(b, t); wrInd(b, t); }
    return false;
  }
  ldx(b, p0);
  if (used(b, t)) {
    if (commit(b, IE | SF, 1)) { wrInd(b, p0); setTop(b, t); wrInd(b, t); }
    return false;
  }
  if (!trigRange(b)) { commit(b, 0, 0); U16[(b + SW) >> 1] |= C2; return false; }
  return true;
}

function fptan(c: Cpu, i: Insn): void {
  const b = begin(c, i);
  const p0 = top(b), t = (p0 - 1) & 7;
  if (!trigPushBegin(b, p0, t)) return;
  transcendental(T_TAN, xse, XY[0], XY[1], 0, 0, 0, fcw(b));
  if (!commit(b, F.exc, F.up)) return;
  wr(b, p0, F.se, F.hi, F.lo);
  const k = classify(F.se, F.hi, F.lo);
  setTop(b, t);
  if (k >= K_QNAN && k !== K_UNSUPPORTED) wr(b, t, F.se, F.hi, F.lo);
  else wr(b, t, 0x3fff, 0x80000000, 0);
}

function fsincos(c: Cpu, i: Insn): void {
  const b = begin(c, i);
  const p0 = top(b), t = (p0 - 1) & 7;
  if (!trigPushBegin(b, p0, t)) return;
  transcendental(T_SIN, xse, XY[0], XY[1], 0, 0, 0, fcw(b));
  const sse = F.se, shi = F.hi, slo = F.lo, sup = F.up;
  F.up = 0;
  transcendental(T_COS, xse, XY[0], XY[1], 0, 0, 0, fcw(b));
  if (!commit(b, F.exc, F.up | sup)) return;
  wr(b, p0, sse, shi, slo);
  setTop(b, t); wr(b, t, F.se, F.hi, F.lo);
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
  const b = vb(c);
  U16[(b + CW) >> 1] = (v & 0x1f3f) | 0x40;   // reserved bits read as 0, bit 6 as 1
  syncES(b);
}
function fnstcw(c: Cpu, i: Insn): void { c.mem.write16(c.ea(i), U16[(vb(c) + CW) >> 1]); }
function fnstswM(c: Cpu, i: Insn): void { c.mem.write16(c.ea(i), U16[(vb(c) + SW) >> 1]); }
function fnstswAX(c: Cpu, i: Insn): void {
  if ((i.rm & 7) !== 0) return raiseUD(c, i);
  c.setR(RAX, 2, U16[(vb(c) + SW) >> 1]);
}
function dbe0(c: Cpu, i: Insn): void {
  const b = vb(c);
  switch (i.rm & 7) {
    case 0: case 1: case 4: return;                       // FENI, FDISI, FSETPM: no-ops since the 387
    case 2: U16[(b + SW) >> 1] = U16[(b + SW) >> 1] & 0x7f00; return;   // FNCLEX
    case 3: fninit(b); return;
    default: return raiseUD(c, i);
  }
}
function fninit(b: number): void {
  U16[(b + CW) >> 1] = 0x037f;
  U16[(b + SW) >> 1] = 0;
  U8[b + TAG] = 0;
  for (let k = 6; k < 28; k++) U8[b + OFF_X87CTL + k] = 0;
}

function fwait(c: Cpu, i: Insn): void { pending(c, i); }

/** Full 2-bit tag word from register contents. */
function fullTag(b: number): number {
  let tw = 0;
  for (let p = 0; p < 8; p++) {
    let t: number;
    if (!used(b, p)) t = 3;
    else {
      const o = REG + p * 16;
      const k = classify(U16[(b + o + 8) >> 1], U32[(b + o + 4) >> 2], U32[(b + o) >> 2]);
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
  const b = vb(c), m = c.mem;
  const cw = U16[(b + CW) >> 1], sw = U16[(b + SW) >> 1], tw = fullTag(b);
  const fip = U32[(b + FIP) >> 2], fdp = U32[(b + FDP) >> 2];
  const fop = U16[(b + FOP) >> 1] & 0x7ff, fcs = U16[(b + FCS) >> 1], fds = U16[(b + FDS) >> 1];
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
  const b = vb(c), m = c.mem;
  let cw: number, sw: number, tw: number, fip: number, fdp: number, fcs: number, fds: number, fop = 0;
  if (b16) {
    cw = m.read16(a); sw = m.read16(a + 2); tw = m.read16(a + 4);
    fip = m.read16(a + 6); fcs = m.read16(a + 8); fdp = m.read16(a + 10); fds = m.read16(a + 12);
  } else {
    cw = m.read16(a); sw = m.read16(a + 4); tw = m.read16(a + 8);
    fip = m.read32(a + 12) >>> 0; const w = m.read32(a + 16); fcs = w & 0xffff; fop = (w >>> 16) & 0x7ff;
    fdp = m.read32(a + 20) >>> 0; fds = m.read16(a + 24);
  }
  U16[(b + CW) >> 1] = (cw & 0x1f3f) | 0x40;
  U16[(b + SW) >> 1] = sw;
  U8[b + TAG] = abridge(tw);
  U32[(b + FIP) >> 2] = fip; U32[(b + FIP + 4) >> 2] = 0;
  U32[(b + FDP) >> 2] = fdp; U32[(b + FDP + 4) >> 2] = 0;
  U16[(b + FCS) >> 1] = fcs; U16[(b + FDS) >> 1] = fds; U16[(b + FOP) >> 1] = fop;
  syncES(b);
}

function fnstenv(c: Cpu, i: Insn): void {
  const a = c.ea(i);
  storeEnv(c, a, i.p66);
  const b = vb(c);
  U16[(b + CW) >> 1] = U16[(b + CW) >> 1] | 0x3f;     // then masks every exception
  syncES(b);
}
function fldenv(c: Cpu, i: Insn): void { loadEnv(c, c.ea(i), i.p66); }

function fnsave(c: Cpu, i: Insn): void {
  const a = c.ea(i);
  const b16 = i.p66;
  const b = vb(c);
  // registers first (the highest addresses): a fault leaves the state untouched
  const base = a + (b16 ? 14 : 28);
  for (let k = 7; k >= 0; k--) { ldx(b, phys(b, k)); wr80(c, base + 10 * k, xse, XY[0], XY[1]); }
  storeEnv(c, a, b16);
  fninit(b);
}
function frstor(c: Cpu, i: Insn): void {
  const a = c.ea(i);
  const b16 = i.p66;
  const base = a + (b16 ? 14 : 28);
  const regs: number[] = [];
  for (let k = 0; k < 8; k++) { rd80(c, base + 10 * k); regs.push(yse, XY[2], XY[3]); }
  loadEnv(c, a, b16);
  const b = vb(c);
  const tag = U8[b + TAG];
  for (let k = 0; k < 8; k++) wr(b, phys(b, k), regs[3 * k], regs[3 * k + 1], regs[3 * k + 2]);
  U8[b + TAG] = tag;
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
  const b = vb(c);
  const img = new Uint8Array(464);
  const v = new DataView(img.buffer);
  v.setUint16(0, U16[(b + CW) >> 1], true);
  v.setUint16(2, U16[(b + SW) >> 1], true);
  v.setUint8(4, U8[b + TAG]);
  // As AMD processors do (the CPUID vendor is AuthenticAMD): FOP, FIP and FDP are saved only
  // while an unmasked exception is pending (FSW.ES); otherwise those 18 bytes are written as 0.
  if ((U8[b + SW] & ES) !== 0) {
    v.setUint16(6, U16[(b + FOP) >> 1] & 0x7ff, true);
    v.setUint32(8, U32[(b + FIP) >> 2], true);
    v.setUint32(16, U32[(b + FDP) >> 2], true);
    if (w64) {
      v.setUint32(12, U32[(b + FIP + 4) >> 2], true);
      v.setUint32(20, U32[(b + FDP + 4) >> 2], true);
    } else {
      v.setUint16(12, U16[(b + FCS) >> 1], true);
      v.setUint16(20, U16[(b + FDS) >> 1], true);
    }
  }
  v.setUint32(24, U32[(b + OFF_MXCSR) >> 2], true);
  v.setUint32(28, 0xffff, true);
  const t = top(b);
  for (let k = 0; k < 8; k++) {
    const o = REG + ((t + k) & 7) * 16;
    for (let j = 0; j < 10; j++) img[32 + 16 * k + j] = U8[b + o + j];
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
  const b = vb(c);
  U16[(b + CW) >> 1] = (v.getUint16(0, true) & 0x1f3f) | 0x40;
  U16[(b + SW) >> 1] = v.getUint16(2, true);
  U8[b + TAG] = v.getUint8(4);
  U16[(b + FOP) >> 1] = v.getUint16(6, true) & 0x7ff;
  U32[(b + FIP) >> 2] = v.getUint32(8, true);
  U32[(b + FDP) >> 2] = v.getUint32(16, true);
  if (w64) {
    U32[(b + FIP + 4) >> 2] = v.getUint32(12, true);
    U32[(b + FDP + 4) >> 2] = v.getUint32(20, true);
  } else {
    U32[(b + FIP + 4) >> 2] = 0; U32[(b + FDP + 4) >> 2] = 0;
    U16[(b + FCS) >> 1] = v.getUint16(12, true); U16[(b + FDS) >> 1] = v.getUint16(20, true);
  }
  U32[(b + OFF_MXCSR) >> 2] = mx;
  const t = top(b);
  for (let k = 0; k < 8; k++) {
    const o = REG + ((t + k) & 7) * 16;
    for (let j = 0; j < 10; j++) U8[b + o + j] = img[32 + 16 * k + j];
  }
  c.state.u8.set(img.subarray(160, 160 + 16 * nx), OFF_XMM);
  syncES(b);
}

/** The legacy FNSAVE image (108 bytes, 32-bit format) for i386 signal frames; does not reset. */
export function fsaveImage(c: Cpu): Uint8Array {
  const b = vb(c);
  const img = new Uint8Array(108);
  const v = new DataView(img.buffer);
  v.setUint32(0, U16[(b + CW) >> 1] | 0xffff0000, true);
  v.setUint32(4, U16[(b + SW) >> 1] | 0xffff0000, true);
  v.setUint32(8, fullTag(b) | 0xffff0000, true);
  v.setUint32(12, U32[(b + FIP) >> 2], true);
  v.setUint32(16, U16[(b + FCS) >> 1] | ((U16[(b + FOP) >> 1] & 0x7ff) << 16), true);
  v.setUint32(20, U32[(b + FDP) >> 2], true);
  v.setUint32(24, U16[(b + FDS) >> 1] | 0xffff0000, true);
  const t = top(b);
  for (let k = 0; k < 8; k++) {
    const o = REG + ((t + k) & 7) * 16;
    for (let j = 0; j < 10; j++) img[28 + 10 * k + j] = U8[b + o + j];
  }
  return img;
}

/** Loads a 108-byte FNSAVE image (32-bit format), as FRSTOR does. */
export function frstorImage(c: Cpu, img: Uint8Array): void {
  const v = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const b = vb(c);
  U16[(b + CW) >> 1] = (v.getUint16(0, true) & 0x1f3f) | 0x40;
  U16[(b + SW) >> 1] = v.getUint16(4, true);
  U8[b + TAG] = abridge(v.getUint16(8, true));
  U32[(b + FIP) >> 2] = v.getUint32(12, true); U32[(b + FIP + 4) >> 2] = 0;
  U16[(b + FCS) >> 1] = v.getUint16(16, true); U16[(b + FOP) >> 1] = v.getUint16(18, true) & 0x7ff;
  U32[(b + FDP) >> 2] = v.getUint32(20, true); U32[(b + FDP + 4) >> 2] = 0;
  U16[(b + FDS) >> 1] = v.getUint16(24, true);
  const t = top(b);
  for (let k = 0; k < 8; k++) {
    const o = REG + ((t + k) & 7) * 16;
    for (let j = 0; j < 10; j++) U8[b + o + j] = img[28 + 10 * k + j];
  }
  syncES(b);
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

// A 66, F2, F3 or LOCK prefix makes FXSAVE/FXRSTOR #UD (measured; those prefixes select other
// 0F AE instructions or none)
const strayPrefixUD = (i: Insn) => (i.lock || i.rep !== 0 || i.p66 ? raiseUD : undefined);
def(1, 0xae, { name: 'fxsave', fn: fxsaveI, form: 'mem', flags: 'n', spec: strayPrefixUD }, { reg: 0, mandatory: 'none' });
def(1, 0xae, { name: 'fxrstor', fn: fxrstorI, form: 'mem', flags: 'n', spec: strayPrefixUD }, { reg: 1, mandatory: 'none' });

