// A guest virtual address space: the VMA list (what /proc/self/maps shows), a page table from
// virtual page numbers to frames of the pool, and a software TLB in front of it.
// Addresses are plain JS numbers (exact up to 2^53; user space ends at 2^47).
// Pages are populated on first touch (demand paging), so a program can reserve gigabytes.
// Accesses that fault throw a GuestFault; the CPU loop turns it into SIGSEGV and the
// syscall layer into EFAULT.

import { FramePool, PAGE_SIZE } from './frames.js';

export const PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
// VMA flags (ours; the kernel translates Linux MAP_* into these)
export const VMA_SHARED = 1, VMA_GROWSDOWN = 2, VMA_STACK = 4;

const P_COW = 8;                 // pte bit: frame shared copy-on-write
const TLB_SIZE = 1024;
const TLB_MASK = TLB_SIZE - 1;
const TWO32 = 4294967296;

/** Something that can fill a page of a file-backed mapping (the kernel's open file). */
export interface Backing {
  /** Copies up to len bytes of the file at `offset` to dst[dstOff..]; returns bytes copied (short at EOF). */
  readInto(offset: number, dst: Uint8Array, dstOff: number, len: number): number;
  /** Name shown in /proc/self/maps, and device/inode numbers for it. */
  readonly path: string;
  readonly dev?: number;
  readonly ino?: number;
}

export interface Vma {
  start: number;
  end: number;
  prot: number;
  flags: number;
  /** '[heap]', '[stack]', '[vdso]' or '' for anonymous; file mappings use backing.path */
  name: string;
  backing?: Backing;
  offset: number;                // file offset of `start`
}

/** A guest access to an address that is not mapped (maperr) or not allowed (accerr). */
export class GuestFault {
  constructor(
    readonly addr: number,
    readonly write: boolean,
    readonly exec: boolean,
    readonly maperr: boolean,
  ) {}
}

export class AddressSpace {
  readonly u8: Uint8Array;
  readonly dv: DataView;
  vmas: Vma[] = [];
  private pt = new Map<number, number>();
  private rTag = new Float64Array(TLB_SIZE).fill(NaN);   // NaN never equals a page number
  private rBase = new Float64Array(TLB_SIZE);
  private wTag = new Float64Array(TLB_SIZE).fill(NaN);
  private wBase = new Float64Array(TLB_SIZE);
  /** Pages holding decoded code: writes to them go the slow way and call onCodeWrite. */
  private codePages = new Set<number>();
  onCodeWrite: ((vpn: number) => void) | null = null;
  /** Decoded-block cache of the CPU (owned by cpu/cpu.ts; shared by all threads of the space).
   *  Empty it with clearBlocks(): blocks can be linked to each other and must learn they are stale. */
  readonly blocks = new Map<number, { valid: boolean }>();
  /** High 32 bits of the last read64(). */
  hi = 0;
  /** Start of the heap and the current break (kept here so /proc and mm syscalls agree). */
  brkStart = 0;
  brk = 0;
  /** Where top-down mmap placement starts (below the stack gap). */
  mmapBase = 0x7ffff7fff000;
  /** Largest address (exclusive) of this space: 2^47 for x86-64, 2^32 for i386. */
  limit = 0x800000000000;

  constructor(readonly pool: FramePool) {
    this.u8 = pool.u8;
    this.dv = pool.dv;
  }

  // ---- the hot path -------------------------------------------------------------------------

  read8(addr: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const s = vpn & TLB_MASK;
    if (this.rTag[s] === vpn) return this.u8[this.rBase[s] + (addr - vpn * PAGE_SIZE)];
    return this.u8[this.translate(addr, false)];
  }

  read16(addr: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const s = vpn & TLB_MASK;
    const off = addr - vpn * PAGE_SIZE;
    if (this.rTag[s] === vpn && off <= PAGE_SIZE - 2) return this.dv.getUint16(this.rBase[s] + off, true);
    return this.read8(addr) | (this.read8(addr + 1) << 8);
  }

  /** Signed 32-bit result. */
  read32(addr: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const s = vpn & TLB_MASK;
    const off = addr - vpn * PAGE_SIZE;
    if (this.rTag[s] === vpn && off <= PAGE_SIZE - 4) return this.dv.getInt32(this.rBase[s] + off, true);
    return this.read16(addr) | (this.read16(addr + 2) << 16);
  }

  /** Returns the low 32 bits (signed); the high 32 bits are left in this.hi. */
  read64(addr: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const s = vpn & TLB_MASK;
    const off = addr - vpn * PAGE_SIZE;
    if (this.rTag[s] === vpn && off <= PAGE_SIZE - 8) {
      const p = this.rBase[s] + off;
      this.hi = this.dv.getInt32(p + 4, true);
      return this.dv.getInt32(p, true);
    }
    const lo = this.read32(addr);
    this.hi = this.read32(addr + 4);
    return lo;
  }

