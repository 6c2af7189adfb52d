// Segment-register instructions user code runs: MOV Sreg, r/m; PUSH/POP of ES CS SS DS (32-bit
// mode only) and FS GS; LDS/LES (32-bit mode only: in 64-bit mode C4/C5 are VEX prefixes, and in
// 32-bit mode their register forms are VEX too) and LSS/LFS/LGS. Loads go through Cpu.loadSeg
// (cpu/segments.ts): the descriptor checks and the FS/GS base. MOV r/m, Sreg is in mov.ts.
// Proven against the hardware by test/cpu/segments.test.ts.

import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { def } from '../table.js';
import { RSP } from '../state.js';
import { raiseUD } from '../fault.js';
import { readSelector, SEG_CS, SEG_ES, SEG_SS, SEG_DS, SEG_FS, SEG_GS } from '../segments.js';

/** 8E /r: MOV Sreg, r/m16. CS cannot be loaded, and there is no segment register 6 or 7. */
function movSE(c: Cpu, i: Insn): void {
  const n = i.reg & 7;
  if (n === SEG_CS || n > 5) return raiseUD(c, i);
  c.loadSeg(n, c.rdE(i, 2));
}
def(0, 0x8e, { flags: 'n', name: 'mov sreg', fn: movSE, modrm: true });

/** PUSH Sreg: a 32- or 64-bit push stores the selector zero-extended to the operand size
 *  (measured on this AMD host; recent Intel cores write only 16 bits). */
function pushS(c: Cpu, i: Insn): void {
  c.push(i.osize, readSelector(c, i.ext));
}
/** POP Sreg: the stack is read first, the load may fault, and only then does RSP move. */
function popS(c: Cpu, i: Insn): void {
  const sp = c.regAddr(RSP);
  const v = c.rdMem(sp, i.osize);
  c.loadSeg(i.ext, v & 0xffff);
  c.setRegAddr(RSP, sp + i.osize);
}
const S32: [number, number, boolean][] = [[0x06, SEG_ES, true], [0x07, SEG_ES, false], [0x0e, SEG_CS, true],
  [0x16, SEG_SS, true], [0x17, SEG_SS, false], [0x1e, SEG_DS, true], [0x1f, SEG_DS, false]];
for (const [op, n, push] of S32) {
  def(0, op, { flags: 'n', name: push ? 'push sreg' : 'pop sreg', fn: push ? pushS : popS, size: 'd64', ext: n, only: 32 });
}
def(1, 0xa0, { flags: 'n', name: 'push sreg', fn: pushS, size: 'd64', ext: SEG_FS });
def(1, 0xa1, { flags: 'n', name: 'pop sreg', fn: popS, size: 'd64', ext: SEG_FS });
def(1, 0xa8, { flags: 'n', name: 'push sreg', fn: pushS, size: 'd64', ext: SEG_GS });
def(1, 0xa9, { flags: 'n', name: 'pop sreg', fn: popS, size: 'd64', ext: SEG_GS });

/** LDS/LES/LSS/LFS/LGS r, m16:16/32: offset, then selector; the segment is loaded (and may fault)
 *  before the register is written. This AMD host ignores REX.W (m16:32), unlike Intel. */
function lxs(c: Cpu, i: Insn): void {
  const s = i.osize === 2 ? 2 : 4;
  const a = c.ea(i);
  const off = c.rdMem(a, s);
  const sel = c.rdMem(c.mode64 ? a + s : (a + s) >>> 0, 2);
  c.loadSeg(i.ext, sel);
  c.setR(i.reg, s, off);
}
def(0, 0xc4, { flags: 'n', name: 'les', fn: lxs, modrm: true, form: 'mem', ext: SEG_ES, only: 32 });
def(0, 0xc5, { flags: 'n', name: 'lds', fn: lxs, modrm: true, form: 'mem', ext: SEG_DS, only: 32 });
def(1, 0xb2, { flags: 'n', name: 'lss', fn: lxs, modrm: true, form: 'mem', ext: SEG_SS });
def(1, 0xb4, { flags: 'n', name: 'lfs', fn: lxs, modrm: true, form: 'mem', ext: SEG_FS });
def(1, 0xb5, { flags: 'n', name: 'lgs', fn: lxs, modrm: true, form: 'mem', ext: SEG_GS });
