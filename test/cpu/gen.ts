// Case generator for the differential integer-instruction suite. It walks the opcode table
// (allEntries() in cpu/table.ts: the same data the decoder runs on) and, for every integer entry,
// produces cases for each operand size, register and memory form, with edge and seeded random
// operands and both values of the flags the instruction reads. The semantics the generator needs
// (which registers are implicit operands, which flags the SDM/APM leave undefined) are keyed by
// the entry's name; encodings come from the entry itself (opcode, map, mandatory prefix, group
// digit, size rule, immediate kind).

import type { OpDef } from '../../cpu/table.js';
import { encode, Enc, Mem, Operand, regName, memText, GPR_NAMES, A16_REGS } from './encode.js';

export const regNames = GPR_NAMES;
import { Case, SCR_BYTES, FS_DELTA, GS_DELTA, Layout, LOW_SCR, lowMappable } from './harness.js';

export interface Entry { map: number; op: number; key: string; reg: number; d: OpDef; id: string }

export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, TF = 0x100, IF = 0x200, DF = 0x400, OF = 0x800;
export const ARITH = CF | PF | AF | ZF | SF | OF;
const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;

// ---- deterministic random numbers -----------------------------------------------------------------

export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  u32(): number {                                   // mulberry32
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n: number): number { return this.u32() % n; }
  chance(p: number): boolean { return this.u32() / 4294967296 < p; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
  u64(): bigint { return (BigInt(this.u32()) << 32n) | BigInt(this.u32()); }
  /** A value of `bits` bits: uniform, small, near a boundary, or sparse. */
  val(bits: number): bigint {
    const m = mask(bits), s = 1n << BigInt(bits - 1);
    const r = this.int(8);
    if (r < 4) return this.u64() & m;
    if (r === 4) return BigInt(this.int(300)) & m;
    if (r === 5) return (s + BigInt(this.int(9)) - 4n) & m;
    if (r === 6) return (m - BigInt(this.int(5))) & m;
    return ((1n << BigInt(this.int(bits))) | (this.chance(0.5) ? 1n << BigInt(this.int(bits)) : 0n)) & m;
  }
}

export function mask(bits: number): bigint { return (1n << BigInt(bits)) - 1n; }
function sx(v: bigint, bits: number): bigint { return BigInt.asIntN(bits, v); }

function uniq(a: bigint[]): bigint[] { return [...new Set(a)]; }

/** Edge values at a width: 0, 1, -1, signed and unsigned boundaries, byte carries. */
export function edges(bits: number): bigint[] {
  const m = mask(bits), s = 1n << BigInt(bits - 1);
  const raw = [0n, 1n, 2n, m, m - 1n, s, s - 1n, s + 1n, 0x0fn, 0x10n, 0x7fn, 0x80n, 0xffn, 0x100n, 0x7fffn, 0x8000n,
    0xffffn, 0x10000n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x00ff00ff00ff00ffn, 0x0123456789abcdefn];
  return uniq(raw.map((v) => v & m));
}
/** A smaller edge set for cross products. */
function core(bits: number): bigint[] {
  const m = mask(bits), s = 1n << BigInt(bits - 1);
  return uniq([0n, 1n, m, s, s - 1n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0x7fffffffn, 0x80000000n].map((v) => v & m));
}

// ---- per-case builder ---------------------------------------------------------------------------------

type Val = bigint | string;

class B {
  regs = new Map<number, Val>();
  mem = new Map<number, number>();
  memSym = new Map<number, string>();
  flags: bigint;
  undefFlags = 0;
  undefRegs: [number, bigint][] = [];
  undefMem: [number, number][] = [];
  memOp?: [number, number];
  /** Physical registers that must not be chosen as operands (address registers, implicit ones). */
  blocked = new Set<number>();
  /** Operand registers already chosen (exact operand numbers incl. 16..19). */
  chosen = new Set<number>();
  private rexOff = false;
  /** No REX prefix (always in 32-bit mode): registers 0..7, byte registers AL..BL and AH..BH. */
  get noRex(): boolean { return this.rexOff || this.g.mode32; }
  set noRex(v: boolean) { this.rexOff = v; }
  pfx: number[] = [];
  /** Address size: 8, or 4 = an 0x67 prefix (32-bit addressing in 64-bit mode, 16-bit in 32-bit mode). */
  asize = 8;
  /** The case addresses the low mirror of scratch (16-bit addressing, harness LOW_SCR). */
  low = false;
  pre?: string[];
  after?: string[];
  info?: string;

  constructor(public g: Gen) {
    this.flags = g.randFlags();
  }

  block(...n: number[]): this { for (const x of n) this.blocked.add(x); return this; }

  /** Chooses an operand register (byte: may return 16..19 = AH..BH when no REX is used). */
  pickReg(o: { byte?: boolean; rsp?: boolean; same?: number } = {}): number {
    const r = this.g.rng;
    if (o.same !== undefined) return o.same;
    let cand: number[];
    if (o.byte && this.noRex) cand = [0, 1, 2, 3, 16, 17, 18, 19];
    else cand = this.noRex ? [0, 1, 2, 3, 4, 5, 6, 7] : Array.from({ length: 16 }, (_, k) => k);
    cand = cand.filter((n) => !this.blocked.has(n >= 16 ? n - 16 : n) && !this.chosen.has(n) && (o.rsp || (n !== RSP)));
    if (cand.length === 0) throw new Error('no register left');
    const n = r.pick(cand);
    this.chosen.add(n);
    return n;
  }

  /** Sets an operand register's value at `size` bytes, keeping (random) other bits. */
  set(n: number, size: number, v: bigint): void {
    const p = n >= 16 ? n - 16 : n, sh = n >= 16 ? 8n : 0n;
    const old = this.regs.get(p);
    const base = typeof old === 'bigint' ? old : this.g.rng.u64();
    const m = mask(size * 8) << sh;
    this.regs.set(p, (base & ~m) | ((v << sh) & m));
  }
  setFull(n: number, v: Val): void { this.regs.set(n, v); this.blocked.add(n); }
  get(n: number, size: number): bigint {
    const p = n >= 16 ? n - 16 : n, sh = n >= 16 ? 8n : 0n;
    const v = this.regs.get(p);
    return typeof v === 'bigint' ? (v >> sh) & mask(size * 8) : 0n;
  }

  setMem(off: number, size: number, v: bigint): void {
    for (let k = 0; k < size; k++) this.mem.set(off + k, Number((v >> BigInt(8 * k)) & 0xffn));
  }

  /** A memory operand that addresses scratch+off, in a random addressing form. */
  memOperand(off: number, size: number, o: { noSeg?: boolean; noRip?: boolean } = {}): Mem {
    const r = this.g.rng;
    this.memOp = [off, size];
    const free = (index = false): number => {
      const cand = (this.noRex ? [0, 1, 2, 3, 4, 5, 6, 7] : Array.from({ length: 16 }, (_, k) => k))
        .filter((n) => !this.blocked.has(n) && !(index && n === RSP) && ![...this.chosen].some((c) => (c >= 16 ? c - 16 : c) === n));
      const n = r.pick(cand);
      this.blocked.add(n);
      return n;
    };
    const form = r.int(20);
    const m32 = this.g.mode32;
    if (m32 && form >= 17) return this.mem16(off);            // 0x67: 16-bit addressing
    if (form < 5) {                                           // [base]
      const b = free();
      this.regs.set(b, sym('scratch', off));
      return { base: b };
    }
    if (form < 9) {                                           // [base + disp8/disp32]
      // RSP as the base stays near scratch: 12 KiB above it is the signal altstack, and a fault with
      // RSP inside the altstack makes the kernel build the frame there and overflow it (seed 110)
      const b = free(), d = r.chance(0.6) || b === RSP ? r.int(256) - 128 : r.int(0x20000) - 0x10000;
      this.regs.set(b, sym('scratch', off - d));
      return { base: b, disp: d };
    }
    if (form < 12) {                                          // [base + index*scale + disp]
      const b = free();
      const x = free(true);
      const scale = r.pick([1, 2, 4, 8] as const), xv = r.int(2001) - 1000, d = r.chance(0.5) ? 0 : r.int(256) - 128;
      this.regs.set(x, BigInt.asUintN(64, BigInt(xv)));
      this.regs.set(b, sym('scratch', off - d - xv * scale));
      return { base: b, index: x, scale, disp: d };
    }
    if (form < 14 && !o.noRip && !m32) return { rip: true, sym: sym('scratch', off) };
    if (form < 15) return { sym: sym('scratch', off) };    // [disp32]
    if (form < 16 || m32) {                                   // [index*scale + disp32]
      const x = free(true);
      const scale = r.pick([1, 2, 4, 8] as const), xv = r.int(200);
      this.regs.set(x, BigInt(xv));
      return { index: x, scale, sym: sym('scratch', off - xv * scale) };
    }
    if (form < 18 && !o.noSeg && !m32) {                      // fs: / gs: [base + disp]
      const gs = r.chance(0.5), b = free(), d = r.int(256) - 128;
      this.pfx.push(gs ? 0x65 : 0x64);
      this.regs.set(b, BigInt((gs ? GS_DELTA : FS_DELTA) + off - d));
      return { base: b, disp: d };
    }
    // 0x67: 32-bit address; the base register's upper half is garbage that must be ignored
    const b = free(), d = r.int(256) - 128;
    void m32;
    this.asize = 4;
    this.regs.set(b, `0x${((r.u32() | 1) >>> 0).toString(16)}00000000+${sym('scratch', off - d)}`);
    return { base: b, disp: d };
  }

  /** A 16-bit memory operand (32-bit mode with 0x67) that reaches LOW_SCR+off, the low mirror of
   *  scratch+off: the sum of BX/BP/SI/DI and the displacement wraps at 2^16, and the registers'
   *  bits above 15 are garbage that must be ignored. `target` overrides the address (LEA). */
  mem16(off: number, target = LOW_SCR + off): Mem {
    const r = this.g.rng;
    this.asize = 4;
    this.low = true;
    let form = r.int(9);
    const taken = (n: number) => this.blocked.has(n) || [...this.chosen].some((c) => (c >= 16 ? c - 16 : c) === n);
    if (A16_REGS[form].some(taken)) form = 8;
    if (form === 8) return { a16: 8, disp: target & 0xffff };
    const k = r.int(3);
    const d = k === 0 ? 0 : k === 1 ? r.int(256) - 128 : r.int(65536) - 32768;
    const regs = A16_REGS[form];
    let rest = (target - d) & 0xffff;
    for (let j = 0; j < regs.length; j++) {
      const v = j === regs.length - 1 ? rest : r.int(65536);
      rest = (rest - v) & 0xffff;
      this.regs.set(regs[j], (this.g.rng.u64() & ~0xffffn) | BigInt(v));
      this.blocked.add(regs[j]);
    }
    return { a16: form, disp: d, disp32: k === 2 };
  }
}

function sym(s: string, n: number): string { return n >= 0 ? `${s}+${n}` : `${s}-${-n}`; }
function hx(v: bigint): string { return '0x' + BigInt.asUintN(64, v).toString(16); }

// ---- entries: sizes, prefixes, immediates --------------------------------------------------------------

/** Set while generating compatibility-mode (32-bit) cases. */
let MODE32 = false;
export function sizesOf(d: OpDef): number[] {
  switch (d.size ?? 'v') {
    case 'b': return [1];
    case 'v': return MODE32 ? [2, 4] : [2, 4, 8];
    case 'd64': return MODE32 ? [4, 2] : [8, 2];
    case 'f64': return MODE32 ? [4] : [8];
    case 'w': return [2];
    case 'd': return [4];
    case 'q': return MODE32 ? [] : [8];
    case 'y': return MODE32 ? [4] : [4, 8];
  }
}
function sizeEnc(d: OpDef, osize: number): { pfx: number[]; rexW: boolean } {
  const rule = d.size ?? 'v';
  if (osize === 2 && (rule === 'v' || rule === 'd64')) return { pfx: [0x66], rexW: false };
  if (osize === 8 && (rule === 'v' || rule === 'y')) return { pfx: [], rexW: true };
  return { pfx: [], rexW: false };
}
function mandatory(e: Entry): number[] {
  return e.key === 'pF3' ? [0xf3] : e.key === 'pF2' ? [0xf2] : e.key === 'p66' ? [0x66] : [];
}
/** Immediate byte count for the entry's kind at an operand size. */
function immSize(kind: string | undefined, osize: number): number {
  switch (kind) {
    case 'b': case 'ub': return 1;
    case 'w': return 2;
    case 'd': return 4;
    case 'z': return osize === 2 ? 2 : 4;
    case 'v': return osize;
    default: return 0;
  }
}
/** The operand value an immediate of the entry's kind yields at osize. */
function immValue(kind: string | undefined, osize: number, raw: bigint): bigint {
  const n = immSize(kind, osize) * 8, m = mask(osize * 8);
  return (kind === 'ub' || kind === 'w' ? raw & mask(n) : sx(raw & mask(n), n)) & m;
}
function memForms(d: OpDef): boolean[] {
  if (!d.modrm) return [false];
  return d.form === 'reg' ? [false] : d.form === 'mem' ? [true] : [false, true];
}

