// SSE family against the hardware. Every instruction form below is assembled with GNU as; the
// native oracle (test/fixtures/src/sseops.c) executes each form's bytes on this machine's CPU
// over many generated register/memory/MXCSR states and records the resulting XMM and general
// registers, MXCSR, arithmetic flags, memory and signal; the same bytes then run on our CPU from
// the same states, and everything is compared bit for bit. Inputs mix edge values (signed zeros,
// denormals, infinities, quiet and signalling NaNs with payloads, extremes, rounding ties,
// conversion boundaries) with random bits, under all four rounding modes, DAZ, FTZ, preset and
// unmasked exception flags (SIGFPE), AMD's MXCSR.MM, and misaligned / page-crossing / faulting
// memory operands; every mnemonic is also tried with an extra LOCK/66/F2/F3 prefix (#UD or
// another instruction, as the hardware decides). Forms without REX are replayed in 32-bit mode,
// and a sample on a CPU whose registers and memory live above 2 GiB of the frame pool. The test
// fails if any opcode-table entry of the SSE family is not exercised by some form.
//
// SSE_TEST_SCALE=4 multiplies the number of cases per form (default 1); SSE_TEST_SEED picks
// another deterministic input set; SSE_TEST_KEEP=1 keeps the scratch directory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import '../cpu/ops/sse.js';
import { Cpu, EXIT_SIGNAL } from '../cpu/cpu.js';
import { CpuState, RSP, OFF_MXCSR } from '../cpu/state.js';
import { AddressSpace, PROT_READ, PROT_WRITE, PROT_EXEC, PROT_NONE } from '../cpu/memory.js';
import { defaultPool, FramePool } from '../cpu/frames.js';
import { getFlags, setFlags } from '../cpu/flags.js';
import { SIGILL } from '../cpu/fault.js';
import { rcpBits, rsqrtBits } from '../cpu/ops/sse-float.js';
import { decode } from '../cpu/decoder.js';
import { allEntries } from '../cpu/table.js';

const here = dirname(fileURLToPath(import.meta.url));
const SRC = join(here, '..', '..', 'test', 'fixtures', 'src', 'sseops.c');
const SCALE = Number(process.env.SSE_TEST_SCALE ?? process.env.LXCPU_RANDOM ?? 1);

// ---- deterministic random numbers -----------------------------------------------------------

