// SSE/SSE2 conversions: integer <-> binary32/binary64 (scalar from/to general registers and
// packed), binary32 <-> binary64, with MXCSR rounding and exceptions. The MMX forms (cvtpi2ps,
// cvtps2pi, ...) are in mmx.ts.

import type { Cpu } from '../cpu.js';
import type { Insn, Handler } from '../insn.js';
import type { Mandatory } from '../table.js';
import { xb, I32, T1, srcX, srcX32, srcX64, cp16, mxcsr, fpCommit, sdef } from './sse-common.js';
import {
  fpMode, fl, RC, HI, OLO, OHI, i64to32, i64to64, i32to32, toInt32, toInt64, intIn32, intIn64,
  cvt32to64, cvt64to32, isNaN32, isNaN64, put64,
} from './sse-fp.js';

function reg(op: number, m: Mandatory, name: string, fn: Handler, size?: 'y'): void {
  sdef(1, op, size ? { name, fn, modrm: true, size } : { name, fn, modrm: true }, { mandatory: m });
}

// ---- integer -> float (scalar, from r/m32 or r/m64) ------------------------------------------

function cvtsi2ss(c: Cpu, i: Insn): void {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2;
  let r: number;
  if (i.osize === 8) {
    const lo = c.rdE(i, 8), hi = c.hi;
    fpMode(mxcsr(c));
    r = i64to32(lo, hi);
  } else {
    const v = c.rdE(i, 4);
    fpMode(mxcsr(c));
    r = i32to32(v);
  }
  fpCommit(c, i, fl);
  I32[d] = r;
}
function cvtsi2sd(c: Cpu, i: Insn): void {
  const x = xb(c), d = x + 16 * i.reg;
  if (i.osize === 8) {
    const lo = c.rdE(i, 8), hi = c.hi;
    fpMode(mxcsr(c));
    const r = i64to64(lo, hi);
    fpCommit(c, i, fl);
    put64(d >>> 3, r);
  } else {
    put64(d >>> 3, c.rdE(i, 4));
  }
}
reg(0x2a, 'F3', 'cvtsi2ss', cvtsi2ss, 'y');
reg(0x2a, 'F2', 'cvtsi2sd', cvtsi2sd, 'y');

// ---- float -> integer (scalar, to r32 or r64) ------------------------------------------------

function ss2si(trunc: boolean): Handler {
  return (c, i) => {
    const x = xb(c), s = srcX32(c, i, x), a = I32[s >>> 2];
    fpMode(mxcsr(c));
    const rc = trunc ? 3 : RC, v = intIn32(a), nan = isNaN32(a);
    if (i.osize === 8) {
      const lo = toInt64(v, nan, rc), hi = HI;
      fpCommit(c, i, fl);
      c.setR(i.reg, 8, lo, hi);
    } else {
      const r = toInt32(v, nan, rc);
      fpCommit(c, i, fl);
      c.setR(i.reg, 4, r);
    }
  };
}
function sd2si(trunc: boolean): Handler {
  return (c, i) => {
    const x = xb(c), s = srcX64(c, i, x) >>> 2, lo0 = I32[s], hi0 = I32[s + 1];
    fpMode(mxcsr(c));
    const rc = trunc ? 3 : RC, v = intIn64(lo0, hi0), nan = isNaN64(lo0, hi0);
    if (i.osize === 8) {
      const lo = toInt64(v, nan, rc), hi = HI;
      fpCommit(c, i, fl);
      c.setR(i.reg, 8, lo, hi);
    } else {
      const r = toInt32(v, nan, rc);
      fpCommit(c, i, fl);
      c.setR(i.reg, 4, r);
    }
  };
}
reg(0x2c, 'F3', 'cvttss2si', ss2si(true), 'y');
reg(0x2c, 'F2', 'cvttsd2si', sd2si(true), 'y');
reg(0x2d, 'F3', 'cvtss2si', ss2si(false), 'y');
reg(0x2d, 'F2', 'cvtsd2si', sd2si(false), 'y');

// ---- binary32 <-> binary64 -------------------------------------------------------------------

