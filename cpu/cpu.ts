// The tier-0 interpreter: decoded basic blocks cached per address space, executed instruction
// by instruction through each Insn's handler. The run loop stops for a system call, a CPU
// exception (CpuSignal / GuestFault) or when its instruction budget is spent, so the kernel
// can schedule threads cooperatively.

import { CpuState, RSP, RBP, OFF_MXCSR } from './state.js';
import { AddressSpace, GuestFault } from './memory.js';
import { decode } from './decoder.js';
import { Insn } from './insn.js';
import { CpuSignal, SIGSEGV, SIGBUS, SEGV_MAPERR, SEGV_ACCERR, SI_KERNEL, raiseGP } from './fault.js';
import { setFlags, ARITH, CF, OF } from './flags.js';
import { threadBlock } from './threaded.js';
import { loadSegment } from './segments.js';

/** Instruction families that keep state of their own (x87) register their power-on reset here. */
export const resetHooks: ((c: Cpu) => void)[] = [];

export const EXIT_BUDGET = 0, EXIT_SYSCALL = 1, EXIT_SIGNAL = 2;

const TWO32 = 4294967296;
// LX_MAXBLOCK=1 makes every instruction its own block (single-stepping when debugging); the
// environment is read only where one exists (Node), so cpu/ stays host-neutral.
const MAX_BLOCK = Number(globalThis.process?.env?.LX_MAXBLOCK ?? 64);

/** 2^47: canonical addresses are in [-2^47, 2^47) as signed 64-bit numbers. */
const CANON = 0x800000000000;
/** Executions after which a block gets its own dispatch function (see threadBlock); 0 threads
 *  every block at once (tests run the threaded code that way). Measured (user CPU, this machine):
 *  python3 -c pass (38 k distinct blocks) 9.2 s at 16, 4.4 s at 1000, 3.2 s at 4000; sha256 4 MiB
 *  1.71 / 1.69 / 1.72 s and sortbench 3e5 0.91 / 0.92 / 0.98 s: compiling warm code costs more
 *  than it saves, hot loops reach any of these counts at once. */
const HOT = Number(globalThis.process?.env?.LX_HOT ?? 1000);

/** A decoded block; succ caches the block that followed it last time (a direct link that
 *  saves the map lookup), valid turns false when the cache is cleared. */
interface Block { insns: Insn[]; hits: number; run: ((c: Cpu) => void) | null; valid: boolean; succRip: number; succ: Block | null }

/** The arithmetic flags an instruction of flag class fx certainly writes ('r': rotates, CF and OF). */
function flagWrites(fx: string): number {
  return fx === 'w' ? ARITH : fx === 'r' ? CF | OF : 0;
}

export class Cpu {
  readonly r: Int32Array;
  readonly f: Int32Array;
  rip = 0;
  fsBase = 0;
  gsBase = 0;
  /** Segment selectors in hardware order ES CS SS DS FS GS, as Linux gives a user task
   *  (x86-64: __USER_CS 0x33, __USER_DS 0x2b; i386 compat: __USER32_CS 0x23, __USER_DS 0x2b). */
  sel: number[] = [0, 0x33, 0x2b, 0, 0, 0];
  /** This thread's GDT TLS slots 12..14 as descriptor words (lo, hi) x 3 (cpu/segments.ts). */
  readonly tls = new Int32Array(6);
  /** Bases of ES CS SS DS from their descriptors (32-bit mode only; FS/GS use fsBase/gsBase). */
  segBase: number[] = [0, 0, 0, 0];
  /** ES, SS or DS holds a null selector or a nonzero base: 32-bit addressing takes the slow path. */
  segOdd = true;
  /** Scratch: high word of the last 64-bit operand read. */
  hi = 0;
  /** Why run() returned, and the exception when it was EXIT_SIGNAL. */
  exitReason = EXIT_BUDGET;
  signal: CpuSignal | null = null;
  /** For 32-bit mode: which gate made the syscall ('int80' | 'sysenter'); 'syscall' in long mode. */
  gate = 'syscall';
  /** Instructions retired (approximately: counted per block entry). */
  retired = 0;
  /** The instruction being executed (for handlers that need to stop the loop). */
  cur: Insn | null = null;
  /** Set by a handler to leave run() after the current instruction. */
  stop = false;
  /** The instruction that threw inside a threaded block. */
  faultInsn: Insn | null = null;