// LXCPU_SEED / LXCPU_RANDOM (make fuzz-cpu) stand in for SSE_TEST_SEED / SSE_TEST_SCALE when those are unset
let seed = Number(process.env.SSE_TEST_SEED ?? (process.env.LXCPU_SEED ? Math.imul(Number(process.env.LXCPU_SEED), 0x9e3779b1) ^ 0x9e3779b9 : 0x9e3779b9)) | 0;
function rnd(): number {                       // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function ri(n: number): number { return Math.floor(rnd() * n); }
function r32(): number { return (rnd() * 4294967296) | 0; }
function pick<T>(a: readonly T[]): T { return a[ri(a.length)]; }

// ---- value pools ----------------------------------------------------------------------------

const F32S = [
  0, 0x80000000, 1, 0x80000001, 0x007fffff, 0x807fffff, 0x00400000, 0x00000010, 0x00800000, 0x80800000,
  0x00800001, 0x00ffffff, 0x3f800000, 0xbf800000, 0x3f800001, 0x3f7fffff, 0x3fc00000, 0x40000000, 0x3f000000,
  0x7f7fffff, 0xff7fffff, 0x7f000000, 0x7effffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fc12345,
  0xffd00001, 0x7f800001, 0xff812345, 0x7fa00000, 0x7fbfffff, 0x33800000, 0x34000000, 0x33c00000, 0x4b000000,
  0x4b000001, 0x4f000000, 0xcf000000, 0x4effffff, 0xcf000001, 0x5f000000, 0xdf000000, 0x5effffff, 0xdf000001,
  0x3effffff, 0x40200000, 0xc0200000, 0x40600000, 0xbfc00000, 0x3f400000, 0x0c000000, 0x1a000000, 0x65000000,
  0x4cbebc20, 0x3eaaaaab, 0x3dcccccd, 0xc2c80000, 0x01000000, 0x00c00000, 0x80c00000, 0x3f800003,
].map((v) => v | 0);
const F64S: [number, number][] = [
  [0, 0], [0, 0x80000000], [1, 0], [1, 0x80000000], [-1, 0x000fffff], [0, 0x00080000], [0, 0x00100000],
  [0, 0x80100000], [1, 0x00100000], [-1, 0x001fffff], [0, 0x3ff00000], [0, 0xbff00000], [1, 0x3ff00000],
  [-1, 0x3fefffff], [0, 0x3ff80000], [0, 0x40000000], [0, 0x3fe00000], [-1, 0x7fefffff], [-1, 0xffefffff],
  [0, 0x7fe00000], [0, 0x7ff00000], [0, 0xfff00000], [0, 0x7ff80000], [0, 0xfff80000], [0x12345678, 0x7ff80000],
  [1, 0xfff80001], [1, 0x7ff00000], [0x12345678, 0xfff00000], [0, 0x7ff40000], [-1, 0x7ff7ffff], [0, 0x3ca00000],
  [0, 0x3cb00000], [0, 0x3cb80000], [0, 0x41e00000], [0, 0xc1e00000], [0xffc00000, 0x41dfffff], [0x00200000, 0xc1e00000],
  [0, 0x43e00000], [0, 0xc3e00000], [-1, 0x43dfffff], [1, 0xc3e00000], [0, 0x40040000], [0, 0xc0040000],
  [0, 0x400c0000], [0, 0x43300000], [1, 0x43300000], [0xe0000000, 0x47efffff], [0xf0000000, 0x47efffff],
  [0xf0000001, 0x47efffff], [0xefffffff, 0x47efffff], [0, 0x47f00000], [0, 0x38100000], [0xf0000000, 0x380fffff],
  [0, 0x36a00000], [0, 0x36900000], [0, 0x36980000], [1, 0x36900000], [0x10000000, 0x3ff00000], [0x30000000, 0x3ff00000],
  [0x55555555, 0x3fd55555], [0x9999999a, 0x3fb99999], [0, 0x000c0000], [0, 0x00180000], [0, 0x7fd00000],
  [0, 0x20000000], [0, 0x5ff00000], [0, 0x1ff00000],
].map(([l, h]) => [l | 0, h | 0]);
const I64S: [number, number][] = [
  [0, 0], [1, 0], [-1, -1], [0x7fffffff, 0], [0x80000000, -1], [0x80000000, 0], [-1, 0x7fffffff], [0, 0x80000000],
  [0x01000001, 0], [0x00ffffff, 0], [-0x01000001, -1], [1, 0x00200000], [0x7fffffc0, 0], [0x7fffff80, 0], [100, 0], [-100, -1],
  [0x7fffffff, 0x7fffffff], [-2, -1], [5, 0], [0x40000001, 0x40000000], [-0x40000001, -0x40000001], [0x00000801, 0x00200000],
  [0x40000000, 0x40000000], [0x7fffffff, 0x00ffffff], [0x80000001, 0x00000100], [0x400, 0x00400000], [0x401, 0x00400000], [0x3ff, 0x00400000], [16, 0], [17, 0], [-16, -1], [-17, -1], [8, 0], [9, 0], [-8, -1], [3, 0],
].map(([l, h]) => [l | 0, h | 0]);

type Kind = 'f32' | 'f64' | 'i8' | 'i16' | 'i32' | 'i64' | 'str8' | 'str16' | 'mx';

function f32val(): number {
  const r = rnd();
  if (r < 0.4) return pick(F32S);
  if (r < 0.6) return r32();
  if (r < 0.85) return (((ri(2) << 8) | (105 + ri(45))) << 23) | ri(0x800000);    // moderate magnitudes
  if (r < 0.92) return ((ri(2) << 31) | (ri(6) << 23) | ri(0x800000)) | 0;        // tiny
  const v = Math.fround((ri(2) ? -1 : 1) * ri(2000) / (1 << ri(4)));               // small values, ties
  const dv = new DataView(new ArrayBuffer(4)); dv.setFloat32(0, v, true); return dv.getInt32(0, true);
}
function f64val(): [number, number] {
  const r = rnd();
  if (r < 0.4) return pick(F64S);
  if (r < 0.6) return [r32(), r32()];
  if (r < 0.8) return [r32(), ((ri(2) << 31) | ((960 + ri(128)) << 20) | ri(0x100000)) | 0];
  if (r < 0.86) return [r32(), ((ri(2) << 31) | (ri(40) << 20) | ri(0x100000)) | 0];
  if (r < 0.92) {                                   // near binary32 values (cvtsd2ss ties)
    const f = f32val(); const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, new DataView(Int32Array.of(f).buffer).getFloat32(0, true), true);
    let lo = dv.getInt32(0, true); const hi = dv.getInt32(4, true);
    lo = (lo + pick([0, 1, -1, 0x10000000, -0x10000000, 0x0fffffff])) | 0;
    return [lo, hi];
  }
  const v = (ri(2) ? -1 : 1) * ri(4000) / (1 << ri(5));
  const dv = new DataView(new ArrayBuffer(8)); dv.setFloat64(0, v, true);
  return [dv.getInt32(0, true), dv.getInt32(4, true)];
}
function intLane(w: number): number[] {           // bytes of one lane of width w
  const out: number[] = [];
  const r = rnd();
  let v: number[];
  if (r < 0.5) v = Array.from({ length: w }, () => ri(256));
  else if (r < 0.8) {
    const s = pick(['0', '-1', '1', 'max', 'min', 'minus2', 'small']);
    v = Array.from({ length: w }, (_, k) => {
      switch (s) {
        case '0': return 0;
        case '-1': return 255;
        case '1': return k === 0 ? 1 : 0;
        case 'max': return k === w - 1 ? 0x7f : 0xff;
        case 'min': return k === w - 1 ? 0x80 : 0;
        case 'minus2': return k === 0 ? 0xfe : 0xff;
        default: return k === 0 ? ri(40) : 0;
      }
    });
  } else v = Array.from({ length: w }, (_, k) => (k === w - 1 ? pick([0, 0x7f, 0x80, 0xff]) : ri(256)));
  out.push(...v);
  return out;
}
function fill(kind: Kind, out: Uint8Array, off: number, len: number): void {
  const dv = new DataView(out.buffer, out.byteOffset);
  switch (kind) {
    case 'f32': for (let k = 0; k < len; k += 4) dv.setInt32(off + k, f32val(), true); return;
    case 'f64': for (let k = 0; k < len; k += 8) { const [l, h] = f64val(); dv.setInt32(off + k, l, true); dv.setInt32(off + k + 4, h, true); } return;
    case 'str8': case 'str16': {
      const w = kind === 'str8' ? 1 : 2, alpha = rnd() < 0.7;
      for (let k = 0; k < len; k += w) {
        let v = alpha ? 0x61 + ri(6) : ri(1 << (8 * w));
        if (rnd() < 0.07) v = 0;
        if (w === 1) out[off + k] = v; else dv.setUint16(off + k, rnd() < 0.15 ? 0x8000 + ri(0x8000) : v, true);
      }
      return;
    }
    case 'mx': for (let k = 0; k < len; k += 4) dv.setInt32(off + k, rnd() < 0.7 ? ri(0x10000) : (rnd() < 0.5 ? r32() : ri(0x10000) | 0x20000), true); return;
    default: {
      const w = kind === 'i8' ? 1 : kind === 'i16' ? 2 : kind === 'i32' ? 4 : 8;
      if (rnd() < 0.2) {                           // small lanes (shift counts, indices, lengths)
        for (let k = 0; k < len; k++) out[off + k] = 0;
        dv.setUint8(off, ri(rnd() < 0.5 ? 20 : 80));
        for (let k = 0; k < len; k += 1) if (rnd() < 0.5 && k > 0) out[off + k] = ri(32);
        if (rnd() < 0.5) for (let k = 8; k < len; k++) out[off + k] = 0;
        return;
      }
      for (let k = 0; k < len; k += w) { const b = intLane(w); for (let j = 0; j < w && k + j < len; j++) out[off + k + j] = b[j]; }
    }
  }
}

// ---- instruction forms ----------------------------------------------------------------------

interface Form { asm: string; kind: Kind; n: number; fp: boolean; mem: boolean; group: string; gkind?: 'len' }
const forms: Form[] = [];
function add(asm: string, kind: Kind, n: number, gkind?: 'len'): void {
  const fp = kind === 'f32' || kind === 'f64';
  const group = asm.startsWith('.byte') ? asm.split('#')[1]?.trim() ?? 'bytes' : asm.split(/\s/)[0];
  forms.push({ asm: asm.split('#')[0].trim(), kind, n: Math.max(1, Math.round(n * SCALE)), fp, mem: asm.includes('['), group, gkind });
}
/** dst, src register/memory forms of a two-operand xmm instruction. */
function xx(mn: string, kind: Kind, n: number, suffix = '', memPtr = ''): void {
  add(`${mn} xmm1, xmm2${suffix}`, kind, n);
  add(`${mn} xmm11, xmm4${suffix}`, kind, n / 4);
  add(`${mn} xmm5, xmm5${suffix}`, kind, n / 4);
  add(`${mn} xmm3, ${memPtr}[rsi]${suffix}`, kind, n / 2);
  add(`${mn} xmm14, ${memPtr}[rsi + 32 * 0]${suffix}`, kind, n / 8);
}

