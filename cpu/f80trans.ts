// x87 transcendental instructions (F2XM1 FYL2X FYL2XP1 FPATAN FSIN FCOS FPTAN FSINCOS) on 80-bit
// values. Special operands follow the Intel SDM tables (NaN propagation, infinities, zeros,
// invalid operands, FYL2X's zero-divide, exact results such as atan2(+0, -x) = pi rounded by RC)
// plus what the hardware does outside the documented domains (measured: F2XM1 returns x for
// |x| > 1; FYL2XP1 computes log2(1 + x) for any x > -1 and returns x for x <= -1).
//
// Precision. Finite results are evaluated in double-double arithmetic (about 104 bits) from the
// exact 64-bit operand and rounded once to 64 bits by FCW.RC, so they are correctly rounded
// unless the true value lies within ~2^-100 (relative) of a rounding boundary. FSIN/FCOS/FPTAN/
// FSINCOS reduce the argument modulo the x87's own 66-bit approximation of pi/2 (as hardware
// does: results for large arguments follow that constant, not the true pi), exactly: Cody-Waite
// in double-double for |x| < 2^20, BigInt on a fixed-point constant above (not a hot path).
// The hardware is not correctly rounded: measured on an AMD EPYC, its errors reach 0.51 ulp
// (FSIN, FCOS), 0.58 ulp (FPTAN), 0.59 ulp (FYL2X), and FSINCOS's sine differs from FSIN's in
// 2% of cases; so about 2-4% of results (9% for FPTAN, 18% for FSINCOS's pair) differ from that
// CPU's by one ulp, always with ours the nearer to the true value where checked (FYL2X, FSIN,
// FPTAN against 70-digit references). Bit-exact agreement would need the CPU's own algorithms.
// Operands too small or too large for doubles are handled by scaling (value = (h + l) * 2^k).

import {
  F, IE, DE, ZE, PE, UE, K_ZERO, K_DENORMAL, K_INF, K_QNAN, IND_SE, IND_HI, IND_LO,
  classify, fromScaledDD, nan1, nan2,
} from './f80.js';

export const T_F2XM1 = 0, T_FYL2X = 1, T_FYL2XP1 = 2, T_FPATAN = 3, T_SIN = 4, T_COS = 5, T_TAN = 6;

// ---- double-double arithmetic -----------------------------------------------------------------------

type DD = [number, number];
const SPLITTER = 134217729;           // 2^27 + 1

function twoSum(a: number, b: number): DD {
  const s = a + b, bb = s - a;
  return [s, (a - (s - bb)) + (b - bb)];
}
function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return [s, b - (s - a)];
}
function twoProd(a: number, b: number): DD {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b), bl = b - bh;
  return [p, ((ah * bh - p) + ah * bl + al * bh) + al * bl];
}
function dadd(a: DD, b: DD): DD {
  const s = twoSum(a[0], b[0]), t = twoSum(a[1], b[1]);
  let r = quickTwoSum(s[0], s[1] + t[0]);
  r = quickTwoSum(r[0], r[1] + t[1]);
  return r;
}
function dneg(a: DD): DD { return [-a[0], -a[1]]; }
function dsub(a: DD, b: DD): DD { return dadd(a, dneg(b)); }
function dmul(a: DD, b: DD): DD {
  const p = twoProd(a[0], b[0]);
  return quickTwoSum(p[0], p[1] + (a[0] * b[1] + a[1] * b[0]));
}
function dmuld(a: DD, b: number): DD {
  const p = twoProd(a[0], b);
  return quickTwoSum(p[0], p[1] + a[1] * b);
}
function ddiv(a: DD, b: DD): DD {
  const q1 = a[0] / b[0];
  let r = dsub(a, dmuld(b, q1));
  const q2 = r[0] / b[0];
  r = dsub(r, dmuld(b, q2));
  const q3 = r[0] / b[0];
  return dadd(quickTwoSum(q1, q2), [q3, 0]);
}
function dsqrt(a: DD): DD {
  if (a[0] <= 0) return [0, 0];
  const x = Math.sqrt(a[0]);
  const r = dsub(a, twoProd(x, x));
  return quickTwoSum(x, r[0] / (2 * x));
}
function dscale(a: DD, k: number): DD { const f = Math.pow(2, k); return [a[0] * f, a[1] * f]; }