  write8(addr: number, v: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const s = vpn & TLB_MASK;
    if (this.wTag[s] === vpn) { this.u8[this.wBase[s] + (addr - vpn * PAGE_SIZE)] = v; return; }
    this.u8[this.translate(addr, true)] = v;
  }

  write16(addr: number, v: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const s = vpn & TLB_MASK;
    const off = addr - vpn * PAGE_SIZE;
    if (this.wTag[s] === vpn && off <= PAGE_SIZE - 2) { this.dv.setUint16(this.wBase[s] + off, v, true); return; }
    this.checkWritable(addr, 2);
    this.write8(addr, v);
    this.write8(addr + 1, v >> 8);
  }

  write32(addr: number, v: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const s = vpn & TLB_MASK;
    const off = addr - vpn * PAGE_SIZE;
    if (this.wTag[s] === vpn && off <= PAGE_SIZE - 4) { this.dv.setInt32(this.wBase[s] + off, v, true); return; }
    this.checkWritable(addr, 4);
    for (let k = 0; k < 4; k++) this.write8(addr + k, v >> (8 * k));
  }

  write64(addr: number, lo: number, hi: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const s = vpn & TLB_MASK;
    const off = addr - vpn * PAGE_SIZE;
    if (this.wTag[s] === vpn && off <= PAGE_SIZE - 8) {
      const p = this.wBase[s] + off;
      this.dv.setInt32(p, lo, true);
      this.dv.setInt32(p + 4, hi, true);
      return;
    }
    this.checkWritable(addr, 8);
    this.write32(addr, lo);
    this.write32(addr + 4, hi);
  }

  /** Byte fetch for the decoder: needs PROT_EXEC. */
  fetch8(addr: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const pte = this.pte(vpn, addr, false, true);
    return this.u8[Math.floor(pte / 16) * PAGE_SIZE + (addr - vpn * PAGE_SIZE)];
  }

  /** Marks the page of `addr` as holding decoded code (writes to it invalidate the cache). */
  markCode(addr: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    if (this.codePages.has(vpn)) return;
    this.codePages.add(vpn);
    const s = vpn & TLB_MASK;
    if (this.wTag[s] === vpn) this.wTag[s] = NaN;
  }

  // ---- bulk access for the kernel ----------------------------------------------------------

  /** Faults (as a write) unless [addr, addr+len) is writable: read-modify-write instructions
   *  probe before reading so a fault leaves registers and flags untouched, as on hardware. */
  probeWrite(addr: number, len: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    if (this.wTag[vpn & TLB_MASK] === vpn && addr - vpn * PAGE_SIZE <= PAGE_SIZE - len) return;
    this.checkWritable(addr, len);
  }

  /** Throws GuestFault before any byte is written if [addr, addr+len) is not all writable. */
  checkWritable(addr: number, len: number): void {
    // at least once: beyond 2^53 (non-canonical addresses) addr + len may round down to addr
    let a = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
    do { this.translate(Math.max(a, addr), true); a += PAGE_SIZE; } while (a < addr + len);
  }

