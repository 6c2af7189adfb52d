// MMX family against the hardware. Every instruction form below is assembled with GNU as; the
// native oracle (test/fixtures/src/mmxops.c) executes each form's bytes on this machine's CPU over
// many generated states and records the result; the same bytes then run on our CPU from the same
// states, and everything is compared bit for bit: the FXSAVE64 image afterwards (FCW, FSW with TOP,
// the abridged tag byte, FOP/FIP/FDP, MXCSR, the eight x87/MM registers with their exponent words,
// XMM0-15), the FNSTENV image (the full tag word the hardware derives from register contents, and
// the instruction/operand pointers), general registers, flags, the memory window and the signal
// (SIGFPE for #MF and #XM, SIGSEGV for #GP/#PF, SIGILL for #UD) with its address and RIP.
//
// Each state is loaded natively by FXRSTOR64 and FLDENV, and on our CPU by running the same two
// instructions. States mix random and edge lane values (saturation bounds, shift counts around
// the lane width, signed extremes) with x87 states that matter to MMX: TOP anywhere, empty/full/
// mixed tags, exponent words of every kind, and pending unmasked x87 exceptions (#MF); the
// conversions get binary32/binary64 edge values under every rounding mode, DAZ and unmasked
// exceptions (#XM). Memory operands are aligned, misaligned, page-crossing, and running into a
// PROT_NONE page. Every mnemonic is also tried with an extra LOCK/66/F2/F3 (and 67 on memory
// forms) and with REX bits (ignored for MM registers). Forms without REX are replayed in 32-bit
// mode. The test fails on any mismatch and on any MMX opcode-table entry that no case reaches; a
// differing case is run natively a second time first (host context switches lose FIP/FDP/FOP on
// this CPU), and differences in other families' instructions reached through a prefix (66 0F F7
// is maskmovdqu) are printed as diagnostics only.
//
// MMX_TEST_SCALE=4 multiplies the number of cases per form (default 1); MMX_TEST_SEED picks
// another deterministic input set; MMX_TEST_KEEP=1 keeps the scratch directory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Cpu, EXIT_SIGNAL } from '../cpu/cpu.js';
import { CpuState, RSP } from '../cpu/state.js';
import { AddressSpace, PROT_READ, PROT_WRITE, PROT_EXEC, PROT_NONE } from '../cpu/memory.js';
import { defaultPool } from '../cpu/frames.js';
import { getFlags, setFlags } from '../cpu/flags.js';
import { SIGILL, raiseUD } from '../cpu/fault.js';
import { decode } from '../cpu/decoder.js';
import * as table from '../cpu/table.js';

// The MMX entries of the opcode table: those that importing cpu/ops/mmx.js adds to what the
// other families (loaded first) registered.
type Row = ReturnType<typeof table.allEntries>[number];
const rowKey = ([m, op, k, r, d]: Row): string => `${m}:${op.toString(16)}:${k}:${r}:${d.form ?? ''}`;
await import('../cpu/ops/sse.js');
await import('../cpu/ops/x87.js');
const before = new Set(table.allEntries().map(rowKey));
await import('../cpu/ops/mmx.js');
const mmxRows = table.allEntries().filter((r) => !before.has(rowKey(r)));
await import('../cpu/index.js');
const { fxsave } = await import('../cpu/ops/x87.js');

const here = dirname(fileURLToPath(import.meta.url));
const SRC = join(here, '..', '..', 'test', 'fixtures', 'src', 'mmxops.c');
const SCALE = Number(process.env.MMX_TEST_SCALE ?? process.env.LXCPU_RANDOM ?? 1);

// ---- deterministic random numbers -----------------------------------------------------------

// LXCPU_SEED / LXCPU_RANDOM (make fuzz-cpu) stand in for MMX_TEST_SEED / MMX_TEST_SCALE when those are unset
let seed = Number(process.env.MMX_TEST_SEED ?? (process.env.LXCPU_SEED ? Math.imul(Number(process.env.LXCPU_SEED), 0x9e3779b1) ^ 0x2545f491 : 0x2545f491)) | 0;
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
  0, 0x80000000, 1, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000, 0x3f800000, 0xbf800000, 0x3f000000, 0x3fc00000,
  0x40200000, 0xc0200000, 0x40600000, 0xbfc00000, 0x3f400000, 0x3effffff, 0x7f7fffff, 0xff7fffff, 0x7f800000,
  0xff800000, 0x7fc00000, 0xffc00000, 0x7fc12345, 0x7f800001, 0xff812345, 0x4f000000, 0xcf000000, 0x4effffff,
  0xcf000001, 0x4b000000, 0x4b000001, 0x4cbebc20, 0x3eaaaaab, 0xc2c80000,
].map((v) => v | 0);
const F64S: [number, number][] = [
  [0, 0], [0, 0x80000000], [1, 0], [-1, 0x000fffff], [0, 0x00100000], [0, 0x3ff00000], [0, 0xbff00000],
  [0, 0x3fe00000], [0, 0x3ff80000], [0, 0x40040000], [0, 0xc0040000], [0, 0x400c0000], [-1, 0x3fdfffff],
  [0, 0x7ff00000], [0, 0xfff00000], [0, 0x7ff80000], [0, 0xfff80000], [1, 0x7ff00000], [0x12345678, 0xfff00000],
  [0, 0x41e00000], [0, 0xc1e00000], [0xffc00000, 0x41dfffff], [0x00200000, 0xc1e00000], [0x00100000, 0xc1e00000],
  [0xffe00000, 0x41dfffff], [0, 0x43e00000], [-1, 0x7fefffff], [0, 0x43300000], [1, 0x43300000],
].map(([l, h]) => [l | 0, h | 0]);

type Kind = 'f32' | 'f64' | 'i8' | 'i16' | 'i32' | 'i64';