const LN2: DD = [0.6931471805599453, 2.3190468138462996e-17];
const LOG2E: DD = [1.4426950408889634, 2.0355273740931033e-17];
const PI: DD = [3.141592653589793, 1.2246467991473532e-16];
const PIO2: DD = [1.5707963267948966, 6.123233995736766e-17];
const PIO4: DD = [0.7853981633974483, 3.061616997868383e-17];
const PI3O4: DD = [2.356194490192345, 9.184850993605148e-17];
const SQRT2 = 1.4142135623730951;
/** A nudge far below the 64-bit rounding point, giving exact-looking values the direction of
 *  the true (irrational) result for directed rounding. */
const NUDGE = Math.pow(2, -100);

// ---- operands ------------------------------------------------------------------------------------------

/** Finite nonzero 80-bit value as (-1)^s * (h + l) * 2^e with h + l in [1, 2), exactly. */
interface Scaled { s: number; h: number; l: number; e: number }

function scaled(se: number, hi: number, lo: number): Scaled {
  let e = se & 0x7fff;
  if (e === 0) {
    e = 1;
    if ((hi & 0x80000000) === 0) {
      const n = hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
      if (n >= 32) { hi = (lo << (n - 32)) >>> 0; lo = 0; }
      else if (n > 0) { hi = ((hi << n) | (lo >>> (32 - n))) >>> 0; lo = (lo << n) >>> 0; }
      e -= n;
    }
  }
  hi >>>= 0; lo >>>= 0;
  const low11 = lo & 0x7ff;
  return { s: se >>> 15, h: (hi * 4294967296 + (lo - low11)) / 9223372036854775808, l: low11 / 9223372036854775808, e: e - 16383 };
}

/** Rounds (h + l) * 2^k (signed doubles) into F; inexact unless `exact`. */
function out(v: DD, k: number, cw: number, exact = false): void {
  fromScaledDD(v[0], v[1], k, cw);
  if (exact) return;
  // the result of a transcendental is inexact even where the double-double value happened to be
  // representable; a tiny inexact result is an underflow (masked: UE with a denormal result)
  F.exc |= PE;
  if ((F.se & 0x7fff) === 0 && (v[0] !== 0 || v[1] !== 0) && (cw & UE) !== 0) F.exc |= UE;
}

function setPacked(se: number, hi: number, lo: number): void { F.se = se; F.hi = hi; F.lo = lo; }
function invalid(): void { F.exc |= IE; setPacked(IND_SE, IND_HI, IND_LO); }
function zero(s: number): void { setPacked(s << 15, 0, 0); }
function inf(s: number): void { setPacked((s << 15) | 0x7fff, 0x80000000, 0); }
function one(s: number): void { setPacked((s << 15) | 0x3fff, 0x80000000, 0); }

// ---- elementary functions in double-double ----------------------------------------------------------------

// Series coefficients in double-double, computed once: 1/n! and 1/n.
const INV_FACT: DD[] = [[1, 0], [1, 0]];
for (let n = 2; n <= 40; n++) INV_FACT.push(ddiv(INV_FACT[n - 1], [n, 0]));
const INV: DD[] = [[0, 0]];
for (let n = 1; n <= 80; n++) INV.push(ddiv([1, 0], [n, 0]));

/** e^t - 1 for |t| <= ~1. */
function expm1(t: DD): DD {
  let k = 0;
  while (Math.abs(t[0]) > 1 / 1024) { t = dscale(t, -1); k++; }
  // Taylor series to t^14/14!, by Horner
  let sum: DD = INV_FACT[14];
  for (let n = 13; n >= 1; n--) sum = dadd(dmul(sum, t), INV_FACT[n]);
  sum = dmul(sum, t);
  // expm1(2u) = expm1(u) * (expm1(u) + 2)
  for (; k > 0; k--) sum = dmul(sum, dadd(sum, [2, 0]));
  return sum;
}

/** 2 * atanh(s) = ln((1 + s) / (1 - s)) for |s| <= 0.18. */
function atanh2(s: DD): DD {
  const s2 = dmul(s, s);
  let sum: DD = [0, 0], p = s;
  for (let n = 1; n <= 79; n += 2) {
    sum = dadd(sum, dmul(p, INV[n]));
    p = dmul(p, s2);
    if (Math.abs(p[0]) < 1e-40 * Math.abs(sum[0])) break;
  }
  return dscale(sum, 1);
}

/** log2 of m * 2^e, m = h + l in [1, 2). */
function log2Scaled(m: DD, e: number): DD {
  if (m[0] > SQRT2) { m = dscale(m, -1); e++; }
  const s = ddiv(dsub(m, [1, 0]), dadd(m, [1, 0]));
  return dadd([e, 0], dmul(atanh2(s), LOG2E));
}

