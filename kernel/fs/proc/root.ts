// The /proc directory itself (fs/proc/root.c): the fixed entries, listed in the order of their
// rbtree (shorter names first, then bytewise: proc_match), followed by what proc_pid_readdir adds,
// "self", "thread-self" and one directory per process in increasing pid order.

import { Errno, ENOENT } from '../../errno.js';
import type { Process } from '../../process.js';
import type { ProcFs } from '../procfs.js';
import { procCpuinfo } from './cpuinfo.js';
import { procFilesystems, procPartitions, procSwaps, procVersion } from './info.js';
import { procLoadavg, procStatGlobal, procUptime } from './kstat.js';
import { procMeminfo } from './meminfo.js';
import { NodeAttrs, ProcDir, ProcFile, ProcLink, ProcNode } from './node.js';
import { pidDir } from './pid.js';
import { sysDir } from './sysctl.js';

const ROOT_INO = 1;

/** proc_match order: by length, then by bytes. */
function procOrder(a: ProcNode, b: ProcNode): number {
  return a.name.length - b.name.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Where this proc is mounted (for following self and thread-self). */
function mountPoint(fs: ProcFs): string {
  const all = fs.kernel.mounts.all();
  for (let i = all.length - 1; i >= 0; i--) if (all[i].fs === fs) return all[i].path;
  return '/proc';
}

function live(fs: ProcFs, pid: number): Process | null {
  const p = fs.kernel.procs.get(pid);
  return p && p.state !== 'dead' ? p : null;
}

export function buildRoot(fs: ProcFs): ProcDir {
  const k = fs.kernel;
  const boot = fs.wallTime(k.bootMs);
  const attrs: NodeAttrs = { owner: () => ({ uid: 0, gid: 0 }), time: () => boot };

  // self and thread-self name the reader: readlink needs to know who asks; following (which
  // always knows) goes to the directory directly
  const selfText = (r?: Process) => { if (!r) throw new Errno(ENOENT); return String(r.pid); };
  const threadText = (r?: Process) => { if (!r) throw new Errno(ENOENT); return `${r.pid}/task/${(r.current && !r.current.dead ? r.current : r.tasks[0])?.tid ?? r.pid}`; };
  const self = new ProcLink(fs, fs.fixedIno(), 'self', attrs, selfText,
    (r) => ({ path: `${mountPoint(fs)}/${selfText(r)}` }));
  const threadSelf = new ProcLink(fs, fs.fixedIno(), 'thread-self', attrs, threadText,
    (r) => ({ path: `${mountPoint(fs)}/${threadText(r)}` }));

  const gen = (name: string, show: () => string, perm = 0o444) =>
    new ProcFile(fs, fs.fixedIno(), name, perm, attrs, { show });
  const fixed: ProcNode[] = [
    new ProcLink(fs, fs.fixedIno(), 'mounts', attrs, () => 'self/mounts'),
    gen('cpuinfo', () => procCpuinfo(k.cpus)),
    gen('meminfo', () => procMeminfo(k)),
    gen('uptime', () => procUptime(k)),
    gen('loadavg', () => procLoadavg(k)),
    gen('stat', () => procStatGlobal(k)),
    gen('version', () => procVersion(k)),
    gen('filesystems', () => procFilesystems()),
    gen('swaps', () => procSwaps()),
    gen('partitions', () => procPartitions()),
    sysDir(fs, ROOT_INO, attrs),
  ].sort(procOrder);
  const subdirs = fixed.filter((n) => n.isDir).length;

  const pids = () => [...k.procs.values()].filter((p) => p.state !== 'dead').sort((a, b) => a.pid - b.pid);
  const kids = () => [...fixed, self, threadSelf, ...pids().map((p) => pidDir(fs, p, ROOT_INO))];
  const find = (name: string): ProcNode | null => {
    if (/^[1-9]\d{0,9}$/.test(name)) {
      const p = live(fs, Number(name));
      return p ? pidDir(fs, p, ROOT_INO) : null;
    }
    if (name === 'self') return self;
    if (name === 'thread-self') return threadSelf;
    return fixed.find((n) => n.name === name) ?? null;
  };
  // proc_root_getattr: the fixed subdirectories plus one link per process
  return new ProcDir(fs, ROOT_INO, '/', 0o555, attrs, ROOT_INO, kids, find, () => 2 + subdirs + pids().length);
}
