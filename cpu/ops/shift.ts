// Shifts and rotates (group 2: ROL ROR RCL RCR SHL SHR SAL SAR) and the double shifts SHLD/SHRD.
// Flags follow the SDM; where it calls OF "undefined" for counts > 1 we compute it as for a count
// of 1, and the CPU test suite masks it.

import type { Cpu } from '../cpu.js';
import type { Insn, Handler } from '../insn.js';
import { def } from '../table.js';
import { inlineHandler, registerInlineHelpers } from '../threaded.js';
import { getFlags, setFlags, setResult, CF, OF } from '../flags.js';
import { RCX } from '../state.js';

/** Bit n (0..63) of the 64-bit (lo, hi). */
function bit64(lo: number, hi: number, n: number): number {
  return n < 32 ? (lo >>> n) & 1 : (hi >>> (n - 32)) & 1;
}

let outHi = 0;
function shl64(lo: number, hi: number, n: number): number {
  if (n === 0) { outHi = hi; return lo; }
  if (n < 32) { outHi = (hi << n) | (lo >>> (32 - n)); return lo << n; }
  outHi = n === 64 ? 0 : lo << (n - 32); return 0;
}
function shr64(lo: number, hi: number, n: number): number {
  if (n === 0) { outHi = hi; return lo; }
  if (n < 32) { outHi = hi >>> n; return (lo >>> n) | (hi << (32 - n)); }
  outHi = 0; return n === 64 ? 0 : hi >>> (n - 32);
}
function sar64(lo: number, hi: number, n: number): number {
  if (n === 0) { outHi = hi; return lo; }
  if (n < 32) { outHi = hi >> n; return (lo >>> n) | (hi << (32 - n)); }
  outHi = hi >> 31; return hi >> (n - 32);
}

/** Zero-extended value at size < 8 */
function z(v: number, s: number): number { return s === 1 ? v & 0xff : s === 2 ? v & 0xffff : v >>> 0; }

/** A shift by a masked count of 0 changes nothing, but a 32-bit register destination is still
 *  written, which zero-extends it (as any 32-bit write in long mode), and a memory operand is
 *  still accessed for writing: it faults where it is not writable (measured). */
function zeroExtendNop(c: Cpu, i: Insn): void {
  if (i.mod !== 3) c.mem.probeWrite(c.ea(i), i.osize);
  else if (i.osize === 4) c.setR(i.rm, 4, c.r[2 * i.rm]);
}

function shiftOp(c: Cpu, i: Insn, count: number): void {
  const s = i.osize, bits = s * 8;
  count &= s === 8 ? 63 : 31;
  if (count === 0) { zeroExtendNop(c, i); return; }
  const a = i.mod === 3 ? 0 : c.ea(i);
  const x = c.rdRmw(i, a, s), xh = c.hi;
  const op = i.ext;
  let r = 0, rh = 0, cf = 0, of = 0;
  if (op === 4 || op === 6) {                                   // SHL/SAL
    if (s === 8) { r = shl64(x, xh, count); rh = outHi; cf = bit64(x, xh, 64 - count); of = (rh >>> 31) ^ cf; }
    else {
      const v = z(x, s);
      r = count < 32 ? v << count : 0;
      cf = count <= bits ? (bits - count < 32 ? (v >>> (bits - count)) & 1 : 0) : 0;
      of = ((r >>> (bits - 1)) & 1) ^ cf;
    }
    if (!i.flagsDead) setResult(c.f, s, r, rh, cf, of);
  } else if (op === 5) {                                        // SHR
    if (s === 8) { r = shr64(x, xh, count); rh = outHi; cf = bit64(x, xh, count - 1); of = xh >>> 31; }
    else {
      const v = z(x, s);
      r = count < 32 ? v >>> count : 0;
      cf = count - 1 < 32 ? (v >>> (count - 1)) & 1 : 0;
      of = (v >>> (bits - 1)) & 1;
    }
    if (!i.flagsDead) setResult(c.f, s, r, rh, cf, of);
  } else if (op === 7) {                                        // SAR
    if (s === 8) { r = sar64(x, xh, count); rh = outHi; cf = bit64(x, xh, count - 1); }
    else {
      const v = s === 1 ? (x << 24) >> 24 : s === 2 ? (x << 16) >> 16 : x | 0;
      r = v >> Math.min(count, 31);
      cf = (v >> Math.min(count - 1, 31)) & 1;
    }
    of = 0;
    if (!i.flagsDead) setResult(c.f, s, r, rh, cf, of);
  } else {
    rotate(c, i, op, x, xh, count);
    r = rotLo; rh = c.hi;
  }
  c.wrAt(i, a, r, rh, s);
}

let rotLo = 0;

