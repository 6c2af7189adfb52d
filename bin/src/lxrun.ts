// lxrun: run a Linux x86-64 ELF program on the emulated CPU and kernel.
//   lxrun [options] PROGRAM [ARGS...]
// Exit status is the guest's (128+N when signal N killed it). Every failure is one line on stderr.

import { u64Hex } from '../../cpu/fault.js';
import fs from 'node:fs';
import path from 'node:path';
import { Kernel } from '../../kernel/kernel.js';
import { ExecError } from '../../kernel/exec.js';
import { utf8ToBstr, fromBstr } from '../../kernel/host.js';
import { quote, MAX_STR } from '../../syscalls/strace.js';
import { X86_64 } from '../../syscalls/table-x86_64.js';
import { signalName, signalText, SIGHUP, SIGINT, SIGPIPE, SIGTERM } from '../../kernel/signal.js';
import type { ExitInfo } from '../../kernel/process.js';
import { nodeHost } from '../../host/node.js';

const USAGE = `Usage: lxrun [options] PROGRAM [ARGS...]
Run a Linux x86-64 ELF program on lxbrand's emulated CPU and kernel.

Options:
  -h, --help          show this help and exit
  --strace            print every system call to stderr, strace style
  -v, --verbose       report each unimplemented system call once, with the reason
  -e, --env K=V       set an environment variable for the program (repeatable)
  -u, --unset K       remove an environment variable
  -i, --clear-env     start from an empty environment instead of lxrun's own
  --release R         kernel release reported by uname (default: the host's)
  --syscalls          list the x86-64 system call table with each call's support, and exit
  --                  end of options

PROGRAM is found like execvp(3): a name with a '/' is a path, otherwise PATH is searched.
The exit status is the program's, or 128+N when signal N ended it.`;

/** One line to stderr, synchronously (ordered with the guest's own writes). */
function say(line: string): void {
  try { fs.writeSync(2, line.endsWith('\n') ? line : line + '\n'); } catch { /* stderr gone */ }
}

interface Options {
  strace: boolean;
  verbose: boolean;
  env: Map<string, string>;
  release?: string;
  program: string;
  args: string[];
}

class UsageError extends Error {}

