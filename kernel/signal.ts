// Signal numbers, names, default actions, signal sets, the kernel's siginfo and pending queues
// (include/linux/signal.h, kernel/signal.c). Generation and delivery live in kernel/signals.ts,
// the x86-64 frame in kernel/sigframe.ts.

export const SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7,
  SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14,
  SIGTERM = 15, SIGSTKFLT = 16, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21,
  SIGTTOU = 22, SIGURG = 23, SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28,
  SIGIO = 29, SIGPWR = 30, SIGSYS = 31, SIGRTMIN = 32, NSIG = 64;

/** [number, strace name without SIG, glibc strsignal() text] */
const TABLE: [number, string, string][] = [
  [1, 'HUP', 'Hangup'],
  [2, 'INT', 'Interrupt'],
  [3, 'QUIT', 'Quit'],
  [4, 'ILL', 'Illegal instruction'],
  [5, 'TRAP', 'Trace/breakpoint trap'],
  [6, 'ABRT', 'Aborted'],
  [7, 'BUS', 'Bus error'],
  [8, 'FPE', 'Floating point exception'],
  [9, 'KILL', 'Killed'],
  [10, 'USR1', 'User defined signal 1'],
  [11, 'SEGV', 'Segmentation fault'],
  [12, 'USR2', 'User defined signal 2'],
  [13, 'PIPE', 'Broken pipe'],
  [14, 'ALRM', 'Alarm clock'],
  [15, 'TERM', 'Terminated'],
  [16, 'STKFLT', 'Stack fault'],
  [17, 'CHLD', 'Child exited'],
  [18, 'CONT', 'Continued'],
  [19, 'STOP', 'Stopped (signal)'],
  [20, 'TSTP', 'Stopped'],
  [21, 'TTIN', 'Stopped (tty input)'],
  [22, 'TTOU', 'Stopped (tty output)'],
  [23, 'URG', 'Urgent I/O condition'],
  [24, 'XCPU', 'CPU time limit exceeded'],
  [25, 'XFSZ', 'File size limit exceeded'],
  [26, 'VTALRM', 'Virtual timer expired'],
  [27, 'PROF', 'Profiling timer expired'],
  [28, 'WINCH', 'Window changed'],
  [29, 'IO', 'I/O possible'],
  [30, 'PWR', 'Power failure'],
  [31, 'SYS', 'Bad system call'],
];
const NAMES: string[] = [];
const TEXTS: string[] = [];
for (const [n, name, text] of TABLE) { NAMES[n] = name; TEXTS[n] = text; }

/** 'SIGSEGV'; real-time signals as strace shows them ('SIGRTMIN', 'SIGRT_3'). */
export function signalName(n: number): string {
  if (NAMES[n]) return 'SIG' + NAMES[n];
  if (n === SIGRTMIN) return 'SIGRTMIN';
  if (n > SIGRTMIN && n <= NSIG) return `SIGRT_${n - SIGRTMIN}`;
  return `${n}`;
}
/** The short name used inside strace's signal sets ('SEGV', 'RT_3'). */
export function signalShortName(n: number): string {
  const s = signalName(n);
  return s.startsWith('SIG') ? s.slice(3) : s;
}
/** strsignal() text: 'Segmentation fault'. */
export function signalText(n: number): string {
  if (TEXTS[n]) return TEXTS[n];
  if (n >= SIGRTMIN && n <= NSIG) return `Real-time signal ${n - SIGRTMIN}`;
  return `Unknown signal ${n}`;
}

export type DefaultAction = 'term' | 'core' | 'ign' | 'stop' | 'cont';
export function defaultAction(sig: number): DefaultAction {
  switch (sig) {
    case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE: case SIGSEGV:
    case SIGXCPU: case SIGXFSZ: case SIGSYS:
      return 'core';
    case SIGCHLD: case SIGURG: case SIGWINCH: return 'ign';
    case SIGCONT: return 'cont';
    case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU: return 'stop';
    default: return 'term';
  }
}

