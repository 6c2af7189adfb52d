// CPUID, RDTSC/RDTSCP, XLAT, and privileged instructions that fault in user mode.
//
// CPUID tells software which instruction sets it may use, so it advertises exactly what the
// interpreter implements: x86-64-v2 (SSE3 SSSE3 SSE4.1 SSE4.2 POPCNT CX16 LAHF-SAHF) plus
// MOVBE and LZCNT; no AVX, no XSAVE. The vendor is AMD with this host's family, because the
// hardware we compare against is an AMD EPYC and undefined flag results follow the vendor.

import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { def } from '../table.js';
import { RAX, RBX, RCX, RDX } from '../state.js';
import { raiseGP, raiseUD } from '../fault.js';

function str4(s: string, k: number): number {
  let v = 0;
  for (let b = 0; b < 4; b++) v |= (s.charCodeAt(k + b) || 0) << (8 * b);
  return v;
}
const VENDOR = 'AuthenticAMD';
const BRAND = 'lxbrand virtual x86-64-v2 CPU'.padEnd(48, '\0');

// leaf 1
const ECX1 = (1 << 0) /* SSE3 */ | (1 << 9) /* SSSE3 */ | (1 << 13) /* CX16 */ | (1 << 19) /* SSE4.1 */
  | (1 << 20) /* SSE4.2 */ | (1 << 22) /* MOVBE */ | (1 << 23) /* POPCNT */;
const EDX1 = (1 << 0) /* FPU */ | (1 << 4) /* TSC */ | (1 << 8) /* CX8 */ | (1 << 15) /* CMOV */
  | (1 << 19) /* CLFSH */ | (1 << 23) /* MMX */ | (1 << 24) /* FXSR */ | (1 << 25) /* SSE */ | (1 << 26) /* SSE2 */;
// leaf 0x80000001
const ECX81 = (1 << 0) /* LAHF-SAHF */ | (1 << 5) /* LZCNT (ABM) */;
const EDX81 = (1 << 11) /* SYSCALL */ | (1 << 20) /* NX */ | (1 << 27) /* RDTSCP */ | (1 << 29) /* LM */
  | EDX1 & ((1 << 0) | (1 << 4) | (1 << 8) | (1 << 15) | (1 << 23) | (1 << 24));

/** CPUID results: [eax, ebx, ecx, edx] for (leaf, subleaf). Exported for /proc/cpuinfo and AT_HWCAP. */
export function cpuid(leaf: number, sub: number): [number, number, number, number] {
  switch (leaf >>> 0) {
    case 0: return [7, str4(VENDOR, 0), str4(VENDOR, 8), str4(VENDOR, 4)];
    case 1: return [0x00a10f11, (8 << 8) | (1 << 16), ECX1, EDX1];   // family 25 (0xf + 0xa), model 0x11; 64-byte clflush
    case 7: return [0, 0, 0, 0];
    case 0x80000000: return [0x80000008, str4(VENDOR, 0), str4(VENDOR, 8), str4(VENDOR, 4)];
    case 0x80000001: return [0x00a10f11, 0, ECX81, EDX81];
    case 0x80000002: case 0x80000003: case 0x80000004: {
      const k = ((leaf >>> 0) - 0x80000002) * 16;
      return [str4(BRAND, k), str4(BRAND, k + 4), str4(BRAND, k + 8), str4(BRAND, k + 12)];
    }
    // L1: 32 KiB 8-way 64-byte lines, data and instruction
    case 0x80000005: return [0xff48ff40, 0xff48ff40, 0x20080140, 0x20080140];
    // L2 1 MiB 8-way; L3 32 MiB 16-way (EDX: size in 512 KiB units << 18)
    case 0x80000006: return [0x48002200, 0x68004200, 0x04006140, (64 << 18) | 0x9140];
    case 0x80000008: return [0x3030, 0, 0, 0];
    default: void sub; return [0, 0, 0, 0];
  }
}

function cpuidInsn(c: Cpu): void {
  const [a, b, cc, d] = cpuid(c.r[2 * RAX], c.r[2 * RCX]);
  c.setR(RAX, 4, a); c.setR(RBX, 4, b); c.setR(RCX, 4, cc); c.setR(RDX, 4, d);
}
def(1, 0xa2, { name: 'cpuid', fn: cpuidInsn });

// ---- time stamp counter: a 1 GHz counter derived from the host's monotonic clock -----------------

const TWO32 = 4294967296;
const t0 = performance.now();
function tsc(): number { return Math.floor((performance.now() - t0) * 1e6) + 1; }
function rdtsc(c: Cpu): void {
  const t = tsc();
  c.setR(RAX, 4, t % TWO32 | 0);
  c.setR(RDX, 4, Math.floor(t / TWO32) | 0);
}
function grp7reg(c: Cpu, i: Insn): void {
  if ((i.rm & 7) === 1) { rdtsc(c); c.setR(RCX, 4, 0); return; }     // RDTSCP: TSC_AUX = cpu 0
  raiseUD(c, i);                                                       // XGETBV etc.: not advertised
}
def(1, 0x31, { name: 'rdtsc', fn: rdtsc });
def(1, 0x01, { name: 'rdtscp', fn: grp7reg, form: 'reg' }, { reg: 7 });
def(1, 0x01, { name: 'xgetbv', fn: grp7reg, form: 'reg' }, { reg: 2 });

// ---- XLAT ---------------------------------------------------------------------------------------------

function xlat(c: Cpu, i: Insn): void {
  const base = i.asize === 8 ? c.regAddr(RBX) : c.r[2 * RBX] >>> 0;
  let a = base + (c.r[0] & 0xff);
  if (i.asize !== 8) a = i.asize === 4 ? a >>> 0 : a & 0xffff;       // the offset wraps at the address size
  if (i.seg === 4) a += c.fsBase; else if (i.seg === 5) a += c.gsBase;
  c.setR(RAX, 1, c.mem.read8(a));
}
def(0, 0xd7, { name: 'xlat', fn: xlat, size: 'b' });

// ---- I/O and other privileged instructions: #GP in user mode ---------------------------------------------

function gp(): void { raiseGP(); }
for (const op of [0xe4, 0xe5, 0xe6, 0xe7, 0xec, 0xed, 0xee, 0xef, 0x6c, 0x6d, 0x6e, 0x6f]) {
  def(0, op, { name: 'in/out', fn: gp, size: 'b', imm: op < 0xe8 ? 'ub' : undefined, ends: true });
}
// CLTS, SYSRET, INVD, WBINVD, WRMSR, RDMSR, RDPMC (Linux leaves CR4.PCE clear), SYSEXIT, and MOV to or
// from control and debug registers: #GP at CPL 3 (the hardware's answer, not #UD)
for (const op of [0x06, 0x07, 0x08, 0x09, 0x30, 0x32, 0x33, 0x35]) def(1, op, { name: 'privileged', fn: gp, ends: true });
// a control or debug register that does not exist is #UD first (CR0, 2, 3, 4, 8; DR0-7: measured)
function movCrDr(c: Cpu, i: Insn): void {
  const ok = i.op & 1 ? i.reg < 8 : i.reg === 0 || (i.reg >= 2 && i.reg <= 4) || i.reg === 8;
  if (!ok) raiseUD(c, i);
  raiseGP();
}
// (ModRM.mod is ignored: always a register operand, so the memory encodings fault the same way)
for (const op of [0x20, 0x21, 0x22, 0x23]) def(1, op, { name: 'privileged', fn: movCrDr, modrm: true, ends: true });
