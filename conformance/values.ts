// The trace format's value model (conformance/FORMAT.md): one canonical JSON shape per decoded
// argument or result, produced identically from strace's text (native side) and from guest memory
// (lxrun side), so that two records can be compared leaf by leaf.
//
//   integer            JSON number when |v| < 2^53, else "0x…" (two's complement, 64-bit)
//   pointer            null (NULL) or "0x…"
//   C string           {"$s": bytes as U+0000..U+00FF, "more"?: true}
//   data buffer        {"$buf": length, "sha": first 16 hex digits of SHA-256, "head": first 64 bytes, "trunc"?: true}
//   structure          {"field": value, ...}   (field names never start with '$')
//   array              [value, ...]
//   not decodable      {"$raw": "strace text"}

import { createHash } from 'node:crypto';

export type Value = number | string | null | boolean | Value[] | { [k: string]: Value };

/** Bytes strace shows at most (-s 65536); the guest side cuts buffers at the same length. */
export const MAX_DATA = 65536;
/** Bytes of a buffer kept readable in a trace. */
export const HEAD = 64;

const TWO64 = 1n << 64n;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A 64-bit integer as a trace value. */
export function intVal(v: bigint | number): number | string {
  const b = typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
  if (b <= SAFE && b >= -SAFE) return Number(b);
  const u = b < 0n ? b + TWO64 : b;
  return '0x' + u.toString(16);
}

/** A pointer as a trace value: null for NULL, else hex. */
export function ptrVal(v: bigint | number): string | null {
  let b = typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
  if (b === 0n) return null;
  if (b < 0n) b += TWO64;
  return '0x' + b.toString(16);
}

/** Bytes → byte string (one char per byte). */
export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, i + 8192) as unknown as number[]);
  return s;
}

export function fromLatin1(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

export function sha16(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex').slice(0, 16);
}

export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export function strVal(b: Uint8Array, more = false): Value {
  const v: Record<string, Value> = { $s: latin1(b) };
  if (more) v.more = true;
  return v;
}

export function bufVal(b: Uint8Array, trunc = false): Value {
  const v: Record<string, Value> = { $buf: b.length, sha: sha16(b), head: latin1(b.subarray(0, HEAD)) };
  if (trunc) v.trunc = true;
  return v;
}

export function isObj(v: Value | undefined): v is { [k: string]: Value } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The integer a value stands for (numbers and "0x…" strings), or undefined. */
export function asBig(v: Value | undefined): bigint | undefined {
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string' && /^-?0x[0-9a-f]+$/.test(v)) return v.startsWith('-') ? -BigInt(v.slice(1)) : BigInt(v);
  if (v === null) return 0n;
  return undefined;
}

/** The shape class of a value, for "can these two be compared at all". */
export function shape(v: Value | undefined): 'int' | 'str' | 'buf' | 'obj' | 'arr' | 'raw' | 'none' {
  if (v === undefined) return 'none';
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return 'int';
  if (typeof v === 'string') return 'int';
  if (Array.isArray(v)) return 'arr';
  if ('$s' in v) return 'str';
  if ('$buf' in v) return 'buf';
  if ('$raw' in v) return 'raw';
  return 'obj';
}

/** strace-like rendering of a value (reports, divergence lines). */
export function render(v: Value | undefined, max = 80): string {
  if (v === undefined) return '?';
  if (v === null) return 'NULL';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return '[' + v.map((x) => render(x, max)).join(', ') + ']';
  if ('$s' in v) return quote(String(v.$s), max) + (v.more ? '...' : '');
  if ('$buf' in v) {
    const n = v.$buf as number;
    const head = String(v.head ?? '');
    return quote(head, Math.min(max, 40)) + (n > head.length || head.length > Math.min(max, 40) ? `...<${n} bytes sha ${v.sha}>` : '');
  }
  if ('$raw' in v) return String(v.$raw);
  return '{' + Object.entries(v).map(([k, x]) => `${k}=${render(x, max)}`).join(', ') + '}';
}

export function quote(s: string, max = 80): string {
  let out = '"';
  const n = Math.min(s.length, max);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x09) out += '\\t';
    else if (c >= 0x20 && c < 0x7f) out += s[i];
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out + '"' + (s.length > max ? '...' : '');
}

/** Deep equality of two values. */
export function equal(a: Value | undefined, b: Value | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as Value[];
    return a.length === bb.length && a.every((x, i) => equal(x, bb[i]));
  }
  const ao = a as Record<string, Value>, bo = b as Record<string, Value>;
  const ka = Object.keys(ao), kb = Object.keys(bo);
  return ka.length === kb.length && ka.every((k) => k in bo && equal(ao[k], bo[k]));
}
