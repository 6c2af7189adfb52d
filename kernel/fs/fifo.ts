// Named pipes (fs/pipe.c fifo_open): one Pipe per FIFO inode while it is open; opening for
// reading waits for a writer and opening for writing waits for a reader, unless O_NONBLOCK
// (then a writer without readers gets ENXIO) or O_RDWR (never waits).

import { Errno, ENXIO, ERESTARTSYS } from '../errno.js';
import type { Maybe, OpenFile } from '../file.js';
import type { Stat } from '../host.js';
import type { Kernel } from '../kernel.js';
import { O_ACCMODE, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY } from '../linux.js';
import { Pipe, PipeFile } from '../pipe.js';
import type { Task } from '../process.js';
import { waitFor } from '../wait.js';
import type { Inode } from './inode.js';

/** Open FIFOs by "dev:ino" (host inodes are looked up afresh on each walk, so not by object). */
const fifos = new WeakMap<Kernel, Map<string, Pipe>>();

class FifoFile extends PipeFile {
  constructor(pipe: Pipe, flags: number, path: string, private readonly node: Inode, private readonly onLast: () => void) {
    super(pipe, flags);
    this.path = path;
  }
  override stat(): Stat { return this.node.stat(); }
  protected override release(): void {
    super.release();
    if (!this.pipe.readers && !this.pipe.writers) this.onLast();
  }
}

export function openFifo(k: Kernel, inode: Inode, flags: number, path: string, t?: Task): Maybe<OpenFile> {
  let table = fifos.get(k);
  if (!table) { table = new Map(); fifos.set(k, table); }
  const key = `${inode.fs.dev}:${inode.ino}`;
  let pipe = table.get(key);
  if (!pipe) { pipe = new Pipe(k.host.clock.realtime()); table.set(key, pipe); }
  const p = pipe;
  const acc = flags & O_ACCMODE;
  const nonblock = (flags & O_NONBLOCK) !== 0;
  if (acc === O_WRONLY && nonblock && !p.readers) {
    if (!p.readers && !p.writers) table.delete(key);
    throw new Errno(ENXIO);
  }
  const f = new FifoFile(p, flags, path, inode, () => table!.delete(key));
  p.wq.wake();
  const other = () => (acc === O_RDONLY ? p.writers : p.readers);
  if (acc === O_RDWR || nonblock || other() > 0 || !t) return f;
  return waitFor<OpenFile>(t, [p.wq], () => (other() > 0 ? f : undefined), {
    intr: () => { f.unref(); throw new Errno(ERESTARTSYS); },
  });
}