function rotate(c: Cpu, i: Insn, op: number, x: number, xh: number, count: number): void {
  const s = i.osize, bits = s * 8;
  let cfIn = op >= 2 ? getFlags(c.f) & CF : 0;
  let lo = 0, hi = 0, cf = 0, of = 0;
  if (op === 0 || op === 1) {                                   // ROL / ROR (count mod width)
    const n = count % bits;
    if (s === 8) {
      if (op === 0) { const a = shl64(x, xh, n), ah = outHi, b = shr64(x, xh, (64 - n) % 64), bh = outHi; lo = n ? a | b : x; hi = n ? ah | bh : xh; }
      else { const a = shr64(x, xh, n), ah = outHi, b = shl64(x, xh, (64 - n) % 64), bh = outHi; lo = n ? a | b : x; hi = n ? ah | bh : xh; }
    } else {
      const v = z(x, s);
      lo = n ? (op === 0 ? (v << n) | (v >>> (bits - n)) : (v >>> n) | (v << (bits - n))) : v;
      lo = z(lo, s) | 0;
    }
    const msb = s === 8 ? hi >>> 31 : (lo >>> (bits - 1)) & 1;
    if (op === 0) { cf = lo & 1; of = msb ^ cf; }
    else { cf = msb; const msb2 = s === 8 ? (hi >>> 30) & 1 : (lo >>> (bits - 2)) & 1; of = msb ^ msb2; }
  } else {                                                      // RCL / RCR through CF
    const n = s === 1 ? count % 9 : s === 2 ? count % 17 : count;
    lo = x; hi = xh;
    for (let k = 0; k < n; k++) {
      if (op === 2) {
        const out = s === 8 ? hi >>> 31 : (lo >>> (bits - 1)) & 1;
        if (s === 8) { hi = (hi << 1) | (lo >>> 31); lo = (lo << 1) | cfIn; }
        else lo = ((lo << 1) | cfIn) & (s === 4 ? -1 : (1 << bits) - 1);
        cfIn = out;
      } else {
        const out = lo & 1;
        if (s === 8) { lo = (lo >>> 1) | (hi << 31); hi = (hi >>> 1) | (cfIn << 31); }
        else lo = (z(lo, s) >>> 1) | (cfIn << (bits - 1));
        cfIn = out;
      }
    }
    if (s !== 8) lo |= 0;
    cf = cfIn;
    const msb = s === 8 ? hi >>> 31 : (lo >>> (bits - 1)) & 1;
    if (op === 2) of = msb ^ cf;
    else { const msb2 = s === 8 ? (hi >>> 30) & 1 : (lo >>> (bits - 2)) & 1; of = msb ^ msb2; }
    if (n === 0) { rotLo = x; c.hi = xh; return; }
  }
  if (!i.flagsDead) setFlags(c.f, (getFlags(c.f) & ~(CF | OF)) | cf | (of << 11));
  rotLo = lo;
  c.hi = hi;
}

function grp2Imm(c: Cpu, i: Insn): void { shiftOp(c, i, i.imm); }
function grp2One(c: Cpu, i: Insn): void { shiftOp(c, i, 1); }
function grp2Cl(c: Cpu, i: Insn): void { shiftOp(c, i, c.r[2 * RCX] & 0xff); }

// 32-bit register forms by a constant: the bulk of shifts and rotates in compiled code.
function immCount(i: Insn): number { return (i.op === 0xd0 || i.op === 0xd1 ? 1 : i.imm) & (i.osize === 8 ? 63 : 31); }
// The count is left in i.imm2 by specShiftImm (1 for the D0/D1 forms).
registerInlineHelpers({ getFlags, setFlags, setResult });
const rol32r = inlineHandler(`const r = c.r, n = i.imm2, x = r[2 * i.rm];
  const v = (x << n) | (x >>> (32 - n));
  r[2 * i.rm] = v; r[2 * i.rm + 1] = 0;
  if (!i.flagsDead) { const cf = v & 1; H.setFlags(c.f, (H.getFlags(c.f) & ~0x801) | cf | (((v >>> 31) ^ cf) << 11)); }`);
const ror32r = inlineHandler(`const r = c.r, n = i.imm2, x = r[2 * i.rm];
  const v = (x >>> n) | (x << (32 - n));
  r[2 * i.rm] = v; r[2 * i.rm + 1] = 0;
  if (!i.flagsDead) { const cf = v >>> 31; H.setFlags(c.f, (H.getFlags(c.f) & ~0x801) | cf | ((cf ^ ((v >>> 30) & 1)) << 11)); }`);
const shl32r = inlineHandler(`const r = c.r, n = i.imm2, x = r[2 * i.rm];
  const v = x << n;
  r[2 * i.rm] = v; r[2 * i.rm + 1] = 0;
  if (!i.flagsDead) { const cf = (x >>> (32 - n)) & 1; H.setResult(c.f, 4, v, 0, cf, (v >>> 31) ^ cf); }`);