  readBytes(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const n = Math.min(len - done, PAGE_SIZE - (a % PAGE_SIZE));
      const p = this.translate(a, false);
      out.set(this.u8.subarray(p, p + n), done);
      done += n;
    }
    return out;
  }

  writeBytes(addr: number, data: Uint8Array): void {
    this.checkWritable(addr, data.length);
    let done = 0;
    while (done < data.length) {
      const a = addr + done;
      const n = Math.min(data.length - done, PAGE_SIZE - (a % PAGE_SIZE));
      const p = this.translate(a, true);
      this.u8.set(data.subarray(done, done + n), p);
      done += n;
    }
  }

  /** Writes ignoring page protection (the loader filling read-only segments, the vDSO). */
  poke(addr: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) {
      const a = addr + done;
      const n = Math.min(data.length - done, PAGE_SIZE - (a % PAGE_SIZE));
      const vpn = Math.floor(a / PAGE_SIZE);
      let pte = this.pte(vpn, a, false, false, true);
      if (pte & P_COW) pte = this.breakCow(vpn, pte);
      const p = Math.floor(pte / 16) * PAGE_SIZE + (a - vpn * PAGE_SIZE);
      this.u8.set(data.subarray(done, done + n), p);
      if (this.codePages.has(vpn)) this.codeWritten(vpn);
      done += n;
    }
  }

  fill(addr: number, len: number, value: number): void {
    this.writeBytes(addr, new Uint8Array(len).fill(value));
  }

  /** A NUL-terminated string (without the NUL), at most `max` bytes. */
  readCString(addr: number, max = 4096): Uint8Array {
    const bytes: number[] = [];
    for (let i = 0; i < max; i++) {
      const b = this.read8(addr + i);
      if (b === 0) return Uint8Array.from(bytes);
      bytes.push(b);
    }
    return Uint8Array.from(bytes);
  }

  // ---- mappings -------------------------------------------------------------------------------

  /** Maps [start, start+len) (page aligned) replacing whatever was there (MAP_FIXED semantics). */
  map(start: number, len: number, prot: number, flags: number, name: string, backing?: Backing, offset = 0): Vma {
    len = pageUp(len);
    this.unmap(start, len);
    const vma: Vma = { start, end: start + len, prot, flags, name, backing, offset };
    const i = this.vmas.findIndex((v) => v.start > start);
    if (i < 0) this.vmas.push(vma); else this.vmas.splice(i, 0, vma);
    return vma;
  }

  unmap(start: number, len: number): void {
    const end = start + pageUp(len);
    const out: Vma[] = [];
    for (const v of this.vmas) {
      if (v.end <= start || v.start >= end) { out.push(v); continue; }
      if (v.start < start) out.push({ ...v, end: start });
      if (v.end > end) out.push({ ...v, start: end, offset: v.offset + (end - v.start) });
    }
    this.vmas = out;
    for (const [vpn, pte] of this.pt) {
      const a = vpn * PAGE_SIZE;
      if (a >= start && a < end) {
        this.pool.unref(Math.floor(pte / 16));
        this.pt.delete(vpn);
        if (this.codePages.has(vpn)) this.codeWritten(vpn);
      }
    }
    this.flushTlb();
  }

  /** mprotect: false when part of the range is unmapped (ENOMEM). */
  protect(start: number, len: number, prot: number): boolean {
    const end = start + pageUp(len);
    if (!this.isMapped(start, end)) return false;
    const out: Vma[] = [];
    for (const v of this.vmas) {
      if (v.end <= start || v.start >= end) { out.push(v); continue; }
      if (v.start < start) out.push({ ...v, end: start });
      const s = Math.max(v.start, start), e = Math.min(v.end, end);
      out.push({ ...v, start: s, end: e, prot, offset: v.offset + (s - v.start) });
      if (v.end > end) out.push({ ...v, start: end, offset: v.offset + (end - v.start) });
    }
    this.vmas = out;
    for (const [vpn, pte] of this.pt) {
      const a = vpn * PAGE_SIZE;
      if (a >= start && a < end) {
        this.pt.set(vpn, pte - (pte & 7) + prot);
        if (!(prot & PROT_EXEC) && this.codePages.has(vpn)) this.codeWritten(vpn);
      }
    }
    this.flushTlb();
    return true;
  }

  /** True when every page of [start, end) lies in some VMA. */
  isMapped(start: number, end: number): boolean {
    let a = start;
    for (const v of this.vmas) {
      if (v.end <= a) continue;
      if (v.start > a) return false;
      a = v.end;
      if (a >= end) return true;
    }
    return a >= end;
  }

  findVma(addr: number): Vma | undefined {
    for (const v of this.vmas) if (addr >= v.start && addr < v.end) return v;
    return undefined;
  }

  /** A free range of `len` bytes: at `hint` if free, else the highest hole below mmapBase. */
  findFree(len: number, hint = 0): number {
    len = pageUp(len);
    if (hint && hint + len <= this.limit && this.isFree(hint, hint + len)) return hint;
    let top = this.mmapBase;
    for (let i = this.vmas.length - 1; i >= -1; i--) {
      const v = this.vmas[i];
      const holeEnd = top;
      const holeStart = v ? v.end : PAGE_SIZE * 16;
      if (v && v.start >= top) continue;
      if (holeEnd - holeStart >= len) return holeEnd - len;
      if (v) top = Math.min(top, v.start);
    }
    return -1;
  }

  isFree(start: number, end: number): boolean {
    return !this.vmas.some((v) => v.start < end && v.end > start);
  }

  /** Detaches the resident pages of [from, from+len) and returns them keyed by their page number
   *  moved to `to` (mremap moves frames instead of copying them). The VMAs are the caller's. */
  takePages(from: number, to: number, len: number): Map<number, number> {
    const moved = new Map<number, number>();
    for (let a = from; a < from + len; a += PAGE_SIZE) {
      const vpn = a / PAGE_SIZE;
      const pte = this.pt.get(vpn);
      if (pte === undefined) continue;
      this.pt.delete(vpn);
      if (this.codePages.has(vpn)) this.codeWritten(vpn);
      moved.set((to + (a - from)) / PAGE_SIZE, pte);
    }
    this.flushTlb();
    return moved;
  }

  /** Installs pages returned by takePages, dropping whatever was resident at those pages. */
  putPages(pages: Map<number, number>): void {
    for (const [vpn, pte] of pages) {
      const old = this.pt.get(vpn);
      if (old !== undefined) this.pool.unref(Math.floor(old / 16));
      this.pt.set(vpn, pte);
    }
    this.flushTlb();
    this.clearBlocks();
  }

  /** A copy-on-write duplicate (fork). */
  fork(): AddressSpace {
    const child = new AddressSpace(this.pool);
    child.vmas = this.vmas.map((v) => ({ ...v }));
    for (const [vpn, pte] of this.pt) {
      const vma = this.findVma(vpn * PAGE_SIZE);
      const shared = vma && (vma.flags & VMA_SHARED);
      const npte = shared ? pte : (pte | P_COW);
      this.pt.set(vpn, npte);
      child.pt.set(vpn, npte);
      this.pool.ref(Math.floor(pte / 16));
    }
    child.brkStart = this.brkStart; child.brk = this.brk;
    child.mmapBase = this.mmapBase; child.limit = this.limit;
    this.flushTlb();
    return child;
  }

  /** Forgets every decoded block (code was written, unmapped or made non-executable). */
  clearBlocks(): void {
    for (const b of this.blocks.values()) b.valid = false;
    this.blocks.clear();
  }

  /** Drops every mapping (exit, exec). */
  destroy(): void {
    for (const pte of this.pt.values()) this.pool.unref(Math.floor(pte / 16));
    this.pt.clear();
    this.vmas = [];
    this.clearBlocks();
    this.codePages.clear();
    this.flushTlb();
  }

  flushTlb(): void {
    this.rTag.fill(NaN);
    this.wTag.fill(NaN);
  }

  /** Resident pages (for /proc statm and tests). */
  get residentPages(): number { return this.pt.size; }

  // ---- the slow path ------------------------------------------------------------------------

  /** Physical byte offset of `addr`, filling the TLB; throws GuestFault. */
  translate(addr: number, write: boolean): number {
    const vpn = Math.floor(addr / PAGE_SIZE);
    let pte = this.pte(vpn, addr, write, false);
    const s = vpn & TLB_MASK;
    if (write) {
      if (pte & P_COW) pte = this.breakCow(vpn, pte);
      if (this.codePages.has(vpn)) this.codeWritten(vpn);
      this.wTag[s] = vpn;
      this.wBase[s] = Math.floor(pte / 16) * PAGE_SIZE;
    }
    this.rTag[s] = vpn;
    this.rBase[s] = Math.floor(pte / 16) * PAGE_SIZE;
    return Math.floor(pte / 16) * PAGE_SIZE + (addr - vpn * PAGE_SIZE);
  }

  /** The page-table entry for vpn, populating it from its VMA on first touch. */
  private pte(vpn: number, addr: number, write: boolean, exec: boolean, force = false): number {
    let pte = this.pt.get(vpn);
    if (pte === undefined) {
      if (addr < 0 || addr >= this.limit) throw new GuestFault(addr, write, exec, true);
      const vma = this.findVma(addr);
      if (!vma) throw new GuestFault(addr, write, exec, true);
      if (!force) this.checkProt(vma.prot, addr, write, exec);
      const frame = this.pool.alloc();
      if (vma.backing) {
        const pageAddr = vpn * PAGE_SIZE;
        vma.backing.readInto(vma.offset + (pageAddr - vma.start), this.u8, frame * PAGE_SIZE, PAGE_SIZE);
      }
      pte = frame * 16 + vma.prot;
      this.pt.set(vpn, pte);
      return pte;
    }
    if (!force) this.checkProt(pte & 7, addr, write, exec);
    return pte;
  }

  private checkProt(prot: number, addr: number, write: boolean, exec: boolean): void {
    const ok = write ? (prot & PROT_WRITE) : exec ? (prot & PROT_EXEC) : (prot & (PROT_READ | PROT_WRITE | PROT_EXEC));
    if (!ok) throw new GuestFault(addr, write, exec, false);
  }

  private breakCow(vpn: number, pte: number): number {
    const frame = Math.floor(pte / 16);
    let nframe = frame;
    if (this.pool.refCount(frame) > 1) {
      nframe = this.pool.alloc();
      this.u8.copyWithin(nframe * PAGE_SIZE, frame * PAGE_SIZE, frame * PAGE_SIZE + PAGE_SIZE);
      this.pool.unref(frame);
    }
    const npte = nframe * 16 + (pte & 7);
    this.pt.set(vpn, npte);
    const s = vpn & TLB_MASK;
    this.rTag[s] = NaN; this.wTag[s] = NaN;
    return npte;
  }

  private codeWritten(vpn: number): void {
    this.codePages.delete(vpn);
    if (this.onCodeWrite) this.onCodeWrite(vpn);
  }
}

export function pageUp(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}

/** Combines a (lo, hi) register pair into an address number (exact below 2^53). */
export function toAddr(lo: number, hi: number): number {
  return (hi >>> 0) * TWO32 + (lo >>> 0);
}
