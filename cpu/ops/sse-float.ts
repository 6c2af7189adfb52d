// SSE/SSE2/SSE3/SSE4.1 floating-point instructions: arithmetic (ps pd ss sd), min/max, sqrt,
// rcp/rsqrt, logic, compares, comis/ucomis, shuffles and unpacks, addsub, horizontal add/sub,
// dot products, round, blends, insertps/extractps.

import type { Cpu } from '../cpu.js';
import type { Insn, Handler } from '../insn.js';
import type { Mandatory } from '../table.js';
import { getFlags, setFlags, ARITH } from '../flags.js';
import {
  xb, I32, T1, T2, srcX, srcXlo, srcX32, srcX64, cp16, mxcsr, fpCommit, sdef,
} from './sse-common.js';
import {
  fpMode, fl, RC, arith32, arith64, minmax32, minmax64, cmp32, cmp64, comi32, comi64,
  round32int, round64int, ADD, SUB, MUL, DIV, SQRT, QNAN32, isNaN32,
} from './sse-fp.js';
import { RCP_TABLE, RSQRT_TABLE } from './sse-rcp-table.js';

function reg(map: number, op: number, m: Mandatory, name: string, fn: Handler, imm = false, flags: 'w' | 'n' = 'n'): void {
  sdef(map, op, imm ? { name, fn, modrm: true, imm: 'ub', flags } : { name, fn, modrm: true, flags }, { mandatory: m });
}

// ---- arithmetic ------------------------------------------------------------------------------

function ps(op: number): Handler {
  return (c: Cpu, i: Insn) => {
    const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true);
    fpMode(mxcsr(c));
    const dk = d >>> 2, sk = s >>> 2, rk = T1 >>> 2;
    if (op === SQRT) for (let k = 0; k < 4; k++) I32[rk + k] = arith32(SQRT, I32[sk + k], 0);
    else {
      I32[rk] = arith32(op, I32[dk], I32[sk]);
      I32[rk + 1] = arith32(op, I32[dk + 1], I32[sk + 1]);
      I32[rk + 2] = arith32(op, I32[dk + 2], I32[sk + 2]);
      I32[rk + 3] = arith32(op, I32[dk + 3], I32[sk + 3]);
    }
    fpCommit(c, i, fl);
    cp16(T1, d);
  };
}
function ss(op: number): Handler {
  return (c: Cpu, i: Insn) => {
    const x = xb(c), d = x + 16 * i.reg, s = srcX32(c, i, x);
    fpMode(mxcsr(c));
    const r = op === SQRT ? arith32(SQRT, I32[s >>> 2], 0) : arith32(op, I32[d >>> 2], I32[s >>> 2]);
    fpCommit(c, i, fl);
    I32[d >>> 2] = r;
  };
}
function pd(op: number): Handler {
  return (c: Cpu, i: Insn) => {
    const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true);
    fpMode(mxcsr(c));
    const dq = d >>> 3, sq = s >>> 3, rq = T1 >>> 3;
    if (op === SQRT) { arith64(SQRT, sq, 0, rq); arith64(SQRT, sq + 1, 0, rq + 1); }
    else { arith64(op, dq, sq, rq); arith64(op, dq + 1, sq + 1, rq + 1); }
    fpCommit(c, i, fl);
    cp16(T1, d);
  };
}
function sd(op: number): Handler {
  return (c: Cpu, i: Insn) => {
    const x = xb(c), d = x + 16 * i.reg, s = srcX64(c, i, x);
    fpMode(mxcsr(c));
    if (op === SQRT) arith64(SQRT, s >>> 3, 0, T1 >>> 3); else arith64(op, d >>> 3, s >>> 3, T1 >>> 3);
    fpCommit(c, i, fl);
    const dk = d >>> 2, rk = T1 >>> 2;
    I32[dk] = I32[rk]; I32[dk + 1] = I32[rk + 1];
  };
}

