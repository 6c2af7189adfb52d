// signalfd and signalfd4 (fs/signalfd.c): the size of the mask is checked first, then the mask is
// read (EFAULT), then the flags; fd -1 makes a new signalfd, any other fd must be one already and
// gets the new mask. The i386 entry points (compat_signalfd4) check the same 8-byte size.

import { Errno, EBADF, EINVAL } from '../kernel/errno.js';
import { O_CLOEXEC, O_NONBLOCK, RLIMIT_NOFILE } from '../kernel/linux.js';
import type { Task } from '../kernel/process.js';
import { SignalFd } from '../kernel/signalfd.js';
import { readSet } from './signal.js';
import type { Handler } from './types.js';

/** sizeof(sigset_t), and of compat_sigset_t */
const SIGSET_SIZE = 8;
const SFD_CLOEXEC = O_CLOEXEC, SFD_NONBLOCK = O_NONBLOCK;

function doSignalfd(t: Task, ufd: number, maskp: number, sizemask: number, flags: number): number {
  if (sizemask !== SIGSET_SIZE) throw new Errno(EINVAL);
  const mask = readSet(t, maskp);
  if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK)) throw new Errno(EINVAL);
  const p = t.proc;
  if ((ufd | 0) === -1) {
    const f = new SignalFd(t.kernel, p, mask, flags);
    try {
      return p.fds.alloc(f, (flags & SFD_CLOEXEC) !== 0, p.limit(RLIMIT_NOFILE));
    } catch (e) {
      f.unref();
      throw e;
    }
  }
  const f = p.fds.entry(ufd | 0)?.file;
  if (!f) throw new Errno(EBADF);
  if (!(f instanceof SignalFd)) throw new Errno(EINVAL);
  f.setMask(mask);
  return ufd;
}

const signalfd4: Handler = (t, [fd, mask, size, flags]) => doSignalfd(t, fd, mask, size, flags);
const signalfd: Handler = (t, [fd, mask, size]) => doSignalfd(t, fd, mask, size, 0);

export const signalfdCalls: Record<string, Handler> = { signalfd, signalfd4 };
