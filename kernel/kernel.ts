// The kernel of one zone: its configuration (reported release, hostname, credentials), the host it
// runs on, the process table and pid allocation (pid 1 is the zone's init: a kernel-side reaper that
// adopts orphans and collects their exit status, so programs never run as pid 1), shared
// resources counted by users (address spaces, fd tables), the trace hooks and the once-per-name
// reports of unimplemented calls. Starting a program: spawn() builds the process from an executable
// and its stdio; run() executes it to the end. Every task runs as its own async loop (kernel/run.ts)
// on the one JS thread; a blocking call parks it and the others go on.

import { Cpu } from '../cpu/index.js';
import type { AddressSpace } from '../cpu/memory.js';
import { CpuState, RSP } from '../cpu/state.js';
import { defaultPool } from '../cpu/frames.js';
import { ExecError, loadImage } from './exec.js';
import { Errno, EACCES, ENOENT, HostError } from './errno.js';
import { FdTable } from './fdtable.js';
import { HostFile, OpenFile } from './file.js';
import { bstrToUtf8, Host } from './host.js';
import { exitProcess, exitThread, pgrpOrphaned, setExecPersonality } from './lifecycle.js';
import { O_RDONLY, O_RDWR, O_WRONLY, O_LARGEFILE, RLIMIT_STACK } from './linux.js';
import { sweepMapped } from './mm.js';
import { ExitInfo, Process, Task } from './process.js';
import { Signals } from './signals.js';
import type { TraceHook } from './trace.js';
import { claimHostTty, TtyDevice } from './tty.js';
import { runTask } from './run.js';
import { Futexes } from './futex.js';
import { canonical, Vfs } from './vfs.js';
import { MountTable } from './fs/mount.js';
import { PathWalker } from './fs/walk.js';
import { MountSpec, setupMounts } from './fs/setup.js';
import { AddressSpace as Mm } from '../cpu/memory.js';

export interface KernelOptions {
  host: Host;
  /** uname -r; default: the host's release (LX's `kernel-version`). */
  release?: string;
  /** uname -v. */
  version?: string;
  hostname?: string;
  domainname?: string;
  /** Credentials of the first process; default: the host's. */
  uid?: number;
  gid?: number;
  /** Pid of the first process (default 1: the zone's init). */
  firstPid?: number;
  /** Where unimplemented-call reports and other diagnostics go (one line each, no newline). */
  log?: (line: string) => void;
  /** Report each unimplemented syscall once, with its reason. */
  verbose?: boolean;
  /** Host directory that is the guest's `/` (default '/': the host's own tree), when `mounts` is not given. */
  root?: string;
  /** The host root is mounted read-only (default: read-write). */
  rootReadOnly?: boolean;
  /** The zone's file systems, in mount order; default: `root` (hostfs) with /proc, /dev, /sys. */
  mounts?: MountSpec[];
  /** CPUs the zone reports (sched_getaffinity, /proc/cpuinfo, /sys; default: the host's). */
  cpus?: number;
  /** false: refuse i386 executables (ENOEXEC). Default: run them. */
  i386?: boolean;
}

export interface SpawnOptions {
  /** Path of the executable (byte string), resolved against cwd. */
  path: string;
  argv: string[];
  envp: string[];
  /** Guest working directory (byte string, absolute). */
  cwd: string;
  /** Open files for fds 0, 1, 2 (references are taken over; null leaves the fd closed). */
  stdio: (OpenFile | null)[];
}

export class Kernel {
  readonly host: Host;
  readonly procs = new Map<number, Process>();
  /** Every live task by tid (a process's first task has tid = pid). */
  readonly tasks = new Map<number, Task>();
  readonly futexes = new Futexes();
  readonly hooks: TraceHook[] = [];
  private readonly reported = new Set<string>();
  private nextPid: number;
  readonly release: string;
  readonly version: string;
  hostname: string;
  domainname: string;
  /** CPUs the zone reports; its threads take turns on one host thread whatever the number. */
  readonly cpus: number;
  /** The host terminal, shared by every stdio descriptor that is a tty. */
  private ttys = new Map<number, TtyDevice>();
  /** Monotonic ms at boot (for uptime-relative clocks). */
  readonly bootMs: number;
  /** The zone's mount table, its path walk and the path-level file-system calls. */
  readonly mounts = new MountTable();
  readonly walker = new PathWalker(this.mounts);
  readonly vfs: Vfs;
  private nextAnonMinor = 40;   // 0:32 is an imported image's tmpfs (rootfs/image.ts)
  /** Signal generation and dequeueing. */
  readonly signals = new Signals(this);
  /** The process lxrun (or the embedder) started first: its group is the foreground one. */
  first: Process | null = null;
  /** Users of each address space (CLONE_VM / vfork share one) and of each fd table (CLONE_FILES). */
  private mmUsers = new Map<AddressSpace, number>();
  private fdUsers = new Map<FdTable, number>();
  /** Tasks whose run loop is going. */
  private running = 0;

