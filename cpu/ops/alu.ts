// ADD OR ADC SBB AND SUB XOR CMP in all their encodings, TEST, INC, DEC, NEG, NOT.

import type { Cpu } from '../cpu.js';
import type { Insn, Handler } from '../insn.js';
import { def } from '../table.js';
import { inlineHandler } from '../threaded.js';
import { alu, CMP, neg64, negHi } from './arith.js';
import { setLazy, setIncDec, K_LOGIC, K_INC, K_DEC, K_SUB, K_ADD } from '../flags.js';

const NAMES = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];

/** op E, G (and the read-modify-write of memory). */
function aluEG(c: Cpu, i: Insn): void {
  const s = i.osize;
  const a = i.mod === 3 ? 0 : c.ea(i);
  const x = i.ext === CMP ? c.rdAt(i, a, s) : c.rdRmw(i, a, s), xh = c.hi;
  const y = c.rdG(i, s), yh = c.hi;
  const r = alu(c, i.ext, s, x, xh, y, yh);
  if (i.ext !== CMP) c.wrAt(i, a, r, c.hi, s);
}

/** op G, E */
function aluGE(c: Cpu, i: Insn): void {
  const s = i.osize;
  const y = c.rdE(i, s), yh = c.hi;
  const x = c.rdG(i, s), xh = c.hi;
  const r = alu(c, i.ext, s, x, xh, y, yh);
  if (i.ext !== CMP) c.wrG(i, r, c.hi, s);
}

/** op AL/eAX, imm */
function aluAI(c: Cpu, i: Insn): void {
  const s = i.osize;
  const x = c.getR(0, s), xh = c.hi;
  const r = alu(c, i.ext, s, x, xh, i.imm, i.immHi);
  if (i.ext !== CMP) c.setR(0, s, r, c.hi);
}

/** op E, imm (group 1) */
function aluEI(c: Cpu, i: Insn): void {
  const s = i.osize;
  const a = i.mod === 3 ? 0 : c.ea(i);
  const x = i.ext === CMP ? c.rdAt(i, a, s) : c.rdRmw(i, a, s), xh = c.hi;
  const r = alu(c, i.ext, s, x, xh, i.imm, i.immHi);
  if (i.ext !== CMP) c.wrAt(i, a, r, c.hi, s);
}

// Specialised register forms (the common case in compiled code): no operand-kind dispatch.
function aluRR32(c: Cpu, i: Insn, dst: number, src: number): void {
  const r = c.r, a = r[2 * dst], b = r[2 * src];
  const x = alu(c, i.ext, 4, a, 0, b, 0);
  if (i.ext !== CMP) { r[2 * dst] = x; r[2 * dst + 1] = 0; }
}
function aluRR64(c: Cpu, i: Insn, dst: number, src: number): void {
  const r = c.r;
  const x = alu(c, i.ext, 8, r[2 * dst], r[2 * dst + 1], r[2 * src], r[2 * src + 1]);
  if (i.ext !== CMP) { r[2 * dst] = x; r[2 * dst + 1] = c.hi; }
}
function aluEG32r(c: Cpu, i: Insn): void { aluRR32(c, i, i.rm, i.reg); }
function aluEG64r(c: Cpu, i: Insn): void { aluRR64(c, i, i.rm, i.reg); }
function aluGE32r(c: Cpu, i: Insn): void { aluRR32(c, i, i.reg, i.rm); }
function aluGE64r(c: Cpu, i: Insn): void { aluRR64(c, i, i.reg, i.rm); }
function aluEI32r(c: Cpu, i: Insn): void {
  const r = c.r, n = 2 * i.rm;
  const x = alu(c, i.ext, 4, r[n], 0, i.imm, 0);
  if (i.ext !== CMP) { r[n] = x; r[n + 1] = 0; }
}
function aluEI64r(c: Cpu, i: Insn): void {
  const r = c.r, n = 2 * i.rm;
  const x = alu(c, i.ext, 8, r[n], r[n + 1], i.imm, i.immHi);
  if (i.ext !== CMP) { r[n] = x; r[n + 1] = c.hi; }
}
/** ADD SUB AND OR XOR CMP at 32 and 64 bits, register and memory forms, as one handler per
 *  (operation, size, form, operand kind), made from source text so threaded blocks can paste it
 *  in; the lazy flags record is written directly. */
