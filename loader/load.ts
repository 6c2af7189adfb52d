// execve for ELF: maps the executable and its interpreter into a fresh AddressSpace the way
// fs/binfmt_elf.c load_elf_binary does with randomization off, then builds the initial stack.
// Order matters only for top-down placement and follows Linux: executable, interpreter,
// vDSO (through the caller's hook), stack tables.

import { AddressSpace, Backing, PROT_READ, PROT_WRITE, PROT_EXEC } from '../cpu/memory.js';
import { PAGE_SIZE } from '../cpu/frames.js';
import {
  ElfError, ElfFile, ProgramHeader, parseElf, ET_DYN, ET_EXEC, PF_R, PF_W, PF_X,
} from './elf.js';
import { Layout, layoutFor, DEFAULT_STACK_LIMIT, MMAP_MIN_ADDR, pageAlign, pageDown } from './layout.js';
import { buildStack, placeStrings, toCStrings } from './stack.js';

export interface LoadImage { bytes: Uint8Array; path: string; backing?: Backing }

export interface LoadRequest {
  /** A fresh, empty address space (exec builds a new mm). */
  mem: AddressSpace;
  exe: LoadImage;
  /** The file named by the executable's PT_INTERP, opened by the caller. */
  interp?: LoadImage;
  argv: Uint8Array[] | string[];
  envp: Uint8Array[] | string[];
  /** The path as passed to execve (AT_EXECFN, the string at the top of the stack). */
  execfn: string;
  random16: Uint8Array;
  uid: number; euid: number; gid: number; egid: number;
  secure: boolean;
  hwcap: number;
  hwcap2: number;
  /** AT_PLATFORM; default "x86_64" or "i686". */
  platform?: string;
  /** AT_SYSINFO_EHDR when the caller mapped a vDSO itself. */
  vdsoBase?: number;
  /** AT_SYSINFO (i386 only: __kernel_vsyscall). */
  sysinfo?: number;
  minsigstksz?: number;
  /**
   * Maps the vDSO at the moment Linux does (after the interpreter, before the stack tables) and
   * returns its base (and, for i386, the __kernel_vsyscall address). Overrides vdsoBase/sysinfo.
   */
  setupVdso?: (mem: AddressSpace, mode64: boolean) => { base: number; sysinfo?: number };
  /** AT_RSEQ_FEATURE_SIZE / AT_RSEQ_ALIGN (this machine's kernel gives 28 and 32); omitted if unset. */
  rseqFeatureSize?: number;
  rseqAlign?: number;
  /** RLIMIT_STACK soft limit; shapes the stack VMA, the mmap base and E2BIG. Default 8 MiB. */
  stackLimit?: number;
}

/** Fields of mm_struct that /proc/pid/stat and /proc/pid/cmdline/environ report. */
export interface MmInfo {
  startCode: number; endCode: number; startData: number; endData: number;
  startStack: number; argStart: number; argEnd: number; envStart: number; envEnd: number;
}

export interface LoadResult {
  /** Where execution starts: the interpreter's entry, or the executable's. */
  entry: number;
  /** Initial stack pointer, pointing at argc. */
  sp: number;
  mode64: boolean;
  brkStart: number;
  /** AT_PHDR. */
  phdrAddr: number;
  /** Executable's load bias (0 for ET_EXEC). */
  loadBias: number;
  /** AT_BASE: where the interpreter was loaded (0 without one, or for an ET_EXEC interpreter). */
  interpBase: number;
  /** The auxiliary vector as placed on the stack, ending with the AT_NULL pair. */
  auxv: [number, number][];
  /** AT_ENTRY: the executable's entry point. */
  exeEntry: number;
  stackTop: number;
  stackStart: number;
  mm: MmInfo;
  execfnAddr: number;
  randomAddr: number;
  /** PT_GNU_STACK asked for an executable stack (or read-implies-exec applies). */
  execStack: boolean;
  /** i386 binary without PT_GNU_STACK: Linux sets READ_IMPLIES_EXEC in the personality. */
  readImpliesExec: boolean;
  /** The executable's PT_TLS header, for whoever needs the TLS template size. */
  tls?: ProgramHeader;
  exeElf: ElfFile;
  interpElf?: ElfFile;
}

