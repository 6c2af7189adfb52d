// The three kinds of procfs inode (fs/proc/generic.c, fs/proc/base.c): directories whose entries
// are computed when asked (a process list, an fd table), files whose content is generated when
// read (seq_file), and symbolic links whose target depends on who reads them (self) or that lead
// somewhere without a path walk (magic links: exe, cwd, root, fd/N). Every node knows its own name,
// so a directory is just an ordered list of nodes.

import { Errno, EINVAL, EPERM } from '../../errno.js';
import type { OpenFile } from '../../file.js';
import type { Stat } from '../../host.js';
import { O_PATH, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, dtFromMode } from '../../linux.js';
import type { Process } from '../../process.js';
import { DirFile } from '../dirfile.js';
import { Dirent, FileSystem, Inode, MagicTarget, SetAttr, Time } from '../inode.js';
import { SeqFile } from './seqfile.js';

export interface Owner { uid: number; gid: number }

/** What a node's stat shows beyond its type and permissions (shared by the nodes of one process). */
export interface NodeAttrs {
  owner: () => Owner;
  /** a/m/ctime: Linux stamps a proc inode when it is created, i.e. about when the object appeared. */
  time: () => Time;
}

/** How a generated file behaves. */
export interface FileOps {
  /** The whole content as a byte string (one char per byte), generated for the reading process. */
  show(reader: Process): string;
  /** Handles one write(2) of `data` (a byte string) at file offset `pos`; absent: EINVAL. */
  write?(data: string, writer: Process, pos: number): void;
  /** Extra checks at open (sysctl permissions, ptrace access); throws an Errno. */
  open?(flags: number, p: Process): void;
}

export abstract class ProcNode extends Inode {
  constructor(
    readonly fs: FileSystem,
    readonly ino: number,
    readonly name: string,
    /** S_IF* | permission bits. */
    readonly fmode: number,
    protected readonly attrs: NodeAttrs,
  ) { super(); }

  protected nlink(): number { return 1; }
  protected size(): number { return 0; }

  stat(): Stat {
    const { uid, gid } = this.attrs.owner();
    const [s, ns] = this.attrs.time();
    return {
      dev: this.fs.dev, ino: this.ino, mode: this.fmode, nlink: this.nlink(), uid, gid, rdev: 0, size: this.size(),
      blksize: 1024, blocks: 0, atimeSec: s, atimeNsec: ns, mtimeSec: s, mtimeNsec: ns, ctimeSec: s, ctimeNsec: ns,
    };
  }

  override get mode(): number { return this.fmode; }

  /** proc_setattr: modes are fixed (EPERM); the rest (O_TRUNC's size, times, owners) is accepted
   *  and has no lasting effect, so `echo x > /proc/self/comm` opens as on Linux. */
  override setattr(a: SetAttr): void {
    if (a.mode !== undefined) throw new Errno(EPERM);
  }
}

export class ProcDir extends ProcNode {
  constructor(
    fs: FileSystem, ino: number, name: string, perm: number, attrs: NodeAttrs,
    /** The ino ".." shows (a proc directory always knows its parent). */
    readonly parentIno: number,
    /** The entries in the order getdents returns them. */
    private readonly kids: () => ProcNode[],
    /** A faster lookup than scanning `kids` (pid directories, fd tables). */
    private readonly find?: (name: string) => ProcNode | null,
    private readonly links?: () => number,
  ) { super(fs, ino, name, S_IFDIR | (perm & 0o7777), attrs); }

  /** Linux counts ".", the entry in the parent and each subdirectory's "..". */
  protected override nlink(): number {
    if (this.links) return this.links();
    return 2 + this.kids().filter((k) => (k.fmode & S_IFMT) === S_IFDIR).length;
  }

  override lookup(name: string): Inode | null {
    if (this.find) return this.find(name);
    return this.kids().find((k) => k.name === name) ?? null;
  }

  override readdir(_parentIno: number): Dirent[] {
    const out: Dirent[] = [
      { name: '.', ino: this.ino, type: dtFromMode(S_IFDIR) },
      { name: '..', ino: this.parentIno, type: dtFromMode(S_IFDIR) },
    ];
    for (const k of this.kids()) out.push({ name: k.name, ino: k.ino, type: dtFromMode(k.fmode) });
    return out;
  }

  override open(flags: number, path: string, _p: Process): OpenFile {
    return new DirFile(this, null, flags, path, this.parentIno);
  }
}

export class ProcFile extends ProcNode {
  constructor(fs: FileSystem, ino: number, name: string, perm: number, attrs: NodeAttrs, readonly ops: FileOps) {
    super(fs, ino, name, S_IFREG | (perm & 0o7777), attrs);
  }

  override open(flags: number, path: string, p: Process): OpenFile {
    if (!(flags & O_PATH)) this.ops.open?.(flags, p);
    return new SeqFile(flags, path, this, p, (r) => this.ops.show(r), this.ops.write);
  }
}

export class ProcLink extends ProcNode {
  constructor(
    fs: FileSystem, ino: number, name: string, attrs: NodeAttrs,
    /** The link's text for the reading process (undefined: a caller that does not say who reads). */
    private readonly target: (reader?: Process) => string,
    /** Where following leads without a path walk (magic links), or null to walk the text. */
    private readonly jump?: (reader: Process) => MagicTarget | null,
    perm = 0o777,
    private readonly linkSize = 0,
  ) { super(fs, ino, name, S_IFLNK | perm, attrs); }

  protected override size(): number { return this.linkSize; }

  override readlink(p?: Process): string { return this.target(p); }
  override magic(p: Process): MagicTarget | null { return this.jump ? this.jump(p) : null; }

  /** open(O_PATH | O_NOFOLLOW) of the link itself. */
  override open(flags: number, path: string, p: Process): OpenFile {
    return new SeqFile(flags, path, this, p, () => { throw new Errno(EINVAL); });
  }
}
