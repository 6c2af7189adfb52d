// Argument kinds (syscalls/signatures.ts) as the trace format sees them: how wide and how signed
// an integer kind is, which kinds hold addresses, and the conversion of strace's text (parsed by
// strace-parse.ts) into canonical values. The guest side (guest.ts) produces the same shapes from
// registers and memory.

import { signatureOf, returnKindOf } from '../syscalls/signatures.js';
import { I386_KINDS, nrTable, type Abi } from './abi.js';
import type { Node } from './strace-parse.js';
import { bufVal, intVal, ptrVal, strVal, fromLatin1, type Value } from './values.js';

export type IntClass = 'i32' | 'u32' | 'l64' | 'u64' | 'ptr';

const I32 = new Set(['fd', 'dirfd', 'int', 'pid', 'signo', 'sighow', 'clockid', 'fcntl', 'arch', 'who', 'fadv']);
const U32 = new Set(['uint', 'mode', 'cmode', 'whence', 'rlimres', 'grnd', 'statxmask', 'renflags', 'ioctl', 'oflags',
  'atflags', 'prot', 'mapflags', 'madv', 'acc', 'timerflags', 'mremapflags']);
const L64 = new Set(['long', 'off', 'ssize']);
const U64 = new Set(['size', 'x', 'fcntlarg']);
const PTR = new Set(['ptr', 'archarg']);

export function baseKind(kind: string): string {
  const c = kind.indexOf(':');
  return c >= 0 ? kind.slice(0, c) : kind;
}

export function kindParam(kind: string): string {
  const c = kind.indexOf(':');
  return c >= 0 ? kind.slice(c + 1) : '';
}

/** The integer class of a kind, or null when the kind is decoded memory (string, buffer, struct). */
export function intClass(kind: string): IntClass | null {
  const b = baseKind(kind);
  if (I32.has(b)) return 'i32';
  if (U32.has(b)) return 'u32';
  if (L64.has(b)) return 'l64';
  if (U64.has(b)) return 'u64';
  if (PTR.has(b)) return 'ptr';
  return null;
}

export function canonInt(cls: IntClass, v: bigint): Value {
  switch (cls) {
    case 'i32': return intVal(BigInt.asIntN(32, v));
    case 'u32': return intVal(BigInt.asUintN(32, v));
    case 'l64': return intVal(BigInt.asIntN(64, v));
    case 'u64': return intVal(BigInt.asUintN(64, v));
    case 'ptr': return ptrVal(BigInt.asUintN(64, v));
  }
}

/** Kinds whose value may be an address (normalised to mapping+offset). */
export function isAddressKind(kind: string): boolean {
  const b = baseKind(kind);
  return PTR.has(b) || b === 'x';
}

/** Structure fields that hold addresses, signal sets, data. */
export const PTR_FIELDS = new Set(['sa_handler', 'sa_restorer', 'ss_sp', 'si_addr', 'list', 'list_op_pending', 'base_addr',
  'child_stack', 'child_tidptr', 'tls']);
export const SIGSET_FIELDS = new Set(['sa_mask', 'mask']);
export const BUF_FIELDS = new Set(['iov_base']);
export const STR_FIELDS = new Set(['d_name']);
/** int fields strace prints as unsigned hex with -X raw (siginfo's si_code is -6 for tkill). */
export const INT32_FIELDS = new Set(['si_code', 'si_errno', 'si_status', 'si_int']);

/** The number of a call by name in an ABI (for traces recorded without strace's `-n`). */
export function nrOf(name: string, abi: Abi = 'x86_64'): number {
  const m = /^syscall_0x([0-9a-f]+)$/.exec(name);
  if (m) return parseInt(m[1], 16);
  return nrTable(abi).get(name) ?? -1;
}

/** Kinds where lxconform decodes more than syscalls/signatures.ts says (strace shows the data). */
const KIND_OVERRIDES: Record<string, string[]> = {
  rt_sigpending: ['sigset_out', 'size'],
};

/** Calls strace shows as `name=value` arguments, which depend on the call's flags rather than on
 *  the ABI's argument order: `clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x5ec690)`.
 *  Each such argument is of kind `named`, its value a one-field structure (`{child_tidptr: "0x5ec690"}`);
 *  guest.ts builds the same arguments from the registers (cloneArgs). */
export const NAMED_ARGS = new Set(['clone']);

/** Argument kinds of a call, in the order strace shows the arguments. */
export function kindsOf(name: string, abi: Abi = 'x86_64'): string[] {
  if (abi === 'i386') {
    const k = I386_KINDS[name];
    if (k !== undefined) return k ? k.split(' ') : [];
  }
  return KIND_OVERRIDES[name] ?? signatureOf(name);
}

