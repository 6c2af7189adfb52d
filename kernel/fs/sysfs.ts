// A minimal, read-only sysfs: the files libc and common programs read to size themselves, with
// the attributes kernfs gives them (directories 0755 with nlink 2 + subdirectories, attribute files
// 0444/0644 of st_size 4096, everything owned by root).
//
// Who reads what (strace on this machine, Linux 6.x):
//   glibc get_nprocs / sysconf(_SC_NPROCESSORS_ONLN), python os.cpu_count: devices/system/cpu/online
//   glibc get_nprocs_conf, coreutils `nproc --all`: devices/system/cpu/possible
//   older glibc, busybox, psutil: the cpuN directories and their topology/
//   Go runtime, jemalloc, glibc's malloc hugetlb tunable: kernel/mm/transparent_hugepage/*
// There is no transparent huge page support behind the emulator, so THP says "never".

import { Errno, EROFS } from '../errno.js';
import { MemFile, OpenFile } from '../file.js';
import { fromBstr, Stat } from '../host.js';
import type { Kernel } from '../kernel.js';
import { DT_DIR, O_PATH, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, dtFromMode } from '../linux.js';
import type { Process } from '../process.js';
import { DirFile } from './dirfile.js';
import { Dirent, FileSystem, Inode, StatFs } from './inode.js';

export const SYSFS_MAGIC = 0x62656572;

type Spec =
  | { dir: Record<string, Spec>; mode?: number }
  | { file: () => string; mode?: number }
  | { link: string };

/** "0-N" (or "0") as cpulist_print shows a contiguous mask, with its newline. */
function cpuRange(n: number): string { return n <= 1 ? '0\n' : `0-${n - 1}\n`; }

/** The tree, as data: what a program sees under /sys. */
function tree(ncpu: number): Spec {
  const all = cpuRange(ncpu);
  const cpus: Record<string, Spec> = {
    online: { file: () => all },
    possible: { file: () => all },
    present: { file: () => all },
    offline: { file: () => '\n' },
    isolated: { file: () => '\n' },
    kernel_max: { file: () => '8191\n' },      // NR_CPUS - 1 of Debian's kernel config
  };
  for (let i = 0; i < ncpu; i++) {
    cpus[`cpu${i}`] = {
      dir: {
        topology: {
          dir: {
            physical_package_id: { file: () => '0\n' },
            die_id: { file: () => '0\n' },
            core_id: { file: () => `${i}\n` },
            thread_siblings_list: { file: () => `${i}\n` },
            core_siblings_list: { file: () => all },
            core_cpus_list: { file: () => `${i}\n` },
            package_cpus_list: { file: () => all },
          },
        },
      },
    };
  }
  return {
    mode: 0o555,
    dir: {
      block: { dir: {} },
      bus: { dir: {} },
      class: { dir: {} },
      dev: { dir: { block: { dir: {} }, char: { dir: {} } } },
      devices: { dir: { system: { dir: { cpu: { dir: cpus } } } } },
      firmware: { dir: {} },
      fs: { dir: { cgroup: { dir: {} } } },
      kernel: {
        dir: {
          mm: {
            dir: {
              transparent_hugepage: {
                dir: {
                  enabled: { file: () => 'always madvise [never]\n', mode: 0o644 },
                  defrag: { file: () => 'always defer defer+madvise madvise [never]\n', mode: 0o644 },
                  shmem_enabled: { file: () => 'always within_size advise [never] deny force\n', mode: 0o644 },
                  use_zero_page: { file: () => '1\n', mode: 0o644 },
                  hpage_pmd_size: { file: () => '2097152\n' },
                },
              },
            },
          },
        },
      },
      module: { dir: {} },
      power: { dir: {} },
    },
  };
}

export class SysFs extends FileSystem {
  readonly type = 'sysfs';
  readonly magic = SYSFS_MAGIC;
  private nextIno = 1;
  private readonly rootNode: SysNode;
  /** kernfs times: when the nodes were made (here: when the file system was). */
  readonly time: [number, number];

