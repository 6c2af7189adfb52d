// lxbrand's embedding API: a Zone is an isolated Linux environment (its own kernel instance, pids,
// limits, root) in which programs run; spawn() starts one with given argv, environment, working
// directory and stdio streams and resolves with its exit status.

import { Kernel, KernelOptions } from './kernel/kernel.js';
import { ExecError } from './kernel/exec.js';
import { NullFile, OpenFile, StreamFile } from './kernel/file.js';
import { utf8ToBstr } from './kernel/host.js';
import { O_RDONLY, O_WRONLY } from './kernel/linux.js';
import type { ExitInfo } from './kernel/process.js';
import type { TraceHook } from './kernel/trace.js';
import { nodeHost } from './host/node.js';

export { Kernel } from './kernel/kernel.js';
export type { KernelOptions, SpawnOptions } from './kernel/kernel.js';
export { ExecError } from './kernel/exec.js';
export type { ExitInfo } from './kernel/process.js';
export type { SyscallEvent, TraceHook } from './kernel/trace.js';
export type { Host } from './kernel/host.js';
export { nodeHost } from './host/node.js';

/** Where a child's stdin comes from. */
export type StdinSpec = 'inherit' | 'ignore' | string | Uint8Array | AsyncIterable<Uint8Array | string>;
/** Where a child's stdout/stderr go: the host's own fd, nowhere, or a sink. */
export type StdoutSpec = 'inherit' | 'ignore' | ((chunk: Uint8Array) => void) | { write(chunk: Uint8Array): unknown };

export interface ZoneOptions extends Partial<Omit<KernelOptions, 'host'>> {
  host?: KernelOptions['host'];
}

export interface ZoneSpawnOptions {
  /** Environment as an object (default: empty). */
  env?: Record<string, string>;
  /** Working directory inside the zone (default '/'). */
  cwd?: string;
  stdin?: StdinSpec;
  stdout?: StdoutSpec;
  stderr?: StdoutSpec;
}

export interface ZoneResult extends ExitInfo {}

function sourceOf(spec: StdinSpec): () => Promise<Uint8Array | null> {
  if (typeof spec === 'string' || spec instanceof Uint8Array) {
    let data: Uint8Array | null = typeof spec === 'string' ? new TextEncoder().encode(spec) : spec;
    return async () => { const d = data; data = null; return d && d.length ? d : null; };
  }
  const it = (spec as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  return async () => {
    const r = await it.next();
    if (r.done) return null;
    return typeof r.value === 'string' ? new TextEncoder().encode(r.value) : r.value;
  };
}

export class Zone {
  readonly kernel: Kernel;

  constructor(opts: ZoneOptions = {}) {
    this.kernel = new Kernel({ ...opts, host: opts.host ?? nodeHost() });
  }

  /** Adds a trace hook (strace-style events for every system call in the zone). */
  trace(hook: TraceHook): void { this.kernel.hooks.push(hook); }

  private stdinFile(spec: StdinSpec | undefined): OpenFile {
    if (spec === undefined || spec === 'ignore') return new NullFile(O_RDONLY, '/dev/null');
    if (spec === 'inherit') return this.kernel.hostStdio(0, O_RDONLY);
    return new StreamFile(O_RDONLY, 'pipe:[stdin]', sourceOf(spec), null);
  }

  private outFile(spec: StdoutSpec | undefined, fd: number): OpenFile {
    if (spec === undefined || spec === 'ignore') return new NullFile(O_WRONLY, '/dev/null');
    if (spec === 'inherit') return this.kernel.hostStdio(fd, O_WRONLY);
    const sink = typeof spec === 'function' ? spec : (b: Uint8Array) => { spec.write(b); };
    return new StreamFile(O_WRONLY, `pipe:[${fd === 1 ? 'stdout' : 'stderr'}]`, null, sink);
  }

  /**
   * Runs argv[0] (a path inside the zone, or a name searched in env.PATH) and resolves with how it
   * ended: `code` is the shell-style status. Spawn failures reject with an ExecError.
   */
  async spawn(argv: string[], o: ZoneSpawnOptions = {}): Promise<ZoneResult> {
    if (argv.length === 0) throw new ExecError(2, 'empty argv');
    const env = o.env ?? {};
    const envp = Object.entries(env).map(([k, v]) => utf8ToBstr(`${k}=${v}`));
    const cwd = utf8ToBstr(o.cwd ?? '/');
    const path = this.kernel.findProgram(utf8ToBstr(argv[0]), utf8ToBstr(env.PATH ?? '/usr/local/bin:/bin:/usr/bin'), cwd);
    const stdio = [this.stdinFile(o.stdin), this.outFile(o.stdout, 1), this.outFile(o.stderr, 2)];
    let proc;
    try {
      proc = this.kernel.spawn({ path, argv: argv.map(utf8ToBstr), envp, cwd, stdio });
    } catch (e) {
      for (const f of stdio) f.unref();
      throw e;
    }
    return this.kernel.run(proc);
  }
}