// ---- the generator ---------------------------------------------------------------------------------------

export class Gen {
  rng: Rng;
  cases: Case[] = [];
  lay: Layout;
  /** Entries the generator has no family for (they fail the coverage check). */
  unknown: Entry[] = [];
  /** Generating 32-bit (compatibility mode) cases: no REX, no RIP-relative, 0x67 means 16-bit addressing. */
  get mode32(): boolean { return MODE32; }
  set mode32(v: boolean) { MODE32 = v; }

  constructor(seed: number) {
    this.rng = new Rng(seed);
    const regs: Val[] = [];
    for (let n = 0; n < 16; n++) regs.push(n === RSP ? 'scratch+224' : this.rng.u64());
    const scr = new Uint8Array(SCR_BYTES);
    for (let k = 0; k < SCR_BYTES; k++) scr[k] = this.rng.int(256);
    this.lay = { bgRegs: regs, bgScratch: scr, low: lowMappable() };
  }

  randFlags(): bigint {
    let f = 0x202;
    for (const b of [CF, PF, AF, ZF, SF, OF]) if (this.rng.chance(0.5)) f |= b;
    if (this.rng.chance(0.15)) f |= DF;
    return BigInt(f);
  }

  b(): B { return new B(this); }

  /** Emits a case. */
  add(b: B, name: string, enc: Enc, text: string): void {
    enc.pfx = [...b.pfx, ...(b.asize === 4 ? [0x67] : []), ...(enc.pfx ?? [])];
    if (this.mode32) {
      // 64-bit-only encodings are dropped; FS/GS hold null selectors in this process's compat mode
      if (enc.rexW || enc.rex || enc.pfx.some((p) => (p & 0xf0) === 0x40 || p === 0x64 || p === 0x65)) return;
      // 0x67 in 32-bit code is 16-bit addressing: a 32-bit ModRM would decode to another length
      const m = enc.rm && 'mem' in enc.rm ? enc.rm.mem : undefined;
      if (m && (b.asize === 4) !== (m.a16 !== undefined)) throw new Error(`32-bit mode case with ${b.asize === 4 ? '0x67 and a 32-bit' : 'a 16-bit operand and no 0x67'} memory operand: ${text}`);
      // the upper halves of RAX..RDI are undefined after compatibility mode
      for (let n = 0; n < 8; n++) b.undefRegs.push([n, mask(64) ^ mask(32)]);
    }
    if (b.noRex && enc.rexW) throw new Error('noRex with REX.W');
    const e = encode(enc);
    if (this.mode32 && e.rex) return;
    this.cases.push({
      mode32: this.mode32,
      id: this.cases.length, name, text, code: e.lines, len: e.len, hex: e.hex, after: b.after, pre: b.pre,
      regs: b.regs as Map<number, bigint | string>, flags: b.flags, mem: b.mem, memSym: b.memSym,
      undefFlags: b.undefFlags, undefRegs: b.undefRegs, undefMem: b.undefMem, memOp: b.memOp, info: b.info, low: b.low, a16: this.mode32 && b.asize === 4,
    } as Case);
  }

  /** Builds the instruction encoding for an entry. */
  enc(e: Entry, osize: number, o: { reg?: number; rm?: Operand; opreg?: number; imm?: bigint[] | { size: number; expr: string }[]; rel?: Enc['rel']; byteReg?: boolean; byteRm?: boolean; pfx?: number[] }): Enc {
    const se = sizeEnc(e.d, osize);
    const sizes = e.d.imm === 'wb' ? [2, 1] : [immSize(e.d.imm, osize)];
    let imm: Enc['imm'];
    if (o.imm) imm = (o.imm as unknown[]).map((x, k) => typeof x === 'bigint' ? { size: sizes[k], val: x } : x as { size: number; expr: string });
    return {
      pfx: [...(o.pfx ?? []), ...se.pfx, ...mandatory(e)], rexW: se.rexW, map: e.map,
      op: o.opreg !== undefined ? e.op & ~7 : e.op,
      reg: e.reg >= 0 ? e.reg : o.reg, rm: o.rm, opreg: o.opreg, imm, rel: o.rel, byteReg: o.byteReg, byteRm: o.byteRm,
    };
  }

  /** All cases for one table entry; false when no family knows the entry. */
  entry(e: Entry): boolean {
    const f = FAMILIES[e.d.name];
    if (!f) { this.unknown.push(e); return false; }
    f(this, e);
    return true;
  }

  // ---- shared shapes -----------------------------------------------------------------------------

  /** An E (r/m) operand holding v: a register or scratch memory. */
  eOperand(b: B, mem: boolean, osize: number, v: bigint, o: { rsp?: boolean; off?: number } = {}): { rm: Operand; text: string; reg?: number } {
    if (mem) {
      const off = o.off ?? this.memOff(osize);
      const m = b.memOperand(off, osize);
      b.setMem(off, osize, v);
      return { rm: { mem: m }, text: memText(m, osize, b.asize) };
    }
    const r = b.pickReg({ byte: osize === 1, rsp: o.rsp });
    b.set(r, osize, v);
    return { rm: { reg: r }, text: regName(r, osize), reg: r };
  }

  /** Scratch offset for a memory operand: mostly aligned at the page boundary, sometimes crossing it. */
  memOff(size: number): number {
    const r = this.rng.int(10);
    if (r < 6) return 128;
    if (r < 8) return 128 - size + 1 + this.rng.int(Math.max(1, size - 1));   // straddles the page boundary
    return 64 + this.rng.int(100);
  }
}

// ---- flag helpers ---------------------------------------------------------------------------------------

/** Flag combinations for condition codes: all 16 of CF ZF SF OF, PF alternating. */
function ccFlags(): bigint[] {
  const out: bigint[] = [];
  for (let k = 0; k < 16; k++) {
    let f = 0x202;
    if (k & 1) f |= CF;
    if (k & 2) f |= ZF;
    if (k & 4) f |= SF;
    if (k & 8) f |= OF;
    if (((k * 7) >> 2) & 1) f |= PF;
    out.push(BigInt(f));
  }
  return out;
}
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

// ---- families -------------------------------------------------------------------------------------------

type Family = (g: Gen, e: Entry) => void;
const FAMILIES: Record<string, Family> = {};
const fam = (names: string[], f: Family) => { for (const n of names) FAMILIES[n] = f; };

/** Value pairs for a two-operand operation. */
function pairs(g: Gen, bits: number, full: boolean): [bigint, bigint][] {
  const c = core(bits), out: [bigint, bigint][] = [];
  if (full) { for (const a of c) for (const b of c) out.push([a, b]); }
  else { for (let k = 0; k < 20; k++) out.push([g.rng.pick(c), g.rng.pick(c)]); }
  for (let k = 0; k < (full ? 24 : 10); k++) out.push([g.rng.val(bits), g.rng.val(bits)]);
  for (let k = 0; k < (full ? 8 : 3); k++) { const v = g.rng.val(bits); out.push([v, v]); }
  return out;
}

/** Immediate raw values for a kind at a size (sign-extension boundaries included). */
function imms(g: Gen, kind: string | undefined, osize: number, n: number): bigint[] {
  const bytes = immSize(kind, osize), bits = bytes * 8;
  const base = edges(bits);
  const out = [...base.filter(() => g.rng.chance(0.6))];
  while (out.length < n) out.push(g.rng.val(bits));
  return out.slice(0, Math.max(n, 4));
}

/** Shape of a binary ALU-style entry from its opcode. */
function shapeOf(e: Entry): 'EG' | 'GE' | 'AI' | 'EI' {
  if (e.map === 0 && e.op < 0x40) { const lo = e.op & 7; return lo <= 1 ? 'EG' : lo <= 3 ? 'GE' : 'AI'; }
  if (e.map === 0 && (e.op === 0xa8 || e.op === 0xa9)) return 'AI';
  if (e.map === 0 && (e.op === 0x80 || e.op === 0x81 || e.op === 0x82 || e.op === 0x83 || e.op === 0xf6 || e.op === 0xf7)) return 'EI';
  return 'EG';
}

const LOGIC = new Set(['or', 'and', 'xor', 'test']);

fam(['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'test', 'xadd', 'cmpxchg'], (g, e) => {
  const name = e.d.name, shape = shapeOf(e), readsCF = name === 'adc' || name === 'sbb';
  for (const osize of sizesOf(e.d)) {
    const bits = osize * 8;
    for (const mem of shape === 'AI' ? [false] : memForms(e.d)) {
      const full = !mem && (shape === 'EG' || shape === 'GE');
      let list: [bigint, bigint][];
      if (shape === 'AI' || shape === 'EI') {
        const im = imms(g, e.d.imm, osize, 12);
        list = [];
        for (const i of im) list.push([g.rng.pick(core(bits)), i], [g.rng.val(bits), i]);
      } else list = pairs(g, bits, full);
      for (const [a, bv] of list) {
        for (const cf of readsCF ? [0n, 1n] : [-1n]) {
          const b = g.b();
          if (cf >= 0n) b.flags = (b.flags & ~1n) | cf;
          if (LOGIC.has(name)) b.undefFlags = AF;
          b.noRex = osize === 1 && g.rng.chance(0.35);
          if (shape === 'AI') {
            b.block(RAX);
            b.set(RAX, osize, a);
            const enc = g.enc(e, osize, { imm: [bv] });
            g.add(b, name, enc, `${name} ${regName(RAX, osize)}, ${hx(immValue(e.d.imm, osize, bv))}`);
            continue;
          }
          if (name === 'cmpxchg') b.block(RAX);
          const E = g.eOperand(b, mem, osize, a, { rsp: !mem && g.rng.chance(0.03) });
          if (shape === 'EI') {
            const enc = g.enc(e, osize, { rm: E.rm, imm: [bv], byteRm: osize === 1 });
            g.add(b, name, enc, `${name} ${E.text}, ${hx(immValue(e.d.imm, osize, bv))}`);
            continue;
          }
          const same = !mem && E.reg !== undefined && g.rng.chance(0.06) ? E.reg : undefined;
          const G = b.pickReg({ byte: osize === 1, same });
          if (same === undefined) b.set(G, osize, bv);
          if (name === 'cmpxchg') b.set(RAX, osize, g.rng.chance(0.5) ? a : bv ^ BigInt(g.rng.int(3)));
          const enc = g.enc(e, osize, { rm: E.rm, reg: G, byteReg: osize === 1, byteRm: osize === 1 });
          const gt = regName(G, osize);
          g.add(b, name, enc, shape === 'GE' ? `${name} ${gt}, ${E.text}` : `${name} ${E.text}, ${gt}`);
        }
      }
      // LOCK: valid with a memory destination of a lockable instruction, #UD otherwise
      if (shape !== 'AI' && osize === 4) {
        const b = g.b();
        if (name === 'cmpxchg') { b.block(RAX); b.set(RAX, 4, g.rng.val(32)); }
        const E = g.eOperand(b, mem, osize, g.rng.val(bits));
        if (shape === 'EI') {
          const i = g.rng.val(8);
          g.add(b, name, g.enc(e, osize, { rm: E.rm, imm: [i], pfx: [0xf0] }), `lock ${name} ${E.text}, ${hx(immValue(e.d.imm, osize, i))}`);
        } else {
          const G = b.pickReg();
          b.set(G, osize, g.rng.val(bits));
          g.add(b, name, g.enc(e, osize, { rm: E.rm, reg: G, pfx: [0xf0] }), `lock ${name} ${E.text}, ${regName(G, osize)}`);
        }
      }
    }
  }
});

fam(['inc', 'dec', 'neg', 'not'], (g, e) => {
  const name = e.d.name;
  if (!e.d.modrm) {                                            // 40+r / 48+r: 32-bit mode only
    for (const osize of sizesOf(e.d)) for (const v of [...edges(osize * 8), g.rng.val(osize * 8), g.rng.val(osize * 8)]) {
      const b = g.b();
      const r = e.op & 7;
      if (r === RSP) stackAt(b);
      b.set(r, osize, v);
      g.add(b, name, g.enc(e, osize, { opreg: r }), `${name} ${regName(r, osize)}`);
    }
    return;
  }
  for (const osize of sizesOf(e.d)) {
    const bits = osize * 8;
    for (const mem of memForms(e.d)) {
      const vals = [...edges(bits), ...Array.from({ length: 8 }, () => g.rng.val(bits))];
      for (const v of vals) {
        const b = g.b();
        b.noRex = osize === 1 && g.rng.chance(0.35);
        const E = g.eOperand(b, mem, osize, v);
        g.add(b, name, g.enc(e, osize, { rm: E.rm, byteRm: osize === 1 }), `${name} ${E.text}`);
      }
    }
  }
});

