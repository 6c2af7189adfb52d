// Memory-management calls on a process's address space with Linux's rules (mm/mmap.c, mm/mremap.c,
// mm/mprotect.c, mm/madvise.c, arch/x86/kernel/sys_x86_64.c): argument checks in Linux's order,
// hint handling and top-down placement with the stack guard gap, MAP_FIXED_NOREPLACE, brk limits
// and stack growth on faults. Everything throws Errno; success returns the address.

import { AddressSpace, Vma, VMA_GROWSDOWN, VMA_SHARED } from '../cpu/memory.js';
import { PAGE_SIZE } from '../cpu/frames.js';
import { Errno, EACCES, EEXIST, EFAULT, EINVAL, ENOMEM, EOPNOTSUPP, EOVERFLOW, EPERM } from './errno.js';
import type { OpenFile } from './file.js';
import {
  MADV_COLD, MADV_DODUMP, MADV_DOFORK, MADV_DONTDUMP, MADV_DONTFORK, MADV_DONTNEED, MADV_DONTNEED_LOCKED,
  MADV_FREE, MADV_HUGEPAGE, MADV_KEEPONFORK, MADV_MERGEABLE, MADV_NOHUGEPAGE, MADV_NORMAL, MADV_PAGEOUT,
  MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_RANDOM, MADV_REMOVE, MADV_SEQUENTIAL, MADV_UNMERGEABLE,
  MADV_WILLNEED, MADV_WIPEONFORK, MADV_COLLAPSE,
  MAP_32BIT, MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_GROWSDOWN, MAP_PRIVATE, MAP_SHARED,
  MAP_SHARED_VALIDATE, MAP_TYPE, MMAP_MIN_ADDR, MREMAP_DONTUNMAP, MREMAP_FIXED, MREMAP_MAYMOVE, PROT_EXEC,
  PROT_GROWSDOWN, PROT_GROWSUP, PROT_READ, PROT_SEM, PROT_WRITE, RLIMIT_DATA, RLIMIT_STACK,
  MAP_DENYWRITE, MAP_EXECUTABLE, MAP_LOCKED, MAP_NORESERVE, MAP_POPULATE, MAP_NONBLOCK, MAP_STACK,
  MAP_HUGETLB, MAP_SYNC, MAP_UNINITIALIZED, READ_IMPLIES_EXEC,
} from './linux.js';
import type { Process } from './process.js';

const STACK_GUARD_GAP = 256 * PAGE_SIZE;
const pageUp = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
const pageDown = (n: number): number => Math.floor(n / PAGE_SIZE) * PAGE_SIZE;

/** TASK_SIZE of the process: the end of user space (one page below 2^47 / IA32_PAGE_OFFSET). */
export function taskSize(p: Process): number { return p.mode64 ? 0x7ffffffff000 : 0xffffe000; }
/** TASK_UNMAPPED_BASE: where bottom-up (legacy) placement starts. */
function unmappedBase(p: Process): number { return pageUp(Math.floor(taskSize(p) / 3)); }

function startGap(v: Vma): number {
  return v.flags & VMA_GROWSDOWN ? Math.max(0, v.start - STACK_GUARD_GAP) : v.start;
}

/** First VMA whose end is above addr. */
function vmaAfter(mem: AddressSpace, addr: number): { prev?: Vma; next?: Vma } {
  let prev: Vma | undefined;
  for (const v of mem.vmas) {
    if (v.end > addr) return { prev, next: v };
    prev = v;
  }
  return { prev };
}

/** vm_unmapped_area, top-down: the highest gap of len bytes in [low, high). */
function topDown(mem: AddressSpace, len: number, low: number, high: number): number {
  let gapEnd = high;
  const vmas = mem.vmas;
  for (let i = vmas.length - 1; i >= -1; i--) {
    const v = vmas[i];
    const gapStart = v ? v.end : low;
    if (v && v.end > high) { gapEnd = Math.min(gapEnd, startGap(v)); continue; }
    const s = Math.max(gapStart, low);
    if (gapEnd - s >= len) return gapEnd - len;
    if (v) gapEnd = Math.min(gapEnd, startGap(v));
    if (gapEnd < low) break;
  }
  return -1;
}

