// i386-only signal calls (the old sigaction/sigprocmask/sigpending/sigsuspend forms, sigreturn,
// signal, sgetmask/ssetmask). Being written for the i386 issue.

import type { Handler } from './types.js';

export const signal32Calls: Record<string, Handler> = {};
