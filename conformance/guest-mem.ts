// Guest memory as lxconform's lxrun-side decoders read it (guest.ts, guest-i386.ts): bytes,
// C strings cut the way strace cuts them, little-endian field readers, signal sets.

import type { AddressSpace } from '../cpu/memory.js';
import { sigsetFromMembers } from './kinds.js';
import type { Value } from './values.js';

export class Mem {
  constructor(readonly m: AddressSpace) {}
  bytes(addr: bigint, len: number): Uint8Array | null {
    if (addr === 0n || len < 0) return null;
    if (len === 0) return new Uint8Array(0);
    try { return this.m.readBytes(Number(addr), len); } catch { return null; }
  }
  /** Reads up to len bytes, as many as are readable (strace shows a prefix up to a fault). */
  cstr(addr: bigint, max: number): { b: Uint8Array; more: boolean } | null {
    if (addr === 0n) return null;
    const out: number[] = [];
    const a = Number(addr);
    try {
      for (let i = 0; i < max; i++) {
        const c = this.m.read8(a + i);
        if (c === 0) return { b: Uint8Array.from(out), more: false };
        out.push(c);
      }
    } catch {
      if (out.length === 0) return null;
      return { b: Uint8Array.from(out), more: false };
    }
    return { b: Uint8Array.from(out), more: true };
  }
}

export function dv(b: Uint8Array): DataView { return new DataView(b.buffer, b.byteOffset, b.byteLength); }
export const u64 = (d: DataView, o: number): bigint => d.getBigUint64(o, true);
export const i64 = (d: DataView, o: number): bigint => d.getBigInt64(o, true);
export const u32 = (d: DataView, o: number): bigint => BigInt(d.getUint32(o, true));
export const i32 = (d: DataView, o: number): bigint => BigInt(d.getInt32(o, true));

/** A kernel sigset_t (8 bytes) or old_sigset_t (4 bytes) as sorted signal numbers. */
export function sigset(b: Uint8Array): Value {
  const d = dv(b);
  const lo = d.getUint32(0, true), hi = b.length >= 8 ? d.getUint32(4, true) : 0;
  const members: number[] = [];
  for (let i = 0; i < 32; i++) if (lo & (1 << i)) members.push(i + 1);
  for (let i = 0; i < 32; i++) if (hi & (1 << i)) members.push(i + 33);
  return sigsetFromMembers(members, false);
}