/** log2 of a positive double-double in the double range. */
function log2DD(v: DD): DD {
  let e = Math.floor(Math.log2(v[0]));
  let m = dscale(v, -e);
  if (m[0] >= 2) { m = dscale(m, -1); e++; } else if (m[0] < 1) { m = dscale(m, 1); e--; }
  return log2Scaled(m, e);
}

/** atan(u) for 0 <= u <= 1. */
function atanSmall(u: DD): DD {
  for (let k = 0; k < 3; k++) u = ddiv(u, dadd([1, 0], dsqrt(dadd([1, 0], dmul(u, u)))));
  const u2 = dmul(u, u);
  let sum: DD = [0, 0], p = u;
  for (let n = 1; n <= 79; n += 2) {
    const t = dmul(p, INV[n]);
    sum = ((n >> 1) & 1) ? dsub(sum, t) : dadd(sum, t);
    p = dmul(p, u2);
    if (Math.abs(p[0]) < 1e-40 * Math.abs(sum[0])) break;
  }
  return dscale(sum, 3);
}

/** sin r and cos r for |r| <= ~0.8, by Horner on r^2 (terms to r^29/29! and r^28/28!). */
function sinSeries(r: DD): DD {
  const u = dmul(r, r);
  let sum: DD = INV_FACT[29];
  for (let n = 27; n >= 1; n -= 2) sum = dadd(dmul(sum, u), (n & 2) ? dneg(INV_FACT[n]) : INV_FACT[n]);
  return dmul(sum, r);
}
function cosSeries(r: DD): DD {
  const u = dmul(r, r);
  let sum: DD = INV_FACT[28];
  for (let n = 26; n >= 0; n -= 2) sum = dadd(dmul(sum, u), (n & 2) ? dneg(INV_FACT[n]) : INV_FACT[n]);
  return sum;
}

// The x87 reduces trigonometric arguments modulo pi/2 rounded to a 66-bit significand (the
// value Intel documents; hardware results match it, not the true pi/2, for large arguments):
// P66 = 0x1.921FB54442D18469 8 (binary 1.1001...), as a fixed-point number with FIX fraction bits.
const FIX = 330;
const PIO2_FIX = (BigInt('0x6487ed5110b4611a62633145c06e0e68948127044533e63a0105df531d89cd9128a5043cc71a026ef7c') >> BigInt(FIX - 65)) << BigInt(FIX - 65);
/** P66 split for the Cody-Waite reduction of moderate arguments: P66A has the top 33 bits. */
const P66A = Number(PIO2_FIX >> BigInt(FIX - 32)) / 4294967296;
const P66B = Number((PIO2_FIX >> BigInt(FIX - 65)) & 0x1ffffffffn) / 36893488147419103232;
const P66D = P66A + P66B;

/** Exact reduction of |x| = (h + l) * 2^e (below 2^63) modulo P66: r in [-P66/2, P66/2], n mod 4. */
function reduce(x: Scaled): { r: DD; n: number } {
  const ax: DD = dscale([x.h, x.l], x.e);
  if (ax[0] <= PIO4[0]) return { r: ax, n: 0 };
  if (x.e < 20) {
    // Cody-Waite: P66 = P66A + P66B, 33 bits each, so n * P66A and n * P66B are exact for
    // n < 2^20; ax[0] - n * P66A is exact (the two are within a factor of two)
    let n = Math.round(ax[0] / P66D);
    for (let k = 0; k < 2; k++) {
      const r = dadd(dadd([ax[0] - n * P66A, 0], [ax[1], 0]), [-n * P66B, 0]);
      // keep n = round(x / P66) exactly: |r| <= P66/2, compared in double-double
      const over = dadd([Math.abs(r[0]), r[0] < 0 ? -r[1] : r[1]], [-P66A / 2, -P66B / 2]);
      if (over[0] > 0) { n += r[0] > 0 ? 1 : -1; continue; }
      if (Math.abs(r[0]) < 1 / 1073741824) break;      // heavy cancellation: exact path below
      return { r, n: n & 3 };
    }
  }
  // the 64-bit significand as an integer, times 2^(e - 63 + FIX)
  const sig = BigInt(x.h * 9223372036854775808) + BigInt(x.l * 9223372036854775808);
  const X = sig << BigInt(x.e - 63 + FIX);
  let n = X / PIO2_FIX;
  let rem = X - n * PIO2_FIX;
  if (rem * 2n > PIO2_FIX) { n += 1n; rem -= PIO2_FIX; }
  const rh = Number(rem);
  const rl = Number(rem - BigInt(rh));
  return { r: dscale([rh, rl], -FIX), n: Number(n & 3n) };
}