function cvtps2pd(c: Cpu, i: Insn): void {
  const x = xb(c), d = x + 16 * i.reg, s = srcX64(c, i, x) >>> 2, t = T1 >>> 2;
  fpMode(mxcsr(c));
  const a0 = I32[s], a1 = I32[s + 1];
  cvt32to64(a0); I32[t] = OLO; I32[t + 1] = OHI;
  cvt32to64(a1); I32[t + 2] = OLO; I32[t + 3] = OHI;
  fpCommit(c, i, fl);
  cp16(T1, d);
}
function cvtpd2ps(c: Cpu, i: Insn): void {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2, s = srcX(c, i, x, true) >>> 2;
  fpMode(mxcsr(c));
  const r0 = cvt64to32(I32[s], I32[s + 1]), r1 = cvt64to32(I32[s + 2], I32[s + 3]);
  fpCommit(c, i, fl);
  I32[d] = r0; I32[d + 1] = r1; I32[d + 2] = 0; I32[d + 3] = 0;
}
function cvtss2sd(c: Cpu, i: Insn): void {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2, s = srcX32(c, i, x) >>> 2;
  fpMode(mxcsr(c));
  cvt32to64(I32[s]);
  fpCommit(c, i, fl);
  I32[d] = OLO; I32[d + 1] = OHI;
}
function cvtsd2ss(c: Cpu, i: Insn): void {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2, s = srcX64(c, i, x) >>> 2;
  fpMode(mxcsr(c));
  const r = cvt64to32(I32[s], I32[s + 1]);
  fpCommit(c, i, fl);
  I32[d] = r;
}
reg(0x5a, 'none', 'cvtps2pd', cvtps2pd);
reg(0x5a, '66', 'cvtpd2ps', cvtpd2ps);
reg(0x5a, 'F3', 'cvtss2sd', cvtss2sd);
reg(0x5a, 'F2', 'cvtsd2ss', cvtsd2ss);

// ---- packed int32 <-> float ------------------------------------------------------------------

function cvtdq2ps(c: Cpu, i: Insn): void {
  const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true) >>> 2, t = T1 >>> 2;
  fpMode(mxcsr(c));
  for (let k = 0; k < 4; k++) I32[t + k] = i32to32(I32[s + k]);
  fpCommit(c, i, fl);
  cp16(T1, d);
}
function ps2dq(trunc: boolean): Handler {
  return (c, i) => {
    const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true) >>> 2, t = T1 >>> 2;
    fpMode(mxcsr(c));
    const rc = trunc ? 3 : RC;
    for (let k = 0; k < 4; k++) { const a = I32[s + k]; I32[t + k] = toInt32(intIn32(a), isNaN32(a), rc); }
    fpCommit(c, i, fl);
    cp16(T1, d);
  };
}
function cvtdq2pd(c: Cpu, i: Insn): void {
  const x = xb(c), d = x + 16 * i.reg, s = srcX64(c, i, x) >>> 2;
  const a0 = I32[s], a1 = I32[s + 1];
  put64(d >>> 3, a0); put64((d >>> 3) + 1, a1);
}
function pd2dq(trunc: boolean): Handler {
  return (c, i) => {
    const x = xb(c), d = (x + 16 * i.reg) >>> 2, s = srcX(c, i, x, true) >>> 2;
    fpMode(mxcsr(c));
    const rc = trunc ? 3 : RC;
    const r0 = toInt32(intIn64(I32[s], I32[s + 1]), isNaN64(I32[s], I32[s + 1]), rc);
    const r1 = toInt32(intIn64(I32[s + 2], I32[s + 3]), isNaN64(I32[s + 2], I32[s + 3]), rc);
    fpCommit(c, i, fl);
    I32[d] = r0; I32[d + 1] = r1; I32[d + 2] = 0; I32[d + 3] = 0;
  };
}
reg(0x5b, 'none', 'cvtdq2ps', cvtdq2ps);
reg(0x5b, '66', 'cvtps2dq', ps2dq(false));
reg(0x5b, 'F3', 'cvttps2dq', ps2dq(true));
reg(0xe6, '66', 'cvttpd2dq', pd2dq(true));
reg(0xe6, 'F3', 'cvtdq2pd', cvtdq2pd);
reg(0xe6, 'F2', 'cvtpd2dq', pd2dq(false));
