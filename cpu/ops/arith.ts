// Shared integer arithmetic: the eight classic ALU operations at every operand size with
// lazy flags, and exact 64-bit helpers on (lo, hi) pairs (no BigInt on hot paths).

import type { Cpu } from '../cpu.js';
import { setLazy, getCF, K_ADD, K_SUB, K_LOGIC, K_ADC, K_SBB } from '../flags.js';

export const TWO32 = 4294967296;
export const ADD = 0, OR = 1, ADC = 2, SBB = 3, AND = 4, SUB = 5, XOR = 6, CMP = 7;

/** Applies ALU operation op to (a, b) at size; sets the lazy flags and returns the result
 *  (for size 8 the high word is left in c.hi). Operands of size < 8 need not be masked. */
export function alu(c: Cpu, op: number, size: number, a: number, ah: number, b: number, bh: number): number {
  const f = c.f;
  if (size !== 8) {
    let r: number;
    switch (op) {
      case ADD: r = (a + b) | 0; setLazy(f, K_ADD, size, r, 0, a, 0, b, 0); return r;
      case OR: r = a | b; setLazy(f, K_LOGIC, size, r, 0, 0, 0, 0, 0); return r;
      case ADC: r = (a + b + getCF(f)) | 0; setLazy(f, K_ADC, size, r, 0, a, 0, b, 0); return r;
      case SBB: r = (a - b - getCF(f)) | 0; setLazy(f, K_SBB, size, r, 0, a, 0, b, 0); return r;
      case AND: r = a & b; setLazy(f, K_LOGIC, size, r, 0, 0, 0, 0, 0); return r;
      case XOR: r = a ^ b; setLazy(f, K_LOGIC, size, r, 0, 0, 0, 0, 0); return r;
      default: r = (a - b) | 0; setLazy(f, K_SUB, size, r, 0, a, 0, b, 0); return r;
    }
  }
  let lo: number, hi: number;
  switch (op) {
    case ADD: case ADC: {
      const cin = op === ADC ? getCF(f) : 0;
      const s = (a >>> 0) + (b >>> 0) + cin;
      lo = s | 0;
      hi = (ah + bh + (s >= TWO32 ? 1 : 0)) | 0;
      setLazy(f, op === ADD ? K_ADD : K_ADC, 8, lo, hi, a, ah, b, bh);
      break;
    }
    case SUB: case CMP: case SBB: {
      const bin = op === SBB ? getCF(f) : 0;
      const s = (a >>> 0) - (b >>> 0) - bin;
      lo = s | 0;
      hi = (ah - bh - (s < 0 ? 1 : 0)) | 0;
      setLazy(f, op === SBB ? K_SBB : K_SUB, 8, lo, hi, a, ah, b, bh);
      break;
    }
    case OR: lo = a | b; hi = ah | bh; setLazy(f, K_LOGIC, 8, lo, hi, 0, 0, 0, 0); break;
    case AND: lo = a & b; hi = ah & bh; setLazy(f, K_LOGIC, 8, lo, hi, 0, 0, 0, 0); break;
    default: lo = a ^ b; hi = ah ^ bh; setLazy(f, K_LOGIC, 8, lo, hi, 0, 0, 0, 0); break;
  }
  c.hi = hi;
  return lo;
}

// ---- exact 64-bit helpers ---------------------------------------------------------------------

/** Unsigned 32x32 -> 64 multiply: returns the low word, high word in mulHi. */
export let mulHi = 0;
export function mulu32(a: number, b: number): number {
  a >>>= 0; b >>>= 0;
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  mulHi = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
  return ((mid << 16) | (p00 & 0xffff)) | 0;
}

/** Unsigned 64x64 -> 128 multiply into out[0..3] (little-endian 32-bit words). */
export function mulu64(alo: number, ahi: number, blo: number, bhi: number, out: Int32Array): void {
  const w = [0, 0, 0, 0, 0];
  const A = [alo >>> 0, ahi >>> 0], B = [blo >>> 0, bhi >>> 0];
  for (let x = 0; x < 2; x++) {
    for (let y = 0; y < 2; y++) {
      const lo = mulu32(A[x], B[y]) >>> 0, hi = mulHi >>> 0;
      let k = x + y;
      let s = w[k] + lo; w[k] = s % TWO32; let carry = s >= TWO32 ? 1 : 0;
      k++;
      s = w[k] + hi + carry; w[k] = s % TWO32; carry = s >= TWO32 ? 1 : 0;
      while (carry && ++k < 4) { s = w[k] + carry; w[k] = s % TWO32; carry = s >= TWO32 ? 1 : 0; }
    }
  }
  for (let k = 0; k < 4; k++) out[k] = w[k] | 0;
}

/** Unsigned division of the 128-bit n[0..3] by the 64-bit (dlo, dhi): quotient to q[0..3],
 *  remainder to r[0..1]. The caller guarantees a non-zero divisor. */
export function divu128(n: Int32Array, dlo: number, dhi: number, q: Int32Array, r: Int32Array): void {
  const d = (dhi >>> 0) * TWO32 + (dlo >>> 0);
  if (n[3] === 0 && n[2] === 0 && (n[1] >>> 0) < 0x200000 && dhi >>> 0 < 0x200000) {
    const num = (n[1] >>> 0) * TWO32 + (n[0] >>> 0);      // both < 2^53: exact in doubles
    let quo = Math.floor(num / d);
    let rem = num - quo * d;
    if (rem < 0) { quo--; rem += d; } else if (rem >= d) { quo++; rem -= d; }
    q[0] = quo % TWO32 | 0; q[1] = Math.floor(quo / TWO32) | 0; q[2] = 0; q[3] = 0;
    r[0] = rem % TWO32 | 0; r[1] = Math.floor(rem / TWO32) | 0;
    return;
  }
  // restoring division, one bit at a time, remainder kept as (rh, rl) unsigned words
  let rl = 0, rh = 0;
  const qq = [0, 0, 0, 0];
  const dl = dlo >>> 0, dh = dhi >>> 0;
  for (let bit = 127; bit >= 0; bit--) {
    const top = rh >>> 31;
    rh = ((rh << 1) | (rl >>> 31)) >>> 0;
    rl = ((rl << 1) | ((n[bit >> 5] >>> (bit & 31)) & 1)) >>> 0;
    if (top || rh > dh || (rh === dh && rl >= dl)) {
      const s = rl - dl;
      rl = s >>> 0;
      rh = (rh - dh - (s < 0 ? 1 : 0)) >>> 0;
      qq[bit >> 5] |= 1 << (bit & 31);
    }
  }
  for (let k = 0; k < 4; k++) q[k] = qq[k] | 0;
  r[0] = rl | 0; r[1] = rh | 0;
}

/** Two's complement negation of a 64-bit pair; high word in negHi. */
export let negHi = 0;
export function neg64(lo: number, hi: number): number {
  const nlo = (-(lo >>> 0)) | 0;
  negHi = (~hi + (lo === 0 ? 1 : 0)) | 0;
  return nlo;
}

/** Sign-extends the low `size` bytes of v to int32. */
export function sext(v: number, size: number): number {
  return size === 1 ? (v << 24) >> 24 : size === 2 ? (v << 16) >> 16 : v | 0;
}

/** Zero-extended value of v at size (< 8). */
export function zext(v: number, size: number): number {
  return size === 1 ? v & 0xff : size === 2 ? v & 0xffff : v >>> 0;
}