/** vm_unmapped_area, bottom-up: the lowest gap of len bytes in [low, high). */
function bottomUp(mem: AddressSpace, len: number, low: number, high: number): number {
  let gapStart = low;
  for (const v of mem.vmas) {
    if (v.end <= low) continue;
    const gapEnd = Math.min(startGap(v), high);
    if (gapEnd - gapStart >= len && gapEnd >= gapStart) return gapStart;
    gapStart = Math.max(gapStart, v.end);
    if (gapStart >= high) return -1;
  }
  return high - gapStart >= len ? gapStart : -1;
}

/** True when [addr, addr+len) is free, including the guard gap below a stack. */
function hintFree(mem: AddressSpace, addr: number, len: number): boolean {
  const { prev, next } = vmaAfter(mem, addr);
  void prev;
  return !next || addr + len <= startGap(next);
}

/** get_unmapped_area for a non-fixed request. */
export function unmappedArea(p: Process, addr: number, len: number, flags: number): number {
  const mem = p.mem;
  const ts = taskSize(p);
  if (len > ts) throw new Errno(ENOMEM);
  const low = Math.max(PAGE_SIZE, MMAP_MIN_ADDR);
  if (p.mode64 && (flags & MAP_32BIT)) {
    if (addr && addr + len <= ts && hintFree(mem, pageDown(addr), len)) return pageDown(addr);
    const a = bottomUp(mem, len, 0x40000000, 0x80000000);
    if (a < 0) throw new Errno(ENOMEM);
    return a;
  }
  if (addr) {
    addr = pageDown(addr);
    if (ts - len >= addr && hintFree(mem, addr, len)) return addr;
  }
  let a = topDown(mem, len, low, mem.mmapBase);
  if (a < 0) a = bottomUp(mem, len, unmappedBase(p), ts);
  if (a < 0) throw new Errno(ENOMEM);
  return a;
}

const KNOWN_MAP_FLAGS = MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_32BIT | MAP_GROWSDOWN | MAP_DENYWRITE |
  MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB |
  MAP_SYNC | MAP_FIXED_NOREPLACE | MAP_UNINITIALIZED;

/** mmap(2). `file` is null for MAP_ANONYMOUS; the caller has checked the fd (EBADF). */
export function mmap(p: Process, addr: number, len: number, prot: number, flags: number, file: OpenFile | null, off: number): number {
  const mem = p.mem;
  if (off % PAGE_SIZE !== 0) throw new Errno(EINVAL);                // sys_mmap
  if (flags & MAP_HUGETLB) throw new Errno(EINVAL);                  // no hugetlbfs
  if (len === 0) throw new Errno(EINVAL);
  // do_mmap (file systems mounted noexec are not modelled, so no exception for them)
  if ((prot & PROT_READ) && (p.personality & READ_IMPLIES_EXEC)) prot |= PROT_EXEC;
  if (!(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))) {
    addr = pageDown(addr);
    if (addr && addr < MMAP_MIN_ADDR) addr = pageUp(MMAP_MIN_ADDR);
  }
  const plen = pageUp(len);
  if (plen > Number.MAX_SAFE_INTEGER || plen === 0) throw new Errno(ENOMEM);
  if (off / PAGE_SIZE + plen / PAGE_SIZE > 2 ** 52) throw new Errno(EOVERFLOW);
  const ts = taskSize(p);
  const type = flags & MAP_TYPE;
  if (type === MAP_SHARED_VALIDATE && (flags & ~KNOWN_MAP_FLAGS)) throw new Errno(EOPNOTSUPP);

  // get_unmapped_area
  let start: number;
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {         // NOREPLACE implies FIXED (do_mmap)
    if (plen > ts) throw new Errno(ENOMEM);
    if (addr > ts - plen) throw new Errno(ENOMEM);
    if (addr % PAGE_SIZE !== 0) throw new Errno(EINVAL);
    if (addr < MMAP_MIN_ADDR && p.euid !== 0) throw new Errno(EPERM);  // security_mmap_addr: CAP_SYS_RAWIO
    start = addr;
    if ((flags & MAP_FIXED_NOREPLACE) && !mem.isFree(start, start + plen)) throw new Errno(EEXIST);
  } else {
    start = unmappedArea(p, addr, plen, flags);
  }

  let vflags = 0;
  if (file) {
    switch (type) {
      case MAP_SHARED: case MAP_SHARED_VALIDATE:
        if ((prot & PROT_WRITE) && !file.writable) throw new Errno(EACCES);
        if (!file.readable) throw new Errno(EACCES);
        vflags |= VMA_SHARED;
        break;
      case MAP_PRIVATE:
        if (!file.readable) throw new Errno(EACCES);
        break;
      default: throw new Errno(EINVAL);
    }
  } else {
    switch (type) {
      case MAP_SHARED: case MAP_SHARED_VALIDATE: vflags |= VMA_SHARED; break;
      case MAP_PRIVATE: break;
      default: throw new Errno(EINVAL);
    }
  }
  if (flags & MAP_GROWSDOWN) vflags |= VMA_GROWSDOWN;
  const backing = file ? file.backing() : undefined;
  mem.map(start, plen, prot & (PROT_READ | PROT_WRITE | PROT_EXEC), vflags, '', backing, file ? off : 0);
  if (file && !p.mapped.has(file)) { p.mapped.add(file.ref()); }
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) sweepMapped(p);
  return start;
}

