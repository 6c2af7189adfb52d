// MMX: packed integers on the eight 64-bit MM registers, which alias the significands of the x87
// physical registers R0..R7 (MMi is Ri, whatever TOP is). Covers the original MMX set, the
// integer extensions that came with SSE/SSE2 (pmulhuw, pmuludq, paddq/psubq, pavg*, pmin/pmax,
// psadbw, pshufw, pinsrw/pextrw, pmovmskb, maskmovq, movntq), SSSE3 on MM registers (0F 38 00..1E
// and palignr 0F 3A 0F without 66), the MMX<->XMM moves movq2dq/movdq2q, and the conversions
// cvtpi2ps/cvtps2pi/cvttps2pi/cvtpi2pd/cvtpd2pi/cvttpd2pi.
//
// x87 side effects, as the hardware does them (measured on this project's reference CPU, an AMD
// EPYC, by test/mmx.test.ts):
//   - every MMX instruction first delivers a pending unmasked x87 exception (FSW.ES) as #MF;
//   - then, once its memory operand has been read without a fault, it sets TOP to 0 and every
//     tag to valid (abridged tag byte 0xFF); a store that faults leaves the x87 state alone;
//     EMMS sets TOP to 0 and every tag to empty;
//   - writing an MM register sets the sign/exponent word of its x87 register to 0xFFFF;
//   - exceptions to the order: the conversions to MM registers (and cvtpi2ps from an MM register)
//     make the transition before an unmasked SIMD exception (#XM) is raised, and maskmovq makes it
//     before its (mask-independent, all 8 bytes) write check; cvtpi2ps/cvtpi2pd with a memory
//     source are not MMX instructions at all (no #MF, no transition).
// Prefixes: a stray LOCK/66/F2/F3 on an MMX encoding is #UD (the sdef() spec hook of sse-common.ts).
// The x87 state layout is the one documented in cpu/ops/x87.ts (OFF_X87 + 16 * p: significand,
// then sign/exponent; OFF_X87CTL + 0 FCW, + 2 FSW with TOP in bits 11..13, + 4 abridged tags);
// this file uses it directly through the pool-wide views of sse-common.ts.
//
// Operands are byte offsets into the frame pool (as in sse-common.ts): the MM register r of a CPU
// is at xb(c) + R0 + 16 * r; a memory source is loaded into the scratch area SCR first.

import type { Cpu } from '../cpu.js';
import type { Insn, Handler } from '../insn.js';
import type { Mandatory, OpDef } from '../table.js';
import { OFF_XMM, OFF_X87, OFF_X87CTL, RDI } from '../state.js';
import {
  CpuSignal, SIGFPE, FPE_FLTINV, FPE_FLTDIV, FPE_FLTOVF, FPE_FLTUND, FPE_FLTRES,
} from '../fault.js';
import { xb, U8, I8, U16, I16, I32, SCR, T1, srcX, srcX64, mxcsr, fpCommit, sdef, ALIGNED } from './sse-common.js';
import { fpMode, fl, RC, i32to32, toInt32, intIn32, intIn64, isNaN32, isNaN64, put64 } from './sse-fp.js';

// ---- the x87 aliasing ------------------------------------------------------------------------

/** Offsets relative to xb(c) (the pool offset of XMM0): MM0, FCW, FSW, abridged tag byte. */
const R0 = OFF_X87 - OFF_XMM;
const CW = OFF_X87CTL - OFF_XMM, SW = CW + 2, TW = CW + 4;

/** si_code of #MF as Linux derives it from FSW and FCW (the same rule as x87.ts). */
function mfCode(sw: number, cw: number): number {
  const err = sw & ~cw & 0x3f;
  if (err & 0x01) return FPE_FLTINV;
  if (err & 0x04) return FPE_FLTDIV;
  if (err & 0x08) return FPE_FLTOVF;
  if (err & 0x12) return FPE_FLTUND;
  if (err & 0x20) return FPE_FLTRES;
  return 0;
}

/** Binds the views and delivers a pending x87 exception (#MF); returns xb(c). */
function enter(c: Cpu, i: Insn): number {
  const x = xb(c);
  if ((U8[x + SW] & 0x80) !== 0) {
    throw new CpuSignal(SIGFPE, mfCode(U16[(x + SW) >> 1], U16[(x + CW) >> 1]), i.addr, false, 16);
  }
  return x;
}