const FAST = new Map<string, Handler>();
{
  const OPS: Record<number, [string, number, boolean]> = {
    0: ['+', K_ADD, true], 5: ['-', K_SUB, true], 7: ['-', K_SUB, false],
    4: ['&', K_LOGIC, true], 1: ['|', K_LOGIC, true], 6: ['^', K_LOGIC, true],
  };
  for (const [op, [sym, kind, store]] of Object.entries(OPS)) {
    for (const form of ['EG', 'GE', 'EI']) {
      for (const mem of [false, true]) {
        for (const size of [4, 8]) {
          // destination (a, ah) and source (b, bh) loads, and the destination store
          const rm = mem ? 'm' : 'r';
          let load = 'const r = c.r, f = c.f;', put = '';
          const regA = form === 'GE' ? '2 * i.reg' : '2 * i.rm';
          if (mem && form !== 'GE') {
            // a destination that will be stored must be writable before anything changes (#PF with W)
            load += ` const m = c.mem, ad = c.ea(i);${store ? ` m.probeWrite(ad, ${size});` : ''} const a = ${size === 8 ? 'm.read64(ad), ah = m.hi' : 'm.read32(ad), ah = 0'};`;
            put = size === 8 ? 'm.write64(ad, x, xh);' : 'm.write32(ad, x);';
          } else {
            load += ` const d = ${regA}, a = r[d], ah = ${size === 8 ? 'r[d + 1]' : '0'};`;
            put = `r[d] = x; r[d + 1] = ${size === 8 ? 'xh' : '0'};`;
          }
          if (form === 'EI') load += ` const b = i.imm, bh = i.immHi;`;
          else if (form === 'EG') load += ` const b = r[2 * i.reg], bh = ${size === 8 ? 'r[2 * i.reg + 1]' : '0'};`;
          else if (mem) load += ` const m = c.mem, b = ${size === 8 ? 'm.read64(c.ea(i)), bh = m.hi' : 'm.read32(c.ea(i)), bh = 0'};`;
          else load += ` const b = r[2 * i.rm], bh = ${size === 8 ? 'r[2 * i.rm + 1]' : '0'};`;
          let calc: string;
          if (size === 4) calc = `const x = (a ${sym} b) | 0, xh = 0;`;
          else if (kind === K_ADD) calc = 'const s = (a >>> 0) + (b >>> 0), x = s | 0, xh = (ah + bh + (s >= 4294967296 ? 1 : 0)) | 0;';
          else if (kind === K_SUB) calc = 'const s = (a >>> 0) - (b >>> 0), x = s | 0, xh = (ah - bh - (s < 0 ? 1 : 0)) | 0;';
          else calc = `const x = a ${sym} b, xh = ah ${sym} bh;`;
          const flags = `f[0] = ${kind}; f[1] = ${size}; f[2] = x; f[3] = xh;` + (kind === K_LOGIC ? '' : ' f[4] = a; f[5] = ah; f[6] = b; f[7] = bh;');
          FAST.set(`${op}${form}${rm}${size}`, inlineHandler(`${load} ${calc} ${store ? put : ''} ${flags}`));   // store first: a fault leaves the flags
        }
      }
    }
  }
}
const fast = (i: Insn, form: string) => (i.osize === 4 || i.osize === 8 ? FAST.get(`${i.ext}${form}${i.mod === 3 ? 'r' : 'm'}${i.osize}`) : undefined);
const specEG = (i: Insn) => fast(i, 'EG') ?? (i.mod !== 3 ? undefined : i.osize === 4 ? aluEG32r : i.osize === 8 ? aluEG64r : undefined);
const specGE = (i: Insn) => fast(i, 'GE') ?? (i.mod !== 3 ? undefined : i.osize === 4 ? aluGE32r : i.osize === 8 ? aluGE64r : undefined);
const specEI = (i: Insn) => fast(i, 'EI') ?? (i.mod !== 3 ? undefined : i.osize === 4 ? aluEI32r : i.osize === 8 ? aluEI64r : undefined);

for (let op = 0; op < 8; op++) {
  const base = op * 8, name = NAMES[op];
  const flags = op === 2 || op === 3 ? undefined : 'w' as const;     // ADC/SBB read CF
  const lock = op !== CMP;
  def(0, base + 0, { name, fn: aluEG, modrm: true, size: 'b', ext: op, flags, lock });
  def(0, base + 1, { name, fn: aluEG, modrm: true, ext: op, flags, spec: specEG, lock });
  def(0, base + 2, { name, fn: aluGE, modrm: true, size: 'b', ext: op, flags });
  def(0, base + 3, { name, fn: aluGE, modrm: true, ext: op, flags, spec: specGE });
  def(0, base + 4, { name, fn: aluAI, size: 'b', imm: 'b', ext: op, flags });
  def(0, base + 5, { name, fn: aluAI, imm: 'z', ext: op, flags });
  def(0, 0x80, { name, fn: aluEI, size: 'b', imm: 'b', ext: op, flags, lock }, { reg: op });
  def(0, 0x81, { name, fn: aluEI, imm: 'z', ext: op, flags, spec: specEI, lock }, { reg: op });
  def(0, 0x82, { name, fn: aluEI, size: 'b', imm: 'b', ext: op, only: 32, flags }, { reg: op });
  def(0, 0x83, { name, fn: aluEI, imm: 'b', ext: op, flags, spec: specEI, lock }, { reg: op });
}

// ---- TEST ------------------------------------------------------------------------------------

