// Soft 80-bit (x87 double-extended) floating point, exact to IEEE 754 with the x87's choices:
// 64-bit significand with an explicit integer bit, 15-bit exponent, precision control (the
// significand is rounded to 24/53/64 bits while the exponent range stays extended), all four
// rounding modes, denormals, tininess detected after rounding, masked and unmasked responses
// to overflow/underflow (unmasked: exponent wrapped by 3*2^13 for register destinations).
//
// No BigInt: significands are pairs of uint32 words (hi, lo); intermediate results carry a
// third word below them (w2:w1:w0, 96 bits, the lowest bit a sticky bit). Multiplication uses
// exact 32x32 products (Math.imul for the low word, the double product for the high word);
// division is long division in 17-bit digits estimated in doubles and corrected exactly;
// square root is bit by bit (66 steps). All verified against hardware by test/x87.test.ts.
// Measured behaviours where the SDM leaves a choice are noted at their place (FPREM's N, the
// reserved PC = 01, DE not reported with a NaN/invalid/zero-divide, FSCALE beyond the wrap).
//
// Calling convention: every operation takes packed operands (se = sign<<15 | exponent,
// hi/lo = significand words as uint32) plus the control word, and leaves its packed result in
// F.se/F.hi/F.lo (integer and memory-format results in F.lo/F.hi), ORs exception flags
// (IE DE ZE OE UE PE, FSW bit positions) into F.exc and sets F.up = 1 when the last rounding
// increased the magnitude (x87 C1). Callers clear F.exc and F.up before an operation.

export const IE = 0x01, DE = 0x02, ZE = 0x04, OE = 0x08, UE = 0x10, PE = 0x20;
export const K_ZERO = 0, K_NORMAL = 1, K_DENORMAL = 2, K_INF = 3, K_QNAN = 4, K_SNAN = 5, K_UNSUPPORTED = 6;
export const RC_NEAR = 0, RC_DOWN = 1, RC_UP = 2, RC_ZERO = 3;
/** The x87 "real indefinite": negative quiet NaN 0xFFFF C000000000000000. */
export const IND_SE = 0xffff, IND_HI = 0xc0000000, IND_LO = 0;

const TWO32 = 4294967296;
const cvt = new DataView(new ArrayBuffer(8));
// Scratch words (uint32 values as doubles): module-level `let`s holding values >= 2^31 would be
// boxed on every store, so multi-word intermediate results live in this typed array.
const W = new Float64Array(22);
const AH_ = 0, AL_ = 1, BH_ = 2, BL_ = 3, S2_ = 4, S1_ = 5, S0_ = 6, RH_ = 7, RL_ = 8, KH_ = 9, KL_ = 10, M3_ = 11, M2_ = 12, M1_ = 13, M0_ = 14, PLO_ = 15, PHI_ = 16, Q2_ = 17, Q1_ = 18, Q0_ = 19, IH_ = 20, IL_ = 21;
const BIAS = 16383;
const EMIN = -16382, EMAX = 16383;
/** Exponent wrap for unmasked overflow/underflow of register results (3 * 2^13). */
const WRAP80 = 24576;

export interface F80Result { se: number; hi: number; lo: number; exc: number; up: number }
export const F: F80Result = { se: 0, hi: 0, lo: 0, exc: 0, up: 0 };

function setInd(): void { F.se = IND_SE; F.hi = IND_HI; F.lo = IND_LO; }
function invalid(): void { F.exc |= IE; setInd(); }
function setZero(s: number): void { F.se = s << 15; F.hi = 0; F.lo = 0; }
function setInf(s: number): void { F.se = (s << 15) | 0x7fff; F.hi = 0x80000000; F.lo = 0; }

/** Precision in bits selected by FCW.PC (00: 24, 10: 53, 11: 64; the reserved 01 acts as 64,
 *  measured). */
export function precisionOf(cw: number): number {
  const pc = (cw >>> 8) & 3;
  return pc === 0 ? 24 : pc === 2 ? 53 : 64;
}

export function classify(se: number, hi: number, lo: number): number {
  const e = se & 0x7fff;
  if (e === 0) return (hi | lo) === 0 ? K_ZERO : K_DENORMAL;   // includes pseudo-denormals (J = 1)
  if ((hi & 0x80000000) === 0) return K_UNSUPPORTED;          // unnormals, pseudo-infinities, pseudo-NaNs
  if (e === 0x7fff) {
    if ((hi & 0x7fffffff) === 0 && lo === 0) return K_INF;
    return (hi & 0x40000000) !== 0 ? K_QNAN : K_SNAN;
  }
  return K_NORMAL;
}

// ---- unpacking --------------------------------------------------------------------------------

/** Unpacked finite nonzero operand: sign, unbiased exponent of the integer bit, normalized
 *  significand (bit 63 set). Two slots so binary operations can hold both operands. */
let aS = 0, aE = 0;
let bS = 0, bE = 0;

function unpackA(se: number, hi: number, lo: number): void {
  aS = se >>> 15;
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
  aE = e - BIAS; W[AH_] = hi >>> 0; W[AL_] = lo >>> 0;
}

function unpackB(se: number, hi: number, lo: number): void {
  unpackA(se, hi, lo);
  bS = aS; bE = aE; W[BH_] = W[AH_]; W[BL_] = W[AL_];
}

// ---- shifting on 96 bits ------------------------------------------------------------------------


/** (w2:w1:w0) >> n with every shifted-out bit ORed into bit 0, into W[S2_]:W[S1_]:W[S0_]. */
function shr96(w2: number, w1: number, w0: number, n: number): void {
  if (n <= 0) { W[S2_] = w2; W[S1_] = w1; W[S0_] = w0; return; }
  let jam: number;
  if (n >= 96) { W[S2_] = 0; W[S1_] = 0; W[S0_] = (w2 | w1 | w0) !== 0 ? 1 : 0; return; }
  if (n >= 64) {
    const k = n - 64;
    W[S2_] = 0; W[S1_] = 0;
    if (k === 0) { W[S0_] = w2; jam = w1 | w0; }
    else { W[S0_] = w2 >>> k; jam = (w2 << (32 - k)) | w1 | w0; }
  } else if (n >= 32) {
    const k = n - 32;
    W[S2_] = 0;
    if (k === 0) { W[S1_] = w2; W[S0_] = w1; jam = w0; }
    else { W[S1_] = w2 >>> k; W[S0_] = ((w2 << (32 - k)) | (w1 >>> k)) >>> 0; jam = (w1 << (32 - k)) | w0; }
  } else {
    const k = n;
    W[S2_] = w2 >>> k;
    W[S1_] = ((w2 << (32 - k)) | (w1 >>> k)) >>> 0;
    W[S0_] = ((w1 << (32 - k)) | (w0 >>> k)) >>> 0;
    jam = w0 << (32 - k);
  }
  if (jam !== 0) W[S0_] = (W[S0_] | 1) >>> 0;
}