/** Calls whose result is an address. */
export function returnsAddress(name: string): boolean { return returnKindOf(name) === 'hex'; }

/** A signal set from its members (strace prints `[INT 33]`, raw numbers with -X raw, `~[...]` for complements). */
export function sigsetFromMembers(members: number[], not: boolean): Value {
  const set = new Set(members);
  const out: number[] = [];
  for (let n = 1; n <= 64; n++) if (set.has(n) !== not) out.push(n);
  return out;
}

const SIGNUM: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12,
  PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23,
  XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, PWR: 30, SYS: 31, RTMIN: 32,
};

/** 'SIGSEGV' / 'SEGV' / 'SIGRT_3' / '36' → number (0 when unknown). */
export function signalNumber(name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  const s = name.startsWith('SIG') ? name.slice(3) : name;
  if (s in SIGNUM) return SIGNUM[s];
  const rt = /^RT_(\d+)$/.exec(s);
  if (rt) return 32 + Number(rt[1]);
  return 0;
}

function nodeInt(n: Node): bigint | undefined {
  if (n.t === 'num') return n.v;
  if (n.t === 'null') return 0n;
  return undefined;
}

function sigsetNode(n: Node): Value {
  if (n.t !== 'arr') return generic(n);
  const members: number[] = [];
  for (const it of n.items) {
    if (it.t === 'num') members.push(Number(it.v));
    else if (it.t === 'id') members.push(signalNumber(it.name));
  }
  return sigsetFromMembers(members, n.not);
}

/** glibc's makedev encoding (what st_rdev/st_dev hold). */
export function makedev(maj: bigint, min: bigint): bigint {
  return ((maj & 0xfffff000n) << 32n) | ((maj & 0xfffn) << 8n) | ((min & 0xffffff00n) << 12n) | (min & 0xffn);
}

/** A parsed strace value without kind information. */
export function generic(n: Node, field?: string): Value {
  switch (n.t) {
    case 'num':
      if (field && PTR_FIELDS.has(field)) return ptrVal(BigInt.asUintN(64, n.v));
      if (field && INT32_FIELDS.has(field)) return intVal(BigInt.asIntN(32, n.v));
      return intVal(n.v);
    case 'null': return null;
    case 'str': {
      const b = fromLatin1(n.v);
      if (field && BUF_FIELDS.has(field)) return bufVal(b, n.more);
      return strVal(b, n.more);
    }
    case 'arr':
      if (field && SIGSET_FIELDS.has(field)) return sigsetNode(n);
      return n.items.filter((x) => x.t !== 'ellipsis').map((x) => generic(x));
    case 'struct': {
      const o: Record<string, Value> = {};
      let i = 0;
      for (const [k, v] of n.fields) {
        if (v.t === 'ellipsis') continue;
        const key = k ?? `#${i}`;
        i++;
        o[key] = generic(v, key);
      }
      return o;
    }
    case 'call':
      if (n.name === 'makedev' && n.args.length === 2 && n.args[0].t === 'num' && n.args[1].t === 'num') {
        return intVal(makedev(n.args[0].v, n.args[1].v));
      }
      return { $raw: `${n.name}(...)` };
    case 'id': return { $raw: n.name };
    case 'ellipsis': return { $raw: '...' };
    case 'raw': return { $raw: n.text };
  }
}

/** strace's text for one argument → canonical value, given the argument's kind. */
export function nativeArg(kind: string, n: Node): Value {
  if (n.t === 'null') return null;
  const cls = intClass(kind);
  if (cls) {
    const v = nodeInt(n);
    return v === undefined ? generic(n) : canonInt(cls, v);
  }
  const b = baseKind(kind);
  // memory that strace did not decode (failed call, unreadable): the address
  if (n.t === 'num') return ptrVal(BigInt.asUintN(64, n.v));
  switch (b) {
    case 'path': case 'str': case 'ostr': case 'opath':
      return n.t === 'str' ? strVal(fromLatin1(n.v), n.more) : generic(n);
    case 'ibuf': case 'obuf': case 'ohex':
      return n.t === 'str' ? bufVal(fromLatin1(n.v), n.more) : generic(n);
    case 'sigset_in': case 'sigset_out': case 'osigset_in': case 'osigset_out':
      return sigsetNode(n);
    case 'iov_in': case 'iov_out':
      if (n.t !== 'arr') return generic(n);
      return n.items.filter((x) => x.t === 'struct').map((x) => generic(x));
    default:
      return generic(n);
  }
}