const shr32r = inlineHandler(`const r = c.r, n = i.imm2, x = r[2 * i.rm];
  const v = x >>> n;
  r[2 * i.rm] = v; r[2 * i.rm + 1] = 0;
  if (!i.flagsDead) H.setResult(c.f, 4, v, 0, (x >>> (n - 1)) & 1, x >>> 31);`);
const sar32r = inlineHandler(`const r = c.r, n = i.imm2, x = r[2 * i.rm];
  const v = x >> n;
  r[2 * i.rm] = v; r[2 * i.rm + 1] = 0;
  if (!i.flagsDead) H.setResult(c.f, 4, v, 0, (x >> (n - 1)) & 1, 0);`);
const FAST32 = [rol32r, ror32r, undefined, undefined, shl32r, shr32r, shl32r, sar32r];

/** A shift (not rotate) by a non-zero constant writes all six flags: lets the liveness pass see it. */
function specShiftImm(i: Insn): Handler | undefined {
  const count = immCount(i);
  if (count !== 0) i.flagFx = i.ext >= 4 ? 'w' : i.ext <= 1 ? 'r' : '';   // ROL/ROR write only CF and OF
  if (count === 0 || i.osize !== 4 || i.mod !== 3) return undefined;
  i.imm2 = count;
  return FAST32[i.ext];
}

const NAMES = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];
for (let op = 0; op < 8; op++) {
  const name = NAMES[op];
  def(0, 0xc0, { name, fn: grp2Imm, size: 'b', imm: 'ub', ext: op, spec: specShiftImm }, { reg: op });
  def(0, 0xc1, { name, fn: grp2Imm, imm: 'ub', ext: op, spec: specShiftImm }, { reg: op });
  def(0, 0xd0, { name, fn: grp2One, size: 'b', ext: op, spec: specShiftImm }, { reg: op });
  def(0, 0xd1, { name, fn: grp2One, ext: op, spec: specShiftImm }, { reg: op });
  def(0, 0xd2, { name, fn: grp2Cl, size: 'b', ext: op }, { reg: op });
  def(0, 0xd3, { name, fn: grp2Cl, ext: op }, { reg: op });
}

// ---- SHLD / SHRD ---------------------------------------------------------------------------------

function dshift(c: Cpu, i: Insn, count: number): void {
  const s = i.osize, bits = s * 8, left = i.ext === 0;
  count &= s === 8 ? 63 : 31;
  if (count === 0) { zeroExtendNop(c, i); return; }
  const a = i.mod === 3 ? 0 : c.ea(i);
  const x = c.rdRmw(i, a, s), xh = c.hi;
  const y = c.rdG(i, s), yh = c.hi;
  let r: number, rh = 0, cf: number;
  if (s === 8) {
    if (left) {
      r = shl64(x, xh, count); rh = outHi;
      const b = shr64(y, yh, 64 - count); r |= b; rh |= outHi;
      cf = bit64(x, xh, 64 - count);
    } else {
      r = shr64(x, xh, count); rh = outHi;
      const b = shl64(y, yh, 64 - count); r |= b; rh |= outHi;
      cf = bit64(x, xh, count - 1);
    }
  } else if (s === 4) {
    if (left) { r = (x << count) | (y >>> (32 - count)); cf = (x >>> (32 - count)) & 1; }
    else { r = (x >>> count) | (y << (32 - count)); cf = (x >>> (count - 1)) & 1; }
  } else {
    // 16-bit: the dst:src:dst pattern (counts above 16 are undefined; this is what it gives)
    const dst = x & 0xffff, src = y & 0xffff;
    if (left) {
      const w = (dst * 65536 + src) * 65536 + dst;
      r = Math.floor(w / 2 ** (32 - count)) & 0xffff;
      cf = Math.floor(w / 2 ** (48 - count)) & 1;
    } else {
      const w = dst + src * 65536 + dst * 4294967296;
      r = Math.floor(w / 2 ** count) & 0xffff;
      cf = Math.floor(w / 2 ** (count - 1)) & 1;
    }
  }
  const msbOld = s === 8 ? xh >>> 31 : (x >>> (bits - 1)) & 1;
  const msbNew = s === 8 ? rh >>> 31 : (r >>> (bits - 1)) & 1;
  setResult(c.f, s, r, rh, cf, msbOld ^ msbNew);
  c.wrAt(i, a, r, rh, s);
}
function dshiftImm(c: Cpu, i: Insn): void { dshift(c, i, i.imm); }
function dshiftCl(c: Cpu, i: Insn): void { dshift(c, i, c.r[2 * RCX] & 0xff); }
def(1, 0xa4, { name: 'shld', fn: dshiftImm, modrm: true, imm: 'ub', ext: 0 });
def(1, 0xa5, { name: 'shld', fn: dshiftCl, modrm: true, ext: 0 });
def(1, 0xac, { name: 'shrd', fn: dshiftImm, modrm: true, imm: 'ub', ext: 1 });
def(1, 0xad, { name: 'shrd', fn: dshiftCl, modrm: true, ext: 1 });
