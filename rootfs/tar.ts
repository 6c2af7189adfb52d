// Tar import: unpacks a tar archive (ustar, GNU and pax; gzip-compressed or not) into a directory
// of a writable kernel file system, the way GNU tar extracts as root with --numeric-owner
// --xattrs: modes (set-id bits included), numeric owners, mtimes (with pax's nanoseconds), link
// targets, hard links, device nodes, FIFOs and user/trusted/security xattrs are kept; directory
// attributes are applied last so that filling them does not change their mtime.
//
// The archive never writes outside `dest`: leading "/" and "../" are removed (tar's "Removing
// leading ..." rule), a member name with ".." elsewhere is skipped with a warning, and symlinks met
// on the way to a member are followed inside `dest` only (as if `dest` were the root).
//
// Names are byte strings (one char per byte), as the kernel's are.

import { Errno, EEXIST, ELOOP, ENOTDIR, ENOTEMPTY, errnoMessage } from '../kernel/errno.js';
import type { Time, Inode, SetAttr } from '../kernel/fs/inode.js';
import { makedev } from '../kernel/fs/devices.js';
import { O_WRONLY, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFREG } from '../kernel/linux.js';
import type { Process } from '../kernel/process.js';
import { gunzip, isGzip, otherCompression } from './gzip.js';

const BLOCK = 512;
const MAXSYMLINKS = 40;

/** One member as the archive describes it, after pax and GNU long-name records are applied. */
export interface TarEntry {
  /** Member name as stored (byte string). */
  path: string;
  /** Type flag: '0' file (also for NUL), '1' hard link, '2' symlink, '3' char, '4' block, '5' dir, '6' FIFO ... */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Time;
  linkpath: string;
  devmajor: number;
  devminor: number;
  xattrs: Map<string, Uint8Array>;
  /** The member's data (regular files). */
  data: Uint8Array;
  /** Byte offset just past the member (for progress). */
  end: number;
}

export interface TarOptions {
  /** Owner mapping (default: the archive's numeric ids). */
  mapUid?: (uid: number) => number;
  mapGid?: (gid: number) => number;
  /** Called after each member with bytes of (uncompressed) archive done and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Warnings tar would print and go on after (members skipped, xattrs refused). */
  onWarning?: (message: string) => void;
  /** The process file systems' open() receives (kernel file systems do not consult it). */
  process?: Process;
}

export interface TarResult {
  entries: number;
  warnings: string[];
}

/** Unpacks `bytes` (a tar, or a gzip-compressed tar) into the directory `dest`. */
export async function importTar(bytes: Uint8Array, dest: Inode, opts: TarOptions = {}): Promise<TarResult> {
  if (isGzip(bytes)) bytes = await gunzip(bytes);
  return extractTar(bytes, dest, opts);
}

/** importTar for an uncompressed archive, synchronously. */
export function extractTar(bytes: Uint8Array, dest: Inode, opts: TarOptions = {}): TarResult {
  const other = otherCompression(bytes);
  if (other) throw new Error(`${other}-compressed archives are not supported; decompress it first`);
  if (!dest.isDir) throw new Errno(ENOTDIR);
  const x = new Extractor(dest, opts);
  let n = 0;
  for (const e of readTar(bytes)) {
    x.member(e);
    n++;
    opts.onProgress?.(e.end, bytes.length);
  }
  x.finish();
  return { entries: n, warnings: x.warnings };
}

// ---- reading the archive ------------------------------------------------------------------------

function bstr(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/** A NUL-terminated field. */
function field(h: Uint8Array, off: number, len: number): string {
  const f = h.subarray(off, off + len);
  const z = f.indexOf(0);
  return bstr(z < 0 ? f : f.subarray(0, z));
}

/** A numeric field: octal digits (space/NUL padded) or GNU's base-256 (high bit set). */
function num(h: Uint8Array, off: number, len: number): number {
  const f = h.subarray(off, off + len);
  if (f[0] & 0x80) {
    let v = 0;
    if (f[0] & 0x40) {                           // negative: two's complement
      for (let i = 0; i < len; i++) v = v * 256 + (255 - f[i]);
      return -(v + 1);
    }
    v = f[0] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + f[i];
    return v;
  }
  let i = 0;
  while (i < len && (f[i] === 0x20 || f[i] === 0)) i++;
  let v = 0;
  let digits = 0;
  for (; i < len && f[i] >= 0x30 && f[i] <= 0x37; i++, digits++) v = v * 8 + (f[i] - 0x30);
  if (i < len && f[i] !== 0x20 && f[i] !== 0 && digits > 0) throw new Error('damaged tar archive: bad number in header');
  return v;
}

function isZero(h: Uint8Array): boolean {
  for (let i = 0; i < h.length; i++) if (h[i]) return false;
  return true;
}

/** The header checksum: unsigned byte sum with the checksum field read as spaces (old tars
 *  summed signed bytes; both are accepted, as GNU tar does). */
function checksumOk(h: Uint8Array): boolean {
  let u = 0, s = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i];
    u += b;
    s += b > 127 ? b - 256 : b;
  }
  const want = num(h, 148, 8);
  return want === u || want === s;
}