// ---- shifts and rotates -------------------------------------------------------------------------------

const SHIFTS = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];
function shiftUndef(op: number, count: number, bits: number): number {
  const mc = count & (bits === 64 ? 63 : 31);
  if (mc === 0) return 0;
  let u = 0;
  if (op >= 4) u |= AF;
  if (mc !== 1) u |= OF;
  if ((op === 4 || op === 5 || op === 6) && mc >= bits) u |= CF;
  return u;
}
fam(SHIFTS, (g, e) => {
  const name = e.d.name, op = e.reg;
  const src = e.op === 0xc0 || e.op === 0xc1 ? 'imm' : e.op === 0xd0 || e.op === 0xd1 ? 'one' : 'cl';
  for (const osize of sizesOf(e.d)) {
    const bits = osize * 8;
    for (const mem of memForms(e.d)) {
      const counts = src === 'one' ? [1, 1, 1, 1, 1, 1, 1, 1]
        : [0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 63, 64, 65, 127, 128, 200, 255];
      for (const count of counts) {
        const nv = src === 'one' ? 4 : mem ? 1 : 2;
        for (let k = 0; k < nv * (op === 2 || op === 3 ? 2 : 1); k++) {
          const v = k === 0 && src !== 'one' ? g.rng.pick(core(bits)) : g.rng.val(bits);
          const b = g.b();
          if (op === 2 || op === 3) b.flags = (b.flags & ~1n) | BigInt(k & 1);
          b.noRex = osize === 1 && g.rng.chance(0.35);
          b.undefFlags = shiftUndef(op, count, bits);
          if (src === 'cl') b.block(RCX);
          const E = g.eOperand(b, mem, osize, v);
          let enc: Enc, ct: string;
          if (src === 'cl') {
            b.set(RCX, 1, BigInt(count));
            enc = g.enc(e, osize, { rm: E.rm, byteRm: osize === 1 });
            ct = 'cl';
          } else if (src === 'imm') {
            enc = g.enc(e, osize, { rm: E.rm, imm: [BigInt(count)], byteRm: osize === 1 });
            ct = String(count);
          } else { enc = g.enc(e, osize, { rm: E.rm, byteRm: osize === 1 }); ct = '1'; }
          g.add(b, name, enc, `${name} ${E.text}, ${ct}${src === 'cl' ? ` (cl=${count})` : ''}`);
        }
      }
    }
  }
});

fam(['shld', 'shrd'], (g, e) => {
  const name = e.d.name, viaCl = e.op === 0xa5 || e.op === 0xad;
  for (const osize of sizesOf(e.d)) {
    const bits = osize * 8;
    for (const mem of memForms(e.d)) {
      for (const count of [0, 1, 2, 4, 7, 8, 9, 15, 16, 17, 20, 31, 32, 33, 40, 63, 64, 65, 255]) {
        for (let k = 0; k < (mem ? 1 : 3); k++) {
          const b = g.b();
          const mc = count & (bits === 64 ? 63 : 31);
          if (mc !== 0) b.undefFlags = AF | (mc !== 1 ? OF : 0);
          if (viaCl) b.block(RCX);
          const E = g.eOperand(b, mem, osize, k === 0 ? g.rng.pick(core(bits)) : g.rng.val(bits));
          const G = b.pickReg();
          b.set(G, osize, g.rng.val(bits));
          if (mc > bits) {
            // SDM: a count greater than the operand size leaves the result and the flags undefined
            b.undefFlags = ARITH;
            if (mem) b.undefMem.push([b.memOp![0], osize]);
            else b.undefRegs.push([(E.rm as { reg: number }).reg, mask(bits)]);
          }
          let enc: Enc;
          if (viaCl) { b.set(RCX, 1, BigInt(count)); enc = g.enc(e, osize, { rm: E.rm, reg: G }); }
          else enc = g.enc(e, osize, { rm: E.rm, reg: G, imm: [BigInt(count)] });
          g.add(b, name, enc, `${name} ${E.text}, ${regName(G, osize)}, ${viaCl ? `cl (=${count})` : count}`);
        }
      }
    }
  }
});

// ---- multiply and divide --------------------------------------------------------------------------------

fam(['mul', 'imul'], (g, e) => {
  const name = e.d.name;
  const kind = e.map === 1 ? 'GE' : e.op === 0x69 || e.op === 0x6b ? 'GEI' : 'one';
  for (const osize of sizesOf(e.d)) {
    const bits = osize * 8;
    for (const mem of memForms(e.d)) {
      const list = kind === 'GEI'
        ? imms(g, e.d.imm, osize, 14).flatMap((i): [bigint, bigint][] => [[g.rng.pick(core(bits)), i], [g.rng.val(bits), i]])
        : pairs(g, bits, !mem && osize >= 4);
      for (const [a, v] of list) {
        const b = g.b();
        b.undefFlags = SF | ZF | AF | PF;
        b.noRex = osize === 1 && g.rng.chance(0.35);
        if (kind === 'one') {
          b.block(RAX);
          if (osize > 1) b.block(RDX);
          b.set(RAX, osize, a);
          const E = g.eOperand(b, mem, osize, v);
          g.add(b, name, g.enc(e, osize, { rm: E.rm, byteRm: osize === 1 }), `${name} ${E.text} (${regName(RAX, osize)}=${hx(a)})`);
        } else if (kind === 'GE') {
          const E = g.eOperand(b, mem, osize, v);
          const G = b.pickReg();
          b.set(G, osize, a);
          g.add(b, name, g.enc(e, osize, { rm: E.rm, reg: G }), `${name} ${regName(G, osize)}, ${E.text}`);
        } else {
          const E = g.eOperand(b, mem, osize, a);
          const G = b.pickReg();
          g.add(b, name, g.enc(e, osize, { rm: E.rm, reg: G, imm: [v] }), `${name} ${regName(G, osize)}, ${E.text}, ${hx(immValue(e.d.imm, osize, v))}`);
        }
      }
    }
  }
});

fam(['div', 'idiv'], (g, e) => {
  const name = e.d.name, signed = name === 'idiv';
  for (const osize of sizesOf(e.d)) {
    const bits = osize * 8, m = mask(bits);
    for (const mem of memForms(e.d)) {
      const cases: [bigint, bigint][] = [];                    // [dividend (2*bits), divisor]
      const minS = -(1n << BigInt(bits - 1)), maxS = (1n << BigInt(bits - 1)) - 1n;
      // quotients that fit, with chosen remainders
      for (let k = 0; k < (mem ? 14 : 40); k++) {
        let d = k < 8 ? g.rng.pick(core(bits)) : g.rng.val(bits);
        if (d === 0n) d = 1n;
        let qv: bigint, r: bigint;
        if (signed) {
          const ds = sx(d, bits);
          qv = k % 5 === 0 ? g.rng.pick([maxS, minS, -1n, 0n, 1n]) : sx(g.rng.val(bits), bits);
          const ad = ds < 0n ? -ds : ds;
          r = ad > 1n ? BigInt(g.rng.int(1000000)) % ad : 0n;
          const n = qv * ds + (qv * ds < 0n ? -r : r);
          cases.push([BigInt.asUintN(bits * 2, n), d]);
        } else {
          qv = k % 5 === 0 ? g.rng.pick([m, 0n, 1n, m - 1n]) : g.rng.val(bits);
          r = d > 1n ? (k % 3 === 0 ? d - 1n : BigInt(g.rng.int(1000000)) % d) : 0n;
          cases.push([qv * d + r, d]);
        }
      }
      // faults: divide by zero, quotient overflow
      cases.push([g.rng.val(bits * 2), 0n], [0n, 0n], [1n << BigInt(bits), 1n], [BigInt.asUintN(bits * 2, -1n), 1n]);
      if (signed) cases.push([BigInt.asUintN(bits * 2, minS), m], [BigInt.asUintN(bits * 2, -(1n << BigInt(bits))), 2n]);
      for (let k = 0; k < 6; k++) cases.push([g.rng.val(bits * 2), g.rng.val(bits)]);
      for (const [n, d] of cases) {
        const b = g.b();
        b.undefFlags = ARITH;
        b.noRex = osize === 1 && g.rng.chance(0.35);
        b.block(RAX);
        if (osize > 1) b.block(RDX);
        if (osize === 1) b.set(RAX, 2, n & 0xffffn);
        else { b.set(RAX, osize, n & m); b.set(RDX, osize, (n >> BigInt(bits)) & m); }
        const E = g.eOperand(b, mem, osize, d);
        const dv = osize === 1 ? `ax=${hx(n & 0xffffn)}` : `${regName(RDX, osize)}:${regName(RAX, osize)}=${hx(n >> BigInt(bits))}:${hx(n & m)}`;
        g.add(b, name, g.enc(e, osize, { rm: E.rm, byteRm: osize === 1 }), `${name} ${E.text} (${dv})`);
      }
    }
  }
});

// ---- bit instructions -----------------------------------------------------------------------------------

fam(['bt', 'bts', 'btr', 'btc'], (g, e) => {
  const name = e.d.name, imm = e.op === 0xba;
  for (const osize of sizesOf(e.d)) {
    const bits = osize * 8;
    for (const mem of memForms(e.d)) {
      const offs = imm ? [0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 100, 127, 128, 255]
        : mem ? [0, 1, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 127, 200, 511, 800, -1, -2, -8, -9, -16, -17, -31, -32, -33, -63, -64, -65, -200, -500, -900]
          : [0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, -1, -32, -33];
      for (const off of offs) {
        for (let k = 0; k < (mem ? 1 : 2); k++) {
          const b = g.b();
          b.undefFlags = OF | SF | AF | PF;
          let E: { rm: Operand; text: string };
          if (mem) {
            // the operand addressed is scratch+128 + floor(off / bits) * osize; fill around it
            E = g.eOperand(b, true, osize, g.rng.val(bits), { off: 128 });
          } else E = g.eOperand(b, false, osize, g.rng.val(bits));
          if (imm) {
            g.add(b, name, g.enc(e, osize, { rm: E.rm, imm: [BigInt(off)] }), `${name} ${E.text}, ${off}`);
          } else {
            const G = b.pickReg();
            // the bit offset: signed at the operand size; garbage above it must be ignored
            b.set(G, 8, g.rng.u64());
            b.set(G, osize, BigInt.asUintN(bits, BigInt(off)));
            if (!mem && k === 1) b.set(G, osize, g.rng.val(bits));
            g.add(b, name, g.enc(e, osize, { rm: E.rm, reg: G }), `${name} ${E.text}, ${regName(G, osize)} (=${k === 1 && !mem ? 'rnd' : off})`);
          }
        }
      }
    }
  }
});

fam(['bsf', 'bsr', 'tzcnt', 'lzcnt', 'popcnt'], (g, e) => {
  const name = e.d.name;
  const undef = name === 'bsf' || name === 'bsr' ? CF | OF | SF | AF | PF : name === 'popcnt' ? 0 : OF | SF | AF | PF;
  for (const osize of sizesOf(e.d)) {
    const bits = osize * 8;
    for (const mem of memForms(e.d)) {
      const vals = [0n, 0n, 1n, mask(bits), 1n << BigInt(bits - 1), ...edges(bits)];
      for (let k = 0; k < bits; k += mem ? 7 : 3) vals.push(1n << BigInt(k), (mask(bits) << BigInt(k)) & mask(bits));
      for (let k = 0; k < 10; k++) vals.push(g.rng.val(bits));
      for (const v of vals) {
        const b = g.b();
        b.undefFlags = undef;
        const E = g.eOperand(b, mem, osize, v);
        const G = b.pickReg();
        g.add(b, name, g.enc(e, osize, { rm: E.rm, reg: G }), `${name} ${regName(G, osize)}, ${E.text}`);
      }
    }
  }
});

// ---- data movement --------------------------------------------------------------------------------------

