// String instructions MOVS CMPS STOS LODS SCAS with REP/REPE/REPNE, by address size, and the
// flag instructions CLC STC CMC CLD STD. REP MOVS/STOS move whole page-sized chunks at a time
// (musl's memcpy and memset are `rep movsq` / `rep stosq`); registers are updated per chunk so a
// fault in the middle leaves a restartable state, as on hardware.

import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { def } from '../table.js';
import { getFlags, setFlags, CF, DF, ZF } from '../flags.js';
import { alu, SUB, TWO32 } from './arith.js';
import { RAX, RCX, RSI, RDI } from '../state.js';

// By address size: RSI/RDI/RCX, ESI/EDI/ECX (a 64-bit-mode write zero-extends), or SI/DI/CX (16-bit
// addressing in 32-bit mode: bits 16..31 are kept).
function getIdx(c: Cpu, n: number, asize: number): number {
  return asize === 8 ? (c.r[2 * n + 1] >>> 0) * TWO32 + (c.r[2 * n] >>> 0) : asize === 4 ? c.r[2 * n] >>> 0 : c.r[2 * n] & 0xffff;
}
function setIdx(c: Cpu, n: number, asize: number, v: number): void {
  if (asize === 8) { c.r[2 * n] = v % TWO32 | 0; c.r[2 * n + 1] = Math.floor(v / TWO32) | 0; }
  else if (asize === 2) c.setR(n, 2, v);
  else if (c.mode64) c.setR(n, 4, v | 0);
  else c.r[2 * n] = v | 0;
}
function wrap(v: number, asize: number): number {
  if (asize === 8) return v < 0 ? v + 2 ** 64 : v;
  return asize === 4 ? v >>> 0 : v & 0xffff;
}
/** Source address: DS:RSI honours a segment override (FS/GS). */
function srcAddr(c: Cpu, i: Insn, si: number): number {
  return i.seg === 4 ? si + c.fsBase : i.seg === 5 ? si + c.gsBase : si;
}

function movs(c: Cpu, i: Insn): void {
  const s = i.osize, as = i.asize, step = (getFlags(c.f) & DF) ? -s : s;
  let n = i.rep ? getIdx(c, RCX, as) : 1;
  let si = getIdx(c, RSI, as), di = getIdx(c, RDI, as);
  const mem = c.mem;
  while (n > 0) {
    if (step > 0 && n > 1 && i.seg < 4) {
      // chunk: as many whole elements as fit in the current source and destination pages
      const bytes = Math.min(n * s, 4096 - (si % 4096), 4096 - (di % 4096));
      const cnt = Math.floor(bytes / s);
      if (cnt > 1 && !(di > si && di - si < cnt * s)) {
        const ps = mem.translate(si, false), pd = mem.translate(di, true);
        mem.u8.copyWithin(pd, ps, ps + cnt * s);
        si = wrap(si + cnt * s, as); di = wrap(di + cnt * s, as); n -= cnt;
        setIdx(c, RSI, as, si); setIdx(c, RDI, as, di);
        if (i.rep) setIdx(c, RCX, as, n);
        continue;
      }
    }
    const v = c.rdMem(srcAddr(c, i, si), s), vh = c.hi;
    c.wrMem(di, s, v, vh);
    si = wrap(si + step, as); di = wrap(di + step, as); n--;
    setIdx(c, RSI, as, si); setIdx(c, RDI, as, di);
    if (i.rep) setIdx(c, RCX, as, n);
  }
}

function stos(c: Cpu, i: Insn): void {
  const s = i.osize, as = i.asize, step = (getFlags(c.f) & DF) ? -s : s;
  let n = i.rep ? getIdx(c, RCX, as) : 1;
  let di = getIdx(c, RDI, as);
  const v = c.getR(RAX, s), vh = c.hi;
  const mem = c.mem;
  while (n > 0) {
    if (step > 0 && n > 1) {
      const cnt = Math.floor(Math.min(n * s, 4096 - (di % 4096)) / s);
      if (cnt > 1) {
        const pd = mem.translate(di, true);
        if (s === 1) mem.u8.fill(v & 0xff, pd, pd + cnt);
        else for (let k = 0; k < cnt; k++) {
          const p = pd + k * s;
          if (s === 2) mem.dv.setUint16(p, v, true);
          else if (s === 4) mem.dv.setInt32(p, v, true);
          else { mem.dv.setInt32(p, v, true); mem.dv.setInt32(p + 4, vh, true); }
        }
        di = wrap(di + cnt * s, as); n -= cnt;
        setIdx(c, RDI, as, di);
        if (i.rep) setIdx(c, RCX, as, n);
        continue;
      }
    }
    c.wrMem(di, s, v, vh);
    di = wrap(di + step, as); n--;
    setIdx(c, RDI, as, di);
    if (i.rep) setIdx(c, RCX, as, n);
  }
}

