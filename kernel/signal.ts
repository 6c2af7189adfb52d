// Signal numbers, names, default actions and per-process signal state. Delivery to guest handlers
// (rt_sigframe) arrives with the signals issue; until then a signal whose action is the default
// "terminate" or "core" kills the process, an ignored one is dropped, and one with a handler stays
// pending.

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
