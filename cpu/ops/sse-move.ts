// SSE data movement: full-register loads and stores (aligned forms raise #GP on a misaligned
// address), scalar and half-register moves, movd/movq between general and XMM registers,
// non-temporal stores, sign-mask extraction, maskmovdqu, the SSE3 duplicating moves, and the
// 0F AE / 0F 18 housekeeping: ldmxcsr, stmxcsr, fences, clflush, prefetch.

import type { Cpu } from '../cpu.js';
import type { Insn, Handler } from '../insn.js';
import type { Mandatory, OpDef } from '../table.js';
import { raiseGP } from '../fault.js';
import { inlineHandler } from '../threaded.js';
import { RDI } from '../state.js';
import {
  xb, I32, U8, SCR, ld128, st128, ea16, STRICT, UNALIGNED, srcX, srcX64, cp16, mxcsr, setMxcsr, MXCSR_MASK, sdef,
} from './sse-common.js';

function reg(op: number, m: Mandatory, name: string, fn: Handler, extra: Partial<OpDef> = {}): void {
  sdef(1, op, { name, fn, modrm: true, ...extra }, { mandatory: m });
}

// ---- 128-bit loads and stores ----------------------------------------------------------------

function load128(aligned: number): Handler {
  return (c, i) => {
    const x = xb(c), d = x + 16 * i.reg;
    if (i.mod === 3) { cp16(x + 16 * i.rm, d); return; }
    ld128(c, ea16(c, i, aligned), SCR);             // all 16 bytes or none (a fault leaves d intact)
    cp16(SCR, d);
  };
}
function store128(aligned: number): Handler {
  return (c, i) => {
    const x = xb(c), s = x + 16 * i.reg;
    if (i.mod === 3) { cp16(s, x + 16 * i.rm); return; }
    st128(c, ea16(c, i, aligned), s);
  };
}
const LDA = load128(STRICT), LDU = load128(UNALIGNED), STA = store128(STRICT), STU = store128(UNALIGNED);
reg(0x10, 'none', 'movups', LDU);
reg(0x10, '66', 'movupd', LDU);
reg(0x11, 'none', 'movups', STU);
reg(0x11, '66', 'movupd', STU);
reg(0x28, 'none', 'movaps', LDA);
reg(0x28, '66', 'movapd', LDA);
reg(0x29, 'none', 'movaps', STA);
reg(0x29, '66', 'movapd', STA);
reg(0x6f, '66', 'movdqa', LDA);
reg(0x6f, 'F3', 'movdqu', LDU);
reg(0x7f, '66', 'movdqa', STA);
reg(0x7f, 'F3', 'movdqu', STU);
reg(0x2b, 'none', 'movntps', STA, { form: 'mem' });
reg(0x2b, '66', 'movntpd', STA, { form: 'mem' });
// AMD SSE4a scalar non-temporal stores: the reference CPU executes them whatever CPUID says
reg(0x2b, 'F3', 'movntss', movssStoreMem, { form: 'mem' });
reg(0x2b, 'F2', 'movntsd', movsdStoreMem, { form: 'mem' });
reg(0xe7, '66', 'movntdq', STA, { form: 'mem' });
reg(0xf0, 'F2', 'lddqu', LDU, { form: 'mem' });
sdef(2, 0x2a, { name: 'movntdqa', fn: LDA, modrm: true, form: 'mem' }, { mandatory: '66' });

// ---- scalar moves ----------------------------------------------------------------------------

function movssStoreMem(c: Cpu, i: Insn): void {
  const s = (xb(c) + 16 * i.reg) >>> 2;
  c.mem.write32(c.ea(i), I32[s]);
}
function movsdStoreMem(c: Cpu, i: Insn): void {
  const s = (xb(c) + 16 * i.reg) >>> 2;
  c.mem.write64(c.ea(i), I32[s], I32[s + 1]);
}