/** Drops the references of files no mapping uses any more. */
export function sweepMapped(p: Process): void {
  if (p.mapped.size === 0) return;
  const used = new Set<unknown>();
  for (const v of p.mem.vmas) if (v.backing) used.add(v.backing);
  for (const f of p.mapped) {
    let inUse = used.has(f);
    if (!inUse) { try { inUse = used.has(f.backing()); } catch { /* not mappable */ } }
    if (!inUse) { p.mapped.delete(f); f.unref(); }
  }
}

export function munmap(p: Process, addr: number, len: number): number {
  const ts = taskSize(p);
  if (addr % PAGE_SIZE !== 0 || addr > ts || len > ts - addr) throw new Errno(EINVAL);
  const plen = pageUp(len);
  if (plen === 0) throw new Errno(EINVAL);
  p.mem.unmap(addr, plen);
  sweepMapped(p);
  return 0;
}

export function mprotect(p: Process, start: number, len: number, prot: number): number {
  if (start % PAGE_SIZE !== 0) throw new Errno(EINVAL);
  if (len === 0) return 0;
  const plen = pageUp(len);
  if (start + plen <= start) throw new Errno(ENOMEM);
  const grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
  prot &= ~grows;
  if (grows === (PROT_GROWSDOWN | PROT_GROWSUP)) throw new Errno(EINVAL);
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)) throw new Errno(EINVAL);
  if ((prot & PROT_READ) && (p.personality & READ_IMPLIES_EXEC)) prot |= PROT_EXEC;
  if (start + plen > p.mem.limit) throw new Errno(ENOMEM);
  // Shared file mappings of files not opened for writing cannot become writable.
  if (prot & PROT_WRITE) {
    for (const v of p.mem.vmas) {
      if (v.end <= start || v.start >= start + plen) continue;
      const f = v.backing as unknown as OpenFile | undefined;
      if (f && (v.flags & VMA_SHARED) && 'writable' in f && !f.writable) throw new Errno(EACCES);
    }
  }
  if (!p.mem.protect(start, plen, prot & (PROT_READ | PROT_WRITE | PROT_EXEC))) throw new Errno(ENOMEM);
  return 0;
}

/**
 * Moves the pages of [from, from+len) to [to, ...) without copying: the page-table entries move.
 * AddressSpace has no API for this yet, so this reaches into its page table; the fallback copies.
 */
