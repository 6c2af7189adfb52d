// Processes (thread groups) and tasks (threads). A Process owns the address space, the fd table,
// credentials, cwd, umask, rlimits, signal actions and the process-wide pending signals, and its
// place in the process tree (parent, children, process group, session); a Task owns a CPU, its
// signal mask and private pending signals, the alternate signal stack and the per-thread
// registrations (set_tid_address, robust list). Signal generation and delivery: kernel/signals.ts.

import type { RseqReg } from './rseq.js';
import type { Cpu } from '../cpu/cpu.js';
import type { CpuSignal } from '../cpu/fault.js';
import type { AddressSpace } from '../cpu/memory.js';
import type { MmInfo } from '../loader/load.js';
import { FdTable } from './fdtable.js';
import type { TtyDevice } from './tty.js';
import type { OpenFile } from './file.js';
import type { Kernel } from './kernel.js';
import type { DirRef } from './fs/walk.js';
import {
  RLIMIT_CORE, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_SIGPENDING, RLIMIT_STACK,
  RLIM_NLIMITS, SIG_DFL, SS_DISABLE,
} from './linux.js';
import { defaultAction, newSigActions, SigAction, SigPending, SigSet, SIGCHLD, SIGKILL } from './signal.js';
import { WaitQueue } from './wait.js';

/** The pid of the zone's init: a kernel-side reaper, not a guest program. */
export const INIT_PID = 1;

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
  /** The wait status (WEXITSTATUS << 8, or the signal number | 0x80 when a core was dumped). */
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
  /** Signals sent to this thread only (tkill, faults). */
  pending = new SigPending();
  /** While rt_sigtimedwait waits: the mask it replaced (signals in it are not ignored). */
  realBlocked: SigSet | null = null;
  /** sigsuspend/ppoll/pselect6: the mask to put back on the way out (TIF_RESTORE_SIGMASK). */
  savedMask: SigSet | null = null;
  altstack = { sp: 0, flags: SS_DISABLE, size: 0 };
  clearChildTid = 0;
  robustList = 0;
  robustLen = 0;
  /** rseq(2) registration of this thread (current->rseq*); null when none. */
  rseq: RseqReg | null = null;
  /** rseq_event_mask: preempted / signalled since the last critical-section check. */
  rseqEvent = 0;
  /** Accumulated time spent running guest code and syscalls (ms). */
  cpuMs = 0;
  /** Monotonic ms when the current run slice started (0 while waiting). */
  sliceStart = 0;
  /** End the slice after this system call (a futex wake-up: let the woken thread run). */
  yieldSoon = false;
  /** The system call being served (orig_ax), or -1 outside one (syscall restart needs it). */
  origAx = -1;
  /** restart_syscall's continuation (ERESTART_RESTARTBLOCK); null means return -EINTR. */
  restartBlock: ((t: Task) => number | Promise<number>) | null = null;
  /** thread.trap_nr, thread.error_code, thread.cr2: what the last CPU exception left (sigcontext). */
  trapNr = 0;
  errorCode = 0;
  cr2 = 0;
  /** Set while the task sleeps: pokes it to re-check its condition and pending signals. */
  wakeup: (() => void) | null = null;
  /** vfork: resolves the parent's wait once this child has exec'd or exited. */
  vforkDone: (() => void) | null = null;
  /** The task's run loop has ended. */
  dead = false;
  /** This thread is leaving on its own (exit) or was ended by a sibling's execve (de_thread). */
  exiting = false;
  /** Its per-thread exit work (clear_child_tid, robust list, CPU state) is done. */
  released = false;

  /** A thread's own name (PR_SET_NAME in a thread other than the leader); null: the process's. */
  private ownComm: string | null = null;
  get comm(): string { return this.ownComm ?? this.proc.comm; }
  set comm(v: string) { if (this === this.proc.mainTask) this.proc.comm = v; else this.ownComm = v; }

  /** The thread id; a thread that execs takes over the process id (de_thread). */
  constructor(public tid: number, readonly proc: Process, public cpu: Cpu) {}

  get kernel(): Kernel { return this.proc.kernel; }
  get mem(): AddressSpace { return this.proc.mem; }

  /** A signal this thread would act on now (signal_pending), or the process is dying. */
  signalPending(): boolean {
    const p = this.proc;
    if (p.exit || this.exiting) return true;
    return this.pending.next(this.sigmask) !== 0 || p.sharedPending.next(this.sigmask) !== 0;
  }

  /**
   * A fatal signal is on its way (fatal_signal_pending): SIGKILL, or an unblocked signal whose
   * default action terminates without a core dump (complete_signal's shortcut turns it into one).
   */
  fatalPending(): boolean {
    const p = this.proc;
    if (p.exit || this.exiting || this.pending.has(SIGKILL) || p.sharedPending.has(SIGKILL)) return true;
    for (const set of [this.pending.set, p.sharedPending.set]) {
      if (set.isEmpty()) continue;
      for (let sig = 1; sig <= 64; sig++) {
        if (!set.has(sig) || this.sigmask.has(sig) || p.sigactions[sig].handler !== SIG_DFL) continue;
        if (defaultAction(sig) === 'term') return true;
      }
    }
    return false;
  }

  /** The mask a signal frame saves (sigmask_to_save). */
  maskToSave(): SigSet { return this.savedMask ?? this.sigmask; }
}

