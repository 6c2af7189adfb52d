// SSE4.2: the packed string compares PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM (every imm8 mode:
// byte/word, signed/unsigned, equal-any/ranges/equal-each/equal-ordered, the four polarities,
// least/most significant index, bit/element mask) and CRC32 (CRC-32C, no pre/post inversion).
// The memory operand of the string compares has no alignment requirement.

import type { Cpu } from '../cpu.js';
import type { Insn, Handler } from '../insn.js';
import { getFlags, setFlags, ARITH, CF, ZF, SF, OF } from '../flags.js';
import { RAX, RCX, RDX } from '../state.js';
import { xb, U8, I8, U16, I16, I32, srcX, sdef } from './sse-common.js';

// element arrays of the two operands (no allocation per instruction)
const EA = new Int32Array(16), EB = new Int32Array(16);

function load(off: number, words: boolean, signed: boolean, out: Int32Array): void {
  if (words) { const h = off >>> 1; for (let k = 0; k < 8; k++) out[k] = signed ? I16[h + k] : U16[h + k]; }
  else for (let k = 0; k < 16; k++) out[k] = signed ? I8[off + k] : U8[off + k];
}

function implicitLen(e: Int32Array, n: number): number {
  for (let k = 0; k < n; k++) if (e[k] === 0) return k;
  return n;
}

/** |reg| saturated to n (RAX/RDX as 64-bit with REX.W, else EAX/EDX). */
function explicitLen(c: Cpu, r: number, n: number, w64: boolean): number {
  const lo = c.r[2 * r], hi = c.r[2 * r + 1];
  if (!w64) { const a = lo < 0 ? -lo : lo; return a < n ? a : n; }
  if (hi === 0 && lo >= 0 && lo < n) return lo;
  if (hi === -1 && lo < 0 && lo > -n) return -lo;
  return n;
}

/** 16-bit mask of the bytes equal between 16-byte blocks at pool offsets a and b (SWAR). */
function eqMask(a: number, b: number): number {
  const p = a >>> 2, q = b >>> 2;
  let m = 0;
  for (let k = 3; k >= 0; k--) {
    const t = I32[p + k] ^ I32[q + k];
    const z = ~(((t & 0x7f7f7f7f) + 0x7f7f7f7f) | t) & (0x80808080 | 0);
    m = (m << 4) | ((z >>> 7) & 1) | ((z >>> 14) & 2) | ((z >>> 21) & 4) | ((z >>> 28) & 8);
  }
  return m;
}
/** 16-bit mask of the bytes of the block at pool offset a equal to byte v. */
function byteMask(a: number, v: number): number {
  const p = a >>> 2, w = Math.imul(v, 0x01010101);
  let m = 0;
  for (let k = 3; k >= 0; k--) {
    const t = I32[p + k] ^ w;
    const z = ~(((t & 0x7f7f7f7f) + 0x7f7f7f7f) | t) & (0x80808080 | 0);
    m = (m << 4) | ((z >>> 7) & 1) | ((z >>> 14) & 2) | ((z >>> 21) & 4) | ((z >>> 28) & 8);
  }
  return m;
}
function firstZero(a: number): number {
  const z = byteMask(a, 0);
  return z === 0 ? 16 : 31 - Math.clz32(z & -z);
}

/** Runs the comparison; returns IntRes2 and sets the flags. */
function compare(c: Cpu, i: Insn, explicit: boolean): number {
  const x = xb(c), m = i.imm;
  const words = (m & 1) !== 0, signed = (m & 2) !== 0, n = words ? 8 : 16;
  const b = srcX(c, i, x, false), a = x + 16 * i.reg;
  let la: number, lb: number;
  let r = 0;
  const agg = (m >> 2) & 3;
  if (!words && (agg === 0 || agg === 2)) {              // byte equal-any / equal-each: SWAR
    if (explicit) { const w = (i.rex & 8) !== 0; la = explicitLen(c, RAX, 16, w); lb = explicitLen(c, RDX, 16, w); }
    else { la = firstZero(a); lb = firstZero(b); }
    const va = (1 << la) - 1, vb = (1 << lb) - 1;
    if (agg === 2) r = (eqMask(a, b) & va & vb) | (~va & ~vb & 0xffff);
    else for (let k = 0; k < la; k++) r |= byteMask(b, U8[a + k]) & vb;
    return finish(c, m, r, la, lb, n);
  }
  load(a, words, signed, EA);
  load(b, words, signed, EB);
  if (explicit) { const w = (i.rex & 8) !== 0; la = explicitLen(c, RAX, n, w); lb = explicitLen(c, RDX, n, w); }
  else { la = implicitLen(EA, n); lb = implicitLen(EB, n); }
  switch (agg) {
    case 0:                                            // equal any
      for (let j = 0; j < lb; j++) {
        const v = EB[j];
        for (let k = 0; k < la; k++) if (EA[k] === v) { r |= 1 << j; break; }
      }
      break;
    case 1:                                            // ranges
      for (let j = 0; j < lb; j++) {
        const v = EB[j];
        for (let k = 0; k + 1 < la; k += 2) if (v >= EA[k] && v <= EA[k + 1]) { r |= 1 << j; break; }
      }
      break;
    case 2:                                            // equal each
      for (let j = 0; j < n; j++) {
        const av = j < la, bv = j < lb;
        if (av ? bv && EA[j] === EB[j] : !bv) r |= 1 << j;
      }
      break;
    default:                                           // equal ordered
      for (let j = 0; j < n; j++) {
        let ok = true;
        for (let k = 0; k < n - j; k++) {
          if (k >= la) break;
          if (j + k >= lb || EA[k] !== EB[j + k]) { ok = false; break; }
        }
        if (ok) r |= 1 << j;
      }
  }
  return finish(c, m, r, la, lb, n);
}