const NF = 500, NI = 60;
// floating point
for (const op of ['add', 'sub', 'mul', 'div', 'min', 'max', 'sqrt']) {
  xx(op + 'ps', 'f32', NF); xx(op + 'ss', 'f32', NF); xx(op + 'pd', 'f64', NF); xx(op + 'sd', 'f64', NF);
}
for (const op of ['rcpps', 'rsqrtps', 'rcpss', 'rsqrtss']) xx(op, 'f32', NF);
for (const op of ['andps', 'andnps', 'orps', 'xorps', 'andpd', 'andnpd', 'orpd', 'xorpd']) xx(op, 'i32', NI);
for (const imm of [0, 1, 2, 3, 4, 5, 6, 7, 8, 0x1f, 0xff]) {
  xx('cmpps', 'f32', NF / 4, `, ${imm}`); xx('cmpss', 'f32', NF / 4, `, ${imm}`);
  xx('cmppd', 'f64', NF / 4, `, ${imm}`); xx('cmpsd', 'f64', NF / 4, `, ${imm}`);
}
for (const op of ['comiss', 'ucomiss']) xx(op, 'f32', NF);
for (const op of ['comisd', 'ucomisd']) xx(op, 'f64', NF);
for (const imm of [0, 0x1b, 0xe4, 0x4e, 0xb1, 0xff, 0x39]) xx('shufps', 'i32', NI / 4, `, ${imm}`);
for (const imm of [0, 1, 2, 3, 0xfe]) xx('shufpd', 'i64', NI / 4, `, ${imm}`);
for (const op of ['unpcklps', 'unpckhps', 'unpcklpd', 'unpckhpd']) xx(op, 'i32', NI);
xx('addsubps', 'f32', NF); xx('haddps', 'f32', NF); xx('hsubps', 'f32', NF);
xx('addsubpd', 'f64', NF); xx('haddpd', 'f64', NF); xx('hsubpd', 'f64', NF);
for (const imm of [0xff, 0xf1, 0x31, 0x7f, 0x55, 0xa2, 0x0f, 0xf0]) xx('dpps', 'f32', NF / 3, `, ${imm}`);
for (const imm of [0x33, 0x31, 0x12, 0x23, 0xff, 0x03]) xx('dppd', 'f64', NF / 3, `, ${imm}`);
for (let imm = 0; imm < 16; imm++) {
  xx('roundps', 'f32', NF / 6, `, ${imm}`); xx('roundss', 'f32', NF / 6, `, ${imm}`);
  xx('roundpd', 'f64', NF / 6, `, ${imm}`); xx('roundsd', 'f64', NF / 6, `, ${imm}`);
}
for (const imm of [0, 5, 0xa, 0xf, 3]) xx('blendps', 'i32', NI / 3, `, ${imm}`);
for (const imm of [0, 1, 2, 3]) xx('blendpd', 'i64', NI / 3, `, ${imm}`);
add('blendvps xmm1, xmm2, xmm0', 'i32', NI); add('blendvps xmm1, [rsi], xmm0', 'i32', NI / 2); add('blendvps xmm0, xmm1, xmm0', 'i32', NI / 2);
add('blendvpd xmm1, xmm2, xmm0', 'i64', NI); add('blendvpd xmm1, [rsi], xmm0', 'i64', NI / 2);
for (const imm of [0, 0x10, 0x20, 0x30, 0x40, 0x8f, 0xc5, 0x3a, 0xff]) {
  add(`insertps xmm1, xmm2, ${imm}`, 'i32', NI / 3); add(`insertps xmm1, dword ptr [rsi], ${imm}`, 'i32', NI / 3);
}
for (const imm of [0, 1, 2, 3, 6]) {
  add(`extractps eax, xmm1, ${imm}`, 'i32', NI / 4); add(`extractps rax, xmm9, ${imm}`, 'i32', NI / 4);
  add(`extractps dword ptr [rsi], xmm1, ${imm}`, 'i32', NI / 4);
}

// conversions
for (const op of ['cvtsi2ss', 'cvtsi2sd']) {
  add(`${op} xmm1, eax`, 'f32', NF / 2); add(`${op} xmm1, rax`, 'f32', NF); add(`${op} xmm12, r9`, 'f32', NF / 4);
  add(`${op} xmm1, dword ptr [rsi]`, 'i32', NF / 4); add(`${op} xmm1, qword ptr [rsi]`, 'i64', NF / 2);
}
for (const op of ['cvtss2si', 'cvttss2si']) {
  add(`${op} eax, xmm2`, 'f32', NF); add(`${op} rax, xmm2`, 'f32', NF); add(`${op} r10d, xmm12`, 'f32', NF / 4);
  add(`${op} eax, dword ptr [rsi]`, 'f32', NF / 4); add(`${op} rcx, dword ptr [rsi]`, 'f32', NF / 4);
}
for (const op of ['cvtsd2si', 'cvttsd2si']) {
  add(`${op} eax, xmm2`, 'f64', NF); add(`${op} rax, xmm2`, 'f64', NF); add(`${op} r10, xmm12`, 'f64', NF / 4);
  add(`${op} eax, qword ptr [rsi]`, 'f64', NF / 4); add(`${op} rcx, qword ptr [rsi]`, 'f64', NF / 4);
}
xx('cvtps2pd', 'f32', NF); xx('cvtss2sd', 'f32', NF); xx('cvtpd2ps', 'f64', NF); xx('cvtsd2ss', 'f64', NF);
xx('cvtdq2ps', 'i32', NF); xx('cvtdq2pd', 'i32', NI); xx('cvtps2dq', 'f32', NF); xx('cvttps2dq', 'f32', NF);
xx('cvtpd2dq', 'f64', NF); xx('cvttpd2dq', 'f64', NF);

