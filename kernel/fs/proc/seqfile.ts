// An open procfs file (fs/seq_file.c): the content is generated for the reading process at the
// first read and kept, so a reader that takes it in small pieces sees one consistent snapshot; a
// read from offset 0 generates it afresh (what seq_read does after lseek to 0). Only SEEK_SET and
// SEEK_CUR are allowed (seq_lseek). Writes go to the file's handler one call at a time.

import { Errno, EINVAL } from '../../errno.js';
import { OpenFile } from '../../file.js';
import { bstr, fromBstr, Stat } from '../../host.js';
import { SEEK_CUR, SEEK_SET } from '../../linux.js';
import type { Process } from '../../process.js';
import type { Inode } from '../inode.js';

export class SeqFile extends OpenFile {
  private buf: Uint8Array | null = null;

  constructor(
    flags: number, path: string, inode: Inode,
    /** The process that opened it: content is generated as it would see it. */
    private readonly reader: Process,
    private readonly show: (reader: Process) => string,
    private readonly onWrite?: (data: string, writer: Process, pos: number) => void,
  ) {
    super(flags, path);
    this.inode = inode;
  }

  stat(): Stat { return this.inode!.stat(); }
  override get seekable(): boolean { return true; }

  override read(buf: Uint8Array): number {
    const n = this.pread(buf, this.pos);
    this.pos += n;
    return n;
  }

  override pread(buf: Uint8Array, pos: number): number {
    if (pos === 0 || !this.buf) this.buf = fromBstr(this.show(this.reader));
    const c = this.buf;
    if (pos >= c.length) return 0;
    const n = Math.min(buf.length, c.length - pos);
    buf.set(c.subarray(pos, pos + n));
    return n;
  }

  override write(data: Uint8Array): number {
    const n = this.pwrite(data, this.pos);
    this.pos += n;
    return n;
  }

  override pwrite(data: Uint8Array, pos: number): number {
    if (!this.onWrite) throw new Errno(EINVAL);
    this.onWrite(bstr(data), this.reader, pos);
    this.buf = null;
    return data.length;
  }

  override seek(off: number, whence: number): number {
    let n: number;
    if (whence === SEEK_SET) n = off;
    else if (whence === SEEK_CUR) n = this.pos + off;
    else throw new Errno(EINVAL);
    if (n < 0) throw new Errno(EINVAL);
    return (this.pos = n);
  }
}
