// A process's address space as text (fs/proc/task_mmu.c): maps, smaps, smaps_rollup, and the
// memory counters of status and statm. Resident pages are known only for the whole address space
// (AddressSpace.residentPages), so per-mapping Rss/Pss/... show 0 in smaps; the field list and
// layout are Linux's.

import { PROT_EXEC, PROT_READ, PROT_WRITE, VMA_GROWSDOWN, VMA_SHARED, VMA_STACK, type Vma } from '../../../cpu/memory.js';
import type { Process } from '../../process.js';
import { devParts, hex, kbLine, padNum } from './format.js';
import { hasMm } from './task.js';

const PAGE = 4096;
/** The x86-64 vsyscall page: a gate area every 64-bit process shows at the end of its maps. */
const VSYSCALL_START = 0xffffffffff600000;
const VSYSCALL_END = 0xffffffffff601000;

/** One line of maps: the fields padded to column 73 before the name (show_map_vma, seq_pad). */
function mapLine(start: number, end: number, perms: string, offset: number, dev: number, ino: number, name: string): string {
  const [major, minor] = devParts(dev);
  const line = `${hex(start, 8)}-${hex(end, 8)} ${perms} ${hex(offset, 8)} ${hex(major, 2)}:${hex(minor, 2)} ${ino} `;
  return name ? line.padEnd(73, ' ') + name + '\n' : line + '\n';
}

function perms(v: Vma): string {
  return (v.prot & PROT_READ ? 'r' : '-') + (v.prot & PROT_WRITE ? 'w' : '-') + (v.prot & PROT_EXEC ? 'x' : '-') +
    (v.flags & VMA_SHARED ? 's' : 'p');
}

function vmaLine(v: Vma): string {
  const b = v.backing;
  return mapLine(v.start, v.end, perms(v), b ? v.offset : 0, b?.dev ?? 0, b?.ino ?? 0, b ? b.path : v.name);
}

function vsyscallLine(): string { return mapLine(VSYSCALL_START, VSYSCALL_END, '--xp', 0, 0, 0, '[vsyscall]'); }

function mappings(p: Process): Vma[] { return hasMm(p) ? p.mem.vmas : []; }

/** /proc/<pid>/maps. */
export function procMaps(p: Process): string {
  let out = '';
  for (const v of mappings(p)) out += vmaLine(v);
  if (hasMm(p) && p.mode64) out += vsyscallLine();
  return out;
}

/** VmFlags mnemonics in bit order (show_smap_vma_flags), from what a Vma records. */
function vmFlags(v: Vma | null): string {
  if (!v) return 'ex ';                        // the vsyscall gate: VM_EXEC only
  const shared = !!(v.flags & VMA_SHARED);
  const f: string[] = [];
  if (v.prot & PROT_READ) f.push('rd');
  if (v.prot & PROT_WRITE) f.push('wr');
  if (v.prot & PROT_EXEC) f.push('ex');
  if (shared) f.push('sh');
  f.push('mr');
  // a shared mapping may become writable only if it is now (the file was opened for writing)
  if (!shared || (v.prot & PROT_WRITE)) f.push('mw');
  f.push('me');
  if (shared) f.push('ms');
  if (v.flags & VMA_GROWSDOWN) f.push('gd');
  if (!shared && (v.prot & PROT_WRITE)) f.push('ac');   // VM_ACCOUNT: private writable memory
  return f.map((s) => s + ' ').join('');
}

const SMAPS_FIELDS = ['Rss', 'Pss', 'Pss_Dirty', 'Shared_Clean', 'Shared_Dirty', 'Private_Clean', 'Private_Dirty',
  'Referenced', 'Anonymous', 'KSM', 'LazyFree', 'AnonHugePages', 'ShmemPmdMapped', 'FilePmdMapped',
  'Shared_Hugetlb', 'Private_Hugetlb', 'Swap', 'SwapPss', 'Locked'];

/** "Label:" padded to 16 columns, the value to 8 (SEQ_PUT_DEC). */
function smapsField(name: string, kb: number): string { return kbLine((name + ':').padEnd(16, ' '), kb); }

function smapsEntry(line: string, sizeKb: number, v: Vma | null): string {
  let out = line + smapsField('Size', sizeKb) + smapsField('KernelPageSize', 4) + smapsField('MMUPageSize', 4);
  for (const f of SMAPS_FIELDS) out += smapsField(f, 0);
  out += `THPeligible:    ${padNum(0, 8)}\n`;
  out += `VmFlags: ${vmFlags(v)}\n`;
  return out;
}