fam(['mov'], (g, e) => {
  const op = e.op;
  for (const osize of sizesOf(e.d)) {
    const bits = osize * 8;
    const n = 10;
    if (op >= 0x88 && op <= 0x8b) {
      for (const mem of memForms(e.d)) for (let k = 0; k < n; k++) {
        const b = g.b();
        b.noRex = osize === 1 && g.rng.chance(0.35);
        const E = g.eOperand(b, mem, osize, g.rng.val(bits), { rsp: !mem && g.rng.chance(0.05) });
        const G = b.pickReg({ byte: osize === 1 });
        b.set(G, osize, g.rng.val(bits));
        const enc = g.enc(e, osize, { rm: E.rm, reg: G, byteReg: osize === 1, byteRm: osize === 1 });
        g.add(b, 'mov', enc, op & 2 ? `mov ${regName(G, osize)}, ${E.text}` : `mov ${E.text}, ${regName(G, osize)}`);
      }
    } else if (op === 0xc6 || op === 0xc7) {
      for (const mem of memForms(e.d)) for (const i of imms(g, e.d.imm, osize, n)) {
        const b = g.b();
        b.noRex = osize === 1 && g.rng.chance(0.35);
        const E = g.eOperand(b, mem, osize, g.rng.val(bits));
        g.add(b, 'mov', g.enc(e, osize, { rm: E.rm, imm: [i], byteRm: osize === 1 }), `mov ${E.text}, ${hx(immValue(e.d.imm, osize, i))}`);
      }
    } else if (op >= 0xb0 && op <= 0xbf) {
      for (const rexB of [false, true]) for (const i of imms(g, e.d.imm, osize, 6)) {
        const b = g.b();
        let r = (op & 7) | (rexB ? 8 : 0);
        if (osize === 1 && !rexB && r >= 4 && g.rng.chance(0.5)) r += 12;   // AH..BH without REX
        const enc = g.enc(e, osize, { opreg: r, imm: [i], byteRm: osize === 1 });
        if (osize === 1 && r >= 4 && r < 8) enc.rex = true;
        g.add(b, 'mov', enc, `mov ${regName(r, osize)}, ${hx(immValue(e.d.imm, osize, i))}`);
      }
    } else if (op >= 0xa0 && op <= 0xa3) {
      for (const a32 of [false, true]) for (let k = 0; k < 5; k++) {
        const b = g.b();
        b.block(RAX);
        const off = g.memOff(osize);
        b.setMem(off, osize, g.rng.val(bits));
        b.set(RAX, osize, g.rng.val(bits));
        b.memOp = [off, osize];
        if (a32) b.asize = 4;
        // in 32-bit mode 0x67 makes the offset 16 bits wide: the low mirror of scratch
        if (a32 && g.mode32) b.low = true;
        const enc = g.enc(e, osize, { imm: [a32 && g.mode32 ? { size: 2, expr: String(LOW_SCR + off) } : { size: a32 || g.mode32 ? 4 : 8, expr: sym('scratch', off) }] });
        const mt = `${osize === 1 ? 'byte' : osize === 2 ? 'word' : osize === 4 ? 'dword' : 'qword'} [moffs${g.mode32 ? (a32 ? '16' : '32') : a32 ? '32' : '64'} scratch+${off}]`;
        g.add(b, 'mov', enc, op & 2 ? `mov ${mt}, ${regName(RAX, osize)}` : `mov ${regName(RAX, osize)}, ${mt}`);
      }
    } else if (op === 0x8c) {
      // MOV r/m, Sreg: Linux user selectors; reg 6 and 7 name no segment register (#UD)
      for (const mem of memForms(e.d)) for (let sreg = 0; sreg < 8; sreg++) {
        const b = g.b();
        const E = g.eOperand(b, mem, mem ? 2 : osize, g.rng.val(16));
        if (g.mode32 && sreg === 5) b.info = 'GS is 0x63 in a real i386 process (set_thread_area) but 0 in this 64-bit test process';
        g.add(b, 'mov', g.enc(e, osize, { rm: E.rm, reg: sreg }), `mov ${E.text}, ${['es', 'cs', 'ss', 'ds', 'fs', 'gs', 'sreg6', 'sreg7'][sreg]}`);
      }
    } else {
      g.unknown.push(e);
      return;
    }
  }
});

fam(['movzx', 'movsx'], (g, e) => {
  const src = e.d.ext!;
  for (const osize of sizesOf(e.d)) {
    for (const mem of memForms(e.d)) {
      const vals = [...edges(src * 8), ...Array.from({ length: 6 }, () => g.rng.val(src * 8))];
      for (const v of vals) {
        const b = g.b();
        b.noRex = src === 1 && osize !== 8 && g.rng.chance(0.35);
        const E = g.eOperand(b, mem, src, v);
        const G = b.pickReg();
        b.set(G, 8, g.rng.u64());
        g.add(b, e.d.name, g.enc(e, osize, { rm: E.rm, reg: G, byteRm: src === 1 }), `${e.d.name} ${regName(G, osize)}, ${E.text}`);
      }
    }
  }
});

fam(['movsxd'], (g, e) => {
  for (const osize of sizesOf(e.d)) for (const mem of memForms(e.d)) for (const v of [...edges(32), g.rng.val(32), g.rng.val(32)]) {
    const b = g.b();
    const E = g.eOperand(b, mem, 4, v);
    const G = b.pickReg();
    b.set(G, 8, g.rng.u64());
    g.add(b, 'movsxd', g.enc(e, osize, { rm: E.rm, reg: G }), `movsxd ${regName(G, osize)}, ${E.text.replace('dword', osize === 2 ? 'word' : 'dword')}`);
  }
});

fam(['lea'], (g, e) => {
  for (const osize of sizesOf(e.d)) {
    for (let k = 0; k < 60; k++) {
      const b = g.b();
      const a32 = k % 4 === 3;
      if (a32 && g.mode32) {
        // 16-bit addressing: the sum wraps at 2^16 and is zero-extended into a 32-bit destination
        const m = b.mem16(0, g.rng.int(65536));
        b.low = false;
        const G = b.pickReg();
        g.add(b, 'lea', g.enc(e, osize, { rm: { mem: m }, reg: G }), `lea ${regName(G, osize)}, ${memText(m, 0)}`);
        continue;
      }
      if (a32) b.asize = 4;
      const big = () => g.rng.chance(0.5) ? g.rng.u64() : g.rng.pick(edges(64));
      const free = () => { const r = b.pickReg({ rsp: true }); return r; };
      const form = k % 9;
      let m: Mem;
      const disp = g.rng.pick([0, 1, -1, 127, -128, 0x7fffffff, -0x80000000, g.rng.int(65536) - 32768]);
      if (form === 0) { const r = free(); m = { base: r, disp }; }
      else if (form <= 3) {
        const r = free(); let x = free();
        if (x === RSP) x = free();
        m = { base: r, index: x, scale: g.rng.pick([1, 2, 4, 8] as const), disp };
      } else if (form === 4) { let x = free(); if (x === RSP) x = free(); m = { index: x, scale: g.rng.pick([1, 2, 4, 8] as const), disp }; }
      else if (form === 5) m = g.mode32 ? { sym: sym('scratch', g.rng.int(256)) } : { rip: true, sym: sym('scratch', g.rng.int(256)) };
      else if (form === 6) m = { disp };
      else if (form === 7) { const r = g.rng.pick([RSP, RBP, 12, 13]); b.chosen.add(r); m = { base: r, disp: g.rng.chance(0.5) ? 0 : disp }; }
      else { const r = free(); m = { base: r, index: r === RSP ? undefined : r, scale: 2, disp: 0, disp32: true }; }
      for (const r of [m.base, m.index]) if (r !== undefined) b.set(r, 8, big());
      if (m.base === undefined && m.index === undefined && !m.rip) { m = { sym: String(disp) }; }
      const G = b.pickReg();
      g.add(b, 'lea', g.enc(e, osize, { rm: { mem: m }, reg: G }), `lea ${regName(G, osize)}, ${memText(m, 0, b.asize)}`);
    }
    // the register form is #UD
    const b = g.b();
    g.add(b, 'lea', g.enc(e, osize, { rm: { reg: 1 }, reg: 2 }), `lea ${regName(2, osize)}, ${regName(1, osize)} (#UD)`);
  }
});

fam(['xchg'], (g, e) => {
  for (const osize of sizesOf(e.d)) {
    const bits = osize * 8;
    if (e.op === 0x86 || e.op === 0x87) {
      for (const mem of memForms(e.d)) for (let k = 0; k < 10; k++) {
        const b = g.b();
        b.noRex = osize === 1 && g.rng.chance(0.35);
        const E = g.eOperand(b, mem, osize, g.rng.val(bits));
        const same = !mem && k === 9 ? (E.rm as { reg: number }).reg : undefined;
        const G = b.pickReg({ byte: osize === 1, same });
        if (same === undefined) b.set(G, osize, g.rng.val(bits));
        g.add(b, 'xchg', g.enc(e, osize, { rm: E.rm, reg: G, byteReg: osize === 1, byteRm: osize === 1 }), `xchg ${E.text}, ${regName(G, osize)}`);
      }
    } else {
      for (const rexB of [false, true]) for (let k = 0; k < 3; k++) {
        const b = g.b();
        const r = (e.op & 7) | (rexB ? 8 : 0);
        b.set(RAX, 8, g.rng.u64()); b.set(r, 8, g.rng.u64());
        const enc = g.enc(e, osize, { opreg: r });
        g.add(b, 'xchg', enc, `xchg ${regName(r, osize)}, ${regName(RAX, osize)}${r === 0 ? ' (90: nop)' : ''}`);
      }
    }
  }
});

fam(['pause'], (g, e) => {
  for (const rex of [0, 0x41, 0x48]) {
    const b = g.b();
    b.set(RAX, 8, g.rng.u64()); b.set(8, 8, g.rng.u64());
    const enc: Enc = { pfx: rex ? [0xf3, rex] : [0xf3], map: 0, op: 0x90 };
    g.add(b, 'pause', enc, rex ? `f3 ${rex.toString(16)} 90 (rep xchg r8, rax?)` : 'pause');
  }
});

fam(['cmovcc'], (g, e) => {
  const cc = e.d.ext!;
  for (const osize of sizesOf(e.d)) for (const mem of memForms(e.d)) {
    for (const f of ccFlags()) {
      const b = g.b();
      b.flags = f | (g.rng.chance(0.1) ? BigInt(DF | AF) : 0n);
      const E = g.eOperand(b, mem, osize, g.rng.val(osize * 8));
      const G = b.pickReg();
      b.set(G, 8, g.rng.u64());
      g.add(b, 'cmovcc', g.enc(e, osize, { rm: E.rm, reg: G }), `cmov${CC[cc]} ${regName(G, osize)}, ${E.text}`);
    }
  }
});

fam(['setcc'], (g, e) => {
  const cc = e.d.ext!;
  for (const mem of memForms(e.d)) {
    for (const f of ccFlags()) {
      const b = g.b();
      b.flags = f;
      b.noRex = g.rng.chance(0.35);
      const E = g.eOperand(b, mem, 1, g.rng.val(8));
      const enc = g.enc(e, 1, { rm: E.rm, byteRm: true, reg: g.rng.chance(0.8) ? 0 : g.rng.int(8) });
      g.add(b, 'setcc', enc, `set${CC[cc]} ${E.text}${enc.reg ? ` (modrm.reg=${enc.reg})` : ''}`);
    }
  }
});

fam(['bswap'], (g, e) => {
  for (const osize of [2, 4, 8]) for (const rexB of [false, true]) for (let k = 0; k < 3; k++) {
    const b = g.b();
    const r = (e.op & 7) | (rexB ? 8 : 0);
    b.set(r, 8, g.rng.u64());
    if (osize === 2) b.undefRegs.push([r, 0xffffn]);           // SDM: BSWAP r16 is undefined
    const se = osize === 2 ? [0x66] : [];
    g.add(b, 'bswap', { pfx: se, rexW: osize === 8, map: 1, op: 0xc8, opreg: r }, `bswap ${regName(r, osize)}`);
  }
});

fam(['movbe'], (g, e) => {
  const load = e.op === 0xf0;
  for (const osize of [2, 4, 8]) for (let k = 0; k < 8; k++) {
    const b = g.b();
    const E = g.eOperand(b, true, osize, g.rng.val(osize * 8));
    const G = b.pickReg();
    b.set(G, 8, g.rng.u64());
    const enc = g.enc(e, osize, { rm: E.rm, reg: G });
    g.add(b, 'movbe', enc, load ? `movbe ${regName(G, osize)}, ${E.text}` : `movbe ${E.text}, ${regName(G, osize)}`);
  }
});

fam(['cbw', 'cwd'], (g, e) => {
  for (const osize of sizesOf(e.d)) for (const v of [...edges(64), g.rng.u64(), g.rng.u64()]) {
    const b = g.b();
    b.set(RAX, 8, v);
    b.set(RDX, 8, g.rng.u64());
    const t = e.d.name === 'cbw' ? ['cbw', 'cwde', 'cdqe'] : ['cwd', 'cdq', 'cqo'];
    g.add(b, e.d.name, g.enc(e, osize, {}), t[osize === 2 ? 0 : osize === 4 ? 1 : 2]);
  }
});

// ---- stack ----------------------------------------------------------------------------------------------

/** RSP for stack cases: inside scratch with room both ways. */
function stackAt(b: B, off = 160): void { b.setFull(RSP, sym('scratch', off)); }