const ARITH_OPS: [number, string, number][] = [[0x58, 'add', ADD], [0x59, 'mul', MUL], [0x5c, 'sub', SUB], [0x5e, 'div', DIV], [0x51, 'sqrt', SQRT]];
for (const [op, n, k] of ARITH_OPS) {
  reg(1, op, 'none', n + 'ps', ps(k));
  reg(1, op, '66', n + 'pd', pd(k));
  reg(1, op, 'F3', n + 'ss', ss(k));
  reg(1, op, 'F2', n + 'sd', sd(k));
}

// ---- min / max -------------------------------------------------------------------------------

function mmps(isMax: boolean): Handler {
  return (c, i) => {
    const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true);
    fpMode(mxcsr(c));
    const dk = d >>> 2, sk = s >>> 2, rk = T1 >>> 2;
    for (let k = 0; k < 4; k++) I32[rk + k] = minmax32(isMax, I32[dk + k], I32[sk + k]);
    fpCommit(c, i, fl);
    cp16(T1, d);
  };
}
function mmss(isMax: boolean): Handler {
  return (c, i) => {
    const x = xb(c), d = x + 16 * i.reg, s = srcX32(c, i, x);
    fpMode(mxcsr(c));
    const r = minmax32(isMax, I32[d >>> 2], I32[s >>> 2]);
    fpCommit(c, i, fl);
    I32[d >>> 2] = r;
  };
}
function mmpd(isMax: boolean): Handler {
  return (c, i) => {
    const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true);
    fpMode(mxcsr(c));
    minmax64(isMax, d >>> 3, s >>> 3, T1 >>> 3);
    minmax64(isMax, (d >>> 3) + 1, (s >>> 3) + 1, (T1 >>> 3) + 1);
    fpCommit(c, i, fl);
    cp16(T1, d);
  };
}
function mmsd(isMax: boolean): Handler {
  return (c, i) => {
    const x = xb(c), d = x + 16 * i.reg, s = srcX64(c, i, x);
    fpMode(mxcsr(c));
    minmax64(isMax, d >>> 3, s >>> 3, T1 >>> 3);
    fpCommit(c, i, fl);
    I32[d >>> 2] = I32[T1 >>> 2]; I32[(d >>> 2) + 1] = I32[(T1 >>> 2) + 1];
  };
}
for (const [op, n, mx] of [[0x5d, 'min', false], [0x5f, 'max', true]] as [number, string, boolean][]) {
  reg(1, op, 'none', n + 'ps', mmps(mx));
  reg(1, op, '66', n + 'pd', mmpd(mx));
  reg(1, op, 'F3', n + 'ss', mmss(mx));
  reg(1, op, 'F2', n + 'sd', mmsd(mx));
}

// ---- rcp / rsqrt (table approximations, no exceptions) ---------------------------------------

function unb64(s: string): Uint16Array {
  const bin = atob(s);
  const out = new Uint16Array(bin.length >> 1);
  for (let k = 0; k < out.length; k++) out[k] = bin.charCodeAt(2 * k) | (bin.charCodeAt(2 * k + 1) << 8);
  return out;
}
let rcpT: Uint16Array | null = null, rsqT: Uint16Array | null = null;

export function rcpBits(a: number): number {
  if (isNaN32(a)) return a | 0x400000;
  const e = (a >>> 23) & 0xff, sign = a & 0x80000000;
  if (e === 0) return sign | 0x7f800000;
  if (e === 0xff) return sign;
  const re = 253 - e;
  if (re <= 0) return sign;
  rcpT ??= unb64(RCP_TABLE);
  return sign | (re << 23) | (rcpT[(a >>> 11) & 0xfff] << 11);
}

export function rsqrtBits(a: number): number {
  if (isNaN32(a)) return a | 0x400000;
  const e = (a >>> 23) & 0xff;
  if (e === 0) return (a & 0x80000000) | 0x7f800000;
  if (a < 0) return QNAN32;
  if (e === 0xff) return 0;
  rsqT ??= unb64(RSQRT_TABLE);
  const p = e & 1, j = (e - (126 + p)) >> 1;
  return ((0x7e000 + rsqT[(p << 12) | ((a >>> 11) & 0xfff)]) << 11) - (j << 23);
}

