// The vDSO: a small ELF shared object the kernel maps into every process and announces with
// AT_SYSINFO_EHDR (and, for i386, AT_SYSINFO = __kernel_vsyscall), as Linux does
// (arch/x86/entry/vdso). The image is built here, in code, shaped like Linux's: ET_DYN linked at 0,
// one r-x PT_LOAD, PT_DYNAMIC, PT_NOTE (the "Linux" version note and a GNU build id),
// PT_GNU_EH_FRAME; .hash and .gnu.hash, .dynsym/.dynstr, symbol versions (DT_VERSYM/DT_VERDEF
// with "LINUX_2.6", which glibc's dl_vdso_vsym and musl's __vdsosym check), soname
// "linux-vdso.so.1", section headers so binutils and debuggers read it like the real one.
//
// The functions do not read a vvar page: each one makes the real system call (x86-64
// `mov eax, NR; syscall; ret`, i386 cdecl wrappers around `int 0x80`), so the emulator's syscall
// path gives the answers and the return convention is the vDSO's (raw -errno, as Linux's own
// fallback path returns). The [vvar] and [vvar_vclock] pages are still mapped, below [vdso] and
// with Linux's sizes and permissions, so /proc/self/maps and placement match a native run; they
// read as zeros (natively some of those pages raise SIGBUS when touched).
//
// Deliberately absent compared with this machine's 6.18 x86-64 vDSO: __vdso_getrandom/getrandom
// (glibc's vgetrandom needs the kernel's per-process random state in vvar and MAP_DROPPABLE;
// without the symbol glibc uses the getrandom system call).

import { AddressSpace, PROT_EXEC, PROT_READ } from '../cpu/memory.js';
import { PAGE_SIZE } from '../cpu/frames.js';
import { ElfError } from './elf.js';

/** Pages of [vvar] (time, timens, rng, arch data) and [vvar_vclock] (pvclock, hvclock) in 6.x. */
export const VVAR_PAGES = 4;
export const VVAR_VCLOCK_PAGES = 2;
/** The image size: two pages for both ABIs, like Linux's. */
export const VDSO_SIZE = 2 * PAGE_SIZE;
export const VDSO_SONAME = 'linux-vdso.so.1';

// ---- ELF constants used here ----------------------------------------------------------------

const SHT_PROGBITS = 1, SHT_STRTAB = 3, SHT_HASH = 5, SHT_DYNAMIC = 6, SHT_NOTE = 7, SHT_DYNSYM = 11;
const SHT_GNU_HASH = 0x6ffffff6, SHT_GNU_VERDEF = 0x6ffffffd, SHT_GNU_VERSYM = 0x6fffffff;
const SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4;
const DT_HASH = 4, DT_STRTAB = 5, DT_SYMTAB = 6, DT_STRSZ = 10, DT_SYMENT = 11, DT_SONAME = 14;
const DT_SYMBOLIC = 16, DT_FLAGS = 30, DT_GNU_HASH = 0x6ffffef5, DT_VERSYM = 0x6ffffff0;
const DT_FLAGS_1 = 0x6ffffffb, DT_VERDEF = 0x6ffffffc, DT_VERDEFNUM = 0x6ffffffd;
const DF_SYMBOLIC = 2, DF_BIND_NOW = 8, DF_1_NOW = 1;
const PT_LOAD = 1, PT_DYNAMIC = 2, PT_NOTE = 4, PT_GNU_EH_FRAME = 0x6474e550;
const PF_X = 1, PF_R = 4;
const STB_GLOBAL = 1, STB_WEAK = 2, STT_OBJECT = 1, STT_FUNC = 2, SHN_ABS = 0xfff1;
const VER_FLG_BASE = 1;
const NT_GNU_BUILD_ID = 3;

/** The SysV ELF hash (DT_HASH, and vd_hash of a version definition). */
export function elfHash(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) {
    h = ((h << 4) + name.charCodeAt(i)) >>> 0;
    const g = h & 0xf0000000;
    if (g) h ^= g >>> 24;
    h = (h & ~g) >>> 0;
  }
  return h;
}

/** The GNU hash (DT_GNU_HASH): h = h * 33 + c from 5381. */
export function gnuHash(name: string): number {
  let h = 5381;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 33) + name.charCodeAt(i)) >>> 0;
  return h;
}