fam(['push', 'pop'], (g, e) => {
  const name = e.d.name, op = e.op;
  for (const osize of sizesOf(e.d)) {
    if ((op & 0xf0) === 0x50) {
      for (const rexB of [false, true]) for (let k = 0; k < 3; k++) {
        const b = g.b();
        const r = (op & 7) | (rexB ? 8 : 0);
        stackAt(b, 160 + 8 * k);
        if (r !== RSP) b.set(r, 8, g.rng.u64());
        g.add(b, name, g.enc(e, osize, { opreg: r }), `${name} ${regName(r, osize)}`);
      }
    } else if (op === 0x68 || op === 0x6a) {
      for (const i of imms(g, e.d.imm, osize, 6)) {
        const b = g.b();
        stackAt(b);
        g.add(b, name, g.enc(e, osize, { imm: [i] }), `push${osize === 2 ? 'w' : 'q'} ${hx(immValue(e.d.imm, osize, i))}`);
      }
    } else {
      for (const mem of memForms(e.d)) for (let k = 0; k < 8; k++) {
        const b = g.b();
        stackAt(b, 152 + 8 * (k % 3));
        let rm: Operand, t: string;
        if (mem && k < 3) {
          // RSP-based operands: pop computes the address after incrementing RSP
          const d = [0, 8, -8][k];
          rm = { mem: { base: RSP, disp: d } }; t = memText({ base: RSP, disp: d }, osize);
          b.memOp = [152 + d, osize];
        } else if (!mem && k === 0) { rm = { reg: RSP }; t = regName(RSP, osize); }
        else { const E = g.eOperand(b, mem, osize, g.rng.val(osize * 8)); rm = E.rm; t = E.text; }
        g.add(b, name, g.enc(e, osize, { rm }), `${name} ${t}`);
      }
    }
  }
});

fam(['pushf', 'popf'], (g, e) => {
  for (const osize of sizesOf(e.d)) for (let k = 0; k < 24; k++) {
    const b = g.b();
    stackAt(b);
    if (e.d.name === 'popf') {
      // everything a user may try: ID, AC, NT, IOPL, IF, DF, VIP/VIF and reserved bits; not TF (it traps)
      let v = g.rng.u64() & 0x3fffffn & ~BigInt(TF);
      if (k < 4) v = [0n, 0x3fffffn & ~BigInt(TF), BigInt(ARITH | DF), 0x200000n][k];
      if (k >= 20) v &= ~0x40000n;
      b.setMem(160, 8, v | (g.rng.u64() & ~0xffffffn));
      b.memOp = [160, osize];
    }
    g.add(b, e.d.name, g.enc(e, osize, {}), `${e.d.name}${osize === 2 ? 'w' : 'q'}`);
  }
});

fam(['pusha', 'popa'], (g, e) => {
  for (const osize of sizesOf(e.d)) for (let k = 0; k < 6; k++) {
    const b = g.b();
    stackAt(b, e.d.name === 'pusha' ? 200 : 160);
    for (let n = 0; n < 8; n++) if (n !== RSP) b.set(n, 8, g.rng.u64());
    g.add(b, e.d.name, g.enc(e, osize, {}), `${e.d.name}${osize === 2 ? 'w' : 'd'}`);
  }
});

fam(['lahf', 'sahf'], (g, e) => {
  for (let k = 0; k < 24; k++) {
    const b = g.b();
    b.set(RAX, 8, g.rng.u64());
    g.add(b, e.d.name, g.enc(e, 4, {}), e.d.name);
  }
});

fam(['enter'], (g, e) => {
  for (const osize of sizesOf(e.d)) for (const level of [0, 1, 2, 3, 4, 31, 32, 33]) for (const size of [0, 8, 0x18, 0x1234]) {
    const b = g.b();
    stackAt(b, 248);
    b.setFull(RBP, sym('scratch', 232));
    // ENTER with a 16-bit operand writes only BP: make RBP's upper bits differ from RSP's
    if (osize === 2 && level <= 1 && size === 8) b.setFull(RBP, (g.rng.u64() & ~0xffffn) | 0x1234n);
    g.add(b, 'enter', g.enc(e, osize, { imm: [BigInt(size), BigInt(level)] }), `enter${osize === 2 ? 'w' : 'q'} ${size}, ${level}`);
  }
});

fam(['leave'], (g, e) => {
  for (const osize of sizesOf(e.d)) for (let k = 0; k < 6; k++) {
    const b = g.b();
    stackAt(b, 100);
    b.setFull(RBP, sym('scratch', 160 + 8 * k));
    g.add(b, 'leave', g.enc(e, osize, {}), `leave${osize === 2 ? 'w' : 'q'}`);
  }
});

fam(['cmpxchg8b'], (g, e) => {
  for (const osize of sizesOf(e.d)) {
    const n = osize === 4 ? 8 : 16;
    for (let k = 0; k < 12; k++) {
      const b = g.b();
      b.block(RAX, RDX, RCX, RBX);
      const off = k === 11 ? 136 : k === 10 && n === 8 ? 124 : 128;        // 16b needs 16-byte alignment (#GP)
      const m = b.memOperand(off, n, { noSeg: true });
      const lo = g.rng.u64(), hi = g.rng.u64();
      b.setMem(off, 8, lo); b.setMem(off + 8, 8, hi);
      const eq = k % 2 === 0;
      const w = n === 8 ? 4 : 8;
      b.set(RAX, 8, g.rng.u64()); b.set(RDX, 8, g.rng.u64());
      if (eq) { b.set(RAX, w, n === 8 ? lo & mask(32) : lo); b.set(RDX, w, n === 8 ? lo >> 32n : hi); }
      else if (k % 4 === 1) b.set(RAX, w, n === 8 ? lo & mask(32) : lo);      // half equal
      b.set(RBX, 8, g.rng.u64()); b.set(RCX, 8, g.rng.u64());
      const enc = g.enc(e, osize, { rm: { mem: m }, pfx: k === 4 ? [0xf0] : [] });
      g.add(b, 'cmpxchg8b', enc, `${k === 4 ? 'lock ' : ''}cmpxchg${n}b ${memText(m, n)}${eq ? ' (equal)' : ''}`);
    }
  }
});

// ---- control transfer --------------------------------------------------------------------------------------

/** Landing pads: marker byte at scratch+255 says which path ran. */
function pads(b: B): void {
  b.after = ['movb $0x4e, scratch+255', 'jmp @_x', '@_t: movb $0x54, scratch+255'];
}

fam(['jcc'], (g, e) => {
  const cc = e.d.ext!;
  for (const f of ccFlags()) {
    const b = g.b();
    b.flags = f | (g.rng.chance(0.2) ? BigInt(AF | DF) : 0n);
    pads(b);
    const size = e.map === 0 ? 1 : 4;
    g.add(b, 'jcc', g.enc(e, 8, { rel: { size, target: '@_t' } }), `j${CC[cc]} rel${size * 8}`);
  }
});

fam(['jmp', 'call'], (g, e) => {
  const name = e.d.name;
  if (e.op === 0xeb || e.op === 0xe9 || e.op === 0xe8) {
    const size = e.op === 0xeb ? 1 : 4;
    for (const back of [false, true]) {
      const b = g.b();
      stackAt(b);
      if (back) {
        b.pre = ['@_t: movb $0x42, scratch+255', 'jmp @_x'];
        b.after = ['movb $0x4e, scratch+255'];
      } else pads(b);
      g.add(b, name, g.enc(e, 8, { rel: { size, target: '@_t' } }), `${name} rel${size * 8} ${back ? 'backward' : 'forward'}`);
    }
    return;
  }
  // indirect through a register or memory
  for (const mem of memForms(e.d)) for (let k = 0; k < 4; k++) {
    const b = g.b();
    stackAt(b, 200);
    pads(b);
    let rm: Operand, t: string;
    if (mem) {
      const off = 8 * (4 + g.rng.int(12));
      const m = b.memOperand(off, 8);
      b.memSym.set(off, '@_t');
      rm = { mem: m }; t = memText(m, 8);
    } else {
      const r = b.pickReg();
      b.regs.set(r, '@_t');
      rm = { reg: r }; t = regName(r, 8);
    }
    g.add(b, name, g.enc(e, 8, { rm }), `${name} *${t}`);
  }
});

fam(['ret'], (g, e) => {
  for (const n of e.op === 0xc2 ? [0, 8, 0x10, 0x28] : [0, 0]) {
    const b = g.b();
    stackAt(b, 160);
    b.memSym.set(160, '@_t');
    pads(b);
    g.add(b, 'ret', g.enc(e, 8, { imm: e.op === 0xc2 ? [BigInt(n)] : undefined }), `${mandatory(e).length ? mandatory(e)[0].toString(16) + ' ' : ''}ret${e.op === 0xc2 ? ' ' + n : ''}`);
  }
});

fam(['loop', 'loope', 'loopne', 'jrcxz'], (g, e) => {
  const name = e.d.name;
  for (const a32 of [false, true]) {
    for (const rcx of [0n, 1n, 2n, 0x100000000n, 0x100000001n, 0xffffffffn, mask(64), 0x10000n, 0x10001n, 0xffffn, 0xdead0002n]) {
      for (const zf of name === 'loope' || name === 'loopne' ? [0n, BigInt(ZF)] : [0n]) {
        const b = g.b();
        b.flags = (b.flags & ~BigInt(ZF)) | zf;
        b.setFull(RCX, rcx);
        if (a32) b.asize = 4;
        pads(b);
        g.add(b, name, g.enc(e, 8, { rel: { size: 1, target: '@_t' } }), `${a32 ? 'addr32 ' : ''}${name} (rcx=${hx(rcx)}${zf ? ', ZF' : ''})`);
      }
    }
  }
});

// ---- strings ---------------------------------------------------------------------------------------------

fam(['movs', 'cmps', 'stos', 'lods', 'scas'], (g, e) => {
  const name = e.d.name, usesSrc = name === 'movs' || name === 'cmps' || name === 'lods', usesDst = name !== 'lods';
  for (const osize of sizesOf(e.d)) {
    for (const rep of [0, 0xf3, 0xf2]) for (const df of [0, 1]) for (const count of [0, 1, 2, 3, 5, 9]) {
      if (!rep && count > 1) continue;
      const variants = rep && count > 1 ? 2 : 1;
      for (let v = 0; v < variants; v++) {
        const b = g.b();
        b.flags = (b.flags & ~BigInt(DF)) | (df ? BigInt(DF) : 0n);
        const a32 = g.rng.chance(0.3);
        if (a32) b.asize = 4;
        const span = Math.max(count, 1) * osize;
        // source in [8, 120), destination in [128, 248): downward copies start at the top
        let si = df ? 8 + span - osize + g.rng.int(110 - span) : 8 + g.rng.int(110 - span);
        let di = df ? 128 + span - osize + g.rng.int(118 - span) : 128 + g.rng.int(118 - span);
        if (name === 'movs' && v === 1) {                               // overlapping
          di = si + (g.rng.chance(0.5) ? 1 : -1) * (1 + g.rng.int(osize * 2));
          if (di - span < 0) di = si + 1;
        }
        const hi = () => a32 ? `0x${((g.rng.u32() | 1) >>> 0).toString(16)}00000000+` : '';
        // 16-bit addressing in 32-bit mode: SI, DI and CX, in the low mirror of scratch
        const lo16 = (o: number) => (BigInt(g.rng.u32() & 0xffff0000) | BigInt(LOW_SCR + o));
        const m16 = a32 && g.mode32;
        if (m16) b.low = true;
        if (usesSrc) b.setFull(RSI, m16 ? lo16(si) : hi() + sym('scratch', si));
        if (usesDst) b.setFull(RDI, m16 ? lo16(di) : hi() + sym('scratch', di));
        b.setFull(RCX, m16 ? BigInt(g.rng.u32() & 0xffff0000) | BigInt(count) : a32 ? (BigInt((g.rng.u32() | 1) >>> 0) << 32n) | BigInt(count) : BigInt(count));
        b.block(RAX);
        b.set(RAX, 8, g.rng.u64());
        if (name === 'cmps' || name === 'scas') {
          // equal elements up to a point, so REPE/REPNE stop where they should
          const stop = g.rng.int(count + 1);
          const step = df ? -osize : osize;
          for (let k = 0; k < Math.max(count, 1); k++) {
            const eq = rep === 0xf2 ? k === stop : k !== stop;
            const val = name === 'scas' ? b.get(RAX, osize) : g.rng.val(osize * 8);
            if (name === 'cmps') b.setMem(si + k * step, osize, val);
            b.setMem(di + k * step, osize, eq ? val : val ^ BigInt(1 + g.rng.int(200)));
          }
        }
        if (usesSrc && g.rng.chance(0.15) && !a32) {
          // segment override on the source (DS:RSI): fs base
          b.pfx.push(0x64);
          b.setFull(RSI, BigInt(FS_DELTA + si));
        }
        const pfx = rep ? [rep] : [];
        g.add(b, name, g.enc(e, osize, { pfx }), `${rep === 0xf3 ? 'rep ' : rep === 0xf2 ? 'repne ' : ''}${name}${'?bw?d???q'[osize]} (count=${count}, DF=${df}${a32 ? ', addr32' : ''}${b.pfx.length ? ', fs:' : ''})`);
      }
    }
  }
});