/** Normalizes (w2:w1:w0) != 0 to bit 95 set, into W[S2_]:W[S1_]:W[S0_]; returns the shift count. */
function norm96(w2: number, w1: number, w0: number): number {
  let n = 0;
  if (w2 === 0) {
    if (w1 === 0) { w2 = w0; w1 = 0; w0 = 0; n = 64; }
    else { w2 = w1; w1 = w0; w0 = 0; n = 32; }
  }
  const k = Math.clz32(w2);
  if (k > 0) {
    w2 = ((w2 << k) | (w1 >>> (32 - k))) >>> 0;
    w1 = ((w1 << k) | (w0 >>> (32 - k))) >>> 0;
    w0 = (w0 << k) >>> 0;
  }
  W[S2_] = w2; W[S1_] = w1; W[S0_] = w0;
  return n + k;
}

// ---- rounding --------------------------------------------------------------------------------------

let rCarry = 0, rInexact = 0, rUp = 0;

/** Keeps the top p (24, 53 or 64) bits of w2:w1:w0 rounded by rc: W[RH_]:W[RL_] (the 64-bit
 *  significand), rCarry = 1 when rounding carried out of bit 63 (the value is then 2^64). */
function rbits(s: number, w2: number, w1: number, w0: number, p: number, rc: number): void {
  let half: number, rest: boolean, lsb: number;
  if (p === 64) {
    half = w0 >>> 31; rest = (w0 & 0x7fffffff) !== 0; lsb = w1 & 1;
  } else if (p === 53) {
    half = (w1 >>> 10) & 1; rest = ((w1 & 0x3ff) | w0) !== 0; lsb = (w1 >>> 11) & 1;
    w1 = (w1 & ~0x7ff) >>> 0;
  } else {
    half = (w2 >>> 7) & 1; rest = ((w2 & 0x7f) | w1 | w0) !== 0; lsb = (w2 >>> 8) & 1;
    w2 = (w2 & ~0xff) >>> 0; w1 = 0;
  }
  const inexact = half !== 0 || rest;
  let inc: boolean;
  switch (rc) {
    case RC_NEAR: inc = half !== 0 && (rest || lsb !== 0); break;
    case RC_DOWN: inc = inexact && s !== 0; break;
    case RC_UP: inc = inexact && s === 0; break;
    default: inc = false;
  }
  rCarry = 0;
  if (inc) {
    if (p === 24) {
      w2 += 0x100;
      if (w2 >= TWO32) { w2 -= TWO32; rCarry = 1; }
    } else {
      w1 += p === 64 ? 1 : 0x800;
      if (w1 >= TWO32) {
        w1 -= TWO32; w2 += 1;
        if (w2 >= TWO32) { w2 -= TWO32; rCarry = 1; }
      }
    }
  }
  W[RH_] = w2; W[RL_] = w1; rInexact = inexact ? 1 : 0; rUp = inc ? 1 : 0;
}

/** Core rounding: value (-1)^s * w2:w1:w0 * 2^(E-95), normalized (bit 95 set). The format has
 *  precision p and normal exponents emin..emax; wrap is the unmasked-response exponent bias.
 *  Result: kE, W[KH_]:W[KL_] (bit 63 clear = denormal or zero, weight as if kE = emin), kInf. */
let kE = 0, kInf = false;

function core(s: number, E: number, w2: number, w1: number, w0: number, p: number, emin: number, emax: number, wrap: number, cw: number): void {
  const rc = (cw >>> 10) & 3;
  let tiny = false;
  kInf = false;
  if (E < emin) {
    tiny = true;
    if (E === emin - 1) {                      // tiny after rounding unless rounding reaches 2^emin
      rbits(s, w2, w1, w0, p, rc);
      if (rCarry) tiny = false;
    }
    if (cw & UE) { shr96(w2, w1, w0, emin - E); w2 = W[S2_]; w1 = W[S1_]; w0 = W[S0_]; E = emin; }
  }
  rbits(s, w2, w1, w0, p, rc);
  let h = W[RH_], l = W[RL_];
  if (rCarry) { h = 0x80000000; l = 0; E++; }
  if (rInexact) { F.exc |= PE; F.up = rUp; }
  if (tiny) {
    if ((cw & UE) === 0) {
      F.exc |= UE; E += wrap;
      // beyond the wrap range (only FSCALE gets there): zero, as the hardware delivers
      if (E < emin) { F.exc |= PE; F.up = 0; kE = emin; W[KH_] = 0; W[KL_] = 0; return; }
    } else if (rInexact) F.exc |= UE;
  }
  if (E > emax) {
    if (cw & OE) {
      F.exc |= OE | PE;
      const toInf = rc === RC_NEAR || (rc === RC_UP && s === 0) || (rc === RC_DOWN && s !== 0);
      if (toInf) { kInf = true; F.up = 1; }
      else {
        E = emax; F.up = 0;
        h = p === 24 ? 0xffffff00 : 0xffffffff;
        l = p === 64 ? 0xffffffff : p === 53 ? 0xfffff800 : 0;
      }
    } else {
      F.exc |= OE; E -= wrap;
      if (E > emax) { F.exc |= PE; F.up = 1; kInf = true; return; }   // beyond the wrap range: infinity
    }
  }
  kE = E; W[KH_] = h; W[KL_] = l;
}

/** Rounds to the 80-bit register format at precision p and packs into F. */
function pack80(s: number, E: number, w2: number, w1: number, w0: number, p: number, cw: number): void {
  core(s, E, w2, w1, w0, p, EMIN, EMAX, WRAP80, cw);
  if (kInf) { setInf(s); return; }
  F.se = (s << 15) | ((W[KH_] & 0x80000000) !== 0 ? kE + BIAS : 0);
  F.hi = W[KH_]; F.lo = W[KL_];
}

/** Rounds an exact 80-bit value (already in F) to precision p: FLD constants, FSCALE inputs. */
export function roundF80(se: number, hi: number, lo: number, p: number, cw: number): void {
  const k = classify(se, hi, lo);
  if (k !== K_NORMAL && k !== K_DENORMAL) { F.se = se; F.hi = hi; F.lo = lo; return; }
  unpackA(se, hi, lo);
  pack80(aS, aE, W[AH_], W[AL_], 0, p, cw);
}

// ---- NaN handling -------------------------------------------------------------------------------

/** Result for operations with a NaN or unsupported operand (x87 rules, SDM table 4-7):
 *  unsupported -> invalid, indefinite; an SNaN raises IE; of two NaNs of the same kind the one
 *  with the larger significand wins, an SNaN and a QNaN give the QNaN; the result is quiet. */
