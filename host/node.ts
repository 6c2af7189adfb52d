// The Node.js host adapter: kernel/host.ts interfaces over node:fs, node:tty, node:os, node:crypto.
// Linux constants are translated to the host's through fs.constants (Blink's xlat idea), so the
// same kernel runs on a non-Linux host; Node error codes ('ENOENT') become HostError.

import fs from 'node:fs';
import os from 'node:os';
import tty from 'node:tty';
import { randomFillSync } from 'node:crypto';
import { HostError } from '../kernel/errno.js';
import type { Host, HostDirent, HostFdKind, HostFs, Stat } from '../kernel/host.js';
import * as L from '../kernel/linux.js';

const C = fs.constants;

/** Linux O_* → host open flags. */
function hostOpenFlags(f: number): number {
  let h = [C.O_RDONLY, C.O_WRONLY, C.O_RDWR, C.O_RDWR][f & L.O_ACCMODE];
  const map: [number, number | undefined][] = [
    [L.O_CREAT, C.O_CREAT], [L.O_EXCL, C.O_EXCL], [L.O_NOCTTY, C.O_NOCTTY], [L.O_TRUNC, C.O_TRUNC],
    [L.O_APPEND, C.O_APPEND], [L.O_DIRECTORY, C.O_DIRECTORY], [L.O_NOFOLLOW, C.O_NOFOLLOW],
    [L.O_NOATIME, C.O_NOATIME], [L.O_DSYNC, C.O_DSYNC], [L.O_DIRECT, C.O_DIRECT],
  ];
  for (const [lin, host] of map) if ((f & lin) && host !== undefined) h |= host;
  if ((f & L.O_SYNC) === L.O_SYNC && C.O_SYNC !== undefined) h |= C.O_SYNC;
  return h;
}

function p(path: string): Buffer { return Buffer.from(path, 'latin1'); }

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toHostError(e);
  }
}

function toHostError(e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return new HostError(code === 'ERR_FS_EISDIR' ? 'EISDIR' : code);
  if (typeof code === 'string' && code.startsWith('ERR_')) return new HostError('EINVAL', (e as Error).message);
  return e;
}

function splitNs(ns: bigint): [number, number] {
  let s = ns / 1_000_000_000n;
  let r = ns % 1_000_000_000n;
  if (r < 0n) { s -= 1n; r += 1_000_000_000n; }
  return [Number(s), Number(r)];
}

function toStat(st: fs.BigIntStats): Stat {
  const [as, an] = splitNs(st.atimeNs), [ms, mn] = splitNs(st.mtimeNs), [cs, cn] = splitNs(st.ctimeNs);
  const out: Stat = {
    dev: Number(st.dev), ino: Number(st.ino), mode: Number(st.mode), nlink: Number(st.nlink), uid: Number(st.uid),
    gid: Number(st.gid), rdev: Number(st.rdev), size: Number(st.size), blksize: Number(st.blksize),
    blocks: Number(st.blocks), atimeSec: as, atimeNsec: an, mtimeSec: ms, mtimeNsec: mn, ctimeSec: cs, ctimeNsec: cn,
  };
  if (st.birthtimeNs > 0n) [out.btimeSec, out.btimeNsec] = splitNs(st.birthtimeNs);
  return out;
}

function direntType(d: fs.Dirent): number {
  if (d.isFile()) return L.DT_REG;
  if (d.isDirectory()) return L.DT_DIR;
  if (d.isSymbolicLink()) return L.DT_LNK;
  if (d.isFIFO()) return L.DT_FIFO;
  if (d.isSocket()) return L.DT_SOCK;
  if (d.isCharacterDevice()) return L.DT_CHR;
  if (d.isBlockDevice()) return L.DT_BLK;
  return L.DT_UNKNOWN;
}

