// /proc/meminfo (fs/proc/meminfo.c meminfo_proc_show, hugetlb_report_meminfo, arch_report_meminfo):
// Linux 6.x's field list. Total and free memory are the host's; anonymous memory is what the
// zone's processes have resident; page-cache, slab and kernel counters this kernel does not have
// read 0.

import type { Kernel } from '../../kernel.js';
import { kbLine, padNum } from './format.js';
import { hasMm } from './task.js';
import { memCounters } from './task_mmu.js';

/** x86-64 VMALLOC_SIZE in kB (32 TiB - 1 kB as Linux prints it). */
const VMALLOC_TOTAL_KB = 34359738367;

function row(label: string, kb: number): string { return kbLine((label + ':').padEnd(16, ' '), kb); }

export function procMeminfo(k: Kernel): string {
  const total = Math.floor(k.host.sys.totalmem() / 1024);
  const free = Math.min(total, Math.floor(k.host.sys.freemem() / 1024));
  let anon = 0, pte = 0, committed = 0;
  for (const p of k.procs.values()) {
    if (!hasMm(p)) continue;
    const c = memCounters(p);
    anon += c.rss * 4;
    pte += c.pteBytes / 1024;
    committed += (c.data + c.stack) * 4;
  }
  const rows: [string, number][] = [
    ['MemTotal', total], ['MemFree', free], ['MemAvailable', free], ['Buffers', 0], ['Cached', 0],
    ['SwapCached', 0], ['Active', anon], ['Inactive', 0], ['Active(anon)', anon], ['Inactive(anon)', 0],
    ['Active(file)', 0], ['Inactive(file)', 0], ['Unevictable', 0], ['Mlocked', 0], ['SwapTotal', 0],
    ['SwapFree', 0], ['Zswap', 0], ['Zswapped', 0], ['Dirty', 0], ['Writeback', 0], ['AnonPages', anon],
    ['Mapped', 0], ['Shmem', 0], ['KReclaimable', 0], ['Slab', 0], ['SReclaimable', 0], ['SUnreclaim', 0],
    ['KernelStack', 0], ['PageTables', pte], ['SecPageTables', 0], ['NFS_Unstable', 0], ['Bounce', 0],
    ['WritebackTmp', 0], ['CommitLimit', Math.floor(total / 2)], ['Committed_AS', committed],
    ['VmallocTotal', VMALLOC_TOTAL_KB], ['VmallocUsed', 0], ['VmallocChunk', 0], ['Percpu', 0],
    ['AnonHugePages', 0], ['ShmemHugePages', 0], ['ShmemPmdMapped', 0], ['FileHugePages', 0],
    ['FilePmdMapped', 0], ['Balloon', 0],
  ];
  let out = rows.map(([l, v]) => row(l, v)).join('');
  out += `HugePages_Total:   ${padNum(0, 5)}\nHugePages_Free:    ${padNum(0, 5)}\n`;
  out += `HugePages_Rsvd:    ${padNum(0, 5)}\nHugePages_Surp:    ${padNum(0, 5)}\n`;
  out += row('Hugepagesize', 2048) + row('Hugetlb', 0);
  // the direct map: all of memory in 2 MiB pages
  out += row('DirectMap4k', 0) + row('DirectMap2M', Math.ceil(total / 2048) * 2048) + row('DirectMap1G', 0);
  return out;
}