/** LINUX_VERSION_CODE of a release string: "6.18.44-x" -> 0x06122c (sublevel capped at 255). */
export function linuxVersionCode(release: string | undefined): number {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release ?? '');
  if (!m) return 0x060100;   // 6.1.0, the release the kernel reports when the host gives none
  return (+m[1] << 16) + (Math.min(+m[2], 255) << 8) + Math.min(+(m[3] ?? 0), 255);
}

// ---- the code -------------------------------------------------------------------------------

interface Func {
  name: string;
  code: number[];
  /** Versions index: 2 = LINUX_2.6, 3 = LINUX_2.5 (i386 __kernel_* entry points). */
  version: number;
  /** Unprefixed weak alias exported too (x86-64 only, as Linux's vdso.lds.S). */
  alias?: string;
  /** DWARF call-frame instructions for this function's FDE (after the CIE's initial rules). */
  cfi?: number[];
  /** No FDE (the i386 sigreturn trampolines: unwinders recognise their bytes instead). */
  noFde?: boolean;
  /** Bytes emitted just before the symbol (the nop Linux puts before __kernel_sigreturn). */
  pre?: number[];
}

const imm32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** x86-64: `mov eax, nr; syscall; ret` (the C arguments already sit in rdi, rsi, rdx). */
const sys64 = (nr: number) => [0xb8, ...imm32(nr), 0x0f, 0x05, 0xc3];

/**
 * i386 cdecl wrapper: push ebx; load the n stack arguments into ebx, ecx, edx; mov eax, nr;
 * int 0x80; pop ebx; ret. CFI follows the push and the pop.
 */
function sys32(nr: number, nargs: number): { code: number[]; cfi: number[] } {
  const code = [0x53, 0x8b, 0x5c, 0x24, 0x08];              // push ebx; mov ebx, [esp+8]
  if (nargs >= 2) code.push(0x8b, 0x4c, 0x24, 0x0c);        // mov ecx, [esp+12]
  if (nargs >= 3) code.push(0x8b, 0x54, 0x24, 0x10);        // mov edx, [esp+16]
  code.push(0xb8, ...imm32(nr), 0xcd, 0x80);                // mov eax, nr; int 0x80
  const pop = code.length;
  code.push(0x5b, 0xc3);                                    // pop ebx; ret
  const cfi = [
    0x41, 0x0e, 0x08, 0x83, 0x02,                           // after push: CFA = esp+8, ebx at CFA-8
    0x40 | pop, 0x0e, 0x04, 0xc3,                           // after pop: CFA = esp+4, ebx restored
  ];
  return { code, cfi };
}

/** x86-64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
const NR64 = { gettimeofday: 96, time: 201, clock_gettime: 228, clock_getres: 229, getcpu: 309 };
/** i386 syscall numbers (syscall_32.tbl). */
const NR32 = {
  time: 13, gettimeofday: 78, sigreturn: 119, rt_sigreturn: 173, clock_gettime: 265, clock_getres: 266,
  getcpu: 318, clock_gettime64: 403, clock_getres_time64: 406,
};

function funcs64(): Func[] {
  // The order of arch/x86/entry/vdso/vdso.lds.S's LINUX_2.6 list.
  return [
    { name: '__vdso_clock_gettime', alias: 'clock_gettime', version: 2, code: sys64(NR64.clock_gettime) },
    { name: '__vdso_gettimeofday', alias: 'gettimeofday', version: 2, code: sys64(NR64.gettimeofday) },
    { name: '__vdso_getcpu', alias: 'getcpu', version: 2, code: sys64(NR64.getcpu) },
    { name: '__vdso_time', alias: 'time', version: 2, code: sys64(NR64.time) },
    { name: '__vdso_clock_getres', alias: 'clock_getres', version: 2, code: sys64(NR64.clock_getres) },
  ];
}