  constructor(readonly state: CpuState, public mem: AddressSpace, public mode64 = true) {
    this.r = state.r;
    this.f = state.f;
    if (!mode64) { this.sel = [0x2b, 0x23, 0x2b, 0x2b, 0, 0]; this.segOdd = false; }
    setFlags(this.f, 0x202);
    state.dv.setUint32(OFF_MXCSR, 0x1f80, true);       // the MXCSR value Linux gives a new process
    for (const h of resetHooks) h(this);
    this.attach(mem);
  }

  /** Switches to another address space (execve). */
  attach(mem: AddressSpace): void {
    this.mem = mem;
    mem.onCodeWrite = () => mem.clearBlocks();
  }

  // ---- the run loop ---------------------------------------------------------------------------

  run(budget: number): number {
    const blocks = this.mem.blocks as Map<number, Block>;
    this.exitReason = EXIT_BUDGET;
    this.signal = null;
    this.stop = false;
    let i: Insn | null = null;
    let prev: Block | null = null;
    this.faultInsn = null;
    try {
      while (budget > 0) {
        i = null;
        const rip = this.rip;
        let blk: Block;
        if (prev !== null && prev.succRip === rip && prev.succ!.valid) blk = prev.succ!;
        else {
          blk = blocks.get(rip) ?? this.decodeBlock(rip);
          if (prev !== null) { prev.succRip = rip; prev.succ = blk; }
        }
        const insns = blk.insns;
        const n = insns.length;
        if (blk.run !== null) {
          blk.run(this);
          i = insns[n - 1];
        } else {
          for (let k = 0; k < n; k++) {
            i = insns[k];
            i.fn(this, i);
          }
          if (++blk.hits === HOT) blk.run = threadBlock(insns);
        }
        if (!i!.ends) this.rip = i!.next;
        budget -= n;
        this.retired += n;
        if (this.stop) break;
        prev = blk.valid ? blk : null;
      }
    } catch (e) {
      this.fault(e, this.faultInsn ?? i);
    }
    this.state.dv.setFloat64(128, this.rip, true);
    return this.exitReason;
  }

  private fault(e: unknown, i: Insn | null): void {
    let sig: CpuSignal;
    if (e instanceof CpuSignal) sig = e;
    else if (e instanceof GuestFault) {
      // kernel-half addresses stay negative (two's complement): 2 ** 64 + addr would round to 2 KiB
      const addr = e.addr;
      const canonical = addr >= -0x800000000000 && addr < 0x800000000000;
      sig = canonical
        ? new CpuSignal(SIGSEGV, e.maperr ? SEGV_MAPERR : SEGV_ACCERR, addr, false, 14, (e.write ? 2 : 0) | (e.maperr && addr >= 0 ? 0 : 1) | 4 | (e.exec ? 16 : 0))
        : i && this.stackFault(i) ? new CpuSignal(SIGBUS, SI_KERNEL, 0, false, 12) : new CpuSignal(SIGSEGV, SI_KERNEL, 0, false, 13);
    } else throw e;
    // A fetch fault has no instruction (i is null): RIP already names the faulting address.
    if (i) this.rip = sig.trap ? i.next : i.addr;
    this.exitReason = EXIT_SIGNAL;
    this.signal = sig;
  }

