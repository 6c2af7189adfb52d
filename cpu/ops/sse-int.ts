// Packed integer instructions on XMM registers (66-prefixed SSE2, SSSE3, SSE4.1, SSE4.2 forms):
// add/sub (wrapping and saturating), compares, logic, shifts, multiplies, averages, min/max,
// sad, unpacks and packs, shuffles, align, inserts and extracts, sign/zero extension, blends,
// ptest, phminposuw. The MMX (no-prefix) forms live in mmx.ts.
//
// Operands are byte offsets into the pool (sse-common.ts); d is the destination register and s
// the source (register or memory loaded into scratch). Lane-wise operations update d in place
// (each lane reads only its own lanes, so d === s is safe); permutations build T1 and copy.

import type { Cpu } from '../cpu.js';
import type { Insn, Handler } from '../insn.js';
import type { Mandatory, OpDef } from '../table.js';
import { getFlags, setFlags, ARITH, CF, ZF } from '../flags.js';
import { inlineHandler } from '../threaded.js';
import { xb, U8, I8, U16, I16, I32, U32, T1, T2, srcX, srcXlo, srcX16, srcX32, srcX64, cp16, sdef } from './sse-common.js';

type Lanes = (d: number, s: number, imm: number) => void;

function d66(map: number, op: number, name: string, fn: Handler, extra: Partial<OpDef> = {}, m: Mandatory = '66'): void {
  sdef(map, op, { name, fn, modrm: true, ...extra }, { mandatory: m });
}
/** dst = f(dst, xmm/m128), the memory operand 16-byte aligned. */
function bin(f: Lanes): Handler {
  return (c, i) => { const x = xb(c); f(x + 16 * i.reg, srcX(c, i, x, true), i.imm); };
}
function op2(map: number, op: number, name: string, f: Lanes, imm = false, fastReg?: Handler): void {
  d66(map, op, name, bin(f), { ...(imm ? { imm: 'ub' as const } : {}), ...(fastReg ? { fastReg } : {}) });
}
/** As op2 for instructions that use only the low quadword of the source. */
function op2lo(map: number, op: number, name: string, f: Lanes): void {
  d66(map, op, name, (c, i) => { const x = xb(c); f(x + 16 * i.reg, srcXlo(c, i, x), i.imm); });
}

function sat8(v: number): number { return v > 127 ? 127 : v < -128 ? -128 : v; }
function satu8(v: number): number { return v > 255 ? 255 : v < 0 ? 0 : v; }
function sat16(v: number): number { return v > 32767 ? 32767 : v < -32768 ? -32768 : v; }
function satu16(v: number): number { return v > 65535 ? 65535 : v < 0 ? 0 : v; }

// ---- add / sub -------------------------------------------------------------------------------

