// /proc/cpuinfo (arch/x86/kernel/cpu/proc.c show_cpuinfo), computed from the CPUID the guest sees
// (cpu/ops/misc.ts), so the family, model, caches, address sizes and flags always agree with what
// a program finds by executing CPUID itself. One block per host CPU.

import { cpuid } from '../../../cpu/ops/misc.js';

/** Flag names of the CPUID words Linux prints, by bit (arch/x86/include/asm/cpufeatures.h). */
const WORD0_EDX1 = ['fpu', 'vme', 'de', 'pse', 'tsc', 'msr', 'pae', 'mce', 'cx8', 'apic', '', 'sep', 'mtrr', 'pge',
  'mca', 'cmov', 'pat', 'pse36', 'pn', 'clflush', '', 'dts', 'acpi', 'mmx', 'fxsr', 'sse', 'sse2', 'ss', 'ht', 'tm',
  'ia64', 'pbe'];
const WORD1_EDX81: Record<number, string> = {
  11: 'syscall', 19: 'mp', 20: 'nx', 22: 'mmxext', 25: 'fxsr_opt', 26: 'pdpe1gb', 27: 'rdtscp', 29: 'lm',
  30: '3dnowext', 31: '3dnow',
};
const WORD4_ECX1 = ['pni', 'pclmulqdq', 'dtes64', 'monitor', 'ds_cpl', 'vmx', 'smx', 'est', 'tm2', 'ssse3', 'cid',
  'sdbg', 'fma', 'cx16', 'xtpr', 'pdcm', '', 'pcid', 'dca', 'sse4_1', 'sse4_2', 'x2apic', 'movbe', 'popcnt',
  'tsc_deadline_timer', 'aes', 'xsave', '', 'avx', 'f16c', 'rdrand', 'hypervisor'];
const WORD6_ECX81 = ['lahf_lm', 'cmp_legacy', 'svm', 'extapic', 'cr8_legacy', 'abm', 'sse4a', 'misalignsse',
  '3dnowprefetch', 'osvw', 'ibs', 'xop', 'skinit', 'wdt', '', 'lwp', 'fma4', 'tce', '', 'nodeid_msr', '', 'tbm',
  'topoext', 'perfctr_core', 'perfctr_nb', '', 'bpext', 'ptsc', 'perfctr_llc', 'mwaitx', '', ''];
const WORD9_EBX7 = ['fsgsbase', 'tsc_adjust', 'sgx', 'bmi1', 'hle', 'avx2', '', 'smep', 'bmi2', 'erms', 'invpcid',
  'rtm', 'cqm', '', 'mpx', 'rdt_a', 'avx512f', 'avx512dq', 'rdseed', 'adx', 'smap', 'avx512ifma', '', 'clflushopt',
  'clwb', 'intel_pt', 'avx512pf', 'avx512er', 'avx512cd', 'sha_ni', 'avx512bw', 'avx512vl'];
/** Kernel-defined flags (word 3) true of this CPU: its TSC is a constant 1 GHz clock. */
const WORD3_SYNTHETIC = ['constant_tsc', 'nonstop_tsc', 'cpuid', 'tsc_known_freq'];

function bitsNamed(reg: number, names: string[] | Record<number, string>): string[] {
  const out: string[] = [];
  for (let b = 0; b < 32; b++) {
    const n = (names as Record<number, string>)[b];
    if (n && ((reg >>> b) & 1)) out.push(n);
  }
  return out;
}

/** The flags line, in Linux's word order (0, 1, 3, 4, 6, 9). */
export function cpuFlags(): string[] {
  const l1 = cpuid(1, 0), e1 = cpuid(0x80000001, 0);
  const l7 = cpuid(0, 0)[0] >= 7 ? cpuid(7, 0) : [0, 0, 0, 0];
  return [
    ...bitsNamed(l1[3], WORD0_EDX1), ...bitsNamed(e1[3], WORD1_EDX81), ...WORD3_SYNTHETIC,
    ...bitsNamed(l1[2], WORD4_ECX1), ...bitsNamed(e1[2], WORD6_ECX81), ...bitsNamed(l7[1], WORD9_EBX7),
  ];
}

function brand(): string {
  let s = '';
  for (let leaf = 0x80000002; leaf <= 0x80000004; leaf++) {
    for (const r of cpuid(leaf, 0)) for (let i = 0; i < 4; i++) s += String.fromCharCode((r >>> (8 * i)) & 0xff);
  }
  return s.replace(/\0.*$/s, '').trim();
}

function vendor(): string {
  const [, b, c, d] = cpuid(0, 0);
  let s = '';
  for (const r of [b, d, c]) for (let i = 0; i < 4; i++) s += String.fromCharCode((r >>> (8 * i)) & 0xff);
  return s;
}

/** The clock the guest's RDTSC counts (cpu/ops/misc.ts: 1 GHz). */
const TSC_MHZ = 1000;

export function procCpuinfo(cpus: number): string {
  const sig = cpuid(1, 0)[0];
  const base = (sig >>> 8) & 0xf, ext = (sig >>> 20) & 0xff;
  const family = base === 0xf ? base + ext : base;
  const model = ((sig >>> 4) & 0xf) | (base >= 0x6 ? ((sig >>> 16) & 0xf) << 4 : 0);
  const stepping = sig & 0xf;
  const clflush = ((cpuid(1, 0)[1] >>> 8) & 0xff) * 8;
  const maxExt = cpuid(0x80000000, 0)[0] >>> 0;
  const l2 = maxExt >= 0x80000006 ? cpuid(0x80000006, 0) : [0, 0, 0, 0];
  const cacheKb = l2[2] >>> 16;
  const tlb = ((l2[1] >>> 16) & 0xfff) + (l2[1] & 0xfff);
  const addr = maxExt >= 0x80000008 ? cpuid(0x80000008, 0)[0] : 0x3030;
  const flags = cpuFlags().join(' ');
  let out = '';
  for (let i = 0; i < cpus; i++) {
    out += `processor\t: ${i}\nvendor_id\t: ${vendor()}\ncpu family\t: ${family}\nmodel\t\t: ${model}\n`;
    out += `model name\t: ${brand()}\nstepping\t: ${stepping}\n`;
    out += `cpu MHz\t\t: ${TSC_MHZ.toFixed(3)}\n`;
    if (cacheKb) out += `cache size\t: ${cacheKb} KB\n`;
    out += `physical id\t: 0\nsiblings\t: ${cpus}\ncore id\t\t: ${i}\ncpu cores\t: ${cpus}\n`;
    out += `apicid\t\t: ${i}\ninitial apicid\t: ${i}\nfpu\t\t: yes\nfpu_exception\t: yes\n`;
    out += `cpuid level\t: ${cpuid(0, 0)[0]}\nwp\t\t: yes\nflags\t\t: ${flags}\nbugs\t\t:\n`;
    out += `bogomips\t: ${(TSC_MHZ * 2).toFixed(2)}\n`;
    if (tlb) out += `TLB size\t: ${tlb} 4K pages\n`;
    out += `clflush size\t: ${clflush}\ncache_alignment\t: ${clflush}\n`;
    out += `address sizes\t: ${addr & 0xff} bits physical, ${(addr >>> 8) & 0xff} bits virtual\n`;
    out += 'power management:\n\n';
  }
  return out;
}
