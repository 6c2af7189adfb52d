// A root file system image: a tar (or tar.gz) archive unpacked into a fresh tmpfs, which then
// becomes a zone's `/` (lxrun --image). The archive's owners, modes, times, links and device
// nodes are kept as they are, the way `docker import` keeps them.

import type { FileSystem, Time } from '../kernel/fs/inode.js';
import { TmpFs } from '../kernel/fs/tmpfs.js';
import { importTar } from './tar.js';

/** st_dev of an image's tmpfs (0:32; the kernel hands out its own anonymous devices from 0:40). */
export const IMAGE_DEV = 32;

export async function imageFs(bytes: Uint8Array, now: () => Time, onProgress?: (done: number, total: number) => void,
  onWarning?: (message: string) => void): Promise<FileSystem> {
  const fs = new TmpFs({ dev: IMAGE_DEV, now, mode: 0o755, sizeLimit: 0 });
  await importTar(bytes, fs.root(), { onProgress, onWarning });
  return fs;
}