// moves
for (const op of ['movups', 'movupd', 'movaps', 'movapd', 'movdqa', 'movdqu']) {
  add(`${op} xmm1, xmm2`, 'i32', NI / 2); add(`${op} xmm1, [rsi]`, 'i32', NI); add(`${op} [rsi], xmm1`, 'i32', NI);
  add(`${op} xmm13, xmm7`, 'i32', NI / 4);
  add(`.byte 0x${op === 'movups' || op === 'movaps' ? '' : (op === 'movdqu' ? 'f3,0x' : '66,0x')}0f,0x${{ movups: '11', movupd: '11', movaps: '29', movapd: '29', movdqa: '7f', movdqu: '7f' }[op]},0xd1 # ${op} store reg`, 'i32', NI / 4);
}
for (const op of ['movss', 'movsd']) {
  add(`${op} xmm1, xmm2`, 'i32', NI / 2); add(`${op} xmm1, [rsi]`, 'i32', NI); add(`${op} [rsi], xmm1`, 'i32', NI);
  add(`.byte 0x${op === 'movss' ? 'f3' : 'f2'},0x0f,0x11,0xd1 # ${op} store reg`, 'i32', NI / 2);
}
for (const op of ['movlps', 'movhps', 'movlpd', 'movhpd']) { add(`${op} xmm1, [rsi]`, 'i32', NI); add(`${op} [rsi], xmm1`, 'i32', NI); }
add('movhlps xmm1, xmm2', 'i32', NI); add('movlhps xmm1, xmm2', 'i32', NI); add('movlhps xmm3, xmm3', 'i32', NI / 2);
add('movq xmm1, xmm2', 'i64', NI); add('movq xmm1, qword ptr [rsi]', 'i64', NI); add('movq qword ptr [rsi], xmm1', 'i64', NI);
add('.byte 0x66,0x0f,0xd6,0xd1 # movq D6 reg', 'i64', NI);
add('movd xmm1, eax', 'i32', NI); add('movd eax, xmm1', 'i32', NI); add('movd xmm9, r11d', 'i32', NI / 2);
add('movq xmm1, rax', 'i64', NI); add('movq rax, xmm1', 'i64', NI); add('movq r12, xmm10', 'i64', NI / 2);
add('movd xmm1, dword ptr [rsi]', 'i32', NI); add('movd dword ptr [rsi], xmm1', 'i32', NI);
add('.byte 0x66,0x48,0x0f,0x6e,0x0e # movq 6E mem', 'i64', NI); add('.byte 0x66,0x48,0x0f,0x7e,0x0e # movq 7E mem', 'i64', NI);
for (const op of ['movntdq', 'movntps', 'movntpd']) add(`${op} [rsi], xmm1`, 'i32', NI);
add('.byte 0xf3,0x0f,0x2b,0x0e # movntss', 'i32', NI / 2); add('.byte 0xf2,0x0f,0x2b,0x0e # movntsd', 'i32', NI / 2);
add('movnti [rsi], eax', 'i32', NI / 2); add('movnti [rsi], rax', 'i64', NI / 2);
add('movmskps eax, xmm2', 'f32', NI); add('movmskpd eax, xmm2', 'f64', NI); add('movmskps r9, xmm12', 'f32', NI / 2);
add('pmovmskb eax, xmm2', 'i8', NI); add('pmovmskb r8d, xmm15', 'i8', NI / 2);
add('maskmovdqu xmm1, xmm2', 'i8', NI); add('maskmovdqu xmm10, xmm3', 'i8', NI / 2);
add('lddqu xmm1, [rsi]', 'i32', NI); add('movntdqa xmm1, [rsi]', 'i32', NI);
xx('movddup', 'i64', NI); xx('movshdup', 'i32', NI); xx('movsldup', 'i32', NI);
add('ldmxcsr [rsi]', 'mx', NI * 3); add('stmxcsr [rsi]', 'f32', NI);
add('lfence', 'i32', 4); add('mfence', 'i32', 4); add('sfence', 'i32', 4); add('clflush [rsi]', 'i32', NI / 2);
add('prefetchnta [rsi]', 'i32', NI / 4); add('prefetcht0 [rsi]', 'i32', NI / 4); add('prefetcht1 [rsi]', 'i32', NI / 4); add('prefetcht2 [rsi + 0x1000]', 'i32', NI / 4);
for (let r = 4; r < 8; r++) add(`.byte 0x0f,0x18,0x${(0x06 | (r << 3)).toString(16)} # hint nop 0F 18 /${r}`, 'i32', 4);
for (let r = 0; r < 8; r++) add(`.byte 0x0f,0x18,0x${(0xc0 | (r << 3)).toString(16)} # hint nop 0F 18 /${r} reg`, 'i32', 4);

