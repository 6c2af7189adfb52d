// Loads every instruction family; each file registers its opcodes in cpu/table.ts on import.
import './alu.js';
import './x87.js';
import './sse.js';
