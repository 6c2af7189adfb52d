// IEEE-754 binary32/binary64 arithmetic exactly as SSE hardware does it: MXCSR rounding control,
// DAZ and FTZ, the six exception flags, and the x86 NaN rules (the first NaN operand is returned
// quieted; invalid operations return the default NaN, which is negative), all on raw bits.
//
// JS arithmetic is IEEE binary64 round-to-nearest. binary32 results come from doubles: + - * / sqrt
// of two binary32 values rounded to double and then to binary32 give the correctly rounded result
// (double rounding is innocuous since 53 >= 2*24+2), and the product of two binary32 is exact in a
// double; the sign of the rounding error (for directed modes and the inexact flag) comes from
// error-free transforms (TwoSum, Dekker's TwoProduct). binary64 results whose error cannot be
// recovered that way (tiny or huge operands, overflow) take an exact BigInt path, which is rare.
//
// Behaviour measured on the reference CPU (AMD Zen 4) where the SDM leaves room: tininess is
// detected after rounding; with UE or OE unmasked, PE reports whether the result rounded with an
// unbounded exponent is inexact; a negative denormal square root is invalid without DE; a
// denormal dividend divided by zero raises ZE without DE; with DAZ, MIN/MAX return a denormal
// second operand as zero even when the other operand is a NaN.
// Callers set the mode with fpMode(mxcsr), call the lane functions, then read `fl` (the flags
// raised) and commit them with fpCommit (sse-common.ts) before writing any destination.

import { I32, F64, IE, DE, ZE, OE, UE, PE } from './sse-common.js';

// ---- mode and flags -------------------------------------------------------------------------

/** Rounding control: 0 nearest-even, 1 down, 2 up, 3 toward zero. */
export let RC = 0;
let ftz = false, daz = false, umask = true, omask = true;
/** RN with PE already set and masked: the inexact flag need not be computed. */
let fastOK = false;
/** Exception flags raised since fpMode(). */
export let fl = 0;

export function fpMode(mx: number): void {
  RC = (mx >> 13) & 3;
  ftz = (mx & 0x8000) !== 0;
  daz = (mx & 0x40) !== 0;
  umask = (mx & 0x800) !== 0;
  omask = (mx & 0x400) !== 0;
  fastOK = (mx & 0x7020) === 0x1020;
  fl = 0;
}


// ---- bit conversions ------------------------------------------------------------------------

const cb = new ArrayBuffer(8);
const cI = new Int32Array(cb), cF = new Float32Array(cb), cD = new Float64Array(cb);
/** binary32 bits -> number (not for NaNs: the conversion may quiet them). */
export function f32(b: number): number { cI[0] = b; return cF[0]; }
export function bits32(v: number): number { cF[0] = v; return cI[0]; }
/** High word left by bits64(). */
export let HI = 0;
export function bits64(v: number): number { cD[0] = v; HI = cI[1]; return cI[0]; }
export function f64(lo: number, hi: number): number { cI[0] = lo; cI[1] = hi; return cD[0]; }

export const QNAN32 = 0xffc00000 | 0;            // default NaN
export const QNAN64_HI = 0xfff80000 | 0;
const MIN32 = 1.1754943508222875e-38;           // 2^-126
const TWO128 = 3.402823669209385e38;            // 2^128
const MIN64 = 2.2250738585072014e-308;          // 2^-1022
const SAFE_LO = 2 ** -960, SAFE_HI = 2 ** 990;
const SPLIT = 134217729;                         // 2^27 + 1

export function isNaN32(b: number): boolean { return (b & 0x7fffffff) > 0x7f800000; }
export function isSNaN32(b: number): boolean { return (b & 0x7fc00000) === 0x7f800000 && (b & 0x3fffff) !== 0; }
export function isDen32(b: number): boolean { return (b & 0x7f800000) === 0 && (b & 0x7fffff) !== 0; }
export function isNaN64(lo: number, hi: number): boolean {
  const h = hi & 0x7fffffff;
  return h > 0x7ff00000 || (h === 0x7ff00000 && lo !== 0);
}
export function isSNaN64(lo: number, hi: number): boolean {
  return (hi & 0x7ff80000) === 0x7ff00000 && ((hi & 0x7ffff) !== 0 || lo !== 0);
}
export function isDen64(lo: number, hi: number): boolean { return (hi & 0x7ff00000) === 0 && ((hi & 0xfffff) !== 0 || lo !== 0); }

// ---- neighbours -----------------------------------------------------------------------------