// packed integer
const INT2: [string, Kind][] = [
  ['paddb', 'i8'], ['paddw', 'i16'], ['paddd', 'i32'], ['paddq', 'i64'], ['psubb', 'i8'], ['psubw', 'i16'], ['psubd', 'i32'], ['psubq', 'i64'],
  ['paddsb', 'i8'], ['paddsw', 'i16'], ['paddusb', 'i8'], ['paddusw', 'i16'], ['psubsb', 'i8'], ['psubsw', 'i16'], ['psubusb', 'i8'], ['psubusw', 'i16'],
  ['pcmpeqb', 'i8'], ['pcmpeqw', 'i16'], ['pcmpeqd', 'i32'], ['pcmpeqq', 'i64'], ['pcmpgtb', 'i8'], ['pcmpgtw', 'i16'], ['pcmpgtd', 'i32'], ['pcmpgtq', 'i64'],
  ['pand', 'i32'], ['pandn', 'i32'], ['por', 'i32'], ['pxor', 'i32'],
  ['psllw', 'i16'], ['pslld', 'i32'], ['psllq', 'i64'], ['psrlw', 'i16'], ['psrld', 'i32'], ['psrlq', 'i64'], ['psraw', 'i16'], ['psrad', 'i32'],
  ['pmullw', 'i16'], ['pmulhw', 'i16'], ['pmulhuw', 'i16'], ['pmuludq', 'i32'], ['pmaddwd', 'i16'], ['pmulld', 'i32'], ['pmuldq', 'i32'],
  ['pmaddubsw', 'i8'], ['pmulhrsw', 'i16'], ['pavgb', 'i8'], ['pavgw', 'i16'], ['psadbw', 'i8'],
  ['pminub', 'i8'], ['pmaxub', 'i8'], ['pminsw', 'i16'], ['pmaxsw', 'i16'], ['pminsb', 'i8'], ['pmaxsb', 'i8'], ['pminuw', 'i16'], ['pmaxuw', 'i16'],
  ['pminsd', 'i32'], ['pmaxsd', 'i32'], ['pminud', 'i32'], ['pmaxud', 'i32'],
  ['pabsb', 'i8'], ['pabsw', 'i16'], ['pabsd', 'i32'], ['psignb', 'i8'], ['psignw', 'i16'], ['psignd', 'i32'],
  ['phaddw', 'i16'], ['phaddd', 'i32'], ['phaddsw', 'i16'], ['phsubw', 'i16'], ['phsubd', 'i32'], ['phsubsw', 'i16'],
  ['punpcklbw', 'i8'], ['punpcklwd', 'i16'], ['punpckldq', 'i32'], ['punpcklqdq', 'i64'], ['punpckhbw', 'i8'], ['punpckhwd', 'i16'], ['punpckhdq', 'i32'], ['punpckhqdq', 'i64'],
  ['packsswb', 'i16'], ['packuswb', 'i16'], ['packssdw', 'i32'], ['packusdw', 'i32'], ['pshufb', 'i8'], ['ptest', 'i32'], ['phminposuw', 'i16'],
];
for (const [op, k] of INT2) xx(op, k, NI);
for (const [op, k] of [['psllw', 'i16'], ['pslld', 'i32'], ['psllq', 'i64'], ['psrlw', 'i16'], ['psrld', 'i32'], ['psrlq', 'i64'], ['psraw', 'i16'], ['psrad', 'i32'], ['pslldq', 'i8'], ['psrldq', 'i8']] as [string, Kind][]) {
  for (const imm of [0, 1, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 200]) add(`${op} xmm1, ${imm}`, k, NI / 6);
  add(`${op} xmm12, 5`, k, NI / 6);
}
for (const imm of [0, 0x1b, 0xe4, 0x4e, 0xb1, 0xff, 0x39, 0x8d]) { xx('pshufd', 'i32', NI / 4, `, ${imm}`); xx('pshufhw', 'i16', NI / 4, `, ${imm}`); xx('pshuflw', 'i16', NI / 4, `, ${imm}`); }
for (const imm of [0, 1, 5, 8, 15, 16, 17, 24, 31, 32, 200]) xx('palignr', 'i8', NI / 4, `, ${imm}`);
for (const imm of [0, 0x55, 0xaa, 0xff, 0x0f, 0x81]) xx('pblendw', 'i16', NI / 4, `, ${imm}`);
for (let imm = 0; imm < 8; imm++) xx('mpsadbw', 'i8', NI / 4, `, ${imm}`);
add('pblendvb xmm1, xmm2, xmm0', 'i8', NI); add('pblendvb xmm1, [rsi], xmm0', 'i8', NI / 2); add('pblendvb xmm0, xmm3, xmm0', 'i8', NI / 2);
for (const n of ['bw', 'bd', 'bq', 'wd', 'wq', 'dq']) {
  add(`pmovsx${n} xmm1, xmm2`, 'i8', NI / 2); add(`pmovzx${n} xmm1, xmm2`, 'i8', NI / 2);
  add(`pmovsx${n} xmm1, [rsi]`, 'i8', NI / 2); add(`pmovzx${n} xmm9, [rsi]`, 'i8', NI / 2);
}
for (const imm of [0, 3, 7, 9]) {
  add(`pinsrw xmm1, eax, ${imm}`, 'i16', NI / 4); add(`pinsrw xmm1, word ptr [rsi], ${imm}`, 'i16', NI / 4);
  add(`pextrw eax, xmm1, ${imm}`, 'i16', NI / 4); add(`pextrw r9d, xmm10, ${imm}`, 'i16', NI / 4);
  add(`.byte 0x66,0x0f,0x3a,0x15,0xc8,${imm} # pextrw 3A reg`, 'i16', NI / 4); add(`pextrw word ptr [rsi], xmm1, ${imm}`, 'i16', NI / 4);
}
for (const imm of [0, 5, 15, 17]) {
  add(`pinsrb xmm1, eax, ${imm}`, 'i8', NI / 4); add(`pinsrb xmm1, byte ptr [rsi], ${imm}`, 'i8', NI / 4);
  add(`pextrb eax, xmm1, ${imm}`, 'i8', NI / 4); add(`pextrb rax, xmm11, ${imm}`, 'i8', NI / 4); add(`pextrb byte ptr [rsi], xmm1, ${imm}`, 'i8', NI / 4);
}
for (const imm of [0, 1, 2, 3, 5]) {
  add(`pinsrd xmm1, eax, ${imm}`, 'i32', NI / 4); add(`pinsrd xmm1, dword ptr [rsi], ${imm}`, 'i32', NI / 4);
  add(`pextrd eax, xmm1, ${imm}`, 'i32', NI / 4); add(`pextrd dword ptr [rsi], xmm1, ${imm}`, 'i32', NI / 4);
  add(`pinsrq xmm1, rax, ${imm}`, 'i64', NI / 4); add(`pinsrq xmm1, qword ptr [rsi], ${imm}`, 'i64', NI / 4);
  add(`pextrq rax, xmm1, ${imm}`, 'i64', NI / 4); add(`pextrq qword ptr [rsi], xmm1, ${imm}`, 'i64', NI / 4);
}

// SSE4.2 string compares and crc32
for (let imm = 0; imm < 128; imm++) {
  const k: Kind = imm & 1 ? 'str16' : 'str8';
  const h = `0x${imm.toString(16)}`;
  add(`pcmpistri xmm1, xmm2, ${h}`, k, 24); add(`pcmpistrm xmm1, xmm2, ${h}`, k, 24);
  add(`pcmpestri xmm1, xmm2, ${h}`, k, 24, 'len'); add(`pcmpestrm xmm1, xmm2, ${h}`, k, 24, 'len');
  if (imm % 8 === 0) {
    add(`pcmpistri xmm3, [rsi], ${h}`, k, 24); add(`pcmpestrm xmm9, [rsi], ${h}`, k, 24, 'len');
    add(`.byte 0x66,0x48,0x0f,0x3a,0x61,0xca,${imm} # pcmpestri rex.w`, k, 24, 'len');
  }
}
for (const a of ['eax, bl', 'eax, ah', 'eax, bx', 'eax, ebx', 'rax, rbx', 'rax, bl', 'r9d, r10b', 'eax, byte ptr [rsi]', 'eax, word ptr [rsi]', 'eax, dword ptr [rsi]', 'rax, qword ptr [rsi]']) add(`crc32 ${a}`, 'i32', NI);

