// Threaded blocks: once a decoded block is hot, it gets a JS function of its own that runs its
// instructions in order. Handlers made by `inlineHandler` have their source pasted in (with
// the instruction bound as a constant), the rest are called from call sites of their own.
// Either way V8 sees one straight-line function per block instead of the interpreter loop's
// single megamorphic `i.fn(c, i)` call, whose indirect branch mispredicts (measured here:
// 18 ns vs 3.5 ns per call), and it can keep registers of the block in machine registers.
// This is still the interpreter's code (tier 0); the wasm JIT tiers of DESIGN.md come later.

import type { Cpu } from './cpu.js';
import type { Handler, Insn } from './insn.js';

/** Source text of handlers that may be pasted into threaded blocks. The text may use `c`
 *  (the Cpu), `i` (the Insn) and the helpers passed in `H` (see HELPERS). */
const inlineSource = new WeakMap<Handler, string>();

/** Helper functions the inlined source may call as H.name(...). */
const HELPERS: Record<string, unknown> = {
  /** A folded address, or the exact one when the fast sum left the canonical range. */
  eaCanon: (c: Cpu, i: Insn, a: number): number => (a >= 0x800000000000 || a < -0x800000000000 ? c.eaWrapped(i) : a),
};

export function registerInlineHelpers(h: Record<string, unknown>): void {
  Object.assign(HELPERS, h);
}

/** Makes a handler from source text: usable alone and pasteable into threaded blocks. */
export function inlineHandler(src: string): Handler {
  const fn = new Function('H', `return function (c, i) { ${src} };`)(HELPERS) as Handler;
  inlineSource.set(fn, src);
  return fn;
}

/** The effective address of i as a JS expression with i's fields folded in, for the common
 *  64-bit forms (base and/or index, no segment base); otherwise the generic call. */
function eaExpr(i: Insn): string {
  if (i.asize !== 8 || i.seg >= 4 || (i.base < 0 && i.index < 0)) return 'c.ea(i)';
  const parts: string[] = [];
  if (i.base >= 0) parts.push(`c.r[${2 * i.base + 1}] * 4294967296 + (c.r[${2 * i.base}] >>> 0)`);
  if (i.index >= 0) parts.push(`(c.r[${2 * i.index + 1}] * 4294967296 + (c.r[${2 * i.index}] >>> 0)) * ${i.scale}`);
  if (i.disp !== 0) parts.push(String(i.disp));
  // an index can carry the sum out of the canonical range, where it must wrap exactly (c.ea)
  if (i.index >= 0) return `H.eaCanon(c, i, ${parts.join(' + ')})`;
  return `(${parts.join(' + ')})`;
}

/** Builds the block function. The instruction index is kept in a local so that a fault can
 *  name the instruction that raised it. */
export function threadBlock(insns: Insn[]): (c: Cpu) => void {
  let pre = '', body = '';
  for (let k = 0; k < insns.length; k++) {
    const src = inlineSource.get(insns[k].fn);
    pre += `const i${k} = I[${k}]` + (src ? ';\n' : `, f${k} = I[${k}].fn;\n`);
    const code = src ? src.replaceAll('c.ea(i)', eaExpr(insns[k])) : '';
    body += (k ? `k = ${k}; ` : '') + (src ? `{ const i = i${k}; ${code} }\n` : `f${k}(c, i${k});\n`);
  }
  const src = `${pre}return function block(c) {\nlet k = 0;\ntry {\n${body}} catch (e) { c.faultInsn = I[k]; throw e; }\n};`;
  return new Function('I', 'H', src)(insns, HELPERS) as (c: Cpu) => void;
}