  constructor(readonly options: KernelOptions) {
    this.host = options.host;
    this.nextPid = Math.max(2, options.firstPid ?? 2);
    this.release = options.release ?? (this.host.sys.release() || '6.1.0-lxbrand');
    this.version = options.version ?? (this.host.sys.version() || '#1 SMP PREEMPT_DYNAMIC lxbrand');
    this.hostname = options.hostname ?? this.host.sys.hostname();
    this.domainname = options.domainname ?? '(none)';
    this.bootMs = this.nowMs();
    this.cpus = Math.max(1, Math.min(1024, Math.floor(options.cpus ?? this.host.sys.cpus()) || 1));
    this.vfs = new Vfs(this);
    setupMounts(this, options.mounts ?? [
      { type: 'host', source: options.root ?? '/', target: '/', readonly: !!options.rootReadOnly },
      { type: 'proc', target: '/proc' },
      { type: 'devfs', target: '/dev' },
      { type: 'tmpfs', target: '/dev/shm', mode: 0o1777 },
      { type: 'sysfs', target: '/sys' },
    ]);
  }

  /** execvp's search inside the zone: the path to run (as given or PATH-joined), or an ExecError. */
  findProgram(name: string, PATH: string, cwd: string): string {
    if (name.includes('/')) return name;
    const who = this.spawnCreds();
    let denied = false;
    for (const dir of PATH.split(':')) {
      const cand = `${dir || '.'}/${name}`;
      const abs = cand.startsWith('/') ? cand : `${cwd}/${cand}`;
      try {
        if ((this.vfs.stat(who, abs, true).mode & 0o170000) !== 0o100000) continue;
        this.vfs.access(who, abs, 1);
        return cand;
      } catch (e) {
        if (e instanceof Errno && e.errno === EACCES) denied = true;
      }
    }
    throw denied ? new ExecError(EACCES, 'Permission denied') : new ExecError(ENOENT, 'command not found');
  }

  /** A fresh anonymous device number (major 0), as Linux gives tmpfs, proc and friends. */
  anonDev(): number { return this.nextAnonMinor++; }

  private credsProc: Process | null = null;
  /** Credentials for walks made before a process exists (spawn): the zone's first uid/gid. */
  spawnCreds(): Process {
    if (!this.credsProc) {
      const p = new Process(this, 0, new Mm(defaultPool()), true);
      const uid = this.options.uid ?? this.host.sys.uid(), gid = this.options.gid ?? this.host.sys.gid();
      p.uid = p.euid = p.suid = p.fsuid = uid;
      p.gid = p.egid = p.sgid = p.fsgid = gid;
      this.credsProc = p;
    }
    return this.credsProc;
  }

  nowMs(): number {
    const [s, ns] = this.host.clock.monotonic();
    return s * 1000 + ns / 1e6;
  }

  log(line: string): void {
    if (this.options.log) this.options.log(line);
  }

  /** Reports an unimplemented call once per name (when verbose). */
  reportUnimplemented(name: string, nr: number, reason: string): void {
    if (!this.options.verbose || this.reported.has(name)) return;
    this.reported.add(name);
    this.log(`unimplemented syscall ${name} (${nr}): ${reason || 'not implemented yet'}`);
  }

  /** The guest-side file for an inherited host handle (lxrun's fds 0, 1, 2). */
  hostStdio(h: number, fallbackMode: number): OpenFile {
    const fs = this.host.fs;
    const kind = fs.kind(h);
    const info = fs.fdInfo(h);
    // fdinfo tells the exact file status flags; without it, guess what a shell would have given.
    let flags = info ? info.flags : fallbackMode | (kind === 'fifo' || kind === 'socket' ? 0 : O_LARGEFILE);
    if (kind === 'tty' && !info) flags = O_RDWR | O_LARGEFILE;
    // What the host says the handle is ('/dev/pts/0', 'pipe:[1234]'), for /proc/self/fd/N.
    let name = `/dev/fd/${h}`;
    try { name = fs.readlink(`/proc/self/fd/${h}`); } catch { /* not a Linux host */ }
    const f = new HostFile(this.host, h, flags, name, name, { inherited: true, kind });
    if (kind === 'tty') f.tty = this.ttyDevice(h);
    return f;
  }