// prefixes the hardware rejects or reinterprets: LOCK, 66, F2 or F3 put in front of the first form
// of every mnemonic (so a REX prefix stays next to the opcode), and 67 (32-bit addressing) in
// front of memory forms
{
  const seen = new Set<string>();
  for (const f of forms.slice()) {
    if (seen.has(f.group)) continue;
    seen.add(f.group);
    for (const p of f.mem ? ['0xf0', '0x66', '0xf3', '0xf2', '0x67'] : ['0xf0', '0x66', '0xf3', '0xf2']) {
      if (p !== '0xf0' && p !== '0x66' && f.group === 'movq D6 reg') continue;   // F3/F2 0F D6 /r: MMX movq2dq/movdq2q (not implemented)
      forms.push({ ...f, asm: `.byte ${p}; ${f.asm}`, n: Math.max(1, Math.round(3 * SCALE)), group: `${p} ${f.group}` });
    }
  }
}

// ---- records (layout of struct io in sseops.c) ----------------------------------------------

const REC = 976;
const O = { codelen: 0, code: 4, mxin: 32, memoff: 36, flin: 40, xin: 48, gin: 304, min: 432, xout: 496, gout: 752, mxout: 880, signo: 884, code_: 888, faddr: 896, flout: 904, mout: 912 };

function assemble(dir: string): Uint8Array[] {
  const lines = ['.intel_syntax noprefix', '.text'];
  forms.forEach((f, k) => lines.push(`f${k}: ${f.asm}`));
  lines.push(`f${forms.length}:`);
  writeFileSync(join(dir, 'forms.s'), lines.join('\n') + '\n');
  execFileSync('as', ['-o', join(dir, 'forms.o'), join(dir, 'forms.s')]);
  execFileSync('objcopy', ['-O', 'binary', '-j', '.text', join(dir, 'forms.o'), join(dir, 'forms.bin')]);
  const text = readFileSync(join(dir, 'forms.bin'));
  const off = new Map<string, number>();
  for (const l of execFileSync('nm', [join(dir, 'forms.o')]).toString().split('\n')) {
    const m = /^([0-9a-f]+) \w (f\d+)$/.exec(l);
    if (m) off.set(m[2], parseInt(m[1], 16));
  }
  return forms.map((_, k) => new Uint8Array(text.subarray(off.get(`f${k}`)!, off.get(`f${k + 1}`)!)));
}

function genCase(f: Form, code: Uint8Array, buf: DataView, base: number, probe = -1): void {
  const u8 = new Uint8Array(buf.buffer, buf.byteOffset + base, REC);
  u8.fill(0);
  buf.setUint32(base + O.codelen, code.length, true);
  u8.set(code, O.code);
  // MXCSR
  let mx = 0x1f80;
  if (f.fp) {
    const r = rnd();
    if (r < 0.3) mx = 0x1f80;
    else if (r < 0.5) mx = 0x1fa0;
    else {
      mx = 0x1f80 | (ri(4) << 13);
      if (rnd() < 0.3) mx |= 0x8000;
      if (rnd() < 0.3) mx |= 0x40;
      if (rnd() < 0.3) mx |= ri(64);
      if (rnd() < 0.15) mx &= ~(1 << (7 + ri(6)));
      if (rnd() < 0.05) mx &= ~(ri(64) << 7);
    }
  } else if (rnd() < 0.3) mx |= ri(64);
  if (rnd() < 0.05) mx |= 0x20000;                  // AMD MM: accepted, no effect on alignment
  buf.setUint32(base + O.mxin, mx, true);
  // memory operand placement
  let memoff = 1024 + 16 * ri(8);
  if (f.mem) {
    const r = rnd();
    if (r < 0.12) memoff += 1 + ri(15);
    else if (r < 0.2) memoff = 4096 - 1 - ri(15);
    else if (r < 0.25) memoff = 8192 - 1 - ri(16);
    else if (r < 0.28) memoff += pick([4, 8, 12]);
  }
  if (probe >= 0) {                                  // operand running into the guard page
    memoff = 8192 - [1, 4, 7, 8, 9, 12, 15, 16][probe];
    if (probe & 1) mx |= 0x20000;
    buf.setUint32(base + O.mxin, mx, true);
  }
  buf.setUint32(base + O.memoff, memoff, true);
  buf.setUint32(base + O.flin, (r32() & 0x8d5) | 2, true);
  fill(f.kind, u8, O.xin, 256);
  fill(f.kind, u8, O.min, 64);
  for (let k = 0; k < 16; k++) {
    let [l, h] = rnd() < 0.5 ? pick(I64S) : [r32(), r32()];
    if (f.fp && rnd() < 0.5) [l, h] = f64val();
    if (f.gkind === 'len' && (k === 0 || k === 2) && rnd() < 0.8) { l = ri(41) - 20; h = l < 0 ? -1 : 0; }
    buf.setInt32(base + O.gin + 8 * k, l, true);
    buf.setInt32(base + O.gin + 8 * k + 4, h, true);
  }
}

// ---- our CPU --------------------------------------------------------------------------------

const CODE = 0x400000, DATA = 0x600000, STACK_TOP = 0x7fff0000;
function makeCpu(mode64 = true, pool = defaultPool()): Cpu {
  const mem = new AddressSpace(pool);
  mem.map(CODE, 0x1000, PROT_READ | PROT_EXEC, 0, 'code');
  mem.map(DATA, 0x2000, PROT_READ | PROT_WRITE, 0, 'data');
  mem.map(DATA + 0x2000, 0x1000, PROT_NONE, 0, 'guard');
  mem.map(STACK_TOP - 0x10000, 0x10000, PROT_READ | PROT_WRITE, 0, '[stack]');
  return new Cpu(new CpuState(pool), mem, mode64);
}

/** True when the instruction means the same in 32-bit mode: no REX prefix, and no 0x67 (which
 *  selects 16-bit addressing there). */
function sameIn32(code: Uint8Array): boolean {
  let k = 0;
  while (k < code.length && [0x66, 0xf2, 0xf3, 0xf0, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65].includes(code[k])) k++;
  return k < code.length && (code[k] & 0xf0) !== 0x40 && code[k] !== 0x67;
}

