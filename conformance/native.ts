// strace's events (strace-parse.ts) → trace-format records, using the argument kinds of
// syscalls/signatures.ts (and conformance/abi.ts for i386) so that each argument gets the same
// canonical shape the guest side gives.
//
// The ABI of each call: a thread starts in the ABI of the process that made it and changes at an
// execve that strace follows with `[ Process PID=N runs in 32 bit mode. ]`; with `-n`, a (number,
// name) pair that only one table holds settles it too (brk is 12 on x86-64, 45 on i386).

import { abiOfCall, type Abi } from './abi.js';
import type { CallRecord, ExitRecord, SignalRecord, TraceRecord } from './format.js';
import { NAMED_ARGS, generic, kindsOf, nativeArg, nrOf, returnsAddress, signalNumber } from './kinds.js';
import type { StraceCall, StraceEvent } from './strace-parse.js';
import { intVal, isObj, ptrVal } from './values.js';

export interface FromStraceOptions {
  /** ABI of a thread nothing else tells about (the recorded program's ELF class). */
  abi?: Abi;
}

const CREATORS = new Set(['clone', 'clone3', 'fork', 'vfork']);

/** Each thread's ABI before anything in the trace changes it. */
function initialAbis(events: StraceEvent[], dflt: Abi): Map<number, Abi> {
  const known = new Map<number, Abi>();
  const parentOf = new Map<number, number>();
  for (const ev of events) {
    if (known.has(ev.tid)) continue;
    if (ev.kind === 'personality') { known.set(ev.tid, ev.bits === 32 ? 'x86_64' : 'i386'); continue; }
    if (ev.kind !== 'call') continue;
    if (CREATORS.has(ev.name) && ev.ret !== null && ev.ret > 0n) parentOf.set(Number(ev.ret), ev.tid);
    const a = ev.nr === undefined ? null : abiOfCall(ev.name, ev.nr);
    if (a) known.set(ev.tid, a);
  }
  const resolve = (tid: number, depth = 0): Abi => {
    const k = known.get(tid);
    if (k) return k;
    const p = parentOf.get(tid);
    return p !== undefined && depth < 64 ? resolve(p, depth + 1) : dflt;
  };
  const out = new Map<number, Abi>();
  for (const ev of events) if (!out.has(ev.tid)) out.set(ev.tid, resolve(ev.tid));
  return out;
}

function callRecord(ev: StraceCall, seq: number, abi: Abi): CallRecord {
  const kinds = NAMED_ARGS.has(ev.name) ? ev.args.map(() => 'named') : kindsOf(ev.name, abi);
  const rec: CallRecord = {
    type: 'call', seq, tid: ev.tid, abi, name: ev.name, nr: ev.nr ?? nrOf(ev.name, abi),
    args: ev.args.map((n, i) => {
      const k = kinds[i] ?? 'x';
      return { k, v: nativeArg(k, n) };
    }),
  };
  if (ev.err) rec.err = ev.err;
  else if (ev.ret !== null) rec.ret = returnsAddress(ev.name) ? ptrVal(BigInt.asUintN(64, ev.ret)) : intVal(ev.ret);
  // set_thread_area({entry_number=-1, ...}) = 0 (entry_number=12): the slot the kernel chose
  const slot = ev.note ? /^entry_number=(\d+)$/.exec(ev.note) : null;
  const ud = rec.args[0]?.v;
  if (slot && ev.name === 'set_thread_area' && isObj(ud)) ud.entry_number_out = Number(slot[1]);
  return rec;
}

export function fromStrace(events: StraceEvent[], opts: FromStraceOptions = {}): TraceRecord[] {
  const out: TraceRecord[] = [];
  const abiOf = initialAbis(events, opts.abi ?? 'x86_64');
  const lastExec = new Map<number, CallRecord>();
  let seq = 0;
  let first = true;
  for (const ev of events) {
    if (ev.kind === 'personality') {
      const abi: Abi = ev.bits === 32 ? 'i386' : 'x86_64';
      abiOf.set(ev.tid, abi);
      const ex = lastExec.get(ev.tid);
      if (ex && ex.abi !== abi) ex.newAbi = abi;
    } else if (ev.kind === 'call') {
      const abi = (ev.nr === undefined ? null : abiOfCall(ev.name, ev.nr)) ?? abiOf.get(ev.tid) ?? opts.abi ?? 'x86_64';
      abiOf.set(ev.tid, abi);
      const rec = callRecord(ev, seq++, abi);
      if (first && ev.name === 'execve' && !ev.err) rec.initial = true;
      if ((ev.name === 'execve' || ev.name === 'execveat') && !ev.err) lastExec.set(ev.tid, rec);
      first = false;
      out.push(rec);
    } else if (ev.kind === 'signal') {
      const rec: SignalRecord = { type: 'signal', seq: seq++, tid: ev.tid, sig: signalNumber(ev.sig), name: ev.sig };
      if (ev.info) rec.info = generic(ev.info);
      out.push(rec);
    } else {
      const rec: ExitRecord = { type: 'exit', seq: seq++, tid: ev.tid };
      if (ev.sig) { rec.sig = signalNumber(ev.sig); rec.core = !!ev.core; } else rec.code = ev.code;
      out.push(rec);
    }
  }
  return out;
}