function testSet(c: Cpu, s: number, r: number, rh: number): void {
  setLazy(c.f, K_LOGIC, s, r, rh, 0, 0, 0, 0);
}
function testEG(c: Cpu, i: Insn): void {
  const s = i.osize;
  const x = c.rdE(i, s), xh = c.hi;
  const y = c.rdG(i, s), yh = c.hi;
  testSet(c, s, x & y, xh & yh);
}
function testAI(c: Cpu, i: Insn): void {
  const s = i.osize;
  const x = c.getR(0, s), xh = c.hi;
  testSet(c, s, x & i.imm, xh & i.immHi);
}
function testEI(c: Cpu, i: Insn): void {
  const s = i.osize;
  const x = c.rdE(i, s), xh = c.hi;
  testSet(c, s, x & i.imm, xh & i.immHi);
}
def(0, 0x84, { name: 'test', fn: testEG, modrm: true, size: 'b', flags: 'w' });
def(0, 0x85, { name: 'test', fn: testEG, modrm: true, flags: 'w' });
def(0, 0xa8, { name: 'test', fn: testAI, size: 'b', imm: 'b', flags: 'w' });
def(0, 0xa9, { name: 'test', fn: testAI, imm: 'z', flags: 'w' });
def(0, 0xf6, { name: 'test', fn: testEI, size: 'b', imm: 'b', flags: 'w' }, { reg: 0 });
def(0, 0xf6, { name: 'test', fn: testEI, size: 'b', imm: 'b', flags: 'w' }, { reg: 1 });
def(0, 0xf7, { name: 'test', fn: testEI, imm: 'z', flags: 'w' }, { reg: 0 });
def(0, 0xf7, { name: 'test', fn: testEI, imm: 'z', flags: 'w' }, { reg: 1 });

// ---- NOT, NEG ----------------------------------------------------------------------------------

function not(c: Cpu, i: Insn): void {
  const s = i.osize;
  const a = i.mod === 3 ? 0 : c.ea(i);
  const x = c.rdRmw(i, a, s), xh = c.hi;
  c.wrAt(i, a, ~x, ~xh, s);
}
function neg(c: Cpu, i: Insn): void {
  const s = i.osize;
  const a = i.mod === 3 ? 0 : c.ea(i);
  const x = c.rdRmw(i, a, s), xh = c.hi;
  if (s === 8) {
    const r = neg64(x, xh), rh = negHi;
    setLazy(c.f, K_SUB, 8, r, rh, 0, 0, x, xh);
    c.wrAt(i, a, r, rh, s);
  } else {
    const r = (-x) | 0;
    setLazy(c.f, K_SUB, s, r, 0, 0, 0, x, 0);
    c.wrAt(i, a, r, 0, s);
  }
}
def(0, 0xf6, { name: 'not', fn: not, size: 'b', flags: 'n', lock: true }, { reg: 2 });
def(0, 0xf7, { name: 'not', fn: not, flags: 'n', lock: true }, { reg: 2 });
def(0, 0xf6, { name: 'neg', fn: neg, size: 'b', flags: 'w', lock: true }, { reg: 3 });
def(0, 0xf7, { name: 'neg', fn: neg, flags: 'w', lock: true }, { reg: 3 });

// ---- INC, DEC ----------------------------------------------------------------------------------

function incdec(c: Cpu, i: Insn, x: number, xh: number): number {
  const s = i.osize, dec = i.ext;
  let r: number, rh = 0;
  if (s === 8) {
    if (dec) { r = (x - 1) | 0; rh = (xh - (x === 0 ? 1 : 0)) | 0; }
    else { r = (x + 1) | 0; rh = (xh + (r === 0 ? 1 : 0)) | 0; }
  } else r = dec ? (x - 1) | 0 : (x + 1) | 0;
  setIncDec(c.f, dec ? K_DEC : K_INC, s, r, rh, x, xh);
  c.hi = rh;
  return r;
}
function incdecE(c: Cpu, i: Insn): void {
  const s = i.osize;
  const a = i.mod === 3 ? 0 : c.ea(i);
  const x = c.rdRmw(i, a, s), xh = c.hi;
  const r = incdec(c, i, x, xh);
  c.wrAt(i, a, r, c.hi, s);
}
function incdecR(c: Cpu, i: Insn): void {
  const s = i.osize;
  const x = c.getR(i.rm, s), xh = c.hi;
  const r = incdec(c, i, x, xh);
  c.setR(i.rm, s, r, c.hi);
}
def(0, 0xfe, { name: 'inc', fn: incdecE, size: 'b', ext: 0, lock: true }, { reg: 0 });
def(0, 0xfe, { name: 'dec', fn: incdecE, size: 'b', ext: 1, lock: true }, { reg: 1 });
def(0, 0xff, { name: 'inc', fn: incdecE, ext: 0, lock: true }, { reg: 0 });
def(0, 0xff, { name: 'dec', fn: incdecE, ext: 1, lock: true }, { reg: 1 });
for (let r = 0; r < 8; r++) {
  def(0, 0x40 + r, { name: 'inc', fn: incdecR, ext: 0, only: 32 });
  def(0, 0x48 + r, { name: 'dec', fn: incdecR, ext: 1, only: 32 });
}
