// File locks as fs/locks.c keeps them. BSD flock(2) locks belong to the open file description
// (shared by dup and fork, gone with its last reference). POSIX record locks (fcntl F_SETLK & co)
// belong to the fd table, Linux's fl_owner = current->files: fork does not inherit them, and
// closing any descriptor of the file in that table drops them all. OFD locks (F_OFD_*) belong to
// the description but live in the same list as the POSIX ones, so the two kinds conflict.
// Every lock on a file sits in that file's context, found by the file's identity. A request that
// must wait sleeps on the context's queue and retries from the start whenever the context
// changes, as do_lock_file_wait and flock_lock_inode_wait do.

import { Errno, EAGAIN, EDEADLK, EINVAL, EOVERFLOW, ERESTARTSYS } from '../errno.js';
import { HostFile, StreamFile, type Maybe, type OpenFile } from '../file.js';
import { F_RDLCK, F_UNLCK, F_WRLCK, O_PATH, SEEK_CUR, SEEK_END, SEEK_SET } from '../linux.js';
import type { Task } from '../process.js';
import { waitFor, WaitQueue } from '../wait.js';

export const LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8, LOCK_MAND = 32;

/** A range "to the end of the file" ends here (OFFSET_MAX = LLONG_MAX). */
export const OFFSET_MAX = 0x7fffffffffffffffn;

interface FlockLock { file: OpenFile; type: number }

/** A POSIX or OFD lock (struct file_lock with FL_POSIX, FL_OFDLCK). */
export interface PosixLock {
  /** POSIX: the fd table; OFD: the open description. */
  owner: object;
  ofd: boolean;
  /** The owner's pid (tgid) when the lock was set: F_GETLK's l_pid. */
  pid: number;
  type: number;
  start: bigint;
  /** Inclusive; OFFSET_MAX for "to the end of the file". */
  end: bigint;
}

/** struct file_lock_context: the locks of one file. */
class FileLocks {
  readonly flocks: FlockLock[] = [];
  /** flc_posix, in Linux's order: an owner's locks together and sorted by start, owners in the
   *  order they first locked (F_GETLK reports the first conflict in this order). */
  readonly posix: PosixLock[] = [];
  readonly wq = new WaitQueue();
  constructor(private readonly scope: Map<string | number, FileLocks>, private readonly key: string | number) {}

  /** Forgets the context once nothing is locked or waited for (a later lock makes a new one). */
  tidy(): void {
    if (this.posix.length) withPosix.add(this); else withPosix.delete(this);
    if (!this.posix.length && !this.flocks.length && this.wq.size === 0 && this.scope.get(this.key) === this) {
      this.scope.delete(this.key);
    }
  }
}

// ---- identity -------------------------------------------------------------------------------------

/** The scope of files known by the host's (st_dev, st_ino): host files and pipes. Files of the
 *  zone's own file systems are known within their file system, so zones never share them. */
const HOST_SCOPE = {};
const contexts = new WeakMap<object, Map<string | number, FileLocks>>();
const identities = new WeakMap<OpenFile, [object, string | number]>();

function identify(f: OpenFile): [object, string | number] {
  let id = identities.get(f);
  if (!id) {
    // a host file's inode (hostfs) answers by path, which may name another file by now: fstat it
    if (f.inode && !(f instanceof HostFile)) {
      // an overlay shows each layer's st_dev: the inode number alone could name two files
      const st = f.inode.stat();
      id = [f.inode.fs, `${st.dev}:${st.ino}`];
    } else if (f instanceof StreamFile) id = [f, 0];     // every endpoint shows the same made-up inode
    else { const st = f.stat(); id = [HOST_SCOPE, `${st.dev}:${st.ino}`]; }
    identities.set(f, id);
  }
  return id;
}