  /** The terminal behind host handle h (one device for the host's controlling terminal). */
  ttyDevice(h: number): TtyDevice {
    let tty = this.ttys.get(0);
    if (!tty) { tty = new TtyDevice(this.host, h); this.ttys.set(0, tty); }
    return tty;
  }

  /** The host terminal if the zone was given one (a stdio handle was a tty): /dev/tty, /dev/console. */
  get hostTty(): TtyDevice | null { return this.ttys.get(0) ?? null; }

  /** fds 0, 1, 2 of the host process as guest files (a closed host fd stays closed). */
  inheritStdio(): (OpenFile | null)[] {
    const get = (h: number, mode: number) => { try { return this.hostStdio(h, mode); } catch { return null; } };
    return [get(0, O_RDONLY), get(1, O_WRONLY), get(2, O_WRONLY)];
  }

  /** Builds a process from an executable. Throws ExecError (one-line message, errno). */
  spawn(o: SpawnOptions): Process {
    const sys = this.host.sys;
    const uid = this.options.uid ?? sys.uid();
    const gid = this.options.gid ?? sys.gid();
    const rlimStack = 8 * 1024 * 1024;
    // the working directory is a directory, not a name (one the zone lacks: PathWalker.missingRef)
    let pwd;
    try { pwd = this.vfs.dirRef(this.spawnCreds(), o.cwd); } catch (e) {
      if (!(e instanceof Errno || e instanceof HostError)) throw e;
      pwd = this.walker.missingRef(this.spawnCreds(), canonical(o.cwd));
    }
    const img = loadImage(this, o.cwd, o.path, o.argv, o.envp, { uid, euid: uid, gid, egid: gid }, rlimStack);
    const pid = this.allocPid();
    const p = new Process(this, pid, img.mem, img.load.mode64);
    setExecPersonality(p, img.load.readImpliesExec);
    this.memRef(img.mem);
    p.uid = p.euid = p.suid = p.fsuid = uid;
    p.gid = p.egid = p.sgid = p.fsgid = gid;
    p.pwd = pwd;
    p.umask = sys.umask();
    p.exe = img.exePath;
    p.argv = img.argv;
    p.envp = o.envp;
    p.comm = img.comm;
    p.rlimits[RLIMIT_STACK].cur = rlimStack;
    p.startMs = this.nowMs();
    p.initialSp = img.load.sp;
    p.image = { auxv: img.load.auxv, mm: img.load.mm };
    // The executable and interpreter stay referenced by their mappings.
    p.mapped.add(img.exeFile);
    if (img.interpFile) p.mapped.add(img.interpFile);
    this.fdUsers.set(p.fds, 1);
    o.stdio.forEach((f, fd) => { if (f) p.fds.install(fd, f, false); });

    const cpu = new Cpu(new CpuState(defaultPool()), img.mem, img.load.mode64);
    for (let i = 0; i < 32; i++) cpu.r[i] = 0;   // RDX = 0: no rtld_fini for glibc's atexit
    cpu.rip = img.load.entry;
    cpu.setRegAddr(RSP, img.load.sp);
    const t = new Task(pid, p, cpu);
    p.tasks.push(t);
    this.procs.set(pid, p);
    if (!this.first || this.first.state !== 'alive') this.first = p;
    claimHostTty(this, p);
    return p;
  }

  allocPid(): number {
    while (this.procs.has(this.nextPid) || this.tasks.has(this.nextPid)) this.nextPid++;
    return this.nextPid++;
  }

  /** Starts the run loops of a process's tasks (once). */
  start(p: Process): void {
    if (p.started) return;
    p.started = true;
    for (const t of p.tasks) this.startTask(t);
  }

  /** The task starts running once the current one yields or blocks (never inside its syscall). */
  startTask(t: Task): void {
    this.running++;
    this.tasks.set(t.tid, t);
    Promise.resolve().then(() => runTask(this, t)).then(() => this.taskEnded(t), (e) => {
      const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      t.proc.killBy(6, { internal: `internal error: ${msg}` });
      this.taskEnded(t);
    });
  }

