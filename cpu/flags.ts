// Lazy RFLAGS. Arithmetic instructions record what they computed; the six arithmetic flags
// are derived only when something reads them (jcc, setcc, pushf, adc, ...).
//
// Record layout (Int32Array f inside the CPU state block):
//   f[0] kind   f[1] size in bytes   f[2]/f[3] result lo/hi   f[4]/f[5] a lo/hi
//   f[6]/f[7] b lo/hi   f[8] RFLAGS as last materialised (authoritative for kind NONE, and for
//   the bits a kind does not compute: DF, IF, ...; CF for INC/DEC; CF/OF/AF for RES).

export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, TF = 0x100, IF = 0x200, DF = 0x400, OF = 0x800;
export const AC = 0x40000, ID = 0x200000;
export const ARITH = CF | PF | AF | ZF | SF | OF;

// K_ADC/K_SBB share ADD/SUB's formulas (they hold for a carry-in too) but not cond()'s fast path.
export const K_NONE = 0, K_ADD = 1, K_SUB = 2, K_LOGIC = 3, K_INC = 4, K_DEC = 5, K_RES = 6, K_ADC = 7, K_SBB = 8;

const PARITY = new Uint8Array(256);
for (let v = 0; v < 256; v++) {
  let n = 0;
  for (let b = v; b; b >>= 1) n += b & 1;
  PARITY[v] = n & 1 ? 0 : 1;
}

/** Most significant bit of x (low word) or of the high word for 64-bit records. */
function msb(f: Int32Array, lo: number, hi: number): number {
  switch (f[1]) {
    case 1: return (lo >> 7) & 1;
    case 2: return (lo >> 15) & 1;
    case 4: return lo >>> 31;
    default: return hi >>> 31;
  }
}

export function getCF(f: Int32Array): number {
  switch (f[0]) {
    case K_ADD: case K_ADC: {
      const a = f[4], b = f[6], r = f[2];
      if (f[1] === 8) { const ah = f[5], bh = f[7], rh = f[3]; return ((ah & bh) | ((ah | bh) & ~rh)) >>> 31; }
      return msb(f, (a & b) | ((a | b) & ~r), 0);
    }
    case K_SUB: case K_SBB: {
      const a = f[4], b = f[6], r = f[2];
      if (f[1] === 8) { const ah = f[5], bh = f[7], rh = f[3]; return ((~ah & bh) | ((~ah | bh) & rh)) >>> 31; }
      return msb(f, (~a & b) | ((~a | b) & r), 0);
    }
    case K_LOGIC: return 0;
    default: return f[8] & 1;
  }
}

export function getZF(f: Int32Array): number {
  if (f[0] === K_NONE) return (f[8] >> 6) & 1;
  switch (f[1]) {
    case 1: return (f[2] & 0xff) === 0 ? 1 : 0;
    case 2: return (f[2] & 0xffff) === 0 ? 1 : 0;
    case 4: return f[2] === 0 ? 1 : 0;
    default: return (f[2] | f[3]) === 0 ? 1 : 0;
  }
}

export function getSF(f: Int32Array): number {
  if (f[0] === K_NONE) return (f[8] >> 7) & 1;
  return msb(f, f[2], f[3]);
}

export function getOF(f: Int32Array): number {
  switch (f[0]) {
    case K_ADD: case K_ADC: case K_INC: {
      if (f[1] === 8) return ((f[5] ^ f[3]) & (f[7] ^ f[3])) >>> 31;
      return msb(f, (f[4] ^ f[2]) & (f[6] ^ f[2]), 0);
    }
    case K_SUB: case K_SBB: case K_DEC: {
      if (f[1] === 8) return ((f[5] ^ f[7]) & (f[5] ^ f[3])) >>> 31;
      return msb(f, (f[4] ^ f[6]) & (f[4] ^ f[2]), 0);
    }
    case K_LOGIC: return 0;
    default: return (f[8] >> 11) & 1;
  }
}

export function getPF(f: Int32Array): number {
  if (f[0] === K_NONE) return (f[8] >> 2) & 1;
  return PARITY[f[2] & 0xff];
}

export function getAF(f: Int32Array): number {
  switch (f[0]) {
    case K_ADD: case K_SUB: case K_INC: case K_DEC: case K_ADC: case K_SBB: return ((f[4] ^ f[6] ^ f[2]) >> 4) & 1;
    case K_LOGIC: return 0;
    default: return (f[8] >> 4) & 1;
  }
}

/** The full RFLAGS value. */
export function getFlags(f: Int32Array): number {
  if (f[0] === K_NONE) return f[8];
  return (f[8] & ~ARITH) | getCF(f) | (getPF(f) << 2) | (getAF(f) << 4) | (getZF(f) << 6) | (getSF(f) << 7) | (getOF(f) << 11);
}

/** Replaces RFLAGS (popf, sahf, ...): bit 1 always reads as 1. */
export function setFlags(f: Int32Array, v: number): void {
  f[0] = K_NONE;
  f[8] = (v | 2);
}

/** Records an ADD/SUB/LOGIC result (values at operand size; hi words only matter for size 8). */
export function setLazy(f: Int32Array, kind: number, size: number, res: number, resHi: number, a: number, aHi: number, b: number, bHi: number): void {
  f[0] = kind; f[1] = size;
  f[2] = res; f[3] = resHi; f[4] = a; f[5] = aHi; f[6] = b; f[7] = bHi;
}

/** INC/DEC keep CF: fold the current CF into f[8] first. */
export function setIncDec(f: Int32Array, kind: number, size: number, res: number, resHi: number, a: number, aHi: number): void {
  const cf = getCF(f);
  f[8] = (f[8] & ~CF) | cf;
  setLazy(f, kind, size, res, resHi, a, aHi, 1, 0);
}

/** Results whose CF, OF and AF were computed by the instruction (shifts, rotates, multiplies):
 *  SF, ZF, PF come from the result. */
export function setResult(f: Int32Array, size: number, res: number, resHi: number, cf: number, of: number): void {
  // f[8]'s non-arithmetic bits are always current; SF ZF PF will come from the result
  f[8] = (f[8] & ~(CF | OF | AF)) | cf | (of << 11);
  f[0] = K_RES; f[1] = size; f[2] = res; f[3] = resHi;
}

/** Evaluates condition code cc (0..15: O NO B AE E NE BE A S NS P NP L GE LE G). */
export function cond(f: Int32Array, cc: number): boolean {
  if (f[0] === K_SUB && f[1] === 4) {
    // the common `cmp r32, x; jcc` pair without materialising anything
    const a = f[4], b = f[6];
    switch (cc) {
      case 2: return (a >>> 0) < (b >>> 0);
      case 3: return (a >>> 0) >= (b >>> 0);
      case 4: return a === b;
      case 5: return a !== b;
      case 6: return (a >>> 0) <= (b >>> 0);
      case 7: return (a >>> 0) > (b >>> 0);
      case 12: return a < b;
      case 13: return a >= b;
      case 14: return a <= b;
      case 15: return a > b;
    }
  }
  let v: number;
  switch (cc >> 1) {
    case 0: v = getOF(f); break;
    case 1: v = getCF(f); break;
    case 2: v = getZF(f); break;
    case 3: v = getCF(f) | getZF(f); break;
    case 4: v = getSF(f); break;
    case 5: v = getPF(f); break;
    case 6: v = getSF(f) ^ getOF(f); break;
    default: v = getZF(f) | (getSF(f) ^ getOF(f)); break;
  }
  return (v ^ (cc & 1)) !== 0;
}
