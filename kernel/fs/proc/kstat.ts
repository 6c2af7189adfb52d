// System-wide counters: /proc/stat (fs/proc/stat.c), /proc/uptime (fs/proc/uptime.c) and
// /proc/loadavg (fs/proc/loadavg.c). The clock is the kernel's (host monotonic time, which process
// start times are measured on), so uptime, btime and /proc/<pid>/stat starttime agree; busy CPU time
// is what the emulator itself has used, idle time the rest of uptime on every CPU.

import type { Kernel } from '../../kernel.js';
import { centi, ticks } from './format.js';

interface CpuTicks { user: number; system: number; idle: number }

function uptimeSec(k: Kernel): number { return k.nowMs() / 1000; }

function cpuCount(k: Kernel): number { return k.cpus; }

/** Jiffies (USER_HZ) of the whole machine: user and system from the emulator's CPU usage. */
function cpuTicks(k: Kernel): CpuTicks {
  const [uUs, sUs] = k.host.clock.cpuUsage();
  const user = ticks(uUs / 1000), system = ticks(sUs / 1000);
  const idle = Math.max(0, Math.floor(uptimeSec(k) * 100) * cpuCount(k) - user - system);
  return { user, system, idle };
}

/** The most recently allocated pid (pids are handed out in increasing order). */
function lastPid(k: Kernel): number {
  let max = 0;
  for (const pid of k.procs.keys()) if (pid > max) max = pid;
  return max;
}

/** Tasks on the CPU or ready for it (not waiting, not stopped, not exited). */
function running(k: Kernel): number {
  let n = 0;
  for (const p of k.procs.values()) {
    if (p.state !== 'alive' || p.stopped) continue;
    for (const t of p.tasks) if (!t.dead && !t.wakeup) n++;
  }
  return Math.max(1, n);
}

function threads(k: Kernel): number {
  let n = 0;
  for (const p of k.procs.values()) if (p.state === 'alive') n += p.tasks.filter((t) => !t.dead).length;
  return Math.max(1, n);
}

export function procStatGlobal(k: Kernel): string {
  const cpus = cpuCount(k);
  const t = cpuTicks(k);
  const line = (name: string, c: CpuTicks) => `${name} ${c.user} 0 ${c.system} ${c.idle} 0 0 0 0 0 0\n`;
  let out = line('cpu ', t);
  for (let i = 0; i < cpus; i++) {
    const share = (x: number) => Math.floor(x / cpus) + (i === cpus - 1 ? x % cpus : 0);
    out += line(`cpu${i}`, { user: share(t.user), system: share(t.system), idle: share(t.idle) });
  }
  // one counter per interrupt line: gsi_top (24) + 8 per CPU + 16 MSI per GSI, as x86 sizes nr_irqs
  out += 'intr 0' + ' 0'.repeat(24 + 8 * cpus + 24 * 16) + '\n';
  out += 'ctxt 0\n';
  const [rs] = k.host.clock.realtime();
  out += `btime ${Math.floor(rs - uptimeSec(k))}\n`;
  out += `processes ${Math.max(0, lastPid(k) - 1)}\n`;
  out += `procs_running ${running(k)}\nprocs_blocked 0\n`;
  out += 'softirq 0' + ' 0'.repeat(10) + '\n';
  return out;
}

export function procUptime(k: Kernel): string {
  return `${centi(uptimeSec(k))} ${centi(cpuTicks(k).idle / 100)}\n`;
}

/** Load averages are the host's (rounded to hundredths as LOAD_INT/LOAD_FRAC do); the task
 *  counts and last pid are the zone's. */
export function procLoadavg(k: Kernel): string {
  const la = k.host.sys.loadavg().map((x) => centi(x + 0.005));
  return `${la[0]} ${la[1]} ${la[2]} ${running(k)}/${threads(k)} ${lastPid(k)}\n`;
}