export function nan2(ase: number, ahi: number, alo: number, ka: number, bse: number, bhi: number, blo: number, kb: number): void {
  if (ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) { invalid(); return; }
  if (ka === K_SNAN || kb === K_SNAN) F.exc |= IE;
  let useA: boolean;
  if (ka >= K_QNAN && kb >= K_QNAN) {
    if (ka !== kb) useA = ka === K_QNAN;
    else {
      const ah = (ahi | 0x40000000) >>> 0, bh = (bhi | 0x40000000) >>> 0;
      if (ah !== bh) useA = ah > bh;
      else if (alo !== blo) useA = alo > blo;
      else useA = ase <= bse;
    }
  } else useA = ka >= K_QNAN;
  if (useA) { F.se = ase; F.hi = (ahi | 0x40000000) >>> 0; F.lo = alo; }
  else { F.se = bse; F.hi = (bhi | 0x40000000) >>> 0; F.lo = blo; }
}

export function nan1(se: number, hi: number, lo: number, k: number): void {
  if (k === K_UNSUPPORTED) { invalid(); return; }
  if (k === K_SNAN) F.exc |= IE;
  F.se = se; F.hi = (hi | 0x40000000) >>> 0; F.lo = lo;
}

// ---- addition and subtraction ----------------------------------------------------------------

/** a + b (sub = 1: a - b), rounded to precision p. */
export function add(ase: number, ahi: number, alo: number, bse: number, bhi: number, blo: number, sub: number, p: number, cw: number): void {
  const ka = classify(ase, ahi, alo), kb = classify(bse, bhi, blo);
  if (ka >= K_QNAN || kb >= K_QNAN) { nan2(ase, ahi, alo, ka, bse, bhi, blo, kb); return; }
  if (ka === K_DENORMAL || kb === K_DENORMAL) F.exc |= DE;
  const sa = ase >>> 15, sb = (bse >>> 15) ^ sub;
  if (ka === K_INF) {
    if (kb === K_INF && sa !== sb) { invalid(); return; }
    setInf(sa); return;
  }
  if (kb === K_INF) { setInf(sb); return; }
  const rc = (cw >>> 10) & 3;
  if (ka === K_ZERO) {
    if (kb === K_ZERO) { setZero(sa === sb ? sa : rc === RC_DOWN ? 1 : 0); return; }
    unpackB(bse, bhi, blo);
    pack80(sb, bE, W[BH_], W[BL_], 0, p, cw);
    return;
  }
  if (kb === K_ZERO) {
    unpackA(ase, ahi, alo);
    pack80(sa, aE, W[AH_], W[AL_], 0, p, cw);
    return;
  }
  unpackB(bse, bhi, blo);
  unpackA(ase, ahi, alo);
  addU(sa, aE, W[AH_], W[AL_], sb, bE, W[BH_], W[BL_], p, cw);
}

/** Exact sum of two finite nonzero unpacked values (any exponents), rounded and packed into F. */
function addU(sa: number, aE: number, ah: number, al: number, sb: number, bE: number, bh: number, bl: number, p: number, cw: number): void {
  // x = larger magnitude, y = smaller
  let xs = sa, xE = aE, xH = ah, xL = al, ys = sb, yE = bE, yH = bh, yL = bl;
  if (aE < bE || (aE === bE && (ah < bh || (ah === bh && al < bl)))) {
    xs = sb; xE = bE; xH = bh; xL = bl; ys = sa; yE = aE; yH = ah; yL = al;
  }
  shr96(yH, yL, 0, xE - yE > 200 ? 200 : xE - yE);
  let w2: number, w1: number, w0: number, E = xE;
  if (xs === ys) {
    w0 = W[S0_];
    let t = xL + W[S1_];
    w1 = t >= TWO32 ? t - TWO32 : t;
    t = xH + W[S2_] + (t >= TWO32 ? 1 : 0);
    if (t >= TWO32) {                          // carry: shift right one bit with sticky
      t -= TWO32;
      const j = w0 & 1;
      w0 = ((w0 >>> 1) | ((w1 & 1) << 31) | j) >>> 0;
      w1 = ((w1 >>> 1) | ((t & 1) << 31)) >>> 0;
      w2 = ((t >>> 1) | 0x80000000) >>> 0;
      E++;
    } else w2 = t;
  } else {
    let t = 0 - W[S0_], br = 0;
    if (t < 0) { t += TWO32; br = 1; }
    w0 = t;
    t = xL - W[S1_] - br; br = 0;
    if (t < 0) { t += TWO32; br = 1; }
    w1 = t;
    w2 = xH - W[S2_] - br;
    if ((w2 | w1 | w0) === 0) { setZero(((cw >>> 10) & 3) === RC_DOWN ? 1 : 0); return; }
    E -= norm96(w2, w1, w0);
    w2 = W[S2_]; w1 = W[S1_]; w0 = W[S0_];
  }
  pack80(xs, E, w2, w1, w0, p, cw);
}

/** Unpacks a finite nonzero double into sign/E/H/L (module slot A). */
function unpackDouble(x: number): void {
  cvt.setFloat64(0, x, true);
  const hi = cvt.getUint32(4, true), lo = cvt.getUint32(0, true);
  aS = hi >>> 31;
  let e = (hi >>> 20) & 0x7ff;
  let h = ((hi & 0xfffff) | (e !== 0 ? 0x100000 : 0)) >>> 0, l = lo;
  if (e === 0) e = 1;
  // 53-bit significand in h:l with the integer bit at bit 52: normalize to bit 63
  const n = h !== 0 ? Math.clz32(h) : 32 + Math.clz32(l);
  if (n >= 32) { h = (l << (n - 32)) >>> 0; l = 0; }
  else if (n > 0) { h = ((h << n) | (l >>> (32 - n))) >>> 0; l = (l << n) >>> 0; }
  aE = e - 1023 + 11 - n; W[AH_] = h; W[AL_] = l;
}

/** Rounds the exact value (h + l) * 2^k of two doubles to 80 bits at precision 64 by FCW.RC
 *  (results of double-double evaluations, whose exponent may lie outside the double range). */
export function fromScaledDD(h: number, l: number, k: number, cw: number): void {
  if (h === 0 && l === 0) { setZero(0); return; }
  if (l === 0 || h === 0) {
    unpackDouble(h === 0 ? l : h);
    pack80(aS, aE + k, W[AH_], W[AL_], 0, 64, cw);
    return;
  }
  unpackDouble(l);
  bS = aS; bE = aE; W[BH_] = W[AH_]; W[BL_] = W[AL_];
  unpackDouble(h);
  addU(aS, aE + k, W[AH_], W[AL_], bS, bE + k, W[BH_], W[BL_], 64, cw);
}

// ---- multiplication --------------------------------------------------------------------------------


/** Exact 32x32 -> 64-bit product of uint32 values into W[PHI_]:W[PLO_]. The low word comes from
 *  Math.imul; the double product is within 2^12 of the true one, so the high word is exact
 *  after rounding (the true value minus the low word is a multiple of 2^32). */
