// Our own ELF reader (DESIGN.md decision 11): ELF32 and ELF64, little-endian only (x86 is).
// Everything read is checked against the file length first, so a malformed or truncated file
// gives one readable ElfError line instead of garbage or a RangeError deep inside.
// Section headers are optional: stripped and sstrip'ed files run fine on Linux, which never
// looks at them, so a bad section table only leaves `sections` empty and adds a warning.
// 64-bit fields become JS numbers; the values that matter here (addresses, sizes, offsets)
// are far below 2^53, and program-header fields above that are rejected as corrupt.

export const ET_NONE = 0, ET_REL = 1, ET_EXEC = 2, ET_DYN = 3, ET_CORE = 4;
export const EM_386 = 3, EM_486 = 6, EM_X86_64 = 62;
export const ELFCLASS32 = 1, ELFCLASS64 = 2;
export const ELFDATA2LSB = 1, ELFDATA2MSB = 2;

export const PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_SHLIB = 5;
export const PT_PHDR = 6, PT_TLS = 7;
export const PT_GNU_EH_FRAME = 0x6474e550, PT_GNU_STACK = 0x6474e551;
export const PT_GNU_RELRO = 0x6474e552, PT_GNU_PROPERTY = 0x6474e553;
export const PF_X = 1, PF_W = 2, PF_R = 4;

export const DT_NULL = 0, DT_NEEDED = 1, DT_STRTAB = 5, DT_STRSZ = 10, DT_SONAME = 14;
export const DT_RPATH = 15, DT_DEBUG = 21, DT_RUNPATH = 29, DT_FLAGS = 30, DT_FLAGS_1 = 0x6ffffffb;
export const DF_1_PIE = 0x08000000;

export const NT_GNU_ABI_TAG = 1, NT_GNU_BUILD_ID = 3, NT_GNU_PROPERTY_TYPE_0 = 5;
export const SHT_NULL = 0, SHT_STRTAB = 3, SHT_NOBITS = 8;

/** Names for the machines people are likely to try, for the error message. */
const MACHINES: Record<number, string> = {
  0: 'none', 2: 'SPARC', 3: 'i386', 6: 'i486', 8: 'MIPS', 20: 'PowerPC', 21: 'PowerPC64',
  22: 'S/390', 40: 'ARM', 42: 'SuperH', 43: 'SPARC V9', 50: 'IA-64', 62: 'x86-64',
  183: 'AArch64', 243: 'RISC-V', 247: 'BPF', 258: 'LoongArch',
};

const TYPES: Record<number, string> = { 0: 'ET_NONE', 1: 'ET_REL', 2: 'ET_EXEC', 3: 'ET_DYN', 4: 'ET_CORE' };

/** A malformed or unsupported ELF file; `message` is one human-readable line. */
export class ElfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElfError';
  }
}