  constructor(k: Kernel, readonly dev: number) {
    super();
    this.readonly = true;
    this.time = k.host.clock.realtime();
    this.rootNode = this.build(tree(k.cpus), null);
  }

  private build(spec: Spec, parent: SysNode | null): SysNode {
    if ('dir' in spec) {
      const n = new SysNode(this, this.nextIno++, S_IFDIR | (spec.mode ?? 0o755), parent);
      n.children = new Map();
      for (const [name, s] of Object.entries(spec.dir)) n.children.set(name, this.build(s, n));
      return n;
    }
    if ('link' in spec) {
      const n = new SysNode(this, this.nextIno++, S_IFLNK | 0o777, parent);
      n.target = spec.link;
      return n;
    }
    const n = new SysNode(this, this.nextIno++, S_IFREG | (spec.mode ?? 0o444), parent);
    n.content = spec.file;
    return n;
  }

  root(): Inode { return this.rootNode; }

  override statfs(): StatFs { return { ...super.statfs(), bsize: 4096, frsize: 4096, namelen: 255 }; }
}

class SysNode extends Inode {
  children: Map<string, SysNode> | null = null;
  content: (() => string) | null = null;
  target = '';

  constructor(readonly fs: SysFs, readonly ino: number, private readonly fmode: number, readonly parent: SysNode | null) {
    super();
  }

  stat(): Stat {
    const [s, ns] = this.fs.time;
    let nlink = 1;
    if (this.children) { nlink = 2; for (const c of this.children.values()) if (c.children) nlink++; }
    const type = this.fmode & S_IFMT;
    return {
      dev: this.fs.dev, ino: this.ino, mode: this.fmode, nlink, uid: 0, gid: 0, rdev: 0,
      size: type === S_IFREG ? 4096 : type === S_IFLNK ? this.target.length : 0, blksize: 4096, blocks: 0,
      atimeSec: s, atimeNsec: ns, mtimeSec: s, mtimeNsec: ns, ctimeSec: s, ctimeNsec: ns,
    };
  }

  override lookup(name: string): Inode | null {
    if (!this.children) return super.lookup(name);
    return this.children.get(name) ?? null;
  }

  override readdir(parentIno: number): Dirent[] {
    if (!this.children) return super.readdir(parentIno);
    const out: Dirent[] = [
      { name: '.', ino: this.ino, type: DT_DIR },
      { name: '..', ino: this.parent ? this.parent.ino : parentIno, type: DT_DIR },
    ];
    for (const [name, c] of this.children) out.push({ name, ino: c.ino, type: dtFromMode(c.fmode) });
    return out;
  }

  override readlink(): string { return this.children || this.content ? super.readlink() : this.target; }

  // Every change is refused: the file system is read-only (sysfs mounted ro, as in a container).
  override mknod(): Inode { throw new Errno(EROFS); }
  override mkdir(): Inode { throw new Errno(EROFS); }
  override symlink(): Inode { throw new Errno(EROFS); }
  override link(): void { throw new Errno(EROFS); }
  override unlink(): void { throw new Errno(EROFS); }
  override rmdir(): void { throw new Errno(EROFS); }
  override rename(): void { throw new Errno(EROFS); }
  override setattr(): void { throw new Errno(EROFS); }

  override open(flags: number, path: string, _p: Process): OpenFile {
    if (this.children) {
      return new DirFile(this, null, flags, path, this.parent ? this.parent.ino : this.ino);
    }
    const gen = this.content ?? (() => '');
    const f = new SysFile(path, () => fromBstr(gen()), this);
    if (flags & O_PATH) f.flags = flags;
    return f;
  }
}

/** An open attribute: the text is made when first read from offset 0; fstat shows the inode. */
class SysFile extends MemFile {
  constructor(path: string, gen: () => Uint8Array, node: SysNode) {
    super(path, gen, node.stat());
    this.inode = node;
  }
  override stat(): Stat { return this.inode!.stat(); }
}