/** /proc/<pid>/smaps. */
export function procSmaps(p: Process): string {
  let out = '';
  for (const v of mappings(p)) out += smapsEntry(vmaLine(v), (v.end - v.start) / 1024, v);
  if (hasMm(p) && p.mode64) out += smapsEntry(vsyscallLine(), 4, null);
  return out;
}

/** /proc/<pid>/smaps_rollup: the span of all mappings, then the summed counters. */
export function procSmapsRollup(p: Process): string {
  const vmas = mappings(p);
  if (!vmas.length) return '';
  const line = mapLine(vmas[0].start, vmas[vmas.length - 1].end, '---p', 0, 0, 0, '[rollup]');
  const rss = p.mem.residentPages * 4;
  let out = line;
  for (const f of ['Rss', 'Pss', 'Pss_Dirty', 'Pss_Anon', 'Pss_File', 'Pss_Shmem', ...SMAPS_FIELDS.slice(3)]) {
    const kb = f === 'Rss' || f === 'Pss' || f === 'Pss_Anon' || f === 'Referenced' || f === 'Anonymous' ? rss : 0;
    out += smapsField(f, kb);
  }
  return out;
}

/** The mm_struct counters (pages) that status and statm report. */
export interface MemCounters {
  total: number; data: number; exec: number; stack: number; rss: number; text: number; pteBytes: number;
}

export function memCounters(p: Process): MemCounters {
  const c: MemCounters = { total: 0, data: 0, exec: 0, stack: 0, rss: 0, text: 0, pteBytes: 0 };
  if (!hasMm(p)) return c;
  const pmds = new Set<number>();
  for (const v of p.mem.vmas) {
    const pages = (v.end - v.start) / PAGE;
    c.total += pages;
    const stack = !!(v.flags & (VMA_STACK | VMA_GROWSDOWN));
    const shared = !!(v.flags & VMA_SHARED);
    if (stack) c.stack += pages;
    else if ((v.prot & PROT_WRITE) && !shared) c.data += pages;          // is_data_mapping
    else if ((v.prot & PROT_EXEC) && !(v.prot & PROT_WRITE)) c.exec += pages;   // is_exec_mapping
    for (let a = Math.floor(v.start / 2 ** 21); a * 2 ** 21 < v.end && pmds.size < 1 << 16; a++) pmds.add(a);
  }
  c.rss = p.mem.residentPages;
  const mm = p.image?.mm;
  if (mm && mm.endCode > mm.startCode) c.text = (Math.ceil(mm.endCode / PAGE) * PAGE - Math.floor(mm.startCode / PAGE) * PAGE) / PAGE;
  // page tables: one PTE page per 2 MiB touched (at most one per resident page) plus the upper levels
  c.pteBytes = (Math.min(pmds.size, c.rss) + 3) * PAGE;
  return c;
}

/** task_mem(): the Vm* lines of status. */
export function taskMem(p: Process): string {
  const c = memCounters(p);
  if (!hasMm(p)) return '';
  const kb = (pages: number) => pages * 4;
  const lib = Math.max(0, c.exec - c.text);
  return kbLine('VmPeak:\t', kb(c.total)) + kbLine('VmSize:\t', kb(c.total)) + kbLine('VmLck:\t', 0) +
    kbLine('VmPin:\t', 0) + kbLine('VmHWM:\t', kb(c.rss)) + kbLine('VmRSS:\t', kb(c.rss)) +
    kbLine('RssAnon:\t', kb(c.rss)) + kbLine('RssFile:\t', 0) + kbLine('RssShmem:\t', 0) +
    kbLine('VmData:\t', kb(c.data)) + kbLine('VmStk:\t', kb(c.stack)) + kbLine('VmExe:\t', kb(c.text)) +
    kbLine('VmLib:\t', kb(lib)) + kbLine('VmPTE:\t', c.pteBytes / 1024) + kbLine('VmSwap:\t', 0) +
    kbLine('HugetlbPages:\t', 0);
}

/** /proc/<pid>/statm: size resident shared text lib data dt, in pages (lib and dt are always 0). */
export function procStatm(p: Process): string {
  const c = memCounters(p);
  return `${c.total} ${c.rss} 0 ${c.text} 0 ${c.data + c.stack} 0\n`;
}
