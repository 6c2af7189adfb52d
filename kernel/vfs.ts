// Path-level file-system operations. Today the guest's tree is the host's (through HostFs, under
// the zone's root) plus a few synthetic /proc/self entries that must describe the guest rather
// than the emulator (exe, maps, cmdline, environ, comm, cwd, fd/N). The VFS issue replaces this
// module with real mounts (tmpfs, overlay, procfs, devfs) behind the same calls.

import { Errno, EACCES, EEXIST, EINVAL, ENOENT, ENOTDIR, EOPNOTSUPP, HostError, ELOOP } from './errno.js';
import { HostFile, MemFile, OpenFile } from './file.js';
import { fromBstr, Stat } from './host.js';
import type { Kernel } from './kernel.js';
import {
  O_ACCMODE, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_LARGEFILE, O_NOCTTY, O_NOFOLLOW, O_PATH, O_TMPFILE,
  O_TRUNC, O_WRONLY, O_RDWR, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT,
} from './linux.js';
import type { Process } from './process.js';
import type { TtyDevice } from './tty.js';

/** What a /proc/self path names. */
type ProcNode =
  | { kind: 'link'; target: string }
  | { kind: 'file'; content: () => Uint8Array }
  | { kind: 'dir' };

export class HostVfs {
  constructor(private readonly k: Kernel) {}

  private host(path: string): string { return this.k.hostPath(path); }

  // ---- /proc/self ------------------------------------------------------------------------------

  /** The synthetic node for /proc/self/..., /proc/<own pid>/..., or undefined for other paths. */
  private proc(self: Process, path: string): ProcNode | undefined {
    const m = /^\/proc\/(self|thread-self|\d+)(\/.*)?$/.exec(path);
    if (!m) return undefined;
    // /proc/<pid> names the zone's processes only (a pid namespace)
    const p = m[1] === 'self' || m[1] === 'thread-self' ? self : this.k.procs.get(Number(m[1]));
    if (!p || p.state === 'dead') throw new Errno(ENOENT);
    const rest = (m[2] ?? '').replace(/\/+$/, '');
    const enc = (s: string) => fromBstr(s);
    switch (rest) {
      case '': case '/fd': case '/task': return { kind: 'dir' };
      case '/exe': return { kind: 'link', target: p.exe };
      case '/cwd': return { kind: 'link', target: p.cwd };
      case '/root': return { kind: 'link', target: '/' };
      case '/cmdline': return { kind: 'file', content: () => enc(p.argv.map((a) => a + '\0').join('')) };
      case '/environ': return { kind: 'file', content: () => enc(p.envp.map((a) => a + '\0').join('')) };
      case '/comm': return { kind: 'file', content: () => enc(p.comm + '\n') };
      case '/maps': return { kind: 'file', content: () => enc(procMaps(p)) };
      default: {
        const fd = /^\/fd\/(\d+)$/.exec(rest);
        if (fd) {
          const e = p.fds.entry(Number(fd[1]));
          if (!e) throw new Errno(ENOENT);
          return { kind: 'link', target: e.file.path };
        }
        throw new Errno(ENOENT);
      }
    }
  }

  /** Follows /proc/<pid>/{exe,cwd,root,fd/N} links (execve of /proc/self/exe). */
  resolveProcLinks(p: Process, path: string): string {
    for (let i = 0; i < 8; i++) {
      const node = this.proc(p, path);
      if (!node || node.kind !== 'link') return path;
      path = node.target;
    }
    throw new Errno(ELOOP);
  }

  private procStat(node: ProcNode, p: Process): Stat {
    const now = Math.floor(p.startMs / 1000);
    const mode = node.kind === 'dir' ? S_IFDIR | 0o555 : node.kind === 'link' ? S_IFLNK | 0o777 : S_IFREG | 0o444;
    return {
      dev: 0x16, ino: 4026531841, mode, nlink: node.kind === 'dir' ? 2 : 1, uid: p.uid, gid: p.gid, rdev: 0, size: 0,
      blksize: 1024, blocks: 0, atimeSec: now, atimeNsec: 0, mtimeSec: now, mtimeNsec: 0, ctimeSec: now, ctimeNsec: 0,
    };
  }

  // ---- the calls ---------------------------------------------------------------------------------

