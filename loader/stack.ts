// The initial process stack exactly as Linux builds it (fs/exec.c copy_strings + setup_arg_pages,
// fs/binfmt_elf.c create_elf_tables). From the top down:
//   8 bytes of zero (the kernel starts at STACK_TOP - sizeof(void *), 8 even for i386 tasks)
//   the execfn string (AT_EXECFN), then the envp strings, then the argv strings
//   (copied last-to-first, so they read in order upwards)
//   align down to 16, the AT_PLATFORM string, the 16 AT_RANDOM bytes
//   (gap) auxv pairs ending in AT_NULL, NULL, envp pointers, NULL, argv pointers, argc <- sp,
//   with sp aligned down to 16.
// Words are 8 bytes for x86-64 and 4 for i386 (elf_addr_t).

import { AddressSpace, PROT_READ, PROT_WRITE, PROT_EXEC, VMA_GROWSDOWN, VMA_STACK } from '../cpu/memory.js';
import { PAGE_SIZE } from '../cpu/frames.js';
import { Layout, STACK_EXPAND, pageDown } from './layout.js';

export const AT_NULL = 0, AT_IGNORE = 1, AT_EXECFD = 2, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5;
export const AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8, AT_ENTRY = 9, AT_NOTELF = 10;
export const AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16;
export const AT_CLKTCK = 17, AT_SECURE = 23, AT_BASE_PLATFORM = 24, AT_RANDOM = 25, AT_HWCAP2 = 26;
export const AT_RSEQ_FEATURE_SIZE = 27, AT_RSEQ_ALIGN = 28, AT_EXECFN = 31, AT_SYSINFO = 32;
export const AT_SYSINFO_EHDR = 33, AT_MINSIGSTKSZ = 51;

/** Longest single argument or environment string, NUL included (MAX_ARG_STRLEN). */
export const MAX_ARG_STRLEN = 32 * PAGE_SIZE;
const ARG_MAX = 32 * PAGE_SIZE;
const STK_LIM = 8 * 1024 * 1024;
/** USER_HZ as reported in AT_CLKTCK. */
const CLOCKS_PER_SEC = 100;

/** execve's E2BIG: the argument list (or one string) is too long. */
export class ArgListTooLong extends Error {
  readonly errno = 7;
  constructor(what: string) {
    super(`argument list too long (${what})`);
    this.name = 'ArgListTooLong';
  }
}

/** Values for the auxiliary vector that come from the loaded images and the caller. */
export interface AuxInfo {
  phdr: number; phent: number; phnum: number; base: number; entry: number;
  uid: number; euid: number; gid: number; egid: number; secure: boolean;
  hwcap: number; hwcap2: number;
  vdsoBase?: number; sysinfo?: number; minsigstksz?: number;
  rseqFeatureSize?: number; rseqAlign?: number;
}

export interface StackRequest {
  layout: Layout;
  argv: Uint8Array[];
  envp: Uint8Array[];
  execfn: Uint8Array;
  random16: Uint8Array;
  platform: string;
  stackLimit: number;
  /** Map the stack PROT_EXEC (PT_GNU_STACK with PF_X, or read-implies-exec). */
  execStack: boolean;
  aux: AuxInfo;
}

export interface StackResult {
  sp: number;
  /** The auxiliary vector as placed on the stack, AT_NULL pair included (for /proc/pid/auxv). */
  auxv: [number, number][];
  stackStart: number;
  stackTop: number;
  argStart: number; argEnd: number; envStart: number; envEnd: number;
  execfnAddr: number; randomAddr: number; platformAddr: number;
}

const enc = new TextEncoder();

/** argv/envp entries as bytes, cut at the first NUL as the C strings execve copies would be. */
export function toCStrings(list: readonly (Uint8Array | string)[]): Uint8Array[] {
  return list.map((s) => {
    const b = typeof s === 'string' ? enc.encode(s) : s;
    const nul = b.indexOf(0);
    return nul < 0 ? b : b.subarray(0, nul);
  });
}

/** Where copy_strings puts each string; throws ArgListTooLong where execve fails with E2BIG. */
export function placeStrings(layout: Layout, argv: Uint8Array[], envp: Uint8Array[], execfn: Uint8Array, stackLimit: number) {
  // bprm_stack_limits(): strings plus pointers may use 1/4 of the stack rlimit, at most 3/4 of
  // _STK_LIM and never less than ARG_MAX; pointers count with the kernel's 8-byte size.
  let limit = Math.max(Math.min(STK_LIM / 4 * 3, Math.floor(stackLimit / 4)), ARG_MAX);
  const ptrSize = (Math.max(argv.length, 1) + envp.length) * 8;
  if (limit <= ptrSize) throw new ArgListTooLong('too many strings');
  limit -= ptrSize;
  let p = layout.stackTop - 8;
  const argmin = p - limit;
  const push = (s: Uint8Array): number => {
    const len = s.length + 1;
    if (len > MAX_ARG_STRLEN) throw new ArgListTooLong('a string exceeds 128 KiB');
    p -= len;
    if (p < argmin) throw new ArgListTooLong('strings exceed the stack limit');
    return p;
  };
  const execfnAddr = push(execfn);
  const envAddrs: number[] = [];
  for (let i = envp.length - 1; i >= 0; i--) envAddrs[i] = push(envp[i]);
  const argAddrs: number[] = [];
  for (let i = argv.length - 1; i >= 0; i--) argAddrs[i] = push(argv[i]);
  // Since Linux 5.18 an empty argv gets one "" so programs never walk into envp from argv[1].
  if (argv.length === 0) argAddrs.push(push(new Uint8Array(0)));
  return { execfnAddr, envAddrs, argAddrs, lowest: p };
}

