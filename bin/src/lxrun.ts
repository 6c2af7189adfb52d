// lxrun: run a Linux x86-64 ELF program on the emulated CPU and kernel.
//   lxrun [options] PROGRAM [ARGS...]
// Exit status is the guest's (128+N when signal N killed it). Every failure is one line on stderr.

import { u64Hex } from '../../cpu/fault.js';
import fs from 'node:fs';
import path from 'node:path';
import { Kernel } from '../../kernel/kernel.js';
import type { MountSpec } from '../../kernel/fs/setup.js';
import type { FileSystem } from '../../kernel/fs/inode.js';
import { imageFs } from '../../rootfs/image.js';
import { ExecError } from '../../kernel/exec.js';
import { utf8ToBstr, fromBstr } from '../../kernel/host.js';
import { quote, MAX_STR } from '../../syscalls/strace.js';
import { X86_64 } from '../../syscalls/table-x86_64.js';
import { I386 } from '../../syscalls/table-i386.js';
import type { Abi } from '../../syscalls/types.js';
import { signalName, signalText, SIGHUP, SIGINT, SIGPIPE, SIGTERM } from '../../kernel/signal.js';
import type { ExitInfo } from '../../kernel/process.js';
import { nodeHost } from '../../host/node.js';

const USAGE = `Usage: lxrun [options] PROGRAM [ARGS...]
Run a Linux x86-64 ELF program on lxbrand's emulated CPU and kernel.

Options:
  -h, --help          show this help and exit
  --strace            print every system call to stderr, strace style
  --verbose           report each unimplemented system call once, with the reason
  --root DIR          use host directory DIR as the root file system (read-only; writes go to
                      a tmpfs layered over it)
  --image FILE        import a root file system from a tar archive (.tar, .tar.gz) into memory
                      and run inside it (writable; nothing reaches FILE)
  -v, --volume HOST:GUEST[:ro|:rw]
                      bind-mount a host directory (read-write unless :ro; repeatable)
  --tmpfs DIR         mount a fresh, empty tmpfs at DIR inside the root (repeatable)
  -w, --workdir DIR   working directory inside the root (default: the current directory
                      without --root/--image, / with them)
  --hostname NAME     the zone's host name (uname -n)
  --cpus N            CPUs the programs see (sched_getaffinity, /proc/cpuinfo; default: the host's)
  -e, --env K=V       set an environment variable for the program (repeatable)
  -u, --unset K       remove an environment variable
  -i, --clear-env     start from an empty environment instead of lxrun's own
  --release R         kernel release reported by uname (default: the host's)
  --syscalls[=i386]   list the x86-64 (or i386) system call table with each call's support, and exit
  --                  end of options

Without --root or --image the host's / is the root, read-only, except the host's /tmp and the
current directory, which are writable (-v HOST:GUEST and --tmpfs DIR add more).
PROGRAM is found like execvp(3) inside the root: a name with a '/' is a path, otherwise PATH is searched.
The exit status is the program's, or 128+N when signal N ended it.`;

/** One line to stderr, synchronously (ordered with the guest's own writes). */
function say(line: string): void {
  try { fs.writeSync(2, line.endsWith('\n') ? line : line + '\n'); } catch { /* stderr gone */ }
}

interface Volume { host: string; guest: string; readonly: boolean }

interface Options {
  strace: boolean;
  verbose: boolean;
  root?: string;
  image?: string;
  volumes: Volume[];
  tmpfs: string[];
  workdir?: string;
  hostname?: string;
  cpus?: number;
  env: Map<string, string>;
  release?: string;
  program: string;
  args: string[];
}

class UsageError extends Error {}