function movssLoad(c: Cpu, i: Insn): void {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2;
  if (i.mod === 3) { I32[d] = I32[(x + 16 * i.rm) >>> 2]; return; }
  I32[d] = c.mem.read32(c.ea(i)); I32[d + 1] = 0; I32[d + 2] = 0; I32[d + 3] = 0;
}
function movssStore(c: Cpu, i: Insn): void {
  const x = xb(c), s = (x + 16 * i.reg) >>> 2;
  if (i.mod === 3) { I32[(x + 16 * i.rm) >>> 2] = I32[s]; return; }
  c.mem.write32(c.ea(i), I32[s]);
}
function movsdLoad(c: Cpu, i: Insn): void {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2;
  if (i.mod === 3) { const s = (x + 16 * i.rm) >>> 2; I32[d] = I32[s]; I32[d + 1] = I32[s + 1]; return; }
  I32[d] = c.mem.read64(c.ea(i)); I32[d + 1] = c.mem.hi; I32[d + 2] = 0; I32[d + 3] = 0;
}
function movsdStore(c: Cpu, i: Insn): void {
  const x = xb(c), s = (x + 16 * i.reg) >>> 2;
  if (i.mod === 3) { const d = (x + 16 * i.rm) >>> 2; I32[d] = I32[s]; I32[d + 1] = I32[s + 1]; return; }
  c.mem.write64(c.ea(i), I32[s], I32[s + 1]);
}
reg(0x10, 'F3', 'movss', movssLoad);
reg(0x11, 'F3', 'movss', movssStore);
reg(0x10, 'F2', 'movsd', movsdLoad);
reg(0x11, 'F2', 'movsd', movsdStore);

/** movq xmm, xmm/m64 (F3 0F 7E): low quadword, upper zeroed. */
function movqLoad(c: Cpu, i: Insn): void {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2, s = srcX64(c, i, x) >>> 2;
  I32[d] = I32[s]; I32[d + 1] = I32[s + 1]; I32[d + 2] = 0; I32[d + 3] = 0;
}
/** movq xmm/m64, xmm (66 0F D6): a register destination has its upper quadword zeroed. */
function movqStore(c: Cpu, i: Insn): void {
  const x = xb(c), s = (x + 16 * i.reg) >>> 2;
  if (i.mod === 3) {
    const d = (x + 16 * i.rm) >>> 2;
    I32[d] = I32[s]; I32[d + 1] = I32[s + 1]; I32[d + 2] = 0; I32[d + 3] = 0;
    return;
  }
  c.mem.write64(c.ea(i), I32[s], I32[s + 1]);
}
// the same two as straight-line source for threaded blocks
const movqLoadFast = inlineHandler(`const x = c.state.xmm, d = 4 * i.reg;
  if (i.mod === 3) { const s = 4 * i.rm; x[d] = x[s]; x[d + 1] = x[s + 1]; }
  else { const m = c.mem; x[d] = m.read64(c.ea(i)); x[d + 1] = m.hi; }
  x[d + 2] = 0; x[d + 3] = 0;`);
const movqStoreFast = inlineHandler(`const x = c.state.xmm, s = 4 * i.reg;
  if (i.mod === 3) { const d = 4 * i.rm; x[d] = x[s]; x[d + 1] = x[s + 1]; x[d + 2] = 0; x[d + 3] = 0; }
  else c.mem.write64(c.ea(i), x[s], x[s + 1]);`);
reg(0x7e, 'F3', 'movq', movqLoad, { fast: movqLoadFast } as Partial<OpDef>);
reg(0xd6, '66', 'movq', movqStore, { fast: movqStoreFast } as Partial<OpDef>);

/** movd/movq xmm, r/m32/64 (66 0F 6E). */
function movdToX(c: Cpu, i: Insn): void {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2;
  const lo = c.rdE(i, i.osize);
  I32[d] = lo; I32[d + 1] = i.osize === 8 ? c.hi : 0; I32[d + 2] = 0; I32[d + 3] = 0;
}
/** movd/movq r/m32/64, xmm (66 0F 7E). */
function movdFromX(c: Cpu, i: Insn): void {
  const x = xb(c), s = (x + 16 * i.reg) >>> 2;
  c.wrE(i, I32[s], I32[s + 1], i.osize);
}
reg(0x6e, '66', 'movd', movdToX, { size: 'y' });
reg(0x7e, '66', 'movd', movdFromX, { size: 'y' });

