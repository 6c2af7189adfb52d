// Loads every instruction family; each file registers its opcodes in cpu/table.ts on import.
import './alu.js';
import './mov.js';
import './control.js';
import './shift.js';
import './muldiv.js';
import './bits.js';
import './string.js';
import './misc.js';
import './segment.js';
import './x87.js';
import './sse.js';
import './mmx.js';

import { x87Reset } from './x87.js';
import { resetHooks } from '../cpu.js';
resetHooks.push(x87Reset);
