// The oracle for i386 programs. A 64-bit Linux kernel with IA-32 emulation runs them natively (this
// project's development machine does), and then the native run is the oracle as for x86-64. Where
// the kernel cannot (CONFIG_IA32_EMULATION off, or ia32_emulation=0 on its command line), the x86-64
// build of the same source is run natively instead, for programs whose output does not depend on
// the architecture; the others are skipped with that reason.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FIXTURE_BIN } from './compare.js';

/** Debian's busybox-static:i386, unpacked by scripts/i386-packages.sh (make setup). */
export const BUSYBOX_I386 = join(process.env.LXBRAND_CACHE ?? '/var/cache/lxbrand', 'i386', 'busybox-static', 'bin', 'busybox');

let native: boolean | undefined;

/** Whether this kernel runs i386 executables (one run of the smallest i386 fixture). */
export function i386RunsNatively(): boolean {
  native ??= spawnSync(join(FIXTURE_BIN, 'glibc-i386', 'hello'), { encoding: 'utf8', timeout: 10_000 }).stdout === 'Hello, world!\n';
  return native;
}

export type I386Oracle = { program: string } | { skip: string };

/**
 * The program to run natively as the oracle for an i386 build: the build itself, or the x86-64 build
 * of the same source (x86Build) when the kernel cannot run i386 and the output is
 * architecture-independent.
 */
export function i386Oracle(i386Build: string, x86Build: string, archDependent = false): I386Oracle {
  if (i386RunsNatively()) return { program: i386Build };
  if (archDependent) return { skip: 'this kernel does not run i386 programs and the output is architecture-dependent' };
  return { program: x86Build };
}
