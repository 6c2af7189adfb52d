// CPU exceptions as Linux reports them to a user process: the handler throws a CpuSignal and
// the run loop stops with it; the kernel turns it into a signal with this siginfo.

import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';

export const SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGSEGV = 11;
export const ILL_ILLOPN = 2, ILL_PRVOPC = 5;
export const FPE_INTDIV = 1, FPE_INTOVF = 2, FPE_FLTDIV = 3, FPE_FLTOVF = 4, FPE_FLTUND = 5, FPE_FLTRES = 6, FPE_FLTINV = 7;
export const SEGV_MAPERR = 1, SEGV_ACCERR = 2;
export const SI_KERNEL = 0x80;
export const TRAP_BRKPT = 1;

/** A guest address as Linux prints it: kernel-half addresses are kept negative (exact two's
 *  complement) in CpuSignal.addr, since 2^64 + addr is not exact in a double. */
export function u64Hex(addr: number): string {
  return BigInt.asUintN(64, BigInt(addr)).toString(16);
}

export class CpuSignal {
  constructor(
    readonly signo: number,
    readonly code: number,
    /** si_addr; negative for kernel-half addresses (see u64Hex) */
    readonly addr: number,
    /** Trap-class exceptions (int3) leave RIP after the instruction; faults leave it at it. */
    readonly trap = false,
    /** x86 trap number for the signal frame's trapno field (6 #UD, 0 #DE, 13 #GP, 14 #PF, 3 #BP). */
    readonly trapno = 0,
    /** Page-fault error code for the signal frame's err field. */
    readonly err = 0,
  ) {}
}

/** #UD: an opcode the table does not define. */
export function raiseUD(_c: Cpu, i: Insn): void {
  throw new CpuSignal(SIGILL, ILL_ILLOPN, i.addr, false, 6);
}

/** #GP(0) in user mode: SIGSEGV with si_code SI_KERNEL and si_addr 0. */
export function raiseGP(): never {
  throw new CpuSignal(SIGSEGV, SI_KERNEL, 0, false, 13);
}

/** #DE: division by zero or quotient overflow. */
export function raiseDE(i: Insn): never {
  throw new CpuSignal(SIGFPE, FPE_INTDIV, i.addr, false, 0);
}
