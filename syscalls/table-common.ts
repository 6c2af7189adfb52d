// What the per-ABI syscall tables share (DESIGN.md decision 8): the row forms, the marker for calls
// Linux itself answers with ENOSYS, the reason given for privileged calls, and the builder that
// turns rows into entries with each call's argument kinds for that ABI.
// Row forms:  [nr, name, handler]                 full support
//             [nr, name, handler, reason]         partial support, with the reason
//             [nr, name, reason]                  unimplemented: -ENOSYS, reported once under --verbose
//             [nr, name, LINUX_ENOSYS]            Linux answers ENOSYS too (removed/reserved calls)

import { enosys } from './misc.js';
import { signatureOf, returnKindOf } from './signatures.js';
import type { AbiName } from './structs.js';
import type { Handler, SyscallEntry } from './types.js';

export const PRIV = 'privileged: a zone holds no CAP_SYS_ADMIN/CAP_SYS_TIME/...; always EPERM';
export const LINUX_ENOSYS = Symbol('ENOSYS on Linux too');

export type Row = [number, string, Handler] | [number, string, Handler, string] | [number, string, string] | [number, string, typeof LINUX_ENOSYS];

/** A row whose handler another module may not provide yet: unimplemented until it does. */
export function rowOf(nr: number, name: string, h: Handler | undefined, reason?: string): Row {
  if (typeof h !== 'function') return [nr, name, 'being written'];
  return reason ? [nr, name, h, reason] : [nr, name, h];
}

export function buildTable(rows: Row[], abi: AbiName = 'x86_64'): (SyscallEntry | undefined)[] {
  const table: (SyscallEntry | undefined)[] = [];
  for (const row of rows) {
    const [nr, name, third, fourth] = row;
    const base = { nr, name, args: signatureOf(name, abi), ret: returnKindOf(name) };
    if (third === LINUX_ENOSYS) table[nr] = { ...base, handler: enosys, support: 'full', reason: 'ENOSYS on Linux too' };
    else if (typeof third === 'string') table[nr] = { ...base, support: 'unimplemented', reason: third };
    else if (typeof fourth === 'string') table[nr] = { ...base, handler: third, support: 'partial', reason: fourth };
    else table[nr] = { ...base, handler: third, support: 'full', reason: '' };
  }
  return table;
}