/** "[-]seconds[.fraction]" (pax times) as [s, ns]. */
function paxTime(v: string): Time {
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(v);
  if (!m) throw new Error(`damaged tar archive: bad pax time '${v}'`);
  let s = Number(m[2]);
  let ns = Number(((m[3] ?? '') + '000000000').slice(0, 9));
  if (m[1]) { s = -s; if (ns) { s -= 1; ns = 1e9 - ns; } }
  return [s, ns];
}

/** The records of a pax extended header: "LEN key=value\n", values as byte strings. */
function paxRecords(data: Uint8Array, into: Map<string, string>): void {
  let off = 0;
  while (off < data.length) {
    if (data[off] === 0) break;                  // padding some writers leave
    const sp = data.indexOf(0x20, off);
    const len = sp < 0 ? NaN : Number(bstr(data.subarray(off, sp)));
    if (!Number.isInteger(len) || len <= 0 || off + len > data.length) throw new Error('damaged tar archive: bad pax extended header');
    const rec = data.subarray(sp + 1, off + len - 1);   // without the final newline
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw new Error('damaged tar archive: bad pax extended header');
    const key = bstr(rec.subarray(0, eq));
    const value = bstr(rec.subarray(eq + 1));
    if (value === '') into.delete(key); else into.set(key, value);
    off += len;
  }
}

function fromBstr(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

/** libarchive's xattr keys: %-escaped names and base64 values. */
function libarchiveXattr(key: string, value: string): [string, Uint8Array] {
  const name = key.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  const bin = atob(value.replace(/[^A-Za-z0-9+/]/g, ''));
  return [name, fromBstr(bin)];
}

/** Walks the members of an uncompressed tar archive. */
export function* readTar(bytes: Uint8Array): Generator<TarEntry> {
  const global = new Map<string, string>();
  let pax = new Map<string, string>();
  let longName: string | null = null;
  let longLink: string | null = null;
  let off = 0;
  let first = true;
  for (;;) {
    if (off >= bytes.length) {
      if (first) throw new Error('This does not look like a tar archive');
      return;                                   // no end-of-archive blocks: tar accepts that
    }
    if (off + BLOCK > bytes.length) throw new Error('truncated tar archive');
    const h = bytes.subarray(off, off + BLOCK);
    if (isZero(h)) {
      if (first) throw new Error('This does not look like a tar archive');
      return;
    }
    if (!checksumOk(h)) {
      throw new Error(first ? 'This does not look like a tar archive' : `damaged tar archive: bad header checksum at byte ${off}`);
    }
    first = false;
    const type = String.fromCharCode(h[156] || 0x30);    // NUL: a regular file (pre-POSIX tars)
    const magic = field(h, 257, 6);
    const gnu = magic === 'ustar ';
    const size = num(h, 124, 12);
    const dataStart = off + BLOCK;
    const next = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > bytes.length) throw new Error('truncated tar archive');
    const data = bytes.subarray(dataStart, dataEnd);
    off = next;
    switch (type) {
      case 'L': longName = field(data, 0, data.length); continue;
      case 'K': longLink = field(data, 0, data.length); continue;
      case 'x': paxRecords(data, pax); continue;
      case 'g': paxRecords(data, global); continue;
      case 'V': continue;                       // volume label
    }
    const rec = new Map([...global, ...pax]);
    pax = new Map();
    let path = field(h, 0, 100);
    if (!gnu && magic === 'ustar') {
      const prefix = field(h, 345, 155);
      if (prefix) path = prefix + '/' + path;
    }
    if (longName !== null) { path = longName; longName = null; }
    let linkpath = field(h, 157, 100);
    if (longLink !== null) { linkpath = longLink; longLink = null; }
    const e: TarEntry = {
      path, type, mode: num(h, 100, 8), uid: num(h, 108, 8), gid: num(h, 116, 8), size,
      mtime: [num(h, 136, 12), 0], linkpath, devmajor: num(h, 329, 8), devminor: num(h, 337, 8),
      xattrs: new Map(), data, end: off,
    };
    for (const [k, v] of rec) {
      switch (k) {
        case 'path': e.path = v; break;
        case 'linkpath': e.linkpath = v; break;
        case 'size': e.size = Number(v); break;
        case 'mtime': e.mtime = paxTime(v); break;
        case 'uid': e.uid = Number(v); break;
        case 'gid': e.gid = Number(v); break;
        case 'SCHILY.devmajor': e.devmajor = Number(v); break;
        case 'SCHILY.devminor': e.devminor = Number(v); break;
        default:
          if (k.startsWith('SCHILY.xattr.')) e.xattrs.set(k.slice(13), fromBstr(v));
          else if (k.startsWith('LIBARCHIVE.xattr.')) { const [n, val] = libarchiveXattr(k.slice(17), v); e.xattrs.set(n, val); }
          else if (k.startsWith('GNU.sparse.')) throw new Error(`unsupported tar entry type 'sparse' for ${e.path}`);
      }
    }
    if (e.size !== size) {
      // a pax size overrides the header's (files over 8 GiB in strict ustar)
      const end = dataStart + e.size;
      if (end > bytes.length) throw new Error('truncated tar archive');
      e.data = bytes.subarray(dataStart, end);
      off = dataStart + Math.ceil(e.size / BLOCK) * BLOCK;
      e.end = off;
    }
    yield e;
  }
}