export interface ElfHeader {
  class: 32 | 64;
  osabi: number;
  abiVersion: number;
  type: number;
  machine: number;
  version: number;
  entry: number;
  phoff: number;
  shoff: number;
  flags: number;
  ehsize: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export interface ProgramHeader {
  index: number;
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

export interface SectionHeader {
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export interface DynEntry { tag: number; value: number }
export interface ElfNote { name: string; type: number; desc: Uint8Array }

export interface ElfFile {
  bytes: Uint8Array;
  is64: boolean;
  header: ElfHeader;
  phdrs: ProgramHeader[];
  /** PT_LOAD headers in file order (Linux maps them in this order). */
  loads: ProgramHeader[];
  /** The PT_INTERP path (without its NUL), if any. */
  interp?: string;
  interpHeader?: ProgramHeader;
  dynamicHeader?: ProgramHeader;
  /** Entries of PT_DYNAMIC up to and excluding DT_NULL. */
  dynamic: DynEntry[];
  notes: ElfNote[];
  tls?: ProgramHeader;
  gnuStack?: ProgramHeader;
  relro?: ProgramHeader;
  phdrHeader?: ProgramHeader;
  property?: ProgramHeader;
  sections: SectionHeader[];
  /** Non-fatal oddities (a broken section table, an unterminated note). */
  warnings: string[];
}

export interface ParseOptions {
  /** Accept any e_type (default: only ET_EXEC and ET_DYN, what execve runs). */
  anyType?: boolean;
  /** Accept any e_machine (default: x86-64 with ELFCLASS64, i386 with ELFCLASS32). */
  anyMachine?: boolean;
}

/** Human name of a machine number, e.g. "AArch64 (183)". */
export function machineName(m: number): string {
  return `${MACHINES[m] ?? 'unknown'} (${m})`;
}

/** Bounds-checked little-endian reads over the file. */
class Reader {
  private dv: DataView;
  constructor(readonly bytes: Uint8Array, readonly is64: boolean) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(o: number): number { return this.bytes[o]; }
  u16(o: number): number { return this.dv.getUint16(o, true); }
  u32(o: number): number { return this.dv.getUint32(o, true); }
  /** Unsigned 64-bit; exact below 2^53 (callers check with `big`). */
  u64(o: number): number { return this.dv.getUint32(o + 4, true) * 4294967296 + this.dv.getUint32(o, true); }
  /** A class-sized word (Elf32_Addr/Off/Word or Elf64_Addr/Off/Xword). */
  word(o: number): number { return this.is64 ? this.u64(o) : this.u32(o); }
  /** d_tag is a signed 64-bit value; every defined tag fits in 32 bits. */
  tag64(o: number): number {
    const hi = this.u32(o + 4), lo = this.u32(o);
    return hi === 0 ? lo : hi === 0xffffffff ? lo | 0 : lo + hi * 4294967296;
  }
  /** True when the 64-bit value at o does not fit a JS number exactly. */
  big(o: number): boolean { return this.is64 && this.dv.getUint32(o + 4, true) >= 0x200000; }
}

/** Does [off, off+len) lie inside a file of `size` bytes? (Safe for huge values.) */
function inFile(off: number, len: number, size: number): boolean {
  return off >= 0 && len >= 0 && off <= size && len <= size - off;
}

function readHeader(r: Reader, size: number): ElfHeader {
  const is64 = r.is64;
  const need = is64 ? 64 : 52;
  if (size < need) throw new ElfError('truncated ELF file (ELF header)');
  const at = (o32: number, o64: number) => (is64 ? o64 : o32);
  return {
    class: is64 ? 64 : 32,
    osabi: r.u8(7),
    abiVersion: r.u8(8),
    type: r.u16(16),
    machine: r.u16(18),
    version: r.u32(20),
    entry: r.word(24),
    phoff: r.word(at(28, 32)),
    shoff: r.word(at(32, 40)),
    flags: r.u32(at(36, 48)),
    ehsize: r.u16(at(40, 52)),
    phentsize: r.u16(at(42, 54)),
    phnum: r.u16(at(44, 56)),
    shentsize: r.u16(at(46, 58)),
    shnum: r.u16(at(48, 60)),
    shstrndx: r.u16(at(50, 62)),
  };
}

/** Rejects what Linux/x86 would refuse to execute: wrong machine, class/machine mismatch, type. */
function checkKind(h: ElfHeader, opts: ParseOptions): void {
  if (!opts.anyMachine) {
    const x86 = h.machine === EM_X86_64 || h.machine === EM_386 || h.machine === EM_486;
    if (!x86) throw new ElfError(`ELF for machine ${machineName(h.machine)}; lxrun runs x86-64 and i386 binaries`);
    if (h.class === 32 && h.machine === EM_X86_64) {
      throw new ElfError('x32 ELF (32-bit x86-64 ABI) is not supported; lxrun runs x86-64 and i386 binaries');
    }
    if (h.class === 64 && h.machine !== EM_X86_64) {
      throw new ElfError(`64-bit ELF for machine ${machineName(h.machine)} is inconsistent (ELFCLASS64 must be x86-64)`);
    }
  }
  if (!opts.anyType && h.type !== ET_EXEC && h.type !== ET_DYN) {
    const name = TYPES[h.type] ?? `type ${h.type}`;
    throw new ElfError(`not an executable (${name}${h.type === ET_CORE ? ', a core dump' : ''})`);
  }
}

function readPhdrs(r: Reader, h: ElfHeader, size: number): ProgramHeader[] {
  if (h.phnum === 0) return [];
  const ent = r.is64 ? 56 : 32;
  if (h.phentsize !== ent) {
    throw new ElfError(`bad program header entry size ${h.phentsize} (expected ${ent})`);
  }
  if (!inFile(h.phoff, h.phnum * ent, size)) {
    throw new ElfError('truncated ELF file (program headers extend past end of file)');
  }
  const out: ProgramHeader[] = [];
  for (let i = 0; i < h.phnum; i++) {
    const o = h.phoff + i * ent;
    let ph: ProgramHeader;
    if (r.is64) {
      for (const f of [8, 16, 24, 32, 40, 48]) {
        if (r.big(o + f)) throw new ElfError(`bad program header ${i} (value beyond 2^53)`);
      }
      ph = {
        index: i, type: r.u32(o), flags: r.u32(o + 4), offset: r.u64(o + 8), vaddr: r.u64(o + 16),
        paddr: r.u64(o + 24), filesz: r.u64(o + 32), memsz: r.u64(o + 40), align: r.u64(o + 48),
      };
    } else {
      ph = {
        index: i, type: r.u32(o), offset: r.u32(o + 4), vaddr: r.u32(o + 8), paddr: r.u32(o + 12),
        filesz: r.u32(o + 16), memsz: r.u32(o + 20), flags: r.u32(o + 24), align: r.u32(o + 28),
      };
    }
    out.push(ph);
  }
  return out;
}

/** The file bytes a segment's p_offset/p_filesz names; throws when they run past the end. */
function segmentBytes(bytes: Uint8Array, ph: ProgramHeader, what: string): Uint8Array {
  if (!inFile(ph.offset, ph.filesz, bytes.length)) {
    throw new ElfError(`truncated ELF file (${what} segment ${ph.index} extends past end of file)`);
  }
  return bytes.subarray(ph.offset, ph.offset + ph.filesz);
}

function readInterp(bytes: Uint8Array, ph: ProgramHeader): string {
  const b = segmentBytes(bytes, ph, 'PT_INTERP');
  // Linux: 2 <= p_filesz <= PATH_MAX and the last byte must be the NUL (else ENOEXEC).
  if (ph.filesz < 2 || ph.filesz > 4096 || b[b.length - 1] !== 0) {
    throw new ElfError('bad PT_INTERP (interpreter path is not a NUL-terminated string)');
  }
  return latin1(b.subarray(0, b.indexOf(0)));
}

function readDynamic(r: Reader, ph: ProgramHeader, size: number): DynEntry[] {
  segmentBytes(r.bytes, ph, 'PT_DYNAMIC');
  const ent = r.is64 ? 16 : 8;
  const out: DynEntry[] = [];
  for (let o = ph.offset; o + ent <= ph.offset + ph.filesz && o + ent <= size; o += ent) {
    const tag = r.is64 ? r.tag64(o) : r.u32(o) | 0;
    if (tag === DT_NULL) break;
    out.push({ tag, value: r.word(o + ent / 2) });
  }
  return out;
}

function readNotes(bytes: Uint8Array, ph: ProgramHeader, warnings: string[]): ElfNote[] {
  const b = segmentBytes(bytes, ph, 'PT_NOTE');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  // Name and descriptor are padded to 4 bytes, or to 8 in notes whose segment says so
  // (GNU property notes in ELF64 use p_align 8).
  const pad = ph.align === 8 ? 8 : 4;
  const up = (n: number) => Math.ceil(n / pad) * pad;
  const out: ElfNote[] = [];
  let o = 0;
  while (o + 12 <= b.length) {
    const namesz = dv.getUint32(o, true), descsz = dv.getUint32(o + 4, true), type = dv.getUint32(o + 8, true);
    // Padding counts from the note's start (which is itself aligned), so with 8-byte notes the
    // descriptor of a "GNU\0" note starts at offset 16, not 20.
    const nameAt = o + 12, descAt = o + up(12 + namesz);
    if (!inFile(nameAt, namesz, b.length) || !inFile(descAt, descsz, b.length)) {
      warnings.push(`PT_NOTE segment ${ph.index}: note runs past the segment`);
      break;
    }
    const nameBytes = b.subarray(nameAt, nameAt + namesz);
    const nul = nameBytes.indexOf(0);
    out.push({ name: latin1(nul < 0 ? nameBytes : nameBytes.subarray(0, nul)), type, desc: b.slice(descAt, descAt + descsz) });
    o = descAt + up(descsz);
  }
  return out;
}

function readSections(r: Reader, h: ElfHeader, size: number, warnings: string[]): SectionHeader[] {
  if (h.shoff === 0) return [];
  const ent = r.is64 ? 64 : 40;
  if (h.shentsize !== ent) { warnings.push(`section headers ignored: entry size ${h.shentsize}`); return []; }
  let shnum = h.shnum, strndx = h.shstrndx;
  // Extended numbering: counts too large for e_shnum/e_shstrndx live in section 0.
  if (inFile(h.shoff, ent, size)) {
    if (shnum === 0) shnum = r.word(h.shoff + (r.is64 ? 32 : 20));
    if (strndx === 0xffff) strndx = r.u32(h.shoff + (r.is64 ? 40 : 24));
  }
  if (shnum === 0) return [];
  if (!inFile(h.shoff, shnum * ent, size)) {
    warnings.push('section headers ignored: they extend past end of file');
    return [];
  }
  const raw = [];
  for (let i = 0; i < shnum; i++) {
    const o = h.shoff + i * ent;
    if (r.is64) {
      raw.push({ nameOff: r.u32(o), type: r.u32(o + 4), flags: r.u64(o + 8), addr: r.u64(o + 16),
        offset: r.u64(o + 24), size: r.u64(o + 32), link: r.u32(o + 40), info: r.u32(o + 44),
        addralign: r.u64(o + 48), entsize: r.u64(o + 56) });
    } else {
      raw.push({ nameOff: r.u32(o), type: r.u32(o + 4), flags: r.u32(o + 8), addr: r.u32(o + 12),
        offset: r.u32(o + 16), size: r.u32(o + 20), link: r.u32(o + 24), info: r.u32(o + 28),
        addralign: r.u32(o + 32), entsize: r.u32(o + 36) });
    }
  }
  const strtab = raw[strndx];
  const names = strtab && strtab.type !== SHT_NOBITS && inFile(strtab.offset, strtab.size, size)
    ? r.bytes.subarray(strtab.offset, strtab.offset + strtab.size) : undefined;
  if (!names && strndx !== 0) warnings.push('section names unavailable: bad e_shstrndx');
  return raw.map(({ nameOff, ...s }) => ({ name: names ? cString(names, nameOff) : '', ...s }));
}

function cString(b: Uint8Array, off: number): string {
  if (off >= b.length) return '';
  const end = b.indexOf(0, off);
  return latin1(b.subarray(off, end < 0 ? b.length : end));
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** Parses an ELF image; throws ElfError (one human line) for anything malformed or unrunnable. */
export function parseElf(bytes: Uint8Array, opts: ParseOptions = {}): ElfFile {
  const size = bytes.length;
  if (size < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError('not an ELF file');
  }
  if (size < 16) throw new ElfError('truncated ELF file (identification bytes)');
  const cls = bytes[4], data = bytes[5];
  if (cls !== ELFCLASS32 && cls !== ELFCLASS64) throw new ElfError(`ELF file with invalid class ${cls}`);
  if (data === ELFDATA2MSB) throw new ElfError('big-endian ELF is not supported');
  if (data !== ELFDATA2LSB) throw new ElfError(`ELF file with invalid data encoding ${data}`);
  if (bytes[6] !== 1) throw new ElfError(`ELF file with unknown version ${bytes[6]}`);

  const r = new Reader(bytes, cls === ELFCLASS64);
  const header = readHeader(r, size);
  checkKind(header, opts);
  if (r.is64 && r.big(24)) throw new ElfError('bad ELF header (entry point beyond 2^53)');
  const phdrs = readPhdrs(r, header, size);

  const warnings: string[] = [];
  const elf: ElfFile = {
    bytes, is64: r.is64, header, phdrs, loads: [], dynamic: [], notes: [], sections: [], warnings,
  };
  for (const ph of phdrs) {
    switch (ph.type) {
      case PT_LOAD:
        segmentBytes(bytes, ph, 'PT_LOAD');
        if (ph.filesz > ph.memsz) throw new ElfError(`bad PT_LOAD segment ${ph.index} (file size larger than memory size)`);
        elf.loads.push(ph);
        break;
      case PT_INTERP:
        // Linux uses the first PT_INTERP and ignores the rest.
        if (!elf.interpHeader) { elf.interpHeader = ph; elf.interp = readInterp(bytes, ph); }
        break;
      case PT_DYNAMIC:
        elf.dynamicHeader = ph;
        elf.dynamic = readDynamic(r, ph, size);
        break;
      case PT_NOTE:
        elf.notes.push(...readNotes(bytes, ph, warnings));
        break;
      case PT_TLS: elf.tls = ph; break;
      case PT_GNU_STACK: elf.gnuStack = ph; break;   // Linux lets the last one win
      case PT_GNU_RELRO: elf.relro = ph; break;
      case PT_PHDR: elf.phdrHeader = ph; break;
      case PT_GNU_PROPERTY: elf.property = ph; break;
    }
  }
  elf.sections = readSections(r, header, size, warnings);
  return elf;
}

/** The file offset holding virtual address `vaddr` (via the PT_LOAD that covers it), or -1. */
export function vaddrToOffset(elf: ElfFile, vaddr: number): number {
  for (const ph of elf.loads) {
    if (vaddr >= ph.vaddr && vaddr < ph.vaddr + ph.filesz) return ph.offset + (vaddr - ph.vaddr);
  }
  return -1;
}

/** DT_NEEDED, DT_SONAME, DT_RUNPATH/DT_RPATH strings resolved through DT_STRTAB. */
export function dynamicStrings(elf: ElfFile): { needed: string[]; soname?: string; runpath?: string; rpath?: string } {
  const strtab = elf.dynamic.find((d) => d.tag === DT_STRTAB);
  const out: { needed: string[]; soname?: string; runpath?: string; rpath?: string } = { needed: [] };
  if (!strtab) return out;
  const base = vaddrToOffset(elf, strtab.value);
  if (base < 0) return out;
  const str = (off: number) => cString(elf.bytes, base + off);
  for (const d of elf.dynamic) {
    if (d.tag === DT_NEEDED) out.needed.push(str(d.value));
    else if (d.tag === DT_SONAME) out.soname = str(d.value);
    else if (d.tag === DT_RUNPATH) out.runpath = str(d.value);
    else if (d.tag === DT_RPATH) out.rpath = str(d.value);
  }
  return out;
}