function approxPs(f: (a: number) => number): Handler {
  return (c, i) => {
    const x = xb(c), d = (x + 16 * i.reg) >>> 2, s = srcX(c, i, x, true) >>> 2;
    const a0 = I32[s], a1 = I32[s + 1], a2 = I32[s + 2], a3 = I32[s + 3];
    I32[d] = f(a0); I32[d + 1] = f(a1); I32[d + 2] = f(a2); I32[d + 3] = f(a3);
  };
}
function approxSs(f: (a: number) => number): Handler {
  return (c, i) => {
    const x = xb(c), d = (x + 16 * i.reg) >>> 2, s = srcX32(c, i, x) >>> 2;
    I32[d] = f(I32[s]);
  };
}
reg(1, 0x52, 'none', 'rsqrtps', approxPs(rsqrtBits));
reg(1, 0x52, 'F3', 'rsqrtss', approxSs(rsqrtBits));
reg(1, 0x53, 'none', 'rcpps', approxPs(rcpBits));
reg(1, 0x53, 'F3', 'rcpss', approxSs(rcpBits));

// ---- logic -----------------------------------------------------------------------------------

function logic(kind: number): Handler {
  return (c, i) => {
    const x = xb(c), d = (x + 16 * i.reg) >>> 2, s = srcX(c, i, x, true) >>> 2;
    for (let k = 0; k < 4; k++) {
      const a = I32[d + k], b = I32[s + k];
      I32[d + k] = kind === 0 ? a & b : kind === 1 ? ~a & b : kind === 2 ? a | b : a ^ b;
    }
  };
}
['and', 'andn', 'or', 'xor'].forEach((n, k) => {
  reg(1, 0x54 + k, 'none', n + 'ps', logic(k));
  reg(1, 0x54 + k, '66', n + 'pd', logic(k));
});

// ---- compares --------------------------------------------------------------------------------

function cmpps(c: Cpu, i: Insn): void {
  const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true);
  fpMode(mxcsr(c));
  const p = i.imm & 7, dk = d >>> 2, sk = s >>> 2, rk = T1 >>> 2;
  for (let k = 0; k < 4; k++) I32[rk + k] = cmp32(p, I32[dk + k], I32[sk + k]) ? -1 : 0;
  fpCommit(c, i, fl);
  cp16(T1, d);
}
function cmpss(c: Cpu, i: Insn): void {
  const x = xb(c), d = x + 16 * i.reg, s = srcX32(c, i, x);
  fpMode(mxcsr(c));
  const r = cmp32(i.imm & 7, I32[d >>> 2], I32[s >>> 2]) ? -1 : 0;
  fpCommit(c, i, fl);
  I32[d >>> 2] = r;
}
function cmppd(c: Cpu, i: Insn): void {
  const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true);
  fpMode(mxcsr(c));
  const p = i.imm & 7;
  const r0 = cmp64(p, d >>> 3, s >>> 3) ? -1 : 0, r1 = cmp64(p, (d >>> 3) + 1, (s >>> 3) + 1) ? -1 : 0;
  fpCommit(c, i, fl);
  const dk = d >>> 2;
  I32[dk] = r0; I32[dk + 1] = r0; I32[dk + 2] = r1; I32[dk + 3] = r1;
}
function cmpsd(c: Cpu, i: Insn): void {
  const x = xb(c), d = x + 16 * i.reg, s = srcX64(c, i, x);
  fpMode(mxcsr(c));
  const r = cmp64(i.imm & 7, d >>> 3, s >>> 3) ? -1 : 0;
  fpCommit(c, i, fl);
  I32[d >>> 2] = r; I32[(d >>> 2) + 1] = r;
}
reg(1, 0xc2, 'none', 'cmpps', cmpps, true);
reg(1, 0xc2, '66', 'cmppd', cmppd, true);
reg(1, 0xc2, 'F3', 'cmpss', cmpss, true);
reg(1, 0xc2, 'F2', 'cmpsd', cmpsd, true);