function mul32(a: number, b: number): void {
  const lo = Math.imul(a, b) >>> 0;
  W[PLO_] = lo;
  W[PHI_] = Math.round((a * b - lo) / TWO32);
}

/** (ah:al) * (bh:bl) -> W[M3_]:W[M2_]:W[M1_]:W[M0_] (128 bits), exactly. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  mul32(al, bl); const w0 = W[PLO_]; let c1 = W[PHI_];
  mul32(al, bh); c1 += W[PLO_]; let c2 = W[PHI_];
  mul32(ah, bl); c1 += W[PLO_]; c2 += W[PHI_];
  mul32(ah, bh); c2 += W[PLO_]; let c3 = W[PHI_];
  const w1 = c1 >>> 0; c2 += (c1 - w1) / TWO32;
  const w2 = c2 >>> 0; c3 += (c2 - w2) / TWO32;
  W[M0_] = w0; W[M1_] = w1; W[M2_] = w2; W[M3_] = c3;
}

export function mul(ase: number, ahi: number, alo: number, bse: number, bhi: number, blo: number, p: number, cw: number): void {
  const ka = classify(ase, ahi, alo), kb = classify(bse, bhi, blo);
  if (ka >= K_QNAN || kb >= K_QNAN) { nan2(ase, ahi, alo, ka, bse, bhi, blo, kb); return; }
  if (ka === K_DENORMAL || kb === K_DENORMAL) F.exc |= DE;
  const s = (ase ^ bse) >>> 15;
  if (ka === K_INF || kb === K_INF) {
    if (ka === K_ZERO || kb === K_ZERO) { invalid(); return; }
    setInf(s); return;
  }
  if (ka === K_ZERO || kb === K_ZERO) { setZero(s); return; }
  unpackB(bse, bhi, blo);
  unpackA(ase, ahi, alo);
  mul64(W[AH_], W[AL_], W[BH_], W[BL_]);
  let E = aE + bE;
  if (W[M3_] >= 0x80000000) {
    pack80(s, E + 1, W[M3_], W[M2_], W[M0_] !== 0 ? (W[M1_] | 1) >>> 0 : W[M1_], p, cw);
  } else {
    // shift left by one: 127..31 -> 96 bits
    const w2 = ((W[M3_] << 1) | (W[M2_] >>> 31)) >>> 0;
    const w1 = ((W[M2_] << 1) | (W[M1_] >>> 31)) >>> 0;
    let w0 = ((W[M1_] << 1) | (W[M0_] >>> 31)) >>> 0;
    if ((W[M0_] & 0x7fffffff) !== 0) w0 = (w0 | 1) >>> 0;
    pack80(s, E, w2, w1, w0, p, cw);
  }
}

// ---- division ------------------------------------------------------------------------------------

/** Quotient of (ah:al [<< 1 if ah:al < bh:bl]) / (bh:bl), both normalized, as w2:w1:w0 in
 *  W[Q2_]:W[Q1_]:W[Q0_] (64 bits, then 5 more bits and the sticky remainder); returns -1 when
 *  the dividend was pre-shifted, else 0. Long division in 17-bit digits: each digit is estimated
 *  in double precision (off by at most one) and corrected against the exact remainder, which
 *  stays below the divisor; digit * divisor-word products stay below 2^49, exact in doubles. */
function div64(ah: number, al: number, bh: number, bl: number): number {
  let adj = 0, rh: number, rl: number;
  // integer digit 1: r = a' - b (a' = a or 2a, in [b, 2b)); 2a - b = a - (b - a)
  if (ah < bh || (ah === bh && al < bl)) {
    adj = -1;
    let tl = bl - al, th = bh - ah;
    if (tl < 0) { tl += TWO32; th -= 1; }            // b - a
    rl = al - tl; rh = ah - th;
    if (rl < 0) { rl += TWO32; rh -= 1; }
  } else {
    rl = al - bl; rh = ah - bh;
    if (rl < 0) { rl += TWO32; rh -= 1; }
  }
  const bd = bh * TWO32 + bl;
  let d1 = 0, d2 = 0, d3 = 0, d4 = 0;
  for (let k = 0; k < 4; k++) {
    // digit d = floor(r * 2^17 / b) < 2^17
    let d = Math.floor((rh * TWO32 + rl) * 131072 / bd);
    if (d > 131071) d = 131071;
    // t = r * 2^17 - d * b, as th * 2^32 + tl (th may go negative)
    const x0 = (rl * 131072) % TWO32;                  // low word of r << 17
    const xhi = rh * 131072 + Math.floor(rl / 32768);  // the rest, below 2^49
    const p0 = d * bl, p1 = d * bh;
    const p0l = p0 % TWO32, p0h = (p0 - p0l) / TWO32;
    let tl = x0 - p0l, th = xhi - p1 - p0h;
    if (tl < 0) { tl += TWO32; th -= 1; }
    while (th < 0) {                                  // estimate too large
      d--; tl += bl; th += bh;
      if (tl >= TWO32) { tl -= TWO32; th += 1; }
    }
    while (th > bh || (th === bh && tl >= bl)) {      // estimate too small
      d++; tl -= bl; th -= bh;
      if (tl < 0) { tl += TWO32; th -= 1; }
    }
    rh = th; rl = tl;
    if (k === 0) d1 = d; else if (k === 1) d2 = d; else if (k === 2) d3 = d; else d4 = d;
  }
  // quotient 1.d1 d2 d3 d4 (68 fraction bits): 63 of them complete the significand
  W[Q2_] = (0x80000000 | (d1 << 14) | (d2 >>> 3)) >>> 0;
  W[Q1_] = (((d2 & 7) << 29) | (d3 << 12) | (d4 >>> 5)) >>> 0;
  W[Q0_] = (((d4 & 31) << 27) | ((rh !== 0 || rl !== 0) ? 1 : 0)) >>> 0;
  return adj;
}

export function div(ase: number, ahi: number, alo: number, bse: number, bhi: number, blo: number, p: number, cw: number): void {
  const ka = classify(ase, ahi, alo), kb = classify(bse, bhi, blo);
  if (ka >= K_QNAN || kb >= K_QNAN) { nan2(ase, ahi, alo, ka, bse, bhi, blo, kb); return; }
  const s = (ase ^ bse) >>> 15;
  if (ka === K_INF) {
    if (kb === K_INF) { invalid(); return; }
    if (kb === K_DENORMAL) F.exc |= DE;
    setInf(s); return;
  }
  if (kb === K_INF) {
    if (ka === K_DENORMAL) F.exc |= DE;
    setZero(s); return;
  }
  if (kb === K_ZERO) {                        // no DE here even for a denormal dividend
    if (ka === K_ZERO) { invalid(); return; }
    F.exc |= ZE; setInf(s); return;
  }
  if (ka === K_DENORMAL || kb === K_DENORMAL) F.exc |= DE;
  if (ka === K_ZERO) { setZero(s); return; }
  unpackB(bse, bhi, blo);
  unpackA(ase, ahi, alo);
  const adj = div64(W[AH_], W[AL_], W[BH_], W[BL_]);
  pack80(s, aE - bE + adj, W[Q2_], W[Q1_], W[Q0_], p, cw);
}