  /** A non-canonical address reached through RSP or RBP uses the stack segment: #SS, which Linux
   *  reports as SIGBUS (SI_KERNEL), where other non-canonical addresses are #GP (SIGSEGV). */
  private stackFault(i: Insn): boolean {
    if (i.hasModrm && i.mod !== 3) {
      if (i.seg < 4 && (i.base === RSP || i.base === RBP)) return true;
      const a = this.ea(i);
      if (a >= CANON || a < -CANON) return false;             // the operand itself: #GP
    }
    const nc = (hi: number) => (hi >> 15) !== 0 && (hi >> 15) !== -1;   // bits 63..47 not all equal
    return nc(this.r[2 * RSP + 1]) || (i.map === 0 && (i.op === 0xc9 || i.op === 0xc8) && nc(this.r[2 * RBP + 1]));
  }

  private decodeBlock(start: number): Block {
    const insns: Insn[] = [];
    let a = start;
    while (insns.length < MAX_BLOCK) {
      let i: Insn;
      try {
        i = decode(this.mem, a, this.mode64);
      } catch (e) {
        if (insns.length === 0) { this.rip = start; throw e; }
        break;                               // end the block before an unfetchable instruction
      }
      this.mem.markCode(a);
      this.mem.markCode(i.next - 1);
      insns.push(i);
      a = i.next;
      if (i.ends) break;
    }
    // flag liveness, per flag: an instruction's flags are dead when none of those it writes can
    // be read before a later instruction overwrites them (the block end counts as a read)
    let live = this.liveAfter(insns[insns.length - 1]);
    for (let k = insns.length - 1; k >= 0; k--) {
      const i = insns[k];
      const w = flagWrites(i.flagFx);
      i.flagsDead = w !== 0 && (w & live) === 0;
      live = i.flagFx === 'w' || i.flagFx === 'n' || i.flagFx === 'r' ? live & ~w : ARITH;
    }
    const blk: Block = { insns, hits: 0, run: HOT <= 0 ? threadBlock(insns) : null, valid: true, succRip: -1, succ: null };   // LX_HOT=0: thread at once (tests)
    (this.mem.blocks as Map<number, Block>).set(start, blk);
    return blk;
  }

  /** Whether flags can be read after `last` (the end of a block): a block cut by its size limit
   *  looks ahead at the instructions that follow until one writes or may read the flags. */
  private liveAfter(last: Insn): number {
    if (last.ends) return ARITH;
    let a = last.next, dead = 0;
    for (let n = 0; n < 16; n++) {
      let i: Insn;
      try { i = decode(this.mem, a, this.mode64); } catch { break; }
      if (i.ends || (i.flagFx !== 'w' && i.flagFx !== 'n' && i.flagFx !== 'r')) break;
      dead |= flagWrites(i.flagFx);
      if (dead === ARITH) return 0;
      a = i.next;
    }
    return ARITH & ~dead;
  }

  /** Leaves run() after this instruction with the given reason. */
  exit(reason: number): void {
    this.exitReason = reason;
    this.stop = true;
  }

  // ---- effective addresses --------------------------------------------------------------------

  /** Loads segment register n (0..5, ES..GS) with selector sel as a user-mode MOV to Sreg does:
   *  the descriptor's base becomes fsBase/gsBase; a bad selector raises #GP (cpu/segments.ts). */
  loadSeg(n: number, sel: number): void { loadSegment(this, n, sel); }