function lods(c: Cpu, i: Insn): void {
  const s = i.osize, as = i.asize, step = (getFlags(c.f) & DF) ? -s : s;
  let n = i.rep ? getIdx(c, RCX, as) : 1;
  let si = getIdx(c, RSI, as);
  while (n > 0) {
    const v = c.rdMem(srcAddr(c, i, si), s);
    c.setR(RAX, s, v, c.hi);
    si = wrap(si + step, as); n--;
    setIdx(c, RSI, as, si);
    if (i.rep) setIdx(c, RCX, as, n);
  }
}

/** CMPS and SCAS: REPE stops on a difference, REPNE on equality. */
function cmps(c: Cpu, i: Insn): void {
  const s = i.osize, as = i.asize, step = (getFlags(c.f) & DF) ? -s : s;
  let n = i.rep ? getIdx(c, RCX, as) : 1;
  let si = getIdx(c, RSI, as), di = getIdx(c, RDI, as);
  while (n > 0) {
    // Which operand is read first (the one whose fault is reported when both fault), measured on
    // this (AMD) CPU: ES:rDI, except for REPE CMPSB (the memcmp fast path), which reads the source first.
    let x: number, xh: number, y: number, yh: number;
    if (i.rep === 0xf3 && s === 1) {
      x = c.rdMem(srcAddr(c, i, si), s); xh = c.hi;
      y = c.rdMem(di, s); yh = c.hi;
    } else {
      y = c.rdMem(di, s); yh = c.hi;
      x = c.rdMem(srcAddr(c, i, si), s); xh = c.hi;
    }
    alu(c, SUB, s, x, xh, y, yh);
    si = wrap(si + step, as); di = wrap(di + step, as); n--;
    setIdx(c, RSI, as, si); setIdx(c, RDI, as, di);
    if (i.rep) setIdx(c, RCX, as, n);
    if (i.rep && stopRep(c, i)) break;
  }
}
function scas(c: Cpu, i: Insn): void {
  const s = i.osize, as = i.asize, step = (getFlags(c.f) & DF) ? -s : s;
  let n = i.rep ? getIdx(c, RCX, as) : 1;
  let di = getIdx(c, RDI, as);
  const x = c.getR(RAX, s), xh = c.hi;
  while (n > 0) {
    const y = c.rdMem(di, s), yh = c.hi;
    alu(c, SUB, s, x, xh, y, yh);
    di = wrap(di + step, as); n--;
    setIdx(c, RDI, as, di);
    if (i.rep) setIdx(c, RCX, as, n);
    if (i.rep && stopRep(c, i)) break;
  }
}
function stopRep(c: Cpu, i: Insn): boolean {
  const zf = (getFlags(c.f) & ZF) !== 0;
  return i.rep === 0xf3 ? !zf : zf;
}

def(0, 0xa4, { name: 'movs', fn: movs, size: 'b' });
def(0, 0xa5, { name: 'movs', fn: movs });
def(0, 0xa6, { name: 'cmps', fn: cmps, size: 'b' });
def(0, 0xa7, { name: 'cmps', fn: cmps });
def(0, 0xaa, { name: 'stos', fn: stos, size: 'b' });
def(0, 0xab, { name: 'stos', fn: stos });
def(0, 0xac, { name: 'lods', fn: lods, size: 'b' });
def(0, 0xad, { name: 'lods', fn: lods });
def(0, 0xae, { name: 'scas', fn: scas, size: 'b' });
def(0, 0xaf, { name: 'scas', fn: scas });

// ---- flag instructions -------------------------------------------------------------------------------

function clc(c: Cpu): void { setFlags(c.f, getFlags(c.f) & ~CF); }
function stc(c: Cpu): void { setFlags(c.f, getFlags(c.f) | CF); }
function cmc(c: Cpu): void { setFlags(c.f, getFlags(c.f) ^ CF); }
function cld(c: Cpu): void { setFlags(c.f, getFlags(c.f) & ~DF); }
function std(c: Cpu): void { setFlags(c.f, getFlags(c.f) | DF); }
def(0, 0xf8, { name: 'clc', fn: clc });
def(0, 0xf9, { name: 'stc', fn: stc });
def(0, 0xf5, { name: 'cmc', fn: cmc });
def(0, 0xfc, { name: 'cld', fn: cld });
def(0, 0xfd, { name: 'std', fn: std });