function comiss(signaling: boolean): Handler {
  return (c, i) => {
    const x = xb(c), d = x + 16 * i.reg, s = srcX32(c, i, x);
    fpMode(mxcsr(c));
    const z = comi32(signaling, I32[d >>> 2], I32[s >>> 2]);
    fpCommit(c, i, fl);
    setFlags(c.f, (getFlags(c.f) & ~ARITH) | z);
  };
}
function comisd(signaling: boolean): Handler {
  return (c, i) => {
    const x = xb(c), d = x + 16 * i.reg, s = srcX64(c, i, x);
    fpMode(mxcsr(c));
    const z = comi64(signaling, d >>> 3, s >>> 3);
    fpCommit(c, i, fl);
    setFlags(c.f, (getFlags(c.f) & ~ARITH) | z);
  };
}
reg(1, 0x2e, 'none', 'ucomiss', comiss(false), false, 'w');
reg(1, 0x2e, '66', 'ucomisd', comisd(false), false, 'w');
reg(1, 0x2f, 'none', 'comiss', comiss(true), false, 'w');
reg(1, 0x2f, '66', 'comisd', comisd(true), false, 'w');

// ---- shuffles and unpacks --------------------------------------------------------------------

function shufps(c: Cpu, i: Insn): void {
  const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true) >>> 2, m = i.imm, dk = d >>> 2, t = T1 >>> 2;
  I32[t] = I32[dk + (m & 3)]; I32[t + 1] = I32[dk + ((m >> 2) & 3)];
  I32[t + 2] = I32[s + ((m >> 4) & 3)]; I32[t + 3] = I32[s + ((m >> 6) & 3)];
  cp16(T1, d);
}
function shufpd(c: Cpu, i: Insn): void {
  const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true) >>> 2, m = i.imm, dk = d >>> 2, t = T1 >>> 2;
  const a = dk + 2 * (m & 1), b = s + 2 * ((m >> 1) & 1);
  I32[t] = I32[a]; I32[t + 1] = I32[a + 1]; I32[t + 2] = I32[b]; I32[t + 3] = I32[b + 1];
  cp16(T1, d);
}
reg(1, 0xc6, 'none', 'shufps', shufps, true);
reg(1, 0xc6, '66', 'shufpd', shufpd, true);

function unpck(hi: boolean, dbl: boolean): Handler {
  return (c, i) => {
    const x = xb(c), d = x + 16 * i.reg, s = (hi ? srcX(c, i, x, true) : srcXlo(c, i, x)) >>> 2, dk = d >>> 2, t = T1 >>> 2, o = hi ? 2 : 0;
    if (dbl) { I32[t] = I32[dk + o]; I32[t + 1] = I32[dk + o + 1]; I32[t + 2] = I32[s + o]; I32[t + 3] = I32[s + o + 1]; }
    else { I32[t] = I32[dk + o]; I32[t + 1] = I32[s + o]; I32[t + 2] = I32[dk + o + 1]; I32[t + 3] = I32[s + o + 1]; }
    cp16(T1, d);
  };
}
reg(1, 0x14, 'none', 'unpcklps', unpck(false, false));
reg(1, 0x14, '66', 'unpcklpd', unpck(false, true));
reg(1, 0x15, 'none', 'unpckhps', unpck(true, false));
reg(1, 0x15, '66', 'unpckhpd', unpck(true, true));

// ---- addsub, horizontal add/sub --------------------------------------------------------------

function addsubps(c: Cpu, i: Insn): void {
  const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true);
  fpMode(mxcsr(c));
  const dk = d >>> 2, sk = s >>> 2, rk = T1 >>> 2;
  for (let k = 0; k < 4; k++) I32[rk + k] = arith32(k & 1 ? ADD : SUB, I32[dk + k], I32[sk + k]);
  fpCommit(c, i, fl);
  cp16(T1, d);
}
function addsubpd(c: Cpu, i: Insn): void {
  const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true);
  fpMode(mxcsr(c));
  arith64(SUB, d >>> 3, s >>> 3, T1 >>> 3);
  arith64(ADD, (d >>> 3) + 1, (s >>> 3) + 1, (T1 >>> 3) + 1);
  fpCommit(c, i, fl);
  cp16(T1, d);
}
reg(1, 0xd0, '66', 'addsubpd', addsubpd);
reg(1, 0xd0, 'F2', 'addsubps', addsubps);