/** A 64-bit signal set as two 32-bit words (bit n-1 is signal n). */
export class SigSet {
  constructor(public lo = 0, public hi = 0) {}
  has(sig: number): boolean { return sig <= 32 ? ((this.lo >>> (sig - 1)) & 1) === 1 : ((this.hi >>> (sig - 33)) & 1) === 1; }
  add(sig: number): void { if (sig <= 32) this.lo |= 1 << (sig - 1); else this.hi |= 1 << (sig - 33); }
  del(sig: number): void { if (sig <= 32) this.lo &= ~(1 << (sig - 1)); else this.hi &= ~(1 << (sig - 33)); }
  isEmpty(): boolean { return this.lo === 0 && this.hi === 0; }
  clone(): SigSet { return new SigSet(this.lo, this.hi); }
  /** Signal numbers in the set, ascending. */
  members(): number[] {
    const out: number[] = [];
    for (let s = 1; s <= NSIG; s++) if (this.has(s)) out.push(s);
    return out;
  }
}

/** The kernel's struct sigaction for one signal. */
export interface SigAction {
  handler: number;      // SIG_DFL (0), SIG_IGN (1) or a guest address
  flags: number;        // SA_* (low 32 bits; the high half of sa_flags is unused on x86)
  restorer: number;
  mask: SigSet;
}

export function newSigActions(): SigAction[] {
  const a: SigAction[] = [];
  for (let s = 0; s <= NSIG; s++) a.push({ handler: 0, flags: 0, restorer: 0, mask: new SigSet() });
  return a;
}

/** Signals dequeued before any other (kernel/signal.c SYNCHRONOUS_MASK). */
export const SYNCHRONOUS = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS];
export const STOP_SIGNALS = [SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU];
export function isStopSignal(sig: number): boolean { return sig === SIGSTOP || sig === SIGTSTP || sig === SIGTTIN || sig === SIGTTOU; }

// si_code values (asm-generic/siginfo.h)
export const SI_USER = 0, SI_KERNEL = 0x80, SI_QUEUE = -1, SI_TIMER = -2, SI_MESGQ = -3, SI_ASYNCIO = -4,
  SI_SIGIO = -5, SI_TKILL = -6;
export const CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_TRAPPED = 4, CLD_STOPPED = 5, CLD_CONTINUED = 6;

/** sizeof(struct kernel_siginfo) on x86-64: si_signo, si_errno, si_code and the 32-byte union. */
export const KSIGINFO_SIZE = 48;
/** sizeof(siginfo_t) as user space sees it. */
export const SIGINFO_SIZE = 128;

/**
 * A struct kernel_siginfo as bytes (x86-64 layout: si_signo @0, si_errno @4, si_code @8, union @16:
 * pid @16 uid @20 | tid @16 overrun @20 sigval @24 | status @24 utime @32 stime @40 | addr @16).
 * copy_siginfo_to_user writes these 48 bytes and zeroes the rest of the 128.
 */
