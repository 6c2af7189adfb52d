// The fixed descriptions of the kernel: /proc/version (fs/proc/version.c), /proc/filesystems
// (fs/filesystems.c), /proc/swaps (mm/swapfile.c, no swap) and /proc/partitions (block/genhd.c,
// no block devices).

import type { Kernel } from '../../kernel.js';

/** "Linux version <release> (<builder>) (<compiler>) <version>" as linux_proc_banner. */
export function procVersion(k: Kernel): string {
  return `Linux version ${k.release} (lxbrand@lxbrand) (lxbrand x86 emulator) ${k.version}\n`;
}

/** The file-system types this kernel implements (kernel/fs/*.ts, plus pipefs behind pipes), in
 *  Linux's registration order; "nodev" ones need no block device: all of them here. */
const FILESYSTEMS = ['sysfs', 'tmpfs', 'proc', 'pipefs', 'devpts', 'overlay', 'hostfs'];

export function procFilesystems(): string {
  return FILESYSTEMS.map((t) => `nodev\t${t}\n`).join('');
}

export function procSwaps(): string { return 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n'; }

export function procPartitions(): string { return 'major minor  #blocks  name\n\n'; }