/** The auxv entries in this kernel's order (create_elf_tables, ARCH_DLINFO first). */
export function auxvEntries(
  aux: AuxInfo, mode64: boolean, at: { random: number; execfn: number; platform: number },
): [number, number][] {
  const v: [number, number][] = [];
  if (aux.vdsoBase !== undefined) {
    // ARCH_DLINFO_IA32 announces the vsyscall entry before the vDSO image.
    if (!mode64 && aux.sysinfo !== undefined) v.push([AT_SYSINFO, aux.sysinfo]);
    v.push([AT_SYSINFO_EHDR, aux.vdsoBase]);
  }
  if (aux.minsigstksz !== undefined) v.push([AT_MINSIGSTKSZ, aux.minsigstksz]);
  v.push(
    [AT_HWCAP, aux.hwcap], [AT_PAGESZ, PAGE_SIZE], [AT_CLKTCK, CLOCKS_PER_SEC],
    [AT_PHDR, aux.phdr], [AT_PHENT, aux.phent], [AT_PHNUM, aux.phnum], [AT_BASE, aux.base],
    [AT_FLAGS, 0], [AT_ENTRY, aux.entry], [AT_UID, aux.uid], [AT_EUID, aux.euid],
    [AT_GID, aux.gid], [AT_EGID, aux.egid], [AT_SECURE, aux.secure ? 1 : 0],
    [AT_RANDOM, at.random], [AT_HWCAP2, aux.hwcap2], [AT_EXECFN, at.execfn], [AT_PLATFORM, at.platform],
  );
  if (aux.rseqFeatureSize !== undefined) v.push([AT_RSEQ_FEATURE_SIZE, aux.rseqFeatureSize]);
  if (aux.rseqAlign !== undefined) v.push([AT_RSEQ_ALIGN, aux.rseqAlign]);
  v.push([AT_NULL, 0]);
  return v;
}

/** Maps the [stack] VMA into `mem` and writes strings, pointers and auxv; returns sp (at argc). */
export function buildStack(mem: AddressSpace, req: StackRequest): StackResult {
  const { layout, argv, envp, execfn } = req;
  const W = layout.wordSize;
  const strs = placeStrings(layout, argv, envp, execfn, req.stackLimit);
  const argc = strs.argAddrs.length;

  // create_elf_tables: arch_align_stack (no randomization: just & ~15), then platform, random.
  let p = Math.floor(strs.lowest / 16) * 16;
  const platform = enc.encode(req.platform);
  p -= platform.length + 1;
  const platformAddr = p;
  p -= 16;
  const randomAddr = p;

  const auxv = auxvEntries(req.aux, layout.mode64, { random: randomAddr, execfn: strs.execfnAddr, platform: platformAddr });
  const items = (argc + 1) + (envp.length + 1) + 1;
  const sp = Math.floor((p - auxv.length * 2 * W - items * W) / 16) * 16;

  // setup_arg_pages: the VMA covers the string pages plus 128 KiB (capped by the rlimit),
  // and is extended further if the tables reach lower (find_extend_vma).
  const top = layout.stackTop;
  const used = top - pageDown(strs.lowest);
  const rlim = Number.isFinite(req.stackLimit) ? pageDown(req.stackLimit) : Infinity;
  const stackStart = Math.min(top - Math.min(rlim, used + STACK_EXPAND), pageDown(sp));
  const prot = PROT_READ | PROT_WRITE | (req.execStack ? PROT_EXEC : 0);
  mem.map(stackStart, top - stackStart, prot, VMA_GROWSDOWN | VMA_STACK, '[stack]');

  // Strings and the two blobs above the tables.
  const putStr = (addr: number, s: Uint8Array) => { const b = new Uint8Array(s.length + 1); b.set(s); mem.poke(addr, b); };
  putStr(strs.execfnAddr, execfn);
  envp.forEach((s, i) => putStr(strs.envAddrs[i], s));
  if (argv.length === 0) putStr(strs.argAddrs[0], new Uint8Array(0));
  else argv.forEach((s, i) => putStr(strs.argAddrs[i], s));
  putStr(platformAddr, platform);
  if (req.random16.length !== 16) throw new Error('random16 must be 16 bytes');
  mem.poke(randomAddr, req.random16);

  // argc, argv[], NULL, envp[], NULL, auxv — one contiguous block written at once.
  const words = [argc, ...strs.argAddrs, 0, ...strs.envAddrs, 0, ...auxv.flat()];
  const block = new Uint8Array(words.length * W);
  const dv = new DataView(block.buffer);
  words.forEach((w, i) => {
    if (W === 8) {
      dv.setUint32(i * 8, w % 4294967296, true);
      dv.setUint32(i * 8 + 4, Math.floor(w / 4294967296), true);
    } else {
      dv.setUint32(i * 4, w >>> 0, true);
    }
  });
  mem.poke(sp, block);

  const argStart = strs.argAddrs[0];
  const envStart = envp.length ? strs.envAddrs[0] : strs.execfnAddr;
  return {
    sp, auxv, stackStart, stackTop: top,
    argStart, argEnd: envStart, envStart, envEnd: strs.execfnAddr,
    execfnAddr: strs.execfnAddr, randomAddr, platformAddr,
  };
}
