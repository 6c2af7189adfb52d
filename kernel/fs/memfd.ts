// memfd_create's files (mm/memfd.c): regular files of the kernel's internal tmpfs (mm/shmem.c's
// shm_mnt), which no path reaches. Each kernel gets its own on first use, never in the mount table,
// so /proc/mounts does not list it; like Linux's it has no size or inode limit, shows mnt_id 0 and
// st_dev 0:1 (the first anonymous device, which Linux gives shm_mnt at boot).

import type { OpenFile } from '../file.js';
import type { Kernel } from '../kernel.js';
import { O_LARGEFILE, O_RDWR, S_IFREG } from '../linux.js';
import type { Process } from '../process.js';
import type { Mount } from './mount.js';
import { TmpFs, TmpReg } from './tmpfs.js';

/** makedev(0, 1). */
const SHM_DEV = 1;

const internal = new WeakMap<Kernel, Mount>();

/** The kernel's internal shmem mount (made on first use). */
export function shmMount(k: Kernel): Mount {
  let m = internal.get(k);
  if (!m) {
    const fs = new TmpFs({ dev: SHM_DEV, now: () => k.host.clock.realtime(), sizeLimit: 0, nrInodes: 0 });
    m = { id: 0, parentId: 0, fs, root: fs.root(), path: '/', flags: 0, source: 'tmpfs', options: '' };
    internal.set(k, m);
  }
  return m;
}

export interface MemfdOptions {
  /** The name as given (without "memfd:"); checked by the caller. */
  name: string;
  /** MFD_NOEXEC_SEAL: mode 0666 and F_SEAL_EXEC; else mode 0777 (vm.memfd_noexec = 0). */
  noexec: boolean;
  /** MFD_ALLOW_SEALING (or MFD_NOEXEC_SEAL): F_SEAL_SEAL is cleared. */
  sealable: boolean;
}

const F_SEAL_EXEC = 0x0020;

/**
 * A new memfd open for reading and writing: shmem_file_setup's unlinked inode (nlink 0, owned by
 * the caller's fsuid/fsgid, no umask) whose /proc/self/fd and /proc/self/maps name is
 * "/memfd:NAME (deleted)". The description has O_RDWR | O_LARGEFILE, as F_GETFL shows on Linux.
 */
export function memfdOpen(k: Kernel, p: Process, o: MemfdOptions): OpenFile {
  const m = shmMount(k);
  const node = m.root.tmpfile(S_IFREG | (o.noexec ? 0o666 : 0o777), p.fsuid, p.fsgid, false) as TmpReg;
  if (o.noexec) node.seals = F_SEAL_EXEC;
  else if (o.sealable) node.seals = 0;
  const f = node.open(O_RDWR | O_LARGEFILE, `/memfd:${o.name} (deleted)`, p);
  f.mnt = m;
  return f;
}
