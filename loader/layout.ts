// The Linux x86 process address-space layout with randomization off (what `setarch -R` gives),
// DESIGN.md decision 2. Numbers come from arch/x86 (processor.h, elf.h, mm/mmap.c) and were
// checked natively on this machine's 6.18 kernel for x86-64 (test/loader.test.ts repeats that
// check): stack top 0x7ffffffff000, mmap base 0x7ffff7fff000 with an 8 MiB stack rlimit,
// PIE base 0x555555554000, static-PIE brk at 0x555555555000.
// i386: the numbers a 64-bit kernel computes for a compat task from the same formulas (checked
// natively too, test/loader.test.ts: this kernel runs i386 programs): TASK_SIZE 0xffffe000
// (IA32_PAGE_OFFSET), mmap base 0xf7ffe000, PIE base COMPAT_ELF_ET_DYN_BASE =
// PAGE_ALIGN(TASK_SIZE/3) + 16 MiB = 0x56555000.

import { PAGE_SIZE } from '../cpu/frames.js';

export const MiB = 1024 * 1024;
/** Default RLIMIT_STACK soft limit (_STK_LIM). */
export const DEFAULT_STACK_LIMIT = 8 * MiB;
/** Pages below this are never handed out by mmap (vm.mmap_min_addr default). */
export const MMAP_MIN_ADDR = 0x10000;
/** Gap kept free below a growing-down stack (stack_guard_gap: 256 pages). */
export const STACK_GUARD_GAP = 256 * PAGE_SIZE;
/** Extra room setup_arg_pages gives the new stack beyond the argument pages. */
export const STACK_EXPAND = 128 * 1024;

export interface Layout {
  mode64: boolean;
  /** Exclusive end of user space (TASK_SIZE): execve rejects segments past it. */
  taskSize: number;
  /** AddressSpace.limit: 2^47 or 2^32. */
  limit: number;
  /** The stack VMA ends here (STACK_TOP, page aligned, no randomization). */
  stackTop: number;
  /** Top-down mmap placement starts below this (mm->mmap_base). */
  mmapBase: number;
  /** Where a PIE with an interpreter is loaded (ELF_ET_DYN_BASE), and the static-PIE brk. */
  etDynBase: number;
  /** Word size of the initial stack (elf_addr_t). */
  wordSize: 4 | 8;
  /** AT_PLATFORM string (ELF_PLATFORM / COMPAT_ELF_PLATFORM). */
  platform: string;
}

const TASK_SIZE_64 = 0x800000000000 - PAGE_SIZE;       // TASK_SIZE_MAX = DEFAULT_MAP_WINDOW
const TASK_SIZE_32 = 0xffffe000;                         // IA32_PAGE_OFFSET

const pageAlign = (n: number) => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
const pageDown = (n: number) => Math.floor(n / PAGE_SIZE) * PAGE_SIZE;

/**
 * mm->mmap_base as arch/x86/mm/mmap.c computes it without randomization: below the stack,
 * leaving the stack rlimit plus the guard gap, but at least 128 MiB and at most 5/6 of the space.
 */
export function mmapBaseFor(taskSize: number, stackLimit: number): number {
  let gap = stackLimit + STACK_GUARD_GAP;
  if (!Number.isFinite(gap)) gap = Infinity;           // RLIM_INFINITY: clamped below
  const gapMax = Math.floor(taskSize / 6) * 5;
  gap = Math.min(Math.max(gap, 128 * MiB), gapMax);
  return pageAlign(taskSize - gap);
}

/** The layout for a 64-bit (x86-64) or 32-bit (i386 compat) process. */
export function layoutFor(mode64: boolean, stackLimit = DEFAULT_STACK_LIMIT): Layout {
  if (mode64) {
    return {
      mode64, taskSize: TASK_SIZE_64, limit: 2 ** 47, stackTop: TASK_SIZE_64,
      mmapBase: mmapBaseFor(TASK_SIZE_64, stackLimit),
      // DEFAULT_MAP_WINDOW / 3 * 2 (integer division), = 0x555555554aaa
      etDynBase: Math.floor(TASK_SIZE_64 / 3) * 2,
      wordSize: 8, platform: 'x86_64',
    };
  }
  return {
    mode64, taskSize: TASK_SIZE_32, limit: 2 ** 32, stackTop: TASK_SIZE_32,
    mmapBase: mmapBaseFor(TASK_SIZE_32, stackLimit),
    // COMPAT_ELF_ET_DYN_BASE = TASK_UNMAPPED_BASE + 0x1000000, TASK_UNMAPPED_BASE = PAGE_ALIGN(size / 3)
    etDynBase: pageAlign(Math.floor(TASK_SIZE_32 / 3)) + 0x1000000,
    wordSize: 4, platform: 'i686',
  };
}

export { pageAlign, pageDown };
