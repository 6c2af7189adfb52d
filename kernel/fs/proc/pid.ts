// /proc/<pid> and /proc/<pid>/task/<tid> (fs/proc/base.c tgid_base_stuff, tid_base_stuff): the
// entries of both tables, in Linux's order, built fresh at each lookup over the live Process and
// Task. Owners are the process's effective ids; private entries are 0400 or check ptrace access.

import { Errno, ENOENT } from '../../errno.js';
import type { Process, Task } from '../../process.js';
import type { MagicTarget } from '../inode.js';
import type { ProcFs } from '../procfs.js';
import { procStat, procStatus } from './array.js';
import {
  AUDIT_UNSET, getOomAdj, IDENTITY_MAP, procAuxv, procChildren, procCmdline, procComm, procEnviron, procLimits,
  procOomAdj, procOomScore, procPersonality, writeComm, writeIdMap, writeLoginuid, writeOomAdj, writeOomScoreAdj,
} from './base.js';
import { fdDir, fdinfoDir } from './fd.js';
import { procMountinfo, procMounts, procMountstats } from './namespace.js';
import { FileOps, NodeAttrs, ProcDir, ProcFile, ProcLink, ProcNode } from './node.js';
import { checkAccess, checkExists, hasMm, mainTask, procAttrs } from './task.js';
import { procMaps, procSmaps, procSmapsRollup, procStatm } from './task_mmu.js';

/** What every entry of one /proc/<pid> (or task/<tid>) directory is built from. */
interface Ctx {
  fs: ProcFs;
  p: Process;
  /** The thread a task/<tid> directory shows; the main thread for /proc/<pid>. */
  t: Task | undefined;
  /** Prefix of the entries' inode keys ("42" or "42/task/42"). */
  key: string;
  attrs: NodeAttrs;
  /** The directory's own inode number (what its subdirectories' ".." show). */
  ino: number;
}

type Entry = { name: string; make: (c: Ctx) => ProcNode };

function file(name: string, perm: number, show: (c: Ctx, reader: Process) => string,
  more: Omit<FileOps, 'show'> | ((c: Ctx) => Omit<FileOps, 'show'>) = {}): Entry {
  return {
    name,
    make: (c) => {
      const extra = typeof more === 'function' ? more(c) : more;
      return new ProcFile(c.fs, c.fs.ino(`${c.key}/${name}`), name, perm, c.attrs, {
        ...extra,
        show: (reader) => { checkExists(c.p); return show(c, reader); },
      });
    },
  };
}

/** exe, cwd, root: magic links private to those who may ptrace the process. `where` gives the
 *  path readlink shows and where following leads (a path walked from the root, or a directory
 *  the process holds). */
function magicLink(name: string, where: (p: Process) => { shown: string; jump: MagicTarget }): Entry {
  return {
    name,
    make: (c) => {
      const target = (reader?: Process) => {
        checkExists(c.p);
        checkAccess(reader, c.p);
        if (!hasMm(c.p)) throw new Errno(ENOENT);
        return where(c.p);
      };
      return new ProcLink(c.fs, c.fs.ino(`${c.key}/${name}`), name, c.attrs, (reader) => target(reader).shown,
        (reader): MagicTarget => target(reader).jump);
    },
  };
}

/** A path magic link (exe, root): following it walks the path from the root. */
const byPath = (path: string) => ({ shown: path, jump: { path } });

/** The namespaces of the zone: the initial ones' fixed numbers (include/linux/proc_ns.h). */
const NAMESPACES: [string, string, number][] = [
  ['cgroup', 'cgroup', 0xeffffffb], ['ipc', 'ipc', 0xefffffff], ['mnt', 'mnt', 0xeffffff8],
  ['net', 'net', 0xeffffff9], ['pid', 'pid', 0xeffffffc], ['pid_for_children', 'pid', 0xeffffffc],
  ['time', 'time', 0xeffffffa], ['time_for_children', 'time', 0xeffffffa], ['user', 'user', 0xeffffffd],
  ['uts', 'uts', 0xeffffffe],
];