/** PF_* to PROT_*; read-implies-exec adds PROT_EXEC to every readable mapping. */
function protOf(flags: number, readImpliesExec: boolean): number {
  let prot = 0;
  if (flags & PF_R) prot |= PROT_READ;
  if (flags & PF_W) prot |= PROT_WRITE;
  if (flags & PF_X) prot |= PROT_EXEC;
  if (readImpliesExec && (prot & PROT_READ)) prot |= PROT_EXEC;
  return prot;
}

/** What load_elf_binary / load_elf_interp refuse before touching memory (ENOEXEC / EINVAL). */
function checkLoadable(elf: ElfFile, lay: Layout, what: string): void {
  const phBytes = elf.header.phnum * elf.header.phentsize;
  // load_elf_phdrs: the table must exist and fit in one page.
  if (phBytes === 0) throw new ElfError(`${what} has no program headers`);
  if (phBytes > PAGE_SIZE) throw new ElfError(`${what} has too many program headers (${elf.header.phnum})`);
  if (elf.loads.length === 0) throw new ElfError(`${what} has no loadable segments`);
  for (const ph of elf.loads) {
    // mmap needs the file offset and the address to agree within a page.
    if (ph.filesz > 0 && ph.offset % PAGE_SIZE !== ph.vaddr % PAGE_SIZE) {
      throw new ElfError(`${what}: segment ${ph.index} file offset and address are not congruent modulo the page size`);
    }
    if (elf.header.type === ET_EXEC && ph.vaddr + ph.memsz > lay.taskSize) {
      throw new ElfError(`${what}: segment ${ph.index} lies outside the user address space`);
    }
  }
}

/** total_mapping_size(): span from the first page of the lowest PT_LOAD to the highest end. */
function totalSize(elf: ElfFile): number {
  let lo = Infinity, hi = 0;
  for (const ph of elf.loads) {
    lo = Math.min(lo, pageDown(ph.vaddr));
    hi = Math.max(hi, ph.vaddr + ph.memsz);
  }
  return pageAlign(hi - lo);
}

/** maximum_alignment(): largest power-of-two p_align of the PT_LOADs, at least a page. */
function maxAlign(elf: ElfFile): number {
  let a = 0;
  for (const ph of elf.loads) {
    if (ph.align > 0 && (ph.align & (ph.align - 1)) === 0 && ph.align <= 2 ** 30) a = Math.max(a, ph.align);
  }
  return pageAlign(a);
}

/** Top-down placement of a non-fixed mapping with an address hint, as get_unmapped_area does. */
function placeNear(mem: AddressSpace, len: number, hint: number): number {
  const h = hint >= MMAP_MIN_ADDR ? pageDown(hint) : 0;
  const at = mem.findFree(len, h);
  if (at < 0) throw new ElfError('not enough address space to load the program');
  return at;
}

/** elf_load(): one PT_LOAD as file pages plus anonymous zero pages for the rest of its bss. */
function mapSegment(mem: AddressSpace, img: LoadImage, ph: ProgramHeader, bias: number, rie: boolean): void {
  const prot = protOf(ph.flags, rie);
  const addr = bias + ph.vaddr;
  const pageOff = addr % PAGE_SIZE;
  let zeroStart: number;
  if (ph.filesz > 0) {
    const start = addr - pageOff;
    const len = pageAlign(ph.filesz + pageOff);
    const fileOff = ph.offset - pageOff;
    mem.map(start, len, prot, 0, img.path, img.backing, fileOff);
    // Without a Backing the file pages are copied in whole, like a private file mapping:
    // bytes around the segment in the same pages come along.
    if (!img.backing) mem.poke(start, img.bytes.subarray(fileOff, Math.min(fileOff + len, img.bytes.length)));
    zeroStart = addr + ph.filesz;
    // padzero(): clear the rest of the last file page when a bss follows. Linux ignores the
    // failure on a read-only segment, so the file bytes stay there.
    if (ph.memsz > ph.filesz && (prot & PROT_WRITE) && zeroStart % PAGE_SIZE) {
      mem.poke(zeroStart, new Uint8Array(PAGE_SIZE - (zeroStart % PAGE_SIZE)));
    }
  } else {
    zeroStart = addr - pageOff;
  }
  if (ph.memsz > ph.filesz) {
    // vm_brk_flags(): anonymous, always read+write, exec if the segment (or personality) says so.
    const zs = pageAlign(zeroStart);
    const ze = pageAlign(addr + ph.memsz);
    if (ze > zs) mem.map(zs, ze - zs, PROT_READ | PROT_WRITE | (prot & PROT_EXEC), 0, '');
  }
}

