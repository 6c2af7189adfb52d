// Bit instructions: BT/BTS/BTR/BTC (register and memory bit strings), BSF/BSR, TZCNT/LZCNT, POPCNT.

import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { def } from '../table.js';
import { getFlags, setFlags, CF, ZF, PF, AF, SF, OF } from '../flags.js';

function setCF(c: Cpu, v: number): void {
  setFlags(c.f, (getFlags(c.f) & ~CF) | v);
}

/** BT family. ext: 0 BT, 1 BTS, 2 BTR, 3 BTC. A register bit offset addresses a bit string in memory. */
function btOp(c: Cpu, i: Insn, off: number, offHi: number, fromReg: boolean): void {
  const s = i.osize, bits = s * 8, op = i.ext;
  let a = 0;
  if (i.mod !== 3) {
    a = c.ea(i);
    if (fromReg) {
      // signed bit offset: displace the address by whole operands
      const sOff = s === 8 ? offHi * 4294967296 + (off >>> 0) : s === 4 ? off | 0 : (off << 16) >> 16;
      const d = Math.floor(sOff / bits) * s;
      if (i.asize === 8) a += d;
      else {
        // with a 32- or 16-bit address size the displaced offset wraps before the segment base is added
        const sb = i.seg === 4 ? c.fsBase : i.seg === 5 ? c.gsBase : 0, m = i.asize === 4 ? 4294967296 : 65536;
        a = sb + ((((a - sb + d) % m) + m) % m);
        if (!c.mode64) a = a >>> 0;
      }
    }
  }
  const n = off & (bits - 1);
  const x = op === 0 ? c.rdAt(i, a, s) : c.rdRmw(i, a, s), xh = c.hi;
  const bit = n < 32 ? (x >>> n) & 1 : (xh >>> (n - 32)) & 1;
  setCF(c, bit);
  if (op === 0) return;
  let lo = x, hi = xh;
  const m = 1 << (n & 31);
  if (n < 32) lo = op === 1 ? lo | m : op === 2 ? lo & ~m : lo ^ m;
  else hi = op === 1 ? hi | m : op === 2 ? hi & ~m : hi ^ m;
  c.wrAt(i, a, lo, hi, s);
}
function btG(c: Cpu, i: Insn): void { const o = c.rdG(i), oh = c.hi; btOp(c, i, o, oh, true); }
function btI(c: Cpu, i: Insn): void { btOp(c, i, i.imm, 0, false); }
const BT = ['bt', 'bts', 'btr', 'btc'];
[0xa3, 0xab, 0xb3, 0xbb].forEach((op, k) => def(1, op, { name: BT[k], fn: btG, modrm: true, ext: k, lock: k > 0 }));
for (let k = 0; k < 4; k++) def(1, 0xba, { name: BT[k], fn: btI, imm: 'ub', ext: k, lock: k > 0 }, { reg: 4 + k });

// ---- scans and counts ------------------------------------------------------------------------------

function clz32(v: number): number { return Math.clz32(v); }
function ctz32(v: number): number { return 31 - Math.clz32(v & -v); }

function bsf(c: Cpu, i: Insn): void {
  const s = i.osize, x = c.rdE(i, s), xh = s === 8 ? c.hi : 0;
  const v = s === 2 ? x & 0xffff : x;
  const fl = getFlags(c.f) & ~(ZF | CF | PF | AF | SF | OF);
  if ((v | xh) === 0) { setFlags(c.f, fl | ZF); return; }
  const n = v !== 0 ? ctz32(v) : 32 + ctz32(xh);
  c.wrG(i, n, 0);
  setFlags(c.f, fl);
}
function bsr(c: Cpu, i: Insn): void {
  const s = i.osize, x = c.rdE(i, s), xh = s === 8 ? c.hi : 0;
  const v = s === 2 ? x & 0xffff : x;
  const fl = getFlags(c.f) & ~(ZF | CF | PF | AF | SF | OF);
  if ((v | xh) === 0) { setFlags(c.f, fl | ZF); return; }
  const n = xh !== 0 ? 63 - clz32(xh) : 31 - clz32(v);
  c.wrG(i, n, 0);
  setFlags(c.f, fl);
}
function tzcnt(c: Cpu, i: Insn): void {
  const s = i.osize, x = c.rdE(i, s), xh = s === 8 ? c.hi : 0;
  const v = s === 2 ? x & 0xffff : x;
  let n: number;
  if (s === 8) n = v !== 0 ? ctz32(v) : xh !== 0 ? 32 + ctz32(xh) : 64;
  else n = v !== 0 ? ctz32(v) : s * 8;
  c.wrG(i, n, 0);
  const fl = getFlags(c.f) & ~(ZF | CF);
  setFlags(c.f, fl | (n === s * 8 ? CF : 0) | (n === 0 ? ZF : 0));
}
function lzcnt(c: Cpu, i: Insn): void {
  const s = i.osize, x = c.rdE(i, s), xh = s === 8 ? c.hi : 0;
  let n: number;
  if (s === 8) n = xh !== 0 ? clz32(xh) : 32 + clz32(x);
  else if (s === 4) n = clz32(x);
  else n = clz32(x & 0xffff) - 16;
  c.wrG(i, n, 0);
  const fl = getFlags(c.f) & ~(ZF | CF);
  setFlags(c.f, fl | (n === s * 8 ? CF : 0) | (n === 0 ? ZF : 0));
}
function popcnt32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}
function popcnt(c: Cpu, i: Insn): void {
  const s = i.osize, x = c.rdE(i, s), xh = s === 8 ? c.hi : 0;
  const n = popcnt32(s === 2 ? x & 0xffff : x) + popcnt32(xh);
  c.wrG(i, n, 0);
  const fl = getFlags(c.f) & ~(ZF | CF | PF | AF | SF | OF);
  setFlags(c.f, fl | (n === 0 ? ZF : 0));
}
def(1, 0xbc, { name: 'bsf', fn: bsf, modrm: true });
def(1, 0xbd, { name: 'bsr', fn: bsr, modrm: true });
def(1, 0xbc, { name: 'tzcnt', fn: tzcnt, modrm: true }, { mandatory: 'F3' });
def(1, 0xbd, { name: 'lzcnt', fn: lzcnt, modrm: true }, { mandatory: 'F3' });
def(1, 0xb8, { name: 'popcnt', fn: popcnt, modrm: true }, { mandatory: 'F3' });