function nsDir(c: Ctx): ProcDir {
  const ino = c.fs.ino(`${c.key}/ns`);
  const kids = () => NAMESPACES.map(([name, type, inum]) => new ProcLink(c.fs, c.fs.ino(`${c.key}/ns/${name}`), name, c.attrs,
    (reader) => { checkExists(c.p); checkAccess(reader, c.p); return `${type}:[${inum}]`; }));
  return new ProcDir(c.fs, ino, 'ns', 0o511, c.attrs, c.ino, kids, undefined, () => 2);
}

const kernelOf = (c: Ctx) => c.fs.kernel;

/** Entries /proc/<pid> and task/<tid> share, in the order of tgid_base_stuff. */
const FD: Entry = { name: 'fd', make: (c) => fdDir(c.fs, c.p, c.key, c.attrs, c.ino) };
const FDINFO: Entry = { name: 'fdinfo', make: (c) => fdinfoDir(c.fs, c.p, c.key, c.attrs, c.ino) };
const NS: Entry = { name: 'ns', make: nsDir };
const ENVIRON = file('environ', 0o400, (c, r) => procEnviron(c.p, r));
const AUXV = file('auxv', 0o400, (c, r) => procAuxv(c.p, r));
const STATUS = file('status', 0o444, (c, r) => procStatus(c.p, c.t, r));
const PERSONALITY = file('personality', 0o400, (c, r) => procPersonality(c.p, r));
const LIMITS = file('limits', 0o444, (c) => procLimits(c.p));
const COMM = file('comm', 0o644, (c) => procComm(c.p, c.t), (c) => ({ write: (d, w) => writeComm(c.p, d, w, c.t) }));
const CMDLINE = file('cmdline', 0o444, (c) => procCmdline(c.p));
const STATM = file('statm', 0o444, (c) => procStatm(c.p));
const MAPS = file('maps', 0o444, (c) => procMaps(c.p), (c) => ({ open: (_f, r) => checkAccess(r, c.p) }));
// cwd leads to the directory itself, even one removed since: d_path marks that " (deleted)"
const CWD = magicLink('cwd', (p) => {
  const ref = p.pwd;
  return { shown: ref.unlinked ? `${ref.path} (deleted)` : ref.path, jump: { ref } };
});
const ROOT = magicLink('root', () => byPath('/'));
const EXE = magicLink('exe', (p) => byPath(p.exe));
const MOUNTS = file('mounts', 0o444, (c) => procMounts(kernelOf(c)));
const MOUNTINFO = file('mountinfo', 0o444, (c) => procMountinfo(kernelOf(c)));
const SMAPS = file('smaps', 0o444, (c) => procSmaps(c.p), (c) => ({ open: (_f, r) => checkAccess(r, c.p) }));
const SMAPS_ROLLUP = file('smaps_rollup', 0o444, (c) => procSmapsRollup(c.p), (c) => ({ open: (_f, r) => checkAccess(r, c.p) }));
/** wchan: the kernel function a task sleeps in; there is none to name here, so "0" (no newline),
 *  which Linux also shows for a running task. */
const WCHAN = file('wchan', 0o444, () => '0');
const CPUSET = file('cpuset', 0o444, () => '/\n');
const CGROUP = file('cgroup', 0o444, () => '0::/\n');
const OOM_SCORE = file('oom_score', 0o444, (c) => procOomScore(c.p, getOomAdj(c.p)));
const OOM_ADJ = file('oom_adj', 0o644, (c) => procOomAdj(c.p), (c) => ({ write: (d, w) => writeOomAdj(c.p, d, w) }));
const OOM_SCORE_ADJ = file('oom_score_adj', 0o644, (c) => `${getOomAdj(c.p)}\n`,
  (c) => ({ write: (d, w) => writeOomScoreAdj(c.p, d, w) }));