/** Where a process is in its life (task->exit_state). */
export type ProcState = 'alive' | 'zombie' | 'dead';

export class Process {
  /** The parent; null means the zone's init (pid 1), which adopts orphans and reaps them. */
  parent: Process | null = null;
  readonly children = new Set<Process>();
  /** Signal sent to the parent at exit (SIGCHLD for fork; clone's CSIGNAL byte). */
  exitSignal = SIGCHLD;
  /** PR_SET_PDEATHSIG. */
  pdeathSignal = 0;
  pgid: number;
  sid: number;
  uid = 0; euid = 0; suid = 0; fsuid = 0;
  gid = 0; egid = 0; sgid = 0; fsgid = 0;
  groups: number[] = [];
  /** The working directory: a reference to the directory, not its name (fs_struct's pwd), so it
   *  follows renames and stays usable after rmdir. Shared after fork until chdir replaces it. */
  get pwd(): DirRef { return this.pwdRef ??= this.kernel.walker.rootRef(this); }
  set pwd(r: DirRef) { this.pwdRef = r; }
  /** Null until first needed: the root (the mount table may not be ready when a process object
   *  is made, e.g. the kernel's spawn credentials). */
  pwdRef: DirRef | null = null;
  /** The working directory's current path (what d_path gives, without " (deleted)"). Setting it
   *  resolves an absolute path the way chdir does, without the permission check (spawn, tests). */
  get cwd(): string { return this.pwd.path; }
  set cwd(path: string) { this.pwd = this.kernel.vfs.dirRef(this, path); }
  umask = 0o022;
  fds = new FdTable();
  rlimits = defaultRlimits();
  sigactions: SigAction[] = newSigActions();
  /** Signals pending for the whole process. */
  sharedPending = new SigPending();
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
  /** Set once the process has started to exit (group exit): how it ended. */
  exit: ExitInfo | null = null;
  state: ProcState = 'alive';
  /** Stopped by a stop signal (group stop), and by which. */
  stopped = false;
  stopSig = 0;
  /** A stop / continue the parent has not collected with wait yet (WUNTRACED / WCONTINUED). */
  waitStop = false;
  waitCont = false;
  /** The parent has been told about the stop/continue with SIGCHLD already. */
  /** Woken when a child changes state (the parent's wait_chldexit). */
  readonly childWait = new WaitQueue();
  /** Woken when a stopped process continues (or is killed). */
  readonly contWait = new WaitQueue();
  /** execve succeeded at least once (setpgid on a child that exec'd: EACCES). */
  didExec = false;
  /** The stack pointer the program started with (argc is there; argv and envp follow). */
  initialSp = 0;
  /** What the last exec left in mm_struct for /proc: saved_auxv and the code/data/arg/env bounds
   *  (shared, never changed, by fork children until they exec). */
  image: { auxv: [number, number][]; mm: MmInfo } | null = null;
  /** Monotonic ms when the process started. */
  startMs = 0;
  /** Accumulated CPU time of exited tasks (ms). */
  deadCpuMs = 0;
  /** CPU time of waited-for children (ms), for times() and RUSAGE_CHILDREN. */
  childCpuMs = 0;
  /** ITIMER_REAL: the host timer, its expiry (monotonic ms) and interval (ms). */
  itReal: { cancel: (() => void) | null; expires: number; interval: number } = { cancel: null, expires: 0, interval: 0 };
  /** signal->it[CPUCLOCK_PROF], it[CPUCLOCK_VIRT] (ITIMER_PROF, ITIMER_VIRTUAL): expiry as process CPU
   *  time (ms, 0: off) and reload interval (ms). A fork child starts with them off; exec keeps them. */
  readonly itCpu: { expires: number; incr: number }[] = [{ expires: 0, incr: 0 }, { expires: 0, incr: 0 }];
  /** The earliest armed itCpu expiry, 0 when none: the run loop's only per-slice test (kernel/itimer.ts). */
  cpuTimerNext = 0;
  /** signal->tty: the controlling terminal (kept by fork and exec, dropped by setsid, TIOCNOTTY and
   *  the session losing it); kernel/tty.ts has the job-control rules. */
  ctty: TtyDevice | null = null;
  /** Resolves once the process has ended (exit info known, resources released). */
  readonly done: Promise<ExitInfo>;
  resolveDone!: (e: ExitInfo) => void;
  /** The run loop was started. */
  started = false;

