// System-call entry: pick the ABI's table entry, unpack the argument registers by the call's
// signature, run the handler, map every failure to a Linux errno, and feed the trace hooks.
// Handlers never throw into the guest: Errno/HostError → -errno, GuestFault → -EFAULT, anything
// else is an emulator bug and becomes an InternalError that kills the process cleanly.

import type { Cpu } from '../cpu/cpu.js';
import { GuestFault } from '../cpu/memory.js';
import { Errno, HostError, EFAULT, ENOSYS, KEEP_REGS } from '../kernel/errno.js';
import type { Task } from '../kernel/process.js';
import { expandStack } from '../kernel/mm.js';
import type { SyscallEvent } from '../kernel/trace.js';
import { decodeArgs, formatCall, formatResult } from './strace.js';
import { unpackClass } from './signatures.js';
import { I386 } from './table-i386.js';
import { X86_64 } from './table-x86_64.js';
import type { Abi, SyscallEntry } from './types.js';

/** An emulator bug inside a handler: the process is killed with this one-line message. */
export class InternalError extends Error {}

const TWO32 = 4294967296;

const classCache = new WeakMap<SyscallEntry, string[]>();
function classes(e: SyscallEntry): string[] {
  let c = classCache.get(e);
  if (!c) { c = e.args.map(unpackClass); classCache.set(e, c); }
  return c;
}

const UNKNOWN_ARGS = ['x', 'x', 'x', 'x', 'x', 'x'];

/** The arguments of the current call, unpacked per kinds. */
export function unpackArgs(abi: Abi, r: Int32Array, kinds: string[], cls?: string[]): number[] {
  const n = Math.min(kinds.length, 6);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const reg = abi.argRegs[i];
    const lo = r[2 * reg], hi = r[2 * reg + 1];
    switch (cls ? cls[i] : unpackClass(kinds[i])) {
      case 'i': out[i] = lo; break;
      case 'u': out[i] = lo >>> 0; break;
      case 'l': out[i] = abi.wordSize === 8 ? hi * TWO32 + (lo >>> 0) : lo; break;
      default: out[i] = abi.wordSize === 8 ? (hi >>> 0) * TWO32 + (lo >>> 0) : lo >>> 0; break;
    }
  }
  return out;
}

/** Stores a syscall result in RAX (64-bit: negative values sign-extend). */
export function setReturn(cpu: Cpu, v: number): void {
  if (cpu.mode64) {
    cpu.r[0] = v % TWO32 | 0;
    cpu.r[1] = Math.floor(v / TWO32) | 0;
  } else {
    cpu.r[0] = v | 0;
    cpu.r[1] = 0;
  }
}

/** The table a task's calls go to: a 32-bit task (int 0x80) uses i386's numbers and registers. */
export function abiFor(t: Task): Abi {
  return t.proc.mode64 ? X86_64 : I386;
}

/** Maps a handler failure to -errno, or throws InternalError. */
function failure(e: unknown, name: string): number {
  if (e instanceof Errno) return -e.errno;
  if (e instanceof HostError) return -e.errno;
  if (e instanceof GuestFault) return -EFAULT;
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  throw new InternalError(`internal error in syscall ${name}: ${msg}`);
}

function makeEvent(t: Task, abi: Abi, nr: number, e: SyscallEntry | undefined, args: number[]): SyscallEvent {
  const name = e ? e.name : `syscall_0x${nr.toString(16)}`;
  const ev: SyscallEvent = {
    abi: abi.name === 'x86_64' ? 'x86_64' : 'i386', pid: t.proc.pid, tid: t.tid, nr, name, args, support: e ? e.support : 'unimplemented',
    t0: t.kernel.nowMs(),
    format: () => formatCall(t, abi, e, nr, args, ev.result),
    decodeArgs: () => decodeArgs(t, abi, e, args, ev.result),
  };
  return ev;
}

/** Serves the system call the task just made; the result (or its promise) goes to RAX. */
export function syscallEntry(t: Task): number | Promise<number> {
  const abi = abiFor(t);
  const cpu = t.cpu;
  const nr = cpu.r[0];
  t.origAx = nr;
  t.proc.current = t;          // the thread a path walk of this call speaks for (/proc/thread-self)
  const e = nr >= 0 ? abi.table[nr] : undefined;
  const args = e ? unpackArgs(abi, cpu.r, e.args, classes(e)) : unpackArgs(abi, cpu.r, UNKNOWN_ARGS);
  const k = t.kernel;
  const hooks = k.hooks;
  let ev: SyscallEvent | null = null;
  if (hooks.length) {
    ev = makeEvent(t, abi, nr, e, args);
    if (e && (e.name === 'execve' || e.name === 'execveat')) {
      // the arguments live in the memory a successful exec replaces: decode them now
      const decoded = decodeArgs(t, abi, e, args, undefined);
      const evx = ev;
      evx.decodeArgs = () => decoded;
      evx.format = () => `${`${e.name}(${decoded.join(', ')})`.padEnd(39)} = ${formatResult(e, evx.result)}`;
    }
    for (const h of hooks) h.enter?.(ev);
  }
  const name = e ? e.name : `syscall_0x${(nr >>> 0).toString(16)}`;
  let r: number | Promise<number>;
  if (!e || !e.handler) {
    k.reportUnimplemented(name, nr, e ? e.reason : 'no such system call');
    r = -ENOSYS;
  } else {
    if (ev && e.ret === 'none') { for (const h of hooks) h.exit?.(ev); ev = null; }
    for (let tries = 0; ; tries++) {
      try {
        r = e.handler(t, args);
      } catch (err) {
        // A user buffer just below the stack: Linux grows the stack in the fault path and the copy
        // goes on. Handlers touch user memory before any side effect, so a retry is safe.
        if (err instanceof GuestFault && tries < 64 && expandStack(t.proc, err.addr)) continue;
        r = failure(err, name);
      }
      break;
    }
    if (typeof r !== 'number') {
      const evp = ev;
      return r.then((v) => v, (err) => failure(err, name)).then((v) => {
        if (evp) finish(t, evp, v);
        return v;
      });
    }
  }
  if (ev) finish(t, ev, r);
  return r;
}

function finish(t: Task, ev: SyscallEvent, r: number): void {
  // rt_sigreturn leaves RAX as restored: that is its result
  if (r === KEEP_REGS) r = t.cpu.mode64 ? (t.cpu.r[1] * TWO32 + (t.cpu.r[0] >>> 0)) : t.cpu.r[0];
  ev.result = r;
  ev.t1 = t.kernel.nowMs();
  for (const h of t.kernel.hooks) h.exit?.(ev);
}