function hps(op: number): Handler {
  return (c, i) => {
    const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true);
    fpMode(mxcsr(c));
    const dk = d >>> 2, sk = s >>> 2, rk = T1 >>> 2;
    I32[rk] = arith32(op, I32[dk], I32[dk + 1]);
    I32[rk + 1] = arith32(op, I32[dk + 2], I32[dk + 3]);
    I32[rk + 2] = arith32(op, I32[sk], I32[sk + 1]);
    I32[rk + 3] = arith32(op, I32[sk + 2], I32[sk + 3]);
    fpCommit(c, i, fl);
    cp16(T1, d);
  };
}
function hpd(op: number): Handler {
  return (c, i) => {
    const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true);
    fpMode(mxcsr(c));
    arith64(op, d >>> 3, (d >>> 3) + 1, T1 >>> 3);
    arith64(op, s >>> 3, (s >>> 3) + 1, (T1 >>> 3) + 1);
    fpCommit(c, i, fl);
    cp16(T1, d);
  };
}
reg(1, 0x7c, '66', 'haddpd', hpd(ADD));
reg(1, 0x7c, 'F2', 'haddps', hps(ADD));
reg(1, 0x7d, '66', 'hsubpd', hpd(SUB));
reg(1, 0x7d, 'F2', 'hsubps', hps(SUB));

// ---- SSE4.1: dot products, round, blends, insertps/extractps ----------------------------------

// The dot products run in stages (multiplies, pairwise adds, final add); each stage commits its
// flags and takes #XM on its own unmasked exceptions, so an intermediate denormal raises DE and a
// later stage never runs after an earlier one faulted (measured on the host).
function dpps(c: Cpu, i: Insn): void {
  const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true), m = i.imm, mx = mxcsr(c);
  fpMode(mx);
  const dk = d >>> 2, sk = s >>> 2, t = T2 >>> 2;
  for (let k = 0; k < 4; k++) I32[t + k] = m & (16 << k) ? arith32(MUL, I32[dk + k], I32[sk + k]) : 0;
  fpCommit(c, i, fl);
  fpMode(mx);
  const a = arith32(ADD, I32[t], I32[t + 1]);
  const b = arith32(ADD, I32[t + 2], I32[t + 3]);
  fpCommit(c, i, fl);
  fpMode(mx);
  const r = arith32(ADD, a, b);
  fpCommit(c, i, fl);
  for (let k = 0; k < 4; k++) I32[dk + k] = m & (1 << k) ? r : 0;
}
function dppd(c: Cpu, i: Insn): void {
  const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true), m = i.imm, mx = mxcsr(c);
  fpMode(mx);
  const dq = d >>> 3, sq = s >>> 3, t = T2 >>> 3;
  if (m & 16) arith64(MUL, dq, sq, t); else { I32[2 * t] = 0; I32[2 * t + 1] = 0; }
  if (m & 32) arith64(MUL, dq + 1, sq + 1, t + 1); else { I32[2 * t + 2] = 0; I32[2 * t + 3] = 0; }
  fpCommit(c, i, fl);
  fpMode(mx);
  arith64(ADD, t, t + 1, T1 >>> 3);
  fpCommit(c, i, fl);
  const r = T1 >>> 2, dk = d >>> 2;
  const lo = I32[r], hi = I32[r + 1];
  I32[dk] = m & 1 ? lo : 0; I32[dk + 1] = m & 1 ? hi : 0;
  I32[dk + 2] = m & 2 ? lo : 0; I32[dk + 3] = m & 2 ? hi : 0;
}
reg(3, 0x40, '66', 'dpps', dpps, true);
reg(3, 0x41, '66', 'dppd', dppd, true);