function up32(b: number): number {
  if (b === (0x80000000 | 0)) return 1;
  return b < 0 ? b - 1 : b + 1;
}
function down32(b: number): number {
  if (b === 0) return 0x80000001 | 0;
  return b < 0 ? b + 1 : b - 1;
}
function incMag64(): void { if (cI[0] === -1) { cI[0] = 0; cI[1]++; } else cI[0]++; }
function decMag64(): void { if (cI[0] === 0) { cI[0] = -1; cI[1]--; } else cI[0]--; }
function nextUp64(v: number): number {
  if (v === 0) return 5e-324;
  cD[0] = v;
  if (v > 0) incMag64(); else decMag64();
  return cD[0];
}
function nextDown64(v: number): number {
  if (v === 0) return -5e-324;
  cD[0] = v;
  if (v > 0) decMag64(); else incMag64();
  return cD[0];
}

// ---- error-free transforms ------------------------------------------------------------------

function twoSumErr(a: number, b: number, s: number): number {
  const bb = s - a;
  return (a - (s - bb)) + (b - bb);
}
function twoProdErr(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}
function sgn(x: number): number { return x > 0 ? 1 : x < 0 ? -1 : 0; }

// ---- rounding to binary32 -------------------------------------------------------------------

let inex = false;
/** The exact value d + e (d = the double nearest it, es = sign(e)) rounded to 24 significant bits
 *  under the current mode, with binary32's exponent range below (subnormals) but checked by the
 *  caller above; sets `inex`. d finite and nonzero. Returns the bits. */
function rnd32(d: number, es: number): number {
  const f = Math.fround(d);
  const dir = d > f ? 1 : d < f ? -1 : es;          // sign(exact - f)
  let b = bits32(f);
  inex = dir !== 0;
  if (!inex) return b;
  switch (RC) {
    case 0:
      if (es !== 0 && d !== f && es === dir) {       // d is on a binary32 midpoint: follow the error
        const g = dir > 0 ? up32(b) : down32(b);
        const gv = (g & 0x7fffffff) === 0x7f800000 ? (g < 0 ? -TWO128 : TWO128) : f32(g);
        if (d - f === gv - d) b = g;
      }
      break;
    case 1: if (dir < 0) b = down32(b); break;
    case 2: if (dir > 0) b = up32(b); break;
    default: if (d < 0 ? dir > 0 : dir < 0) b = d < 0 ? up32(b) : down32(b); break;
  }
  return b;
}

const TWO64 = 18446744073709551616;
let SE = 0;
/** d (finite, nonzero) scaled by a power of two into [1, 2) in magnitude; the power is left in SE. */
function scale1(d: number): number {
  cD[0] = d;
  let e = (cI[1] >>> 20) & 0x7ff;
  if (e === 0) { d *= TWO64; cD[0] = d; e = ((cI[1] >>> 20) & 0x7ff) - 64; }
  const k = e - 1023;
  SE = k;
  const h = k >> 1;
  return (d * 2 ** -h) * 2 ** (h - k);
}

/** Rounds the exact value d + e (d = the double nearest it, es = sign(e)) to binary32 under the
 *  current mode, raising PE/UE/OE; d is finite and nonzero. Tininess is detected after rounding
 *  (the result rounded to 24 bits with an unbounded exponent is below 2^-126), as this host's AMD
 *  CPU does. With UE (OE) unmasked, PE reports whether that unbounded result is inexact.
 *  Returns the bits. */
export function round32(d: number, es: number): number {
  const neg = d < 0;
  const ad = neg ? -d : d;
  if (ad < MIN32 || (ad === MIN32 && (neg ? es > 0 : es < 0))) {
    const s = f32(rnd32(scale1(d), es));
    if (SE + ((s < 0 ? -s : s) >= 2 ? 1 : 0) < -126) {   // tiny
      if (!umask) { fl |= inex ? UE | PE : UE; return rnd32(d, es); }
      if (ftz) { fl |= UE | PE; return neg ? (0x80000000 | 0) : 0; }
      const b = rnd32(d, es);
      if (inex) fl |= UE | PE;
      return b;
    }
  }
  const b = rnd32(d, es);
  if ((b & 0x7fffffff) === 0x7f800000 || ad > TWO128 || (ad === TWO128 && (neg ? es <= 0 : es >= 0))) {
    if (omask) fl |= OE | PE;
    else { rnd32(scale1(d), es); fl |= inex ? OE | PE : OE; }
    return b;
  }
  if (inex) fl |= PE;
  return b;
}

