// The opcode table: data that drives the decoder (DESIGN.md decision 5). Instruction families
// in cpu/ops/*.ts register their entries with def(); the decoder and the instruction-coverage
// count of the CPU test suite both read this one table.

import type { Handler } from './insn.js';

/** How the operand size is chosen.
 *  b: 8-bit; v: 16/32/64 by 0x66 and REX.W (default 32); d64: default 64 in long mode (push, pop);
 *  f64: always 64 in long mode (near branches); w/d/q: fixed 16/32/64; y: 32, or 64 with REX.W. */
export type SizeRule = 'b' | 'v' | 'd64' | 'f64' | 'w' | 'd' | 'q' | 'y';

/** Immediate operand kinds.
 *  b: imm8 sign-extended; ub: imm8 zero-extended; w: imm16 zero-extended; d: imm32 sign-extended;
 *  z: imm16 or imm32 by operand size, sign-extended; v: imm16/32/64 by operand size (MOV r, imm);
 *  o: a moffs address of address size (stored in disp); wb: imm16 then imm8 (ENTER). */
export type ImmKind = 'b' | 'ub' | 'w' | 'd' | 'z' | 'v' | 'o' | 'wb';

/** Mandatory-prefix selector for 0F-map instructions (SSE): which of none/66/F3/F2 picks the entry. */
export type Mandatory = 'none' | '66' | 'F3' | 'F2';

export interface OpDef {
  name: string;
  fn: Handler;
  modrm?: boolean;
  imm?: ImmKind;
  size?: SizeRule;
  /** Constant handed to the handler in Insn.ext. */
  ext?: number;
  /** Ends a decoded block (control transfer, syscall, anything that changes RIP or the mode). */
  ends?: boolean;
  /** Only valid in 64-bit mode / only in 32-bit mode. */
  only?: 64 | 32;
  /** Accepts a LOCK prefix (with a memory destination); LOCK on anything else is #UD. */
  lock?: boolean;
  /** Only with mod == 3 (register form) or only with a memory operand. */
  form?: 'reg' | 'mem';
  /** Flag effects for the block-local liveness pass: 'w' writes all six arithmetic flags and
   *  reads none; 'n' neither reads nor writes them; 'r' writes CF and OF only (rotates by a
   *  constant). Absent: may read them (conservative). */
  flags?: 'w' | 'n' | 'r';
  /** Returns a handler specialised for this decoded instance (size, register forms), or undefined. */
  spec?: (i: import('./insn.js').Insn) => Handler | undefined;
}

export interface Slot {
  /** Entry used when no mandatory prefix matches (or for non-SSE opcodes). */
  any?: OpDef | OpDef[];
  none?: OpDef | OpDef[];
  p66?: OpDef | OpDef[];
  pF3?: OpDef | OpDef[];
  pF2?: OpDef | OpDef[];
  /** Group opcodes: entries by ModRM.reg in an array of 16: index reg for the memory form
   *  (mod != 3), 8 + reg for the register form (mod == 3); the slot has modrm. */
  group?: boolean;
  /** The opcode takes a ModRM byte (required to decode groups and mandatory-prefix forms). */
  modrm?: boolean;
}

/** maps[map][opcode]; map 0 one-byte, 1 = 0F, 2 = 0F38, 3 = 0F3A. */
export const maps: Slot[][] = [0, 1, 2, 3].map(() => Array.from({ length: 256 }, () => ({} as Slot)));

function key(m: Mandatory | undefined): 'any' | 'none' | 'p66' | 'pF3' | 'pF2' {
  return m === undefined ? 'any' : m === 'none' ? 'none' : m === '66' ? 'p66' : m === 'F3' ? 'pF3' : 'pF2';
}

/** Registers one opcode. With `reg` (0..7) it is one member of a ModRM.reg group; a group member
 *  with form 'reg' or 'mem' covers only that ModRM form, so both forms of one reg can differ (x87). */
export function def(map: number, opcode: number, d: OpDef, opts: { mandatory?: Mandatory; reg?: number } = {}): void {
  const slot = maps[map][opcode];
  const k = key(opts.mandatory);
  // Mandatory-prefix (SSE-style) instructions never read RFLAGS; the ones that write some
  // (COMISS, PTEST, POPCNT, ...) are safely transparent for the liveness pass.
  if (opts.mandatory && d.flags === undefined) d = { ...d, flags: 'n' };
  if (opts.reg !== undefined) {
    slot.group = true;
    slot.modrm = true;
    let arr = slot[k];
    if (!Array.isArray(arr)) { arr = new Array<OpDef>(16); slot[k] = arr; }
    const idx = d.form === 'reg' ? [8 + opts.reg] : d.form === 'mem' ? [opts.reg] : [opts.reg, 8 + opts.reg];
    for (const x of idx) {
      if (arr[x]) throw new Error(`opcode table: ${map}:${opcode.toString(16)}/${opts.reg} defined twice`);
      arr[x] = { ...d, modrm: true };
    }
    return;
  }
  if (slot[k]) throw new Error(`opcode table: ${map}:${opcode.toString(16)} ${k} defined twice`);
  slot[k] = d;
  if (d.modrm) slot.modrm = true;
}

/** Registers the same definition for opcode + 0..7 (register-in-opcode forms such as PUSH r). */
export function defRange(map: number, opcode: number, count: number, d: OpDef): void {
  for (let k = 0; k < count; k++) def(map, opcode + k, d);
}

/** Every entry, for coverage reports: [map, opcode, mandatory, reg|-1, def]. */
export function allEntries(): [number, number, string, number, OpDef][] {
  const out: [number, number, string, number, OpDef][] = [];
  maps.forEach((m, mi) => m.forEach((slot, op) => {
    for (const k of ['any', 'none', 'p66', 'pF3', 'pF2'] as const) {
      const e = slot[k];
      if (!e) continue;
      if (Array.isArray(e)) e.forEach((d, x) => { if (d && (x < 8 || d.form === 'reg')) out.push([mi, op, k, x & 7, d]); });
      else out.push([mi, op, k, -1, e]);
    }
  }));
  return out;
}