// ---- square root ---------------------------------------------------------------------------------

export function sqrt(se: number, hi: number, lo: number, p: number, cw: number): void {
  const k = classify(se, hi, lo);
  if (k >= K_QNAN) { nan1(se, hi, lo, k); return; }
  if (k === K_ZERO) { F.se = se; F.hi = 0; F.lo = 0; return; }
  if (se & 0x8000) { if (k === K_DENORMAL) F.exc |= DE; invalid(); return; }
  if (k === K_INF) { setInf(0); return; }
  if (k === K_DENORMAL) F.exc |= DE;
  unpackA(se, hi, lo);
  // radicand bits, two at a time from the top of x2:x1:x0 (sig << 68 if E odd, << 67 if even)
  let x2: number, x1: number, x0: number;
  const odd = (aE & 1) !== 0;
  if (odd) { x2 = W[AH_]; x1 = W[AL_]; x0 = 0; }
  else { x2 = W[AH_] >>> 1; x1 = ((W[AH_] << 31) | (W[AL_] >>> 1)) >>> 0; x0 = (W[AL_] << 31) >>> 0; }
  let r2 = 0, r1 = 0, r0 = 0;      // remainder (< 2^68)
  let t2 = 0, t1 = 0, t0 = 0;      // root so far
  for (let it = 0; it < 66; it++) {
    const pair = x2 >>> 30;
    x2 = ((x2 << 2) | (x1 >>> 30)) >>> 0; x1 = ((x1 << 2) | (x0 >>> 30)) >>> 0; x0 = (x0 << 2) >>> 0;
    r2 = ((r2 << 2) | (r1 >>> 30)) >>> 0; r1 = ((r1 << 2) | (r0 >>> 30)) >>> 0; r0 = ((r0 << 2) | pair) >>> 0;
    // trial = 4*root + 1
    const u2 = ((t2 << 2) | (t1 >>> 30)) >>> 0, u1 = ((t1 << 2) | (t0 >>> 30)) >>> 0, u0 = ((t0 << 2) | 1) >>> 0;
    t2 = ((t2 << 1) | (t1 >>> 31)) >>> 0; t1 = ((t1 << 1) | (t0 >>> 31)) >>> 0; t0 = (t0 << 1) >>> 0;
    if (r2 > u2 || (r2 === u2 && (r1 > u1 || (r1 === u1 && r0 >= u0)))) {
      let d = r0 - u0, br = 0;
      if (d < 0) { d += TWO32; br = 1; }
      r0 = d;
      d = r1 - u1 - br; br = 0;
      if (d < 0) { d += TWO32; br = 1; }
      r1 = d;
      r2 = r2 - u2 - br;
      t0 = (t0 | 1) >>> 0;
    }
  }
  // root has 66 bits in t2:t1:t0 (t2 holds bits 65..64)
  const w2 = ((t2 << 30) | (t1 >>> 2)) >>> 0;
  const w1 = ((t1 << 30) | (t0 >>> 2)) >>> 0;
  let w0 = ((t0 & 3) << 30) >>> 0;
  if ((r2 | r1 | r0) !== 0) w0 = (w0 | 1) >>> 0;
  pack80(0, Math.floor(aE / 2), w2, w1, w0, p, cw);
}

// ---- comparison -------------------------------------------------------------------------------------

export const CMP_GT = 0, CMP_LT = 1, CMP_EQ = 2, CMP_UN = 3;

/** Compares a with b. quiet: only SNaNs (and unsupported formats) raise IE (FUCOM). */
export function compare(ase: number, ahi: number, alo: number, bse: number, bhi: number, blo: number, quiet: boolean): number {
  const ka = classify(ase, ahi, alo), kb = classify(bse, bhi, blo);
  if (ka >= K_QNAN || kb >= K_QNAN) {
    if (!quiet || ka !== K_QNAN && ka >= K_QNAN || kb !== K_QNAN && kb >= K_QNAN) F.exc |= IE;
    return CMP_UN;
  }
  if (ka === K_DENORMAL || kb === K_DENORMAL) F.exc |= DE;
  return cmpOrdered(ase, ahi, alo, ka, bse, bhi, blo, kb);
}

function cmpOrdered(ase: number, ahi: number, alo: number, ka: number, bse: number, bhi: number, blo: number, kb: number): number {
  if (ka === K_ZERO && kb === K_ZERO) return CMP_EQ;
  const sa = ase >>> 15, sb = bse >>> 15;
  if (ka === K_ZERO) return sb ? CMP_GT : CMP_LT;
  if (kb === K_ZERO) return sa ? CMP_LT : CMP_GT;
  if (sa !== sb) return sa ? CMP_LT : CMP_GT;
  let mag: number;                             // |a| vs |b|: 1 greater, -1 less, 0 equal
  if (ka === K_INF || kb === K_INF) mag = ka === kb ? 0 : ka === K_INF ? 1 : -1;
  else {
    unpackB(bse, bhi, blo);
    unpackA(ase, ahi, alo);
    mag = aE !== bE ? (aE > bE ? 1 : -1) : W[AH_] !== W[BH_] ? (W[AH_] > W[BH_] ? 1 : -1) : W[AL_] !== W[BL_] ? (W[AL_] > W[BL_] ? 1 : -1) : 0;
  }
  if (mag === 0) return CMP_EQ;
  return (mag > 0) !== (sa !== 0) ? CMP_GT : CMP_LT;
}

// ---- integer conversions ----------------------------------------------------------------------------

/** Exact conversion of a signed integer (lo, hi words; size 2/4 use lo only) to 80 bits. */
export function fromInt(lo: number, hi: number, size: number): void {
  let s = 0, h: number, l: number;
  if (size === 8) {
    h = hi >>> 0; l = lo >>> 0;
    if (h >= 0x80000000) {
      s = 1;
      l = TWO32 - l; h = 0xffffffff - h;
      if (l === TWO32) { l = 0; h += 1; }
      h >>>= 0;
    }
  } else {
    let v = size === 2 ? (lo << 16) >> 16 : lo | 0;
    if (v < 0) { s = 1; v = -v; }
    h = 0; l = v >>> 0;
  }
  if ((h | l) === 0) { setZero(0); return; }
  const n = h !== 0 ? Math.clz32(h) : 32 + Math.clz32(l);
  if (n >= 32) { h = (l << (n - 32)) >>> 0; l = 0; }
  else if (n > 0) { h = ((h << n) | (l >>> (32 - n))) >>> 0; l = (l << n) >>> 0; }
  F.se = (s << 15) | (BIAS + 63 - n); F.hi = h; F.lo = l;
}