function roundps(c: Cpu, i: Insn): void {
  const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true), m = i.imm;
  fpMode(mxcsr(c));
  const rc = m & 4 ? RC : m & 3, q = (m & 8) !== 0, sk = s >>> 2, rk = T1 >>> 2;
  for (let k = 0; k < 4; k++) I32[rk + k] = round32int(I32[sk + k], rc, q);
  fpCommit(c, i, fl);
  cp16(T1, d);
}
function roundpd(c: Cpu, i: Insn): void {
  const x = xb(c), d = x + 16 * i.reg, s = srcX(c, i, x, true), m = i.imm;
  fpMode(mxcsr(c));
  const rc = m & 4 ? RC : m & 3, q = (m & 8) !== 0;
  round64int(s >>> 3, T1 >>> 3, rc, q);
  round64int((s >>> 3) + 1, (T1 >>> 3) + 1, rc, q);
  fpCommit(c, i, fl);
  cp16(T1, d);
}
function roundss(c: Cpu, i: Insn): void {
  const x = xb(c), d = x + 16 * i.reg, s = srcX32(c, i, x), m = i.imm;
  fpMode(mxcsr(c));
  const r = round32int(I32[s >>> 2], m & 4 ? RC : m & 3, (m & 8) !== 0);
  fpCommit(c, i, fl);
  I32[d >>> 2] = r;
}
function roundsd(c: Cpu, i: Insn): void {
  const x = xb(c), d = x + 16 * i.reg, s = srcX64(c, i, x), m = i.imm;
  fpMode(mxcsr(c));
  round64int(s >>> 3, T1 >>> 3, m & 4 ? RC : m & 3, (m & 8) !== 0);
  fpCommit(c, i, fl);
  I32[d >>> 2] = I32[T1 >>> 2]; I32[(d >>> 2) + 1] = I32[(T1 >>> 2) + 1];
}
reg(3, 0x08, '66', 'roundps', roundps, true);
reg(3, 0x09, '66', 'roundpd', roundpd, true);
reg(3, 0x0a, '66', 'roundss', roundss, true);
reg(3, 0x0b, '66', 'roundsd', roundsd, true);

function blendps(c: Cpu, i: Insn): void {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2, s = srcX(c, i, x, true) >>> 2, m = i.imm;
  for (let k = 0; k < 4; k++) if (m & (1 << k)) I32[d + k] = I32[s + k];
}
function blendpd(c: Cpu, i: Insn): void {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2, s = srcX(c, i, x, true) >>> 2, m = i.imm;
  if (m & 1) { I32[d] = I32[s]; I32[d + 1] = I32[s + 1]; }
  if (m & 2) { I32[d + 2] = I32[s + 2]; I32[d + 3] = I32[s + 3]; }
}
function blendvps(c: Cpu, i: Insn): void {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2, s = srcX(c, i, x, true) >>> 2, m = x >>> 2;
  for (let k = 0; k < 4; k++) if (I32[m + k] < 0) I32[d + k] = I32[s + k];
}
function blendvpd(c: Cpu, i: Insn): void {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2, s = srcX(c, i, x, true) >>> 2, m = x >>> 2;
  const m0 = I32[m + 1] < 0, m1 = I32[m + 3] < 0;
  if (m0) { I32[d] = I32[s]; I32[d + 1] = I32[s + 1]; }
  if (m1) { I32[d + 2] = I32[s + 2]; I32[d + 3] = I32[s + 3]; }
}
reg(3, 0x0c, '66', 'blendps', blendps, true);
reg(3, 0x0d, '66', 'blendpd', blendpd, true);
reg(2, 0x14, '66', 'blendvps', blendvps);
reg(2, 0x15, '66', 'blendvpd', blendvpd);

function insertps(c: Cpu, i: Insn): void {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2, m = i.imm;
  let v: number;
  if (i.mod === 3) v = I32[((x + 16 * i.rm) >>> 2) + (m >> 6)];
  else v = c.mem.read32(c.ea(i));
  I32[d + ((m >> 4) & 3)] = v;
  for (let k = 0; k < 4; k++) if (m & (1 << k)) I32[d + k] = 0;
}
function extractps(c: Cpu, i: Insn): void {
  const x = xb(c), v = I32[((x + 16 * i.reg) >>> 2) + (i.imm & 3)];
  if (i.mod === 3) c.setR(i.rm, 4, v);
  else c.mem.write32(c.ea(i), v);
}
reg(3, 0x21, '66', 'insertps', insertps, true);
reg(3, 0x17, '66', 'extractps', extractps, true);