  private taskEnded(t: Task): void {
    this.running--;
    t.dead = true;
    if (this.tasks.get(t.tid) === t) this.tasks.delete(t.tid);
    const p = t.proc;
    if (p.tasks.includes(t) && p.tasks.every((x) => x.dead)) {
      try {
        exitProcess(this, p);
      } catch (e) {
        this.log(`internal error at exit of pid ${p.pid}: ${e instanceof Error ? e.message : String(e)}`);
        p.resolveDone(p.exit ?? { status: 6, code: 134, signal: 6 });
      }
      return;
    }
    // one thread of several is gone (exit, or killed by a sibling's execve)
    try { exitThread(this, t); } catch (e) {
      this.log(`internal error at exit of thread ${t.tid}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Runs a spawned process until it ends; resolves with how it ended. */
  async run(p: Process): Promise<ExitInfo> {
    this.start(p);
    try {
      return await p.done;
    } finally {
      for (const tty of this.ttys.values()) tty.restore();
    }
  }

  /**
   * A signal from the host (lxrun's SIGINT/SIGTERM/SIGHUP) for the foreground process group: the
   * terminal's, else the first process's group. Sent as the kernel (SI_KERNEL), like a tty's ^C.
   */
  signalForeground(sig: number): void {
    let pgid = 0;
    for (const tty of this.ttys.values()) if (tty.pgrp) pgid = tty.pgrp;
    if (!pgid || this.pgrpMembers(pgid).length === 0) pgid = this.first?.state === 'alive' ? this.first.pgid : 0;
    for (const p of this.pgrpMembers(pgid)) this.signals.sendKernel(p, sig);
  }

  /** Guest processes still running (or stopped). */
  liveProcesses(): Process[] {
    return [...this.procs.values()].filter((p) => p.state === 'alive');
  }

  /** Wakes every task of a process (group exit, SIGKILL). */
  wakeProcess(p: Process): void {
    for (const t of p.tasks) this.signals.wakeTask(t);
    p.contWait.wake();
  }

  /** A host timer (cancel with the returned function). */
  timer(ms: number, fn: () => void): () => void {
    return this.host.sched.after(Math.max(0, ms), fn);
  }

  cancelTimers(p: Process): void {
    if (p.itReal.cancel) { p.itReal.cancel(); p.itReal.cancel = null; }
    p.itReal.expires = 0;
    p.itReal.interval = 0;
  }

  /** CPU time of a process so far (ms). */
  cpuMsOf(p: Process): number {
    let ms = p.deadCpuMs;
    for (const t of p.tasks) ms += t.cpuMs + (t.sliceStart ? this.nowMs() - t.sliceStart : 0);
    return ms;
  }

  pgrpOrphaned(pgid: number): boolean { return pgrpOrphaned(this, pgid); }

  /** Members of a process group that are alive. */
  pgrpMembers(pgid: number): Process[] {
    return [...this.procs.values()].filter((p) => p.pgid === pgid && p.state === 'alive');
  }

  // ---- shared resources ------------------------------------------------------------------------

  memRef(mem: AddressSpace): void { this.mmUsers.set(mem, (this.mmUsers.get(mem) ?? 0) + 1); }
  memUsers(mem: AddressSpace): number { return this.mmUsers.get(mem) ?? 0; }

  /** Drops p's use of mem: the last user tears it down, others leave it to the rest. */
  memUnref(p: Process, mem: AddressSpace): void {
    const n = (this.mmUsers.get(mem) ?? 1) - 1;
    if (n > 0) {
      this.mmUsers.set(mem, n);
      p.mapped = new Set();
      return;
    }
    this.mmUsers.delete(mem);
    mem.destroy();
    sweepMapped(p);
  }

  fdsRef(t: FdTable): FdTable { this.fdUsers.set(t, (this.fdUsers.get(t) ?? 1) + 1); return t; }

  fdsUnref(t: FdTable): void {
    const n = (this.fdUsers.get(t) ?? 1) - 1;
    if (n > 0) { this.fdUsers.set(t, n); return; }
    this.fdUsers.delete(t);
    t.closeAll();
  }

  /** unshare_files: a private copy when the table is shared. */
  fdsUnshare(t: FdTable): FdTable {
    if ((this.fdUsers.get(t) ?? 1) <= 1) return t;
    const c = t.clone();
    this.fdsUnref(t);
    this.fdUsers.set(c, 1);
    return c;
  }

  /** Another live process uses the same signal-handler table (CLONE_SIGHAND). */
  sharesSighand(p: Process): boolean {
    for (const q of this.procs.values()) if (q !== p && q.state === 'alive' && q.sigactions === p.sigactions) return true;
    return false;
  }

  /** Wakes futex waiters on a word (clear_child_tid, robust lists): a shared futex key. */
  futexWake(mem: AddressSpace, addr: number, n: number): number {
    try { return this.futexes.wake(this.futexes.key(mem, addr, false), n); } catch { return 0; }
  }

  /** Message text for a spawn failure (what lxrun prints after `lxrun: PROG: `). */
  static describeExecError(e: unknown): { message: string; status: number } | null {
    if (e instanceof ExecError) return { message: e.message, status: e.status };
    return null;
  }
}

export { bstrToUtf8 };
