// Builds a zone's mount table from a list of mounts (lxrun's --root/--image/-v options, the
// embedding API's defaults). Mount points missing in a writable file system are created (as
// Docker does for volumes); in a read-only one the mount still shows at its path.

import { Errno, EEXIST } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { S_IFDIR } from '../linux.js';
import { DevFs, DevPtsFs } from './devfs.js';
import { childPath } from './walk.js';
import { HostFileSystem } from './hostfs.js';
import type { FileSystem, Inode } from './inode.js';
import { MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_RELATIME } from './mount.js';
import { OverlayFs } from './overlay.js';
import { ProcFs } from './procfs.js';
import { SysFs } from './sysfs.js';
import { TmpFs } from './tmpfs.js';

export type MountSpec =
  /** A host directory (hostfs); read-only unless `readonly: false`. */
  | { type: 'host'; source: string; target: string; readonly: boolean }
  | { type: 'tmpfs'; target: string; mode?: number }
  | { type: 'proc' | 'sysfs' | 'devfs'; target: string }
  /** A host directory, read-only, under a tmpfs that takes the writes (lxrun --root). */
  | { type: 'overlay'; lower: string; target: string }
  /** An already built file system (an imported image: a TmpFs filled from a tar). */
  | { type: 'fs'; fs: FileSystem; target: string; source?: string; readonly?: boolean };

export function setupMounts(k: Kernel, specs: MountSpec[]): void {
  const now = () => k.host.clock.realtime();
  for (const s of specs) {
    if (s.target !== '/') ensureDir(k, s.target);
    switch (s.type) {
      case 'host': {
        const fs = new HostFileSystem(k.host, s.source, s.readonly);
        k.mounts.mount(s.target, fs, { source: s.source, flags: MS_RELATIME });
        break;
      }
      case 'tmpfs': {
        const fs = new TmpFs({ dev: k.anonDev(), now, mode: s.mode ?? 0o1777 });
        k.mounts.mount(s.target, fs, { source: 'tmpfs', flags: MS_NOSUID | MS_NODEV | MS_RELATIME, options: `mode=${(s.mode ?? 0o1777).toString(8)}` });
        break;
      }
      case 'proc':
        k.mounts.mount(s.target, new ProcFs(k, k.anonDev()), { source: 'proc', flags: MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME });
        break;
      case 'sysfs':
        k.mounts.mount(s.target, new SysFs(k, k.anonDev()), { source: 'sysfs', flags: MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME });
        break;
      case 'devfs':
        k.mounts.mount(s.target, new DevFs(k, k.anonDev()), { source: 'tmpfs', flags: MS_NOSUID, options: 'mode=755' });
        k.mounts.mount(childPath(s.target, 'pts'), new DevPtsFs(k, k.anonDev()), { source: 'devpts', flags: MS_NOSUID | MS_NOEXEC | MS_RELATIME, options: 'gid=5,mode=620,ptmxmode=000' });
        break;
      case 'overlay': {
        const lower = new HostFileSystem(k.host, s.lower, true);
        const upper = new TmpFs({ dev: k.anonDev(), now, mode: 0o755 });
        const fs = new OverlayFs({ dev: k.anonDev(), lower: lower.root(), upper: upper.root(), now, upperDev: k.anonDev(), lowerDev: k.anonDev() });
        k.mounts.mount(s.target, fs, { source: 'overlay', flags: MS_RELATIME, options: `lowerdir=${s.lower}` });
        break;
      }
      case 'fs':
        k.mounts.mount(s.target, s.fs, { source: s.source ?? s.fs.type, flags: (s.readonly ? MS_RDONLY : 0) | MS_RELATIME });
        break;
    }
  }
}

/** mkdir -p of a mount point inside the file systems already mounted (where they are writable). */
function ensureDir(k: Kernel, path: string): void {
  let dir: Inode = k.mounts.root.root;
  let cur = '';
  for (const name of path.split('/').filter((c) => c)) {
    cur += '/' + name;
    const m = k.mounts.at(cur);
    if (m) { dir = m.root; continue; }
    let next = dir.lookup(name);
    if (!next) {
      const fs = k.mounts.covering(cur).fs;
      if (fs.readonly) return;        // shown at its path by the walk all the same
      try { next = dir.mkdir(name, S_IFDIR | 0o755, 0, 0); } catch (e) {
        if (e instanceof Errno && e.errno === EEXIST) next = dir.lookup(name);
        else return;
      }
      if (!next) return;
    }
    if (!next.isDir) return;
    dir = next;
  }
}