  /** open/openat: `path` is absolute. Returns a new description (one reference). */
  open(p: Process, path: string, flags: number, mode: number): OpenFile {
    const node = this.proc(p, path);
    if (node) {
      if (node.kind === 'link') return this.open(p, node.target, flags, mode);
      if (node.kind === 'file') {
        if ((flags & O_ACCMODE) !== 0) throw new Errno(EACCES);
        return new MemFile(path, node.content, this.procStat(node, p));
      }
      // a directory under /proc/self: opened on the host's /proc (listing is approximate)
    }
    if ((flags & O_TMPFILE) === O_TMPFILE) throw new Errno(EOPNOTSUPP);
    const fs = this.k.host.fs;
    const hp = this.host(path);
    let fflags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
    if (flags & O_PATH) {
      fflags = flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW);
      const st = flags & O_NOFOLLOW ? fs.lstat(hp) : fs.stat(hp);
      if ((flags & O_DIRECTORY) && (st.mode & S_IFMT) !== S_IFDIR) throw new Errno(ENOTDIR);
      const kind = (st.mode & S_IFMT) === S_IFDIR ? 'dir' : 'other';
      return new HostFile(this.k.host, -1, fflags, canonical(path), hp, { kind, stat: st });
    }
    if (p.mode64) fflags |= O_LARGEFILE;
    if ((flags & O_CREAT) && (flags & O_DIRECTORY)) throw new Errno(EINVAL);
    const cmode = (mode & 0o7777) & ~p.umask;
    let h: number;
    try {
      h = fs.open(hp, flags & ~O_CLOEXEC, cmode);
    } catch (e) {
      // Linux answers ELOOP for O_NOFOLLOW on a symlink; hosts may say otherwise.
      if (e instanceof HostError && (flags & O_NOFOLLOW) && e.code === 'ELOOP') throw new Errno(ELOOP);
      throw e;
    }
    const f = new HostFile(this.k.host, h, fflags, canonical(path), hp);
    if (f.kind === 'tty') f.tty = this.ttyFor(h);
    return f;
  }

  private ttyFor(h: number): TtyDevice { return this.k.ttyDevice(h); }

  stat(p: Process, path: string, follow: boolean): Stat {
    const node = this.proc(p, path);
    if (node) {
      if (node.kind === 'link' && follow) return this.stat(p, node.target, true);
      return this.procStat(node, p);
    }
    return follow ? this.k.host.fs.stat(this.host(path)) : this.k.host.fs.lstat(this.host(path));
  }

  readlink(p: Process, path: string): string {
    const node = this.proc(p, path);
    if (node) {
      if (node.kind !== 'link') throw new Errno(EINVAL);
      return node.target;
    }
    return this.k.host.fs.readlink(this.host(path));
  }

  access(p: Process, path: string, mode: number): void {
    const node = this.proc(p, path);
    if (node) {
      if (node.kind === 'link') return this.access(p, node.target, mode);
      if (mode & 2 /* W_OK */) throw new Errno(EACCES);
      return;
    }
    this.k.host.fs.access(this.host(path), mode);
  }

  /** The canonical path of a directory (chdir), or ENOTDIR / ENOENT / EACCES. */
  realDir(p: Process, path: string): string {
    const st = this.stat(p, path, true);
    if ((st.mode & S_IFMT) !== S_IFDIR) throw new Errno(ENOTDIR);
    this.access(p, path, 1);
    const node = this.proc(p, path);
    if (node) return path;
    const real = this.k.host.fs.realpath(this.host(path));
    const root = this.k.options.root;
    if (root && root !== '/' && real.startsWith(root)) return real.slice(root.replace(/\/+$/, '').length) || '/';
    return real;
  }

  mkdir(p: Process, path: string, mode: number): void {
    if (this.proc(p, path)) throw new Errno(EEXIST);
    this.k.host.fs.mkdir(this.host(path), (mode & 0o7777) & ~p.umask);
  }

  rmdir(_p: Process, path: string): void { this.k.host.fs.rmdir(this.host(path)); }

  unlink(_p: Process, path: string): void { this.k.host.fs.unlink(this.host(path)); }

  rename(_p: Process, from: string, to: string, flags: number): void {
    const fs = this.k.host.fs;
    if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) throw new Errno(EINVAL);
    if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT))) throw new Errno(EINVAL);
    if (flags & (RENAME_EXCHANGE | RENAME_WHITEOUT)) throw new Errno(EINVAL);
    if (flags & RENAME_NOREPLACE) {
      let exists = true;
      try { fs.lstat(this.host(to)); } catch { exists = false; }
      if (exists) throw new Errno(EEXIST);
    }
    fs.rename(this.host(from), this.host(to));
  }

  symlink(_p: Process, target: string, path: string): void { this.k.host.fs.symlink(target, this.host(path)); }
  link(_p: Process, from: string, to: string): void { this.k.host.fs.link(this.host(from), this.host(to)); }
  chmod(_p: Process, path: string, mode: number): void { this.k.host.fs.chmod(this.host(path), mode & 0o7777); }
  truncate(_p: Process, path: string, len: number): void { this.k.host.fs.truncate(this.host(path), len); }
  chown(_p: Process, path: string, uid: number, gid: number, follow: boolean): void {
    this.k.host.fs.chown(this.host(path), uid, gid, !follow);
  }
  utimes(_p: Process, path: string, atime: [number, number] | null, mtime: [number, number] | null, follow: boolean): void {
    this.k.host.fs.utimes(this.host(path), atime, mtime, !follow);
  }
}

/** A lexically canonical absolute path (for names shown back to the guest: /proc/self/fd). */
export function canonical(path: string): string {
  const parts: string[] = [];
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') { parts.pop(); continue; }
    parts.push(c);
  }
  return '/' + parts.join('/');
}

/** /proc/self/maps text (fs/proc/task_mmu.c show_map_vma). */
export function procMaps(p: Process): string {
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  let out = '';
  for (const v of p.mem.vmas) {
    const perms = (v.prot & 1 ? 'r' : '-') + (v.prot & 2 ? 'w' : '-') + (v.prot & 4 ? 'x' : '-') + (v.flags & 1 ? 's' : 'p');
    const b = v.backing;
    const dev = b?.dev ?? 0;
    const major = ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
    const minor = (dev & 0xff) | ((dev >>> 12) & ~0xff);
    const ino = b?.ino ?? 0;
    let line = `${hex(v.start, 8)}-${hex(v.end, 8)} ${perms} ${hex(b ? v.offset : 0, 8)} ${hex(major, 2)}:${hex(minor, 2)} ${ino} `;
    const name = b ? b.path : v.name;
    if (name) line = line.padEnd(73, ' ') + name;
    out += line + '\n';
  }
  return out;
}

export { O_WRONLY, O_RDWR };