function contextOf(f: OpenFile, create: boolean): FileLocks | null {
  const [scope, key] = identify(f);
  let m = contexts.get(scope);
  if (!m) {
    if (!create) return null;
    m = new Map();
    contexts.set(scope, m);
  }
  let c = m.get(key);
  if (!c && create) { c = new FileLocks(m, key); m.set(key, c); }
  return c ?? null;
}

/** Contexts holding POSIX or OFD locks: close() looks no further when there are none. */
const withPosix = new Set<FileLocks>();

// ---- waiting and deadlocks ------------------------------------------------------------------------

/** blocked_hash: each sleeping request (by a token of its own) with its owner and the POSIX lock
 *  it waits for. Only waits on POSIX (not OFD) locks are entered, as __locks_insert_block does. */
const blocked = new Map<object, { owner: object; on: PosixLock }>();

/** The lock `owner` is waiting for (what_owner_is_waiting_for), if any. */
function waitedBy(owner: object): PosixLock | undefined {
  for (const b of blocked.values()) if (b.owner === owner) return b.on;
  return undefined;
}

/** posix_locks_deadlock: would `caller` waiting for `block` close a cycle of waiting owners? */
function deadlocks(caller: PosixLock, block: PosixLock): boolean {
  if (caller.ofd) return false;    // OFD locks have no process to follow
  let i = 0;
  for (let b = waitedBy(block.owner); b; b = waitedBy(b.owner)) {
    if (i++ > 10) return false;    // MAX_DEADLK_ITERATIONS
    if (b.owner === caller.owner) return true;
  }
  return false;
}

/** A lock went away or shrank: its waiters are no longer blocked by it (locks_wake_up_blocks). */
function unblockWaitersOf(l: PosixLock): void {
  for (const [token, b] of blocked) if (b.on === l) blocked.delete(token);
}

/**
 * Runs `attempt` now and, while it answers undefined, again after each change to the context;
 * a signal ends the sleep with -ERESTARTSYS (EINTR, or a restart under SA_RESTART). `done` runs
 * once the request is over, however it ends.
 */
function lockWait(t: Task, c: FileLocks, attempt: () => number | undefined, done: () => void): Maybe<number> {
  let r: Maybe<number>;
  try {
    r = waitFor<number>(t, [c.wq], attempt, { intr: () => -ERESTARTSYS });
  } catch (e) {
    done();
    throw e;
  }
  if (r instanceof Promise) return r.finally(done);
  done();
  return r;
}

// ---- POSIX and OFD locks --------------------------------------------------------------------------

function overlap(a: PosixLock, b: PosixLock): boolean { return a.start <= b.end && b.start <= a.end; }

/** posix_locks_conflict: another owner's overlapping lock, one of the two a write lock. */
function conflicts(req: PosixLock, l: PosixLock): boolean {
  return l.owner !== req.owner && overlap(req, l) && (req.type === F_WRLCK || l.type === F_WRLCK);
}

/**
 * flock64_to_posix_lock: the byte range [start, end] of a struct flock's l_whence, l_start and
 * l_len (a negative length covers the bytes before l_start). EINVAL for a bad l_whence or a range
 * before offset 0, EOVERFLOW past OFFSET_MAX.
 */
export function lockRange(f: OpenFile, whence: number, lstart: bigint, llen: bigint): { start: bigint; end: bigint } {
  let base: bigint;
  switch (whence) {
    case SEEK_SET: base = 0n; break;
    case SEEK_CUR: base = BigInt(f.pos); break;
    case SEEK_END: base = BigInt(f.stat().size); break;
    default: throw new Errno(EINVAL);
  }
  if (lstart > OFFSET_MAX - base) throw new Errno(EOVERFLOW);
  let start = base + lstart;
  if (start < 0n) throw new Errno(EINVAL);
  let end: bigint;
  if (llen > 0n) {
    if (llen - 1n > OFFSET_MAX - start) throw new Errno(EOVERFLOW);
    end = start + llen - 1n;
  } else if (llen < 0n) {
    if (start + llen < 0n) throw new Errno(EINVAL);
    end = start - 1n;
    start += llen;
  } else {
    end = OFFSET_MAX;
  }
  return { start, end };
}