/** Integer rounding of a finite value with exponent E < 63: magnitude in W[IH_]:W[IL_]. */
function rint(s: number, E: number, h: number, l: number, rc: number): void {
  const q = 63 - E;                 // bits below the binary point
  let half: number, rest: boolean;
  if (q > 64) { half = 0; rest = true; W[IH_] = 0; W[IL_] = 0; }
  else if (q === 64) { half = h >>> 31; rest = ((h & 0x7fffffff) | l) !== 0; W[IH_] = 0; W[IL_] = 0; }
  else if (q >= 32) {
    const k = q - 32;
    W[IH_] = 0;
    if (k === 0) { W[IL_] = h; half = l >>> 31; rest = (l & 0x7fffffff) !== 0; }
    else { W[IL_] = h >>> k; half = (h >>> (k - 1)) & 1; rest = ((h & ((1 << (k - 1)) - 1)) | l) !== 0; }
  } else {
    W[IH_] = h >>> q; W[IL_] = ((h << (32 - q)) | (l >>> q)) >>> 0;
    half = (l >>> (q - 1)) & 1; rest = (l & ((1 << (q - 1)) - 1)) !== 0;
    if (q === 1) rest = false;
  }
  const inexact = half !== 0 || rest;
  let inc: boolean;
  switch (rc) {
    case RC_NEAR: inc = half !== 0 && (rest || (W[IL_] & 1) !== 0); break;
    case RC_DOWN: inc = inexact && s !== 0; break;
    case RC_UP: inc = inexact && s === 0; break;
    default: inc = false;
  }
  if (inc) {
    W[IL_] += 1;
    if (W[IL_] >= TWO32) { W[IL_] -= TWO32; W[IH_] = (W[IH_] + 1) >>> 0; }
  }
  if (inexact) { F.exc |= PE; F.up = inc ? 1 : 0; }
}

/** FIST/FISTTP: converts to a signed integer of size 2/4/8 bytes rounding by rc (RC_ZERO for
 *  FISTTP); out of range, NaN, infinity or unsupported: IE and the integer indefinite. Result in
 *  F.lo (and F.hi for size 8). */
export function toInt(se: number, hi: number, lo: number, size: number, rc: number): void {
  const k = classify(se, hi, lo);
  F.hi = 0; F.lo = 0;
  if (k === K_ZERO) return;
  if (k !== K_NORMAL && k !== K_DENORMAL) { intIndefinite(size); F.exc |= IE; return; }
  unpackA(se, hi, lo);
  const s = aS;
  let mh: number, ml: number;
  if (aE >= 63) {
    if (aE > 63) { intIndefinite(size); F.exc |= IE; return; }
    mh = W[AH_]; ml = W[AL_];
  } else {
    const exc = F.exc, up = F.up;
    rint(s, aE, W[AH_], W[AL_], rc);
    mh = W[IH_]; ml = W[IL_];
    // range check before committing PE
    if (!inRange(s, mh, ml, size)) { F.exc = exc | IE; F.up = up; intIndefinite(size); return; }
  }
  if (!inRange(s, mh, ml, size)) { intIndefinite(size); F.exc |= IE; return; }
  if (s) {                               // negate
    ml = TWO32 - ml; mh = 0xffffffff - mh;
    if (ml === TWO32) { ml = 0; mh += 1; }
    mh >>>= 0;
  }
  F.lo = ml >>> 0;
  F.hi = size === 8 ? mh : 0;
  if (size === 2) F.lo &= 0xffff;
}

function inRange(s: number, mh: number, ml: number, size: number): boolean {
  if (size === 8) return mh < 0x80000000 || (s !== 0 && mh === 0x80000000 && ml === 0);
  if (mh !== 0) return false;
  const lim = size === 4 ? 0x80000000 : 0x8000;
  return ml < lim || (s !== 0 && ml === lim);
}

function intIndefinite(size: number): void {
  if (size === 8) { F.lo = 0; F.hi = 0x80000000; }
  else { F.lo = size === 4 ? 0x80000000 : 0x8000; F.hi = 0; }
}

/** FRNDINT: rounds to an integral value by rc. */
export function roundInt(se: number, hi: number, lo: number, cw: number): void {
  const k = classify(se, hi, lo);
  if (k >= K_QNAN) { nan1(se, hi, lo, k); return; }
  F.se = se; F.hi = hi; F.lo = lo;
  if (k === K_ZERO || k === K_INF) return;
  if (k === K_DENORMAL) F.exc |= DE;
  unpackA(se, hi, lo);
  if (aE >= 63) return;
  rint(aS, aE, W[AH_], W[AL_], (cw >>> 10) & 3);
  if ((W[IH_] | W[IL_]) === 0) { setZero(aS); return; }
  const n = W[IH_] !== 0 ? Math.clz32(W[IH_]) : 32 + Math.clz32(W[IL_]);
  let h = W[IH_], l = W[IL_];
  if (n >= 32) { h = (l << (n - 32)) >>> 0; l = 0; }
  else if (n > 0) { h = ((h << n) | (l >>> (32 - n))) >>> 0; l = (l << n) >>> 0; }
  F.se = (aS << 15) | (BIAS + 63 - n); F.hi = h; F.lo = l;
}

// ---- memory formats -----------------------------------------------------------------------------------

/** FLD m32: exact widening. A denormal source raises DE; an SNaN stays signalling (the caller
 *  decides: FLD raises IE and quiets, arithmetic propagates). */
export function fromF32(bits: number): void {
  const s = bits >>> 31, e = (bits >>> 23) & 0xff, f = bits & 0x7fffff;
  if (e === 0xff) {
    F.se = (s << 15) | 0x7fff;
    F.hi = (0x80000000 | (f << 8)) >>> 0; F.lo = 0;
    return;
  }
  if (e === 0) {
    if (f === 0) { setZero(s); return; }
    F.exc |= DE;
    const n = Math.clz32(f) - 8;            // shift to put the top bit at bit 23
    F.se = (s << 15) | (BIAS - 126 - n); F.hi = (f << (8 + n)) >>> 0; F.lo = 0;
    return;
  }
  F.se = (s << 15) | (e - 127 + BIAS); F.hi = (0x80000000 | (f << 8)) >>> 0; F.lo = 0;
}