function funcs32(): Func[] {
  const f = (name: string, nr: number, nargs: number): Func => ({ name, version: 2, ...sys32(nr, nargs) });
  return [
    // __kernel_vsyscall: what AT_SYSINFO points at; glibc enters every system call through it.
    { name: '__kernel_vsyscall', version: 3, code: [0xcd, 0x80, 0xc3] },            // int 0x80; ret
    // The signal trampolines, byte for byte as vdso32/sigreturn.S (libgcc's fallback unwinder
    // and gdb recognise these exact sequences), with the leading and trailing nops.
    { name: '__kernel_sigreturn', version: 3, noFde: true, pre: [0x90],
      code: [0x58, 0xb8, ...imm32(NR32.sigreturn), 0xcd, 0x80, 0x90] },               // pop eax; mov eax, 119; int 0x80
    { name: '__kernel_rt_sigreturn', version: 3, noFde: true,
      code: [0xb8, ...imm32(NR32.rt_sigreturn), 0xcd, 0x80, 0x90] },                  // mov eax, 173; int 0x80
    f('__vdso_clock_gettime', NR32.clock_gettime, 2),
    f('__vdso_gettimeofday', NR32.gettimeofday, 2),
    f('__vdso_time', NR32.time, 1),
    f('__vdso_clock_getres', NR32.clock_getres, 2),
    f('__vdso_clock_gettime64', NR32.clock_gettime64, 2),
    f('__vdso_clock_getres_time64', NR32.clock_getres_time64, 2),
    f('__vdso_getcpu', NR32.getcpu, 3),
  ];
}

// ---- a little byte writer -------------------------------------------------------------------

class Out {
  buf = new Uint8Array(VDSO_SIZE);
  dv = new DataView(this.buf.buffer);
  pos = 0;
  constructor(readonly is64: boolean) {}
  align(a: number): number { this.pos = Math.ceil(this.pos / a) * a; return this.pos; }
  u8(v: number) { this.buf[this.pos++] = v; }
  u16(v: number) { this.dv.setUint16(this.pos, v, true); this.pos += 2; }
  u32(v: number) { this.dv.setUint32(this.pos, v >>> 0, true); this.pos += 4; }
  i32(v: number) { this.dv.setInt32(this.pos, v, true); this.pos += 4; }
  u64(v: number) { this.u32(v % 4294967296); this.u32(Math.floor(v / 4294967296)); }
  /** d_tag: signed 64-bit in ELF64. */
  s64(v: number) { this.i32(v); this.i32(v < 0 ? -1 : 0); }
  word(v: number) { if (this.is64) this.u64(v); else this.u32(v); }
  bytes(b: ArrayLike<number>) { this.buf.set(b, this.pos); this.pos += b.length; }
  at(pos: number, f: () => void) { const p = this.pos; this.pos = pos; f(); this.pos = p; }
}

function uleb(v: number): number[] {
  const out: number[] = [];
  do { let b = v & 0x7f; v >>>= 7; if (v) b |= 0x80; out.push(b); } while (v);
  return out;
}
function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && (b & 0x40))) { out.push(b); return out; }
    out.push(b | 0x80);
  }
}

class StrTab {
  bytes: number[] = [0];
  private at = new Map<string, number>();
  add(s: string): number {
    const o = this.at.get(s);
    if (o !== undefined) return o;
    const off = this.bytes.length;
    for (let i = 0; i < s.length; i++) this.bytes.push(s.charCodeAt(i));
    this.bytes.push(0);
    this.at.set(s, off);
    return off;
  }
}

// ---- the image ------------------------------------------------------------------------------

export interface VdsoSymbol {
  name: string;
  /** Offset from the image start (= st_value: the image is linked at 0). */
  value: number;
  size: number;
  version: string;
  weak: boolean;
  type: 'func' | 'object';
}

export interface VdsoImage {
  mode64: boolean;
  /** The whole image, VDSO_SIZE bytes, mapped as it is at the [vdso] start. */
  bytes: Uint8Array;
  /** e_entry (i386: __kernel_vsyscall, x86-64: 0 like Linux's). */
  entry: number;
  symbols: VdsoSymbol[];
  /** The LINUX_VERSION_CODE in the "Linux" note. */
  versionCode: number;
}

interface Sym { name: string; value: number; size: number; info: number; shndx: number; ver: number }