fam(['clc', 'stc', 'cmc', 'cld', 'std'], (g, e) => {
  for (let k = 0; k < 8; k++) { const b = g.b(); if (k < 2) b.flags |= BigInt(k ? CF | DF : 0); g.add(b, e.d.name, g.enc(e, 4, {}), e.d.name); }
});

// ---- misc -------------------------------------------------------------------------------------------------

fam(['xlat'], (g, e) => {
  for (let k = 0; k < 16; k++) {
    const b = g.b();
    const a32 = k % 4 === 1;
    if (a32) b.asize = 4;
    b.set(RAX, 8, g.rng.u64());
    if (k % 4 === 3) { b.pfx.push(0x64); b.setFull(RBX, BigInt(FS_DELTA)); }
    else if (a32 && g.mode32) { b.low = true; b.setFull(RBX, BigInt(g.rng.u32() & 0xffff0000) | BigInt(k & 8 ? 0xffc0 : LOW_SCR + 128 - g.rng.int(256))); }
    else b.setFull(RBX, (a32 ? `0x${((g.rng.u32() | 1) >>> 0).toString(16)}00000000+` : '') + 'scratch');
    const enc = g.enc(e, 1, {});
    if (k % 4 === 2) enc.rexW = true;
    g.add(b, 'xlat', enc, `xlat${a32 ? ' (addr32)' : ''}${k % 4 === 3 ? ' fs:' : ''}${k % 4 === 2 ? ' rex.w' : ''}`);
  }
});

fam(['cpuid'], (g, e) => {
  for (const leaf of [0n, 1n, 7n, 0x80000000n, 0x80000001n]) {
    const b = g.b();
    b.set(RAX, 8, (g.rng.u64() & ~mask(32)) | leaf);
    b.set(RCX, 8, g.rng.u64() & ~mask(32));
    b.set(RBX, 8, g.rng.u64()); b.set(RDX, 8, g.rng.u64());
    // the values legitimately differ (we advertise what we implement); the upper halves must be cleared
    for (const r of [RAX, RBX, RCX, RDX]) b.undefRegs.push([r, mask(32)]);
    g.add(b, 'cpuid', g.enc(e, 4, {}), `cpuid (leaf ${hx(leaf)}; values masked)`);
  }
});

fam(['rdtsc', 'rdtscp'], (g, e) => {
  for (let k = 0; k < 3; k++) {
    const b = g.b();
    for (const r of [RAX, RDX, RCX]) b.set(r, 8, g.rng.u64());
    b.undefRegs.push([RAX, mask(32)], [RDX, mask(32)]);
    if (e.d.name === 'rdtscp') b.undefRegs.push([RCX, mask(32)]);
    const enc: Enc = e.d.name === 'rdtsc' ? g.enc(e, 4, {}) : { map: 1, op: 0x01, rm: { reg: 1 }, reg: 7 };
    g.add(b, e.d.name, enc, `${e.d.name} (time masked)`);
  }
});

fam(['nop', 'prefetchw'], (g, e) => {
  for (const osize of [4, 2, 8]) for (const mem of [true, false]) for (let k = 0; k < 3; k++) {
    const b = g.b();
    const E = g.eOperand(b, mem, osize, g.rng.val(osize * 8));
    const reg = g.rng.int(g.mode32 ? 8 : 16);
    const enc = g.enc(e, osize, { rm: E.rm, reg });
    g.add(b, e.d.name, enc, `${e.d.name} ${E.text} (0f ${e.op.toString(16)} /${reg})`);
  }
});

fam(['in/out'], (g, e) => {
  for (const p66 of [false, true]) {
    const b = g.b();
    b.set(RDX, 8, g.rng.u64());
    const enc = g.enc(e, 1, { imm: e.d.imm ? [0x80n] : undefined, pfx: p66 ? [0x66] : [] });
    g.add(b, 'in/out', enc, `in/out ${e.op.toString(16)}${p66 ? ' (66)' : ''} (#GP)`);
  }
});

fam(['hlt', 'cli', 'sti', 'int3', 'ud2'], (g, e) => {
  for (let k = 0; k < 2; k++) { const b = g.b(); g.add(b, e.d.name, g.enc(e, 4, {}), `${e.d.name} (fault)`); }
});

fam(['privileged'], (g, e) => {
  for (let k = 0; k < 2; k++) {
    const b = g.b();
    const enc = g.enc(e, 4, e.d.modrm ? { rm: { reg: g.rng.int(8) }, reg: g.rng.int(g.mode32 ? 8 : 16) } : {});
    g.add(b, 'privileged', enc, `privileged 0f ${e.op.toString(16)} (fault)`);
  }
});

fam(['int'], (g, e) => {
  for (const n of [0, 1, 3, 4, 0x21, 0x81, 0xff]) {
    const b = g.b();
    g.add(b, 'int', g.enc(e, 4, { imm: [BigInt(n)] }), `int ${hx(BigInt(n))} (fault)`);
  }
});

fam(['syscall'], (g, e) => {
  // an out-of-range system call number: the kernel returns -ENOSYS; RCX = next RIP, R11 = RFLAGS
  for (let k = 0; k < 3; k++) {
    const b = g.b();
    b.setFull(RAX, 0xdead0000n + BigInt(k));
    b.set(RCX, 8, g.rng.u64()); b.set(11, 8, g.rng.u64());
    g.add(b, 'syscall', g.enc(e, 4, {}), 'syscall (nr 0xdead: ENOSYS)');
  }
});

/** Entries the suite does not run, each with its reason. */
export const EXCLUDED: Record<string, string> = {
  xgetbv: 'not advertised by our CPUID (no OSXSAVE), so #UD is our correct answer while the host executes it',
};
/** Segment-register instructions (MOV Sreg, r/m; PUSH/POP of segment registers; LDS/LES/LFS/LGS/LSS,
 *  cpu/ops/segment.ts) load descriptors: test/cpu/segments.test.ts checks them against the hardware
 *  with the selectors a real process has; this harness's far jumps and null DS/ES would not. */
const SEGMENT_NAMES = new Set(['mov-sreg', 'push-sreg', 'pop-sreg', 'mov sreg', 'push sreg', 'pop sreg', 'lds', 'les', 'lfs', 'lgs', 'lss']);
const SEGMENT_OPS = new Set(['0:8e', '0:6', '0:7', '0:e', '0:16', '0:17', '0:1e', '0:1f', '1:a0', '1:a1', '1:a8', '1:a9', '1:b2', '1:b4', '1:b5']);
export function excludedElsewhere(map: number, op: number, d: OpDef): string | undefined {
  if (SEGMENT_NAMES.has(d.name) || SEGMENT_OPS.has(`${map}:${op.toString(16)}`) || (map === 0 && (op === 0xc4 || op === 0xc5) && d.only === 32)) {
    return 'segment-register instruction: checked against the hardware by test/cpu/segments.test.ts';
  }
  return undefined;
}
/** Entries not run in 32-bit mode (besides only: 64 ones). */
export const EXCLUDED32: Record<string, string> = {
  syscall: 'SYSCALL from compatibility mode enters the kernel\'s 32-bit syscall path: kernel behaviour, not the CPU\'s',
  xgetbv: EXCLUDED.xgetbv,
};

// ---- flag-flow chains ------------------------------------------------------------------------------------
// Single-instruction cases load RFLAGS with popf, so they never make a flag *consumer* read a lazy
// record (cpu/flags.ts). Chains do: a producer computes flags from random operands, an optional
// partial writer (INC keeps CF, BT writes only CF, ...) merges into them, and consumers read them:
// all 16 SETcc, all 16 Jcc, ADC/SBB/RCL, CMOVcc or LAHF. Consumers that depend on a flag the
// producer leaves undefined are masked.

const CCDEP = [OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF, SF | OF, SF | OF, ZF | SF | OF, ZF | SF | OF];
const SFX: Record<number, string> = { 1: 'b', 2: 'w', 4: 'l', 8: 'q' };
const LEGACY: Record<string, string[]> = {
  rax: ['al', 'ax', 'eax'], rbx: ['bl', 'bx', 'ebx'], rcx: ['cl', 'cx', 'ecx'], rdx: ['dl', 'dx', 'edx'],
  rsi: ['sil', 'si', 'esi'], rdi: ['dil', 'di', 'edi'],
};
function att(r: string, size: number): string {
  if (size === 8) return '%' + r;
  const k = size === 1 ? 0 : size === 2 ? 1 : 2;
  return '%' + (LEGACY[r] ? LEGACY[r][k] : r + ['b', 'w', 'd'][k]);
}
const NUM: Record<string, number> = { rax: 0, rcx: 1, rdx: 2, rbx: 3, rsi: 6, rdi: 7, r9: 9, r10: 10 };

interface Producer { t: string; sizes: number[]; undef: (n: number, bits: number) => number; count?: boolean }
const ALL = [1, 2, 4, 8], WIDE = [2, 4, 8];
const PRODUCERS: Producer[] = [
  ...['add', 'sub', 'cmp', 'adc', 'sbb'].map((o) => ({ t: `${o}{s} {B}, {A}`, sizes: ALL, undef: () => 0 })),
  ...['and', 'or', 'xor', 'test'].map((o) => ({ t: `${o}{s} {B}, {A}`, sizes: ALL, undef: () => AF })),
  ...['inc', 'dec', 'neg'].map((o) => ({ t: `${o}{s} {A}`, sizes: ALL, undef: () => 0 })),
  ...SHIFTS.filter((o) => o !== 'sal').map((o, k) => ({ t: `${o}{s} $N, {A}`, sizes: ALL, count: true, undef: (n: number, bits: number) => shiftUndef([0, 1, 2, 3, 4, 5, 7][k], n, bits) })),
  { t: 'shl{s} %cl, {A}', sizes: ALL, count: true, undef: (n, bits) => shiftUndef(4, n, bits) },
  { t: 'shld{s} $N, {B}, {A}', sizes: WIDE, count: true, undef: (n) => n === 0 ? 0 : AF | (n !== 1 ? OF : 0) },
  { t: 'imul{s} {B}, {A}', sizes: WIDE, undef: () => SF | ZF | AF | PF },
  { t: 'mul{s} {B}', sizes: ALL, undef: () => SF | ZF | AF | PF },
  { t: 'bt{s} {B}, {A}', sizes: WIDE, undef: () => OF | SF | AF | PF },
  { t: 'bts{s} $N, {A}', sizes: WIDE, count: true, undef: () => OF | SF | AF | PF },
  { t: 'bsf{s} {B}, {A}', sizes: WIDE, undef: () => CF | OF | SF | AF | PF },
  { t: 'popcnt{s} {B}, {A}', sizes: WIDE, undef: () => 0 },
  { t: 'lzcnt{s} {B}, {A}', sizes: WIDE, undef: () => OF | SF | AF | PF },
  { t: 'tzcnt{s} {B}, {A}', sizes: WIDE, undef: () => OF | SF | AF | PF },
  { t: 'xadd{s} {B}, {A}', sizes: ALL, undef: () => 0 },
  { t: 'cmpxchg{s} {B}, {A}', sizes: ALL, undef: () => 0 },
  { t: 'sahf', sizes: [4], undef: () => 0 },
  { t: 'stc', sizes: [4], undef: () => 0 },
  { t: 'cmc', sizes: [4], undef: () => 0 },
];
/** Partial flag writers placed between producer and consumer: [template, flags-undefined transform]. */
const WRITERS: [string, (u: number) => number][] = [
  ['inc{s} {B}', (u) => u & CF], ['dec{s} {B}', (u) => u & CF],
  ['bt{S} $3, {B}', (u) => (u & ZF) | OF | SF | AF | PF], ['clc', (u) => u & ~CF], ['stc', (u) => u & ~CF], ['cmc', (u) => u],
  ['rol{s} $1, {B}', (u) => u & ~(CF | OF)], ['not{s} {B}', (u) => u], ['lea 1({B8}), {B8}', (u) => u],
  ['shl{s} $0, {B}', (u) => u], ['sar{s} %cl, {B}  # cl=0', (u) => u], ['add{s} {A}, {B}', () => AF & 0],
];

