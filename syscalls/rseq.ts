// rseq(2): register or unregister the calling thread's struct rseq (kernel/rseq.c sys_rseq).
// The checks run in Linux's order, which decides the errno when several apply: an existing
// registration answers EINVAL (another area or length), EPERM (another signature) or EBUSY (the
// same one again) before the new area's alignment and length are looked at.

import { Errno, EBUSY, EFAULT, EINVAL, EPERM } from '../kernel/errno.js';
import { GuestFault } from '../cpu/memory.js';
import { resetCpuNodeId, rseqNotifyResume } from '../kernel/rseq.js';
import type { Handler } from './types.js';

const RSEQ_FLAG_UNREGISTER = 1;
/** ORIG_RSEQ_SIZE; __alignof__(struct rseq) is 32 as well; offsetof(struct rseq, end) is 28. */
const ORIG_RSEQ_SIZE = 32, RSEQ_ALIGN = 32, RSEQ_END = 28;
/** access_ok's limit, the same for an i386 task on a 64-bit kernel. */
const TASK_SIZE_MAX = 2 ** 47 - 4096;

const rseq: Handler = (t, [addr, lenArg, flags, sigArg]) => {
  const len = lenArg >>> 0, sig = sigArg >>> 0;
  const cur = t.rseq;
  if (flags & RSEQ_FLAG_UNREGISTER) {
    if (flags & ~RSEQ_FLAG_UNREGISTER) throw new Errno(EINVAL);
    if (!cur || cur.addr !== addr) throw new Errno(EINVAL);
    if (len !== cur.len) throw new Errno(EINVAL);
    if (cur.sig !== sig) throw new Errno(EPERM);
    try { resetCpuNodeId(t, cur); } catch (e) {
      if (e instanceof GuestFault) throw new Errno(EFAULT);
      throw e;
    }
    t.rseq = null;
    return 0;
  }
  if (flags) throw new Errno(EINVAL);
  if (cur) {
    if (cur.addr !== addr || cur.len !== len) throw new Errno(EINVAL);
    if (cur.sig !== sig) throw new Errno(EPERM);
    throw new Errno(EBUSY);
  }
  // AT_RSEQ_ALIGN rules: the original size needs 32-byte alignment, any other length struct
  // rseq's alignment (also 32) and room for every field the kernel knows.
  if (len < ORIG_RSEQ_SIZE || addr % RSEQ_ALIGN !== 0 || (len !== ORIG_RSEQ_SIZE && len < RSEQ_END)) {
    throw new Errno(EINVAL);
  }
  // access_ok only checks the range is below the user limit; an unmapped or read-only area is
  // accepted and the first update (just below) ends in SIGSEGV, as on Linux.
  if (addr + len >= TASK_SIZE_MAX) throw new Errno(EFAULT);   // USER_PTR_MAX is TASK_SIZE_MAX - 1
  t.rseq = { addr, len, sig };
  // rseq_set_notify_resume: the fields are filled in before the thread is back in user space
  rseqNotifyResume(t.kernel, t);
  return 0;
};

export const rseqCalls: Record<string, Handler> = { rseq };
