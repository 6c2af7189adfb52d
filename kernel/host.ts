// The kernel's only window on the machine it runs on. host/node.ts implements these with node:fs,
// node:tty and friends; a browser adapter implements the same interfaces later.
//
// Conventions:
//  - Paths are *byte strings*: one JS char per byte (char codes 0..255), the way Linux paths are
//    bytes. Adapters convert exactly (Node: Buffer.from(p, 'latin1')), so names that are not UTF-8
//    survive a round trip. Use bstr()/fromBstr() below to convert.
//  - Flags and modes are Linux values (kernel/linux.ts); the adapter translates to the host's.
//  - Errors are thrown as HostError with a Linux errno name (kernel/errno.ts).
//  - File-system calls are synchronous (local files; demand paging of mmap needs a synchronous
//    read). Anything that can wait indefinitely (a terminal, a pipe) has an async form.

/** The attributes of a file, in Linux terms (what stat/statx report). */
export interface Stat {
  dev: number;        // Linux dev_t encoding (major/minor as glibc's makedev)
  ino: number;
  mode: number;       // S_IF* | permission bits
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  size: number;
  blksize: number;
  blocks: number;     // 512-byte units
  atimeSec: number; atimeNsec: number;
  mtimeSec: number; mtimeNsec: number;
  ctimeSec: number; ctimeNsec: number;
  btimeSec?: number; btimeNsec?: number;
}

export interface HostDirent {
  name: string;       // byte string
  type: number;       // DT_*
}

/** What a host file descriptor is (for the kernel's choice of sync/async I/O and tty handling). */
export type HostFdKind = 'file' | 'dir' | 'tty' | 'fifo' | 'socket' | 'chr' | 'other';

export interface HostFs {
  /** Opens a file; returns a host handle (a host fd in the Node adapter). Linux O_* flags.
   *  O_CLOEXEC is the kernel's business and is ignored. */
  open(path: string, flags: number, mode: number): number;
  close(h: number): void;
  /** Positional I/O: returns bytes moved. */
  pread(h: number, buf: Uint8Array, pos: number): number;
  pwrite(h: number, buf: Uint8Array, pos: number): number;
  /** I/O at the host handle's own offset (inherited stdio). */
  read(h: number, buf: Uint8Array): number;
  write(h: number, buf: Uint8Array): number;
  /** A read that may wait (terminal, pipe) without blocking the host's event loop. */
  readAsync(h: number, buf: Uint8Array): Promise<number>;
  /** A read of a terminal or pipe that never waits: bytes (0 at end of input), or null when no
   *  input is there yet. Hosts that cannot tell without waiting return null. */
  tryRead?(h: number, buf: Uint8Array): number | null;
  writeAsync(h: number, buf: Uint8Array): Promise<number>;
  fstat(h: number): Stat;
  stat(path: string): Stat;
  lstat(path: string): Stat;
  kind(h: number): HostFdKind;
  /** Linux O_* status flags and offset of an inherited handle, when the host can tell. */
  fdInfo(h: number): { flags: number; pos: number } | null;
  readdir(path: string): HostDirent[];
  readlink(path: string): string;
  realpath(path: string): string;
  access(path: string, mode: number): void;
  mkdir(path: string, mode: number): void;
  rmdir(path: string): void;
  unlink(path: string): void;
  rename(from: string, to: string): void;
  symlink(target: string, path: string): void;
  link(from: string, to: string): void;
  chmod(path: string, mode: number): void;
  fchmod(h: number, mode: number): void;
  /** -1 leaves an id unchanged. */
  chown(path: string, uid: number, gid: number, nofollow: boolean): void;
  ftruncate(h: number, len: number): void;
  truncate(path: string, len: number): void;
  fsync(h: number): void;
  utimes(path: string, atime: [number, number] | null, mtime: [number, number] | null, nofollow: boolean): void;
}

export interface HostTty {
  isatty(h: number): boolean;
  /** [rows, cols] of the terminal on h, or null. */
  winsize(h: number): [number, number] | null;
  /** Puts the terminal on h into raw (no echo, no line editing) or cooked mode. */
  setRaw?(h: number, raw: boolean): void;
}

export interface HostClock {
  /** Seconds and nanoseconds since the Unix epoch. */
  realtime(): [number, number];
  /** Seconds and nanoseconds since an arbitrary fixed point (the host's boot, if known). */
  monotonic(): [number, number];
  /** Host CPU time consumed by this emulator in microseconds: [user, system]. */
  cpuUsage(): [number, number];
}

export interface HostRandom {
  fill(buf: Uint8Array): void;
}

export interface HostSystem {
  hostname(): string;
  /** Kernel release and version strings (uname -r / -v) of the host, when Linux. */
  release(): string;
  version(): string;
  uptime(): number;
  loadavg(): [number, number, number];
  totalmem(): number;
  freemem(): number;
  cpus(): number;
  /** Real and effective credentials the emulator runs with. */
  uid(): number;
  gid(): number;
  /** File-creation mask of the emulator process. */
  umask(): number;
}

/** Scheduling: the kernel's way back into the host's event loop. */
export interface HostSched {
  /** Resolves on the next turn of the event loop after pending I/O (Node: setImmediate). */
  yield(): Promise<void>;
  sleep(ms: number): Promise<void>;
  /** Calls fn once after ms milliseconds; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export interface Host {
  fs: HostFs;
  tty: HostTty;
  clock: HostClock;
  random: HostRandom;
  sys: HostSystem;
  sched: HostSched;
}

// ---- byte strings --------------------------------------------------------------------------------

/** Bytes → byte string (one char per byte). */
export function bstr(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, i + 8192) as unknown as number[]);
  return s;
}

/** Byte string → bytes. */
export function fromBstr(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

/** A JS (UTF-16) string → byte string of its UTF-8 encoding. */
export function utf8ToBstr(s: string): string { return bstr(new TextEncoder().encode(s)); }

/** Byte string → readable JS string (UTF-8 decoded, for messages). */
export function bstrToUtf8(s: string): string { return new TextDecoder().decode(fromBstr(s)); }