export class SigInfo {
  readonly b = new Uint8Array(KSIGINFO_SIZE);
  private readonly dv = new DataView(this.b.buffer);
  constructor(signo: number, code: number) {
    this.dv.setInt32(0, signo, true);
    this.dv.setInt32(8, code, true);
  }
  get signo(): number { return this.dv.getInt32(0, true); }
  get code(): number { return this.dv.getInt32(8, true); }
  set code(c: number) { this.dv.setInt32(8, c, true); }
  i32(off: number, v: number): this { this.dv.setInt32(off, v | 0, true); return this; }
  u64(off: number, v: number): this {
    this.dv.setUint32(off, v >>> 0, true);
    this.dv.setUint32(off + 4, Math.floor(v / 4294967296) >>> 0, true);
    return this;
  }
  getI32(off: number): number { return this.dv.getInt32(off, true); }
  /**
   * The 128 bytes user space receives: copy_siginfo_to_user for a 64-bit task, and for an i386 one
   * copy_siginfo_to_user32's compat_siginfo_t (union @12, 32-bit pointers, longs and clock_t),
   * which copies only the fields of the layout siginfo_layout picks from si_signo and si_code.
   */
  user(mode64 = true): Uint8Array {
    const out = new Uint8Array(SIGINFO_SIZE);
    if (mode64) { out.set(this.b); return out; }
    const o = new DataView(out.buffer);
    const f = this.dv;
    o.setInt32(0, f.getInt32(0, true), true);
    o.setInt32(4, f.getInt32(4, true), true);
    o.setInt32(8, f.getInt32(8, true), true);
    for (const [from, to] of COMPAT_FIELDS[siginfoLayout(this.signo, this.code)]) o.setInt32(to, f.getInt32(from, true), true);
    return out;
  }
  static fromBytes(b: Uint8Array): SigInfo {
    const s = new SigInfo(0, 0);
    s.b.set(b.subarray(0, KSIGINFO_SIZE));
    return s;
  }
  /**
   * A compat_siginfo_t from an i386 task (rt_sigqueueinfo, rt_tgsigqueueinfo), as
   * __copy_siginfo_from_user32: si_signo replaced by the call's sig, then the fields of its layout
   * (post_copy_siginfo_from_user32; pointers and longs zero- or sign-extended like the kernel).
   */
  static fromUser32(b: Uint8Array, sig: number): SigInfo {
    const u = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const s = new SigInfo(sig, u.getInt32(8, true));
    s.i32(4, u.getInt32(4, true));
    const lay = siginfoLayout(sig, s.code);
    for (const [to, from] of COMPAT_FIELDS[lay]) s.i32(to, u.getInt32(from, true));
    // compat longs (si_band, si_utime, si_stime) are signed: sign-extend into the 64-bit slot
    for (const off of COMPAT_SIGNED[lay]) s.i32(off + 4, s.getI32(off) < 0 ? -1 : 0);
    return s;
  }

  /** kill(): SI_USER with the sender's pid and uid. */
  static user(sig: number, code: number, pid: number, uid: number): SigInfo { return new SigInfo(sig, code).i32(16, pid).i32(20, uid); }
  /** SEND_SIG_PRIV: from the kernel, si_code SI_KERNEL, no sender. */
  static kernel(sig: number): SigInfo { return new SigInfo(sig, SI_KERNEL); }
  /** A fault: si_addr set. */
  static fault(sig: number, code: number, addr: number): SigInfo { return new SigInfo(sig, code).u64(16, addr); }
}

/** enum siginfo_layout (kernel/signal.c): which union member a (signo, si_code) pair uses. */
type SiLayout = 'kill' | 'timer' | 'poll' | 'fault' | 'mceerr' | 'bnderr' | 'pkuerr' | 'perf' | 'chld' | 'rt' | 'sys';

/** sig_sicodes: the signals with their own si_code ranges, and the number of codes each has. */
const SIG_SICODES: Record<number, [number, SiLayout]> = {
  [SIGILL]: [11, 'fault'], [SIGFPE]: [15, 'fault'], [SIGSEGV]: [10, 'fault'], [SIGBUS]: [5, 'fault'],
  [SIGTRAP]: [6, 'fault'], [SIGCHLD]: [6, 'chld'], [SIGIO]: [6, 'poll'], [SIGSYS]: [2, 'sys'],
};
const NSIGPOLL = 6;
const BUS_MCEERR_AR = 4, BUS_MCEERR_AO = 5, SEGV_BNDERR = 3, SEGV_PKUERR = 4, TRAP_PERF = 6;

/** siginfo_layout */
export function siginfoLayout(sig: number, code: number): SiLayout {
  if (code > SI_USER && code < SI_KERNEL) {
    const c = SIG_SICODES[sig];
    if (c && code <= c[0]) {
      if (sig === SIGBUS && code >= BUS_MCEERR_AR && code <= BUS_MCEERR_AO) return 'mceerr';
      if (sig === SIGSEGV && code === SEGV_BNDERR) return 'bnderr';
      if (sig === SIGSEGV && code === SEGV_PKUERR) return 'pkuerr';
      if (sig === SIGTRAP && code === TRAP_PERF) return 'perf';
      return c[1];
    }
    return code <= NSIGPOLL ? 'poll' : 'kill';
  }
  if (code === SI_TIMER) return 'timer';
  if (code === SI_SIGIO) return 'poll';
  return code < 0 ? 'rt' : 'kill';
}