export function chains(g: Gen, perProducer = 10): void {
  const regPairs = [['rdx', 'rsi'], ['r9', 'r10'], ['rbx', 'rdi']];
  for (const p of PRODUCERS) {
    for (const size of p.sizes) {
      const bits = size * 8;
      for (let k = 0; k < perProducer; k++) {
        const b = g.b();
        const [A, B] = g.rng.pick(regPairs);
        const a = k < 3 ? g.rng.pick(core(bits)) : g.rng.val(bits), bv = k % 3 === 1 ? a : k < 3 ? g.rng.pick(core(bits)) : g.rng.val(bits);
        b.set(NUM[A], size, a); b.set(NUM[B], size, bv);
        b.set(RAX, 8, g.rng.u64());
        if (p.t.startsWith('cmpxchg') && k % 2) b.set(RAX, size, a);
        const n = p.count ? (k < 2 ? [1, bits - 1][k] : g.rng.int(bits === 16 && p.t.startsWith('shld') ? 16 : bits)) : 0;
        if (p.t.includes('%cl')) b.set(RCX, 1, BigInt(n)); else b.set(RCX, 8, 0n);
        const fill = (t: string, sz: number) => t.replace(/\{s\}/g, SFX[sz]).replace(/\{S\}/g, SFX[Math.max(sz, 2)])
          .replace(/\{A\}/g, att(A, sz)).replace(/\{B\}/g, att(B, sz)).replace(/\{B8\}/g, att(B, 8)).replace(/\$N/g, `$${n}`);
        const code = [fill(p.t, size)];
        let undef = p.undef(n, bits);
        const writers = p.t.includes('%cl') ? WRITERS.filter(([t]) => !t.includes('%cl')) : WRITERS;
        if (g.rng.chance(0.4)) {
          const [wt, wf] = g.rng.pick(writers);
          code.push(fill(wt, wt.startsWith('bt') ? Math.max(size, 2) : size));
          undef = wf(undef);
        }
        b.undefFlags = undef;
        const kind = g.rng.int(5);
        if (kind === 0 || (kind === 2 && (undef & CF))) {
          for (let cc = 0; cc < 16; cc++) {
            code.push(`set${CC[cc]} scratch+${240 + cc}(%rip)`);
            if (CCDEP[cc] & undef) b.undefMem.push([240 + cc, 1]);
          }
        } else if (kind === 1) {
          for (let cc = 0; cc < 16; cc++) {
            code.push(`j${CC[cc]} @_j${cc}`, `movb $${cc + 1}, scratch+${240 + cc}(%rip)`, `@_j${cc}:`);
            if (CCDEP[cc] & undef) b.undefMem.push([240 + cc, 1]);
          }
        } else if (kind === 2) {
          const s = SFX[size];
          code.push(`adc${s} ${att(B, size)}, ${att(A, size)}`, `sbb${s} ${att(A, size)}, ${att(B, size)}`, `rcl${s} $1, ${att(A, size)}`, `setc scratch+255(%rip)`);
          b.undefFlags = 0;                                       // SBB and RCL $1 define every flag again
        } else if (kind === 3 && size > 1) {
          const cc = g.rng.int(16);
          code.push(`cmov${CC[cc]}${SFX[size]} ${att(B, size)}, ${att(A, size)}`);
          if (CCDEP[cc] & undef) b.undefRegs.push([NUM[A], mask(64)]);
        } else {
          code.push('lahf');
          let m = 0n;
          for (const [f, bit] of [[SF, 7], [ZF, 6], [AF, 4], [PF, 2], [CF, 0]] as const) if (undef & f) m |= 1n << BigInt(8 + bit);
          if (m) b.undefRegs.push([RAX, m]);
        }
        g.cases.push({
          id: g.cases.length, name: 'chain ' + p.t.split(/[{ ]/)[0], text: code.filter((l) => !l.startsWith('@')).join('; ').replace(/@_j\d+/g, 'L'),
          code, len: 0, hex: '(assembled by gas)', regs: b.regs as Map<number, bigint | string>, flags: b.flags, mem: b.mem, memSym: b.memSym,
          undefFlags: b.undefFlags, undefRegs: b.undefRegs, undefMem: b.undefMem,
        });
      }
    }
  }
}

// ---- faulting accesses -------------------------------------------------------------------------------------
// A faulting instruction must leave no trace: registers, flags and memory as before (the signal's
// ucontext shows them), except REP string instructions, which fault after the iterations already
// done. Memory operands sit in a read-only page (`ropage`), straddle the boundary from the
// writable page before it, or reach the unmapped page after it (`nopage`).

/** [AT&T template with {M} for the memory operand, operand size, kind: 'w' writes, 'r' reads only]. */
const FAULTERS: [string, number, 'w' | 'r'][] = [
  ['addl %ecx, {M}', 4, 'w'], ['addq $1, {M}', 8, 'w'], ['adcb %cl, {M}', 1, 'w'], ['subw $0x1234, {M}', 2, 'w'],
  ['incl {M}', 4, 'w'], ['negq {M}', 8, 'w'], ['notw {M}', 2, 'w'], ['shll $3, {M}', 4, 'w'], ['rclq %cl, {M}', 8, 'w'],
  ['xchgl %ecx, {M}', 4, 'w'], ['xaddq %rcx, {M}', 8, 'w'], ['cmpxchgl %ecx, {M}', 4, 'w'], ['btsl %ecx, {M}', 4, 'w'],
  ['btcq $5, {M}', 8, 'w'], ['sete {M}', 1, 'w'], ['movl %ecx, {M}', 4, 'w'], ['movq $5, {M}', 8, 'w'],
  ['movbe %rcx, {M}', 8, 'w'], ['shldl $4, %ecx, {M}', 4, 'w'], ['cmpxchg8b {M}', 8, 'w'], ['lock addl %ecx, {M}', 4, 'w'],
  ['popq {M}', 8, 'w'], ['orq %rcx, {M}', 8, 'w'],
  // a count of 0 changes nothing, but the operand is still accessed (and faults)
  ['shrl $0, {M}', 4, 'w'], ['rolw $0, {M}', 2, 'w'], ['rcrb $0, {M}', 1, 'w'], ['shldl $0, %ecx, {M}', 4, 'w'],
  ['sarq %cl, {M}  # cl=0', 8, 'w'], ['shrdw %cl, %cx, {M}  # cl=0', 2, 'w'],
  ['addl {M}, %ecx', 4, 'r'], ['movq {M}, %rcx', 8, 'r'], ['cmpw {M}, %cx', 2, 'r'], ['pushq {M}', 8, 'r'], ['divl {M}', 4, 'r'],
  ['imulq {M}, %rcx', 8, 'r'], ['btl %ecx, {M}', 4, 'r'], ['cmovel {M}, %ecx', 4, 'r'], ['movzbl {M}, %ecx', 1, 'r'],
];

export function faults(g: Gen): void {
  for (const [t, size, kind] of FAULTERS) {
    // read-only page, straddling rw->ro, unmapped, straddling ro->unmapped
    const places = kind === 'w' ? [['ropage', 8], ['ropage', -Math.max(1, size / 2)], ['nopage', 16]] : [['nopage', 8], ['nopage', -Math.max(1, size / 2)], ['ropage', 0]];
    for (const [base, off] of places as [string, number][]) {
      if (size === 1 && off < 0) continue;
      for (let k = 0; k < 2; k++) {
        const b = g.b();
        const viaReg = k === 1;
        b.set(RCX, 8, g.rng.u64()); b.set(RAX, 8, g.rng.u64()); b.set(RDX, 8, g.rng.u64());
        if (t.includes('%cl')) b.set(RCX, 1, t.includes('cl=0') ? 0n : 3n);
        if (t.startsWith('cmpxchg') && k === 0) b.set(RAX, 8, PROBE_RO_V);   // equal: it would store
        if (t.startsWith('pop') || t.startsWith('push')) b.setFull(RSP, 'scratch+160');
        let m = `${base}${off >= 0 ? '+' : ''}${off}(%rip)`;
        if (viaReg) { b.setFull(RBX, sym(base, off + 64)); m = '-64(%rbx)'; }
        // when the access does not fault, the usual undefined flags apply
        b.undefFlags = /^div/.test(t) ? ARITH : /^imul/.test(t) ? SF | ZF | AF | PF : /^bt/.test(t) ? OF | SF | AF | PF
          : /^sh[lr]l \$3/.test(t) ? AF | OF : /^rcl/.test(t) ? OF : /^shld/.test(t) ? AF | OF : 0;
        const code = [t.replace('{M}', m)];
        g.cases.push(caseOf(g, b, 'fault ' + t.split(' ')[0], code));
      }
    }
  }
  // stack and string operations that fault part-way
  const stackCases: [string, string[], string][] = [
    ['push', ['pushq %rcx'], 'ropage+8'], ['push', ['pushq %rcx'], 'ropage+4'], ['call', ['call @_t', '@_t:'], 'ropage+8'],
    ['pushf', ['pushfq'], 'ropage+8'], ['enter', ['enter $16, $0'], 'ropage+8'], ['enter', ['enter $16, $2'], 'ropage+16'],
    ['pop', ['popq %rcx'], 'nopage-4'], ['pop', ['popq %rcx'], 'nopage+8'], ['ret', ['ret'], 'nopage+8'], ['popf', ['popfq'], 'nopage-2'],
    ['leave', ['leave'], 'scratch+100'],
  ];
  for (const [name, code, sp] of stackCases) {
    const b = g.b();
    b.set(RCX, 8, g.rng.u64());
    b.setFull(RSP, sp);
    b.setFull(RBP, name === 'leave' ? 'nopage+8' : 'scratch+200');
    g.cases.push(caseOf(g, b, 'fault ' + name, code));
  }
  for (const [ins, s] of [['stosb', 1], ['stosq', 8], ['movsw', 2], ['movsq', 8], ['lodsl', 4], ['scasq', 8], ['cmpsb', 1]] as [string, number][]) {
    for (const rep of ['', 'rep ']) {
      const b = g.b();
      b.flags &= ~BigInt(DF);
      const reads = ins.startsWith('lods') || ins.startsWith('scas') || ins.startsWith('cmps');
      b.setFull(RCX, 20n);
      b.set(RAX, 8, g.rng.u64());
      if (reads) { b.setFull(RSI, `nopage-${4 * s}`); b.setFull(RDI, ins.startsWith('scas') ? `nopage-${4 * s}` : 'scratch+130'); }
      else { b.setFull(RSI, 'scratch+8'); b.setFull(RDI, `ropage-${5 * s}`); }
      if (ins.startsWith('cmps')) b.setFull(RDI, 'ropage-16');
      g.cases.push(caseOf(g, b, 'fault ' + ins, [(ins.startsWith('scas') || ins.startsWith('cmps') ? rep.replace('rep', 'repe') : rep) + ins]));
    }
  }
  // both CMPS operands fault (a #PF and a #GP, or two #PF): ES:rDI is read first, except by REPE CMPSB
  for (const rep of ['', 'repe ', 'repne ']) {
    for (const [si, di] of [['nopage+8', 0x58f6bc6f69e2a400n], [0x58f6bc6f69e2a400n, 'nopage+8'], ['nopage+8', 'nopage+264']] as [bigint | string, bigint | string][]) {
      const b = g.b();
      b.flags &= ~BigInt(DF);
      b.setFull(RCX, 5n);
      b.setFull(RSI, si);
      b.setFull(RDI, di);
      for (const ins of ['cmpsb', 'cmpsl']) g.cases.push(caseOf(g, b, `fault ${rep}${ins}, both operands`, [rep + ins]));
    }
  }
  // non-canonical addresses through RSP or RBP are #SS (SIGBUS), through anything else #GP (SIGSEGV)
  const NC = 0x8000000000000000n;
  const ss: [string, [number, bigint | string][]][] = [
    ['movq (%rbp), %rcx', [[RBP, NC]]], ['movq 8(%rsp), %rcx', [[RSP, NC]]], ['movq %rcx, -8(%rbp,%rax,8)', [[RBP, NC], [RAX, 1n]]],
    ['movq (%rax,%rbp,1), %rcx', [[RAX, 'scratch'], [RBP, NC]]], ['movq %fs:(%rbp), %rcx', [[RBP, NC]]], ['popq %rcx', [[RSP, NC + 8n]]],
    ['pushq %rcx', [[RSP, NC + 8n]]], ['leave', [[RBP, NC]]], ['pushq (%rax)', [[RAX, NC], [RSP, 'scratch+160']]],
    ['pushq (%rax)', [[RAX, 'scratch+128'], [RSP, NC]]], ['call *(%rax)', [[RAX, NC], [RSP, 'scratch+160']]], ['ret', [[RSP, 0x0000800000000000n]]],
  ];
  // a branch to a non-canonical address is #GP at the branch (nothing pushed or popped)
  ss.push(['jmp *%rax', [[RAX, 0x0000800000000000n]]], ['call *%rax', [[RAX, 0xffff7fffffffffffn], [RSP, 'scratch+160']]],
    ['jmp *8(%rax)', [[RAX, 'scratch+152']]], ['ret', [[RSP, 'scratch+160']]], ['ret $16', [[RSP, 'scratch+160']]],
    ['shrl $0, (%rax)', [[RAX, 0x4c2d94c5b3e42000n]]], ['rolw $0, 8(%rax)', [[RAX, NC]]]);     // a count of 0 still accesses it
  for (const [t, regs] of ss) {
    const b = g.b();
    for (const [n, v] of regs) b.setFull(n, v);
    b.set(RCX, 8, g.rng.u64());
    b.setMem(160, 8, 0x1234800000000000n);                    // the non-canonical target of ret / jmp *8(%rax)
    g.cases.push(caseOf(g, b, 'fault ' + t.split(' ')[0], [t]));
  }
  // non-canonical and kernel addresses
  // (not the vsyscall page: whether it reads depends on the host's vsyscall= setting)
  for (const addr of [0x8000000000000000n, 0x0000800000000000n, 0xffff800000000000n, 0n, 4096n]) {
    for (const t of ['movq (%rbx), %rcx', 'movq %rcx, (%rbx)']) {
      const b = g.b();
      b.setFull(RBX, addr);
      b.set(RCX, 8, g.rng.u64());
      g.cases.push(caseOf(g, b, 'fault ' + t.split(' ')[0], [t]));
    }
  }
}
const PROBE_RO_V = 0x99aabbccddeeff00n;

function caseOf(g: Gen, b: B, name: string, code: string[]): Case {
  return {
    id: g.cases.length, name, text: code.filter((l) => !/^@\w+:$/.test(l)).join('; ').replace(/@_t/g, 'L') + (b.regs.has(RSP) ? ` (rsp=${b.regs.get(RSP)})` : ''),
    code, len: 0, hex: '(assembled by gas)', regs: b.regs as Map<number, bigint | string>, flags: b.flags, mem: b.mem, memSym: b.memSym,
    undefFlags: b.undefFlags, undefRegs: b.undefRegs, undefMem: b.undefMem,
  };
}

// ---- extras: general-register instructions registered by other families, and user-mode opcodes ---------
// CRC32 and MOVNTI work on general registers but live in the SSE families; prefetches and fences
// must be harmless no-ops. Informational ones document hardware behaviour the table lacks on purpose
// or by omission (alignment checks with EFLAGS.AC, INT1, LAR/LSL).

export function extras(g: Gen): void {
  const add = (name: string, code: string[], set: (b: B) => void, info?: string) => {
    const b = g.b();
    set(b);
    const c = caseOf(g, b, name, code);
    if (info) c.info = info;
    g.cases.push(c);
  };
  for (const [sfx, src, dst, size] of [['b', '%cl', '%edx', 1], ['w', '%cx', '%edx', 2], ['l', '%ecx', '%edx', 4], ['q', '%rcx', '%rdx', 8]] as const) {
    for (let k = 0; k < 8; k++) {
      add('crc32', [`crc32${sfx} ${src}, ${dst}`], (b) => { b.set(RCX, 8, g.rng.u64()); b.set(RDX, 8, k < 2 ? [0n, mask(64)][k] : g.rng.u64()); });
      add('crc32', [`crc32${sfx} scratch+${126 + (k & 3)}(%rip), ${dst}`], (b) => { b.set(RDX, 8, g.rng.u64()); b.setMem(126 + (k & 3), size, g.rng.val(size * 8)); b.memOp = [126 + (k & 3), size]; });
    }
  }
  for (const r of ['%ecx', '%rcx']) add('movnti', [`movnti ${r}, scratch+124(%rip)`], (b) => b.set(RCX, 8, g.rng.u64()));
  for (const t of ['prefetcht0', 'prefetcht1', 'prefetcht2', 'prefetchnta', 'prefetchw', 'clflush']) add(t, [`${t} scratch+128(%rip)`], () => undefined);
  for (const t of ['lfence', 'mfence', 'sfence']) add(t, [t], () => undefined);
  add('#AC', ['pushfq', 'orl $0x40000, (%rsp)', 'popfq', 'movl scratch+129(%rip), %ecx'], (b) => b.setFull(RSP, 'scratch+160'),
    'with EFLAGS.AC set, Linux (CR0.AM=1) raises #AC on misaligned user accesses (SIGBUS, BUS_ADRALN); our CPU does not check alignment');
  add('int1', ['.byte 0xf1'], () => undefined, 'INT1/ICEBP (F1): SIGTRAP on hardware; not in our table');
  for (const t of ['lar', 'lsl']) add(t, [`${t} %cx, %edx`], (b) => { b.set(RCX, 2, 0x2bn); b.set(RDX, 8, g.rng.u64()); }, `${t.toUpperCase()} works at CPL 3 on hardware; not in our table`);
}

// ---- 16-bit addressing edges (32-bit mode, 0x67) -------------------------------------------------------
// The offset wraps at 2^16 before it becomes a linear address: with the low 64 KiB mapped from
// 0x1000 to 0x11000 (harness LOW_BASE), an access whose unwrapped sum would land in the mapping
// must fault at the wrapped address instead, and a wrapped sum must reach the low mirror of
// scratch. String instructions step SI/DI/CX and keep bits 16..31.

export function addr16(g: Gen): void {
  if (!g.lay.low) return;
  const add = (name: string, code: string[], regs: [number, bigint][], low = true, flags?: bigint) => {
    const b = g.b();
    for (const [n, v] of regs) b.setFull(n, v);
    if (flags !== undefined) b.flags = flags;
    const c = caseOf(g, b, name, code);
    c.mode32 = true; c.low = low; c.a16 = true;
    for (let n = 0; n < 8; n++) c.undefRegs.push([n, mask(64) ^ mask(32)]);
    g.cases.push(c);
  };
  const hi = () => BigInt(g.rng.u32() & 0xffff0000);
  const L = BigInt(LOW_SCR);
  add('addr16 wrap', ['movl (%bx,%si), %ecx'], [[RBX, hi() | 0xf000n], [RSI, hi() | 0x1100n], [RCX, g.rng.u64()]]);      // 0x10100 -> 0x100: faults
  add('addr16 wrap', ['movl %ecx, 0x7fff(%bp,%di)'], [[RBP, hi() | 0x8000n], [RDI, hi() | (L + 128n)], [RCX, g.rng.u64()]]);
  add('addr16 wrap', ['addw -0x10(%bx), %cx'], [[RBX, hi() | ((L + 0x10n + 120n) & 0xffffn)], [RCX, g.rng.u64()]]);
  add('addr16 wrap', ['incl 0x8000(%si)'], [[RSI, hi() | ((L + 130n + 0x8000n) & 0xffffn)]]);
  add('addr16 wrap', ['movb 0xfff0, %cl'], [[RCX, g.rng.u64()]]);                                   // [disp16]: mapped, zero
  add('addr16 wrap', ['movb 0xfff0(%bx), %cl'], [[RBX, hi() | 0x20n], [RCX, g.rng.u64()]]);          // 0x10010 -> 0x10: faults
  add('addr16 wrap', ['leal 0xffff(%bx,%si), %ecx', 'leaw -1(%bp,%di), %dx'], [[RBX, hi() | 0x8001n], [RSI, hi() | 0x7fffn], [RBP, hi()], [RDI, hi()]], false);
  add('addr16 wrap', ['movw (%bp), %cx'], [[RBP, hi() | ((L + 127n) & 0xffffn)], [RCX, g.rng.u64()]]);   // straddles the page at 0x8000
  // REP MOVSB whose SI wraps from 0xffff to 0: one byte moves, then the read at 0 faults
  // (encoded by hand: gas would pick 32-bit addressing for these mnemonics)
  add('addr16 movs', ['.byte 0x67, 0xf3, 0xa4  # rep movsb'], [[RSI, hi() | 0xffffn], [RDI, hi() | (L + 128n)], [RCX, hi() | 3n]], true, 0x202n);
  add('addr16 movs', ['.byte 0x67, 0xf3, 0x66, 0xab  # rep stosw'], [[RDI, hi() | (L + 120n)], [RCX, 0x10004n], [RAX, g.rng.u64()]], true, 0x202n);   // CX = 4: ECX = 0x10000 after
  add('addr16 movs', ['.byte 0x67, 0xf3, 0xac  # rep lodsb'], [[RSI, hi() | (L + 200n)], [RCX, hi() | 0n], [RAX, g.rng.u64()]], true, 0x602n);       // CX = 0: nothing
  add('addr16 movs', ['.byte 0x67, 0xf3, 0xa6  # repe cmpsb'], [[RSI, hi() | (L + 8n)], [RDI, hi() | (L + 8n)], [RCX, hi() | 5n]], true, 0x202n);      // equal: all 5
  add('addr16 xlat', ['xlat'], [[RBX, hi() | 0xfff0n], [RAX, (g.rng.u64() & ~0xffn) | 0x20n]]);                              // 0x10010 -> 0x10: faults
  // 67 E2 / 67 E3: LOOP and JCXZ count with CX (the 2-byte movs after them are skipped when taken)
  add('addr16 loop', ['.byte 0x67, 0xe2, 0x02', 'movb $1, %cl'], [[RCX, 0x12340001n]], false);                                 // CX 1 -> 0: falls through
  add('addr16 loop', ['.byte 0x67, 0xe2, 0x02', 'movb $1, %dl'], [[RCX, 0x12340000n], [RDX, g.rng.u64()]], false);             // CX 0 -> 0xffff: taken
  add('addr16 jcxz', ['.byte 0x67, 0xe3, 0x02', 'movb $1, %dl'], [[RCX, 0xabcd0000n], [RDX, g.rng.u64()]], false);             // CX = 0: taken
  add('addr16 jcxz', ['.byte 0x67, 0xe3, 0x02', 'movb $1, %dl'], [[RCX, 0x00010001n], [RDX, g.rng.u64()]], false);
}

// ---- 64-bit effective addresses that wrap past 2^64 ------------------------------------------------------
// base + index*scale + disp is summed modulo 2^64: a huge index times 8 (or a kernel-half base plus
// a large index) can land back in the canonical range, where the hardware accesses the small
// address (Cpu.ea / Cpu.eaWrapped; H.eaCanon in the threaded tier). A sum that stays outside the
// canonical range is #GP (SIGSEGV, SI_KERNEL, si_addr 0).

export function eaWrap(g: Gen): void {
  const add = (name: string, code: string[], regs: [number, bigint | string][]) => {
    const b = g.b();
    for (const [n, v] of regs) b.setFull(n, v);
    b.set(RDX, 8, g.rng.u64());
    b.memOp = [128, 8];
    g.cases.push(caseOf(g, b, name, code));
  };
  const W = 0x2000000000000000n;                        // W*8 = 0 modulo 2^64
  for (const [x, d] of [[1n, 0], [16n + 1n, -128], [W - 1n, 8], [0x3fffffffffffffffn, 8]] as [bigint, number][]) {
    // index*8 wraps to 8*x mod 2^64 (x = 1 + W*k): [rbx + 8 + d] = scratch+128 with rbx = scratch+120-d-(8x mod 2^64 - 8)
    const rcx = (W + x) & mask(64), off = BigInt.asIntN(64, (rcx * 8n) & mask(64));
    const base = `scratch+${128 - d}-(${off})`;
    add('ea wrap', [`movq ${d}(%rbx,%rcx,8), %rdx`], [[RBX, base], [RCX, rcx]]);
    add('ea wrap', [`movl %edx, ${d}(%rbx,%rcx,8)`], [[RBX, base], [RCX, rcx]]);
    add('ea wrap', [`addq %rdx, ${d}(%rbx,%rcx,8)`], [[RBX, base], [RCX, rcx]]);
    add('ea wrap', [`leaq ${d}(%rbx,%rcx,8), %rdx`], [[RBX, base], [RCX, rcx]]);
    add('ea wrap', [`leal ${d}(%rbx,%rcx,8), %edx`], [[RBX, base], [RCX, rcx]]);
    add('ea wrap', [`leaq ${d}(%ebx,%ecx,8), %rdx`], [[RBX, (g.rng.u64() & ~mask(32)) | 0x80000000n], [RCX, rcx]]);   // 32-bit address size
  }
  // kernel-half base plus an index: the carry out of bit 63 is dropped
  add('ea wrap', ['movq (%rbx,%rcx,1), %rdx'], [[RBX, 0xfffffffffffff000n], [RCX, 'scratch+128+0x1000']]);
  add('ea wrap', ['movq %rdx, -8(%rbx,%rcx,1)'], [[RBX, 0x8000000000000000n], [RCX, '0x8000000000000000+scratch+136']]);
  add('ea wrap', ['leaq 0x7fffffff(%rbx,%rcx,4), %rdx'], [[RBX, 0xffffffff80000001n], [RCX, W * 2n + 0x100n]]);
  // FS base plus a wrapping index
  add('ea wrap', ['movq %fs:(%rbx,%rcx,8), %rdx'], [[RBX, BigInt(FS_DELTA + 128 - 8)], [RCX, W + 1n]]);
  // sums that stay non-canonical: #GP
  add('ea wrap', ['movq (%rbx,%rcx,8), %rdx'], [[RBX, 'scratch+128'], [RCX, 0x1000000000000000n]]);
  add('ea wrap', ['movq %rdx, (%rbx,%rcx,1)'], [[RBX, 0x7ffffffff000n], [RCX, 0x1000n]]);
}
