// The shape of an ABI's syscall table (DESIGN.md decision 8): data, one entry per number.

import type { Task } from '../kernel/process.js';
import type { AbiLayouts, AbiName } from './structs.js';

/** A handler gets the task and the arguments unpacked per the call's signature. It returns the
 *  result (negative = -errno) or a promise of it, and may throw Errno / HostError / GuestFault. */
export type Handler = (t: Task, a: number[]) => number | Promise<number>;

export type Support = 'full' | 'partial' | 'unimplemented';

export interface SyscallEntry {
  nr: number;
  name: string;
  handler?: Handler;
  support: Support;
  /** Why the support is partial or missing (shown by --verbose and the support table). */
  reason: string;
  /** Argument kinds (syscalls/signatures.ts): how to unpack and how strace shows them. */
  args: string[];
  /** How strace shows the result: 'dec' (default), 'hex' (addresses), 'none' (does not return). */
  ret: 'dec' | 'hex' | 'oct' | 'none';
}

export interface Abi {
  name: AbiName;
  /** Indexed by syscall number; holes are undefined. */
  table: (SyscallEntry | undefined)[];
  /** GPR numbers holding arguments 1..6. */
  argRegs: number[];
  wordSize: 4 | 8;
  layouts: AbiLayouts;
}
