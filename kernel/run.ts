// The execution loop of a process: run the CPU for a slice, serve its system calls, turn CPU
// exceptions into signals, and give the host's event loop a turn every few milliseconds so a
// zone never blocks its host (DESIGN.md decision 7).

import { EXIT_SIGNAL, EXIT_SYSCALL } from '../cpu/cpu.js';
import { SEGV_MAPERR, SIGSEGV } from '../cpu/fault.js';
import { syscallEntry, setReturn, InternalError } from '../syscalls/dispatch.js';
import type { Kernel } from './kernel.js';
import { expandStack, sweepMapped } from './mm.js';
import type { ExitInfo, Process } from './process.js';
import { SIGABRT } from './signal.js';

/** Instructions per slice between checks of the clock. */
const SLICE = 100_000;
/** Longest stretch (ms) the guest runs before the host's event loop gets a turn. */
const YIELD_MS = 10;

export async function runProcess(k: Kernel, p: Process): Promise<ExitInfo> {
  const t = p.mainTask;
  const cpu = t.cpu;
  let lastYield = k.nowMs();
  t.sliceStart = lastYield;
  try {
    while (!p.exit) {
      let why: number;
      try {
        why = cpu.run(SLICE);
      } catch (e) {
        const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        p.killBy(SIGABRT, { internal: `internal error at rip 0x${cpu.rip.toString(16)}: ${msg}` });
        break;
      }
      if (why === EXIT_SYSCALL) {
        let r: number | Promise<number>;
        try {
          r = syscallEntry(t);
          if (typeof r !== 'number') {
            t.cpuMs += k.nowMs() - t.sliceStart;
            t.sliceStart = 0;
            r = await r;
            lastYield = t.sliceStart = k.nowMs();
          }
        } catch (e) {
          if (e instanceof InternalError) {
            p.killBy(SIGABRT, { internal: e.message });
            break;
          }
          throw e;
        }
        if (p.exit) break;
        setReturn(cpu, r);
      } else if (why === EXIT_SIGNAL) {
        const sig = cpu.signal!;
        // A fault just below a growing-down stack extends it; the instruction is retried.
        if (sig.signo === SIGSEGV && sig.code === SEGV_MAPERR && expandStack(p, sig.addr)) continue;
        p.killBy(sig.signo, { fault: { signal: sig, rip: cpu.rip } });
        break;
      }
      const now = k.nowMs();
      if (now - lastYield >= YIELD_MS) {
        t.cpuMs += now - t.sliceStart;
        t.sliceStart = 0;
        await k.host.sched.yield();
        lastYield = t.sliceStart = k.nowMs();
      }
    }
  } finally {
    if (t.sliceStart) t.cpuMs += k.nowMs() - t.sliceStart;
    t.sliceStart = 0;
    teardown(p);
  }
  return p.exit!;
}

/** Releases everything the process holds (exit_mm, exit_files). */
function teardown(p: Process): void {
  p.fds.closeAll();
  p.mem.destroy();
  sweepMapped(p);
  for (const t of p.tasks) t.cpu.state.free();
}