// ---- the instructions -----------------------------------------------------------------------------------

/** Computes kind on x = ST0 (and y = ST1 for FYL2X, FYL2XP1, FPATAN) into F. FSIN/FCOS/FPTAN
 *  callers have already checked |x| < 2^63 (C2). */
export function transcendental(kind: number, xse: number, xhi: number, xlo: number, yse: number, yhi: number, ylo: number, cw: number): void {
  const kx = classify(xse, xhi, xlo);
  const binary = kind === T_FYL2X || kind === T_FYL2XP1 || kind === T_FPATAN;
  const ky = binary ? classify(yse, yhi, ylo) : K_ZERO;
  if (kx >= K_QNAN || ky >= K_QNAN) {
    if (binary) nan2(xse, xhi, xlo, kx, yse, yhi, ylo, ky); else nan1(xse, xhi, xlo, kx);
    return;
  }
  if (kx === K_DENORMAL || ky === K_DENORMAL) F.exc |= DE;
  const sx = xse >>> 15, sy = yse >>> 15;
  switch (kind) {
    case T_F2XM1: {
      if (kx === K_ZERO) { zero(sx); return; }
      if (kx === K_INF) { if (sx) one(1); else inf(0); return; }
      const x = scaled(xse, xhi, xlo);
      if (x.e > 0 || (x.e === 0 && (x.h > 1 || x.l > 0))) {
        // |x| > 1 is outside the domain: the hardware returns x (inexact)
        setPacked(xse, xhi, xlo); F.exc |= PE; return;
      }
      const xv: DD = sx ? [-x.h, -x.l] : [x.h, x.l];
      if (x.e < -900) {
        // 2^x - 1 = x ln2 (1 + x ln2 / 2 + ...): above x ln2 for either sign
        const v = dmul(xv, LN2);
        out([v[0], v[1] + Math.abs(v[0]) * NUDGE], x.e, cw);
        return;
      }
      out(expm1(dmul(dscale(xv, x.e), LN2)), 0, cw);
      return;
    }
    case T_FYL2X: {
      // ST1 * log2(ST0)
      if (sx && kx !== K_ZERO) { invalid(); return; }
      if (kx === K_ZERO) {
        if (ky === K_ZERO) { invalid(); return; }
        if (ky !== K_INF) F.exc |= ZE;
        inf(sy ^ 1); return;
      }
      if (kx === K_INF) { if (ky === K_ZERO) { invalid(); return; } inf(sy); return; }
      const x = scaled(xse, xhi, xlo);
      if (x.e === 0 && x.h === 1 && x.l === 0) {           // log2(1) = +0
        if (ky === K_INF) { invalid(); return; }
        zero(sy); return;
      }
      const neg = x.e < 0 ? 1 : 0;                       // log2(x) < 0 for x < 1
      if (ky === K_ZERO) { zero(sy ^ neg); return; }
      if (ky === K_INF) { inf(sy ^ neg); return; }
      const L = log2Scaled([x.h, x.l], x.e);
      const y = scaled(yse, yhi, ylo);
      const v = dmul([sy ? -y.h : y.h, sy ? -y.l : y.l], L);
      out(v, y.e, cw);
      return;
    }
    case T_FYL2XP1: {
      // ST1 * log2(ST0 + 1). Outside the documented range |x| < 1 - sqrt(2)/2 the hardware still
      // computes the function for x > -1; for x <= -1 it returns x when y is finite and nonzero
      // (inexact), and otherwise acts as if log2(1 + x) were negative (measured).
      if (kx === K_ZERO) { if (ky === K_INF) { invalid(); return; } zero(sx ^ sy); return; }
      if (sx && kx === K_INF) { invalid(); return; }
      const x = scaled(xse, xhi, xlo);
      if (sx && x.e >= 0) {
        if (ky === K_ZERO) { zero(sy ^ 1); return; }
        if (ky === K_INF) { inf(sy ^ 1); return; }
        setPacked(xse, xhi, xlo); F.exc |= PE; return;
      }
      if (kx === K_INF) { if (ky === K_ZERO) { invalid(); return; } inf(sy); return; }
      if (ky === K_ZERO) { zero(sx ^ sy); return; }
      if (ky === K_INF) { inf(sx ^ sy); return; }
      const xv: DD = sx ? [-x.h, -x.l] : [x.h, x.l];
      const y = scaled(yse, yhi, ylo);
      const yv: DD = sy ? [-y.h, -y.l] : [y.h, y.l];
      if (x.e < -900) {
        // log2(1 + x) = x log2(e) (1 - x/2 + ...): below x log2(e) for either sign
        const v = dmul(dmul(xv, LOG2E), yv);
        out([v[0], v[1] - v[0] * NUDGE * (sx ? -1 : 1)], x.e + y.e, cw);
        return;
      }
      let L: DD;
      if (x.e < -1) {
        const xs = dscale(xv, x.e);
        L = dmul(atanh2(ddiv(xs, dadd([2, 0], xs))), LOG2E);
      } else if (x.e <= 60) {
        L = log2DD(dadd([1, 0], dscale(xv, x.e)));        // 1 + x exactly (below 2^62 + 1)
      } else {
        // log2(x) + log2(1 + 1/x), the second term below 2^-60
        L = log2Scaled([x.h, x.l], x.e);
        if (x.e < 1000) L = dadd(L, dmul(LOG2E, ddiv([1, 0], dscale([x.h, x.l], x.e))));
      }
      out(dmul(yv, L), y.e, cw);
      return;
    }
    case T_FPATAN: {
      // atan2(ST1, ST0)
      if (ky === K_ZERO) {
        if (sx) out(sy ? dneg(PI) : PI, 0, cw); else zero(sy);
        return;
      }
      if (kx === K_ZERO) { out(sy ? dneg(PIO2) : PIO2, 0, cw); return; }
      if (ky === K_INF) {
        const v = kx === K_INF ? (sx ? PI3O4 : PIO4) : PIO2;
        out(sy ? dneg(v) : v, 0, cw); return;
      }
      if (kx === K_INF) {
        if (sx) out(sy ? dneg(PI) : PI, 0, cw); else zero(sy);
        return;
      }
      const x = scaled(xse, xhi, xlo), y = scaled(yse, yhi, ylo);
      const ratio = ddiv([y.h, y.l], [x.h, x.l]);           // in (1/2, 2)
      const d = y.e - x.e;
      let a: DD, k = 0;
      if (d < -34) {
        // atan(t) = t - t^3/3 ...: just below t (the t^3 term is below half an ulp)
        if (!sx) { a = [ratio[0], ratio[1] - ratio[0] * NUDGE]; k = d; }
        else if (d < -900) a = [PI[0], PI[1] - PI[0] * NUDGE];
        else {
          // pi - t + t^3/3: the cubic term is far below an ulp of pi
          const t = dscale(ratio, d);
          a = dsub(PI, [t[0], t[1] - t[0] * NUDGE]);
        }
      } else if (d > 900) {
        a = [PIO2[0], PIO2[1] + (sx ? PIO2[0] : -PIO2[0]) * NUDGE];
      } else {
        const t = dscale(ratio, d);
        a = t[0] > 1 ? dsub(PIO2, atanSmall(ddiv([1, 0], t))) : atanSmall(t);
        if (sx) a = dsub(PI, a);
      }
      out(sy ? dneg(a) : a, k, cw);
      return;
    }
    default: {
      // FSIN, FCOS, FPTAN (|x| < 2^63 checked by the caller)
      if (kx === K_INF) { invalid(); return; }
      if (kx === K_ZERO) { if (kind === T_COS) one(0); else zero(sx); return; }
      const x = scaled(xse, xhi, xlo);
      const sgn = sx ? -1 : 1;
      if (x.e < -34) {
        // the x^2 terms are below half an ulp (and below double-double precision once
        // x < 2^-53): the result is x (or 1), rounded in the direction of the true value
        if (kind === T_COS) { out([1, -NUDGE], 0, cw); return; }
        // sin x = x - x^3/6 (toward zero); tan x = x + x^3/3 (away from zero)
        const nudge = (kind === T_SIN ? -1 : 1) * x.h * NUDGE;
        out([sgn * x.h, sgn * (x.l + nudge)], x.e, cw);
        return;
      }
      const { r, n } = reduce(x);
      const s = sinSeries(r), c = cosSeries(r);
      let v: DD;
      if (kind === T_SIN) {
        v = [s, c, dneg(s), dneg(c)][n];
        if (sx) v = dneg(v);
      } else if (kind === T_COS) {
        v = [c, dneg(s), dneg(c), s][n];
      } else {
        v = (n & 1) ? dneg(ddiv(c, s)) : ddiv(s, c);
        if (sx) v = dneg(v);
      }
      out(v, 0, cw);
      return;
    }
  }
}