/** Sleeps the thread briefly (for a write to a full non-blocking pipe that must complete in order). */
const napCell = new Int32Array(new SharedArrayBuffer(4));
function nap(ms: number): void { Atomics.wait(napCell, 0, 0, ms); }

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class NodeFs implements HostFs {
  constructor(private readonly hostUmask: number) {}

  open(path: string, flags: number, mode: number): number {
    return wrap(() => {
      let created = false;
      if ((flags & L.O_CREAT) && (mode & this.hostUmask)) {
        if (flags & L.O_EXCL) created = true;
        else { try { fs.lstatSync(p(path)); } catch { created = true; } }
      }
      const h = fs.openSync(p(path), hostOpenFlags(flags), mode);
      // The host process's umask also applied: restore the bits the guest asked for.
      if (created) { try { fs.fchmodSync(h, mode); } catch { /* best effort */ } }
      return h;
    });
  }
  close(h: number): void {
    const s = this.shadows.get(h);
    if (s !== undefined) {
      this.shadows.delete(h);
      if (s !== null) { try { fs.closeSync(s); } catch { /* already gone */ } }
    }
    wrap(() => fs.closeSync(h));
  }
  pread(h: number, buf: Uint8Array, pos: number): number {
    return wrap(() => {
      let done = 0;
      while (done < buf.length) {
        const n = fs.readSync(h, buf, done, buf.length - done, pos + done);
        if (n === 0) break;
        done += n;
      }
      return done;
    });
  }
  pwrite(h: number, buf: Uint8Array, pos: number): number {
    return wrap(() => {
      let done = 0;
      while (done < buf.length) done += fs.writeSync(h, buf, done, buf.length - done, pos + done);
      return done;
    });
  }
  read(h: number, buf: Uint8Array): number {
    return wrap(() => fs.readSync(h, buf, 0, buf.length, null));
  }
  write(h: number, buf: Uint8Array): number {
    return wrap(() => {
      let done = 0;
      while (done < buf.length) {
        try {
          done += fs.writeSync(h, buf, done, buf.length - done, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EAGAIN') { nap(1); continue; }
          if (done > 0) return done;
          throw e;
        }
      }
      return done;
    });
  }
  // Terminals and pipes are read through a second, non-blocking open file description of the same
  // object (/proc/self/fd/N), never with a blocking read(2) on a libuv pool thread: such a read
  // cannot be cancelled, and Node's exit waits for it, so lxrun would hang at exit while the guest
  // left a terminal read pending. O_NONBLOCK on our own description leaves the shared one (the
  // user's shell's terminal) untouched. Objects that cannot be reopened (sockets) keep the old way.
  private readonly shadows = new Map<number, number | null>();

  private shadow(h: number): number | null {
    let s = this.shadows.get(h);
    if (s === undefined) {
      try {
        s = fs.openSync(`/proc/self/fd/${h}`, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
      } catch {
        s = null;
      }
      this.shadows.set(h, s);
    }
    return s;
  }

  tryRead(h: number, buf: Uint8Array): number | null {
    const s = this.shadow(h);
    if (s === null) return null;
    try {
      return fs.readSync(s, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return null;
      throw toHostError(e);
    }
  }

  async readAsync(h: number, buf: Uint8Array): Promise<number> {
    if (this.shadow(h) !== null) {
      // poll the non-blocking description: at once, then every 1..16 ms while nothing comes
      for (let wait = 1; ; wait = Math.min(wait * 2, 16)) {
        const n = this.tryRead(h, buf);
        if (n !== null) return n;
        await delay(wait);
      }
    }
    for (;;) {
      try {
        return await new Promise<number>((resolve, reject) => {
          fs.read(h, buf, 0, buf.length, null, (err, n) => (err ? reject(err) : resolve(n)));
        });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') { await delay(10); continue; }
        throw toHostError(e);
      }
    }
  }
  async writeAsync(h: number, buf: Uint8Array): Promise<number> {
    let done = 0;
    while (done < buf.length) {
      try {
        done += await new Promise<number>((resolve, reject) => {
          fs.write(h, buf, done, buf.length - done, null, (err, n) => (err ? reject(err) : resolve(n)));
        });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') { await delay(5); continue; }
        if (done > 0) return done;
        throw toHostError(e);
      }
    }
    return done;
  }
  fstat(h: number): Stat { return wrap(() => toStat(fs.fstatSync(h, { bigint: true }))); }
  stat(path: string): Stat { return wrap(() => toStat(fs.statSync(p(path), { bigint: true }))); }
  lstat(path: string): Stat { return wrap(() => toStat(fs.lstatSync(p(path), { bigint: true }))); }
  kind(h: number): HostFdKind {
    return wrap(() => {
      const st = fs.fstatSync(h);
      if (st.isFile()) return 'file';
      if (st.isDirectory()) return 'dir';
      if (st.isFIFO()) return 'fifo';
      if (st.isSocket()) return 'socket';
      if (st.isCharacterDevice()) return tty.isatty(h) ? 'tty' : 'chr';
      return 'other';
    });
  }
  fdInfo(h: number): { flags: number; pos: number } | null {
    try {
      const text = fs.readFileSync(`/proc/self/fdinfo/${h}`, 'latin1');
      const pos = /^pos:\s+(\d+)/m.exec(text);
      const flags = /^flags:\s+([0-7]+)/m.exec(text);
      if (!pos || !flags) return null;
      return { pos: Number(pos[1]), flags: parseInt(flags[1], 8) & ~L.O_CLOEXEC };
    } catch {
      return null;
    }
  }
  readdir(path: string): HostDirent[] {
    // opendir/readSync keeps the file system's own order (readdirSync sorts by name); "." and
    // ".." are left out by libuv and added by the kernel.
    return wrap(() => {
      const dir = fs.opendirSync(p(path) as unknown as string, { encoding: 'buffer' as BufferEncoding, bufferSize: 256 });
      const out: HostDirent[] = [];
      try {
        for (let d = dir.readSync(); d; d = dir.readSync()) {
          const name = d.name as unknown as Buffer | string;
          out.push({ name: typeof name === 'string' ? Buffer.from(name).toString('latin1') : name.toString('latin1'), type: direntType(d) });
        }
      } finally {
        dir.closeSync();
      }
      return out;
    });
  }
  readlink(path: string): string { return wrap(() => fs.readlinkSync(p(path), { encoding: 'buffer' }).toString('latin1')); }
  realpath(path: string): string { return wrap(() => fs.realpathSync.native(p(path), { encoding: 'buffer' }).toString('latin1')); }
  access(path: string, mode: number): void { wrap(() => fs.accessSync(p(path), mode)); }
  mkdir(path: string, mode: number): void {
    wrap(() => {
      fs.mkdirSync(p(path), { mode });
      if (mode & this.hostUmask) { try { fs.chmodSync(p(path), mode); } catch { /* best effort */ } }
    });
  }
  rmdir(path: string): void { wrap(() => fs.rmdirSync(p(path))); }
  unlink(path: string): void { wrap(() => fs.unlinkSync(p(path))); }
  rename(from: string, to: string): void { wrap(() => fs.renameSync(p(from), p(to))); }
  symlink(target: string, path: string): void { wrap(() => fs.symlinkSync(p(target), p(path))); }
  link(from: string, to: string): void { wrap(() => fs.linkSync(p(from), p(to))); }
  chmod(path: string, mode: number): void { wrap(() => fs.chmodSync(p(path), mode)); }
  fchmod(h: number, mode: number): void { wrap(() => fs.fchmodSync(h, mode)); }
  chown(path: string, uid: number, gid: number, nofollow: boolean): void {
    wrap(() => (nofollow ? fs.lchownSync : fs.chownSync)(p(path), uid | 0, gid | 0));
  }
  ftruncate(h: number, len: number): void { wrap(() => fs.ftruncateSync(h, len)); }
  truncate(path: string, len: number): void { wrap(() => fs.truncateSync(p(path), len)); }
  fsync(h: number): void { wrap(() => fs.fsyncSync(h)); }
  utimes(path: string, atime: [number, number] | null, mtime: [number, number] | null, nofollow: boolean): void {
    wrap(() => {
      let a = atime, m = mtime;
      if (!a || !m) {
        const st = this.lstat(path);
        a ??= [st.atimeSec, st.atimeNsec];
        m ??= [st.mtimeSec, st.mtimeNsec];
      }
      const secs = (x: [number, number]) => x[0] + x[1] / 1e9;
      (nofollow ? fs.lutimesSync : fs.utimesSync)(p(path), secs(a), secs(m));
    });
  }
}

export interface NodeHostOptions {
  /** Emulator process umask (read from the process by default). */
  umask?: number;
}

function processUmask(): number {
  const u = process.umask(0o022);
  process.umask(u);
  return u;
}

let rawStdin = false;

/** The Host for Node.js. */
export function nodeHost(opts: NodeHostOptions = {}): Host {
  const umask = opts.umask ?? processUmask();
  return {
    fs: new NodeFs(umask),
    tty: {
      isatty: (h) => tty.isatty(h),
      winsize: (h) => {
        void h;
        for (const s of [process.stdout, process.stderr]) {
          if (s.isTTY && s.columns && s.rows) return [s.rows, s.columns];
        }
        return null;
      },
      setRaw: (h, raw) => {
        if (h !== 0 || !process.stdin.isTTY) return;
        if (raw === rawStdin) return;
        rawStdin = raw;
        (process.stdin as tty.ReadStream).setRawMode(raw);
        process.stdin.pause();
      },
    },
    clock: {
      realtime: () => {
        const ms = performance.timeOrigin + performance.now();
        const s = Math.floor(ms / 1000);
        return [s, Math.min(999999999, Math.floor((ms - s * 1000) * 1e6))];
      },
      monotonic: () => {
        const [s, ns] = process.hrtime();
        return [s, ns];
      },
      cpuUsage: () => {
        const u = process.cpuUsage();
        return [u.user, u.system];
      },
    },
    random: { fill: (b) => { randomFillSync(b); } },
    sys: {
      hostname: () => os.hostname(),
      release: () => (os.platform() === 'linux' ? os.release() : ''),
      version: () => (os.platform() === 'linux' ? os.version() : ''),
      uptime: () => os.uptime(),
      loadavg: () => os.loadavg() as [number, number, number],
      totalmem: () => os.totalmem(),
      freemem: () => os.freemem(),
      cpus: () => os.cpus().length,
      uid: () => (process.getuid ? process.getuid() : 0),
      gid: () => (process.getgid ? process.getgid() : 0),
      umask: () => umask,
    },
    sched: {
      yield: () => new Promise<void>((r) => setImmediate(r)),
      sleep: (ms) => delay(ms),
      after: (ms, fn) => {
        // setTimeout turns anything past 2^31-1 ms into 1 ms; callers check their deadline when
        // the timer fires and wait again, so a far one is reached in steps of 24.8 days
        const h = setTimeout(fn, Math.min(ms, 0x7fffffff));
        return () => clearTimeout(h);
      },
    },
  };
}