/** Rounds the exact value r + e (r = the double nearest it, es = sign(e)) to binary64; r finite.
 *  Callers only reach the subnormal range with exact values (es = 0: sums, conversions), where
 *  tininess before and after rounding agree; inexact tiny results take the BigInt path. */
function round64(r: number, es: number): number {
  if (r === 0 && es === 0) return r;
  const neg = r < 0 || (r === 0 && es < 0);
  const ar = neg ? -r : r;
  const tiny = ar < MIN64;
  if (tiny && ftz && umask) { fl |= UE | PE; return neg ? -0 : 0; }
  if (es === 0) { if (tiny && !umask) fl |= UE; return r; }
  switch (RC) {
    case 1: if (es < 0) r = nextDown64(r); break;
    case 2: if (es > 0) r = nextUp64(r); break;
    case 3: if (neg ? es > 0 : es < 0) r = neg ? nextUp64(r) : nextDown64(r); break;
  }
  fl |= PE;
  if (tiny) fl |= UE;
  if (r === Infinity || r === -Infinity) fl |= OE;
  return r;
}

// ---- exact BigInt path ----------------------------------------------------------------------

function bitlen(m: bigint): number { return m === 0n ? 0 : m.toString(2).length; }

/** Output of roundBig / the 64-bit lane functions when they produce bits. */
export let OLO = 0, OHI = 0;

/** Rounds (-1)^neg * (M + sticky') * 2^E (0 < sticky' < 1 when sticky) to the format with
 *  precision p, minimum exponent emin, maximum emax; result bits in OLO (and OHI for binary64). */
function roundBig(neg: boolean, M: bigint, E: number, sticky: boolean, p: number, emin: number, emax: number): void {
  const f64fmt = p === 53;
  const e = E + bitlen(M) - 1;
  let tiny = false;
  if (e < emin) {                                      // tiny after rounding with unbounded exponent?
    rquant(neg, M, E, sticky, e - p + 1, p);
    tiny = bitlen(RN_) + RQ - 1 < emin;
    if (tiny && !umask) { fl |= RX ? UE | PE : UE; setBits(neg, 0n, 0, f64fmt); return; }
  }
  if (tiny && ftz) { fl |= UE | PE; setBits(neg, 0n, 0, f64fmt); return; }
  rquant(neg, M, E, sticky, Math.max(e - p + 1, emin - p + 1), p);
  const N = RN_, q = RQ, inexact = RX;
  if (N !== 0n && bitlen(N) + q - 1 > emax) {
    if (omask) fl |= OE | PE;
    else { rquant(neg, M, E, sticky, e - p + 1, p); fl |= RX ? OE | PE : OE; }
    const toInf = RC === 0 || (RC === 2 && !neg) || (RC === 1 && neg);
    if (toInf) setBits(neg, 0n, (1 << (f64fmt ? 11 : 8)) - 1, f64fmt);
    else setBits(neg, (1n << BigInt(p - 1)) - 1n, (1 << (f64fmt ? 11 : 8)) - 2, f64fmt);
    return;
  }
  if (inexact) { fl |= PE; if (tiny) fl |= UE; } else if (tiny && !umask) fl |= UE;
  const bias = -emin + 1;
  if (N >= 1n << BigInt(p - 1)) setBits(neg, N - (1n << BigInt(p - 1)), q + p - 1 + bias, f64fmt);
  else setBits(neg, N, 0, f64fmt);
}

let RN_ = 0n, RQ = 0, RX = false;
/** Rounds (M + sticky') * 2^E to a multiple of 2^q under the current mode: RN_ * 2^RQ, RX = inexact
 *  (RN_ reaching 2^p is renormalised). */
function rquant(neg: boolean, M: bigint, E: number, sticky: boolean, q: number, p: number): void {
  let N: bigint;
  let above = false, half = false, below = false;
  if (q > E) {
    const sh = BigInt(q - E);
    N = M >> sh;
    const R = M & ((1n << sh) - 1n);
    const h = 1n << (sh - 1n);
    if (R > h || (R === h && sticky)) above = true;
    else if (R === h) half = true;
    else if (R !== 0n || sticky) below = true;
  } else {
    N = M << BigInt(E - q);
    if (sticky) below = true;
  }
  RX = above || half || below;
  let up = false;
  if (RX) {
    switch (RC) {
      case 0: up = above || (half && (N & 1n) === 1n); break;
      case 1: up = neg; break;
      case 2: up = !neg; break;
    }
  }
  if (up) { N += 1n; if (N === 1n << BigInt(p)) { N >>= 1n; q += 1; } }
  RN_ = N; RQ = q;
}