export function parseArgs(argv: string[]): Options | 'help' | { syscalls: Abi } {
  const env = new Map<string, string>(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  const o: Options = { strace: false, verbose: false, volumes: [], tmpfs: [], env, program: '', args: [] };
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
    else if (a === '--syscalls' || a === '--syscalls=x86_64') return { syscalls: X86_64 };
    else if (a === '--syscalls=i386') return { syscalls: I386 };
    else if (a === '--strace') o.strace = true;
    else if (a === '--verbose') o.verbose = true;
    else if (a === '--root' || a.startsWith('--root=')) o.root = a.startsWith('--root=') ? a.slice(7) : value(a);
    else if (a === '--image' || a.startsWith('--image=')) o.image = a.startsWith('--image=') ? a.slice(8) : value(a);
    else if (a === '-v' || a === '--volume' || a.startsWith('--volume=')) o.volumes.push(parseVolume(a.startsWith('--volume=') ? a.slice(9) : value(a)));
    else if (a === '--tmpfs' || a.startsWith('--tmpfs=')) {
      const d = a.startsWith('--tmpfs=') ? a.slice(8) : value(a);
      if (!d.startsWith('/')) throw new UsageError(`--tmpfs wants an absolute path inside the root, not '${d}'`);
      o.tmpfs.push(path.posix.normalize(d));
    } else if (a === '-w' || a === '--workdir' || a.startsWith('--workdir=')) o.workdir = a.startsWith('--workdir=') ? a.slice(10) : value(a);
    else if (a === '--hostname' || a.startsWith('--hostname=')) o.hostname = a.startsWith('--hostname=') ? a.slice(11) : value(a);
    else if (a === '--cpus' || a.startsWith('--cpus=')) {
      const v = a.startsWith('--cpus=') ? a.slice(7) : value(a);
      if (!/^[1-9][0-9]*$/.test(v) || Number(v) > 1024) throw new UsageError(`--cpus wants a number from 1 to 1024, not '${v}'`);
      o.cpus = Number(v);
    }
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
  if (o.root !== undefined && o.image !== undefined) throw new UsageError('--root and --image cannot be used together');
  if (o.workdir !== undefined && !o.workdir.startsWith('/')) throw new UsageError(`--workdir wants an absolute path inside the root, not '${o.workdir}'`);
  o.program = argv[i];
  o.args = argv.slice(i + 1);
  return o;
}

/** HOST:GUEST[:ro|:rw] as docker -v takes it. */
function parseVolume(spec: string): Volume {
  const parts = spec.split(':');
  let readonly = false;
  if (parts.length === 3 && (parts[2] === 'ro' || parts[2] === 'rw')) readonly = parts.pop() === 'ro';
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new UsageError(`-v wants HOST:GUEST[:ro|:rw], not '${spec}'`);
  if (!parts[1].startsWith('/')) throw new UsageError(`-v: the guest path must be absolute, not '${parts[1]}'`);
  return { host: path.resolve(parts[0]), guest: path.posix.normalize(parts[1]), readonly };
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

/**
 * The zone's file systems for the options: an imported image, a host directory under an overlay,
 * or (by default) the host's / read-only with the host's /tmp and the working directory writable.
 */
async function zoneMounts(o: Options): Promise<{ mounts: MountSpec[]; cwd: string }> {
  const mounts: MountSpec[] = [];
  const hostDir = (dir: string, what: string): string => {
    let st: fs.Stats;
    try { st = fs.statSync(dir); } catch (e) { throw new UsageError(`${what} ${dir}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`); }
    if (!st.isDirectory()) throw new UsageError(`${what} ${dir}: Not a directory`);
    return path.resolve(dir);
  };
  let cwd: string;
  if (o.image !== undefined) {
    mounts.push({ type: 'fs', fs: await importImage(o.image), target: '/', source: o.image });
    cwd = o.workdir ?? '/';
  } else if (o.root !== undefined) {
    mounts.push({ type: 'overlay', lower: utf8ToBstr(hostDir(o.root, '--root')), target: '/' });
    cwd = o.workdir ?? '/';
  } else {
    mounts.push({ type: 'host', source: '/', target: '/', readonly: true });
    cwd = o.workdir ?? process.cwd();
  }
  mounts.push({ type: 'proc', target: '/proc' }, { type: 'devfs', target: '/dev' },
    { type: 'tmpfs', target: '/dev/shm', mode: 0o1777 }, { type: 'sysfs', target: '/sys' });
  if (o.image === undefined && o.root === undefined) {
    // The host's /tmp stays the host's, writable: programs and inputs named on the command line
    // often live there (as qemu-user would run them); --tmpfs /tmp gives a private one instead.
    if (fs.existsSync('/tmp')) mounts.push({ type: 'host', source: '/tmp', target: '/tmp', readonly: false });
    // like `docker run -v $PWD:$PWD -w $PWD`: the program can work on the files it was started among
    const here = process.cwd();
    if (o.workdir === undefined && here !== '/' && here !== '/tmp' && !here.startsWith('/tmp/')) {
      mounts.push({ type: 'host', source: utf8ToBstr(here), target: utf8ToBstr(here), readonly: false });
    }
  }
  for (const t of o.tmpfs) mounts.push({ type: 'tmpfs', target: utf8ToBstr(t), mode: 0o1777 });
  for (const v of o.volumes) mounts.push({ type: 'host', source: utf8ToBstr(hostDir(v.host, '-v')), target: utf8ToBstr(v.guest), readonly: v.readonly });
  return { mounts, cwd: utf8ToBstr(cwd) };
}

/** --image: a tar (or tar.gz) read into a tmpfs, with a progress bar when stderr is a terminal. */
async function importImage(file: string): Promise<FileSystem> {
  let bytes: Uint8Array;
  try { bytes = fs.readFileSync(file); } catch (e) {
    throw new UsageError(`--image ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`);
  }
  const tty = process.stderr.isTTY;
  let last = -1;
  const progress = (done: number, total: number) => {
    if (!tty || total <= 0) return;
    const pct = Math.floor((done / total) * 100);
    if (pct === last) return;
    last = pct;
    const width = 30, fill = Math.round((pct / 100) * width);
    process.stderr.write(`\rlxrun: importing ${path.basename(file)} [${'#'.repeat(fill)}${' '.repeat(width - fill)}] ${pct}%`);
  };
  try {
    return await imageFs(bytes, () => { const ms = Date.now(); return [Math.floor(ms / 1000), (ms % 1000) * 1e6]; }, progress,
      (w) => say(`lxrun: --image ${file}: ${w}`));
  } catch (e) {
    throw new UsageError(`--image ${file}: ${(e as Error).message}`);
  } finally {
    if (tty && last >= 0) process.stderr.write('\n');
  }
}

/** An ABI's table as text: one line per call, then the counts. */
export function supportTable(abi: Abi = X86_64): string {
  const count = { full: 0, partial: 0, unimplemented: 0 };
  let out = '';
  for (const e of abi.table) {
    if (!e) continue;
    count[e.support]++;
    out += `${String(e.nr).padStart(3)} ${e.name.padEnd(24)} ${e.support.padEnd(13)} ${e.reason}`.trimEnd() + '\n';
  }
  return out + `${abi.name}: ${count.full} full, ${count.partial} partial, ${count.unimplemented} unimplemented\n`;
}

/** Runs lxrun with command-line arguments; resolves with the exit status. */
export async function main(argv: string[]): Promise<number> {
  let o: Options | 'help' | { syscalls: Abi };
  try {
    o = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) { say(`lxrun: ${e.message}`); return 2; }
    throw e;
  }
  if (o === 'help') { process.stdout.write(USAGE + '\n'); return 0; }
  if ('syscalls' in o) { process.stdout.write(supportTable(o.syscalls)); return 0; }

  const host = nodeHost();
  let mounts: MountSpec[];
  let cwd: string;
  try {
    ({ mounts, cwd } = await zoneMounts(o));
  } catch (e) {
    if (e instanceof UsageError) { say(`lxrun: ${e.message}`); return 2; }
    throw e;
  }
  const kernel = new Kernel({
    host, verbose: o.verbose, release: o.release, hostname: o.hostname, cpus: o.cpus, mounts, log: (line) => say(`lxrun: ${line}`),
  });
  let resolved: string;
  try {
    resolved = kernel.findProgram(utf8ToBstr(o.program), utf8ToBstr(o.env.get('PATH') ?? '/usr/local/bin:/bin:/usr/bin'), cwd);
  } catch (e) {
    if (e instanceof ExecError) { say(`lxrun: ${o.program}: ${e.message}`); return e.status; }
    throw e;
  }
  let firstPid = 0;
  if (o.strace) {
    // strace -f style: lines of other processes carry their pid
    kernel.hooks.push({ exit: (ev) => say(firstPid && ev.pid !== firstPid ? `[pid ${String(ev.pid).padStart(5)}] ${ev.format()}` : ev.format()) });
  }
  const envp = [...o.env].map(([k, v]) => utf8ToBstr(`${k}=${v}`));
  const argvG = [o.program, ...o.args].map(utf8ToBstr);
  let proc;
  try {
    proc = kernel.spawn({ path: resolved, argv: argvG, envp, cwd, stdio: kernel.inheritStdio() });
  } catch (e) {
    if (e instanceof ExecError) { say(`lxrun: ${o.program}: ${e.message}`); return e.status; }
    throw e;
  }
  firstPid = proc.pid;
  if (o.strace) {
    const q = (s: string) => quote(fromBstr(s).subarray(0, MAX_STR)) + (s.length > MAX_STR ? '...' : '');
    const envAddr = proc.initialSp + 8 * (argvG.length + 2);
    say(`execve(${quote(fromBstr(resolved))}, [${argvG.map(q).join(', ')}], 0x${envAddr.toString(16)} /* ${envp.length} vars */) = 0`);
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