/**
 * [x86-64 kernel_siginfo offset, compat_siginfo_t offset] of each 32-bit word a layout copies
 * (measured with offsetof under gcc -m64 and -m32: si_pid 16/12, si_uid 20/16, si_tid 16/12,
 * si_overrun 20/16, si_int 24/20, si_status 24/20, si_utime 32/24, si_stime 40/28, si_addr 16/12,
 * si_addr_lsb 24/16, si_lower 32/20, si_upper 40/24, si_pkey 32/20, si_band 16/12, si_fd 24/16,
 * si_call_addr 16/12, si_syscall 24/16, si_arch 28/20; perf: data 24/16, type 32/20, flags 36/24).
 * Pointers and longs keep their low word, as ptr_to_compat and the compat assignments do.
 */
const COMPAT_FIELDS: Record<SiLayout, [number, number][]> = {
  kill: [[16, 12], [20, 16]],
  timer: [[16, 12], [20, 16], [24, 20]],
  poll: [[16, 12], [24, 16]],
  fault: [[16, 12]],
  mceerr: [[16, 12], [24, 16]],
  bnderr: [[16, 12], [32, 20], [40, 24]],
  pkuerr: [[16, 12], [32, 20]],
  perf: [[16, 12], [24, 16], [32, 20], [36, 24]],
  chld: [[16, 12], [20, 16], [24, 20], [32, 24], [40, 28]],
  rt: [[16, 12], [20, 16], [24, 20]],
  sys: [[16, 12], [24, 16], [28, 20]],
};
/** The kernel_siginfo offsets of compat fields that are signed longs (sign-extended when read). */
const COMPAT_SIGNED: Record<SiLayout, number[]> = {
  kill: [], timer: [], poll: [16], fault: [], mceerr: [], bnderr: [], pkuerr: [], perf: [], chld: [32, 40], rt: [], sys: [],
};

/** struct sigpending: the set of pending signals and the queued siginfo of each instance. */
export class SigPending {
  set = new SigSet();
  queue: SigInfo[] = [];

  has(sig: number): boolean { return this.set.has(sig); }

  /** Removes every instance of sig. */
  flush(sig: number): void {
    if (!this.set.has(sig)) return;
    this.set.del(sig);
    this.queue = this.queue.filter((q) => q.signo !== sig);
  }

  /** The lowest pending signal not in mask, synchronous signals first (next_signal). */
  next(mask: SigSet): number {
    const lo = this.set.lo & ~mask.lo, hi = this.set.hi & ~mask.hi;
    if (lo === 0 && hi === 0) return 0;
    if (lo !== 0) {
      let x = lo;
      const sync = x & ((1 << (SIGSEGV - 1)) | (1 << (SIGBUS - 1)) | (1 << (SIGILL - 1)) | (1 << (SIGTRAP - 1)) |
        (1 << (SIGFPE - 1)) | (1 << (SIGSYS - 1)));
      if (sync) x = sync;
      return 31 - Math.clz32(x & -x) + 1;
    }
    return 32 + 31 - Math.clz32(hi & -hi) + 1;
  }

  /** Takes one instance of sig (collect_signal): its queued info, or a bare SI_USER one. */
  take(sig: number): SigInfo {
    const i = this.queue.findIndex((q) => q.signo === sig);
    let info: SigInfo;
    if (i >= 0) {
      info = this.queue[i];
      this.queue.splice(i, 1);
      if (!this.queue.some((q) => q.signo === sig)) this.set.del(sig);
    } else {
      // a fast-pathed signal, or the queue was full: Linux reports it as SI_USER from nobody
      this.set.del(sig);
      info = new SigInfo(sig, SI_USER);
    }
    return info;
  }

  isEmpty(): boolean { return this.set.isEmpty(); }
}