  /** The linear address of i's memory operand (a number; negative or >= 2^47 faults on use). */
  ea(i: Insn): number {
    const r = this.r;
    let a = i.disp;
    if (i.asize === 4) {
      // 32-bit address size: only the low words take part, and the sum wraps at 2^32
      if (i.base >= 0) a += r[2 * i.base] >>> 0;
      if (i.index >= 0) a += (r[2 * i.index] >>> 0) * i.scale;
      a = a >>> 0;
    } else if (i.asize === 2) {
      // 16-bit address size (0x67 in 32-bit code): BX/BP/SI/DI, the sum wraps at 2^16
      if (i.base >= 0) a += r[2 * i.base];
      if (i.index >= 0) a += r[2 * i.index];
      a &= 0xffff;
    } else {
      if (i.base >= 0) a += r[2 * i.base + 1] * TWO32 + (r[2 * i.base] >>> 0);
      if (i.index >= 0) a += (r[2 * i.index + 1] * TWO32 + (r[2 * i.index] >>> 0)) * i.scale;
    }
    if (i.seg >= 4) {
      if (!this.mode64 && this.sel[i.seg] <= 3) raiseGP();    // a null FS/GS cannot be used outside long mode
      a += i.seg === 4 ? this.fsBase : this.gsBase;
    }
    if (!this.mode64) a = (this.segOdd ? this.segAddr(i, a) : a) >>> 0;
    // outside the canonical range the double sum may have lost bits or not wrapped at 2^64
    else if (a >= CANON || a < -CANON) a = this.eaWrapped(i);
    return a;
  }

  /** 32-bit mode with an unusual DS/ES/SS: the default segment (SS for an ESP/EBP base) must not be
   *  null (#GP(0)) and its base is added. String instructions and the stack do not come here. */
  private segAddr(i: Insn, a: number): number {
    const s = i.seg >= 0 ? i.seg : i.base === RSP || i.base === 5 ? 2 : 3;
    if (s === 1 || s >= 4) return a;
    if (this.sel[s] <= 3) raiseGP();
    return a + this.segBase[s];
  }

  /** The effective address summed exactly modulo 2^64 (hi word signed): rare, for sums that leave
   *  the canonical range on the way (a huge index times 8 that wraps back to a small offset). */
  eaWrapped(i: Insn): number {
    const r = this.r;
    // a moffs64 displacement is a whole (possibly non-canonical) address: keep its high word
    let lo = i.disp >>> 0, hi = Math.floor(i.disp / TWO32) | 0;
    const add = (l: number, h: number) => { lo += l >>> 0; hi = (hi + h) | 0; };
    if (i.base >= 0) add(r[2 * i.base], r[2 * i.base + 1]);
    if (i.index >= 0) {
      const sh = i.scale === 8 ? 3 : i.scale === 4 ? 2 : i.scale === 2 ? 1 : 0;
      const il = r[2 * i.index], ih = r[2 * i.index + 1];
      add(il << sh, sh ? (ih << sh) | (il >>> (32 - sh)) : ih);
    }
    if (i.seg >= 4) {
      const b = i.seg === 4 ? this.fsBase : this.gsBase;
      add(b % TWO32, Math.floor(b / TWO32));
    }
    hi = (hi + Math.floor(lo / TWO32)) | 0;
    return hi * TWO32 + (lo >>> 0);
  }

  // ---- registers ------------------------------------------------------------------------------

  /** Reads register n at size (1: byte encoding with 16..19 = AH..BH; 2, 4 zero-extended; 4 signed;
   *  8: low word returned, high word in this.hi). */
  getR(n: number, size: number): number {
    const r = this.r;
    switch (size) {
      case 1: return n < 16 ? r[2 * n] & 0xff : (r[2 * (n - 16)] >> 8) & 0xff;
      case 2: return r[2 * n] & 0xffff;
      case 4: return r[2 * n];
      default: this.hi = r[2 * n + 1]; return r[2 * n];
    }
  }

  /** Writes register n at size with x86-64 semantics (32-bit writes zero the high half). */
  setR(n: number, size: number, v: number, hi = 0): void {
    const r = this.r;
    switch (size) {
      case 1:
        if (n < 16) r[2 * n] = (r[2 * n] & ~0xff) | (v & 0xff);
        else r[2 * (n - 16)] = (r[2 * (n - 16)] & ~0xff00) | ((v & 0xff) << 8);
        return;
      case 2: r[2 * n] = (r[2 * n] & ~0xffff) | (v & 0xffff); return;
      case 4: r[2 * n] = v; r[2 * n + 1] = 0; return;
      default: r[2 * n] = v; r[2 * n + 1] = hi; return;
    }
  }

