// Memory calls: thin adapters from registers to kernel/mm.ts, which holds Linux's rules.

import { Errno, EBADF, EINVAL, ENOMEM } from '../kernel/errno.js';
import { MAP_ANONYMOUS, O_PATH } from '../kernel/linux.js';
import * as mm from '../kernel/mm.js';
import type { Handler } from './types.js';

const PAGE = 4096;

const mmap: Handler = (t, [addr, len, prot, flags, fd, off]) => {
  if (off % PAGE !== 0) throw new Errno(EINVAL);
  let file = null;
  if (!(flags & MAP_ANONYMOUS)) {
    file = t.proc.fds.get(fd);
    if (file.flags & O_PATH) throw new Errno(EBADF);
  }
  return mm.mmap(t.proc, addr, len, prot, flags, file, off);
};

const munmap: Handler = (t, [addr, len]) => mm.munmap(t.proc, addr, len);
const mprotect: Handler = (t, [addr, len, prot]) => mm.mprotect(t.proc, addr, len, prot);
const mremap: Handler = (t, [addr, oldLen, newLen, flags, newAddr]) => mm.mremap(t.proc, addr, oldLen, newLen, flags, newAddr);
const madvise: Handler = (t, [addr, len, advice]) => mm.madvise(t.proc, addr, len, advice);
const brk: Handler = (t, [addr]) => mm.brk(t.proc, addr);

const MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4;
const msync: Handler = (t, [addr, len, flags]) => {
  if (addr % PAGE !== 0) throw new Errno(EINVAL);
  if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) throw new Errno(EINVAL);
  if ((flags & MS_ASYNC) && (flags & MS_SYNC)) throw new Errno(EINVAL);
  const end = addr + Math.ceil(len / PAGE) * PAGE;
  if (end > addr && !t.mem.isMapped(addr, end)) throw new Errno(ENOMEM);
  return 0;
};

/** mlock & co: nothing is ever paged out here, so locking only checks the range. */
const mlock: Handler = (t, [addr, len]) => {
  const start = Math.floor(addr / PAGE) * PAGE;
  const end = Math.ceil((addr + len) / PAGE) * PAGE;
  if (end > start && !t.mem.isMapped(start, end)) throw new Errno(ENOMEM);
  return 0;
};
const mlock2: Handler = (t, [addr, len, flags]) => {
  if (flags & ~1) throw new Errno(EINVAL);
  return mlock(t, [addr, len]);
};
const mlockall: Handler = (_t, [flags]) => {
  if (!flags || (flags & ~7)) throw new Errno(EINVAL);
  return 0;
};
const munlockall: Handler = () => 0;

export const mmCalls: Record<string, Handler> = {
  mmap, munmap, mprotect, mremap, madvise, brk, msync, mlock, munlock: mlock, mlock2, mlockall, munlockall,
};