// ---- writing the tree ---------------------------------------------------------------------------

/** Removes leading "/" and "../" as tar does; null when ".." remains inside the name. */
function memberComponents(path: string): { comps: string[] | null; stripped: string } {
  const parts = path.split('/');
  let i = 0;
  let stripped = '';
  while (i < parts.length && (parts[i] === '' || parts[i] === '..' || parts[i] === '.')) {
    if (parts[i] === '..') stripped = '../';
    else if (parts[i] === '' && i === 0 && !stripped) stripped = '/';
    i++;
  }
  const comps = parts.slice(i).filter((c) => c !== '' && c !== '.');
  return { comps: comps.includes('..') ? null : comps, stripped };
}

class Extractor {
  readonly warnings: string[] = [];
  /** Directory attributes, applied at the end (filling a directory changes its mtime). */
  private readonly dirAttrs = new Map<Inode, SetAttr>();
  private readonly announced = new Set<string>();

  constructor(private readonly dest: Inode, private readonly opts: TarOptions) {}

  private warn(msg: string): void {
    this.warnings.push(msg);
    this.opts.onWarning?.(msg);
  }

  /** The directory `comps` names below dest, made (0755, root's) where missing; symlinks on the
   *  way are followed inside dest. */
  private dir(comps: string[]): Inode {
    const stack: Inode[] = [this.dest];
    const todo = comps.slice().reverse();
    let links = 0;
    while (todo.length) {
      const name = todo.pop()!;
      if (name === '' || name === '.') continue;
      if (name === '..') { if (stack.length > 1) stack.pop(); continue; }
      const cur = stack[stack.length - 1];
      let next = cur.lookup(name);
      if (!next) next = cur.mkdir(name, S_IFDIR | 0o755, 0, 0);
      if (next.isLink) {
        if (++links > MAXSYMLINKS) throw new Errno(ELOOP);
        const target = next.readlink();
        if (target.startsWith('/')) stack.length = 1;
        const tc = target.split('/');
        for (let i = tc.length - 1; i >= 0; i--) todo.push(tc[i]);
        continue;
      }
      if (!next.isDir) throw new Errno(ENOTDIR);
      stack.push(next);
    }
    return stack[stack.length - 1];
  }

  /** Makes room for a new member called `name` in `dir` (tar replaces what is there). Returns the
   *  existing directory when a directory member meets one. */
  private clear(dir: Inode, name: string, wantDir: boolean): Inode | null {
    const old = dir.lookup(name);
    if (!old) return null;
    if (old.isDir) {
      if (wantDir) return old;
      try { dir.rmdir(name); } catch (e) {
        if (e instanceof Errno && e.errno === ENOTEMPTY) throw new Errno(EEXIST);
        throw e;
      }
      return null;
    }
    dir.unlink(name);
    return null;
  }

