// One decoded instruction. The decoder fills every field once; handlers read them on every
// execution. A single class with all fields keeps V8's object shape monomorphic.

import type { Cpu } from './cpu.js';

export type Handler = (c: Cpu, i: Insn) => void;

export const SEG_ES = 0, SEG_CS = 1, SEG_SS = 2, SEG_DS = 3, SEG_FS = 4, SEG_GS = 5;

export class Insn {
  fn: Handler;
  /** Address of the first byte, and of the next instruction. */
  addr = 0;
  next = 0;
  len = 0;
  /** Opcode byte within its map; map 0 = one-byte, 1 = 0F, 2 = 0F38, 3 = 0F3A. */
  op = 0;
  map = 0;
  /** Operand size in bytes (1, 2, 4, 8) after prefixes and the table's size rule. */
  osize = 4;
  /** Address size in bytes: 8 in long mode, 4 with 0x67 there or in 32-bit mode, 2 with 0x67 in 32-bit mode. */
  asize = 8;
  /** ModRM fields; reg and rm include REX.R / REX.B. mod = 3 means rm names a register. */
  hasModrm = false;
  mod = 3;
  reg = 0;
  rm = 0;
  /** Byte-register encodings of reg and rm: 16..19 are AH, CH, DH, BH (no REX prefix). */
  regb = 0;
  rmb = 0;
  /** Memory operand: base/index register numbers (-1 for none), scale (1,2,4,8), disp.
   *  A RIP-relative operand has base = index = -1 and disp = the absolute address. */
  base = -1;
  index = -1;
  scale = 1;
  disp = 0;
  /** Segment override (SEG_*) or -1. Only FS and GS have a base in long mode. */
  seg = -1;
  /** Immediate, sign- or zero-extended to 32 bits as the table says, and its high word. */
  imm = 0;
  immHi = 0;
  /** Second immediate (ENTER's nesting level). */
  imm2 = 0;
  /** 0, 0xF2 or 0xF3 when a REP prefix applies (not consumed as a mandatory SSE prefix). */
  rep = 0;
  lock = false;
  /** Prefix bytes seen, raw: 0x66 operand-size, REX byte (0 when absent). */
  p66 = false;
  rex = 0;
  /** Which mandatory prefix selected the table entry: 0 none, 0x66, 0xF3, 0xF2. */
  mandatory = 0;
  /** Per-entry constant from the table (ALU operation, condition code, ...). */
  ext = 0;
  /** VEX: vvvv register (inverted back to a number), L bit; -1 when not VEX-encoded. */
  vvvv = -1;
  vexL = 0;
  /** True for instructions that end a decoded block (branches, syscall, ...). */
  ends = false;
  /** Flag effect class from the table ('w', 'n' or '' for may-read), for the liveness pass. */
  flagFx = '';
  /** Set by the liveness pass: no later instruction can observe the flags this one writes. */
  flagsDead = false;

  constructor(fn: Handler) { this.fn = fn; }
}
