// SSE family (SSE, SSE2, SSE3, SSSE3, SSE4.1, SSE4.2 legacy encodings; MMX forms are in mmx.ts; no AVX).
// Importing this module registers every opcode in cpu/table.ts; the work is split by kind:
//   sse-common.ts   pool views, operand fetch/store and alignment, MXCSR, #XM commit
//   sse-fp.ts       exact binary32/binary64 arithmetic under MXCSR (rounding, DAZ/FTZ, flags, NaNs)
//   sse-move.ts     moves, movmsk, maskmovdqu, ldmxcsr/stmxcsr, fences, clflush, prefetch
//   sse-int.ts      packed integer
//   sse-float.ts    packed/scalar floating point
//   sse-convert.ts  conversions
//   sse-string.ts   pcmpestri/pcmpestrm/pcmpistri/pcmpistrm, crc32
import './sse-move.js';
import './sse-int.js';
import './sse-float.js';
import './sse-convert.js';
import './sse-string.js';