/** FLD m64: exact widening (see fromF32). */
export function fromF64(lo: number, hi: number): void {
  const s = hi >>> 31, e = (hi >>> 20) & 0x7ff;
  let fh = hi & 0xfffff, fl = lo >>> 0;
  if (e === 0x7ff) {
    F.se = (s << 15) | 0x7fff;
    F.hi = (0x80000000 | (fh << 11) | (fl >>> 21)) >>> 0; F.lo = (fl << 11) >>> 0;
    return;
  }
  if (e === 0) {
    if ((fh | fl) === 0) { setZero(s); return; }
    F.exc |= DE;
    // normalize: significand bits at 51..0
    const n = fh !== 0 ? Math.clz32(fh) - 11 : 21 + Math.clz32(fl);   // shift to put top bit at 52
    let h = fh, l = fl;
    if (n >= 32) { h = (l << (n - 32)) >>> 0; l = 0; }
    else if (n > 0) { h = ((h << n) | (l >>> (32 - n))) >>> 0; l = (l << n) >>> 0; }
    // now bit 52 set: (h bit 20); widen << 11
    F.se = (s << 15) | (BIAS - 1022 - n);
    F.hi = ((h << 11) | (l >>> 21)) >>> 0; F.lo = (l << 11) >>> 0;
    return;
  }
  F.se = (s << 15) | (e - 1023 + BIAS);
  F.hi = (0x80000000 | (fh << 11) | (fl >>> 21)) >>> 0; F.lo = (fl << 11) >>> 0;
}

/** FST m32: rounds to single precision by FCW.RC (PC does not apply); the image in F.lo.
 *  A NaN is quieted and its significand truncated; an SNaN or unsupported source raises IE. */
export function toF32(se: number, hi: number, lo: number, cw: number): void {
  const k = classify(se, hi, lo);
  const s = se >>> 15;
  F.hi = 0;
  switch (k) {
    case K_ZERO: F.lo = (s << 31) >>> 0; return;
    case K_INF: F.lo = ((s << 31) | 0x7f800000) >>> 0; return;
    case K_UNSUPPORTED: F.exc |= IE; F.lo = 0xffc00000; return;
    case K_SNAN: case K_QNAN:
      if (k === K_SNAN) F.exc |= IE;
      F.lo = ((s << 31) | 0x7fc00000 | ((hi >>> 8) & 0x7fffff)) >>> 0;
      return;
  }
  unpackA(se, hi, lo);
  core(s, aE, W[AH_], W[AL_], 0, 24, -126, 127, 192, cw);
  if (kInf) { F.lo = ((s << 31) | 0x7f800000) >>> 0; return; }
  const e = (W[KH_] & 0x80000000) !== 0 ? kE + 127 : 0;
  F.lo = ((s << 31) | (e << 23) | ((W[KH_] >>> 8) & 0x7fffff)) >>> 0;
}

/** FST m64: rounds to double precision by FCW.RC; the image in F.lo/F.hi. */
export function toF64(se: number, hi: number, lo: number, cw: number): void {
  const k = classify(se, hi, lo);
  const s = se >>> 15;
  switch (k) {
    case K_ZERO: F.lo = 0; F.hi = (s << 31) >>> 0; return;
    case K_INF: F.lo = 0; F.hi = ((s << 31) | 0x7ff00000) >>> 0; return;
    case K_UNSUPPORTED: F.exc |= IE; F.lo = 0; F.hi = 0xfff80000; return;
    case K_SNAN: case K_QNAN:
      if (k === K_SNAN) F.exc |= IE;
      F.hi = ((s << 31) | 0x7ff80000 | ((hi >>> 11) & 0xfffff)) >>> 0;
      F.lo = ((hi << 21) | (lo >>> 11)) >>> 0;
      return;
  }
  unpackA(se, hi, lo);
  core(s, aE, W[AH_], W[AL_], 0, 53, -1022, 1023, 1536, cw);
  if (kInf) { F.lo = 0; F.hi = ((s << 31) | 0x7ff00000) >>> 0; return; }
  const e = (W[KH_] & 0x80000000) !== 0 ? kE + 1023 : 0;
  F.hi = ((s << 31) | (e << 20) | ((W[KH_] >>> 11) & 0xfffff)) >>> 0;
  F.lo = ((W[KH_] << 21) | (W[KL_] >>> 11)) >>> 0;
}

// ---- FPREM / FPREM1 -----------------------------------------------------------------------------------

/** Quotient bits (low 3) of the last complete partial remainder, and whether it was complete. */
export let remQ = 0;
export let remComplete = true;

/** FPREM (ieee = false: truncating quotient) / FPREM1 (ieee: round-to-nearest quotient).
 *  Exact. With an exponent difference D >= 64 the reduction is partial (remComplete = false):
 *  a is reduced by b * QQ * 2^(D-N), QQ the truncated quotient, N = 32 + (D mod 32) (the SDM
 *  leaves N implementation-dependent in 32..63; this is what hardware does, measured). */
export function prem(ase: number, ahi: number, alo: number, bse: number, bhi: number, blo: number, ieee: boolean, cw: number): void {
  const ka = classify(ase, ahi, alo), kb = classify(bse, bhi, blo);
  remQ = 0; remComplete = true;
  if (ka >= K_QNAN || kb >= K_QNAN) { nan2(ase, ahi, alo, ka, bse, bhi, blo, kb); return; }
  if (ka === K_DENORMAL || kb === K_DENORMAL) F.exc |= DE;
  if (ka === K_INF || kb === K_ZERO) { invalid(); return; }
  if (ka === K_ZERO || kb === K_INF) { normalizeInto(ase, ahi, alo, cw); return; }
  unpackB(bse, bhi, blo);
  unpackA(ase, ahi, alo);
  const sa = aS, D = aE - bE;
  if (D < -1 || (D === -1 && !ieee)) { normalizeInto(ase, ahi, alo, cw); return; }
  if (D === -1) {
    // |a|/|b| in (1/4, 1): quotient 1 when 2|a| > |b| (a tie rounds to the even 0)
    if (W[AH_] > W[BH_] || (W[AH_] === W[BH_] && W[AL_] > W[BL_])) {
      // |b| - |a| at a's scale: (b << 1) - a, below 2^64
      let t = ((W[BL_] << 1) >>> 0) - W[AL_], br = 0;
      if (t < 0) { t += TWO32; br = 1; }
      const r0 = t;
      const r1 = (((W[BH_] << 1) | (W[BL_] >>> 31)) - W[AH_] - br) >>> 0;
      remQ = 1;
      finishRem(sa ^ 1, aE, r1, r0, cw);
      return;
    }
    normalizeInto(ase, ahi, alo, cw);
    return;
  }
  const steps = D >= 64 ? 32 + (D & 31) : D;
  if (D >= 64) remComplete = false;
  let r2 = 0, r1 = W[AH_], r0 = W[AL_], q = 0;
  for (let k = 0; k <= steps; k++) {
    if (k > 0) { r2 = r1 >>> 31; r1 = ((r1 << 1) | (r0 >>> 31)) >>> 0; r0 = (r0 << 1) >>> 0; }
    q = (q << 1) & 0xff;
    if (r2 !== 0 || r1 > W[BH_] || (r1 === W[BH_] && r0 >= W[BL_])) {
      let t = r0 - W[BL_], br = 0;
      if (t < 0) { t += TWO32; br = 1; }
      r0 = t;
      t = r1 - W[BH_] - br;
      if (t < 0) t += TWO32;
      r1 = t; r2 = 0;
      q |= 1;
    }
  }
  let rs = sa;
  if (ieee && remComplete) {
    // round the quotient to nearest: compare 2r with b
    const t2 = r1 >>> 31, t1 = ((r1 << 1) | (r0 >>> 31)) >>> 0, t0 = (r0 << 1) >>> 0;
    const cmp = t2 !== 0 ? 1 : t1 !== W[BH_] ? (t1 > W[BH_] ? 1 : -1) : t0 !== W[BL_] ? (t0 > W[BL_] ? 1 : -1) : 0;
    if (cmp > 0 || (cmp === 0 && (q & 1) !== 0)) {
      q = (q + 1) & 0xff;
      let t = W[BL_] - r0, br = 0;
      if (t < 0) { t += TWO32; br = 1; }
      r0 = t; r1 = (W[BH_] - r1 - br) >>> 0;
      rs ^= 1;
    }
  }
  remQ = q & 7;
  finishRem(rs, aE - steps, r1, r0, cw);
}