const LOGINUID = file('loginuid', 0o644, () => AUDIT_UNSET, { write: writeLoginuid });
const SESSIONID = file('sessionid', 0o444, () => AUDIT_UNSET);
const UID_MAP = file('uid_map', 0o644, () => IDENTITY_MAP, { write: writeIdMap });
const GID_MAP = file('gid_map', 0o644, () => IDENTITY_MAP, { write: writeIdMap });
const SETGROUPS = file('setgroups', 0o644, () => 'allow\n', { write: writeIdMap });

const TASK: Entry = { name: 'task', make: taskDir };

const TGID_ENTRIES: Entry[] = [
  TASK, FD, FDINFO, NS, ENVIRON, AUXV, STATUS, PERSONALITY, LIMITS, COMM, CMDLINE,
  file('stat', 0o444, (c, r) => procStat(c.p, c.t, r)), STATM, MAPS, CWD, ROOT, EXE, MOUNTS, MOUNTINFO,
  file('mountstats', 0o400, (c) => procMountstats(kernelOf(c))), SMAPS, SMAPS_ROLLUP, WCHAN, CPUSET, CGROUP,
  OOM_SCORE, OOM_ADJ, OOM_SCORE_ADJ, LOGINUID, SESSIONID,
  file('coredump_filter', 0o644, () => '00000033\n', { write: () => undefined }),
  UID_MAP, GID_MAP, SETGROUPS,
];

const TID_ENTRIES: Entry[] = [
  FD, FDINFO, NS, ENVIRON, AUXV, STATUS, PERSONALITY, LIMITS, COMM, CMDLINE,
  file('stat', 0o444, (c, r) => procStat(c.p, c.t, r)), STATM, MAPS,
  file('children', 0o444, (c) => procChildren(c.p)), CWD, ROOT, EXE, MOUNTS, MOUNTINFO, SMAPS, SMAPS_ROLLUP, WCHAN,
  CPUSET, CGROUP, OOM_SCORE, OOM_ADJ, OOM_SCORE_ADJ, LOGINUID, SESSIONID, UID_MAP, GID_MAP, SETGROUPS,
];

/** A directory over an entry table. Its nlink counts its subdirectories, as pid_entry_nlink. */
function tableDir(c: Ctx, name: string, parentIno: number, entries: Entry[]): ProcDir {
  const nlink = 2 + entries.filter((e) => e === TASK || e === FD || e === FDINFO || e === NS).length;
  return new ProcDir(c.fs, c.ino, name, 0o555, c.attrs, parentIno,
    () => (c.p.state === 'dead' ? [] : entries.map((e) => e.make(c))),
    (n) => {
      if (c.p.state === 'dead') return null;
      const e = entries.find((x) => x.name === n);
      return e ? e.make(c) : null;
    },
    () => nlink);
}

/** /proc/<pid>. */
export function pidDir(fs: ProcFs, p: Process, parentIno: number): ProcDir {
  const key = String(p.pid);
  const c: Ctx = { fs, p, t: mainTask(p), key, attrs: procAttrs(fs, p), ino: fs.ino(key) };
  return tableDir(c, key, parentIno, TGID_ENTRIES);
}

/** /proc/<pid>/task: one directory per live thread. */
function taskDir(c: Ctx): ProcDir {
  const ino = c.fs.ino(`${c.key}/task`);
  const tids = () => (c.p.state === 'dead' ? [] : c.p.tasks.filter((t) => !t.dead || c.p.state === 'zombie'));
  const make = (t: Task) => {
    const key = `${c.key}/task/${t.tid}`;
    const tc: Ctx = { fs: c.fs, p: c.p, t, key, attrs: c.attrs, ino: c.fs.ino(key) };
    return tableDir(tc, String(t.tid), ino, TID_ENTRIES);
  };
  return new ProcDir(c.fs, ino, 'task', 0o555, c.attrs, c.ino, () => tids().map(make),
    (n) => { const t = tids().find((x) => String(x.tid) === n); return t ? make(t) : null; },
    () => 2 + tids().length);
}