/** The x87 -> MMX transition: TOP = 0, all registers tagged valid. */
function mmxMode(x: number): void {
  U16[(x + SW) >> 1] = U16[(x + SW) >> 1] & ~0x3800;
  U8[x + TW] = 0xff;
}

/** An MM register at pool offset d was written: its exponent word becomes 0xFFFF; transition. */
function wrote(x: number, d: number): void {
  U16[(d + 8) >> 1] = 0xffff;
  mmxMode(x);
}

function mm(x: number, r: number): number { return x + R0 + 16 * (r & 7); }

/** The mm/m64 source operand: the register's pool offset, or 8 bytes of memory loaded into SCR. */
function srcM(c: Cpu, i: Insn, x: number): number {
  if (i.mod === 3) return mm(x, i.rm);
  const k = SCR >>> 2;
  I32[k] = c.mem.read64(c.ea(i));
  I32[k + 1] = c.mem.hi;
  return SCR;
}

/** mm/m32 source (punpckl*: a memory operand is only 4 bytes). */
function srcM32(c: Cpu, i: Insn, x: number): number {
  if (i.mod === 3) return mm(x, i.rm);
  const k = SCR >>> 2;
  I32[k] = c.mem.read32(c.ea(i));
  I32[k + 1] = 0;
  return SCR;
}

function cp8(from: number, to: number): void {
  const a = from >>> 2, b = to >>> 2;
  I32[b] = I32[a]; I32[b + 1] = I32[a + 1];
}

// ---- registration ----------------------------------------------------------------------------

type Lanes = (d: number, s: number, imm: number) => void;

function mdef(map: number, op: number, name: string, fn: Handler, extra: Partial<OpDef> = {}, m: Mandatory = 'none'): void {
  sdef(map, op, { name, fn, modrm: true, ...extra }, { mandatory: m });
}
/** mm = f(mm, mm/m64). */
function op2(map: number, op: number, name: string, f: Lanes, imm = false): void {
  mdef(map, op, name, (c, i) => {
    const x = enter(c, i), s = srcM(c, i, x), d = mm(x, i.reg);
    f(d, s, i.imm);
    wrote(x, d);
  }, imm ? { imm: 'ub' } : {});
}

function sat8(v: number): number { return v > 127 ? 127 : v < -128 ? -128 : v; }
function satu8(v: number): number { return v > 255 ? 255 : v < 0 ? 0 : v; }
function sat16(v: number): number { return v > 32767 ? 32767 : v < -32768 ? -32768 : v; }
function satu16(v: number): number { return v > 65535 ? 65535 : v < 0 ? 0 : v; }

// ---- add / sub -------------------------------------------------------------------------------