/** Packs remainder magnitude W[M1_]:W[M0_] scaled by 2^(E-63) (exact; may be denormal or zero). */
function finishRem(s: number, E: number, r1: number, r0: number, cw: number): void {
  if ((r1 | r0) === 0) { setZero(s); return; }
  const n = norm96(r1, r0, 0);
  pack80(s, E - n, W[S2_], W[S1_], W[S0_], 64, cw);   // exact: UE only when unmasked (then wrapped)
}

function normalizeInto(se: number, hi: number, lo: number, cw: number): void {
  if (classify(se, hi, lo) !== K_DENORMAL) { F.se = se; F.hi = hi; F.lo = lo; return; }
  unpackA(se, hi, lo);
  pack80(aS, aE, W[AH_], W[AL_], 0, 64, cw);
}

// ---- FSCALE, FXTRACT -----------------------------------------------------------------------------------

/** FSCALE: a * 2^trunc(b). */
export function scale(ase: number, ahi: number, alo: number, bse: number, bhi: number, blo: number, cw: number): void {
  const ka = classify(ase, ahi, alo), kb = classify(bse, bhi, blo);
  if (ka >= K_QNAN || kb >= K_QNAN) { nan2(ase, ahi, alo, ka, bse, bhi, blo, kb); return; }
  if (ka === K_DENORMAL || kb === K_DENORMAL) F.exc |= DE;
  const sa = ase >>> 15, sb = bse >>> 15;
  if (kb === K_INF) {
    if (sb === 0) {
      if (ka === K_ZERO) { invalid(); return; }
      setInf(sa); return;
    }
    if (ka === K_INF) { invalid(); return; }
    setZero(sa); return;
  }
  if (ka === K_ZERO || ka === K_INF) { F.se = ase; F.hi = ahi; F.lo = alo; return; }
  // n = trunc(b), clamped (anything beyond +-2^20 over/underflows anyway)
  let n = 0;
  if (kb !== K_ZERO) {
    unpackB(bse, bhi, blo);
    if (bE >= 20) n = 1 << 20;
    else if (bE >= 0) n = W[BH_] >>> (31 - bE);
    n = sb ? -n : n;
  }
  unpackA(ase, ahi, alo);
  pack80(sa, aE + n, W[AH_], W[AL_], 0, 64, cw);
}

/** FXTRACT: F = significand (exponent 0), and the exponent as a value in xE_* */
export let xtSE = 0, xtHI = 0, xtLO = 0;
export function xtract(se: number, hi: number, lo: number): void {
  const k = classify(se, hi, lo);
  if (k >= K_QNAN) { nan1(se, hi, lo, k); xtSE = F.se; xtHI = F.hi; xtLO = F.lo; return; }
  if (k === K_ZERO) {
    F.exc |= ZE;
    xtSE = 0xffff; xtHI = 0x80000000; xtLO = 0;     // -inf
    F.se = se; F.hi = 0; F.lo = 0; return;
  }
  if (k === K_INF) { xtSE = 0x7fff; xtHI = 0x80000000; xtLO = 0; F.se = se; F.hi = hi; F.lo = lo; return; }
  if (k === K_DENORMAL) F.exc |= DE;
  unpackA(se, hi, lo);
  const e = aE, s = aS, h = W[AH_], l = W[AL_];
  fromInt(e, e < 0 ? -1 : 0, 4);
  xtSE = F.se; xtHI = F.hi; xtLO = F.lo;
  F.se = (s << 15) | BIAS; F.hi = h; F.lo = l;
}

// ---- doubles (transcendental approximations and test helpers) -----------------------------------------


/** Nearest double to an 80-bit value (NaN payloads truncated). */
export function toDouble(se: number, hi: number, lo: number): number {
  const k = classify(se, hi, lo);
  const s = se >>> 15;
  switch (k) {
    case K_ZERO: return s ? -0 : 0;
    case K_INF: return s ? -Infinity : Infinity;
    case K_QNAN: case K_SNAN: case K_UNSUPPORTED: return NaN;
  }
  unpackA(se, hi, lo);
  const savedExc = F.exc, savedUp = F.up;
  core(s, aE, W[AH_], W[AL_], 0, 53, -1022, 1023, 1536, 0x037f);
  F.exc = savedExc; F.up = savedUp;
  if (kInf) return s ? -Infinity : Infinity;
  const e = (W[KH_] & 0x80000000) !== 0 ? kE + 1023 : 0;
  cvt.setUint32(4, ((s << 31) | (e << 20) | ((W[KH_] >>> 11) & 0xfffff)) >>> 0, true);
  cvt.setUint32(0, ((W[KH_] << 21) | (W[KL_] >>> 11)) >>> 0, true);
  return cvt.getFloat64(0, true);
}

/** Exact 80-bit image of a double, into F (no flags). */
export function fromDouble(d: number): void {
  cvt.setFloat64(0, d, true);
  const exc = F.exc;
  fromF64(cvt.getUint32(0, true), cvt.getUint32(4, true));
  F.exc = exc;
}

/** Packs an exact normalized value (-1)^s * (w2:w1:w0) * 2^(E-95) into F, rounded by cw at p. */
export function packRounded(s: number, E: number, w2: number, w1: number, w0: number, p: number, cw: number): void {
  if ((w2 | w1 | w0) === 0) { setZero(s); return; }
  const n = norm96(w2 >>> 0, w1 >>> 0, w0 >>> 0);
  pack80(s, E - n, W[S2_], W[S1_], W[S0_], p, cw);
}