/** posix_test_lock (F_GETLK, F_OFD_GETLK): the first lock in the way of `req`, or null. An
 *  F_UNLCK probe (F_OFD_GETLK only) finds the caller's own overlapping locks instead. */
export function testPosix(f: OpenFile, req: PosixLock): PosixLock | null {
  const c = contextOf(f, false);
  if (!c) return null;
  for (const l of c.posix) {
    if (req.type === F_UNLCK ? l.owner === req.owner && overlap(req, l) : conflicts(req, l)) return l;
  }
  return null;
}

const DEFERRED = 'deferred';

/**
 * posix_lock_inode: sets, changes or removes `request`'s owner's locks over its range, merging
 * with adjacent locks of the same type and splitting locks it covers in part. Returns 0, -EAGAIN
 * or -EDEADLK, or DEFERRED when the caller should sleep (recorded in `blocked` under `token`).
 */
function posixLockInode(c: FileLocks, request: PosixLock, sleep: boolean, token: object): number | typeof DEFERRED {
  const list = c.posix;
  if (request.type !== F_UNLCK) {
    for (const l of list) {
      if (!conflicts(request, l)) continue;
      if (!sleep) return -EAGAIN;
      if (deadlocks(request, l)) return -EDEADLK;
      if (!l.ofd) blocked.set(token, { owner: request.owner, on: l });
      return DEFERRED;
    }
  }
  let req = request;
  let added = false, changed = false;
  let left: PosixLock | null = null, right: PosixLock | null = null;
  const remove = (i: number): void => { unblockWaitersOf(list[i]); list.splice(i, 1); changed = true; };
  // the owner's locks start at its first one
  let i = list.findIndex((l) => l.owner === req.owner);
  if (i < 0) i = list.length;
  while (i < list.length) {
    const l = list[i];
    if (l.owner !== req.owner) break;
    if (req.type === l.type) {
      // same type: adjacent or overlapping locks merge ("start - 1" never overflows, "end + 1" could)
      if (l.end < req.start - 1n) { i++; continue; }
      if (l.start - 1n > req.end) break;
      if (l.start > req.start) l.start = req.start; else req.start = l.start;
      if (l.end < req.end) l.end = req.end; else req.end = l.end;
      changed = true;
      if (added) { remove(i); continue; }
      req = l;
      added = true;
      i++;
    } else {
      if (l.end < req.start) { i++; continue; }
      if (l.start > req.end) break;
      if (req.type === F_UNLCK) added = true;
      if (l.start < req.start) left = l;
      if (l.end > req.end) { right = l; break; }
      if (l.start >= req.start) {
        // the request covers this lock entirely: it goes (or the request takes its place)
        if (added) { remove(i); continue; }
        req = { ...req };
        unblockWaitersOf(l);
        list[i] = req;
        changed = true;
        added = true;
      }
      i++;
    }
  }
  // `anchor` is where Linux's loop stopped: a piece split off to the left goes just before it
  let anchor: PosixLock | undefined = list[i];
  if (!added) {
    if (req.type === F_UNLCK) return 0;
    req = { ...req };
    list.splice(i, 0, req);
    anchor = req;
    changed = true;
  }
  if (right) {
    if (left === right) {
      // the request lands inside one lock of another type, which splits in two
      left = { ...right };
      list.splice(anchor ? list.indexOf(anchor) : list.length, 0, left);
    }
    right.start = req.end + 1n;
    unblockWaitersOf(right);
    changed = true;
  }
  if (left) {
    left.end = req.start - 1n;
    unblockWaitersOf(left);
    changed = true;
  }
  if (changed) c.wq.wake();
  return 0;
}

