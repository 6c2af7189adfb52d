// MUL, IMUL (one, two and three operands), DIV, IDIV at every size, exact without BigInt.
// SF/ZF/AF/PF after a multiply are architecturally undefined; we compute them from the low
// result as current Intel cores do, and the CPU test suite masks them.

import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { def } from '../table.js';
import { setResult } from '../flags.js';
import { RAX, RDX } from '../state.js';
import { raiseDE } from '../fault.js';
import { mulu32, mulu64, divu128, neg64, sext, TWO32 } from './arith.js';
import * as A from './arith.js';

const W = new Int32Array(4), Q = new Int32Array(4), R = new Int32Array(2);

/** Signed 64x64 -> 128 into W. */
function muls64(alo: number, ahi: number, blo: number, bhi: number): void {
  mulu64(alo, ahi, blo, bhi, W);
  // signed correction of the high half: subtract b<<64 if a<0, a<<64 if b<0
  if (ahi < 0) sub64at2(blo, bhi);
  if (bhi < 0) sub64at2(alo, ahi);
}
function sub64at2(lo: number, hi: number): void {
  const s = (W[2] >>> 0) - (lo >>> 0);
  W[2] = s | 0;
  W[3] = (W[3] - hi - (s < 0 ? 1 : 0)) | 0;
}

// ---- one-operand MUL / IMUL ------------------------------------------------------------------------

function mul1(c: Cpu, i: Insn): void {
  const s = i.osize, signed = i.ext === 1;
  const x = c.rdE(i, s), xh = c.hi;
  const r = c.r;
  if (s === 1) {
    const p = signed ? sext(r[0], 1) * sext(x, 1) : (r[0] & 0xff) * (x & 0xff);
    c.setR(RAX, 2, p);
    const over = signed ? p !== sext(p, 1) : (p & 0xff00) !== 0;
    setResult(c.f, 1, p, 0, over ? 1 : 0, over ? 1 : 0);
  } else if (s === 2) {
    const p = signed ? sext(r[0], 2) * sext(x, 2) : (r[0] & 0xffff) * (x & 0xffff);
    c.setR(RAX, 2, p);
    c.setR(RDX, 2, p >> 16);
    const over = signed ? p !== sext(p, 2) : (p >>> 16) !== 0;
    setResult(c.f, 2, p, 0, over ? 1 : 0, over ? 1 : 0);
  } else if (s === 4) {
    const a = r[0];
    let lo = mulu32(a, x), hi = A.mulHi;
    if (signed) { if (a < 0) hi = (hi - x) | 0; if (x < 0) hi = (hi - a) | 0; }
    c.setR(RAX, 4, lo);
    c.setR(RDX, 4, hi);
    const over = signed ? hi !== (lo >> 31) : hi !== 0;
    setResult(c.f, 4, lo, 0, over ? 1 : 0, over ? 1 : 0);
  } else {
    if (signed) muls64(r[0], r[1], x, xh); else mulu64(r[0], r[1], x, xh, W);
    c.setR(RAX, 8, W[0], W[1]);
    c.setR(RDX, 8, W[2], W[3]);
    const ext = W[1] >> 31;
    const over = signed ? (W[2] !== ext || W[3] !== ext) : (W[2] | W[3]) !== 0;
    setResult(c.f, 8, W[0], W[1], over ? 1 : 0, over ? 1 : 0);
  }
}
def(0, 0xf6, { name: 'mul', fn: mul1, size: 'b', ext: 0 }, { reg: 4 });
def(0, 0xf7, { name: 'mul', fn: mul1, ext: 0 }, { reg: 4 });
def(0, 0xf6, { name: 'imul', fn: mul1, size: 'b', ext: 1 }, { reg: 5 });
def(0, 0xf7, { name: 'imul', fn: mul1, ext: 1 }, { reg: 5 });

// ---- two- and three-operand IMUL (truncated result) --------------------------------------------------

function imulTrunc(c: Cpu, i: Insn, x: number, xh: number, y: number, yh: number): void {
  const s = i.osize;
  let lo: number, hi = 0, over: boolean;
  if (s === 2) {
    const p = sext(x, 2) * sext(y, 2);
    lo = p; over = p !== sext(p, 2);
  } else if (s === 4) {
    lo = Math.imul(x, y);
    over = (x | 0) * (y | 0) !== lo;                 // the double product is exact whenever it fits
  } else if (i.flagsDead) {
    // only the low 64 bits are wanted: (xh:x)*(yh:y) mod 2^64
    lo = mulu32(x, y);
    hi = (A.mulHi + Math.imul(x, yh) + Math.imul(xh, y)) | 0;
    c.wrG(i, lo, hi);
    return;
  } else {
    muls64(x, xh, y, yh);
    lo = W[0]; hi = W[1];
    const ext = W[1] >> 31;
    over = W[2] !== ext || W[3] !== ext;
  }
  setResult(c.f, s, lo, hi, over ? 1 : 0, over ? 1 : 0);
  c.wrG(i, lo, hi);
}
function imulGE(c: Cpu, i: Insn): void {
  const y = c.rdE(i), yh = c.hi;
  const x = c.rdG(i), xh = c.hi;
  imulTrunc(c, i, x, xh, y, yh);
}
function imulGEI(c: Cpu, i: Insn): void {
  const x = c.rdE(i), xh = c.hi;
  imulTrunc(c, i, x, xh, i.imm, i.immHi);
}
def(1, 0xaf, { flags: 'w', name: 'imul', fn: imulGE, modrm: true });
def(0, 0x69, { flags: 'w', name: 'imul', fn: imulGEI, modrm: true, imm: 'z' });
def(0, 0x6b, { flags: 'w', name: 'imul', fn: imulGEI, modrm: true, imm: 'b' });

