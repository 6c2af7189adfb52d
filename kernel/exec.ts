// execve's front half: find the file, check it like fs/exec.c does, follow `#!` like
// fs/binfmt_script.c, refuse what we cannot run with one clear line, then let the loader map the
// ELF (and its interpreter) into a fresh address space.

import { AddressSpace } from '../cpu/memory.js';
import { defaultPool } from '../cpu/frames.js';
import { cpuid } from '../cpu/ops/misc.js';
import { ElfError, parseElf } from '../loader/elf.js';
import { loadProgram, LoadResult } from '../loader/load.js';
import { ArgListTooLong } from '../loader/stack.js';
import { mapVdso } from '../loader/vdso.js';
import { E2BIG, EACCES, ELOOP, ENOENT, ENOEXEC, Errno, errnoMessage, HostError, ENAMETOOLONG } from './errno.js';
import type { OpenFile } from './file.js';
import { bstrToUtf8, fromBstr } from './host.js';
import type { Kernel } from './kernel.js';
import type { Process } from './process.js';
import { RLIMIT_STACK } from './linux.js';

/** Why an exec failed: the errno execve returns and one human line for lxrun. */
export class ExecError extends Error {
  constructor(readonly errno: number, message: string) { super(message); }
  /** The shell's exit status for this failure (127: not found, 126: found but not runnable). */
  get status(): number { return this.errno === ENOENT ? 127 : 126; }
}

export interface ExecCreds { uid: number; euid: number; gid: number; egid: number }

export interface Image {
  mem: AddressSpace;
  load: LoadResult;
  /** The executable as opened (kept as the backing of its mappings). */
  exeFile: OpenFile;
  interpFile?: OpenFile;
  /** Absolute guest path of the executable (what /proc/self/exe shows). */
  exePath: string;
  /** argv after `#!` rewriting. */
  argv: string[];
  /** The new comm: the last component of the path given to execve (begin_new_exec's kbasename). */
  comm: string;
}

function commOf(path: string): string { return path.slice(path.lastIndexOf('/') + 1).slice(0, 15); }

const BINPRM_BUF_SIZE = 256;

/** `path` relative to `cwd`; with no cwd ("": execve) it stays relative, and the walk starts from
 *  the process's working directory itself. */
function join(cwd: string, path: string): string {
  if (path.startsWith('/') || cwd === '') return path;
  return (cwd.endsWith('/') ? cwd : cwd + '/') + path;
}

/** Opens a file for execution the way execve checks it; returns the file and its whole contents. */
function openExec(k: Kernel, p: Process, path: string): { file: OpenFile; bytes: Uint8Array; path: string } {
  let file: OpenFile, real: string;
  try {
    const loc = k.vfs.resolve(p, path, true);
    if (loc.inode.isDir) throw new ExecError(EACCES, 'Is a directory');
    file = k.vfs.openExec(p, loc);
    real = loc.path;
  } catch (e) {
    if (e instanceof Errno || e instanceof HostError) throw new ExecError(e.errno, errnoMessage(e.errno));
    throw e;
  }
  const size = file.stat().size;
  const bytes = new Uint8Array(size);
  let done = 0;
  while (done < size) {
    const n = file.pread(bytes.subarray(done), done);
    if (n <= 0) break;
    done += n;
  }
  return { file, bytes: done === size ? bytes : bytes.subarray(0, done), path: real };
}

/** Parses a `#!` line: [interpreter, optional single argument], or null when malformed. */
export function parseShebang(bytes: Uint8Array): [string, string | undefined] | null {
  const head = bytes.subarray(2, Math.min(bytes.length, BINPRM_BUF_SIZE));
  let end = head.indexOf(0x0a);
  if (end < 0) end = head.length;
  let line = '';
  for (let i = 0; i < end; i++) line += String.fromCharCode(head[i]);
  line = line.replace(/^[ \t]+/, '').replace(/[ \t\r]+$/, '');   // binfmt_script strips spaces/tabs
  if (!line) return null;
  const m = /^([^ \t]+)(?:[ \t]+(.*))?$/.exec(line);
  if (!m) return null;
  return [m[1], m[2] !== undefined && m[2] !== '' ? m[2] : undefined];
}

