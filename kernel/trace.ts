// The kernel's trace-event hook: one event object per system call, for strace-style output and
// for the conformance tool (lxconform), which records what the guest asked and what it got.

export interface SyscallEvent {
  abi: 'x86_64' | 'i386';
  pid: number;
  tid: number;
  nr: number;
  name: string;
  /** Arguments unpacked as the ABI table declares them (ints sign-extended, pointers unsigned). */
  args: number[];
  /** The raw result (negative = -errno); undefined in `enter`, and for calls that do not return. */
  result?: number;
  /** 'full' | 'partial' | 'unimplemented', from the table. */
  support: string;
  /** Monotonic milliseconds at entry and at exit. */
  t0: number;
  t1?: number;
  /**
   * The call in strace's notation, e.g. `openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 3`.
   * Reads guest memory, so call it inside the hook; `enter` gets the call without its result.
   */
  format(): string;
  /** The arguments decoded as strace shows them (same validity rule as format()). */
  decodeArgs(): string[];
}

export interface TraceHook {
  /** Before the handler runs (only needed for calls whose inputs the call itself destroys). */
  enter?(ev: SyscallEvent): void;
  /** After the result is known (for exit/exit_group: before the process ends, result undefined). */
  exit?(ev: SyscallEvent): void;
}