/**
 * F_SETLK / F_SETLKW (and the OFD forms): applies `req` to the file's locks. A conflict gives
 * EAGAIN, or with `sleep` a wait until the request can be granted (EDEADLK if that would wait on
 * an owner that waits on us).
 */
export function setPosix(t: Task, f: OpenFile, req: PosixLock, sleep: boolean): Maybe<number> {
  const c = contextOf(f, req.type !== F_UNLCK);
  if (!c) return 0;            // nothing was ever locked here: unlocking is a no-op
  const token = {};
  const attempt = (): number | undefined => {
    blocked.delete(token);
    const r = posixLockInode(c, { ...req }, sleep, token);
    if (r === DEFERRED) return undefined;
    if (r < 0) throw new Errno(-r);
    if (req.ofd && req.type !== F_UNLCK) f.dropLocks = dropDescription;
    return 0;
  };
  return lockWait(t, c, attempt, () => { blocked.delete(token); c.tidy(); });
}

/** Removes every POSIX/OFD lock of `owner` from the context. */
function removeOwner(c: FileLocks, owner: object): void {
  let changed = false;
  for (let i = c.posix.length - 1; i >= 0; i--) {
    const l = c.posix[i];
    if (l.owner !== owner) continue;
    unblockWaitersOf(l);
    c.posix.splice(i, 1);
    changed = true;
  }
  if (changed) c.wq.wake();
}

/**
 * locks_remove_posix(filp, files) from filp_close: closing any descriptor of a file drops every
 * POSIX lock the fd table `owner` holds on that file. O_PATH descriptors never held any.
 */
export function closePosix(owner: object, f: OpenFile): void {
  if (withPosix.size === 0 || (f.flags & O_PATH)) return;
  let c: FileLocks | null;
  try { c = contextOf(f, false); } catch { return; }     // a file that cannot say what it is
  if (!c || !c.posix.length) return;
  removeOwner(c, owner);
  c.tidy();
}

// ---- flock ----------------------------------------------------------------------------------------

/**
 * flock_lock_inode: sets (F_RDLCK shared, F_WRLCK exclusive) or removes (F_UNLCK) the lock of
 * the description `f`. A conversion first drops the old lock, as Linux does, so a LOCK_NB
 * conversion that fails with EWOULDBLOCK leaves the file unlocked.
 */
export function flockFile(t: Task, f: OpenFile, type: number, sleep: boolean): Maybe<number> {
  const c = contextOf(f, type !== F_UNLCK);
  if (!c) return 0;
  const attempt = (): number | undefined => {
    const mine = c.flocks.findIndex((l) => l.file === f);
    if (mine >= 0) {
      if (c.flocks[mine].type === type) return 0;
      c.flocks.splice(mine, 1);
      c.wq.wake();
    }
    if (type === F_UNLCK) return 0;
    if (c.flocks.some((l) => l.file !== f && (l.type === F_WRLCK || type === F_WRLCK))) {
      if (!sleep) throw new Errno(EAGAIN);
      return undefined;
    }
    c.flocks.push({ file: f, type });
    f.dropLocks = dropDescription;
    return 0;
  };
  return lockWait(t, c, attempt, () => c.tidy());
}

/** locks_remove_file: the description's last reference is gone; so are its OFD and flock locks. */
function dropDescription(f: OpenFile): void {
  f.dropLocks = null;
  let c: FileLocks | null;
  try { c = contextOf(f, false); } catch { return; }
  if (!c) return;
  removeOwner(c, f);
  const before = c.flocks.length;
  for (let i = c.flocks.length - 1; i >= 0; i--) if (c.flocks[i].file === f) c.flocks.splice(i, 1);
  if (c.flocks.length !== before) c.wq.wake();
  c.tidy();
}

/** assign_type: the lock types a struct flock may carry. */
export function checkLockType(type: number): void {
  if (type !== F_RDLCK && type !== F_WRLCK && type !== F_UNLCK) throw new Errno(EINVAL);
}
