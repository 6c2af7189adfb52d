// The CPU package: importing it registers every instruction family in the opcode table.
import './ops/index.js';
export { Cpu, EXIT_BUDGET, EXIT_SYSCALL, EXIT_SIGNAL } from './cpu.js';
export { CpuState } from './state.js';
export { AddressSpace, GuestFault, PROT_READ, PROT_WRITE, PROT_EXEC, PROT_NONE } from './memory.js';
export { FramePool, defaultPool, PAGE_SIZE } from './frames.js';
export { CpuSignal } from './fault.js';