  member(e: TarEntry): void {
    const { comps, stripped } = memberComponents(e.path);
    if (!comps) { this.warn(`${e.path}: Member name contains '..'`); return; }
    if (stripped && !this.announced.has(stripped)) {
      this.announced.add(stripped);
      this.warn(`Removing leading \`${stripped}' from member names`);
    }
    // old tars mark directories by a trailing "/" on a regular-file entry; so does GNU tar's reader
    const type = (e.type === '0' || e.type === '7') && e.path.endsWith('/') ? '5' : e.type;
    try {
      this.create(e, type, comps);
    } catch (err) {
      if (err instanceof Errno) { this.warn(`${e.path}: Cannot create: ${errnoMessage(err.errno)}`); return; }
      throw err;
    }
  }

  private create(e: TarEntry, type: string, comps: string[]): void {
    const uid = this.opts.mapUid ? this.opts.mapUid(e.uid) : e.uid;
    const gid = this.opts.mapGid ? this.opts.mapGid(e.gid) : e.gid;
    const perm = e.mode & 0o7777;
    const attrs: SetAttr = { mode: perm, uid, gid, mtime: e.mtime };
    if (comps.length === 0) {
      // "./": the extraction directory itself takes the member's attributes
      if (type === '5' || type === 'D') this.dirAttrs.set(this.dest, attrs);
      return;
    }
    const name = comps[comps.length - 1];
    const parent = this.dir(comps.slice(0, -1));
    let node: Inode;
    switch (type) {
      case '5': case 'D': {
        node = this.clear(parent, name, true) ?? parent.mkdir(name, S_IFDIR | 0o700, uid, gid);
        this.xattrs(node, e);
        this.dirAttrs.set(node, attrs);
        return;
      }
      case '0': case '7': {
        this.clear(parent, name, false);
        node = parent.mknod(name, S_IFREG | perm, 0, uid, gid);
        this.fill(node, e);
        break;
      }
      case '1': {
        const lc = memberComponents(e.linkpath).comps;
        if (!lc || lc.length === 0) { this.warn(`${e.path}: Cannot hard link to '${e.linkpath}': Invalid argument`); return; }
        const target = this.dir(lc.slice(0, -1)).lookup(lc[lc.length - 1]);
        if (!target) { this.warn(`${e.path}: Cannot hard link to '${e.linkpath}': No such file or directory`); return; }
        if (target.isDir) { this.warn(`${e.path}: Cannot hard link to '${e.linkpath}': Operation not permitted`); return; }
        if (parent.lookup(name)?.same(target)) return;
        this.clear(parent, name, false);
        parent.link(name, target);
        return;                                 // a hard link has the attributes of its target
      }
      case '2': {
        this.clear(parent, name, false);
        node = parent.symlink(name, e.linkpath, uid, gid);
        node.setattr({ uid, gid, mtime: e.mtime });
        this.xattrs(node, e);
        return;
      }
      case '3': case '4': case '6': {
        this.clear(parent, name, false);
        const kind = type === '3' ? S_IFCHR : type === '4' ? S_IFBLK : S_IFIFO;
        const rdev = type === '6' ? 0 : makedev(e.devmajor, e.devminor);
        node = parent.mknod(name, kind | perm, rdev, uid, gid);
        break;
      }
      default:
        throw new Error(`unsupported tar entry type '${type}' for ${e.path}`);
    }
    this.xattrs(node, e);
    node.setattr(attrs);
  }

  /** Writes a regular member's data through an open description of the new file. */
  private fill(node: Inode, e: TarEntry): void {
    if (e.data.length === 0) return;
    const f = node.open(O_WRONLY, '/' + e.path, this.opts.process as Process);
    try {
      for (let off = 0; off < e.data.length;) off += f.pwrite(e.data.subarray(off), off);
    } finally {
      f.unref();
    }
  }

  private xattrs(node: Inode, e: TarEntry): void {
    for (const [name, value] of e.xattrs) {
      try { node.setxattr(name, value, 0); } catch (err) {
        if (!(err instanceof Errno)) throw err;
        this.warn(`${e.path}: Cannot set extended attribute '${name}': ${errnoMessage(err.errno)}`);
      }
    }
  }

  /** Applies the directories' attributes (the last member naming a directory wins). */
  finish(): void {
    for (const [node, a] of this.dirAttrs) node.setattr(a);
  }
}