export function parseArgs(argv: string[]): Options | 'help' | 'syscalls' {
  const env = new Map<string, string>(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  const o: Options = { strace: false, verbose: false, env, program: '', args: [] };
  let i = 0;
  const value = (opt: string): string => {
    if (i + 1 >= argv.length) throw new UsageError(`option ${opt} needs a value`);
    return argv[++i];
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { i++; break; }
    if (!a.startsWith('-') || a === '-') break;
    if (a === '-h' || a === '--help') return 'help';
    else if (a === '--syscalls') return 'syscalls';
    else if (a === '--strace') o.strace = true;
    else if (a === '-v' || a === '--verbose') o.verbose = true;
    else if (a === '-i' || a === '--clear-env') env.clear();
    else if (a === '-e' || a === '--env' || a.startsWith('--env=')) {
      const kv = a.startsWith('--env=') ? a.slice(6) : value(a);
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new UsageError(`-e wants K=V, got '${kv}'`);
      env.set(kv.slice(0, eq), kv.slice(eq + 1));
    } else if (a === '-u' || a === '--unset') env.delete(value(a));
    else if (a === '--release' || a.startsWith('--release=')) o.release = a.startsWith('--release=') ? a.slice(10) : value(a);
    else throw new UsageError(`unknown option '${a}' (try --help)`);
  }
  if (i >= argv.length) throw new UsageError('no program given (try --help)');
  o.program = argv[i];
  o.args = argv.slice(i + 1);
  return o;
}

/** execvp's search: the path to run, or an error line and status. */
function resolveProgram(prog: string, env: Map<string, string>): string | { message: string; status: number } {
  if (prog.includes('/')) return prog;
  const PATH = env.get('PATH') ?? '/usr/local/bin:/bin:/usr/bin';
  let denied = false;
  for (const dir of PATH.split(':')) {
    const cand = path.join(dir || '.', prog);
    try {
      const st = fs.statSync(cand);
      if (!st.isFile()) continue;
      fs.accessSync(cand, fs.constants.X_OK);
      return cand;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EACCES') denied = true;
    }
  }
  return denied ? { message: 'Permission denied', status: 126 } : { message: 'command not found', status: 127 };
}

function describe(prog: string, info: ExitInfo): string | null {
  if (info.internal) return `lxrun: ${prog}: ${info.internal}`;
  if (info.fault) {
    const s = info.fault.signal;
    return `lxrun: ${prog}: ${signalText(s.signo)} (${signalName(s.signo)} at 0x${u64Hex(s.addr)}, rip 0x${info.fault.rip.toString(16)})`;
  }
  if (info.signal && info.signal !== SIGINT && info.signal !== SIGPIPE) {
    return `lxrun: ${prog}: ${signalText(info.signal)}${info.status & 0x80 ? ' (core dumped)' : ''}`;
  }
  return null;
}

/** The x86-64 table as text: one line per call, then the counts. */
export function supportTable(): string {
  const count = { full: 0, partial: 0, unimplemented: 0 };
  let out = '';
  for (const e of X86_64.table) {
    if (!e) continue;
    count[e.support]++;
    out += `${String(e.nr).padStart(3)} ${e.name.padEnd(24)} ${e.support.padEnd(13)} ${e.reason}`.trimEnd() + '\n';
  }
  return out + `x86-64: ${count.full} full, ${count.partial} partial, ${count.unimplemented} unimplemented\n`;
}

/** Runs lxrun with command-line arguments; resolves with the exit status. */
export async function main(argv: string[]): Promise<number> {
  let o: Options | 'help' | 'syscalls';
  try {
    o = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) { say(`lxrun: ${e.message}`); return 2; }
    throw e;
  }
  if (o === 'help') { process.stdout.write(USAGE + '\n'); return 0; }
  if (o === 'syscalls') { process.stdout.write(supportTable()); return 0; }

  const resolved = resolveProgram(o.program, o.env);
  if (typeof resolved !== 'string') { say(`lxrun: ${o.program}: ${resolved.message}`); return resolved.status; }

  const host = nodeHost();
  const kernel = new Kernel({
    host, verbose: o.verbose, release: o.release, log: (line) => say(`lxrun: ${line}`),
  });
  let firstPid = 0;
  if (o.strace) {
    // strace -f style: lines of other processes carry their pid
    kernel.hooks.push({ exit: (ev) => say(firstPid && ev.pid !== firstPid ? `[pid ${String(ev.pid).padStart(5)}] ${ev.format()}` : ev.format()) });
  }
  const envp = [...o.env].map(([k, v]) => utf8ToBstr(`${k}=${v}`));
  const argvG = [o.program, ...o.args].map(utf8ToBstr);
  const cwd = utf8ToBstr(process.cwd());
  let proc;
  try {
    proc = kernel.spawn({ path: utf8ToBstr(resolved), argv: argvG, envp, cwd, stdio: kernel.inheritStdio() });
  } catch (e) {
    if (e instanceof ExecError) { say(`lxrun: ${o.program}: ${e.message}`); return e.status; }
    throw e;
  }
  firstPid = proc.pid;
  if (o.strace) {
    const q = (s: string) => quote(fromBstr(s).subarray(0, MAX_STR)) + (s.length > MAX_STR ? '...' : '');
    const envAddr = proc.initialSp + 8 * (argvG.length + 2);
    say(`execve(${quote(fromBstr(utf8ToBstr(resolved)))}, [${argvG.map(q).join(', ')}], 0x${envAddr.toString(16)} /* ${envp.length} vars */) = 0`);
  }
  // A guest that waits for ever (pause, a read nobody answers) keeps lxrun alive, as natively.
  const keepAlive = setInterval(() => { /* the guest is still running */ }, 1 << 30);
  // Host SIGINT/SIGTERM/SIGHUP go to the guest's foreground process group.
  const forward = (name: NodeJS.Signals, n: number) => {
    const h = () => { kernel.signalForeground(n); };
    process.on(name, h);
    return () => process.off(name, h);
  };
  const unforward = [forward('SIGINT', SIGINT), forward('SIGTERM', SIGTERM), forward('SIGHUP', SIGHUP)];
  let info: ExitInfo;
  try {
    info = await kernel.run(proc);
  } finally {
    clearInterval(keepAlive);
    for (const u of unforward) u();
  }
  if (o.strace) {
    if (info.signal !== undefined) say(`+++ killed by ${signalName(info.signal)}${info.status & 0x80 ? ' (core dumped)' : ''} +++`);
    else say(`+++ exited with ${info.code} +++`);
  }
  const line = describe(o.program, info);
  if (line) say(line);
  // for bench/: guest instructions retired by the interpreter
  if (process.env.LXRUN_STATS === '1') say(`lxrun: stats insns=${proc.tasks.reduce((n, t) => n + t.cpu.retired, 0)}`);
  return info.code;
}

/** Entry point for bin/lxrun: never lets a JS stack reach the user. */
export function run(argv: string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (e) => {
      say(`lxrun: internal error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      process.exit(134);
    },
  );
}
