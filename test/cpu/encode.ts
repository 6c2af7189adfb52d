// A small x86-64 instruction encoder for the differential CPU suite (test/cpu/gen.ts).
// The suite writes the instruction under test as `.byte` data in GNU assembler source so it can
// pick exact encodings gas would not choose (83 vs 81, 01 vs 03, C1 /4 with a count of 1, F7 /1,
// redundant prefixes); the hardware runs the very same bytes, so the encoding only has to be
// valid, not "what a compiler emits". Symbolic displacements and immediates (labels) are emitted
// as `.long`/`.quad` expressions that gas resolves.

/** Register numbers: 0..15 = RAX..R15; 16..19 = AH, CH, DH, BH (byte operands, no REX allowed). */
export const AH = 16, CH = 17, DH = 18, BH = 19;

export interface Mem {
  base?: number;
  index?: number;
  scale?: 1 | 2 | 4 | 8;
  disp?: number;
  /** Symbolic absolute address: disp32 with no base and no index (SIB form), or RIP-relative. */
  sym?: string;
  rip?: boolean;
  /** Force a 32-bit displacement even when 0 or 8 bits would do (16 bits with a16). */
  disp32?: boolean;
  /** 16-bit addressing (0x67 in 32-bit code): ModRM.rm 0..7 = [bx+si] [bx+di] [bp+si] [bp+di] [si]
   *  [di] [bp] [bx], plus disp8/disp16; 8 = [disp16] alone (mod 0, rm 6). */
  a16?: number;
}

export const A16_NAMES = ['bx+si', 'bx+di', 'bp+si', 'bp+di', 'si', 'di', 'bp', 'bx'];
/** The registers each 16-bit form adds: [base, index] register numbers. */
export const A16_REGS: number[][] = [[3, 6], [3, 7], [5, 6], [5, 7], [6], [7], [5], [3], []];

export type Operand = { reg: number } | { mem: Mem };

export interface Enc {
  /** Legacy prefixes in order (0x66, 0x67, 0xF2, 0xF3, 0xF0, segment). */
  pfx?: number[];
  rexW?: boolean;
  /** Emit a REX prefix even when no bit is needed (0x40), e.g. to reach SPL..DIL. */
  rex?: boolean;
  /** Byte-sized ModRM.reg / r/m (or opcode-register) operand: registers 4..7 then mean SPL..DIL
   *  (REX needed) and 16..19 AH..BH (no REX allowed). */
  byteReg?: boolean;
  byteRm?: boolean;
  map: number;
  op: number;
  /** ModRM.reg: a register number or a group digit (0..7). */
  reg?: number;
  rm?: Operand;
  /** Register encoded in the low opcode bits (PUSH r, MOV r, imm, BSWAP, XCHG). */
  opreg?: number;
  /** Immediates, in order: size in bytes and a value (bigint) or a symbolic expression. */
  imm?: { size: number; val?: bigint; expr?: string }[];
  /** Relative branch target: size 1 or 4, symbolic label. Emitted after any immediates. */
  rel?: { size: number; target: string };
}

export interface Encoded {
  /** Assembler lines (`.byte`, `.long`, ...). */
  lines: string[];
  /** Length in bytes. */
  len: number;
  /** Known bytes as hex, with `??` for symbolic parts (for reports before linking). */
  hex: string;
  /** A REX prefix was emitted (the encoding is 64-bit only). */
  rex: boolean;
}

function hex2(b: number): string { return b.toString(16).padStart(2, '0'); }

