// set_thread_area, get_thread_area, modify_ldt: the GDT TLS slots and the LDT behind i386 %gs
// (and x86-64's compat use of them). Being written for the i386 issue.

import type { Handler } from './types.js';

export const tlsCalls: Record<string, Handler> = {};