export function mremap(p: Process, addr: number, oldLen: number, newLen: number, flags: number, newAddr: number): number {
  const mem = p.mem;
  const ts = taskSize(p);
  if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) throw new Errno(EINVAL);
  if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) throw new Errno(EINVAL);
  if ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || oldLen !== newLen)) throw new Errno(EINVAL);
  if (addr % PAGE_SIZE !== 0) throw new Errno(EINVAL);
  oldLen = pageUp(oldLen);
  newLen = pageUp(newLen);
  if (newLen === 0) throw new Errno(EINVAL);

  const vma = mem.findVma(addr);
  if (flags & MREMAP_FIXED) {
    if (newAddr % PAGE_SIZE !== 0) throw new Errno(EINVAL);
    if (newLen > ts || newAddr > ts - newLen) throw new Errno(EINVAL);
    if (newAddr < addr + oldLen && addr < newAddr + newLen) throw new Errno(EINVAL);   // overlap
    if (!vma) throw new Errno(EFAULT);
    if (oldLen === 0 && !(vma.flags & VMA_SHARED)) throw new Errno(EINVAL);
    if (addr + oldLen > vma.end) throw new Errno(EFAULT);
    mem.unmap(newAddr, newLen);
    if (oldLen > newLen) { mem.unmap(addr + newLen, oldLen - newLen); oldLen = newLen; }
    return moveVma(p, vma, addr, oldLen, newAddr, newLen, !!(flags & MREMAP_DONTUNMAP));
  }

  if (oldLen >= newLen && !(flags & MREMAP_DONTUNMAP)) {
    if (!vma) throw new Errno(EFAULT);
    if (oldLen > newLen) { mem.unmap(addr + newLen, oldLen - newLen); sweepMapped(p); }
    return addr;
  }
  if (!vma) throw new Errno(EFAULT);
  if (oldLen === 0 && !(vma.flags & VMA_SHARED)) throw new Errno(EINVAL);
  if (addr + oldLen > vma.end) throw new Errno(EFAULT);

  // Grow in place when the VMA ends here and the space after it is free.
  if (addr + oldLen === vma.end && !(flags & MREMAP_DONTUNMAP)) {
    const { next } = vmaAfter(mem, vma.end);
    const end = addr + newLen;
    if (end <= ts && (!next || end <= startGap(next))) {
      vma.end = end;
      mem.flushTlb();
      return addr;
    }
  }
  if (!(flags & MREMAP_MAYMOVE)) throw new Errno(ENOMEM);
  const dest = unmappedArea(p, 0, newLen, vma.flags & VMA_SHARED ? MAP_SHARED : MAP_PRIVATE);
  return moveVma(p, vma, addr, oldLen, dest, newLen, !!(flags & MREMAP_DONTUNMAP));
}

function moveVma(p: Process, vma: Vma, addr: number, oldLen: number, dest: number, newLen: number, dontUnmap: boolean): number {
  const mem = p.mem;
  const offset = vma.offset + (addr - vma.start);
  const { prot, flags, name, backing } = vma;
  // the frames move with the mapping; MREMAP_DONTUNMAP copies instead (the old range stays mapped)
  const moved = dontUnmap ? null : mem.takePages(addr, dest, oldLen);
  let copy: Uint8Array | null = null;
  if (dontUnmap) {
    mem.protect(addr, oldLen, prot | PROT_READ);
    copy = mem.readBytes(addr, oldLen);
    mem.protect(addr, oldLen, prot);
    // The old range stays mapped but empty (anonymous pages read as zero again).
    mem.map(addr, oldLen, prot, flags, name, backing, offset);
  } else {
    mem.unmap(addr, oldLen);
  }
  mem.map(dest, newLen, prot, flags, name, backing, offset);
  if (moved) mem.putPages(moved);
  if (copy) mem.poke(dest, copy);
  sweepMapped(p);
  return dest;
}

const KNOWN_ADVICE = new Set([MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE,
  MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK, MADV_MERGEABLE, MADV_UNMERGEABLE, MADV_HUGEPAGE, MADV_NOHUGEPAGE,
  MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT, MADV_POPULATE_READ,
  MADV_POPULATE_WRITE, MADV_DONTNEED_LOCKED, MADV_COLLAPSE]);