op2(1, 0xfc, 'paddb', (d, s) => { for (let k = 0; k < 8; k++) U8[d + k] = U8[d + k] + U8[s + k]; });
op2(1, 0xfd, 'paddw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 4; k++) U16[a + k] = U16[a + k] + U16[b + k]; });
op2(1, 0xfe, 'paddd', (d, s) => { const a = d >>> 2, b = s >>> 2; I32[a] = (I32[a] + I32[b]) | 0; I32[a + 1] = (I32[a + 1] + I32[b + 1]) | 0; });
op2(1, 0xd4, 'paddq', (d, s) => {
  const a = d >>> 2, b = s >>> 2;
  const lo = (I32[a] >>> 0) + (I32[b] >>> 0);
  I32[a] = lo | 0;
  I32[a + 1] = (I32[a + 1] + I32[b + 1] + (lo > 0xffffffff ? 1 : 0)) | 0;
});
op2(1, 0xf8, 'psubb', (d, s) => { for (let k = 0; k < 8; k++) U8[d + k] = U8[d + k] - U8[s + k]; });
op2(1, 0xf9, 'psubw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 4; k++) U16[a + k] = U16[a + k] - U16[b + k]; });
op2(1, 0xfa, 'psubd', (d, s) => { const a = d >>> 2, b = s >>> 2; I32[a] = (I32[a] - I32[b]) | 0; I32[a + 1] = (I32[a + 1] - I32[b + 1]) | 0; });
op2(1, 0xfb, 'psubq', (d, s) => {
  const a = d >>> 2, b = s >>> 2;
  const lo = (I32[a] >>> 0) - (I32[b] >>> 0);
  I32[a] = lo | 0;
  I32[a + 1] = (I32[a + 1] - I32[b + 1] - (lo < 0 ? 1 : 0)) | 0;
});
op2(1, 0xec, 'paddsb', (d, s) => { for (let k = 0; k < 8; k++) I8[d + k] = sat8(I8[d + k] + I8[s + k]); });
op2(1, 0xed, 'paddsw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 4; k++) I16[a + k] = sat16(I16[a + k] + I16[b + k]); });
op2(1, 0xdc, 'paddusb', (d, s) => { for (let k = 0; k < 8; k++) U8[d + k] = satu8(U8[d + k] + U8[s + k]); });
op2(1, 0xdd, 'paddusw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 4; k++) U16[a + k] = satu16(U16[a + k] + U16[b + k]); });
op2(1, 0xe8, 'psubsb', (d, s) => { for (let k = 0; k < 8; k++) I8[d + k] = sat8(I8[d + k] - I8[s + k]); });
op2(1, 0xe9, 'psubsw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 4; k++) I16[a + k] = sat16(I16[a + k] - I16[b + k]); });
op2(1, 0xd8, 'psubusb', (d, s) => { for (let k = 0; k < 8; k++) U8[d + k] = satu8(U8[d + k] - U8[s + k]); });
op2(1, 0xd9, 'psubusw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 4; k++) U16[a + k] = satu16(U16[a + k] - U16[b + k]); });

// ---- compares --------------------------------------------------------------------------------

op2(1, 0x74, 'pcmpeqb', (d, s) => { for (let k = 0; k < 8; k++) U8[d + k] = U8[d + k] === U8[s + k] ? 0xff : 0; });
op2(1, 0x75, 'pcmpeqw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 4; k++) U16[a + k] = U16[a + k] === U16[b + k] ? 0xffff : 0; });
op2(1, 0x76, 'pcmpeqd', (d, s) => { const a = d >>> 2, b = s >>> 2; for (let k = 0; k < 2; k++) I32[a + k] = I32[a + k] === I32[b + k] ? -1 : 0; });
op2(1, 0x64, 'pcmpgtb', (d, s) => { for (let k = 0; k < 8; k++) U8[d + k] = I8[d + k] > I8[s + k] ? 0xff : 0; });
op2(1, 0x65, 'pcmpgtw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 4; k++) U16[a + k] = I16[a + k] > I16[b + k] ? 0xffff : 0; });
op2(1, 0x66, 'pcmpgtd', (d, s) => { const a = d >>> 2, b = s >>> 2; for (let k = 0; k < 2; k++) I32[a + k] = I32[a + k] > I32[b + k] ? -1 : 0; });

// ---- logic -----------------------------------------------------------------------------------

op2(1, 0xdb, 'pand', (d, s) => { const a = d >>> 2, b = s >>> 2; I32[a] &= I32[b]; I32[a + 1] &= I32[b + 1]; });
op2(1, 0xdf, 'pandn', (d, s) => { const a = d >>> 2, b = s >>> 2; I32[a] = ~I32[a] & I32[b]; I32[a + 1] = ~I32[a + 1] & I32[b + 1]; });
op2(1, 0xeb, 'por', (d, s) => { const a = d >>> 2, b = s >>> 2; I32[a] |= I32[b]; I32[a + 1] |= I32[b + 1]; });
op2(1, 0xef, 'pxor', (d, s) => { const a = d >>> 2, b = s >>> 2; I32[a] ^= I32[b]; I32[a + 1] ^= I32[b + 1]; });

// ---- shifts ----------------------------------------------------------------------------------

/** Shifts every lane of width w (2, 4, 8 bytes) of the register at d by n (0..Infinity):
 *  kind 0 srl, 1 sra, 2 sll. */
function shift(d: number, w: number, kind: number, n: number): void {
  if (w === 2) {
    const a = d >>> 1;
    if (n >= 16) { for (let k = 0; k < 4; k++) U16[a + k] = kind === 1 ? I16[a + k] >> 15 : 0; return; }
    for (let k = 0; k < 4; k++) U16[a + k] = kind === 0 ? U16[a + k] >>> n : kind === 1 ? I16[a + k] >> n : U16[a + k] << n;
    return;
  }
  const a = d >>> 2;
  if (w === 4) {
    if (n >= 32) { for (let k = 0; k < 2; k++) I32[a + k] = kind === 1 ? I32[a + k] >> 31 : 0; return; }
    for (let k = 0; k < 2; k++) I32[a + k] = kind === 0 ? I32[a + k] >>> n : kind === 1 ? I32[a + k] >> n : I32[a + k] << n;
    return;
  }
  const lo = I32[a], hi = I32[a + 1];
  let rl = 0, rh = 0;
  if (n >= 64) { /* zero */ } else if (n === 0) { rl = lo; rh = hi; } else if (kind === 0) {
    if (n >= 32) rl = hi >>> (n - 32); else { rl = (lo >>> n) | (hi << (32 - n)); rh = hi >>> n; }
  } else {
    if (n >= 32) rh = lo << (n - 32); else { rh = (hi << n) | (lo >>> (32 - n)); rl = lo << n; }
  }
  I32[a] = rl; I32[a + 1] = rh;
}
/** Count from mm/m64 (all 64 bits count). */
function shiftM(w: number, kind: number): Handler {
  return (c, i) => {
    const x = enter(c, i), s = srcM(c, i, x) >>> 2, d = mm(x, i.reg);
    shift(d, w, kind, I32[s + 1] !== 0 ? Infinity : I32[s] >>> 0);
    wrote(x, d);
  };
}
/** Count from imm8 (0F 71/72/73 groups, register form only). */
function shiftI(w: number, kind: number): Handler {
  return (c, i) => {
    const x = enter(c, i), d = mm(x, i.rm);
    shift(d, w, kind, i.imm);
    wrote(x, d);
  };
}
mdef(1, 0xd1, 'psrlw', shiftM(2, 0)); mdef(1, 0xd2, 'psrld', shiftM(4, 0)); mdef(1, 0xd3, 'psrlq', shiftM(8, 0));
mdef(1, 0xe1, 'psraw', shiftM(2, 1)); mdef(1, 0xe2, 'psrad', shiftM(4, 1));
mdef(1, 0xf1, 'psllw', shiftM(2, 2)); mdef(1, 0xf2, 'pslld', shiftM(4, 2)); mdef(1, 0xf3, 'psllq', shiftM(8, 2));
function grp(op: number, r: number, name: string, fn: Handler): void {
  sdef(1, op, { name, fn, imm: 'ub', form: 'reg' }, { reg: r, mandatory: 'none' });
}
grp(0x71, 2, 'psrlw', shiftI(2, 0)); grp(0x71, 4, 'psraw', shiftI(2, 1)); grp(0x71, 6, 'psllw', shiftI(2, 2));
grp(0x72, 2, 'psrld', shiftI(4, 0)); grp(0x72, 4, 'psrad', shiftI(4, 1)); grp(0x72, 6, 'pslld', shiftI(4, 2));
grp(0x73, 2, 'psrlq', shiftI(8, 0)); grp(0x73, 6, 'psllq', shiftI(8, 2));

// ---- multiplies ------------------------------------------------------------------------------

/** High 32 bits of the unsigned 64-bit product of two 32-bit values. */
function umulhi(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const t = a0 * b0;
  const m1 = a1 * b0 + (t >>> 16);
  const m2 = a0 * b1 + (m1 & 0xffff);
  return (a1 * b1 + Math.floor(m1 / 65536) + Math.floor(m2 / 65536)) | 0;
}
op2(1, 0xd5, 'pmullw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 4; k++) U16[a + k] = Math.imul(U16[a + k], U16[b + k]); });
op2(1, 0xe5, 'pmulhw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 4; k++) U16[a + k] = (I16[a + k] * I16[b + k]) >> 16; });
op2(1, 0xe4, 'pmulhuw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 4; k++) U16[a + k] = (U16[a + k] * U16[b + k]) >>> 16; });
op2(1, 0xf4, 'pmuludq', (d, s) => {
  const a = d >>> 2, b = s >>> 2, u = I32[a], v = I32[b];
  I32[a] = Math.imul(u, v); I32[a + 1] = umulhi(u, v);
});
op2(1, 0xf5, 'pmaddwd', (d, s) => {
  const a = d >>> 1, b = s >>> 1, r = d >>> 2;
  const v0 = I16[a] * I16[b] + I16[a + 1] * I16[b + 1];
  const v1 = I16[a + 2] * I16[b + 2] + I16[a + 3] * I16[b + 3];
  I32[r] = v0 | 0; I32[r + 1] = v1 | 0;
});
op2(2, 0x04, 'pmaddubsw', (d, s) => {
  const a = d >>> 1;
  for (let k = 0; k < 4; k++) I16[a + k] = sat16(U8[d + 2 * k] * I8[s + 2 * k] + U8[d + 2 * k + 1] * I8[s + 2 * k + 1]);
});
op2(2, 0x0b, 'pmulhrsw', (d, s) => {
  const a = d >>> 1, b = s >>> 1;
  for (let k = 0; k < 4; k++) U16[a + k] = (((I16[a + k] * I16[b + k]) >> 14) + 1) >> 1;
});

// ---- average, min/max, sad, abs, sign --------------------------------------------------------

op2(1, 0xe0, 'pavgb', (d, s) => { for (let k = 0; k < 8; k++) U8[d + k] = (U8[d + k] + U8[s + k] + 1) >>> 1; });
op2(1, 0xe3, 'pavgw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 4; k++) U16[a + k] = (U16[a + k] + U16[b + k] + 1) >>> 1; });
op2(1, 0xda, 'pminub', (d, s) => { for (let k = 0; k < 8; k++) { const y = U8[s + k]; if (y < U8[d + k]) U8[d + k] = y; } });
op2(1, 0xde, 'pmaxub', (d, s) => { for (let k = 0; k < 8; k++) { const y = U8[s + k]; if (y > U8[d + k]) U8[d + k] = y; } });
op2(1, 0xea, 'pminsw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 4; k++) { const y = I16[b + k]; if (y < I16[a + k]) I16[a + k] = y; } });
op2(1, 0xee, 'pmaxsw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 4; k++) { const y = I16[b + k]; if (y > I16[a + k]) I16[a + k] = y; } });
op2(1, 0xf6, 'psadbw', (d, s) => {
  let sum = 0;
  for (let k = 0; k < 8; k++) { const v = U8[d + k] - U8[s + k]; sum += v < 0 ? -v : v; }
  const a = d >>> 2;
  I32[a] = sum; I32[a + 1] = 0;
});
op2(2, 0x1c, 'pabsb', (d, s) => { for (let k = 0; k < 8; k++) { const v = I8[s + k]; U8[d + k] = v < 0 ? -v : v; } });
op2(2, 0x1d, 'pabsw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 4; k++) { const v = I16[b + k]; U16[a + k] = v < 0 ? -v : v; } });
op2(2, 0x1e, 'pabsd', (d, s) => { const a = d >>> 2, b = s >>> 2; for (let k = 0; k < 2; k++) { const v = I32[b + k]; I32[a + k] = v < 0 ? -v | 0 : v; } });
op2(2, 0x08, 'psignb', (d, s) => { for (let k = 0; k < 8; k++) { const v = I8[s + k]; if (v < 0) I8[d + k] = -I8[d + k]; else if (v === 0) I8[d + k] = 0; } });
op2(2, 0x09, 'psignw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 4; k++) { const v = I16[b + k]; if (v < 0) I16[a + k] = -I16[a + k]; else if (v === 0) I16[a + k] = 0; } });
op2(2, 0x0a, 'psignd', (d, s) => { const a = d >>> 2, b = s >>> 2; for (let k = 0; k < 2; k++) { const v = I32[b + k]; if (v < 0) I32[a + k] = -I32[a + k] | 0; else if (v === 0) I32[a + k] = 0; } });

// ---- horizontal add/sub (SSSE3) --------------------------------------------------------------

function hw(f: (x: number, y: number) => number): Lanes {
  return (d, s) => {
    const a = d >>> 1, b = s >>> 1, t = T1 >>> 1;
    U16[t] = f(I16[a], I16[a + 1]); U16[t + 1] = f(I16[a + 2], I16[a + 3]);
    U16[t + 2] = f(I16[b], I16[b + 1]); U16[t + 3] = f(I16[b + 2], I16[b + 3]);
    cp8(T1, d);
  };
}
function hd(sub: boolean): Lanes {
  return (d, s) => {
    const a = d >>> 2, b = s >>> 2;
    const r0 = sub ? I32[a] - I32[a + 1] : I32[a] + I32[a + 1];
    const r1 = sub ? I32[b] - I32[b + 1] : I32[b] + I32[b + 1];
    I32[a] = r0 | 0; I32[a + 1] = r1 | 0;
  };
}
op2(2, 0x01, 'phaddw', hw((x, y) => x + y));
op2(2, 0x02, 'phaddd', hd(false));
op2(2, 0x03, 'phaddsw', hw((x, y) => sat16(x + y)));
op2(2, 0x05, 'phsubw', hw((x, y) => x - y));
op2(2, 0x06, 'phsubd', hd(true));
op2(2, 0x07, 'phsubsw', hw((x, y) => sat16(x - y)));

// ---- unpacks and packs -----------------------------------------------------------------------

function unpck(w: number, hi: boolean): Lanes {
  return (d, s) => {
    const o = hi ? 4 : 0;
    for (let k = 0; k < 4; k += w) {
      for (let b = 0; b < w; b++) { U8[T1 + 2 * k + b] = U8[d + o + k + b]; U8[T1 + 2 * k + w + b] = U8[s + o + k + b]; }
    }
    cp8(T1, d);
  };
}
/** punpckl*: the memory form reads only 4 bytes. */
function op2lo(op: number, name: string, f: Lanes): void {
  mdef(1, op, name, (c, i) => {
    const x = enter(c, i), s = srcM32(c, i, x), d = mm(x, i.reg);
    f(d, s, 0);
    wrote(x, d);
  });
}
op2lo(0x60, 'punpcklbw', unpck(1, false)); op2lo(0x61, 'punpcklwd', unpck(2, false)); op2lo(0x62, 'punpckldq', unpck(4, false));
op2(1, 0x68, 'punpckhbw', unpck(1, true)); op2(1, 0x69, 'punpckhwd', unpck(2, true)); op2(1, 0x6a, 'punpckhdq', unpck(4, true));

op2(1, 0x63, 'packsswb', (d, s) => {
  const a = d >>> 1, b = s >>> 1;
  for (let k = 0; k < 4; k++) { I8[T1 + k] = sat8(I16[a + k]); I8[T1 + 4 + k] = sat8(I16[b + k]); }
  cp8(T1, d);
});
op2(1, 0x67, 'packuswb', (d, s) => {
  const a = d >>> 1, b = s >>> 1;
  for (let k = 0; k < 4; k++) { U8[T1 + k] = satu8(I16[a + k]); U8[T1 + 4 + k] = satu8(I16[b + k]); }
  cp8(T1, d);
});
op2(1, 0x6b, 'packssdw', (d, s) => {
  const a = d >>> 2, b = s >>> 2, t = T1 >>> 1;
  I16[t] = sat16(I32[a]); I16[t + 1] = sat16(I32[a + 1]); I16[t + 2] = sat16(I32[b]); I16[t + 3] = sat16(I32[b + 1]);
  cp8(T1, d);
});

// ---- shuffles, align -------------------------------------------------------------------------

op2(1, 0x70, 'pshufw', (d, s, m) => {
  const a = s >>> 1, t = T1 >>> 1;
  U16[t] = U16[a + (m & 3)]; U16[t + 1] = U16[a + ((m >> 2) & 3)];
  U16[t + 2] = U16[a + ((m >> 4) & 3)]; U16[t + 3] = U16[a + ((m >> 6) & 3)];
  cp8(T1, d);
}, true);
op2(2, 0x00, 'pshufb', (d, s) => {
  for (let k = 0; k < 8; k++) { const v = U8[s + k]; U8[T1 + k] = v & 0x80 ? 0 : U8[d + (v & 7)]; }
  cp8(T1, d);
});
op2(3, 0x0f, 'palignr', (d, s, n) => {
  for (let k = 0; k < 8; k++) { const j = n + k; U8[T1 + k] = j < 8 ? U8[s + j] : j < 16 ? U8[d + j - 8] : 0; }
  cp8(T1, d);
}, true);

// ---- inserts, extracts, masks ----------------------------------------------------------------

mdef(1, 0xc4, 'pinsrw', (c, i) => {
  const x = enter(c, i);
  const v = i.mod === 3 ? c.r[2 * i.rm] : c.mem.read16(c.ea(i));
  const d = mm(x, i.reg);
  U16[(d >>> 1) + (i.imm & 3)] = v;
  wrote(x, d);
}, { imm: 'ub' });
mdef(1, 0xc5, 'pextrw', (c, i) => {
  const x = enter(c, i);
  c.setR(i.reg, 4, U16[(mm(x, i.rm) >>> 1) + (i.imm & 3)]);
  mmxMode(x);
}, { imm: 'ub', form: 'reg' });
mdef(1, 0xd7, 'pmovmskb', (c, i) => {
  const x = enter(c, i), s = mm(x, i.rm);
  let m = 0;
  for (let k = 7; k >= 0; k--) m = (m << 1) | (U8[s + k] >>> 7);
  c.setR(i.reg, 4, m);
  mmxMode(x);
}, { form: 'reg' });
/** maskmovq mm1, mm2: the bytes of mm1 whose mask byte in mm2 has its top bit set go to [rDI]
 *  (DS, or a segment override). Measured: the transition to MMX mode happens first, then all
 *  8 bytes are checked as a write whatever the mask (a fault names the first bad byte of the
 *  range and nothing is written), then the selected bytes are stored. */
mdef(1, 0xf7, 'maskmovq', (c, i) => {
  const x = enter(c, i), s = mm(x, i.reg), m = mm(x, i.rm);
  let a = i.asize === 8 ? c.regAddr(RDI) : i.asize === 4 ? c.r[2 * RDI] >>> 0 : c.r[2 * RDI] & 0xffff;
  if (i.seg >= 4) a += i.seg === 4 ? c.fsBase : c.gsBase;
  if (!c.mode64) a = a >>> 0;
  mmxMode(x);
  c.mem.probeWrite(a, 8);
  for (let k = 0; k < 8; k++) if (U8[m + k] & 0x80) c.mem.write8(a + k, U8[s + k]);
}, { form: 'reg' });

// ---- moves -----------------------------------------------------------------------------------

/** movd mm, r/m32 and movq mm, r/m64 (REX.W): zero-extended. */
mdef(1, 0x6e, 'movd', (c, i) => {
  const x = enter(c, i);
  const lo = c.rdE(i, i.osize), hi = i.osize === 8 ? c.hi : 0;
  const d = mm(x, i.reg), k = d >>> 2;
  I32[k] = lo; I32[k + 1] = hi;
  wrote(x, d);
}, { size: 'y' });
/** movd r/m32, mm and movq r/m64, mm (REX.W). */
mdef(1, 0x7e, 'movd', (c, i) => {
  const x = enter(c, i), s = mm(x, i.reg) >>> 2;
  c.wrE(i, I32[s], I32[s + 1], i.osize);
  mmxMode(x);
}, { size: 'y' });
mdef(1, 0x6f, 'movq', (c, i) => {
  const x = enter(c, i), s = srcM(c, i, x), d = mm(x, i.reg);
  cp8(s, d);
  wrote(x, d);
});
function movqStore(c: Cpu, i: Insn): void {
  const x = enter(c, i), s = mm(x, i.reg);
  if (i.mod === 3) {
    const d = mm(x, i.rm);
    cp8(s, d);
    wrote(x, d);
    return;
  }
  c.mem.write64(c.ea(i), I32[s >>> 2], I32[(s >>> 2) + 1]);
  mmxMode(x);
}
mdef(1, 0x7f, 'movq', movqStore);
mdef(1, 0xe7, 'movntq', movqStore, { form: 'mem' });

/** emms: every x87 register tagged empty, and TOP = 0 (measured; the SDM only mentions the tags). */
sdef(1, 0x77, {
  name: 'emms',
  fn: (c, i) => { const x = enter(c, i); U16[(x + SW) >> 1] = U16[(x + SW) >> 1] & ~0x3800; U8[x + TW] = 0; },
}, { mandatory: 'none' });

/** movq2dq xmm, mm: the quadword, upper half zeroed. */
mdef(1, 0xd6, 'movq2dq', (c, i) => {
  const x = enter(c, i), s = mm(x, i.rm) >>> 2, d = (x + 16 * i.reg) >>> 2;
  I32[d] = I32[s]; I32[d + 1] = I32[s + 1]; I32[d + 2] = 0; I32[d + 3] = 0;
  mmxMode(x);
}, { form: 'reg' }, 'F3');
/** movdq2q mm, xmm: the low quadword. */
mdef(1, 0xd6, 'movdq2q', (c, i) => {
  const x = enter(c, i), d = mm(x, i.reg);
  cp8(x + 16 * i.rm, d);
  wrote(x, d);
}, { form: 'reg' }, 'F2');

// ---- conversions -----------------------------------------------------------------------------

/** cvtpi2ps xmm, mm/m64: two int32 -> binary32 in lanes 0 and 1 (lanes 2, 3 kept). */
mdef(1, 0x2a, 'cvtpi2ps', (c, i) => {
  const x = i.mod === 3 ? enter(c, i) : xb(c), s = srcM(c, i, x) >>> 2, d = (x + 16 * i.reg) >>> 2;
  fpMode(mxcsr(c));
  const r0 = i32to32(I32[s]), r1 = i32to32(I32[s + 1]);
  if (i.mod === 3) mmxMode(x);
  fpCommit(c, i, fl);
  I32[d] = r0; I32[d + 1] = r1;
});
/** cvtpi2pd xmm, mm/m64: two int32 -> binary64 (exact). */
mdef(1, 0x2a, 'cvtpi2pd', (c, i) => {
  const x = i.mod === 3 ? enter(c, i) : xb(c), s = srcM(c, i, x) >>> 2, d = (x + 16 * i.reg) >>> 3;
  const a0 = I32[s], a1 = I32[s + 1];
  put64(d, a0); put64(d + 1, a1);
  if (i.mod === 3) mmxMode(x);
}, {}, '66');
/** cvtps2pi / cvttps2pi mm, xmm/m64. */
function ps2pi(trunc: boolean): Handler {
  return (c, i) => {
    const x = enter(c, i), s = srcX64(c, i, x) >>> 2;
    fpMode(mxcsr(c));
    const rc = trunc ? 3 : RC, a0 = I32[s], a1 = I32[s + 1];
    const r0 = toInt32(intIn32(a0), isNaN32(a0), rc), r1 = toInt32(intIn32(a1), isNaN32(a1), rc);
    mmxMode(x);
    fpCommit(c, i, fl);
    const d = mm(x, i.reg), k = d >>> 2;
    I32[k] = r0; I32[k + 1] = r1;
    U16[(d + 8) >> 1] = 0xffff;
  };
}
/** cvtpd2pi / cvttpd2pi mm, xmm/m128 (16-byte aligned memory operand). */
function pd2pi(trunc: boolean): Handler {
  return (c, i) => {
    const x = enter(c, i), s = srcX(c, i, x, ALIGNED) >>> 2;
    fpMode(mxcsr(c));
    const rc = trunc ? 3 : RC;
    const r0 = toInt32(intIn64(I32[s], I32[s + 1]), isNaN64(I32[s], I32[s + 1]), rc);
    const r1 = toInt32(intIn64(I32[s + 2], I32[s + 3]), isNaN64(I32[s + 2], I32[s + 3]), rc);
    mmxMode(x);
    fpCommit(c, i, fl);
    const d = mm(x, i.reg), k = d >>> 2;
    I32[k] = r0; I32[k + 1] = r1;
    U16[(d + 8) >> 1] = 0xffff;
  };
}
mdef(1, 0x2c, 'cvttps2pi', ps2pi(true));
mdef(1, 0x2d, 'cvtps2pi', ps2pi(false));
mdef(1, 0x2c, 'cvttpd2pi', pd2pi(true), {}, '66');
mdef(1, 0x2d, 'cvtpd2pi', pd2pi(false), {}, '66');