/** Builds the vDSO image for x86-64 (ELF64) or i386 (ELF32); `release` feeds the Linux note. */
export function buildVdso(mode64: boolean, release?: string): VdsoImage {
  const o = new Out(mode64);
  const W = mode64 ? 8 : 4;
  const versionCode = linuxVersionCode(release);
  const funcs = mode64 ? funcs64() : funcs32();
  const versions = mode64 ? ['LINUX_2.6'] : ['LINUX_2.6', 'LINUX_2.5'];   // indexes 2, 3
  const ehsize = mode64 ? 64 : 52, phentsize = mode64 ? 56 : 32, shentsize = mode64 ? 64 : 40;
  const symentsize = mode64 ? 24 : 16, dynentsize = 2 * W;
  const PHNUM = 4;

  // Text first (in a scratch buffer) so symbol values are known; it goes after the tables.
  const text: number[] = [];
  const placed: { f: Func; off: number }[] = [];
  for (const f of funcs) {
    while ((text.length + (f.pre?.length ?? 0)) % 16) text.push(0xcc);
    if (f.pre) text.push(...f.pre);
    placed.push({ f, off: text.length });
    text.push(...f.code);
  }

  // Strings and symbols (values patched once .text has an address).
  const dynstr = new StrTab();
  const sonameOff = dynstr.add(VDSO_SONAME);
  const syms: Sym[] = [];
  versions.forEach((v, i) => syms.push({ name: v, value: 0, size: 0, info: (STB_GLOBAL << 4) | STT_OBJECT, shndx: SHN_ABS, ver: i + 2 }));
  const TEXT_SHNDX = 11;
  for (const { f, off } of placed) {
    syms.push({ name: f.name, value: off, size: f.code.length, info: (STB_GLOBAL << 4) | STT_FUNC, shndx: TEXT_SHNDX, ver: f.version });
    if (f.alias) syms.push({ name: f.alias, value: off, size: f.code.length, info: (STB_WEAK << 4) | STT_FUNC, shndx: TEXT_SHNDX, ver: f.version });
  }
  // .gnu.hash wants the hashed symbols grouped by bucket; .hash takes any order, so both use it.
  const nsyms = syms.length + 1;
  const gnuBuckets = nsyms < 8 ? 1 : 3;
  syms.sort((a, b) => (gnuHash(a.name) % gnuBuckets) - (gnuHash(b.name) % gnuBuckets) || (a.name < b.name ? -1 : 1));
  const nameOff = syms.map((s) => dynstr.add(s.name));
  for (const v of versions) dynstr.add(v);

  // ---- headers (filled in at the end) ----
  o.pos = ehsize + PHNUM * phentsize;

  // .hash: nbucket, nchain, buckets, chains.
  const hashAt = o.align(W);
  const nbucket = nsyms < 17 ? 3 : 17;
  const bucket = new Array<number>(nbucket).fill(0), chain = new Array<number>(nsyms).fill(0);
  for (let i = nsyms - 1; i >= 1; i--) {
    const b = elfHash(syms[i - 1].name) % nbucket;
    chain[i] = bucket[b];
    bucket[b] = i;
  }
  o.u32(nbucket); o.u32(nsyms);
  bucket.forEach((v) => o.u32(v)); chain.forEach((v) => o.u32(v));
  const hashSize = o.pos - hashAt;

  // .gnu.hash: nbuckets, symoffset, bloom_size, bloom_shift, bloom words, buckets, chain.
  const gnuAt = o.align(W);
  const symoffset = 1, bloomSize = 1, bloomShift = mode64 ? 6 : 5, C = W * 8;
  const bloom = new Array<number>(bloomSize * (W / 4)).fill(0);   // as 32-bit halves
  const setBit = (word: number, bit: number) => { bloom[word * (W / 4) + (bit >>> 5)] |= 1 << (bit & 31); };
  const gbuckets = new Array<number>(gnuBuckets).fill(0);
  const gchain: number[] = [];
  for (let i = symoffset; i < nsyms; i++) {
    const h = gnuHash(syms[i - 1].name);
    const w = Math.floor(h / C) % bloomSize;
    setBit(w, h % C);
    setBit(w, (h >>> bloomShift) % C);
    const b = h % gnuBuckets;
    if (!gbuckets[b]) gbuckets[b] = i;
    const last = i === nsyms - 1 || gnuHash(syms[i].name) % gnuBuckets !== b;
    gchain.push(((h & ~1) | (last ? 1 : 0)) >>> 0);
  }
  o.u32(gnuBuckets); o.u32(symoffset); o.u32(bloomSize); o.u32(bloomShift);
  bloom.forEach((v) => o.u32(v)); gbuckets.forEach((v) => o.u32(v)); gchain.forEach((v) => o.u32(v));
  const gnuSize = o.pos - gnuAt;

  // .dynsym (written once .text's address is known).
  const dynsymAt = o.align(W);
  o.pos += nsyms * symentsize;

  // .dynstr
  const dynstrAt = o.pos;
  o.bytes(dynstr.bytes);
  const dynstrSize = dynstr.bytes.length;

  // .gnu.version: one half-word per symbol.
  const versymAt = o.align(2);
  o.u16(0);
  for (const s of syms) o.u16(s.ver);

  // .gnu.version_d: the base definition (the soname) then each version.
  const verdefAt = o.align(W);
  const defs = [{ name: VDSO_SONAME, flags: VER_FLG_BASE }, ...versions.map((name) => ({ name, flags: 0 }))];
  defs.forEach((d, i) => {
    o.u16(1); o.u16(d.flags); o.u16(i + 1); o.u16(1);
    o.u32(elfHash(d.name)); o.u32(20); o.u32(i === defs.length - 1 ? 0 : 28);
    o.u32(dynstr.add(d.name)); o.u32(0);
  });
  const verdefSize = o.pos - verdefAt;

  // .dynamic
  const dynAt = o.align(W);
  const dyn: [number, number][] = [
    [DT_SONAME, sonameOff], [DT_SYMBOLIC, 0], [DT_HASH, hashAt], [DT_GNU_HASH, gnuAt],
    [DT_STRTAB, dynstrAt], [DT_SYMTAB, dynsymAt], [DT_STRSZ, dynstrSize], [DT_SYMENT, symentsize],
    [DT_VERDEF, verdefAt], [DT_VERDEFNUM, defs.length], [DT_FLAGS, DF_SYMBOLIC | DF_BIND_NOW],
    [DT_FLAGS_1, DF_1_NOW], [DT_VERSYM, versymAt], [0, 0],
  ];
  for (const [tag, val] of dyn) { if (mode64) o.s64(tag); else o.i32(tag); o.word(val); }
  const dynSize = o.pos - dynAt;

  // .note: the "Linux" version note (LINUX_VERSION_CODE, what vdso/note.S emits) and a build id.
  const noteAt = o.align(4);
  o.u32(6); o.u32(4); o.u32(0); o.bytes([0x4c, 0x69, 0x6e, 0x75, 0x78, 0, 0, 0]); o.u32(versionCode);
  o.u32(4); o.u32(20); o.u32(NT_GNU_BUILD_ID); o.bytes([0x47, 0x4e, 0x55, 0]);
  const buildIdAt = o.pos;
  o.pos += 20;
  const noteSize = o.pos - noteAt;

  // .eh_frame_hdr and .eh_frame: one CIE, one FDE per function (pc-relative sdata4 pointers).
  const fdeFuncs = placed.filter((p) => !p.f.noFde);
  const ehHdrAt = o.align(4);
  const ehHdrSize = 12 + fdeFuncs.length * 8;
  o.pos += ehHdrSize;
  const ehAt = o.align(W);
  // CIE
  const cieInit = mode64 ? [0x0c, 0x07, 0x08, 0x90, 0x01] : [0x0c, 0x04, 0x04, 0x88, 0x01];
  const cieBody = [0, 0, 0, 0, 1, 0x7a, 0x52, 0, ...uleb(1), ...sleb(-W), mode64 ? 16 : 8, ...uleb(1), 0x1b, ...cieInit];
  while ((cieBody.length + 4) % W) cieBody.push(0);
  o.u32(cieBody.length); o.bytes(cieBody);
  // FDEs: pc_begin patched when .text is placed.
  const fdePcAt: number[] = [], fdeAt: number[] = [];
  for (const { f } of fdeFuncs) {
    const instr = f.cfi ?? [];
    let len = 4 + 4 + 4 + 1 + instr.length;
    while ((len + 4) % W) len++;
    fdeAt.push(o.pos);
    o.u32(len);
    o.u32(o.pos - ehAt);                         // CIE pointer: back to the CIE
    fdePcAt.push(o.pos);
    o.pos += 4;                                  // pc_begin
    o.u32(f.code.length);                        // pc_range
    o.u8(0);                                     // augmentation data length
    o.bytes(instr);
    o.pos = fdeAt[fdeAt.length - 1] + 4 + len;   // DW_CFA_nop padding (zeros)
  }
  o.u32(0);                                      // the zero terminator
  const ehSize = o.pos - ehAt;

  // .text
  const textAt = o.align(16);
  o.bytes(text);
  const textSize = text.length;
  const loadEnd = o.pos;

  // Now that .text has an address: symbols, FDE pc_begin, the .eh_frame_hdr table.
  o.at(dynsymAt + symentsize, () => {
    syms.forEach((s, i) => {
      const value = s.shndx === SHN_ABS ? 0 : textAt + s.value;
      if (mode64) {
        o.u32(nameOff[i]); o.u8(s.info); o.u8(0); o.u16(s.shndx); o.u64(value); o.u64(s.size);
      } else {
        o.u32(nameOff[i]); o.u32(value); o.u32(s.size); o.u8(s.info); o.u8(0); o.u16(s.shndx);
      }
    });
  });
  const table: [number, number][] = [];
  fdeFuncs.forEach(({ off }, i) => {
    o.at(fdePcAt[i], () => o.i32(textAt + off - fdePcAt[i]));
    table.push([textAt + off - ehHdrAt, fdeAt[i] - ehHdrAt]);
  });
  table.sort((a, b) => a[0] - b[0]);
  o.at(ehHdrAt, () => {
    o.u8(1); o.u8(0x1b); o.u8(0x03); o.u8(0x3b);
    o.i32(ehAt - (ehHdrAt + 4));
    o.u32(table.length);
    for (const [pc, fde] of table) { o.i32(pc); o.i32(fde); }
  });

  // .shstrtab and the section headers (outside the PT_LOAD, inside the mapped pages, as on Linux).
  const shstr = new StrTab();
  const shstrAt = o.pos;
  const SECTIONS: [string, number, number, number, number, number, number, number, number][] = [
    // name, type, flags, addr/offset, size, link, info, align, entsize
    ['', 0, 0, 0, 0, 0, 0, 0, 0],
    ['.hash', SHT_HASH, SHF_ALLOC, hashAt, hashSize, 3, 0, W, 4],
    ['.gnu.hash', SHT_GNU_HASH, SHF_ALLOC, gnuAt, gnuSize, 3, 0, W, 0],
    ['.dynsym', SHT_DYNSYM, SHF_ALLOC, dynsymAt, nsyms * symentsize, 4, 1, W, symentsize],
    ['.dynstr', SHT_STRTAB, SHF_ALLOC, dynstrAt, dynstrSize, 0, 0, 1, 0],
    ['.gnu.version', SHT_GNU_VERSYM, SHF_ALLOC, versymAt, nsyms * 2, 3, 0, 2, 2],
    ['.gnu.version_d', SHT_GNU_VERDEF, SHF_ALLOC, verdefAt, verdefSize, 4, defs.length, W, 0],
    ['.dynamic', SHT_DYNAMIC, SHF_WRITE | SHF_ALLOC, dynAt, dynSize, 4, 0, W, dynentsize],
    ['.note', SHT_NOTE, SHF_ALLOC, noteAt, noteSize, 0, 0, 4, 0],
    ['.eh_frame_hdr', SHT_PROGBITS, SHF_ALLOC, ehHdrAt, ehHdrSize, 0, 0, 4, 0],
    ['.eh_frame', SHT_PROGBITS, SHF_ALLOC, ehAt, ehSize, 0, 0, W, 0],
    ['.text', SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, textAt, textSize, 0, 0, 16, 0],
    ['.shstrtab', SHT_STRTAB, 0, 0, 0, 0, 0, 1, 0],
  ];
  if (SECTIONS[TEXT_SHNDX][0] !== '.text') throw new Error('vdso: .text section index');
  const shNames = SECTIONS.map(([n]) => (n ? shstr.add(n) : 0));
  o.bytes(shstr.bytes);
  const shstrSize = shstr.bytes.length;
  const shoff = o.align(W);
  SECTIONS.forEach(([, type, flags, addr, size, link, info, align, entsize], i) => {
    const isStr = i === SECTIONS.length - 1;
    const off = isStr ? shstrAt : addr;
    const sz = isStr ? shstrSize : size;
    o.u32(shNames[i]); o.u32(type); o.word(flags); o.word(isStr ? 0 : addr); o.word(off); o.word(sz);
    o.u32(link); o.u32(info); o.word(align); o.word(entsize);
  });
  if (o.pos > VDSO_SIZE) throw new Error('vdso image larger than its two pages');

  // ELF header and program headers.
  const entry = mode64 ? 0 : textAt + placed.find((p) => p.f.name === '__kernel_vsyscall')!.off;
  o.at(0, () => {
    o.bytes([0x7f, 0x45, 0x4c, 0x46, mode64 ? 2 : 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    o.u16(3); o.u16(mode64 ? 62 : 3); o.u32(1);
    o.word(entry); o.word(ehsize); o.word(shoff);
    o.u32(0); o.u16(ehsize); o.u16(phentsize); o.u16(PHNUM); o.u16(shentsize); o.u16(SECTIONS.length); o.u16(SECTIONS.length - 1);
    const ph = (type: number, flags: number, off: number, size: number, align: number) => {
      if (mode64) { o.u32(type); o.u32(flags); o.u64(off); o.u64(off); o.u64(off); o.u64(size); o.u64(size); o.u64(align); }
      else { o.u32(type); o.u32(off); o.u32(off); o.u32(off); o.u32(size); o.u32(size); o.u32(flags); o.u32(align); }
    };
    ph(PT_LOAD, PF_R | PF_X, 0, loadEnd, PAGE_SIZE);
    ph(PT_DYNAMIC, PF_R, dynAt, dynSize, W);
    ph(PT_NOTE, PF_R, noteAt, noteSize, 4);
    ph(PT_GNU_EH_FRAME, PF_R, ehHdrAt, ehHdrSize, 4);
  });

  // The build id: a digest of the image (with the id itself still zero), stable across runs.
  o.at(buildIdAt, () => o.bytes(digest20(o.buf)));

  const symbols: VdsoSymbol[] = syms.map((s) => ({
    name: s.name, value: s.shndx === SHN_ABS ? 0 : textAt + s.value, size: s.size,
    version: versions[s.ver - 2], weak: (s.info >> 4) === STB_WEAK, type: (s.info & 0xf) === STT_FUNC ? 'func' : 'object',
  }));
  return { mode64, bytes: o.buf, entry, symbols, versionCode };
}

/** 20 bytes of FNV-1a over the data, five lanes with different seeds (an id, not a checksum). */
function digest20(data: Uint8Array): number[] {
  const out: number[] = [];
  for (let lane = 0; lane < 5; lane++) {
    let h = (0x811c9dc5 ^ Math.imul(lane + 1, 0x9e3779b9)) >>> 0;
    for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i], 0x01000193) >>> 0;
    out.push(h >>> 24, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff);
  }
  return out;
}