function setBits(neg: boolean, mant: bigint, bexp: number, f64fmt: boolean): void {
  if (f64fmt) {
    OLO = Number(mant & 0xffffffffn) | 0;
    OHI = (neg ? 0x80000000 : 0) | (bexp << 20) | Number(mant >> 32n);
  } else {
    OLO = (neg ? 0x80000000 : 0) | (bexp << 23) | Number(mant);
  }
}

/** (M, E) of a finite binary64 (sign dropped): value = M * 2^E. */
let DM = 0n, DE_ = 0;
function decomp64(v: number): void {
  cD[0] = v;
  const hi = cI[1], lo = cI[0];
  const ex = (hi >>> 20) & 0x7ff;
  const m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo >>> 0);
  if (ex === 0) { DM = m; DE_ = -1074; } else { DM = m | (1n << 52n); DE_ = ex - 1075; }
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(bitlen(n) / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export const ADD = 0, SUB = 1, MUL = 2, DIV = 3, SQRT = 4;

/** Exact x op y (finite, nonzero result unless an exact zero) rounded to binary64 into OLO/OHI. */
function big64(op: number, x: number, y: number): void {
  decomp64(x); const xm = DM, xe = DE_, xn = x < 0 || Object.is(x, -0);
  let ym = 0n, ye = 0, yn = false;
  if (op !== SQRT) { decomp64(y); ym = DM; ye = DE_; yn = y < 0 || Object.is(y, -0); }
  let neg = false, M = 0n, E = 0, sticky = false;
  switch (op) {
    case ADD: {
      E = Math.min(xe, ye);
      const a = (xm << BigInt(xe - E)) * (xn ? -1n : 1n);
      const b = (ym << BigInt(ye - E)) * (yn ? -1n : 1n);
      M = a + b;
      neg = M < 0n;
      if (neg) M = -M;
      break;
    }
    case MUL: M = xm * ym; E = xe + ye; neg = xn !== yn; break;
    case DIV: {
      const k = Math.max(0, 56 + bitlen(ym) - bitlen(xm));
      const n = xm << BigInt(k);
      M = n / ym; sticky = n % ym !== 0n; E = xe - ye - k; neg = xn !== yn;
      break;
    }
    default: {
      M = xm; E = xe;
      if (E & 1) { M <<= 1n; E -= 1; }
      const k = Math.max(0, Math.ceil((112 - bitlen(M)) / 2));
      M <<= BigInt(2 * k); E -= 2 * k;
      const s = isqrt(M);
      sticky = s * s !== M; M = s; E /= 2;
    }
  }
  if (M === 0n && !sticky) { OLO = 0; OHI = RC === 1 ? (0x80000000 | 0) : 0; return; }
  roundBig(neg, M, E, sticky, 53, -1022, 1023);
}

// ---- binary32 lanes -------------------------------------------------------------------------

/** a op b on binary32 bits (op ADD SUB MUL DIV); b unused for SQRT (a is the operand). */
export function arith32(op: number, a: number, b: number): number {
  // fast path: both operands normal, the result normal, RN and inexact already flagged
  const ea = a & 0x7f800000, eb = b & 0x7f800000;
  if (fastOK && ea !== 0 && ea !== 0x7f800000 && (op === SQRT || (eb !== 0 && eb !== 0x7f800000))) {
    const x = f32(a), y = f32(b);
    const r = Math.fround(op === ADD ? x + y : op === SUB ? x - y : op === MUL ? x * y : op === DIV ? x / y : Math.sqrt(x));
    const ar = r < 0 ? -r : r;
    if (ar > MIN32 && ar < Infinity && r === r) return bits32(r);
  }
  return slow32(op, a, b);
}

function slow32(op: number, a: number, b: number): number {
  if (op === SQRT) return sqrt32(a);
  const an = isNaN32(a), bn = isNaN32(b);
  if (an || bn) {
    if (isSNaN32(a) || isSNaN32(b)) fl |= IE;
    return an ? a | 0x400000 : b | 0x400000;
  }
  let den = false;
  if ((a & 0x7f800000) === 0 && (a & 0x7fffff) !== 0) { if (daz) a &= 0x80000000; else den = true; }
  if ((b & 0x7f800000) === 0 && (b & 0x7fffff) !== 0) { if (daz) b &= 0x80000000; else den = true; }
  if (op === SUB) { b ^= 0x80000000; op = ADD; }
  const x = f32(a), y = f32(b);
  const xi = (a & 0x7fffffff) === 0x7f800000, yi = (b & 0x7fffffff) === 0x7f800000;
  const xz = (a & 0x7fffffff) === 0, yz = (b & 0x7fffffff) === 0;
  switch (op) {
    case ADD:
      if (xi && yi && (a ^ b) < 0) { fl |= IE; return QNAN32; }
      break;
    case MUL:
      if ((xi && yz) || (xz && yi)) { fl |= IE; return QNAN32; }
      break;
    default:
      if ((xz && yz) || (xi && yi)) { fl |= IE; return QNAN32; }
      if (yz && !xi) { fl |= ZE; return ((a ^ b) & 0x80000000) | 0x7f800000; }   // no DE for a denormal dividend
      break;
  }
  if (den) fl |= DE;
  const d = op === ADD ? x + y : op === MUL ? x * y : x / y;
  if (xi || yi) return bits32(d);                     // exact infinities and zeros
  if (d === 0) {
    if (op === ADD) return RC === 1 && !(a === 0 && b === 0) ? (0x80000000 | 0) : bits32(d);
    return bits32(d);                                 // a zero operand: exact
  }
  const es = op === ADD ? sgn(twoSumErr(x, y, d)) : 0;
  return round32(d, es);
}

function sqrt32(a: number): number {
  if (isNaN32(a)) { if (isSNaN32(a)) fl |= IE; return a | 0x400000; }
  if ((a & 0x7f800000) === 0 && (a & 0x7fffff) !== 0) {
    if (daz) a &= 0x80000000;
    else if (a < 0) { fl |= IE; return QNAN32; }       // invalid takes precedence over denormal
    else fl |= DE;
  }
  if ((a & 0x7fffffff) === 0) return a;
  if (a < 0) { fl |= IE; return QNAN32; }
  if (a === 0x7f800000) return a;
  return round32(Math.sqrt(f32(a)), 0);
}

/** MINSS/MAXSS semantics: any NaN or both zeros -> the second operand (raw); IE for any NaN. */
export function minmax32(isMax: boolean, a: number, b: number): number {
  if (isNaN32(a) || isNaN32(b)) { fl |= IE; return daz && isDen32(b) ? b & 0x80000000 : b; }
  let x = a, y = b;
  if (isDen32(a)) { if (daz) x = a & 0x80000000; else fl |= DE; }
  if (isDen32(b)) { if (daz) y = b & 0x80000000; else fl |= DE; }
  const xv = f32(x), yv = f32(y);
  if (isMax ? xv > yv : xv < yv) return x;
  return y;
}

/** CMPPS predicate (imm & 7) on binary32 bits: true/false; IE for SNaN (or any NaN for the
 *  signaling predicates LT LE NLT NLE). */
export function cmp32(pred: number, a: number, b: number): boolean {
  const an = isNaN32(a), bn = isNaN32(b);
  if (an || bn) {
    if (isSNaN32(a) || isSNaN32(b) || (pred & 3) === 1 || (pred & 3) === 2) fl |= IE;
    return pred === 3 || pred === 4 || pred === 5 || pred === 6;
  }
  if (isDen32(a)) { if (daz) a &= 0x80000000; else fl |= DE; }
  if (isDen32(b)) { if (daz) b &= 0x80000000; else fl |= DE; }
  const x = f32(a), y = f32(b);
  switch (pred) {
    case 0: return x === y;
    case 1: return x < y;
    case 2: return x <= y;
    case 3: return false;
    case 4: return x !== y;
    case 5: return !(x < y);
    case 6: return !(x <= y);
    default: return true;
  }
}

/** COMISS/UCOMISS: returns the ZF|PF|CF bits. */
export function comi32(signaling: boolean, a: number, b: number): number {
  const an = isNaN32(a), bn = isNaN32(b);
  if (an || bn) {
    if (signaling || isSNaN32(a) || isSNaN32(b)) fl |= IE;
    return 0x45;
  }
  if (isDen32(a)) { if (daz) a &= 0x80000000; else fl |= DE; }
  if (isDen32(b)) { if (daz) b &= 0x80000000; else fl |= DE; }
  const x = f32(a), y = f32(b);
  return x > y ? 0 : x < y ? 1 : 0x40;
}

// ---- binary64 lanes (operands and result addressed as F64 indices into the pool) ------------

/** F64[ri] (as bits) = F64[ai] op F64[bi]. */
export function arith64(op: number, ai: number, bi: number, ri: number): void {
  const ah = I32[2 * ai + 1] & 0x7ff00000, bh = I32[2 * bi + 1] & 0x7ff00000;
  if (fastOK && ah !== 0 && ah !== 0x7ff00000 && (op === SQRT || (bh !== 0 && bh !== 0x7ff00000))) {
    const x = F64[ai], y = F64[bi];
    const r = op === ADD ? x + y : op === SUB ? x - y : op === MUL ? x * y : op === DIV ? x / y : Math.sqrt(x);
    const ar = r < 0 ? -r : r;
    if (ar > MIN64 && ar < Infinity) { F64[ri] = r; return; }
  }
  slow64(op, ai, bi);
  I32[2 * ri] = OLO; I32[2 * ri + 1] = OHI;
}

function out64(v: number): void { cD[0] = v; OLO = cI[0]; OHI = cI[1]; }

function slow64(op: number, ai: number, bi: number): void {
  const alo = I32[2 * ai], ahi = I32[2 * ai + 1];
  if (op === SQRT) { sqrt64(alo, ahi); return; }
  const blo = I32[2 * bi], bhi = I32[2 * bi + 1];
  const an = isNaN64(alo, ahi), bn = isNaN64(blo, bhi);
  if (an || bn) {
    if (isSNaN64(alo, ahi) || isSNaN64(blo, bhi)) fl |= IE;
    if (an) { OLO = alo; OHI = ahi | 0x80000; } else { OLO = blo; OHI = bhi | 0x80000; }
    return;
  }
  let x = F64[ai], y = F64[bi], den = false;
  if (isDen64(alo, ahi)) { if (daz) x = ahi < 0 ? -0 : 0; else den = true; }
  if (isDen64(blo, bhi)) { if (daz) y = bhi < 0 ? -0 : 0; else den = true; }
  if (op === SUB) { y = -y; op = ADD; }
  const xi = x === Infinity || x === -Infinity, yi = y === Infinity || y === -Infinity;
  switch (op) {
    case ADD:
      if (xi && yi && x !== y) { fl |= IE; OLO = 0; OHI = QNAN64_HI; return; }
      break;
    case MUL:
      if ((xi && y === 0) || (x === 0 && yi)) { fl |= IE; OLO = 0; OHI = QNAN64_HI; return; }
      break;
    default:
      if ((x === 0 && y === 0) || (xi && yi)) { fl |= IE; OLO = 0; OHI = QNAN64_HI; return; }
      if (y === 0 && !xi) { fl |= ZE; OLO = 0; OHI = ((ahi ^ (Object.is(y, -0) ? 0x80000000 : 0)) & 0x80000000) | 0x7ff00000; return; }
      break;
  }
  if (den) fl |= DE;
  const r = op === ADD ? x + y : op === MUL ? x * y : x / y;
  if (xi || yi) { out64(r); return; }
  if (op === ADD) {
    if (r === 0) { out64(RC === 1 && !(Object.is(x, 0) && Object.is(y, 0)) ? -0 : r); return; }
    if (r === Infinity || r === -Infinity) { big64(ADD, x, y); return; }
    out64(round64(r, sgn(twoSumErr(x, y, r))));
    return;
  }
  if (x === 0 || y === 0) { out64(r); return; }       // exact zero
  const ax = x < 0 ? -x : x, ay = y < 0 ? -y : y, ar = r < 0 ? -r : r;
  if (ax < SAFE_LO || ax > SAFE_HI || ay < SAFE_LO || ay > SAFE_HI || ar < SAFE_LO || ar > SAFE_HI) { big64(op, x, y); return; }
  if (op === MUL) { out64(round64(r, sgn(twoProdErr(x, y, r)))); return; }
  const p = r * y;
  const rem = (x - p) - twoProdErr(r, y, p);          // x - r*y exactly
  out64(round64(r, sgn(rem) * (y < 0 ? -1 : 1)));
}

function sqrt64(lo: number, hi: number): void {
  if (isNaN64(lo, hi)) { if (isSNaN64(lo, hi)) fl |= IE; OLO = lo; OHI = hi | 0x80000; return; }
  let x = f64(lo, hi);
  if (isDen64(lo, hi)) {
    if (daz) x = hi < 0 ? -0 : 0;
    else if (hi < 0) { fl |= IE; OLO = 0; OHI = QNAN64_HI; return; }
    else fl |= DE;
  }
  if (x === 0 || x === Infinity) { out64(x); return; }
  if (x < 0) { fl |= IE; OLO = 0; OHI = QNAN64_HI; return; }
  const r = Math.sqrt(x);
  if (x < SAFE_LO || x > SAFE_HI) { big64(SQRT, x, 0); return; }
  const p = r * r;
  out64(round64(r, sgn((x - p) - twoProdErr(r, r, p))));
}

/** MINSD/MAXSD into F64 index ri (raw bits copied). */
export function minmax64(isMax: boolean, ai: number, bi: number, ri: number): void {
  const alo = I32[2 * ai], ahi = I32[2 * ai + 1], blo = I32[2 * bi], bhi = I32[2 * bi + 1];
  let pickA = false;
  if (isNaN64(alo, ahi) || isNaN64(blo, bhi)) {
    fl |= IE;
    if (daz && isDen64(blo, bhi)) { I32[2 * ri] = 0; I32[2 * ri + 1] = bhi & 0x80000000; return; }
  } else {
    let x = F64[ai], y = F64[bi];
    if (isDen64(alo, ahi)) { if (daz) x = ahi < 0 ? -0 : 0; else fl |= DE; }
    if (isDen64(blo, bhi)) { if (daz) y = bhi < 0 ? -0 : 0; else fl |= DE; }
    pickA = isMax ? x > y : x < y;
    if (daz) {                                       // a flushed operand is returned as zero
      if (pickA) { if (isDen64(alo, ahi)) { I32[2 * ri] = 0; I32[2 * ri + 1] = ahi & 0x80000000; return; } }
      else if (isDen64(blo, bhi)) { I32[2 * ri] = 0; I32[2 * ri + 1] = bhi & 0x80000000; return; }
    }
  }
  if (pickA) { I32[2 * ri] = alo; I32[2 * ri + 1] = ahi; } else { I32[2 * ri] = blo; I32[2 * ri + 1] = bhi; }
}

export function cmp64(pred: number, ai: number, bi: number): boolean {
  const alo = I32[2 * ai], ahi = I32[2 * ai + 1], blo = I32[2 * bi], bhi = I32[2 * bi + 1];
  const an = isNaN64(alo, ahi), bn = isNaN64(blo, bhi);
  if (an || bn) {
    if (isSNaN64(alo, ahi) || isSNaN64(blo, bhi) || (pred & 3) === 1 || (pred & 3) === 2) fl |= IE;
    return pred === 3 || pred === 4 || pred === 5 || pred === 6;
  }
  let x = F64[ai], y = F64[bi];
  if (isDen64(alo, ahi)) { if (daz) x = 0; else fl |= DE; }
  if (isDen64(blo, bhi)) { if (daz) y = 0; else fl |= DE; }
  switch (pred) {
    case 0: return x === y;
    case 1: return x < y;
    case 2: return x <= y;
    case 3: return false;
    case 4: return x !== y;
    case 5: return !(x < y);
    case 6: return !(x <= y);
    default: return true;
  }
}

export function comi64(signaling: boolean, ai: number, bi: number): number {
  const alo = I32[2 * ai], ahi = I32[2 * ai + 1], blo = I32[2 * bi], bhi = I32[2 * bi + 1];
  const an = isNaN64(alo, ahi), bn = isNaN64(blo, bhi);
  if (an || bn) {
    if (signaling || isSNaN64(alo, ahi) || isSNaN64(blo, bhi)) fl |= IE;
    return 0x45;
  }
  let x = F64[ai], y = F64[bi];
  if (isDen64(alo, ahi)) { if (daz) x = 0; else fl |= DE; }
  if (isDen64(blo, bhi)) { if (daz) y = 0; else fl |= DE; }
  return x > y ? 0 : x < y ? 1 : 0x40;
}

// ---- integer rounding and conversions -------------------------------------------------------

/** v rounded to an integral value under rounding mode rc (sign of zero preserved). */
export function rint(v: number, rc: number): number {
  if (!(v < 4503599627370496 && v > -4503599627370496)) return v;
  const t = Math.trunc(v);
  if (t === v) return v;
  switch (rc) {
    case 0: {
      const fr = v - t, af = fr < 0 ? -fr : fr;
      if (af > 0.5 || (af === 0.5 && t % 2 !== 0)) return v < 0 ? t - 1 : t + 1;
      return t;
    }
    case 1: return v < 0 ? t - 1 : t;
    case 2: return v > 0 ? t + 1 : t;
    default: return t;
  }
}

/** Float value (already decoded, NaN flagged by isNan) to int32 with rounding mode rc:
 *  the integer indefinite 0x80000000 and IE when NaN or out of range, PE when inexact. */
export function toInt32(v: number, isNan: boolean, rc: number): number {
  if (isNan) { fl |= IE; return 0x80000000 | 0; }
  const r = rint(v, rc);
  if (!(r >= -2147483648 && r <= 2147483647)) { fl |= IE; return 0x80000000 | 0; }
  if (r !== v) fl |= PE;
  return r | 0;
}

/** As toInt32 for a 64-bit result: the low word is returned, the high word left in HI. */
export function toInt64(v: number, isNan: boolean, rc: number): number {
  if (isNan) { fl |= IE; HI = 0x80000000 | 0; return 0; }
  const r = rint(v, rc);
  if (!(r >= -9223372036854775808 && r < 9223372036854775808)) { fl |= IE; HI = 0x80000000 | 0; return 0; }
  if (r !== v) fl |= PE;
  const a = r < 0 ? -r : r;
  let hi = Math.floor(a / 4294967296), lo = a - hi * 4294967296;
  if (r < 0) {                                     // two's complement of (hi, lo)
    lo = -lo; hi = ~hi;
    if (lo === 0) hi += 1; else lo += 4294967296;
  }
  HI = hi | 0;
  return lo | 0;
}

/** binary32 bits -> double for conversions: DAZ flushes denormals, sNaN/NaN handled by caller. */
export function cvtIn32(a: number): number {
  if (isDen32(a)) { if (daz) return a < 0 ? -0 : 0; fl |= DE; }
  return f32(a);
}
export function cvtIn64(lo: number, hi: number): number {
  if (isDen64(lo, hi)) { if (daz) return hi < 0 ? -0 : 0; fl |= DE; }
  return f64(lo, hi);
}
/** Conversions to integer do not report DE (SDM: CVTSS2SI raises Invalid and Precision only). */
export function intIn32(a: number): number { return isDen32(a) && daz ? (a < 0 ? -0 : 0) : f32(a); }
export function intIn64(lo: number, hi: number): number { return isDen64(lo, hi) && daz ? (hi < 0 ? -0 : 0) : f64(lo, hi); }

/** binary32 -> binary64 bits (OLO/OHI). */
export function cvt32to64(a: number): void {
  if (isNaN32(a)) {
    if (isSNaN32(a)) fl |= IE;
    const m = (a & 0x7fffff) | 0x400000;
    OHI = (a & 0x80000000) | 0x7ff00000 | (m >> 3); OLO = (m & 7) << 29;
    return;
  }
  out64(cvtIn32(a));
}

/** binary64 bits -> binary32 bits. */
export function cvt64to32(lo: number, hi: number): number {
  if (isNaN64(lo, hi)) {
    if (isSNaN64(lo, hi)) fl |= IE;
    return (hi & 0x80000000) | 0x7fc00000 | ((hi & 0x7ffff) << 3) | (lo >>> 29);
  }
  const d = cvtIn64(lo, hi);
  if (d === 0 || d === Infinity || d === -Infinity) return bits32(d);
  return round32(d, 0);
}

/** int64 (lo, hi) -> binary32 bits / binary64 number with the current rounding. */
export function i64to32(lo: number, hi: number): number {
  const h = hi * 4294967296, l = lo >>> 0;
  const d = h + l;
  if (d === 0) return 0;
  return round32(d, sgn(twoSumErr(h, l, d)));
}
export function i64to64(lo: number, hi: number): number {
  const h = hi * 4294967296, l = lo >>> 0;
  const d = h + l;
  if (d === 0) return 0;
  return round64(d, sgn(twoSumErr(h, l, d)));
}
export function i32to32(v: number): number {
  if (v === 0) return 0;
  return round32(v, 0);
}

/** ROUNDSS/ROUNDPS lane: rounding mode rc, `quiet` suppresses PE. */
export function round32int(a: number, rc: number, quiet: boolean): number {
  if (isNaN32(a)) { if (isSNaN32(a)) fl |= IE; return a | 0x400000; }
  const v = intIn32(a);
  const r = rint(v, rc);
  if (r !== v && !quiet) fl |= PE;
  return r === 0 ? (a & 0x80000000) | 0 : bits32(r);
}
export function round64int(ai: number, ri: number, rc: number, quiet: boolean): void {
  const lo = I32[2 * ai], hi = I32[2 * ai + 1];
  if (isNaN64(lo, hi)) { if (isSNaN64(lo, hi)) fl |= IE; I32[2 * ri] = lo; I32[2 * ri + 1] = hi | 0x80000; return; }
  const v = intIn64(lo, hi);
  const r = rint(v, rc);
  if (r !== v && !quiet) fl |= PE;
  if (r === 0) { I32[2 * ri] = 0; I32[2 * ri + 1] = hi & 0x80000000; return; }
  F64[ri] = r;
}

/** Writes a binary64 number to F64 index ri (numbers only, never NaN). */
export function put64(ri: number, v: number): void { F64[ri] = v; }