function emulate(cpu: Cpu, inp: DataView, ib: number, out: DataView): void {
  const len = inp.getUint32(ib + O.codelen, true);
  const code = new Uint8Array(len + 2);
  code.set(new Uint8Array(inp.buffer, inp.byteOffset + ib + O.code, len));
  code[len] = 0x0f; code[len + 1] = 0x0b;                  // ud2 ends the run
  const mem = cpu.mem, st = cpu.state;
  mem.poke(CODE, code);
  const memoff = inp.getUint32(ib + O.memoff, true);
  const wb = (memoff & ~15) - 16;
  const win = new Uint8Array(inp.buffer, inp.byteOffset + ib + O.min, 64);
  const n = Math.min(64, 8192 - wb);
  mem.poke(DATA + wb, win.subarray(0, n));
  for (let k = 0; k < 64; k++) st.xmm[k] = inp.getInt32(ib + O.xin + 4 * k, true);
  for (let k = 0; k < 32; k++) st.r[k] = inp.getInt32(ib + O.gin + 4 * k, true);
  cpu.setRegAddr(6, DATA + memoff); cpu.setRegAddr(7, DATA + memoff);
  cpu.setRegAddr(RSP, STACK_TOP - 256);
  st.dv.setUint32(OFF_MXCSR, inp.getUint32(ib + O.mxin, true), true);
  setFlags(cpu.f, inp.getUint32(ib + O.flin, true));
  cpu.rip = CODE;
  const why = cpu.run(4);
  const u8 = new Uint8Array(out.buffer, out.byteOffset, REC);
  u8.fill(0);
  if (why === EXIT_SIGNAL && cpu.signal) {
    const s = cpu.signal;
    if (!(s.signo === SIGILL && cpu.rip === CODE + len)) {
      out.setInt32(O.signo, s.signo, true);
      out.setInt32(O.code_, s.code, true);
      const a = s.signo === 11 || s.signo === 7 ? (s.addr ? s.addr - DATA : 0) : s.addr - CODE;
      out.setInt32(O.faddr, a | 0, true); out.setInt32(O.faddr + 4, Math.floor(a / 4294967296), true);
    }
  }
  for (let k = 0; k < 64; k++) out.setInt32(O.xout + 4 * k, st.xmm[k], true);
  for (let k = 0; k < 32; k++) out.setInt32(O.gout + 4 * k, st.r[k], true);
  const rsi = cpu.regAddr(6) - DATA, rdi = cpu.regAddr(7) - DATA;
  out.setBigInt64(O.gout + 48, BigInt(rsi), true); out.setBigInt64(O.gout + 56, BigInt(rdi), true);
  out.setBigInt64(O.gout + 32, 0n, true);
  out.setUint32(O.mxout, st.dv.getUint32(OFF_MXCSR, true), true);
  out.setUint32(O.flout, getFlags(cpu.f), true);
  u8.set(mem.readBytes(DATA + wb, n), O.mout);
}

// ---- comparison -----------------------------------------------------------------------------

const hex = (dv: DataView, off: number, len: number): string =>
  Array.from(new Uint8Array(dv.buffer, dv.byteOffset + off, len)).map((b) => b.toString(16).padStart(2, '0')).join('');
function x128(dv: DataView, off: number, r: number): string {
  return [3, 2, 1, 0].map((k) => (dv.getUint32(off + 16 * r + 4 * k, true) >>> 0).toString(16).padStart(8, '0')).join('_');
}

function diff(exp: DataView, eb: number, got: DataView): string[] {
  const d: string[] = [];
  const E = new DataView(exp.buffer, exp.byteOffset + eb, REC);
  if (E.getInt32(O.signo, true) !== got.getInt32(O.signo, true) || E.getInt32(O.code_, true) !== got.getInt32(O.code_, true)
    || (E.getInt32(O.signo, true) !== 0 && E.getBigUint64(O.faddr, true) !== got.getBigUint64(O.faddr, true))) {
    d.push(`signal ${E.getInt32(O.signo, true)}/${E.getInt32(O.code_, true)}@${E.getBigUint64(O.faddr, true)} vs ${got.getInt32(O.signo, true)}/${got.getInt32(O.code_, true)}@${got.getBigUint64(O.faddr, true)}`);
  }
  for (let r = 0; r < 16; r++) if (x128(E, O.xout, r) !== x128(got, O.xout, r)) d.push(`xmm${r} ${x128(E, O.xout, r)} vs ${x128(got, O.xout, r)}`);
  for (let r = 0; r < 16; r++) {
    if (r === 4) continue;
    const a = E.getBigUint64(O.gout + 8 * r, true), b = got.getBigUint64(O.gout + 8 * r, true);
    if (a !== b) d.push(`gpr${r} ${a.toString(16)} vs ${b.toString(16)}`);
  }
  const mxa = E.getUint32(O.mxout, true), mxb = got.getUint32(O.mxout, true);
  if (mxa !== mxb) d.push(`mxcsr ${mxa.toString(16)} vs ${mxb.toString(16)}`);
  const fa = E.getUint32(O.flout, true) & 0x8d5, fb = got.getUint32(O.flout, true) & 0x8d5;
  if (fa !== fb) d.push(`flags ${fa.toString(16)} vs ${fb.toString(16)}`);
  if (hex(E, O.mout, 64) !== hex(got, O.mout, 64)) d.push(`mem ${hex(E, O.mout, 64)} vs ${hex(got, O.mout, 64)}`);
  return d;
}

function describeInput(inp: DataView, ib: number, f: Form): string {
  const I = new DataView(inp.buffer, inp.byteOffset + ib, REC);
  const regs = [0, 1, 2, 3, 4, 5, 9, 10, 11, 12, 14].map((r) => `xmm${r}=${x128(I, O.xin, r)}`).join(' ');
  const g = [0, 1, 2, 3].map((r) => `g${r}=${I.getBigUint64(O.gin + 8 * r, true).toString(16)}`).join(' ');
  return `${f.asm}  mxcsr=${I.getUint32(O.mxin, true).toString(16)} memoff=${I.getUint32(O.memoff, true)} ${regs} ${g} mem=${hex(I, O.min, 64)}`;
}

const MAND: Record<string, number> = { any: 0, none: 0, p66: 0x66, pF3: 0xf3, pF2: 0xf2 };
function isGroup(map: number, op: number, mand: number): boolean {
  return allEntries().some(([m, o, k, r]) => m === map && o === op && MAND[k] === mand && r >= 0);
}

// ---- the tests ------------------------------------------------------------------------------

function haveTools(): boolean {
  try {
    for (const tool of ['gcc', 'as', 'objcopy', 'nm']) execFileSync(tool, ['--version']);
    return true;
  } catch { return false; }
}

