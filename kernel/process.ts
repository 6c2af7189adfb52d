// Processes (thread groups) and tasks (threads). A Process owns the address space, the fd table,
// credentials, cwd, umask, rlimits and signal actions; a Task owns a CPU, its signal mask and the
// per-thread registrations (set_tid_address, robust list, alternate signal stack).

import type { Cpu } from '../cpu/cpu.js';
import type { CpuSignal } from '../cpu/fault.js';
import type { AddressSpace } from '../cpu/memory.js';
import { FdTable } from './fdtable.js';
import type { OpenFile } from './file.js';
import type { Kernel } from './kernel.js';
import {
  RLIMIT_CORE, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_SIGPENDING, RLIMIT_STACK,
  RLIM_NLIMITS, SIG_DFL, SIG_IGN,
} from './linux.js';
import { defaultAction, newSigActions, SigAction, SigSet, SIGKILL, SIGSTOP, NSIG } from './signal.js';

export interface Rlimit { cur: number; max: number }   // Infinity = RLIM_INFINITY

/** Linux's defaults for a process started from a login shell on this machine's kernel. */
export function defaultRlimits(): Rlimit[] {
  const r: Rlimit[] = [];
  for (let i = 0; i < RLIM_NLIMITS; i++) r.push({ cur: Infinity, max: Infinity });
  r[RLIMIT_STACK] = { cur: 8 * 1024 * 1024, max: Infinity };
  r[RLIMIT_CORE] = { cur: 0, max: Infinity };
  r[RLIMIT_NPROC] = { cur: 63704, max: 63704 };
  r[RLIMIT_NOFILE] = { cur: 1024, max: 1048576 };
  r[RLIMIT_MEMLOCK] = { cur: 8 * 1024 * 1024, max: 8 * 1024 * 1024 };
  r[RLIMIT_SIGPENDING] = { cur: 63704, max: 63704 };
  r[RLIMIT_MSGQUEUE] = { cur: 819200, max: 819200 };
  r[13] = { cur: 0, max: 0 };   // RLIMIT_NICE
  r[14] = { cur: 0, max: 0 };   // RLIMIT_RTPRIO
  return r;
}

/** How a process ended. */
export interface ExitInfo {
  /** The wait status (WEXITSTATUS << 8, or the signal number | 0x80 for a core dump). */
  status: number;
  /** What a shell reports as $?: the exit code, or 128 + signal. */
  code: number;
  signal?: number;
  /** The CPU exception that killed it, with the faulting instruction's address. */
  fault?: { signal: CpuSignal; rip: number };
  /** A one-line description of an internal emulator error that killed it. */
  internal?: string;
}

export class Task {
  /** Signals blocked in this thread. */
  sigmask = new SigSet();
  pending = new SigSet();
  altstack = { sp: 0, flags: 2 /* SS_DISABLE */, size: 0 };
  clearChildTid = 0;
  robustList = 0;
  robustLen = 0;
  /** Accumulated time spent running guest code and syscalls (ms). */
  cpuMs = 0;
  /** Monotonic ms when the current run slice started (0 while waiting). */
  sliceStart = 0;

  constructor(readonly tid: number, readonly proc: Process, public cpu: Cpu) {}

  get kernel(): Kernel { return this.proc.kernel; }
  get mem(): AddressSpace { return this.proc.mem; }
}

export class Process {
  ppid = 0;
  pgid: number;
  sid: number;
  uid = 0; euid = 0; suid = 0; fsuid = 0;
  gid = 0; egid = 0; sgid = 0; fsgid = 0;
  groups: number[] = [];
  cwd = '/';
  umask = 0o022;
  fds = new FdTable();
  rlimits = defaultRlimits();
  sigactions: SigAction[] = newSigActions();
  /** Signals pending for the whole process. */
  pending = new SigSet();
  /** Files referenced by file mappings (each holds one reference). */
  mapped = new Set<OpenFile>();
  tasks: Task[] = [];
  /** Guest path of the executable (for /proc/self/exe), argv and envp (byte strings). */
  exe = '';
  argv: string[] = [];
  envp: string[] = [];
  /** comm: the executable's base name, at most 15 bytes. */
  comm = '';
  personality = 0;
  /** Set once the process has ended. */
  exit: ExitInfo | null = null;
  /** The stack pointer the program started with (argc is there; argv and envp follow). */
  initialSp = 0;
  /** Monotonic ms when the process started. */
  startMs = 0;
  /** Accumulated CPU time of exited tasks (ms). */
  deadCpuMs = 0;

  constructor(readonly kernel: Kernel, readonly pid: number, public mem: AddressSpace, public mode64: boolean) {
    this.pgid = pid;
    this.sid = pid;
  }

  get mainTask(): Task { return this.tasks[0]; }

  /** Ends the process with exit(code). */
  exitWith(code: number): void {
    if (this.exit) return;
    code &= 0xff;
    this.exit = { status: code << 8, code };
  }

  /** Ends the process by a signal's default action. */
  killBy(sig: number, extra: Partial<ExitInfo> = {}): void {
    if (this.exit) return;
    const core = defaultAction(sig) === 'core';
    this.exit = { status: sig | (core ? 0x80 : 0), code: 128 + sig, signal: sig, ...extra };
  }

  /**
   * Sends a signal to the process (kill/tgkill on itself, SIGPIPE from write, ...). Without signal
   * delivery to handlers yet: ignored signals are dropped, default fatal ones kill (unless blocked:
   * then they wait until unblocked), caught ones stay pending.
   */
  sendSignal(sig: number, task: Task = this.mainTask): void {
    if (sig <= 0 || sig > NSIG || this.exit) return;
    if (sig === SIGKILL) { this.killBy(sig); return; }
    const act = this.sigactions[sig];
    if (act.handler === SIG_IGN && sig !== SIGSTOP) return;
    if (act.handler === SIG_DFL) {
      const d = defaultAction(sig);
      if (d === 'ign' || d === 'cont' || d === 'stop') return;   // job control arrives with process groups
    }
    if (task.sigmask.has(sig)) { task.pending.add(sig); return; }
    if (act.handler === SIG_DFL) { this.killBy(sig); return; }
    task.pending.add(sig);
  }

  /** After the mask changed: acts on pending signals that are no longer blocked. */
  recheckPending(task: Task): void {
    for (const sig of task.pending.members()) {
      if (task.sigmask.has(sig)) continue;
      const act = this.sigactions[sig];
      if (act.handler === SIG_IGN) { task.pending.del(sig); continue; }
      if (act.handler === SIG_DFL) {
        task.pending.del(sig);
        const d = defaultAction(sig);
        if (d === 'term' || d === 'core') { this.killBy(sig); return; }
      }
    }
  }

  /** Highest soft limit as a number (Infinity when unlimited). */
  limit(res: number): number { return this.rlimits[res].cur; }
}
