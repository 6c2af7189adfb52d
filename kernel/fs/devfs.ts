// /dev of a zone: a tmpfs (what Docker mounts on a container's /dev: "tmpfs on /dev type tmpfs
// (rw,nosuid,mode=755)"), writable by root (mknod, mkdir, symlinks), filled at mount time the way
// a container's /dev is: the memory devices, tty/console/ptmx, the /proc/self/fd links, and the
// pts/ and shm/ mount points. The nodes carry the numbers, modes and owners this machine's /dev
// (devtmpfs, Linux 6.x) shows; opening them goes through kernel/fs/devices.ts, as for any node.
//
// DevPtsFs is the devpts for /dev/pts: "ptmx" and the one pty a zone has, the host terminal
// itself, shown with the host's own attributes so ttyname(3) (which compares st_dev/st_ino of
// /dev/pts/N with fstat of the descriptor) finds it.

import { Errno, ENXIO, EPERM } from '../errno.js';
import type { OpenFile } from '../file.js';
import type { Stat } from '../host.js';
import type { Kernel } from '../kernel.js';
import { DT_CHR, DT_DIR, O_PATH, S_IFCHR, S_IFDIR } from '../linux.js';
import type { Process } from '../process.js';
import { devMajor, devMinor, hostTtyRdev, makedev, STANDARD_NODES, UNIX98_PTY_SLAVE_MAJOR } from './devices.js';
import { DirFile } from './dirfile.js';
import { Dirent, FileSystem, Inode, StatFs, Time } from './inode.js';
import { TmpFs } from './tmpfs.js';
import { PathFile } from './tmpfile.js';

export const DEVPTS_SUPER_MAGIC = 0x1cd1;

/** The links every container's /dev has (moby's oci.DefaultSpec / runc's default symlinks). */
const LINKS: readonly [string, string][] = [
  ['fd', '/proc/self/fd'],
  ['stdin', '/proc/self/fd/0'],
  ['stdout', '/proc/self/fd/1'],
  ['stderr', '/proc/self/fd/2'],
];

export class DevFs extends TmpFs {
  constructor(k: Kernel, dev: number) {
    super({ dev, now: () => k.host.clock.realtime(), mode: 0o755 });
    const root = this.root();
    for (const n of STANDARD_NODES) root.mknod(n.name, S_IFCHR | n.perm, n.rdev, 0, 0);
    for (const [name, target] of LINKS) root.symlink(name, target, 0, 0);
    root.mkdir('pts', S_IFDIR | 0o755, 0, 0);
    root.mkdir('shm', S_IFDIR | 0o1777, 0, 0);
  }
}

// ---- devpts -------------------------------------------------------------------------------------

/**
 * A devpts instance (fs/devpts/inode.c) as a zone sees it: read-only in practice (only ptys make
 * entries), root directory 0755 ino 1, ptmx ino 2 mode 000 (the default ptmxmode), and the host
 * terminal's pts when the zone has one.
 */
export class DevPtsFs extends FileSystem {
  readonly type = 'devpts';
  readonly magic = DEVPTS_SUPER_MAGIC;
  readonly made: Time;
  private readonly rootDir: PtsRoot;

  constructor(readonly k: Kernel, private readonly ownDev: number) {
    super();
    this.made = k.host.clock.realtime();
    this.rootDir = new PtsRoot(this);
  }

  /** The host's devpts dev when its terminal is a pts (so the pts entry and fstat of stdio agree);
   *  the terminal may be attached after the mount, hence asked each time. */
  get dev(): number { return this.hostStat()?.dev ?? this.ownDev; }

  root(): Inode { return this.rootDir; }

  /** The host terminal's attributes, when it is a pty. */
  hostStat(): Stat | null {
    const tty = this.k.hostTty;
    if (!tty || devMajor(hostTtyRdev(this.k)) !== UNIX98_PTY_SLAVE_MAJOR) return null;
    try { return this.k.host.fs.fstat(tty.handle); } catch { return null; }
  }

  override statfs(): StatFs { return { ...super.statfs(), bsize: 4096, frsize: 4096, namelen: 255 }; }
}

function attrs(fs: DevPtsFs, ino: number, mode: number, rdev: number): Stat {
  const [s, ns] = fs.made;
  return {
    dev: fs.dev, ino, mode, nlink: (mode & S_IFDIR) === S_IFDIR ? 2 : 1, uid: 0, gid: 0, rdev, size: 0, blksize: 1024,
    blocks: 0, atimeSec: s, atimeNsec: ns, mtimeSec: s, mtimeNsec: ns, ctimeSec: s, ctimeNsec: ns,
  };
}

/** Changes to devpts by name are refused as Linux refuses them (no create, no unlink: EPERM). */
abstract class PtsInode extends Inode {
  constructor(readonly fs: DevPtsFs) { super(); }
  override setattr(): void { throw new Errno(EPERM); }
}

class PtsRoot extends PtsInode {
  readonly ino = 1;
  private readonly ptmx: PtsNode;

  constructor(fs: DevPtsFs) {
    super(fs);
    this.ptmx = new PtsNode(fs, () => attrs(fs, 2, S_IFCHR, makedev(5, 2)));
  }

  stat(): Stat { return attrs(this.fs, 1, S_IFDIR | 0o755, 0); }

  /** The host pts, as "N" and its node. */
  private pts(): [string, PtsNode] | null {
    const st = this.fs.hostStat();
    if (!st) return null;
    return [String(devMinor(st.rdev)), new PtsNode(this.fs, () => this.fs.hostStat() ?? st)];
  }

  override lookup(name: string): Inode | null {
    if (name === 'ptmx') return this.ptmx;
    const p = this.pts();
    return p && p[0] === name ? p[1] : null;
  }

  override readdir(parentIno: number): Dirent[] {
    const out: Dirent[] = [
      { name: '.', ino: 1, type: DT_DIR },
      { name: '..', ino: parentIno, type: DT_DIR },
      { name: 'ptmx', ino: 2, type: DT_CHR },
    ];
    const p = this.pts();
    if (p) out.push({ name: p[0], ino: p[1].stat().ino, type: DT_CHR });
    return out;
  }

  override mknod(): Inode { throw new Errno(EPERM); }
  override mkdir(): Inode { throw new Errno(EPERM); }
  override symlink(): Inode { throw new Errno(EPERM); }
  override link(): void { throw new Errno(EPERM); }
  override unlink(): void { throw new Errno(EPERM); }
  override rmdir(): void { throw new Errno(EPERM); }
  override rename(): void { throw new Errno(EPERM); }

  override open(flags: number, path: string, _p: Process): OpenFile {
    return new DirFile(this, null, flags, path, 1);
  }
}

/** A character node of devpts; opened by the VFS through the device registry. */
class PtsNode extends PtsInode {
  constructor(fs: DevPtsFs, private readonly st: () => Stat) { super(fs); }
  get ino(): number { return this.st().ino; }
  stat(): Stat { return this.st(); }
  override open(flags: number, path: string, _p: Process): OpenFile {
    if (flags & O_PATH) return new PathFile(this, flags, path);
    throw new Errno(ENXIO);          // the VFS opens device nodes through the registry
  }
}
