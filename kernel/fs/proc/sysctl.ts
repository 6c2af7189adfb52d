// /proc/sys (fs/proc/proc_sysctl.c): the sysctl tables this kernel has, as files owned by root.
// Names are listed in the table's sorted order; permissions are checked the sysctl way at open
// (root gets the owner bits only, so nobody writes a 0444 entry). Strings take the text up to the
// first newline (proc_dostring); numbers must parse (proc_dointvec, EINVAL otherwise); with
// sysctl_writes_strict, a write at a non-zero offset is ignored. Numbers nothing in this kernel
// consults are kept and shown back.

import { Errno, EACCES, EINVAL, EPERM } from '../../errno.js';
import type { Kernel } from '../../kernel.js';
import { NR_OPEN, O_ACCMODE, O_RDONLY, O_WRONLY, PIPE_MAX_SIZE } from '../../linux.js';
import type { Process } from '../../process.js';
import type { ProcFs } from '../procfs.js';
import { CAP_LAST_CAP } from './array.js';
import { NodeAttrs, ProcDir, ProcFile, ProcNode } from './node.js';
import { randomUuid } from './uuid.js';

interface Sysctl {
  mode: number;
  get: () => string;
  set?: (v: string, writer: Process) => void;
}
interface SysTree { [name: string]: Sysctl | SysTree }

const isLeaf = (x: Sysctl | SysTree): x is Sysctl => typeof (x as Sysctl).get === 'function';

/** __NEW_UTS_LEN + 1: hostname and domainname hold at most 64 bytes. */
const UTS_LEN = 65;

function stringValue(v: string, maxlen: number): string {
  const nl = v.search(/[\n\0]/);
  return (nl >= 0 ? v.slice(0, nl) : v).slice(0, maxlen - 1);
}

function intValue(v: string, min: number, max: number): number {
  const s = v.replace(/\n$/, '').trim();
  if (!/^[+-]?\d+$/.test(s)) throw new Errno(EINVAL);
  const n = Number(s);
  if (n < min || n > max) throw new Errno(EINVAL);
  return n;
}

/** A writable number sysctl whose value is only remembered. */
function kept(initial: number, min = 0, max = 2 ** 31 - 1): Sysctl {
  let value = initial;
  return { mode: 0o644, get: () => `${value}\n`, set: (v) => { value = intValue(v, min, max); } };
}

function ro(get: () => string): Sysctl { return { mode: 0o444, get }; }

/** The uts names: setting them is sethostname/setdomainname (CAP_SYS_ADMIN). */
function uts(get: () => string, put: (s: string) => void): Sysctl {
  return {
    mode: 0o644,
    get: () => get() + '\n',
    set: (v, w) => { if (w.euid !== 0) throw new Errno(EPERM); put(stringValue(v, UTS_LEN)); },
  };
}

function tables(fs: ProcFs): SysTree {
  const k: Kernel = fs.kernel;
  const mem = k.host.sys.totalmem();
  return {
    fs: {
      'file-max': kept(Math.max(8192, Math.floor(mem / 1024 / 10))),
      'nr_open': kept(NR_OPEN, 0, 2 ** 30),
      'pipe-max-size': kept(PIPE_MAX_SIZE),
    },
    kernel: {
      'cap_last_cap': ro(() => `${CAP_LAST_CAP}\n`),
      'domainname': uts(() => k.domainname, (s) => { k.domainname = s; }),
      'hostname': uts(() => k.hostname, (s) => { k.hostname = s; }),
      'ngroups_max': ro(() => '65536\n'),
      'osrelease': ro(() => `${k.release}\n`),
      'ostype': ro(() => 'Linux\n'),
      'overflowgid': kept(65534, 0, 65535),
      'overflowuid': kept(65534, 0, 65535),
      'pid_max': kept(32768, 301, 4194304),
      'random': {
        'boot_id': ro(() => `${fs.bootId}\n`),
        'entropy_avail': ro(() => '256\n'),
        'poolsize': ro(() => '256\n'),
        'uuid': ro(() => `${randomUuid(k.host.random)}\n`),
      },
      // fork_init: a quarter of memory in 16 KiB kernel stacks, at most FUTEX_TID_MASK
      'threads-max': kept(Math.min(0x3fffffff, Math.max(20, Math.floor(mem / (16384 * 8))))),
      'version': ro(() => `${k.version}\n`),
    },
    net: { core: { somaxconn: kept(4096, 0, 2 ** 31 - 1) } },
    vm: {
      'max_map_count': kept(65530),
      'overcommit_memory': kept(0, 0, 2),
    },
  };
}

/** sysctl_perm/test_perm: root is judged by the owner bits, everyone else by the others' bits. */
function sysctlOpen(mode: number, flags: number, p: Process): void {
  const acc = flags & O_ACCMODE;
  const want = (acc === O_RDONLY ? 4 : acc === O_WRONLY ? 2 : 6);
  const bits = p.euid === 0 ? (mode >> 6) & 7 : mode & 7;
  if ((want & ~bits) !== 0) throw new Errno(EACCES);
}

/** The sorted order of a sysctl directory (namecmp: bytes first, then length). */
function namecmp(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return a.charCodeAt(i) - b.charCodeAt(i);
  return a.length - b.length;
}

function build(fs: ProcFs, name: string, tree: SysTree, parentIno: number, attrs: NodeAttrs): ProcDir {
  const ino = fs.fixedIno();
  const kids: ProcNode[] = [];
  for (const n of Object.keys(tree).sort(namecmp)) {
    const e = tree[n];
    if (isLeaf(e)) {
      kids.push(new ProcFile(fs, fs.fixedIno(), n, e.mode, attrs, {
        show: e.get,
        open: (flags, p) => sysctlOpen(e.mode, flags, p),
        write: e.set ? (v, w, pos) => { if (pos === 0) e.set!(v, w); } : undefined,
      }));
    } else {
      kids.push(build(fs, n, e, ino, attrs));
    }
  }
  // sysctl directories report one link whatever they contain
  return new ProcDir(fs, ino, name, 0o555, attrs, parentIno, () => kids, undefined, () => 1);
}

/** /proc/sys, built once (the tables are fixed; values are read at each open). */
export function sysDir(fs: ProcFs, parentIno: number, attrs: NodeAttrs): ProcDir {
  return build(fs, 'sys', tables(fs), parentIno, attrs);
}