/** Maps all PT_LOADs at `bias` and returns the highest segment end (unaligned, biased). */
function mapImage(mem: AddressSpace, img: LoadImage, elf: ElfFile, bias: number, rie: boolean, taskSize: number): number {
  let end = 0;
  for (const ph of elf.loads) {
    // The BAD_ADDR / TASK_SIZE checks of load_elf_binary and load_elf_interp (EINVAL/ENOMEM).
    if (bias + ph.vaddr < 0 || bias + ph.vaddr + ph.memsz > taskSize) {
      throw new ElfError(`${img.path}: segment ${ph.index} does not fit in the user address space`);
    }
  }
  for (const ph of elf.loads) {
    mapSegment(mem, img, ph, bias, rie);
    end = Math.max(end, bias + ph.vaddr + ph.memsz);
  }
  return end;
}

/** load_elf_interp(): returns the interpreter's load address (0 for an ET_EXEC interpreter). */
function loadInterp(mem: AddressSpace, img: LoadImage, elf: ElfFile, exeBias: number, rie: boolean, taskSize: number): number {
  if (elf.header.type === ET_EXEC) {
    mapImage(mem, img, elf, 0, rie, taskSize);
    return 0;
  }
  const first = elf.loads[0];
  // With a biased executable the first mapping is requested at 0 (pure top-down); with an
  // unbiased one at the interpreter's own first address, used only if free.
  const hint = exeBias ? 0 : first.vaddr;
  const at = placeNear(mem, totalSize(elf), hint);
  const bias = at - pageDown(first.vaddr);
  mapImage(mem, img, elf, bias, rie, taskSize);
  return bias;
}

/** AT_PHDR as Linux computes it: through the PT_LOAD whose file range holds e_phoff. */
function phdrAddress(elf: ElfFile): number {
  const phoff = elf.header.phoff;
  for (const ph of elf.loads) {
    if (ph.offset <= phoff && phoff < ph.offset + ph.filesz) return phoff - ph.offset + ph.vaddr;
  }
  return 0;
}

/** mm->start_code/end_code/start_data/end_data (unbiased). */
function codeDataBounds(elf: ElfFile) {
  let startCode = Infinity, endCode = 0, startData = 0, endData = 0;
  for (const ph of elf.loads) {
    if ((ph.flags & PF_X) && ph.vaddr < startCode) startCode = ph.vaddr;
    if (startData < ph.vaddr) startData = ph.vaddr;
    const k = ph.vaddr + ph.filesz;
    if ((ph.flags & PF_X) && endCode < k) endCode = k;
    if (endData < k) endData = k;
  }
  return { startCode: startCode === Infinity ? 0 : startCode, endCode, startData, endData };
}