const cache = new Map<string, VdsoImage>();

/** The image for an ABI and kernel release, built once. */
export function vdsoImage(mode64: boolean, release?: string): VdsoImage {
  const key = `${mode64 ? 64 : 32}:${linuxVersionCode(release)}`;
  let img = cache.get(key);
  if (!img) { img = buildVdso(mode64, release); cache.set(key, img); }
  return img;
}

/** The offset of an exported vDSO symbol (e.g. "__kernel_rt_sigreturn" for i386 signal frames). */
export function vdsoSymbol(mode64: boolean, name: string): number | undefined {
  return vdsoImage(mode64).symbols.find((s) => s.name === name)?.value;
}

/**
 * map_vdso(): one top-down range (hint 0) holding [vvar], [vvar_vclock] and then [vdso], as
 * Linux 6.x lays them out. Returns the AT_SYSINFO_EHDR base and, for i386, AT_SYSINFO.
 * This is LoadRequest.setupVdso.
 */
export function mapVdso(mem: AddressSpace, mode64: boolean, release?: string): { base: number; sysinfo?: number } {
  const img = vdsoImage(mode64, release);
  const vvar = VVAR_PAGES * PAGE_SIZE, vclock = VVAR_VCLOCK_PAGES * PAGE_SIZE;
  const at = mem.findFree(vvar + vclock + img.bytes.length, 0);
  if (at < 0) throw new ElfError('not enough address space to map the vDSO');
  mem.map(at, vvar, PROT_READ, 0, '[vvar]');
  mem.map(at + vvar, vclock, PROT_READ, 0, '[vvar_vclock]');
  const base = at + vvar + vclock;
  mem.map(base, img.bytes.length, PROT_READ | PROT_EXEC, 0, '[vdso]');
  mem.poke(base, img.bytes);
  return mode64 ? { base } : { base, sysinfo: base + img.entry };
}
