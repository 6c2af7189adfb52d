// membarrier(2) (kernel/sched/membarrier.c). A zone's threads take turns on one host thread, so
// every memory access of one thread is complete before another runs: each barrier is already
// in place when the call returns. What remains is Linux's bookkeeping, which programs observe:
// the commands QUERY reports, registration before the PRIVATE_EXPEDITED forms (EPERM without),
// and EINVAL for unknown commands and flags.

import { Errno, EINVAL, EPERM } from '../kernel/errno.js';
import type { Handler } from './types.js';

const CMD_QUERY = 0, GLOBAL = 1, GLOBAL_EXPEDITED = 2, REGISTER_GLOBAL_EXPEDITED = 4, PRIVATE_EXPEDITED = 8,
  REGISTER_PRIVATE_EXPEDITED = 16, PRIVATE_EXPEDITED_SYNC_CORE = 32, REGISTER_PRIVATE_EXPEDITED_SYNC_CORE = 64,
  PRIVATE_EXPEDITED_RSEQ = 128, REGISTER_PRIVATE_EXPEDITED_RSEQ = 256, GET_REGISTRATIONS = 512;
const FLAG_CPU = 1;

/** What QUERY answers: everything but the rseq forms (rseq is not implemented). */
const SUPPORTED = GLOBAL | GLOBAL_EXPEDITED | REGISTER_GLOBAL_EXPEDITED | PRIVATE_EXPEDITED | REGISTER_PRIVATE_EXPEDITED |
  PRIVATE_EXPEDITED_SYNC_CORE | REGISTER_PRIVATE_EXPEDITED_SYNC_CORE | GET_REGISTRATIONS;

/** Registrations per address space (mm->membarrier_state), shared by the threads and CLONE_VM. */
const registered = new WeakMap<object, number>();

const membarrier: Handler = (t, [cmd, flags]) => {
  if (cmd === PRIVATE_EXPEDITED_RSEQ ? (flags & ~FLAG_CPU) !== 0 : flags !== 0) throw new Errno(EINVAL);
  const mm = t.mem;
  const regs = registered.get(mm) ?? 0;
  switch (cmd) {
    case CMD_QUERY: return SUPPORTED;
    case GLOBAL: case GLOBAL_EXPEDITED: return 0;
    case REGISTER_GLOBAL_EXPEDITED: case REGISTER_PRIVATE_EXPEDITED: case REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
      registered.set(mm, regs | cmd);
      return 0;
    case PRIVATE_EXPEDITED: if (!(regs & REGISTER_PRIVATE_EXPEDITED)) throw new Errno(EPERM); return 0;
    case PRIVATE_EXPEDITED_SYNC_CORE: if (!(regs & REGISTER_PRIVATE_EXPEDITED_SYNC_CORE)) throw new Errno(EPERM); return 0;
    case GET_REGISTRATIONS: return regs;
    default: throw new Errno(EINVAL);
  }
};

export const membarrierCalls: Record<string, Handler> = { membarrier };