/** Loads an ELF program into req.mem and builds its initial stack (execve's work). */
export function loadProgram(req: LoadRequest): LoadResult {
  const { mem } = req;
  const exe = parseElf(req.exe.bytes);
  const mode64 = exe.is64;
  const stackLimit = req.stackLimit ?? DEFAULT_STACK_LIMIT;
  const lay = layoutFor(mode64, stackLimit);
  checkLoadable(exe, lay, 'executable');

  let interp: ElfFile | undefined;
  if (exe.interp !== undefined) {
    if (!req.interp) throw new ElfError(`program interpreter ${exe.interp} was not supplied`);
    interp = parseElf(req.interp.bytes);
    // elf_check_arch on the interpreter: same architecture as the program (else ELIBBAD).
    if (interp.is64 !== mode64) {
      throw new ElfError(`interpreter ${req.interp.path} is ${interp.is64 ? '64' : '32'}-bit but the program is ${mode64 ? '64' : '32'}-bit`);
    }
    checkLoadable(interp, lay, `interpreter ${req.interp.path}`);
  }

  const argv = toCStrings(req.argv), envp = toCStrings(req.envp);
  const execfn = toCStrings([req.execfn])[0];
  // E2BIG is decided before the old image would be torn down; check before mapping anything.
  placeStrings(lay, argv, envp, execfn, stackLimit);

  mem.limit = lay.limit;
  mem.mmapBase = lay.mmapBase;

  // PT_GNU_STACK decides the stack's PROT_EXEC; without one, an i386 program gets
  // READ_IMPLIES_EXEC (elf_read_implies_exec: mmap_is_ia32 && EXSTACK_DEFAULT) and x86-64 none.
  const readImpliesExec = !mode64 && !exe.gnuStack;
  const execStack = exe.gnuStack ? (exe.gnuStack.flags & PF_X) !== 0 : readImpliesExec;

  // Load bias: ET_EXEC at its own addresses; a PIE at ELF_ET_DYN_BASE (aligned down to its
  // largest p_align); a static PIE (ET_DYN without interpreter) top-down in the mmap area.
  const first = exe.loads[0];
  let bias = 0;
  if (exe.header.type === ET_DYN) {
    const align = maxAlign(exe);
    if (interp) {
      bias = pageDown(Math.floor(lay.etDynBase / align) * align - first.vaddr);
    } else if (align > PAGE_SIZE) {
      // Probe where a top-down mapping would go (hint 0), align that down, map there fixed.
      const at = placeNear(mem, totalSize(exe), 0);
      bias = pageDown(Math.floor(at / align) * align - first.vaddr);
    } else {
      // Not fixed: the first segment's own address is only a hint; the bias follows the result.
      bias = placeNear(mem, totalSize(exe), first.vaddr) - pageDown(first.vaddr);
    }
  }
  const end = mapImage(mem, req.exe, exe, bias, readImpliesExec, lay.taskSize);

  // brk starts right after the highest segment; since 6.x a static PIE's brk is moved out of
  // the mmap area to ELF_ET_DYN_BASE even without randomization (checked natively).
  const brkStart = exe.header.type === ET_DYN && !interp ? pageAlign(lay.etDynBase) : pageAlign(end);
  mem.brkStart = mem.brk = brkStart;

  let interpBase = 0;
  let entry = exe.header.entry + bias;
  if (interp && req.interp) {
    interpBase = loadInterp(mem, req.interp, interp, bias, readImpliesExec, lay.taskSize);
    entry = interp.header.entry + interpBase;
  }

  let vdsoBase = req.vdsoBase, sysinfo = req.sysinfo;
  if (req.setupVdso) ({ base: vdsoBase, sysinfo } = req.setupVdso(mem, mode64));

  const phdrAddr = phdrAddress(exe) + bias;
  const exeEntry = exe.header.entry + bias;
  const st = buildStack(mem, {
    layout: lay, argv, envp, execfn, random16: req.random16,
    platform: req.platform ?? lay.platform, stackLimit, execStack,
    aux: {
      phdr: phdrAddr, phent: exe.header.phentsize, phnum: exe.header.phnum, base: interpBase,
      entry: exeEntry, uid: req.uid, euid: req.euid, gid: req.gid, egid: req.egid,
      secure: req.secure, hwcap: req.hwcap, hwcap2: req.hwcap2, vdsoBase, sysinfo,
      minsigstksz: req.minsigstksz, rseqFeatureSize: req.rseqFeatureSize, rseqAlign: req.rseqAlign,
    },
  });

  const cd = codeDataBounds(exe);
  return {
    entry, sp: st.sp, mode64, brkStart, phdrAddr, loadBias: bias, interpBase,
    auxv: st.auxv, exeEntry, stackTop: st.stackTop, stackStart: st.stackStart,
    mm: {
      startCode: cd.startCode + bias, endCode: cd.endCode + bias,
      startData: cd.startData + bias, endData: cd.endData + bias,
      startStack: st.sp, argStart: st.argStart, argEnd: st.argEnd, envStart: st.envStart, envEnd: st.envEnd,
    },
    execfnAddr: st.execfnAddr, randomAddr: st.randomAddr,
    execStack, readImpliesExec, tls: exe.tls, exeElf: exe, interpElf: interp,
  };
}