/** Applies the polarity to IntRes1 and sets the flags; returns IntRes2. */
function finish(c: Cpu, m: number, r: number, la: number, lb: number, n: number): number {
  const all = (1 << n) - 1;
  switch ((m >> 4) & 3) {
    case 1: r = ~r & all; break;
    case 3: r ^= (1 << lb) - 1; break;
  }
  setFlags(c.f, (getFlags(c.f) & ~ARITH) | (r !== 0 ? CF : 0) | (lb < n ? ZF : 0) | (la < n ? SF : 0) | (r & 1 ? OF : 0));
  return r;
}

function index(explicit: boolean): Handler {
  return (c, i) => {
    const r = compare(c, i, explicit), n = i.imm & 1 ? 8 : 16;
    let idx = n;
    if (r !== 0) idx = i.imm & 0x40 ? 31 - Math.clz32(r) : 31 - Math.clz32(r & -r);
    c.setR(RCX, 4, idx);
  };
}
function mask(explicit: boolean): Handler {
  return (c, i) => {
    const r = compare(c, i, explicit), x = xb(c), k0 = x >>> 2;
    if (i.imm & 0x40) {
      if (i.imm & 1) { const h = x >>> 1; for (let k = 0; k < 8; k++) U16[h + k] = r & (1 << k) ? 0xffff : 0; }
      else for (let k = 0; k < 16; k++) U8[x + k] = r & (1 << k) ? 0xff : 0;
    } else {
      I32[k0] = r; I32[k0 + 1] = 0; I32[k0 + 2] = 0; I32[k0 + 3] = 0;
    }
  };
}
sdef(3, 0x60, { name: 'pcmpestrm', fn: mask(true), modrm: true, imm: 'ub', flags: 'w' }, { mandatory: '66' });
sdef(3, 0x61, { name: 'pcmpestri', fn: index(true), modrm: true, imm: 'ub', flags: 'w' }, { mandatory: '66' });
sdef(3, 0x62, { name: 'pcmpistrm', fn: mask(false), modrm: true, imm: 'ub', flags: 'w' }, { mandatory: '66' });
sdef(3, 0x63, { name: 'pcmpistri', fn: index(false), modrm: true, imm: 'ub', flags: 'w' }, { mandatory: '66' });

// ---- CRC32 (Castagnoli, reflected polynomial 0x82F63B78) --------------------------------------

const CRC = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let v = n;
  for (let k = 0; k < 8; k++) v = v & 1 ? (v >>> 1) ^ 0x82f63b78 : v >>> 1;
  CRC[n] = v;
}
function crcBytes(crc: number, v: number, n: number): number {
  for (let k = 0; k < n; k++) { crc = CRC[(crc ^ v) & 0xff] ^ (crc >>> 8); v >>>= 8; }
  return crc;
}
function crc32(c: Cpu, i: Insn): void {
  const size = i.op === 0xf0 ? 1 : i.osize;
  let crc = c.r[2 * i.reg];
  const lo = c.rdE(i, size);
  if (size === 8) { const hi = c.hi; crc = crcBytes(crcBytes(crc, lo, 4), hi, 4); }
  else crc = crcBytes(crc, lo, size);
  c.setR(i.reg, 4, crc);
}
sdef(2, 0xf0, { name: 'crc32', fn: crc32, modrm: true, size: 'y' }, { mandatory: 'F2' });
sdef(2, 0xf1, { name: 'crc32', fn: crc32, modrm: true }, { mandatory: 'F2' });