  constructor(readonly kernel: Kernel, readonly pid: number, public mem: AddressSpace, public mode64: boolean) {
    this.pgid = pid;
    this.sid = pid;
    this.done = new Promise((r) => { this.resolveDone = r; });
  }

  get mainTask(): Task { return this.tasks[0]; }
  /** Threads still running (not ended, not leaving). */
  get liveTasks(): Task[] { return this.tasks.filter((t) => !t.dead && !t.exiting); }
  /** The thread whose system call is being served (set at each entry; threads take turns). */
  current: Task | null = null;
  /** exit(2) of the thread group leader while other threads run: the status wait will report. */
  leaderExitCode: number | null = null;
  /** getppid(): the zone's init (1) for processes the host started and for orphans. */
  get ppid(): number { return this.parent ? this.parent.pid : INIT_PID; }

  /** Ends the process with exit(code) (do_group_exit). */
  exitWith(code: number): void {
    if (this.exit) return;
    code &= 0xff;
    this.exit = { status: code << 8, code };
    this.kernel.wakeProcess(this);
  }

  /** Ends the process by a signal's default action; core-dumping signals set 0x80 when a dump
   *  would be written (RLIMIT_CORE at least a page, as binfmt_elf's min_coredump). */
  killBy(sig: number, extra: Partial<ExitInfo> = {}): void {
    if (this.exit) return;
    const core = defaultAction(sig) === 'core' && this.limit(RLIMIT_CORE) >= 4096;
    this.exit = { status: sig | (core ? 0x80 : 0), code: 128 + sig, signal: sig, ...extra };
    this.kernel.wakeProcess(this);
  }

  /** Sends a signal to the process (kill(2) semantics, sender = the kernel). */
  sendSignal(sig: number, _task?: Task): void {
    this.kernel.signals.sendKernel(this, sig);
  }

  /** Highest soft limit as a number (Infinity when unlimited). */
  limit(res: number): number { return this.rlimits[res].cur; }
}
