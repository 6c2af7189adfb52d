// procfs (fs/proc): the zone's processes and kernel state as files. This file is the super block:
// inode numbering and the clocks its nodes show; the tree itself is built in kernel/fs/proc/
// (root.ts: /proc; pid.ts: /proc/<pid> and task/<tid>; sysctl.ts: /proc/sys; one file per
// kind of content, named after the Linux source that renders it).

import type { Kernel } from '../kernel.js';
import { FileSystem, Inode, StatFs, Time } from './inode.js';
import type { ProcDir } from './proc/node.js';
import { buildRoot } from './proc/root.js';
import { randomUuid } from './proc/uuid.js';

export const PROC_SUPER_MAGIC = 0x9fa0;
/** proc_alloc_inum's range (PROC_DYNAMIC_FIRST): fixed entries such as self, cpuinfo, sys. */
const PROC_DYNAMIC_FIRST = 0xf0000000;
/** Above this many remembered per-process inode numbers, those of reaped processes are dropped. */
const INO_PRUNE_AT = 50_000;

export class ProcFs extends FileSystem {
  readonly type = 'proc';
  readonly magic = PROC_SUPER_MAGIC;
  /** /proc/sys/kernel/random/boot_id: one per boot of the zone. */
  readonly bootId: string;
  private nextFixed = PROC_DYNAMIC_FIRST;
  /** Per-process inodes are made afresh at each lookup; their numbers stay the same (get_next_ino
   *  would give new ones after eviction, but stable numbers keep `find -inum` and caches sane). */
  private readonly dynamic = new Map<string, number>();
  private nextDynamic = 4096;
  private readonly rootDir: ProcDir;

  constructor(readonly kernel: Kernel, readonly dev: number) {
    super();
    this.bootId = randomUuid(kernel.host.random);
    this.rootDir = buildRoot(this);
  }

  root(): Inode { return this.rootDir; }

  /** simple_statfs: the device number as f_fsid, no blocks, no inode counts. */
  override statfs(): StatFs { return { ...super.statfs(), fsid: [this.dev >>> 0, Math.floor(this.dev / 2 ** 32)] }; }

  /** A number for an entry that exists as long as the file system (proc_register). */
  fixedIno(): number { return this.nextFixed++; }

  /** The number of a per-process entry, by a key that starts with the pid ("42/task/42/stat"). */
  ino(key: string): number {
    let n = this.dynamic.get(key);
    if (n === undefined) {
      if (this.dynamic.size >= INO_PRUNE_AT) this.prune();
      n = this.nextDynamic++;
      this.dynamic.set(key, n);
    }
    return n;
  }

  private prune(): void {
    for (const key of this.dynamic.keys()) {
      const p = this.kernel.procs.get(parseInt(key, 10));
      if (!p || p.state === 'dead') this.dynamic.delete(key);
    }
  }

  /** A host monotonic time (ms, the kernel's clock) as wall-clock [sec, nsec]. */
  wallTime(monoMs: number): Time {
    const k = this.kernel;
    const [s, ns] = k.host.clock.realtime();
    const ms = s * 1000 + ns / 1e6 - (k.nowMs() - monoMs);
    const sec = Math.floor(ms / 1000);
    return [sec, Math.floor((ms - sec * 1000) * 1e6)];
  }
}

export { procMaps } from './proc/task_mmu.js';