op2(1, 0xfc, 'paddb', (d, s) => {
  const a = d >>> 2, b = s >>> 2;
  for (let k = 0; k < 4; k++) { const x = I32[a + k], y = I32[b + k]; I32[a + k] = ((x & 0x7f7f7f7f) + (y & 0x7f7f7f7f)) ^ ((x ^ y) & (0x80808080 | 0)); }
});
op2(1, 0xfd, 'paddw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 8; k++) U16[a + k] = U16[a + k] + U16[b + k]; });
// register forms of the bitwise ops and paddd as straight-line source for threaded blocks
const lanes = (expr: string) => inlineHandler(`const x = c.state.xmm, a = 4 * i.reg, b = 4 * i.rm;
  x[a] = ${expr.replaceAll('K', '0')}; x[a + 1] = ${expr.replaceAll('K', '1')}; x[a + 2] = ${expr.replaceAll('K', '2')}; x[a + 3] = ${expr.replaceAll('K', '3')};`);
op2(1, 0xfe, 'paddd', (d, s) => { const a = d >>> 2, b = s >>> 2; for (let k = 0; k < 4; k++) I32[a + k] = (I32[a + k] + I32[b + k]) | 0; }, false, lanes('(x[a + K] + x[b + K]) | 0'));
op2(1, 0xd4, 'paddq', (d, s) => {
  const a = d >>> 2, b = s >>> 2;
  for (let k = 0; k < 4; k += 2) {
    const lo = (I32[a + k] >>> 0) + (I32[b + k] >>> 0);
    I32[a + k] = lo | 0;
    I32[a + k + 1] = (I32[a + k + 1] + I32[b + k + 1] + (lo > 0xffffffff ? 1 : 0)) | 0;
  }
});
op2(1, 0xf8, 'psubb', (d, s) => {
  const a = d >>> 2, b = s >>> 2;
  for (let k = 0; k < 4; k++) { const x = I32[a + k], y = I32[b + k]; I32[a + k] = ((x | (0x80808080 | 0)) - (y & 0x7f7f7f7f)) ^ ((x ^ ~y) & (0x80808080 | 0)); }
});
op2(1, 0xf9, 'psubw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 8; k++) U16[a + k] = U16[a + k] - U16[b + k]; });
op2(1, 0xfa, 'psubd', (d, s) => { const a = d >>> 2, b = s >>> 2; for (let k = 0; k < 4; k++) I32[a + k] = (I32[a + k] - I32[b + k]) | 0; });
op2(1, 0xfb, 'psubq', (d, s) => {
  const a = d >>> 2, b = s >>> 2;
  for (let k = 0; k < 4; k += 2) {
    const lo = (I32[a + k] >>> 0) - (I32[b + k] >>> 0);
    I32[a + k] = lo | 0;
    I32[a + k + 1] = (I32[a + k + 1] - I32[b + k + 1] - (lo < 0 ? 1 : 0)) | 0;
  }
});
op2(1, 0xec, 'paddsb', (d, s) => { for (let k = 0; k < 16; k++) I8[d + k] = sat8(I8[d + k] + I8[s + k]); });
op2(1, 0xed, 'paddsw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 8; k++) I16[a + k] = sat16(I16[a + k] + I16[b + k]); });
op2(1, 0xdc, 'paddusb', (d, s) => { for (let k = 0; k < 16; k++) U8[d + k] = satu8(U8[d + k] + U8[s + k]); });
op2(1, 0xdd, 'paddusw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 8; k++) U16[a + k] = satu16(U16[a + k] + U16[b + k]); });
op2(1, 0xe8, 'psubsb', (d, s) => { for (let k = 0; k < 16; k++) I8[d + k] = sat8(I8[d + k] - I8[s + k]); });
op2(1, 0xe9, 'psubsw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 8; k++) I16[a + k] = sat16(I16[a + k] - I16[b + k]); });
op2(1, 0xd8, 'psubusb', (d, s) => { for (let k = 0; k < 16; k++) U8[d + k] = satu8(U8[d + k] - U8[s + k]); });
op2(1, 0xd9, 'psubusw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 8; k++) U16[a + k] = satu16(U16[a + k] - U16[b + k]); });

// ---- compares --------------------------------------------------------------------------------

op2(1, 0x74, 'pcmpeqb', (d, s) => {
  const a = d >>> 2, b = s >>> 2;
  for (let k = 0; k < 4; k++) {
    const t = I32[a + k] ^ I32[b + k];
    const z = ~(((t & 0x7f7f7f7f) + 0x7f7f7f7f) | t) & (0x80808080 | 0);   // 0x80 in each zero byte
    const m = z >>> 7;
    I32[a + k] = ((m << 8) - m) | 0;
  }
});
op2(1, 0x75, 'pcmpeqw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 8; k++) U16[a + k] = U16[a + k] === U16[b + k] ? 0xffff : 0; });
op2(1, 0x76, 'pcmpeqd', (d, s) => { const a = d >>> 2, b = s >>> 2; for (let k = 0; k < 4; k++) I32[a + k] = I32[a + k] === I32[b + k] ? -1 : 0; });
op2(2, 0x29, 'pcmpeqq', (d, s) => {
  const a = d >>> 2, b = s >>> 2;
  for (let k = 0; k < 4; k += 2) { const e = I32[a + k] === I32[b + k] && I32[a + k + 1] === I32[b + k + 1] ? -1 : 0; I32[a + k] = e; I32[a + k + 1] = e; }
});
op2(1, 0x64, 'pcmpgtb', (d, s) => { for (let k = 0; k < 16; k++) U8[d + k] = I8[d + k] > I8[s + k] ? 0xff : 0; });
op2(1, 0x65, 'pcmpgtw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 8; k++) U16[a + k] = I16[a + k] > I16[b + k] ? 0xffff : 0; });
op2(1, 0x66, 'pcmpgtd', (d, s) => { const a = d >>> 2, b = s >>> 2; for (let k = 0; k < 4; k++) I32[a + k] = I32[a + k] > I32[b + k] ? -1 : 0; });
op2(2, 0x37, 'pcmpgtq', (d, s) => {
  const a = d >>> 2, b = s >>> 2;
  for (let k = 0; k < 4; k += 2) {
    const ah = I32[a + k + 1], bh = I32[b + k + 1];
    const g = ah > bh || (ah === bh && (I32[a + k] >>> 0) > (I32[b + k] >>> 0)) ? -1 : 0;
    I32[a + k] = g; I32[a + k + 1] = g;
  }
});

// ---- logic -----------------------------------------------------------------------------------

op2(1, 0xdb, 'pand', (d, s) => { const a = d >>> 2, b = s >>> 2; I32[a] &= I32[b]; I32[a + 1] &= I32[b + 1]; I32[a + 2] &= I32[b + 2]; I32[a + 3] &= I32[b + 3]; }, false, lanes('x[a + K] & x[b + K]'));
op2(1, 0xdf, 'pandn', (d, s) => { const a = d >>> 2, b = s >>> 2; for (let k = 0; k < 4; k++) I32[a + k] = ~I32[a + k] & I32[b + k]; });
op2(1, 0xeb, 'por', (d, s) => { const a = d >>> 2, b = s >>> 2; I32[a] |= I32[b]; I32[a + 1] |= I32[b + 1]; I32[a + 2] |= I32[b + 2]; I32[a + 3] |= I32[b + 3]; }, false, lanes('x[a + K] | x[b + K]'));
op2(1, 0xef, 'pxor', (d, s) => { const a = d >>> 2, b = s >>> 2; I32[a] ^= I32[b]; I32[a + 1] ^= I32[b + 1]; I32[a + 2] ^= I32[b + 2]; I32[a + 3] ^= I32[b + 3]; }, false, lanes('x[a + K] ^ x[b + K]'));

// ---- shifts ----------------------------------------------------------------------------------

/** Shift of every lane of width w (2, 4, 8 bytes) by count n (0..2^53): kind 0 srl, 1 sra, 2 sll. */
function shift(d: number, w: number, kind: number, n: number): void {
  const bits = w * 8;
  if (w === 2) {
    const a = d >>> 1;
    if (n >= bits) { for (let k = 0; k < 8; k++) U16[a + k] = kind === 1 ? I16[a + k] >> 15 : 0; return; }
    for (let k = 0; k < 8; k++) U16[a + k] = kind === 0 ? U16[a + k] >>> n : kind === 1 ? I16[a + k] >> n : U16[a + k] << n;
    return;
  }
  const a = d >>> 2;
  if (w === 4) {
    if (n >= bits) { for (let k = 0; k < 4; k++) I32[a + k] = kind === 1 ? I32[a + k] >> 31 : 0; return; }
    for (let k = 0; k < 4; k++) I32[a + k] = kind === 0 ? I32[a + k] >>> n : kind === 1 ? I32[a + k] >> n : I32[a + k] << n;
    return;
  }
  for (let k = 0; k < 4; k += 2) {
    const lo = I32[a + k], hi = I32[a + k + 1];
    let rl = 0, rh = 0;
    if (n >= 64) { /* zero */ } else if (kind === 0) {
      if (n >= 32) { rl = hi >>> (n - 32); } else if (n > 0) { rl = (lo >>> n) | (hi << (32 - n)); rh = hi >>> n; } else { rl = lo; rh = hi; }
    } else {
      if (n >= 32) { rh = lo << (n - 32); } else if (n > 0) { rh = (hi << n) | (lo >>> (32 - n)); rl = lo << n; } else { rl = lo; rh = hi; }
    }
    I32[a + k] = rl; I32[a + k + 1] = rh;
  }
}
function shiftX(w: number, kind: number): Handler {
  return (c, i) => {
    const x = xb(c), s = srcXlo(c, i, x) >>> 2;
    const n = I32[s + 1] !== 0 ? Infinity : I32[s] >>> 0;
    shift(x + 16 * i.reg, w, kind, n);
  };
}
function shiftI(w: number, kind: number): Handler {
  return (c, i) => shift(xb(c) + 16 * i.rm, w, kind, i.imm);
}
d66(1, 0xd1, 'psrlw', shiftX(2, 0)); d66(1, 0xd2, 'psrld', shiftX(4, 0)); d66(1, 0xd3, 'psrlq', shiftX(8, 0));
d66(1, 0xe1, 'psraw', shiftX(2, 1)); d66(1, 0xe2, 'psrad', shiftX(4, 1));
d66(1, 0xf1, 'psllw', shiftX(2, 2)); d66(1, 0xf2, 'pslld', shiftX(4, 2)); d66(1, 0xf3, 'psllq', shiftX(8, 2));
function grp(op: number, r: number, name: string, fn: Handler, fastReg?: Handler): void {
  sdef(1, op, { name, fn, imm: 'ub', form: 'reg', fastReg }, { reg: r, mandatory: '66' });
}
// Dword shifts by a constant as straight-line source for threaded blocks (the message schedule
// of SHA-256 and similar compiler-vectorised code is made of them).
const dwordShift = (op: string, big: string) => inlineHandler(`const x = c.state.xmm, a = 4 * i.rm, n = i.imm;
  if (n > 31) { ${big} } else { x[a] = x[a] ${op} n; x[a + 1] = x[a + 1] ${op} n; x[a + 2] = x[a + 2] ${op} n; x[a + 3] = x[a + 3] ${op} n; }`);
const ZERO4 = 'x[a] = 0; x[a + 1] = 0; x[a + 2] = 0; x[a + 3] = 0;';
grp(0x71, 2, 'psrlw', shiftI(2, 0)); grp(0x71, 4, 'psraw', shiftI(2, 1)); grp(0x71, 6, 'psllw', shiftI(2, 2));
grp(0x72, 2, 'psrld', shiftI(4, 0), dwordShift('>>>', ZERO4));
grp(0x72, 4, 'psrad', shiftI(4, 1), dwordShift('>>', 'x[a] >>= 31; x[a + 1] >>= 31; x[a + 2] >>= 31; x[a + 3] >>= 31;'));
grp(0x72, 6, 'pslld', shiftI(4, 2), dwordShift('<<', ZERO4));
grp(0x73, 2, 'psrlq', shiftI(8, 0)); grp(0x73, 6, 'psllq', shiftI(8, 2));
grp(0x73, 3, 'psrldq', (c, i) => {
  const d = xb(c) + 16 * i.rm, n = i.imm;
  for (let k = 0; k < 16; k++) U8[d + k] = k + n < 16 ? U8[d + k + n] : 0;
});
grp(0x73, 7, 'pslldq', (c, i) => {
  const d = xb(c) + 16 * i.rm, n = i.imm;
  for (let k = 15; k >= 0; k--) U8[d + k] = k - n >= 0 ? U8[d + k - n] : 0;
});

// ---- multiplies ------------------------------------------------------------------------------

op2(1, 0xd5, 'pmullw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 8; k++) U16[a + k] = Math.imul(U16[a + k], U16[b + k]); });
op2(1, 0xe5, 'pmulhw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 8; k++) U16[a + k] = (I16[a + k] * I16[b + k]) >> 16; });
op2(1, 0xe4, 'pmulhuw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 8; k++) U16[a + k] = (U16[a + k] * U16[b + k]) >>> 16; });
op2(2, 0x40, 'pmulld', (d, s) => { const a = d >>> 2, b = s >>> 2; for (let k = 0; k < 4; k++) I32[a + k] = Math.imul(I32[a + k], I32[b + k]); });

/** High 32 bits of the unsigned 64-bit product of two 32-bit values. */
function umulhi(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const t = a0 * b0;
  const m1 = a1 * b0 + (t >>> 16);
  const m2 = a0 * b1 + (m1 & 0xffff);
  return (a1 * b1 + Math.floor(m1 / 65536) + Math.floor(m2 / 65536)) | 0;
}
op2(1, 0xf4, 'pmuludq', (d, s) => {
  const a = d >>> 2, b = s >>> 2;
  for (let k = 0; k < 4; k += 2) { const x = I32[a + k], y = I32[b + k]; I32[a + k] = Math.imul(x, y); I32[a + k + 1] = umulhi(x, y); }
});
op2(2, 0x28, 'pmuldq', (d, s) => {
  const a = d >>> 2, b = s >>> 2;
  for (let k = 0; k < 4; k += 2) {
    const x = I32[a + k], y = I32[b + k];
    I32[a + k] = Math.imul(x, y);
    I32[a + k + 1] = (umulhi(x, y) - (x < 0 ? y : 0) - (y < 0 ? x : 0)) | 0;
  }
});
op2(1, 0xf5, 'pmaddwd', (d, s) => {
  const a = d >>> 1, b = s >>> 1, r = d >>> 2;
  for (let k = 0; k < 4; k++) {
    const v = I16[a + 2 * k] * I16[b + 2 * k] + I16[a + 2 * k + 1] * I16[b + 2 * k + 1];
    I32[r + k] = v | 0;
  }
});
op2(2, 0x04, 'pmaddubsw', (d, s) => {
  const a = d >>> 1;
  for (let k = 0; k < 8; k++) {
    const v = U8[d + 2 * k] * I8[s + 2 * k] + U8[d + 2 * k + 1] * I8[s + 2 * k + 1];
    I16[a + k] = sat16(v);
  }
});
op2(2, 0x0b, 'pmulhrsw', (d, s) => {
  const a = d >>> 1, b = s >>> 1;
  for (let k = 0; k < 8; k++) U16[a + k] = (((I16[a + k] * I16[b + k]) >> 14) + 1) >> 1;
});

// ---- average, min/max, sad, abs, sign --------------------------------------------------------

op2(1, 0xe0, 'pavgb', (d, s) => { for (let k = 0; k < 16; k++) U8[d + k] = (U8[d + k] + U8[s + k] + 1) >>> 1; });
op2(1, 0xe3, 'pavgw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 8; k++) U16[a + k] = (U16[a + k] + U16[b + k] + 1) >>> 1; });
op2(1, 0xda, 'pminub', (d, s) => { for (let k = 0; k < 16; k++) { const y = U8[s + k]; if (y < U8[d + k]) U8[d + k] = y; } });
op2(1, 0xde, 'pmaxub', (d, s) => { for (let k = 0; k < 16; k++) { const y = U8[s + k]; if (y > U8[d + k]) U8[d + k] = y; } });
op2(1, 0xea, 'pminsw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 8; k++) { const y = I16[b + k]; if (y < I16[a + k]) I16[a + k] = y; } });
op2(1, 0xee, 'pmaxsw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 8; k++) { const y = I16[b + k]; if (y > I16[a + k]) I16[a + k] = y; } });
op2(2, 0x38, 'pminsb', (d, s) => { for (let k = 0; k < 16; k++) { const y = I8[s + k]; if (y < I8[d + k]) I8[d + k] = y; } });
op2(2, 0x3c, 'pmaxsb', (d, s) => { for (let k = 0; k < 16; k++) { const y = I8[s + k]; if (y > I8[d + k]) I8[d + k] = y; } });
op2(2, 0x3a, 'pminuw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 8; k++) { const y = U16[b + k]; if (y < U16[a + k]) U16[a + k] = y; } });
op2(2, 0x3e, 'pmaxuw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 8; k++) { const y = U16[b + k]; if (y > U16[a + k]) U16[a + k] = y; } });
op2(2, 0x39, 'pminsd', (d, s) => { const a = d >>> 2, b = s >>> 2; for (let k = 0; k < 4; k++) { const y = I32[b + k]; if (y < I32[a + k]) I32[a + k] = y; } });
op2(2, 0x3d, 'pmaxsd', (d, s) => { const a = d >>> 2, b = s >>> 2; for (let k = 0; k < 4; k++) { const y = I32[b + k]; if (y > I32[a + k]) I32[a + k] = y; } });
op2(2, 0x3b, 'pminud', (d, s) => { const a = d >>> 2, b = s >>> 2; for (let k = 0; k < 4; k++) { const y = U32[b + k]; if (y < U32[a + k]) U32[a + k] = y; } });
op2(2, 0x3f, 'pmaxud', (d, s) => { const a = d >>> 2, b = s >>> 2; for (let k = 0; k < 4; k++) { const y = U32[b + k]; if (y > U32[a + k]) U32[a + k] = y; } });
op2(1, 0xf6, 'psadbw', (d, s) => {
  const a = d >>> 1;
  for (let h = 0; h < 16; h += 8) {
    let sum = 0;
    for (let k = h; k < h + 8; k++) { const v = U8[d + k] - U8[s + k]; sum += v < 0 ? -v : v; }
    U16[a + h / 2] = sum; U16[a + h / 2 + 1] = 0; U16[a + h / 2 + 2] = 0; U16[a + h / 2 + 3] = 0;
  }
});
op2(2, 0x1c, 'pabsb', (d, s) => { for (let k = 0; k < 16; k++) { const v = I8[s + k]; U8[d + k] = v < 0 ? -v : v; } });
op2(2, 0x1d, 'pabsw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 8; k++) { const v = I16[b + k]; U16[a + k] = v < 0 ? -v : v; } });
op2(2, 0x1e, 'pabsd', (d, s) => { const a = d >>> 2, b = s >>> 2; for (let k = 0; k < 4; k++) { const v = I32[b + k]; I32[a + k] = v < 0 ? -v | 0 : v; } });
op2(2, 0x08, 'psignb', (d, s) => { for (let k = 0; k < 16; k++) { const v = I8[s + k]; if (v < 0) I8[d + k] = -I8[d + k]; else if (v === 0) I8[d + k] = 0; } });
op2(2, 0x09, 'psignw', (d, s) => { const a = d >>> 1, b = s >>> 1; for (let k = 0; k < 8; k++) { const v = I16[b + k]; if (v < 0) I16[a + k] = -I16[a + k]; else if (v === 0) I16[a + k] = 0; } });
op2(2, 0x0a, 'psignd', (d, s) => { const a = d >>> 2, b = s >>> 2; for (let k = 0; k < 4; k++) { const v = I32[b + k]; if (v < 0) I32[a + k] = -I32[a + k] | 0; else if (v === 0) I32[a + k] = 0; } });

// ---- horizontal add/sub (SSSE3) --------------------------------------------------------------

function hw(f: (x: number, y: number) => number): Lanes {
  return (d, s) => {
    const a = d >>> 1, b = s >>> 1, t = T1 >>> 1;
    for (let k = 0; k < 4; k++) { U16[t + k] = f(I16[a + 2 * k], I16[a + 2 * k + 1]); U16[t + 4 + k] = f(I16[b + 2 * k], I16[b + 2 * k + 1]); }
    cp16(T1, d);
  };
}
function hd(sub: boolean): Lanes {
  return (d, s) => {
    const a = d >>> 2, b = s >>> 2, t = T1 >>> 2;
    I32[t] = sub ? I32[a] - I32[a + 1] : I32[a] + I32[a + 1];
    I32[t + 1] = sub ? I32[a + 2] - I32[a + 3] : I32[a + 2] + I32[a + 3];
    I32[t + 2] = sub ? I32[b] - I32[b + 1] : I32[b] + I32[b + 1];
    I32[t + 3] = sub ? I32[b + 2] - I32[b + 3] : I32[b + 2] + I32[b + 3];
    cp16(T1, d);
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
    const o = hi ? 8 : 0;
    for (let k = 0; k < 8; k += w) {
      for (let b = 0; b < w; b++) { U8[T1 + 2 * k + b] = U8[d + o + k + b]; U8[T1 + 2 * k + w + b] = U8[s + o + k + b]; }
    }
    cp16(T1, d);
  };
}
op2lo(1, 0x60, 'punpcklbw', unpck(1, false)); op2lo(1, 0x61, 'punpcklwd', unpck(2, false));
op2lo(1, 0x62, 'punpckldq', unpck(4, false)); op2lo(1, 0x6c, 'punpcklqdq', unpck(8, false));
op2(1, 0x68, 'punpckhbw', unpck(1, true)); op2(1, 0x69, 'punpckhwd', unpck(2, true));
op2(1, 0x6a, 'punpckhdq', unpck(4, true)); op2(1, 0x6d, 'punpckhqdq', unpck(8, true));

op2(1, 0x63, 'packsswb', (d, s) => {
  const a = d >>> 1, b = s >>> 1;
  for (let k = 0; k < 8; k++) { I8[T1 + k] = sat8(I16[a + k]); I8[T1 + 8 + k] = sat8(I16[b + k]); }
  cp16(T1, d);
});
op2(1, 0x67, 'packuswb', (d, s) => {
  const a = d >>> 1, b = s >>> 1;
  for (let k = 0; k < 8; k++) { U8[T1 + k] = satu8(I16[a + k]); U8[T1 + 8 + k] = satu8(I16[b + k]); }
  cp16(T1, d);
});
op2(1, 0x6b, 'packssdw', (d, s) => {
  const a = d >>> 2, b = s >>> 2, t = T1 >>> 1;
  for (let k = 0; k < 4; k++) { I16[t + k] = sat16(I32[a + k]); I16[t + 4 + k] = sat16(I32[b + k]); }
  cp16(T1, d);
});
op2(2, 0x2b, 'packusdw', (d, s) => {
  const a = d >>> 2, b = s >>> 2, t = T1 >>> 1;
  for (let k = 0; k < 4; k++) { U16[t + k] = satu16(I32[a + k]); U16[t + 4 + k] = satu16(I32[b + k]); }
  cp16(T1, d);
});

// ---- shuffles, align, blends -----------------------------------------------------------------

function pshufd(c: Cpu, i: Insn): void {
  const x = xb(c), s = srcX(c, i, x, true) >>> 2, m = i.imm, t = T1 >>> 2;
  I32[t] = I32[s + (m & 3)]; I32[t + 1] = I32[s + ((m >> 2) & 3)];
  I32[t + 2] = I32[s + ((m >> 4) & 3)]; I32[t + 3] = I32[s + ((m >> 6) & 3)];
  cp16(T1, x + 16 * i.reg);
}
function pshufw(hi: boolean): Handler {
  return (c, i) => {
    const x = xb(c), s = srcX(c, i, x, true), m = i.imm, o = hi ? 4 : 0;
    cp16(s, T1);
    const a = (s >>> 1) + o, t = (T1 >>> 1) + o;
    U16[t] = U16[a + (m & 3)]; U16[t + 1] = U16[a + ((m >> 2) & 3)];
    U16[t + 2] = U16[a + ((m >> 4) & 3)]; U16[t + 3] = U16[a + ((m >> 6) & 3)];
    cp16(T1, x + 16 * i.reg);
  };
}
d66(1, 0x70, 'pshufd', pshufd, { imm: 'ub' });
d66(1, 0x70, 'pshufhw', pshufw(true), { imm: 'ub' }, 'F3');
d66(1, 0x70, 'pshuflw', pshufw(false), { imm: 'ub' }, 'F2');

op2(2, 0x00, 'pshufb', (d, s) => {
  for (let k = 0; k < 16; k++) { const v = U8[s + k]; U8[T1 + k] = v & 0x80 ? 0 : U8[d + (v & 15)]; }
  cp16(T1, d);
});
op2(3, 0x0f, 'palignr', (d, s, n) => {
  for (let k = 0; k < 16; k++) { const j = n + k; U8[T1 + k] = j < 16 ? U8[s + j] : j < 32 ? U8[d + j - 16] : 0; }
  cp16(T1, d);
}, true);
op2(3, 0x0e, 'pblendw', (d, s, m) => {
  const a = d >>> 1, b = s >>> 1;
  for (let k = 0; k < 8; k++) if (m & (1 << k)) U16[a + k] = U16[b + k];
}, true);
d66(2, 0x10, 'pblendvb', (c, i) => {
  const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true);
  for (let k = 0; k < 16; k++) if (U8[x + k] & 0x80) U8[d + k] = U8[s + k];
});
op2(3, 0x42, 'mpsadbw', (d, s, m) => {
  const so = (m & 3) * 4, dof = m & 4 ? 4 : 0, t = T1 >>> 1;
  for (let k = 0; k < 8; k++) {
    let sum = 0;
    for (let j = 0; j < 4; j++) { const v = U8[d + dof + k + j] - U8[s + so + j]; sum += v < 0 ? -v : v; }
    U16[t + k] = sum;
  }
  cp16(T1, d);
}, true);

// ---- ptest, phminposuw -----------------------------------------------------------------------

d66(2, 0x17, 'ptest', (c, i) => {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2, s = srcX(c, i, x, true) >>> 2;
  let and = 0, andn = 0;
  for (let k = 0; k < 4; k++) { and |= I32[d + k] & I32[s + k]; andn |= ~I32[d + k] & I32[s + k]; }
  setFlags(c.f, (getFlags(c.f) & ~ARITH) | (and === 0 ? ZF : 0) | (andn === 0 ? CF : 0));
}, { flags: 'w' });
d66(2, 0x41, 'phminposuw', (c, i) => {
  const x = xb(c), s = srcX(c, i, x, true) >>> 1, d = (x + 16 * i.reg) >>> 2;
  let min = U16[s], idx = 0;
  for (let k = 1; k < 8; k++) if (U16[s + k] < min) { min = U16[s + k]; idx = k; }
  I32[d] = min | (idx << 16); I32[d + 1] = 0; I32[d + 2] = 0; I32[d + 3] = 0;
});

// ---- sign / zero extension (SSE4.1) ----------------------------------------------------------

function pmovx(from: number, to: number, signed: boolean): Handler {
  const n = 16 / to, bytes = n * from;
  return (c, i) => {
    const x = xb(c);
    const s = bytes === 8 ? srcX64(c, i, x) : bytes === 4 ? srcX32(c, i, x) : srcX16(c, i, x);
    const t = T2;
    for (let k = 0; k < n; k++) {
      let v: number;
      if (from === 1) v = signed ? I8[s + k] : U8[s + k];
      else if (from === 2) v = signed ? I16[(s >>> 1) + k] : U16[(s >>> 1) + k];
      else v = I32[(s >>> 2) + k];
      if (to === 2) U16[(t >>> 1) + k] = v;
      else if (to === 4) I32[(t >>> 2) + k] = v;
      else { I32[(t >>> 2) + 2 * k] = v; I32[(t >>> 2) + 2 * k + 1] = signed && v < 0 ? -1 : 0; }
    }
    cp16(T2, x + 16 * i.reg);
  };
}
const PMOVX: [number, number, number, string][] = [[0, 1, 2, 'bw'], [1, 1, 4, 'bd'], [2, 1, 8, 'bq'], [3, 2, 4, 'wd'], [4, 2, 8, 'wq'], [5, 4, 8, 'dq']];
for (const [k, f, t, n] of PMOVX) {
  d66(2, 0x20 + k, 'pmovsx' + n, pmovx(f, t, true));
  d66(2, 0x30 + k, 'pmovzx' + n, pmovx(f, t, false));
}

// ---- inserts and extracts --------------------------------------------------------------------

d66(1, 0xc4, 'pinsrw', (c, i) => {
  const d = xb(c) + 16 * i.reg;
  const v = i.mod === 3 ? c.r[2 * i.rm] : c.mem.read16(c.ea(i));
  U16[(d >>> 1) + (i.imm & 7)] = v;
}, { imm: 'ub' });
d66(1, 0xc5, 'pextrw', (c, i) => {
  const s = xb(c) + 16 * i.rm;
  c.setR(i.reg, 4, U16[(s >>> 1) + (i.imm & 7)]);
}, { imm: 'ub', form: 'reg' });
d66(3, 0x14, 'pextrb', (c, i) => {
  const x = xb(c), v = U8[x + 16 * i.reg + (i.imm & 15)];     // xb first: it may rebind the views
  if (i.mod === 3) c.setR(i.rm, 4, v); else c.mem.write8(c.ea(i), v);
}, { imm: 'ub' });
d66(3, 0x15, 'pextrw', (c, i) => {
  const x = xb(c), v = U16[((x + 16 * i.reg) >>> 1) + (i.imm & 7)];
  if (i.mod === 3) c.setR(i.rm, 4, v); else c.mem.write16(c.ea(i), v);
}, { imm: 'ub' });
d66(3, 0x16, 'pextrd', (c, i) => {
  const s = (xb(c) + 16 * i.reg) >>> 2;
  if (i.osize === 8) {
    const k = s + 2 * (i.imm & 1);
    if (i.mod === 3) c.setR(i.rm, 8, I32[k], I32[k + 1]); else c.mem.write64(c.ea(i), I32[k], I32[k + 1]);
  } else {
    const v = I32[s + (i.imm & 3)];
    if (i.mod === 3) c.setR(i.rm, 4, v); else c.mem.write32(c.ea(i), v);
  }
}, { imm: 'ub', size: 'y' });
d66(3, 0x20, 'pinsrb', (c, i) => {
  const d = xb(c) + 16 * i.reg;
  U8[d + (i.imm & 15)] = i.mod === 3 ? c.r[2 * i.rm] : c.mem.read8(c.ea(i));
}, { imm: 'ub' });
d66(3, 0x22, 'pinsrd', (c, i) => {
  const d = (xb(c) + 16 * i.reg) >>> 2;
  if (i.osize === 8) {
    let lo: number, hi: number;
    if (i.mod === 3) { lo = c.r[2 * i.rm]; hi = c.r[2 * i.rm + 1]; } else { lo = c.mem.read64(c.ea(i)); hi = c.mem.hi; }
    const k = d + 2 * (i.imm & 1);
    I32[k] = lo; I32[k + 1] = hi;
  } else {
    I32[d + (i.imm & 3)] = i.mod === 3 ? c.r[2 * i.rm] : c.mem.read32(c.ea(i));
  }
}, { imm: 'ub', size: 'y' });

