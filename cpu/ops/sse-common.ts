// Shared machinery of the SSE family: typed views over the whole frame pool (so an XMM register,
// a memory operand loaded into scratch, and a result are all addressed the same way, by a byte
// offset into the pool), operand fetch and store with the alignment rules of legacy SSE, MXCSR
// access, and the SIMD floating-point exception commit (#XM -> SIGFPE).

import type { Cpu } from '../cpu.js';
import type { Insn, Handler } from '../insn.js';
import type { FramePool } from '../frames.js';
import { def, OpDef, Mandatory } from '../table.js';
import { OFF_XMM, OFF_MXCSR } from '../state.js';
import { raiseGP, raiseUD, CpuSignal, SIGFPE, FPE_FLTINV, FPE_FLTDIV, FPE_FLTOVF, FPE_FLTUND, FPE_FLTRES } from '../fault.js';

// ---- pool-wide views ------------------------------------------------------------------------
// Every view covers the pool's whole WebAssembly.Memory; a register's lane k of width w bytes is
// at index (byteOffset / w) + k. The pool never grows (cpu/frames.ts), so the views stay valid.

export let U8 = new Uint8Array(0);
export let I8 = new Int8Array(0);
export let U16 = new Uint16Array(0);
export let I16 = new Int16Array(0);
export let I32 = new Int32Array(0);
export let U32 = new Uint32Array(0);
export let F32 = new Float32Array(0);
export let F64 = new Float64Array(0);
/** Byte offset in the bound pool of a 256-byte scratch area: SCR (memory source), T1..T3 (temporaries). */
export let SCR = 0, T1 = 16, T2 = 32, T3 = 48, T4 = 64;

let bound: FramePool | null = null;
const scratchFrames = new Map<FramePool, number>();

function bind(pool: FramePool): void {
  const buf = pool.memory.buffer;
  U8 = new Uint8Array(buf); I8 = new Int8Array(buf);
  U16 = new Uint16Array(buf); I16 = new Int16Array(buf);
  I32 = new Int32Array(buf); U32 = new Uint32Array(buf);
  F32 = new Float32Array(buf); F64 = new Float64Array(buf);
  let f = scratchFrames.get(pool);
  if (f === undefined) { f = pool.alloc(); scratchFrames.set(pool, f); }
  SCR = f * 4096; T1 = SCR + 16; T2 = SCR + 32; T3 = SCR + 48; T4 = SCR + 64;
  bound = pool;
}

/** Byte offset in the pool of XMM0 of this CPU (binds the views to its pool on first use).
 *  Handlers call it before touching any view: a view read earlier in the same expression
 *  (`U8[xb(c) + k]`) would be the previous pool's. */
export function xb(c: Cpu): number {
  const st = c.state;
  if (st.pool !== bound) bind(st.pool);
  return st.base + OFF_XMM;
}

// ---- MXCSR ----------------------------------------------------------------------------------

export const IE = 1, DE = 2, ZE = 4, OE = 8, UE = 0x10, PE = 0x20, DAZ = 0x40, FTZ = 0x8000;
export const MXCSR_DEFAULT = 0x1f80;
/** MM (bit 17): AMD's misaligned-SSE mode. This project's reference CPU (AMD Zen 4, MisAlignSse)
 *  reports MXCSR_MASK 0x2ffff; with MM set, 16-byte operands of ordinary SSE instructions may be
 *  misaligned, while the explicitly aligned moves (MOVAPS/MOVAPD/MOVDQA, MOVNT*) still take #GP. */
export const MM = 0x20000;
export const MXCSR_MASK = 0x2ffff;

/** MXCSR of c; call xb(c) first (it binds the views). */
export function mxcsr(c: Cpu): number { return I32[(c.state.base + OFF_MXCSR) >>> 2]; }
export function setMxcsr(c: Cpu, v: number): void { I32[(c.state.base + OFF_MXCSR) >>> 2] = v; }

/** Records the exception flags `fl` an instruction raised. Unmasked ones raise #XM (SIGFPE) with
 *  the destination left unwritten: the handler must call this before it stores any result.
 *  Pre-computation exceptions (IE, DE, ZE) take precedence: when one of them is unmasked, only
 *  those are recorded (SDM vol. 1, 11.5.2). */
export function fpCommit(c: Cpu, i: Insn, fl: number): void {
  if (fl === 0) return;
  const k = (c.state.base + OFF_MXCSR) >>> 2;
  const mx = I32[k];
  const unmasked = fl & ~(mx >> 7) & 0x3f;
  if (unmasked === 0) { I32[k] = mx | fl; return; }
  const set = (unmasked & (IE | DE | ZE)) !== 0 ? fl & (IE | DE | ZE) : fl;
  const nmx = mx | set;
  I32[k] = nmx;
  throw new CpuSignal(SIGFPE, fpeCode(nmx), i.addr, false, 19);
}

/** si_code the Linux kernel derives from MXCSR for #XM (fpu__exception_code). */
export function fpeCode(mx: number): number {
  const err = ~(mx >> 7) & mx;
  if (err & 0x01) return FPE_FLTINV;
  if (err & 0x04) return FPE_FLTDIV;
  if (err & 0x08) return FPE_FLTOVF;
  if (err & 0x12) return FPE_FLTUND;
  if (err & 0x20) return FPE_FLTRES;
  return 0;
}

// ---- operands -------------------------------------------------------------------------------

/** Reads 16 bytes at guest address a into the pool at byte offset off. */
export function ld128(c: Cpu, a: number, off: number): void {
  const m = c.mem, k = off >>> 2;
  I32[k] = m.read64(a); I32[k + 1] = m.hi;
  I32[k + 2] = m.read64(a + 8); I32[k + 3] = m.hi;
}