export function encode(e: Enc): Encoded {
  const bytes: number[] = [];
  const parts: ({ b: number } | { expr: string; size: number; ripRel?: boolean })[] = [];
  const push = (b: number) => parts.push({ b: b & 0xff });
  for (const p of e.pfx ?? []) push(p);
  let rex = 0x40 | (e.rexW ? 8 : 0);
  let needRex = !!e.rex || !!e.rexW;
  let forbidRex = false;
  const regBits = (r: number, isByte: boolean): number => {
    if (r >= 16) { forbidRex = true; return r - 12; }         // AH..BH
    if (isByte && r >= 4 && r < 8) needRex = true;           // SPL..DIL
    return r;
  };
    let modrm = -1, sib = -1;
  let disp: { size: number; val?: number; expr?: string; ripRel?: boolean } | undefined;
  if (e.rm !== undefined || e.reg !== undefined) {
    const reg = e.reg ?? 0;
    const rr = regBits(reg, !!e.byteReg);
    if (rr & 8) rex |= 4;
    if ('reg' in (e.rm ?? { reg: 0 })) {
      const rm = (e.rm as { reg: number }).reg;
      const rb = regBits(rm, !!e.byteRm);
      if (rb & 8) rex |= 1;
      modrm = 0xc0 | ((rr & 7) << 3) | (rb & 7);
    } else {
      const m = (e.rm as { mem: Mem }).mem;
      if (m.a16 !== undefined) {
        const d = m.disp ?? 0;
        if (m.a16 === 8) { modrm = ((rr & 7) << 3) | 6; disp = { size: 2, val: d }; }
        else {
          const mod = m.disp32 || d < -128 || d > 127 ? 2 : d === 0 && m.a16 !== 6 ? 0 : 1;
          modrm = (mod << 6) | ((rr & 7) << 3) | m.a16;
          if (mod) disp = { size: mod === 1 ? 1 : 2, val: d };
        }
      } else if (m.rip) {
        modrm = ((rr & 7) << 3) | 5;
        disp = { size: 4, expr: (m.sym ?? '0') + (m.disp ? `+(${m.disp})` : ''), ripRel: true };
      } else if (m.base === undefined) {
        // [index*scale + disp32] or absolute [disp32]: SIB with base = 101, mod = 00
        const idx = m.index ?? 4;
        if (m.index !== undefined && (idx & 7) === 4 && idx !== 12) throw new Error('rsp cannot be an index');
        if (idx & 8) rex |= 2;
        modrm = ((rr & 7) << 3) | 4;
        sib = (scaleBits(m.scale ?? 1) << 6) | ((idx & 7) << 3) | 5;
        disp = m.sym !== undefined ? { size: 4, expr: m.sym + (m.disp ? `+(${m.disp})` : '') } : { size: 4, val: m.disp ?? 0 };
      } else {
        const b = m.base;
        if (b & 8) rex |= 1;
        let mod: number;
        const d = m.disp ?? 0;
        if (m.sym !== undefined) throw new Error('symbolic displacement needs no base');
        if (m.disp32) mod = 2;
        else if (d === 0 && (b & 7) !== 5) mod = 0;
        else if (d >= -128 && d <= 127) mod = 1;
        else mod = 2;
        if (m.index !== undefined || (b & 7) === 4) {
          const idx = m.index ?? 4;
          if (m.index !== undefined && idx === 4) throw new Error('rsp cannot be an index');
          if (idx & 8) rex |= 2;
          modrm = (mod << 6) | ((rr & 7) << 3) | 4;
          sib = (scaleBits(m.scale ?? 1) << 6) | ((idx & 7) << 3) | (b & 7);
        } else {
          modrm = (mod << 6) | ((rr & 7) << 3) | (b & 7);
        }
        if (mod === 1) disp = { size: 1, val: d };
        else if (mod === 2) disp = { size: 4, val: d };
      }
    }
  }
  if (e.opreg !== undefined) {
    const rb = regBits(e.opreg, !!e.byteRm);
    if (rb & 8) rex |= 1;
  }
  if ((rex & 0xf) !== 0) needRex = true;
  if (needRex && forbidRex) throw new Error('AH..BH cannot be encoded with a REX prefix');
  if (needRex) push(rex);
  if (e.map >= 1) push(0x0f);
  if (e.map === 2) push(0x38);
  if (e.map === 3) push(0x3a);
  push(e.opreg !== undefined ? e.op + (regBits(e.opreg, !!e.byteRm) & 7) : e.op);
  if (modrm >= 0) push(modrm);
  if (sib >= 0) push(sib);
  const immLen = (e.imm ?? []).reduce((s, x) => s + x.size, 0) + (e.rel ? e.rel.size : 0);
  if (disp) {
    if (disp.expr !== undefined) parts.push({ expr: disp.ripRel ? `(${disp.expr})-(.+${4 + immLen})` : disp.expr, size: 4 });
    else for (let k = 0; k < disp.size; k++) push((disp.val! >> (8 * k)) & 0xff);
  }
  for (const im of e.imm ?? []) {
    if (im.expr !== undefined) parts.push({ expr: im.expr, size: im.size });
    else { const v = BigInt.asUintN(64, im.val!); for (let k = 0; k < im.size; k++) push(Number((v >> BigInt(8 * k)) & 0xffn)); }
  }
  if (e.rel) parts.push({ expr: `(${e.rel.target})-(.+${e.rel.size})`, size: e.rel.size });

  // render
  const lines: string[] = [];
  let run: number[] = [];
  let len = 0, hex = '';
  const flush = () => { if (run.length) lines.push('.byte ' + run.map((b) => '0x' + hex2(b)).join(',')); run = []; };
  for (const p of parts) {
    if ('b' in p) { run.push(p.b); bytes.push(p.b); len++; hex += hex2(p.b) + ' '; }
    else {
      flush();
      lines.push(`${p.size === 1 ? '.byte' : p.size === 2 ? '.word' : p.size === 4 ? '.long' : '.quad'} ${p.expr}`);
      len += p.size; hex += '?? '.repeat(p.size);
    }
  }
  flush();
  return { lines, len, hex: hex.trim(), rex: needRex };
}

function scaleBits(s: number): number { return s === 1 ? 0 : s === 2 ? 1 : s === 4 ? 2 : 3; }

// ---- register names (for reports) ---------------------------------------------------------------

const N64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const N32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const N16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const N8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil'];
const NH = ['ah', 'ch', 'dh', 'bh'];

export const GPR_NAMES = N64;

export function regName(n: number, size: number): string {
  if (n >= 16) return NH[n - 16];
  if (n >= 8) return N64[n] + (size === 1 ? 'b' : size === 2 ? 'w' : size === 4 ? 'd' : '');
  return size === 1 ? N8[n] : size === 2 ? N16[n] : size === 4 ? N32[n] : N64[n];
}

export function memText(m: Mem, size: number, asize = 8): string {
  const w = size === 1 ? 'byte' : size === 2 ? 'word' : size === 4 ? 'dword' : size === 8 ? 'qword' : size === 16 ? 'xmmword' : '';
  const parts: string[] = [];
  if (m.a16 !== undefined) {
    if (m.a16 < 8) parts.push(A16_NAMES[m.a16]);
    if (m.disp || m.a16 === 8) parts.push(`0x${((m.disp ?? 0) & 0xffff).toString(16)}`);
    return `${w} [${parts.join('+')}] (addr16)`;
  }
  if (m.rip) parts.push('rip');
  if (m.base !== undefined) parts.push(regName(m.base, asize));
  if (m.index !== undefined) parts.push(regName(m.index, asize) + '*' + (m.scale ?? 1));
  if (m.sym !== undefined) parts.push(m.sym);
  if (m.disp) parts.push(m.disp < 0 ? `-0x${(-m.disp).toString(16)}` : `0x${m.disp.toString(16)}`);
  return `${w} [${parts.join('+').replace('+-', '-')}]`;
}
