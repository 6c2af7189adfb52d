// Extended attributes (fs/xattr.c): the argument checks are the VFS's, the storage is the file
// system's (tmpfs keeps user.* and trusted.*; hostfs has none through the Node adapter).

import { Errno, E2BIG, EINVAL, ERANGE, EOPNOTSUPP, EPERM } from '../kernel/errno.js';
import { fromBstr } from '../kernel/host.js';
import { AT_FDCWD, O_PATH, S_IFDIR, S_IFMT, S_IFREG } from '../kernel/linux.js';
import type { Task } from '../kernel/process.js';
import type { Loc } from '../kernel/fs/walk.js';
import type { Handler } from './types.js';
import { atPath, readCStr, readPath } from './util.js';

const XATTR_CREATE = 1, XATTR_REPLACE = 2, XATTR_NAME_MAX = 255, XATTR_SIZE_MAX = 65536, XATTR_LIST_MAX = 65536;
const NAMESPACES = ['user.', 'trusted.', 'security.', 'system.'];

function readName(t: Task, addr: number): string {
  let name: string;
  try { name = readCStr(t, addr, XATTR_NAME_MAX + 1); } catch (e) {
    if (e instanceof Errno && e.errno === 36 /* ENAMETOOLONG */) throw new Errno(ERANGE);
    throw e;
  }
  if (name.length === 0) throw new Errno(ERANGE);
  if (!NAMESPACES.some((n) => name.startsWith(n))) throw new Errno(EOPNOTSUPP);
  return name;
}

function pathLoc(t: Task, path: number, follow: boolean): Loc {
  return t.kernel.vfs.resolve(t.proc, atPath(t, AT_FDCWD, readPath(t, path)), follow);
}

function fdLoc(t: Task, fd: number): Loc {
  const f = t.proc.fds.get(fd);
  if (f.flags & O_PATH) throw new Errno(9 /* EBADF */);
  return t.kernel.vfs.fileLoc(f);
}

function doSet(t: Task, loc: Loc, nameAddr: number, value: number, size: number, flags: number): number {
  if (flags & ~(XATTR_CREATE | XATTR_REPLACE)) throw new Errno(EINVAL);
  const name = readName(t, nameAddr);
  if (size > XATTR_SIZE_MAX) throw new Errno(E2BIG);
  const data = size ? t.mem.readBytes(value, size) : new Uint8Array(0);
  // user.* attributes belong to regular files and directories only (xattr_permission)
  const type = loc.inode.stat().mode & S_IFMT;
  if (name.startsWith('user.') && type !== S_IFREG && type !== S_IFDIR) throw new Errno(EPERM);
  if ((name.startsWith('trusted.') || name.startsWith('security.')) && t.proc.euid !== 0) throw new Errno(EPERM);
  t.kernel.vfs.setxattr(t.proc, loc, name, data, flags);
  return 0;
}

function doGet(t: Task, loc: Loc, nameAddr: number, value: number, size: number): number {
  const name = readName(t, nameAddr);
  if (name.startsWith('trusted.') && t.proc.euid !== 0) throw new Errno(61 /* ENODATA */);
  const v = t.kernel.vfs.getxattr(loc, name);
  if (size === 0) return v.length;
  if (size < v.length) throw new Errno(ERANGE);
  if (v.length) t.mem.writeBytes(value, v);
  return v.length;
}

function doList(t: Task, loc: Loc, list: number, size: number): number {
  const names = t.kernel.vfs.listxattr(loc).filter((n) => !n.startsWith('trusted.') || t.proc.euid === 0);
  const out = fromBstr(names.map((n) => n + '\0').join(''));
  if (out.length > XATTR_LIST_MAX) throw new Errno(E2BIG);
  if (size === 0) return out.length;
  if (size < out.length) throw new Errno(ERANGE);
  if (out.length) t.mem.writeBytes(list, out);
  return out.length;
}

function doRemove(t: Task, loc: Loc, nameAddr: number): number {
  const name = readName(t, nameAddr);
  t.kernel.vfs.removexattr(t.proc, loc, name);
  return 0;
}

export const xattrCalls: Record<string, Handler> = {
  setxattr: (t, [p, n, v, s, f]) => doSet(t, pathLoc(t, p, true), n, v, s, f),
  lsetxattr: (t, [p, n, v, s, f]) => doSet(t, pathLoc(t, p, false), n, v, s, f),
  fsetxattr: (t, [fd, n, v, s, f]) => doSet(t, fdLoc(t, fd), n, v, s, f),
  getxattr: (t, [p, n, v, s]) => doGet(t, pathLoc(t, p, true), n, v, s),
  lgetxattr: (t, [p, n, v, s]) => doGet(t, pathLoc(t, p, false), n, v, s),
  fgetxattr: (t, [fd, n, v, s]) => doGet(t, fdLoc(t, fd), n, v, s),
  listxattr: (t, [p, l, s]) => doList(t, pathLoc(t, p, true), l, s),
  llistxattr: (t, [p, l, s]) => doList(t, pathLoc(t, p, false), l, s),
  flistxattr: (t, [fd, l, s]) => doList(t, fdLoc(t, fd), l, s),
  removexattr: (t, [p, n]) => doRemove(t, pathLoc(t, p, true), n),
  lremovexattr: (t, [p, n]) => doRemove(t, pathLoc(t, p, false), n),
  fremovexattr: (t, [fd, n]) => doRemove(t, fdLoc(t, fd), n),
};