/**
 * Prepares the image for `path` (guest byte string, relative to cwd, or with cwd "" to the working
 * directory of `proc`). Throws ExecError.
 * `shown` is how the path is named in messages (what the user typed).
 */
export function loadImage(k: Kernel, cwd: string, path: string, argv: string[], envp: string[], creds: ExecCreds,
  stackLimit: number, depth = 0, proc?: Process): Image {
  if (path.length === 0) throw new ExecError(ENOENT, errnoMessage(ENOENT));
  if (path.length >= 4096) throw new ExecError(ENAMETOOLONG, errnoMessage(ENAMETOOLONG));
  const who = proc ?? k.spawnCreds();
  const { file, bytes, path: abs } = openExec(k, who, join(cwd, path));

  try {
    // binfmt_script
    if (bytes.length >= 2 && bytes[0] === 0x23 && bytes[1] === 0x21) {
      if (depth >= 4) throw new ExecError(ELOOP, errnoMessage(ELOOP));
      const sb = parseShebang(bytes);
      if (!sb) throw new ExecError(ENOEXEC, 'bad #! line');
      const [interp, arg] = sb;
      const nargv = [interp, ...(arg !== undefined ? [arg] : []), path, ...argv.slice(1)];
      file.unref();
      try {
        return { ...loadImage(k, cwd, interp, nargv, envp, creds, stackLimit, depth + 1, proc), comm: commOf(path) };
      } catch (e) {
        if (e instanceof ExecError && depth === 0 && !e.message.startsWith('interpreter')) {
          throw new ExecError(e.errno, `interpreter ${bstrToUtf8(interp)}: ${e.message}`);
        }
        throw e;
      }
    }
    if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
      throw new ExecError(ENOEXEC, 'not an ELF executable');
    }
    if (bytes.length >= 20 && bytes[4] === 1 && (bytes[18] | (bytes[19] << 8)) === 3 && k.options.i386 === false) {
      throw new ExecError(ENOEXEC, '32-bit (i386) ELF binaries are refused by this zone');
    }
    let elf;
    try {
      elf = parseElf(bytes);
    } catch (e) {
      if (e instanceof ElfError) throw new ExecError(ENOEXEC, e.message);
      throw e;
    }

    let interp: { file: OpenFile; bytes: Uint8Array; path: string } | undefined;
    if (elf.interp !== undefined) {
      try {
        const r = openExec(k, who, join(cwd, elf.interp));
        interp = { file: r.file, bytes: r.bytes, path: elf.interp };
      } catch (e) {
        if (e instanceof ExecError) throw new ExecError(e.errno, `ELF interpreter ${bstrToUtf8(elf.interp)}: ${e.message}`);
        throw e;
      }
    }

    const mem = new AddressSpace(defaultPool());
    let load: LoadResult;
    try {
      const random16 = new Uint8Array(16);
      k.host.random.fill(random16);
      load = loadProgram({
        mem,
        exe: { bytes, path: abs, backing: file.backing() },
        interp: interp ? { bytes: interp.bytes, path: interp.path, backing: interp.file.backing() } : undefined,
        argv: argv.map(fromBstr),
        envp: envp.map(fromBstr),
        execfn: bstrToUtf8(path),
        random16,
        uid: creds.uid, euid: creds.euid, gid: creds.gid, egid: creds.egid,
        secure: false,
        hwcap: cpuid(1, 0)[3] >>> 0,
        hwcap2: 0,
        stackLimit,
        // [vvar], [vvar_vclock] and [vdso] below the interpreter, as Linux's map_vdso (AT_SYSINFO_EHDR).
        setupVdso: (m, mode64) => mapVdso(m, mode64, k.release),
      });
    } catch (e) {
      mem.destroy();
      interp?.file.unref();
      if (e instanceof ElfError) throw new ExecError(ENOEXEC, e.message);
      if (e instanceof Errno) throw new ExecError(e.errno, errnoMessage(e.errno));
      if (e instanceof ArgListTooLong) throw new ExecError(E2BIG, errnoMessage(E2BIG));
      throw e;
    }
    return { mem, load, exeFile: file, interpFile: interp?.file, exePath: abs, argv, comm: commOf(path) };
  } catch (e) {
    if (file.refs > 0) file.unref();
    throw e;
  }
}

export { RLIMIT_STACK };