// ---- half-register moves ---------------------------------------------------------------------

/** 0F 12: movhlps (register) / movlps (memory): the low quadword. */
function movlpsLoad(c: Cpu, i: Insn): void {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2;
  if (i.mod === 3) { const s = (x + 16 * i.rm) >>> 2; I32[d] = I32[s + 2]; I32[d + 1] = I32[s + 3]; return; }
  I32[d] = c.mem.read64(c.ea(i)); I32[d + 1] = c.mem.hi;
}
/** 0F 16: movlhps (register) / movhps (memory): the high quadword. */
function movhpsLoad(c: Cpu, i: Insn): void {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2;
  if (i.mod === 3) { const s = (x + 16 * i.rm) >>> 2; I32[d + 2] = I32[s]; I32[d + 3] = I32[s + 1]; return; }
  I32[d + 2] = c.mem.read64(c.ea(i)); I32[d + 3] = c.mem.hi;
}
function movlpStore(c: Cpu, i: Insn): void {
  const s = (xb(c) + 16 * i.reg) >>> 2;
  c.mem.write64(c.ea(i), I32[s], I32[s + 1]);
}
function movhpStore(c: Cpu, i: Insn): void {
  const s = (xb(c) + 16 * i.reg) >>> 2;
  c.mem.write64(c.ea(i), I32[s + 2], I32[s + 3]);
}
reg(0x12, 'none', 'movlps', movlpsLoad);
reg(0x12, '66', 'movlpd', movlpsLoad, { form: 'mem' });
reg(0x13, 'none', 'movlps', movlpStore, { form: 'mem' });
reg(0x13, '66', 'movlpd', movlpStore, { form: 'mem' });
reg(0x16, 'none', 'movhps', movhpsLoad);
reg(0x16, '66', 'movhpd', movhpsLoad, { form: 'mem' });
reg(0x17, 'none', 'movhps', movhpStore, { form: 'mem' });
reg(0x17, '66', 'movhpd', movhpStore, { form: 'mem' });

// ---- SSE3 duplicating moves ------------------------------------------------------------------

function movsldup(c: Cpu, i: Insn): void {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2, s = srcX(c, i, x, true) >>> 2;
  const a = I32[s], b = I32[s + 2];
  I32[d] = a; I32[d + 1] = a; I32[d + 2] = b; I32[d + 3] = b;
}
function movshdup(c: Cpu, i: Insn): void {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2, s = srcX(c, i, x, true) >>> 2;
  const a = I32[s + 1], b = I32[s + 3];
  I32[d] = a; I32[d + 1] = a; I32[d + 2] = b; I32[d + 3] = b;
}
function movddup(c: Cpu, i: Insn): void {
  const x = xb(c), d = (x + 16 * i.reg) >>> 2, s = srcX64(c, i, x) >>> 2;
  const a = I32[s], b = I32[s + 1];
  I32[d] = a; I32[d + 1] = b; I32[d + 2] = a; I32[d + 3] = b;
}
reg(0x12, 'F3', 'movsldup', movsldup);
reg(0x16, 'F3', 'movshdup', movshdup);
reg(0x12, 'F2', 'movddup', movddup);

// ---- masks -----------------------------------------------------------------------------------