export function madvise(p: Process, start: number, len: number, advice: number): number {
  if (!KNOWN_ADVICE.has(advice)) throw new Errno(EINVAL);
  if (start % PAGE_SIZE !== 0) throw new Errno(EINVAL);
  const plen = pageUp(len);
  if (len !== 0 && plen === 0) throw new Errno(EINVAL);
  const end = start + plen;
  if (end < start) throw new Errno(EINVAL);
  if (end === start) return 0;
  const mem = p.mem;
  const pieces = mem.vmas.filter((v) => v.end > start && v.start < end).map((v) => ({ ...v }));
  const unmapped = !mem.isMapped(start, end);
  if (advice === MADV_DONTNEED || advice === MADV_FREE || advice === MADV_DONTNEED_LOCKED) {
    for (const v of pieces) {
      if (v.flags & VMA_SHARED) continue;                 // shared pages keep their contents
      if (advice === MADV_FREE && v.backing) throw new Errno(EINVAL);
      const s = Math.max(v.start, start), e = Math.min(v.end, end);
      // Re-mapping drops the pages: anonymous memory reads back as zeros, file pages re-read the file.
      mem.map(s, e - s, v.prot, v.flags, v.name, v.backing, v.offset + (s - v.start));
    }
  } else if (advice === MADV_POPULATE_READ || advice === MADV_POPULATE_WRITE) {
    if (unmapped) throw new Errno(ENOMEM);
    for (const v of pieces) {
      const s = Math.max(v.start, start), e = Math.min(v.end, end);
      const need = advice === MADV_POPULATE_WRITE ? PROT_WRITE : PROT_READ;
      if (!(v.prot & need)) throw new Errno(EFAULT);
      for (let a = s; a < e; a += PAGE_SIZE) mem.translate(a, advice === MADV_POPULATE_WRITE);
    }
  } else if (advice === MADV_REMOVE) {
    for (const v of pieces) if (!(v.flags & VMA_SHARED)) throw new Errno(EINVAL);
  }
  if (unmapped) throw new Errno(ENOMEM);
  return 0;
}

/** brk(2): returns the new break, or the old one when the request cannot be met. */
export function brk(p: Process, want: number): number {
  const mem = p.mem;
  const orig = mem.brk;
  const min = mem.brkStart;
  if (want < min) return orig;
  const dataLimit = p.limit(RLIMIT_DATA);
  if (Number.isFinite(dataLimit) && want - mem.brkStart > dataLimit) return orig;
  const newbrk = pageUp(want);
  const oldbrk = pageUp(mem.brk);
  if (oldbrk === newbrk) { mem.brk = want; return want; }
  if (want <= mem.brk) {
    mem.brk = want;
    mem.unmap(newbrk, oldbrk - newbrk);
    return want;
  }
  const { next } = vmaAfter(mem, oldbrk);
  if (next && next.start < newbrk + PAGE_SIZE + STACK_GUARD_GAP && newbrk + PAGE_SIZE > startGap(next)) return orig;
  if (newbrk > taskSize(p)) return orig;
  // Extend the [heap] VMA when it ends at the old break; else map a new one.
  const heap = mem.vmas.find((v) => v.end === oldbrk && v.name === '[heap]');
  if (heap) {
    heap.end = newbrk;
    mem.flushTlb();
  } else {
    mem.map(oldbrk, newbrk - oldbrk, PROT_READ | PROT_WRITE, 0, '[heap]');
  }
  mem.brk = want;
  return want;
}

/**
 * The page-fault side of a growing-down stack: a fault just below a VM_GROWSDOWN mapping extends
 * it (within RLIMIT_STACK and the guard gap). Returns true when the faulting access can be retried.
 */
export function expandStack(p: Process, addr: number): boolean {
  const mem = p.mem;
  const { prev, next } = vmaAfter(mem, addr);
  if (!next || !(next.flags & VMA_GROWSDOWN) || addr >= next.start) return false;
  const newStart = pageDown(addr);
  const size = next.end - newStart;
  const lim = p.limit(RLIMIT_STACK);
  if (Number.isFinite(lim) && size > lim) return false;
  if (prev && prev.end + STACK_GUARD_GAP > newStart && !(prev.flags & VMA_GROWSDOWN)) return false;
  if (newStart < MMAP_MIN_ADDR) return false;
  next.start = newStart;
  // Keep the VMA list's order invariant (it was sorted by start; next stays after prev).
  mem.flushTlb();
  return true;
}