test('SSE instructions match this machine\'s CPU bit for bit', { timeout: 600_000 }, (t) => {
  if (process.arch !== 'x64' || !haveTools()) { t.skip('needs x86-64 with gcc and binutils'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'lxsse-'));
  try {
    execFileSync('gcc', ['-O1', '-o', join(dir, 'sseops'), SRC]);
    const codes = assemble(dir);
    // every opcode-table entry of the SSE family is exercised by some form
    const hit = new Set<string>();
    {
      const cpu = makeCpu();
      for (const b of codes) {
        cpu.mem.poke(CODE, b);
        const i = decode(cpu.mem, CODE, true);
        const grp = isGroup(i.map, i.op, i.mandatory) ? i.reg & 7 : -1;
        hit.add(`${i.map}:${i.op.toString(16)}:${i.mandatory}:${grp}`);
      }
    }
    const missing = allEntries().filter(([m, op, k, r]) => !hit.has(`${m}:${op.toString(16)}:${MAND[k]}:${r}`))
      .map(([m, op, k, r, d]) => `${d.name} (map ${m} op ${op.toString(16)} ${k}${r >= 0 ? ' /' + r : ''})`);
    assert.deepEqual(missing, [], 'opcode-table entries no form exercises');
    t.diagnostic(`all ${allEntries().length} opcode-table entries of the SSE family are exercised`);
    const total = forms.reduce((a, f) => a + f.n + (f.mem ? 8 : 0), 0);
    const inBuf = new ArrayBuffer(total * REC);
    const inp = new DataView(inBuf);
    const owner: number[] = [];
    let p = 0;
    forms.forEach((f, k) => {
      for (let j = 0; j < f.n; j++) { genCase(f, codes[k], inp, p * REC); owner.push(k); p++; }
      if (f.mem) for (let j = 0; j < 8; j++) { genCase(f, codes[k], inp, p * REC, j); owner.push(k); p++; }
    });
    writeFileSync(join(dir, 'cases.bin'), new Uint8Array(inBuf));
    execFileSync(join(dir, 'sseops'), [join(dir, 'cases.bin'), join(dir, 'out.bin')]);
    const outBytes = readFileSync(join(dir, 'out.bin'));
    const exp = new DataView(outBytes.buffer, outBytes.byteOffset, outBytes.byteLength);
    assert.equal(outBytes.byteLength, total * REC, 'oracle wrote every record');
    const cpu = makeCpu(), cpu32 = makeCpu(false);
    // a CPU whose register block, memory and the SSE scratch frame all sit above 2 GiB in its pool
    const high = new FramePool();
    while (high.alloc() < 0x90000);
    const cpuHigh = makeCpu(true, high);
    let nHigh = 0;
    const got = new DataView(new ArrayBuffer(REC));
    const only64 = codes.map((b) => !sameIn32(b));
    let n32 = 0;
    const bad = new Map<string, { n: number; total: number; first: string[] }>();
    const groups = new Map<string, number>();
    let mismatches = 0, faults = 0;
    const t0 = performance.now();
    for (let c = 0; c < total; c++) {
      const f = forms[owner[c]];
      groups.set(f.group, (groups.get(f.group) ?? 0) + 1);
      emulate(cpu, inp, c * REC, got);
      if (exp.getInt32(c * REC + O.signo, true) !== 0) faults++;
      let d = diff(exp, c * REC, got);
      if (!d.length && !only64[owner[c]] && c % 2 === 0) {         // the same bytes in 32-bit mode
        emulate(cpu32, inp, c * REC, got);
        d = diff(exp, c * REC, got).map((l) => '(32-bit mode) ' + l);
        n32++;
      }
      if (!d.length && c % 8 === 1) {
        emulate(cpuHigh, inp, c * REC, got);
        d = diff(exp, c * REC, got).map((l) => '(state above 2 GiB) ' + l);
        nHigh++;
      }
      if (d.length) {
        mismatches++;
        const e = bad.get(f.group) ?? { n: 0, total: 0, first: [] };
        e.n++;
        if (e.first.length < 3) e.first.push(describeInput(inp, c * REC, f) + '\n      ' + d.join('\n      '));
        bad.set(f.group, e);
      }
    }
    const ms = performance.now() - t0;
    console.log(`LXCPU-RESULT suite=sse seed=${process.env.SSE_TEST_SEED ?? process.env.LXCPU_SEED ?? 'default'} random=${SCALE} cases=${total} mismatches=${mismatches}`);
    t.diagnostic(`${forms.length} forms (${groups.size} mnemonics), ${total} cases (${faults} raising a signal natively), ${mismatches} mismatches (${n32} also run in 32-bit mode, ${nHigh} with state above 2 GiB); emulation ${(ms / total * 1000).toFixed(1)} us/case`);
    if (bad.size) {
      const lines = [...bad].map(([g, e]) => `  ${g}: ${e.n}/${groups.get(g)} differ\n    ${e.first.join('\n    ')}`);
      assert.fail(`${mismatches} of ${total} cases differ from the hardware:\n${lines.join('\n')}`);
    }
  } finally {
    if (!process.env.SSE_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
    else t.diagnostic(`kept ${dir}`);
  }
});

test('RCPPS/RSQRTPS tables agree with the hardware over every table index and exponent', (t) => {
  if (process.arch !== 'x64' || !haveTools()) { t.skip('needs x86-64 with gcc'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'lxrcp-'));
  try {
    writeFileSync(join(dir, 'rcp.c'), `#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <immintrin.h>
int main(void){ for (uint32_t e = 0; e < 256; e += 1) for (uint32_t t = 0; t < 4096; t += (e == 127 || e == 126) ? 1 : 61) for (uint32_t s = 0; s < 2; s++) {
  uint32_t x = (s << 31) | (e << 23) | (t << 11) | ((t * 2654435761u) & 0x7ff); float f; memcpy(&f, &x, 4);
  __m128 v = _mm_set1_ps(f); uint32_t a, b; float ra = _mm_cvtss_f32(_mm_rcp_ps(v)), rb = _mm_cvtss_f32(_mm_rsqrt_ps(v));
  memcpy(&a, &ra, 4); memcpy(&b, &rb, 4); printf("%08x %08x %08x\\n", x, a, b); } return 0; }`);
    execFileSync('gcc', ['-O1', '-msse2', '-o', join(dir, 'rcp'), join(dir, 'rcp.c')]);
    const lines = execFileSync(join(dir, 'rcp'), { maxBuffer: 1 << 26 }).toString().trim().split('\n');
    let bad = 0;
    const first: string[] = [];
    for (const l of lines) {
      const [x, a, b] = l.split(' ').map((h) => parseInt(h, 16) | 0);
      const ga = rcpBits(x), gb = rsqrtBits(x);
      if (ga !== a || gb !== b) { bad++; if (first.length < 5) first.push(`${l} got ${(ga >>> 0).toString(16)} ${(gb >>> 0).toString(16)}`); }
    }
    t.diagnostic(`${lines.length} inputs compared`);
    assert.equal(bad, 0, first.join('\n'));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
