// CPU register file of one guest thread, at a fixed layout inside the frame pool's
// WebAssembly.Memory (DESIGN.md decision 3) so a later JIT tier can address it directly.
// 64-bit values are (lo, hi) pairs of 32-bit words: no BigInt on the hot path.

import { FramePool } from './frames.js';

// Byte offsets inside one CPU state block (one 4 KiB frame).
export const OFF_GPR = 0;        // 16 x 8 bytes: RAX RCX RDX RBX RSP RBP RSI RDI R8..R15
export const OFF_RIP = 128;      // 8 bytes (synchronised from Cpu.rip when leaving the loop)
export const OFF_FLAGS = 136;    // lazy-flags record, 16 x int32 (see cpu/flags.ts)
export const OFF_SEG = 208;      // fs base, gs base: 2 x 8 bytes
export const OFF_XMM = 256;      // 16 x 16 bytes, XMM0..XMM15 (little-endian lanes)
export const OFF_X87 = 512;      // 8 x 16 bytes physical x87 registers R0..R7 (see cpu/ops/x87.ts)
export const OFF_X87CTL = 640;   // control words etc. (x87.ts owns the layout of 640..703)
export const OFF_MXCSR = 704;    // 4 bytes
export const STATE_BYTES = 1024;

export const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
export const R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;

/** Typed views of one thread's register block. */
export class CpuState {
  readonly base: number;         // byte offset of the block in the pool
  /** r[2*n] = low 32 bits of GPR n, r[2*n+1] = high 32 bits. */
  readonly r: Int32Array;
  /** Lazy flags record (cpu/flags.ts). */
  readonly f: Int32Array;
  /** xmm[4*n + k] = 32-bit lane k of XMMn. */
  readonly xmm: Int32Array;
  readonly xmmF32: Float32Array;
  readonly xmmF64: Float64Array;
  readonly xmmU8: Uint8Array;
  /** The whole block as bytes and as a DataView (x87, fxsave, signal frames). */
  readonly u8: Uint8Array;
  readonly dv: DataView;

  constructor(readonly pool: FramePool) {
    const frame = pool.alloc();
    this.base = frame * 4096;
    const buf = pool.memory.buffer;
    this.r = new Int32Array(buf, this.base + OFF_GPR, 32);
    this.f = new Int32Array(buf, this.base + OFF_FLAGS, 16);
    this.xmm = new Int32Array(buf, this.base + OFF_XMM, 64);
    this.xmmF32 = new Float32Array(buf, this.base + OFF_XMM, 64);
    this.xmmF64 = new Float64Array(buf, this.base + OFF_XMM, 32);
    this.xmmU8 = new Uint8Array(buf, this.base + OFF_XMM, 256);
    this.u8 = new Uint8Array(buf, this.base, STATE_BYTES);
    this.dv = new DataView(buf, this.base, STATE_BYTES);
  }

  /** Copies every register of `other` into this block (fork, clone, signal frames). */
  copyFrom(other: CpuState): void {
    this.u8.set(other.u8);
  }

  free(): void {
    this.pool.unref(this.base / 4096);
  }
}