/** Writes 16 bytes from pool offset off to guest address a (nothing is written if any byte faults). */
export function st128(c: Cpu, a: number, off: number): void {
  const m = c.mem, k = off >>> 2;
  if ((a & 4095) > 4080) m.checkWritable(a, 16);
  m.write64(a, I32[k], I32[k + 1]);
  m.write64(a + 8, I32[k + 2], I32[k + 3]);
}

/** Alignment rule of a 16-byte memory operand: none, 16 unless MXCSR.MM, always 16. */
export const UNALIGNED = 0, ALIGNED = 1, STRICT = 2;

/** The effective address of a 16-byte memory operand; #GP when the rule requires 16-byte
 *  alignment and it is not aligned. */
export function ea16(c: Cpu, i: Insn, rule: number | boolean): number {
  const a = c.ea(i);
  if (rule && a % 16 !== 0 && (rule === STRICT || (I32[(c.state.base + OFF_MXCSR) >>> 2] & MM) === 0)) raiseGP();
  return a;
}

/** The xmm/m128 source operand: the register's pool offset, or the memory operand loaded into SCR
 *  (`aligned`: true = ALIGNED, false = UNALIGNED, or a rule). */
export function srcX(c: Cpu, i: Insn, x: number, aligned: number | boolean): number {
  if (i.mod === 3) return x + 16 * i.rm;
  ld128(c, ea16(c, i, aligned), SCR);
  return SCR;
}

/** xmm/m128 source of which only the low 8 bytes are used (punpckl*, unpckl*, shift counts): the
 *  16-byte alignment rule applies, but only 8 bytes are read (observable with MXCSR.MM set). */
export function srcXlo(c: Cpu, i: Insn, x: number): number {
  if (i.mod === 3) return x + 16 * i.rm;
  const a = ea16(c, i, ALIGNED), k = SCR >>> 2;
  I32[k] = c.mem.read64(a); I32[k + 1] = c.mem.hi; I32[k + 2] = 0; I32[k + 3] = 0;
  return SCR;
}

/** xmm/m64 source: the register, or 8 bytes of memory loaded into SCR (upper half zeroed). */
export function srcX64(c: Cpu, i: Insn, x: number): number {
  if (i.mod === 3) return x + 16 * i.rm;
  const k = SCR >>> 2;
  I32[k] = c.mem.read64(c.ea(i)); I32[k + 1] = c.mem.hi; I32[k + 2] = 0; I32[k + 3] = 0;
  return SCR;
}

/** xmm/m32 source. */
export function srcX32(c: Cpu, i: Insn, x: number): number {
  if (i.mod === 3) return x + 16 * i.rm;
  const k = SCR >>> 2;
  I32[k] = c.mem.read32(c.ea(i)); I32[k + 1] = 0; I32[k + 2] = 0; I32[k + 3] = 0;
  return SCR;
}

/** xmm/m16 source. */
export function srcX16(c: Cpu, i: Insn, x: number): number {
  if (i.mod === 3) return x + 16 * i.rm;
  const k = SCR >>> 2;
  I32[k] = c.mem.read16(c.ea(i)); I32[k + 1] = 0; I32[k + 2] = 0; I32[k + 3] = 0;
  return SCR;
}

/** Copies 16 bytes between pool offsets. */
export function cp16(from: number, to: number): void {
  const a = from >>> 2, b = to >>> 2;
  I32[b] = I32[a]; I32[b + 1] = I32[a + 1]; I32[b + 2] = I32[a + 2]; I32[b + 3] = I32[a + 3];
}

// The hardware picks an SSE instruction by its mandatory prefix: the last F2/F3 if any, else 66,
// else none, and raises #UD when that combination is undefined or a LOCK prefix is present. The
// shared decoder falls back to another prefix's entry instead (F3 66 0F 38 00 would run pshufb),
// so each SSE entry checks at decode time, through the table's spec hook, that it is what the
// hardware would have chosen; mismatches decode to #UD (measured: test/sse.test.ts).
function lockOrStrayPrefix(i: Insn): Handler | undefined {
  return i.lock || i.rep !== 0 || (i.p66 && i.mandatory === 0) ? raiseUD : undefined;
}
function lockOrStrayRep(i: Insn): Handler | undefined {
  return i.lock || i.rep !== 0 ? raiseUD : undefined;
}
function lockOnly(i: Insn): Handler | undefined {
  return i.lock ? raiseUD : undefined;
}

/** def() for the SSE family: the flag effect defaults to 'n' (no arithmetic flag read or written),
 *  which lets the block-local liveness pass see through SSE code; prefixes the hardware would not
 *  accept for this entry decode to #UD (`prefixes`: 'strict' all of them, 'rep' F2/F3 and LOCK
 *  only (66 tolerated), 'lock' LOCK only). */
export function sdef(map: number, opcode: number, d: OpDef & { fastReg?: Handler; fast?: Handler }, opts: { mandatory?: Mandatory; reg?: number } = {},
  prefixes: 'strict' | 'rep' | 'lock' = 'strict'): void {
  const check = prefixes === 'lock' ? lockOnly : prefixes === 'rep' || opts.mandatory !== 'none' ? lockOrStrayRep : lockOrStrayPrefix;
  // fastReg / fast: an inlinable handler (cpu/threaded.ts) for the register form / every form
  const { fastReg, fast } = d;
  const spec = fast ? (i: Insn) => check(i) ?? fast
    : fastReg ? (i: Insn) => check(i) ?? (i.mod === 3 ? fastReg : undefined) : check;
  def(map, opcode, { ...d, flags: d.flags ?? 'n', spec }, opts);
}