function movmskps(c: Cpu, i: Insn): void {
  const s = (xb(c) + 16 * i.rm) >>> 2;
  c.setR(i.reg, 4, (I32[s] >>> 31) | ((I32[s + 1] >>> 31) << 1) | ((I32[s + 2] >>> 31) << 2) | ((I32[s + 3] >>> 31) << 3));
}
function movmskpd(c: Cpu, i: Insn): void {
  const s = (xb(c) + 16 * i.rm) >>> 2;
  c.setR(i.reg, 4, (I32[s + 1] >>> 31) | ((I32[s + 3] >>> 31) << 1));
}
/** pmovmskb r32, xmm: the top bit of each byte. */
export function pmovmskb(c: Cpu, i: Insn): void {
  const s = (xb(c) + 16 * i.rm) >>> 2;
  let m = 0;
  for (let k = 3; k >= 0; k--) {
    const v = I32[s + k] & (0x80808080 | 0);
    // gather bits 7, 15, 23, 31 of v into 4 adjacent bits
    m = (m << 4) | (((v >>> 7) & 1) | ((v >>> 14) & 2) | ((v >>> 21) & 4) | ((v >>> 28) & 8));
  }
  c.setR(i.reg, 4, m);
}
reg(0x50, 'none', 'movmskps', movmskps, { form: 'reg' });
reg(0x50, '66', 'movmskpd', movmskpd, { form: 'reg' });
reg(0xd7, '66', 'pmovmskb', pmovmskb, { form: 'reg' });

/** maskmovdqu xmm1, xmm2: stores the bytes of xmm1 whose mask byte in xmm2 has its top bit set
 *  to [rDI] (DS, or a segment override). */
function maskmovdqu(c: Cpu, i: Insn): void {
  const x = xb(c), s = x + 16 * i.reg, m = x + 16 * i.rm;
  let a = i.asize === 8 ? c.regAddr(RDI) : i.asize === 4 ? c.r[2 * RDI] >>> 0 : c.r[2 * RDI] & 0xffff;
  if (i.seg >= 4) a += i.seg === 4 ? c.fsBase : c.gsBase;
  if (!c.mode64) a = a >>> 0;
  // a non-canonical address is #GP even when no mask bit is set (measured)
  else if (a >= 0x800000000000 && a < 18446603336221196288) raiseGP();
  for (let k = 0; k < 16; k++) if (U8[m + k] & 0x80) c.mem.write8(a + k, U8[s + k]);
}
reg(0xf7, '66', 'maskmovdqu', maskmovdqu, { form: 'reg' });

/** movnti m32/m64, r32/r64. */
function movnti(c: Cpu, i: Insn): void {
  c.wrMem(c.ea(i), i.osize, c.r[2 * i.reg], c.r[2 * i.reg + 1]);
}
reg(0xc3, 'none', 'movnti', movnti, { form: 'mem', size: 'y' });

// ---- MXCSR, fences, cache control ------------------------------------------------------------

function ldmxcsr(c: Cpu, i: Insn): void {
  xb(c);
  const v = c.mem.read32(c.ea(i));
  if (v & ~MXCSR_MASK) raiseGP();
  setMxcsr(c, v);
}
function stmxcsr(c: Cpu, i: Insn): void {
  xb(c);
  c.mem.write32(c.ea(i), mxcsr(c));
}
function nop(): void { /* fences and prefetches: memory is sequentially consistent here */ }
function clflush(c: Cpu, i: Insn): void {
  c.mem.read8(c.ea(i));                  // faults like a byte load on an inaccessible address
}
sdef(1, 0xae, { name: 'ldmxcsr', fn: ldmxcsr, form: 'mem' }, { reg: 2, mandatory: 'none' });
sdef(1, 0xae, { name: 'stmxcsr', fn: stmxcsr, form: 'mem' }, { reg: 3, mandatory: 'none' });
sdef(1, 0xae, { name: 'lfence', fn: nop, form: 'reg' }, { reg: 5, mandatory: 'none' });
sdef(1, 0xae, { name: 'mfence', fn: nop, form: 'reg' }, { reg: 6, mandatory: 'none' });
sdef(1, 0xae, { name: 'sfence', fn: nop, form: 'reg' }, { reg: 7, mandatory: 'none' });
sdef(1, 0xae, { name: 'clflush', fn: clflush, form: 'mem' }, { reg: 7, mandatory: 'none' }, 'rep');   // 66: clflushopt
for (let r = 0; r < 8; r++) sdef(1, 0x18, { name: r < 4 ? 'prefetch' : 'nop', fn: nop }, { reg: r }, 'lock');

