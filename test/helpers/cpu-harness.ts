// Runs raw machine code on a fresh CPU for unit tests of instruction handlers:
// code at 0x400000 (RX), a 64 KiB stack below 0x7fff0000, a scratch RW page at 0x600000.
// Execution stops at the first `syscall` (0F 05) or CPU exception.

import '../../cpu/index.js';
import { Cpu, EXIT_SYSCALL } from '../../cpu/cpu.js';
import { CpuState, RSP } from '../../cpu/state.js';
import { AddressSpace, PROT_READ, PROT_WRITE, PROT_EXEC } from '../../cpu/memory.js';
import { defaultPool } from '../../cpu/frames.js';

export const CODE = 0x400000, DATA = 0x600000, STACK_TOP = 0x7fff0000;

export function makeCpu(code: number[] | Uint8Array, mode64 = true): Cpu {
  const pool = defaultPool();
  const mem = new AddressSpace(pool);
  mem.map(CODE, 0x10000, PROT_READ | PROT_EXEC, 0, 'code');
  mem.poke(CODE, Uint8Array.from(code));
  mem.map(DATA, 0x10000, PROT_READ | PROT_WRITE, 0, 'data');
  mem.map(STACK_TOP - 0x10000, 0x10000, PROT_READ | PROT_WRITE, 0, '[stack]');
  const cpu = new Cpu(new CpuState(pool), mem, mode64);
  cpu.rip = CODE;
  cpu.setRegAddr(RSP, STACK_TOP - 64);
  return cpu;
}

/** Runs until a syscall or a fault; returns the exit reason (EXIT_SYSCALL, EXIT_SIGNAL). */
export function runToSyscall(cpu: Cpu, budget = 1_000_000): number {
  for (;;) {
    const why = cpu.run(budget);
    if (why !== 0) return why;
    if ((budget -= budget) <= 0) throw new Error('budget exhausted without reaching syscall');
  }
}

/** 64-bit register value as BigInt (tests only). */
export function reg64(cpu: Cpu, n: number): bigint {
  return (BigInt(cpu.r[2 * n + 1] >>> 0) << 32n) | BigInt(cpu.r[2 * n] >>> 0);
}

export { EXIT_SYSCALL };