// ---- DIV / IDIV -----------------------------------------------------------------------------------------

function div(c: Cpu, i: Insn): void {
  const s = i.osize, signed = i.ext === 1;
  const d = c.rdE(i, s), dh = c.hi;
  const r = c.r;
  if (s === 1 || s === 2) {
    const bits = s * 8;
    const n = s === 1 ? (signed ? sext(r[0], 2) : r[0] & 0xffff)
      : (signed ? ((r[4] << 16) | (r[0] & 0xffff)) : (r[4] & 0xffff) * 65536 + (r[0] & 0xffff));
    const dv = signed ? sext(d, s) : d & ((1 << bits) - 1);
    if (dv === 0) raiseDE(i);
    const q = Math.trunc(n / dv), m = n - q * dv;
    if (signed ? (q < -(2 ** (bits - 1)) || q >= 2 ** (bits - 1)) : q >= 2 ** bits) raiseDE(i);
    if (s === 1) c.setR(RAX, 2, (q & 0xff) | ((m & 0xff) << 8));
    else { c.setR(RAX, 2, q); c.setR(RDX, 2, m); }
    return;
  }
  // 32 and 64 bits: a 2s-wide dividend in EDX:EAX / RDX:RAX
  let n0: number, n1: number, n2: number, n3: number, dlo: number, dhi: number;
  if (s === 4) { n0 = r[0]; n1 = r[4]; n2 = n1 >> 31; n3 = n2; dlo = d; dhi = d >> 31; }
  else { n0 = r[0]; n1 = r[1]; n2 = r[4]; n3 = r[5]; dlo = d; dhi = dh; }
  if (!signed) { if (s === 4) { n2 = 0; n3 = 0; dhi = 0; } }
  if ((dlo | (s === 8 ? dhi : 0)) === 0) raiseDE(i);
  let negQ = false, negR = false;
  if (signed) {
    if (n3 < 0) {                                            // negate the 128-bit dividend
      negQ = true; negR = true;
      const w = [~n0, ~n1, ~n2, ~n3];
      let carry = 1;
      for (let k = 0; k < 4 && carry; k++) { const t = (w[k] >>> 0) + carry; w[k] = t | 0; carry = t >= TWO32 ? 1 : 0; }
      [n0, n1, n2, n3] = w;
    }
    if (dhi < 0) { negQ = !negQ; dlo = neg64(dlo, dhi); dhi = A.negHi; }
  }
  W[0] = n0; W[1] = n1; W[2] = n2; W[3] = n3;
  divu128(W, dlo, dhi, Q, R);
  // overflow: the quotient must fit the destination
  if (s === 4) {
    if (Q[1] !== 0 || Q[2] !== 0 || Q[3] !== 0) raiseDE(i);
    let q = Q[0], m = R[0];
    if (signed) {
      if (negQ ? (Q[0] >>> 0) > 0x80000000 : (Q[0] >>> 0) > 0x7fffffff) raiseDE(i);
      if (negQ) q = -q | 0;
      if (negR) m = -m | 0;
    }
    c.setR(RAX, 4, q); c.setR(RDX, 4, m);
  } else {
    if (Q[2] !== 0 || Q[3] !== 0) raiseDE(i);
    let q = Q[0], qh = Q[1], m = R[0], mh = R[1];
    if (signed) {
      const mag = (Q[1] >>> 0);
      if (negQ ? (mag > 0x80000000 || (mag === 0x80000000 && Q[0] !== 0)) : mag > 0x7fffffff) raiseDE(i);
      if (negQ) { q = neg64(q, qh); qh = A.negHi; }
      if (negR) { m = neg64(m, mh); mh = A.negHi; }
    }
    c.setR(RAX, 8, q, qh); c.setR(RDX, 8, m, mh);
  }
}
def(0, 0xf6, { name: 'div', fn: div, size: 'b', ext: 0 }, { reg: 6 });
def(0, 0xf7, { name: 'div', fn: div, ext: 0 }, { reg: 6 });
def(0, 0xf6, { name: 'idiv', fn: div, size: 'b', ext: 1 }, { reg: 7 });
def(0, 0xf7, { name: 'idiv', fn: div, ext: 1 }, { reg: 7 });
