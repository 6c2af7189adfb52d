// The mount table of a zone (one mount namespace): which file system is seen at which guest path.
// Mounts are keyed by the canonical guest path of their mount point; the last mount at a path
// covers the earlier ones, as on Linux. /proc/self/mounts and mountinfo are rendered from here.

import type { FileSystem, Inode } from './inode.js';

export const MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_RELATIME = 0x200000;

export interface Mount {
  /** mnt_id (statx STATX_MNT_ID, mountinfo's first column). */
  readonly id: number;
  readonly parentId: number;
  readonly fs: FileSystem;
  /** The directory of `fs` that appears at the mount point (a bind mount shows a subdirectory). */
  readonly root: Inode;
  /** Canonical guest path of the mount point ("/" for the root mount). */
  readonly path: string;
  /** MS_RDONLY | MS_NOSUID | ... as given at mount time. */
  flags: number;
  /** What /proc/mounts shows in its first column ("proc", "tmpfs", a host path for hostfs). */
  readonly source: string;
  /** The file system's own options for /proc/mounts ("mode=755", "size=..."), without rw/ro. */
  readonly options: string;
}

export class MountTable {
  private readonly byPath = new Map<string, Mount[]>();
  private readonly order: Mount[] = [];
  private nextId = 21;   // Linux's first mounts get small ids too; 21 is what a container's / often shows

  /** Mounts `fs` (its directory `root`, default its root) at the canonical guest path `path`. */
  mount(path: string, fs: FileSystem, opts: { root?: Inode; flags?: number; source?: string; options?: string } = {}): Mount {
    const parent = path === '/' ? undefined : this.covering(path);
    const m: Mount = {
      id: this.nextId++, parentId: parent ? parent.id : this.nextId - 1, fs, root: opts.root ?? fs.root(), path,
      flags: (opts.flags ?? 0) | (fs.readonly ? MS_RDONLY : 0), source: opts.source ?? fs.type, options: opts.options ?? '',
    };
    let list = this.byPath.get(path);
    if (!list) { list = []; this.byPath.set(path, list); }
    list.push(m);
    this.order.push(m);
    return m;
  }

  /** The topmost mount whose mount point is exactly `path`. */
  at(path: string): Mount | undefined {
    const list = this.byPath.get(path);
    return list ? list[list.length - 1] : undefined;
  }

  /** The root mount. */
  get root(): Mount {
    const m = this.at('/');
    if (!m) throw new Error('no root file system mounted');
    return m;
  }

  /** The mount that contains `path` (the deepest mount point that is a prefix of it). */
  covering(path: string): Mount {
    for (let p = path; ; p = p.slice(0, Math.max(1, p.lastIndexOf('/')))) {
      const m = this.at(p);
      if (m) return m;
      if (p === '/') return this.root;
    }
  }

  /** True when some mount point is exactly `path` (unlink/rmdir/rename of it: EBUSY). */
  isMountPoint(path: string): boolean { return path !== '/' && this.byPath.has(path); }

  /** Every mount in the order it was made (what /proc/mounts lists). */
  all(): readonly Mount[] { return this.order; }
}