  /** A register as an address number (64-bit unsigned; 32-bit in 32-bit mode). */
  regAddr(n: number): number {
    return this.mode64 ? (this.r[2 * n + 1] >>> 0) * TWO32 + (this.r[2 * n] >>> 0) : this.r[2 * n] >>> 0;
  }

  setRegAddr(n: number, a: number): void {
    this.r[2 * n] = a % TWO32 | 0;
    this.r[2 * n + 1] = this.mode64 ? Math.floor(a / TWO32) | 0 : 0;
  }

  // ---- operands -------------------------------------------------------------------------------

  /** Reads memory at address a at size (same value conventions as getR). */
  rdMem(a: number, size: number): number {
    const m = this.mem;
    switch (size) {
      case 1: return m.read8(a);
      case 2: return m.read16(a);
      case 4: return m.read32(a);
      default: { const lo = m.read64(a); this.hi = m.hi; return lo; }
    }
  }

  wrMem(a: number, size: number, v: number, hi = 0): void {
    const m = this.mem;
    switch (size) {
      case 1: m.write8(a, v); return;
      case 2: m.write16(a, v); return;
      case 4: m.write32(a, v); return;
      default: m.write64(a, v, hi); return;
    }
  }

  /** The r/m operand at the instruction's operand size. */
  rdE(i: Insn, size = i.osize): number {
    if (i.mod === 3) return this.getR(size === 1 ? i.rmb : i.rm, size);
    return this.rdMem(this.ea(i), size);
  }

  wrE(i: Insn, v: number, hi = 0, size = i.osize): void {
    if (i.mod === 3) this.setR(size === 1 ? i.rmb : i.rm, size, v, hi);
    else this.wrMem(this.ea(i), size, v, hi);
  }

  /** rdAt for an operand that will be written: a memory operand must be writable first. */
  rdRmw(i: Insn, a: number, size = i.osize): number {
    if (i.mod === 3) return this.getR(size === 1 ? i.rmb : i.rm, size);
    this.mem.probeWrite(a, size);
    return this.rdMem(a, size);
  }

  /** Read at a precomputed address a (ignored for register operands): read-modify-write forms. */
  rdAt(i: Insn, a: number, size = i.osize): number {
    if (i.mod === 3) return this.getR(size === 1 ? i.rmb : i.rm, size);
    return this.rdMem(a, size);
  }

  wrAt(i: Insn, a: number, v: number, hi = 0, size = i.osize): void {
    if (i.mod === 3) this.setR(size === 1 ? i.rmb : i.rm, size, v, hi);
    else this.wrMem(a, size, v, hi);
  }

  /** The reg operand. */
  rdG(i: Insn, size = i.osize): number { return this.getR(size === 1 ? i.regb : i.reg, size); }
  wrG(i: Insn, v: number, hi = 0, size = i.osize): void { this.setR(size === 1 ? i.regb : i.reg, size, v, hi); }

  // ---- stack ----------------------------------------------------------------------------------

  push(size: number, v: number, hi = 0): void {
    const sp = this.regAddr(RSP) - size;
    this.wrMem(sp, size, v, hi);
    this.setRegAddr(RSP, sp);
  }

  /** Pops size bytes; 64-bit high word in this.hi. */
  pop(size: number): number {
    const sp = this.regAddr(RSP);
    const v = this.rdMem(sp, size);
    const hi = this.hi;
    this.setRegAddr(RSP, sp + size);
    this.hi = hi;
    return v;
  }

  /** The stack-pointer-sized push of an address (call). */
  pushAddr(a: number): void {
    if (this.mode64) this.push(8, a % TWO32 | 0, Math.floor(a / TWO32) | 0);
    else this.push(4, a | 0);
  }

  popAddr(): number {
    if (this.mode64) { const lo = this.pop(8); return (this.hi >>> 0) * TWO32 + (lo >>> 0); }
    return this.pop(4) >>> 0;
  }
}