function f32val(): number {
  const r = rnd();
  if (r < 0.4) return pick(F32S);
  if (r < 0.6) return r32();
  if (r < 0.85) return (((ri(2) << 8) | (105 + ri(55))) << 23) | ri(0x800000);
  const v = Math.fround((ri(2) ? -1 : 1) * ri(2000) / (1 << ri(4)));               // small values, ties
  const dv = new DataView(new ArrayBuffer(4)); dv.setFloat32(0, v, true); return dv.getInt32(0, true);
}
function f64val(): [number, number] {
  const r = rnd();
  if (r < 0.4) return pick(F64S);
  if (r < 0.6) return [r32(), r32()];
  if (r < 0.85) return [r32(), ((ri(2) << 31) | ((990 + ri(60)) << 20) | ri(0x100000)) | 0];
  const v = (ri(2) ? -1 : 1) * ri(4000) / (1 << ri(5));
  const dv = new DataView(new ArrayBuffer(8)); dv.setFloat64(0, v, true);
  return [dv.getInt32(0, true), dv.getInt32(4, true)];
}
function intLane(w: number): number[] {           // bytes of one lane of width w
  const r = rnd();
  if (r < 0.5) return Array.from({ length: w }, () => ri(256));
  if (r < 0.8) {
    const s = pick(['0', '-1', '1', 'max', 'min', 'minus2', 'small']);
    return Array.from({ length: w }, (_, k) => {
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
  }
  return Array.from({ length: w }, (_, k) => (k === w - 1 ? pick([0, 0x7f, 0x80, 0xff]) : ri(256)));
}
/** Fills len bytes (a multiple of 8) at out[off] with values of the kind. */
function fill(kind: Kind, out: Uint8Array, off: number, len: number): void {
  const dv = new DataView(out.buffer, out.byteOffset);
  switch (kind) {
    case 'f32': for (let k = 0; k < len; k += 4) dv.setInt32(off + k, f32val(), true); return;
    case 'f64': for (let k = 0; k < len; k += 8) { const [l, h] = f64val(); dv.setInt32(off + k, l, true); dv.setInt32(off + k + 4, h, true); } return;
    default: {
      const w = kind === 'i8' ? 1 : kind === 'i16' ? 2 : kind === 'i32' ? 4 : 8;
      for (let q = 0; q < len; q += 8) {
        if (rnd() < 0.2) {                         // a small quadword (shift counts, indices)
          for (let k = 0; k < 8; k++) out[off + q + k] = 0;
          out[off + q] = ri(rnd() < 0.5 ? 20 : 80);
          if (rnd() < 0.3) out[off + q + 1 + ri(7)] = ri(32);
          continue;
        }
        for (let k = 0; k < 8; k += w) { const b = intLane(w); for (let j = 0; j < w; j++) out[off + q + k + j] = b[j]; }
      }
    }
  }
}

// ---- instruction forms ----------------------------------------------------------------------

interface Form { asm: string; kind: Kind; n: number; fp: boolean; mem: boolean; group: string; rex?: number }
const forms: Form[] = [];
/** A raw-byte form with a memory operand says so by a group name ending in " mem"; maskmovq's
 *  implicit [rDI] counts as a memory operand (it gets the page-boundary probes). */
function add(asm: string, kind: Kind, n: number): void {
  const group = asm.startsWith('.byte') ? asm.split('#')[1]?.trim() ?? 'bytes' : asm.split(/\s/)[0];
  forms.push({ asm: asm.split('#')[0].trim(), kind, n: Math.max(1, Math.round(n * SCALE)), fp: kind === 'f32' || kind === 'f64', mem: asm.includes('[') || / mem$/.test(group) || /maskmovq|0xf7,0xca/.test(asm), group });
}
/** Register and memory forms of `mn mm, mm/m64`. */
function mm2(mn: string, kind: Kind, n: number, suffix = ''): void {
  add(`${mn} mm1, mm2${suffix}`, kind, n);
  add(`${mn} mm7, mm0${suffix}`, kind, n / 4);
  add(`${mn} mm5, mm5${suffix}`, kind, n / 4);
  add(`${mn} mm3, [rsi]${suffix}`, kind, n / 2);
  add(`${mn} mm6, [rsi + 24]${suffix}`, kind, n / 8);
}

const NI = 40, NF = 250;
const INT2: [string, Kind][] = [
  ['paddb', 'i8'], ['paddw', 'i16'], ['paddd', 'i32'], ['paddq', 'i64'], ['psubb', 'i8'], ['psubw', 'i16'], ['psubd', 'i32'], ['psubq', 'i64'],
  ['paddsb', 'i8'], ['paddsw', 'i16'], ['paddusb', 'i8'], ['paddusw', 'i16'], ['psubsb', 'i8'], ['psubsw', 'i16'], ['psubusb', 'i8'], ['psubusw', 'i16'],
  ['pcmpeqb', 'i8'], ['pcmpeqw', 'i16'], ['pcmpeqd', 'i32'], ['pcmpgtb', 'i8'], ['pcmpgtw', 'i16'], ['pcmpgtd', 'i32'],
  ['pand', 'i32'], ['pandn', 'i32'], ['por', 'i32'], ['pxor', 'i32'],
  ['psllw', 'i16'], ['pslld', 'i32'], ['psllq', 'i64'], ['psrlw', 'i16'], ['psrld', 'i32'], ['psrlq', 'i64'], ['psraw', 'i16'], ['psrad', 'i32'],
  ['pmullw', 'i16'], ['pmulhw', 'i16'], ['pmulhuw', 'i16'], ['pmuludq', 'i32'], ['pmaddwd', 'i16'], ['pmaddubsw', 'i8'], ['pmulhrsw', 'i16'],
  ['pavgb', 'i8'], ['pavgw', 'i16'], ['psadbw', 'i8'], ['pminub', 'i8'], ['pmaxub', 'i8'], ['pminsw', 'i16'], ['pmaxsw', 'i16'],
  ['pabsb', 'i8'], ['pabsw', 'i16'], ['pabsd', 'i32'], ['psignb', 'i8'], ['psignw', 'i16'], ['psignd', 'i32'],
  ['phaddw', 'i16'], ['phaddd', 'i32'], ['phaddsw', 'i16'], ['phsubw', 'i16'], ['phsubd', 'i32'], ['phsubsw', 'i16'],
  ['punpcklbw', 'i8'], ['punpcklwd', 'i16'], ['punpckldq', 'i32'], ['punpckhbw', 'i8'], ['punpckhwd', 'i16'], ['punpckhdq', 'i32'],
  ['packsswb', 'i16'], ['packuswb', 'i16'], ['packssdw', 'i32'], ['pshufb', 'i8'],
];
for (const [op, k] of INT2) mm2(op, k, NI);
for (const [op, k] of [['psllw', 'i16'], ['pslld', 'i32'], ['psllq', 'i64'], ['psrlw', 'i16'], ['psrld', 'i32'], ['psrlq', 'i64'], ['psraw', 'i16'], ['psrad', 'i32']] as [string, Kind][]) {
  for (const imm of [0, 1, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 200]) add(`${op} mm1, ${imm}`, k, NI / 8);
  add(`${op} mm6, 5`, k, NI / 4);
}
for (const imm of [0, 0x1b, 0xe4, 0x4e, 0xb1, 0xff, 0x39, 0x8d]) mm2('pshufw', 'i16', NI / 4, `, ${imm}`);
for (const imm of [0, 1, 3, 7, 8, 9, 15, 16, 17, 24, 200]) mm2('palignr', 'i8', NI / 4, `, ${imm}`);
for (const imm of [0, 1, 3, 6]) {
  add(`pinsrw mm1, eax, ${imm}`, 'i16', NI / 4); add(`pinsrw mm1, word ptr [rsi], ${imm}`, 'i16', NI / 4);
  add(`pextrw eax, mm1, ${imm}`, 'i16', NI / 4); add(`pextrw r9d, mm6, ${imm}`, 'i16', NI / 4);
  add(`.byte 0x48,0x0f,0xc5,0xc1,${imm} # pextrw rax`, 'i16', NI / 4);
}
add('pinsrw mm2, r10d, 2', 'i16', NI / 4);
add('pmovmskb eax, mm2', 'i8', NI); add('pmovmskb r8d, mm7', 'i8', NI / 2); add('.byte 0x48,0x0f,0xd7,0xc3 # pmovmskb rax', 'i8', NI / 2);
add('maskmovq mm1, mm2', 'i8', NI); add('maskmovq mm3, mm3', 'i8', NI / 2); add('.byte 0x67,0x0f,0xf7,0xca # maskmovq addr32', 'i8', NI / 2);
add('movntq [rsi], mm1', 'i64', NI);
add('movd mm1, eax', 'i32', NI); add('movd mm2, r11d', 'i32', NI / 2); add('movd mm1, dword ptr [rsi]', 'i32', NI);
add('movd eax, mm1', 'i32', NI); add('movd r9d, mm3', 'i32', NI / 2); add('movd dword ptr [rsi], mm1', 'i32', NI);
add('movq mm1, rax', 'i64', NI); add('movq rax, mm1', 'i64', NI); add('movq r12, mm6', 'i64', NI / 2); add('movq mm4, r13', 'i64', NI / 2);
add('.byte 0x48,0x0f,0x6e,0x0e # movq 6E mem', 'i64', NI); add('.byte 0x48,0x0f,0x7e,0x0e # movq 7E mem', 'i64', NI);
add('movq mm1, mm2', 'i64', NI); add('movq mm1, [rsi]', 'i64', NI); add('movq [rsi], mm1', 'i64', NI);
add('movq mm3, mm3', 'i64', NI / 2); add('.byte 0x0f,0x7f,0xd1 # movq 7F reg', 'i64', NI);
add('emms', 'i64', NI * 2);
add('movq2dq xmm1, mm2', 'i64', NI); add('movq2dq xmm9, mm7', 'i64', NI / 2);
add('movdq2q mm1, xmm2', 'i64', NI); add('movdq2q mm3, xmm12', 'i64', NI / 2);
for (const op of ['cvtpi2ps', 'cvtpi2pd']) {
  add(`${op} xmm1, mm2`, 'i32', NF); add(`${op} xmm10, mm3`, 'i32', NF / 4); add(`${op} xmm1, [rsi]`, 'i32', NF / 2);
}
for (const op of ['cvtps2pi', 'cvttps2pi']) {
  add(`${op} mm1, xmm2`, 'f32', NF); add(`${op} mm2, xmm13`, 'f32', NF / 4); add(`${op} mm1, [rsi]`, 'f32', NF / 2);
}
for (const op of ['cvtpd2pi', 'cvttpd2pi']) {
  add(`${op} mm1, xmm2`, 'f64', NF); add(`${op} mm2, xmm13`, 'f64', NF / 4); add(`${op} mm1, [rsi]`, 'f64', NF / 2);
}
// encodings without an MMX instruction (#UD): 0F 73 /3 and /7 (psrldq/pslldq need 66), the
// memory form of a shift group, 0F 6C/6D (punpck*qdq need 66), 0F D6 and 0F E6 without a prefix
add('.byte 0x0f,0x73,0xd9,3 # 0f 73 /3', 'i64', 6); add('.byte 0x0f,0x73,0xf9,3 # 0f 73 /7', 'i64', 6);
add('.byte 0x0f,0x71,0xc1,3 # 0f 71 /0', 'i64', 6); add('.byte 0x0f,0x72,0xf9,3 # 0f 72 /7', 'i64', 6);
add('.byte 0x0f,0x71,0x16,3 # 0f 71 /2 mem', 'i64', 6); add('.byte 0x0f,0x73,0x36,3 # 0f 73 /6 mem', 'i64', 6);
add('.byte 0x0f,0x6c,0xca # 0f 6c', 'i64', 6); add('.byte 0x0f,0x6d,0xca # 0f 6d', 'i64', 6);
add('.byte 0x0f,0xd6,0xca # 0f d6', 'i64', 6); add('.byte 0x0f,0xe6,0xca # 0f e6', 'i64', 6);
add('.byte 0xf3,0x0f,0xd6,0x0e # movq2dq mem', 'i64', 6); add('.byte 0xf2,0x0f,0xd6,0x0e # movdq2q mem', 'i64', 6);
add('.byte 0x0f,0xc5,0x06,1 # pextrw mem', 'i64', 6); add('.byte 0x0f,0xd7,0x06 # pmovmskb mem', 'i64', 6);
add('.byte 0x0f,0xf7,0x06 # maskmovq mem', 'i64', 6); add('.byte 0x0f,0xe7,0xca # movntq reg', 'i64', 6);
add('.byte 0x0f,0x38,0x10,0xca # 0f 38 10', 'i64', 6); add('.byte 0x0f,0x3a,0x0e,0xca,1 # 0f 3a 0e', 'i64', 6);

// prefixes the hardware rejects or reinterprets: LOCK, 66, F2 or F3 in front of the first form of
// every mnemonic and operand shape, 67 in front of memory forms; REX bits on register forms
// (ignored for MM registers) and REX.W with REX.X on memory forms
{
  /** mnemonic and operand shape: "psllw M,i", "movd R,M", "cvtpi2ps X,m" */
  const shape = (f: Form): string => f.asm.startsWith('.byte') ? f.group : f.asm.replace(/^(\S+)\s*/, '$1 ').split(' ')[0] + ' ' +
    f.asm.replace(/^\S+\s*/, '').split(',').map((o) => {
      o = o.trim();
      return o.includes('[') ? 'm' : /^xmm/.test(o) ? 'X' : /^mm/.test(o) ? 'M' : /^\d|^0x/.test(o) ? 'i' : 'R';
    }).join(',');
  const seen = new Set<string>();
  for (const f of forms.slice()) {
    if (seen.has(shape(f))) continue;
    seen.add(shape(f));
    for (const p of f.mem ? ['0xf0', '0x66', '0xf3', '0xf2', '0x67'] : ['0xf0', '0x66', '0xf3', '0xf2']) {
      forms.push({ ...f, asm: `.byte ${p}; ${f.asm}`, n: Math.max(1, Math.round(6 * SCALE)), group: `${p} ${f.group}` });
    }
  }
  seen.clear();
  for (const f of forms.slice()) {
    if (f.group.startsWith('0x') || seen.has(shape(f))) continue;
    seen.add(shape(f));
    forms.push({ ...f, rex: f.mem ? 0x4a : 0x4d, n: Math.max(1, Math.round(6 * SCALE)), group: `rex ${f.group}` });
  }
}

// ---- records (layout of struct io in mmxops.c) ----------------------------------------------

const REC = 1568;
const O = {
  codelen: 0, code: 4, memoff: 32, flin: 40, envin: 48, gin: 80, min: 208, fxin: 272,
  fxout: 784, envout: 1296, envok: 1324, gout: 1328, signo: 1456, sicode: 1460, faddr: 1464, flout: 1472,
  mout: 1480, codeaddr: 1544, bufaddr: 1552, rip: 1560,
};
/** Values FLDENV puts in FIP and FDP before every case: a change shows. */
const FIP_IN = 0x0badc0de, FDP_IN = 0x0defaced;

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
  return forms.map((f, k) => {
    const b = Array.from(text.subarray(off.get(`f${k}`)!, off.get(`f${k + 1}`)!));
    if (f.rex !== undefined) {                                         // REX right before the opcode
      const at = b.indexOf(0x0f);
      if (at > 0 && (b[at - 1] & 0xf0) === 0x40) b[at - 1] |= f.rex; else b.splice(at, 0, f.rex);
    }
    return Uint8Array.from(b);
  });
}

function genCase(f: Form, code: Uint8Array, buf: DataView, base: number, probe = -1): void {
  const u8 = new Uint8Array(buf.buffer, buf.byteOffset + base, REC);
  u8.fill(0);
  buf.setUint32(base + O.codelen, code.length, true);
  u8.set(code, O.code);
  // x87 state: TOP, tags, condition codes, exception flags, pending unmasked exceptions
  const top = rnd() < 0.5 ? 0 : ri(8);
  const r = rnd();
  const tag = r < 0.35 ? 0 : r < 0.7 ? 0xff : ri(256);
  let cw = rnd() < 0.8 ? 0x037f : (0x0040 | (ri(4) << 8) | (ri(4) << 10) | 0x3f);
  let exc = rnd() < 0.7 ? 0 : ri(0x80);
  if (rnd() < 0.1) { const b = 1 << ri(6); exc |= b; cw &= ~b; }      // a pending #MF
  const es = (exc & ~cw & 0x3f) !== 0 ? 0x8080 : 0;
  const sw = (r32() & 0x4700) | exc | es | (top << 11);
  let tw = 0;
  for (let p = 0; p < 8; p++) tw |= ((tag >> p) & 1 ? ri(3) : 3) << (2 * p);
  const fx = new DataView(buf.buffer, buf.byteOffset + base + O.fxin, 512);
  fx.setUint16(0, cw, true); fx.setUint16(2, sw & ~0x80ff, true);   // FLDENV waits: nothing may be pending before it fx.setUint8(4, tag);
  // MXCSR
  let mx = 0x1f80;
  if (f.fp || f.kind === 'i32') {
    const q = rnd();
    if (q < 0.3) mx = 0x1f80;
    else if (q < 0.45) mx = 0x1fa0;
    else {
      mx = 0x1f80 | (ri(4) << 13);
      if (rnd() < 0.3) mx |= 0x8000;
      if (rnd() < 0.3) mx |= 0x40;
      if (rnd() < 0.3) mx |= ri(64);
      if (rnd() < 0.2) mx &= ~(1 << (7 + ri(6)));
      if (rnd() < 0.05) mx &= ~(ri(64) << 7);
    }
  } else if (rnd() < 0.3) mx |= ri(64);
  fx.setUint32(24, mx, true);
  fx.setUint32(28, 0xffff, true);
  // x87/MM registers: significands of the kind, exponent words of every class
  for (let k = 0; k < 8; k++) {
    fill(f.fp ? 'i32' : f.kind, u8, O.fxin + 32 + 16 * k, 8);
    const q = rnd();
    const se = q < 0.3 ? 0xffff : q < 0.45 ? 0 : q < 0.6 ? 0x3fff | (ri(2) << 15) : ri(0x10000);
    fx.setUint16(32 + 16 * k + 8, se, true);
  }
  fill(f.kind, u8, O.fxin + 160, 256);
  // FLDENV image (32-bit format): FCW, FSW, tag word, FIP, FCS|FOP, FDP, FDS
  const env = new DataView(buf.buffer, buf.byteOffset + base + O.envin, 28);
  env.setUint32(0, cw | 0xffff0000, true); env.setUint32(4, sw | 0xffff0000, true); env.setUint32(8, tw | 0xffff0000, true);
  env.setUint32(12, FIP_IN, true); env.setUint32(16, (ri(0x800) << 16), true);
  env.setUint32(20, FDP_IN, true); env.setUint32(24, 0xffff0000, true);
  // memory operand placement
  let memoff = 1024 + 16 * ri(8);
  if (f.mem) {
    const q = rnd();
    if (q < 0.12) memoff += 1 + ri(15);
    else if (q < 0.2) memoff = 4096 - 1 - ri(15);
    else if (q < 0.25) memoff = 8192 - 1 - ri(16);
    else if (q < 0.28) memoff += pick([4, 8, 12]);
  }
  if (probe >= 0) memoff = 8192 - [1, 2, 4, 6, 7, 8, 9, 16][probe];   // operand running into the guard page
  buf.setUint32(base + O.memoff, memoff, true);
  buf.setUint32(base + O.flin, (r32() & 0x8d5) | 2, true);
  fill(f.kind, u8, O.min, 64);
  for (let k = 0; k < 16; k++) {
    const [l, h] = rnd() < 0.5 ? [ri(2) ? ri(100) : -ri(100), 0] : [r32(), r32()];
    buf.setInt32(base + O.gin + 8 * k, l, true);
    buf.setInt32(base + O.gin + 8 * k + 4, h, true);
  }
}

// ---- our CPU --------------------------------------------------------------------------------

const CODE = 0x400000, DATA = 0x600000, AUX = 0x700000, STACK_TOP = 0x7fff0000;
function makeCpu(mode64 = true): Cpu {
  const pool = defaultPool();
  const mem = new AddressSpace(pool);
  mem.map(CODE, 0x1000, PROT_READ | PROT_EXEC, 0, 'code');
  mem.map(DATA, 0x2000, PROT_READ | PROT_WRITE, 0, 'data');
  mem.map(DATA + 0x2000, 0x1000, PROT_NONE, 0, 'guard');
  mem.map(AUX, 0x1000, PROT_READ | PROT_WRITE, 0, 'aux');
  mem.map(STACK_TOP - 0x10000, 0x10000, PROT_READ | PROT_WRITE, 0, '[stack]');
  return new Cpu(new CpuState(pool), mem, mode64);
}
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
// fxrstor64 [AUX]; fldenv [AUX + 0x200]; ud2   (32-bit mode: fxrstor [AUX]; fldenv [AUX + 0x200])
const PRO64 = [0x48, 0x0f, 0xae, 0x0c, 0x25, ...le32(AUX), 0xd9, 0x24, 0x25, ...le32(AUX + 0x200), 0x0f, 0x0b];
const PRO32 = [0x0f, 0xae, 0x0d, ...le32(AUX), 0xd9, 0x25, ...le32(AUX + 0x200), 0x0f, 0x0b];
// fnstenv [AUX + 0x600]; ud2
const EPI64 = [0xd9, 0x34, 0x25, ...le32(AUX + 0x600), 0x0f, 0x0b];
const EPI32 = [0xd9, 0x35, ...le32(AUX + 0x600), 0x0f, 0x0b];

/** True when the instruction means the same in 32-bit mode: no REX prefix, no 0x67. */
function sameIn32(code: Uint8Array): boolean {
  let k = 0;
  while (k < code.length && [0x66, 0xf2, 0xf3, 0xf0, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65].includes(code[k])) k++;
  return k < code.length && (code[k] & 0xf0) !== 0x40 && code[k] !== 0x67;
}

function runTo(cpu: Cpu, at: number, expectEnd: number): void {
  cpu.rip = at;
  const why = cpu.run(8);
  if (why !== EXIT_SIGNAL || cpu.signal?.signo !== SIGILL || cpu.rip !== expectEnd) {
    throw new Error(`helper code at ${at.toString(16)} stopped at ${cpu.rip.toString(16)} (${why}, ${cpu.signal?.signo})`);
  }
}

function emulate(cpu: Cpu, inp: DataView, ib: number, out: DataView): void {
  const len = inp.getUint32(ib + O.codelen, true);
  const code = new Uint8Array(0xa00);
  code.set(new Uint8Array(inp.buffer, inp.byteOffset + ib + O.code, len));
  code[len] = 0x0f; code[len + 1] = 0x0b;                  // ud2 ends the run
  const pro = cpu.mode64 ? PRO64 : PRO32, epi = cpu.mode64 ? EPI64 : EPI32;
  code.set(pro, 0x800); code.set(epi, 0x900);
  const mem = cpu.mem, st = cpu.state;
  mem.poke(CODE, code);
  mem.poke(AUX, new Uint8Array(inp.buffer, inp.byteOffset + ib + O.fxin, 512));
  mem.poke(AUX + 0x200, new Uint8Array(inp.buffer, inp.byteOffset + ib + O.envin, 28));
  runTo(cpu, CODE + 0x800, CODE + 0x800 + pro.length - 2);
  for (let k = 0; k < 64; k++) st.xmm[k] = inp.getInt32(ib + O.fxin + 160 + 4 * k, true);   // XMM8-15 in 32-bit mode too
  const memoff = inp.getUint32(ib + O.memoff, true);
  const wb = (memoff & ~15) - 16;
  const win = new Uint8Array(inp.buffer, inp.byteOffset + ib + O.min, 64);
  const n = Math.min(64, 8192 - wb);
  mem.poke(DATA, new Uint8Array(8192));
  mem.poke(DATA + wb, win.subarray(0, n));
  for (let k = 0; k < 32; k++) st.r[k] = inp.getInt32(ib + O.gin + 4 * k, true);
  cpu.setRegAddr(6, DATA + memoff); cpu.setRegAddr(7, DATA + memoff);
  cpu.setRegAddr(RSP, STACK_TOP - 256);
  setFlags(cpu.f, inp.getUint32(ib + O.flin, true));
  cpu.rip = CODE;
  const why = cpu.run(4);
  const u8 = new Uint8Array(out.buffer, out.byteOffset, REC);
  u8.fill(0);
  let completed = false;
  if (why === EXIT_SIGNAL && cpu.signal) {
    const s = cpu.signal;
    if (s.signo === SIGILL && cpu.rip === CODE + len) completed = true;
    else {
      out.setInt32(O.signo, s.signo, true);
      out.setInt32(O.sicode, s.code, true);
      const a = s.signo === 11 || s.signo === 7 ? (s.addr ? s.addr - DATA : 0) : s.addr - CODE;
      out.setBigInt64(O.faddr, BigInt(a), true);
      out.setBigInt64(O.rip, BigInt(cpu.rip - CODE), true);
    }
  }
  for (let k = 0; k < 32; k++) out.setInt32(O.gout + 4 * k, st.r[k], true);
  const rsi = cpu.regAddr(6) - DATA, rdi = cpu.regAddr(7) - DATA;
  out.setBigInt64(O.gout + 48, BigInt(rsi), true); out.setBigInt64(O.gout + 56, BigInt(rdi), true);
  out.setBigInt64(O.gout + 32, 0n, true);
  out.setUint32(O.flout, getFlags(cpu.f), true);
  u8.set(mem.readBytes(DATA + wb, n), O.mout);
  mem.poke(AUX + 0x400, new Uint8Array(512));
  fxsave(cpu, AUX + 0x400, true);
  u8.set(mem.readBytes(AUX + 0x400, 512), O.fxout);
  if (completed) {
    runTo(cpu, CODE + 0x900, CODE + 0x900 + epi.length - 2);
    u8.set(mem.readBytes(AUX + 0x600, 28), O.envout);
    out.setInt32(O.envok, 1, true);
  }
  out.setBigUint64(O.codeaddr, BigInt(CODE), true);
  out.setBigUint64(O.bufaddr, BigInt(DATA), true);
}

// ---- comparison -----------------------------------------------------------------------------

const hex = (dv: DataView, off: number, len: number): string =>
  Array.from(new Uint8Array(dv.buffer, dv.byteOffset + off, len)).map((b) => b.toString(16).padStart(2, '0')).join('');
/** A little-endian field as hex, most significant byte first. */
const fld = (dv: DataView, off: number, len: number): string =>
  Array.from(new Uint8Array(dv.buffer, dv.byteOffset + off, len)).reverse().map((b) => b.toString(16).padStart(2, '0')).join('');

/** Pointer fields (FIP, FDP) relative to where code and buffer were, unless still the input value. */
function ptr(dv: DataView, v: number, magic: number): string {
  if (v === magic) return 'in';
  const code = Number(dv.getBigUint64(O.codeaddr, true) & 0xffffffffn), bufa = Number(dv.getBigUint64(O.bufaddr, true) & 0xffffffffn);
  return `code+${(v - code) | 0}/buf+${(v - bufa) | 0}/${v.toString(16)}`;
}

const FX_FIELDS: [string, number, number][] = [['fcw', 0, 2], ['fsw', 2, 2], ['ftw', 4, 1], ['fop', 6, 2], ['fip', 8, 8], ['fdp', 16, 8], ['mxcsr', 24, 4]];
function diff(exp: DataView, eb: number, got: DataView, mode32 = false): string[] {
  const d: string[] = [];
  const E = new DataView(exp.buffer, exp.byteOffset + eb, REC);
  const sig = (v: DataView) => `${v.getInt32(O.signo, true)}/${v.getInt32(O.sicode, true)}@${v.getBigInt64(O.faddr, true)} rip+${v.getBigInt64(O.rip, true)}`;
  if (sig(E) !== sig(got)) d.push(`signal ${sig(E)} vs ${sig(got)}`);
  for (let r = 0; r < 16; r++) {
    if (r === 4) continue;
    const a = E.getBigUint64(O.gout + 8 * r, true), b = got.getBigUint64(O.gout + 8 * r, true);
    if (a !== b) d.push(`gpr${r} ${a.toString(16)} vs ${b.toString(16)}`);
  }
  const fa = E.getUint32(O.flout, true) & 0x8d5, fb = got.getUint32(O.flout, true) & 0x8d5;
  if (fa !== fb) d.push(`flags ${fa.toString(16)} vs ${fb.toString(16)}`);
  if (hex(E, O.mout, 64) !== hex(got, O.mout, 64)) d.push(`mem ${hex(E, O.mout, 64)} vs ${hex(got, O.mout, 64)}`);
  for (const [name, off, len] of FX_FIELDS) {
    const a = fld(E, O.fxout + off, len), b = fld(got, O.fxout + off, len);
    if (a !== b) d.push(`fxsave.${name} ${a} vs ${b}`);
  }
  for (let k = 0; k < 8; k++) {
    const a = fld(E, O.fxout + 32 + 16 * k, 16), b = fld(got, O.fxout + 32 + 16 * k, 16);
    if (a !== b) d.push(`st${k} ${a} vs ${b}`);
  }
  for (let k = 0; k < (mode32 ? 8 : 16); k++) {         // FXSAVE in 32-bit mode: XMM0-7
    const a = fld(E, O.fxout + 160 + 16 * k, 16), b = fld(got, O.fxout + 160 + 16 * k, 16);
    if (a !== b) d.push(`xmm${k} ${a} vs ${b}`);
  }
  const okA = E.getInt32(O.envok, true), okB = got.getInt32(O.envok, true);
  if (okA !== okB) d.push(`fnstenv ran ${okA} vs ${okB}`);
  else if (okA) {
    const envs = (v: DataView) => {
      const e = O.envout;
      return `cw=${fld(v, e, 2)} sw=${fld(v, e + 4, 2)} tw=${fld(v, e + 8, 2)} fip=${ptr(v, v.getUint32(e + 12, true), FIP_IN)} ` +
        `fcs/fop=${fld(v, e + 16, 4)} fdp=${ptr(v, v.getUint32(e + 20, true), FDP_IN)} fds=${fld(v, e + 24, 4)} hi=${fld(v, e + 2, 2)}${fld(v, e + 6, 2)}${fld(v, e + 10, 2)}`;
    };
    const a = envs(E), b = envs(got);
    if (a !== b) d.push(`fnstenv ${a}\n         vs ${b}`);
  }
  return d;
}

function describeInput(inp: DataView, ib: number, f: Form, code: Uint8Array): string {
  const I = new DataView(inp.buffer, inp.byteOffset + ib, REC);
  const fx = O.fxin, env = O.envin;
  const st = Array.from({ length: 8 }, (_, k) => `st${k}=${fld(I, fx + 32 + 16 * k + 8, 2)}:${fld(I, fx + 32 + 16 * k, 8)}`).join(' ');
  const x = [0, 1, 2, 3, 12, 13].map((r) => `xmm${r}=${fld(I, fx + 160 + 16 * r, 16)}`).join(' ');
  const g = [0, 1, 2, 3].map((r) => `g${r}=${I.getBigUint64(O.gin + 8 * r, true).toString(16)}`).join(' ');
  return `${f.asm}${f.rex !== undefined ? ' (rex ' + f.rex.toString(16) + ')' : ''} [${Array.from(code).map((b) => b.toString(16).padStart(2, '0')).join(' ')}]` +
    `\n      fcw=${fld(I, env, 2)} fsw=${fld(I, env + 4, 2)} tw=${fld(I, env + 8, 2)} mxcsr=${fld(I, fx + 24, 4)} memoff=${I.getUint32(O.memoff, true)}` +
    `\n      ${st}\n      ${x} ${g}\n      mem=${hex(I, O.min, 64)}`;
}

const MAND: Record<string, number> = { any: 0, none: 0, p66: 0x66, pF3: 0xf3, pF2: 0xf2 };
function isGroup(map: number, op: number, mand: number): boolean {
  return table.allEntries().some(([m, o, k, r]) => m === map && o === op && MAND[k] === mand && r >= 0);
}

// ---- the test -------------------------------------------------------------------------------

function haveTools(): boolean {
  try {
    for (const tool of ['gcc', 'as', 'objcopy', 'nm']) execFileSync(tool, ['--version']);
    return true;
  } catch { return false; }
}

test('MMX instructions match this machine\'s CPU bit for bit', { timeout: 600_000 }, (t) => {
  if (process.arch !== 'x64' || process.platform !== 'linux' || !haveTools()) { t.skip('needs x86-64 Linux with gcc and binutils'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'lxmmx-'));
  try {
    execFileSync('gcc', ['-O1', '-o', join(dir, 'mmxops'), SRC]);
    const codes = assemble(dir);
    // which opcode-table entry each form reaches (forms that decode to #UD reach none)
    const entryOf: (string | null)[] = [];
    {
      const cpu = makeCpu();
      for (const b of codes) {
        cpu.mem.poke(CODE, b);
        const i = decode(cpu.mem, CODE, true);
        const grp = isGroup(i.map, i.op, i.mandatory) ? i.reg & 7 : -1;
        entryOf.push(i.fn === raiseUD ? null : `${i.map}:${i.op.toString(16)}:${i.mandatory}:${grp}`);
      }
    }
    const total = forms.reduce((a, f) => a + f.n + (f.mem ? 8 : 0), 0);
    const inBuf = new ArrayBuffer(total * REC);
    const inp = new DataView(inBuf);
    const owner: number[] = [];
    const perEntry = new Map<string, number>();
    let p = 0;
    forms.forEach((f, k) => {
      const n = f.n + (f.mem ? 8 : 0);
      for (let j = 0; j < f.n; j++) { genCase(f, codes[k], inp, p * REC); owner.push(k); p++; }
      if (f.mem) for (let j = 0; j < 8; j++) { genCase(f, codes[k], inp, p * REC, j); owner.push(k); p++; }
      const e = entryOf[k];
      if (e) perEntry.set(e, (perEntry.get(e) ?? 0) + n);
    });
    const missing = mmxRows.filter(([m, op, k, r]) => !perEntry.get(`${m}:${op.toString(16)}:${MAND[k]}:${r}`))
      .map(([m, op, k, r, d]) => `${d.name} (map ${m} op ${op.toString(16)} ${k}${r >= 0 ? ' /' + r : ''})`);
    writeFileSync(join(dir, 'cases.bin'), new Uint8Array(inBuf));
    execFileSync(join(dir, 'mmxops'), [join(dir, 'cases.bin'), join(dir, 'out.bin')]);
    const outBytes = readFileSync(join(dir, 'out.bin'));
    assert.equal(outBytes.byteLength, total * REC, 'oracle wrote every record');
    const exp = new DataView(outBytes.buffer, outBytes.byteOffset, outBytes.byteLength);
    const cpu = makeCpu(), cpu32 = makeCpu(false);
    const got = new DataView(new ArrayBuffer(REC));
    const only64 = codes.map((b) => !sameIn32(b));
    const bad = new Map<string, { n: number; first: string[] }>();
    const groups = new Map<string, number>();
    let mismatches = 0, faults = 0, n32 = 0;
    /** Compares case c of `exp` at byte offset eb with our CPU (and in 32-bit mode, sometimes). */
    const check = (c: number, e: DataView, eb: number): string[] => {
      const k = owner[c];
      emulate(cpu, inp, c * REC, got);
      let d = diff(e, eb, got);
      if (!d.length && !only64[k] && c % 2 === 0) {              // the same bytes in 32-bit mode
        emulate(cpu32, inp, c * REC, got);
        d = diff(e, eb, got, true).map((l) => '(32-bit mode) ' + l);
        n32++;
      }
      return d;
    };
    const t0 = performance.now();
    const differing: number[] = [];
    for (let c = 0; c < total; c++) {
      const f = forms[owner[c]];
      groups.set(f.group, (groups.get(f.group) ?? 0) + 1);
      if (exp.getInt32(c * REC + O.signo, true) !== 0) faults++;
      if (check(c, exp, c * REC).length) differing.push(c);
    }
    // A host context switch between FLDENV and FNSTENV loses FIP/FDP/FOP on this CPU (XSAVE
    // stores them only while an exception is pending), so a differing case runs natively once
    // more and counts only if it differs again.
    let exp2 = exp;
    if (differing.length) {
      const again = new Uint8Array(differing.length * REC);
      differing.forEach((c, j) => again.set(new Uint8Array(inBuf, c * REC, REC), j * REC));
      writeFileSync(join(dir, 'again.bin'), again);
      execFileSync(join(dir, 'mmxops'), [join(dir, 'again.bin'), join(dir, 'again.out')]);
      const b = readFileSync(join(dir, 'again.out'));
      exp2 = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    // a prefix can select another family's instruction (66 0F F7 is SSE2's maskmovdqu): its
    // differences are reported, but they are that family's to fix
    const mmxKeys = new Set(mmxRows.map(([m, op, k, r]) => `${m}:${op.toString(16)}:${MAND[k]}:${r}`));
    const foreign = new Map<string, { n: number; first: string }>();
    differing.forEach((c, j) => {
      const d = check(c, exp2, j * REC);
      if (!d.length) return;
      const k = owner[c], f = forms[k];
      if (entryOf[k] !== null && !mmxKeys.has(entryOf[k]!)) {
        const e = foreign.get(f.group) ?? { n: 0, first: `[${Array.from(codes[k]).map((b) => b.toString(16).padStart(2, '0')).join(' ')}] ${d[0].slice(0, 160)}` };
        e.n++;
        foreign.set(f.group, e);
        return;
      }
      mismatches++;
      const e = bad.get(f.group) ?? { n: 0, first: [] };
      e.n++;
      if (e.first.length < 2) e.first.push(describeInput(inp, c * REC, f, codes[k]) + '\n      ' + d.join('\n      '));
      bad.set(f.group, e);
    });
    const ms = performance.now() - t0;
    const summary = `${mmxRows.length - missing.length}/${mmxRows.length} MMX opcode-table entries covered; ${forms.length} forms (${groups.size} groups), ` +
      `${total} cases (${faults} raising a signal natively, ${n32} also run in 32-bit mode), ${mismatches} mismatches (${differing.length} re-run natively); emulation ${(ms / total * 1000).toFixed(1)} us/case`;
    t.diagnostic(summary);
    console.log(summary);
    console.log(`LXCPU-RESULT suite=mmx seed=${process.env.MMX_TEST_SEED ?? process.env.LXCPU_SEED ?? 'default'} random=${SCALE} cases=${total} mismatches=${mismatches}`);
    for (const [g, e] of foreign) {
      const line = `not MMX (another family's entry), differs from the hardware in ${e.n} case(s): ${g} ${e.first}`;
      t.diagnostic(line);
      console.log(line);
    }
    if (bad.size) {
      const lines = [...bad].map(([g, e]) => `  ${g}: ${e.n}/${groups.get(g)} differ\n    ${e.first.join('\n    ')}`);
      assert.fail(`${mismatches} of ${total} cases differ from the hardware:\n${lines.join('\n')}`);
    }
    assert.deepEqual(missing, [], 'MMX opcode-table entries that no case reaches');
  } finally {
    if (!process.env.MMX_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
    else t.diagnostic(`kept ${dir}`);
  }
});
