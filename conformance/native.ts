// strace's events (strace-parse.ts) → trace-format records, using the argument kinds of
// syscalls/signatures.ts so that each argument gets the same canonical shape the guest side gives.

import type { CallRecord, ExitRecord, SignalRecord, TraceRecord } from './format.js';
import { generic, kindsOf, nativeArg, nrOf, returnsAddress, signalNumber } from './kinds.js';
import type { StraceEvent } from './strace-parse.js';
import { intVal, ptrVal } from './values.js';

export function fromStrace(events: StraceEvent[]): TraceRecord[] {
  const out: TraceRecord[] = [];
  let seq = 0;
  let first = true;
  for (const ev of events) {
    if (ev.kind === 'call') {
      const kinds = kindsOf(ev.name);
      const rec: CallRecord = {
        type: 'call', seq: seq++, tid: ev.tid, abi: 'x86_64', name: ev.name, nr: nrOf(ev.name),
        args: ev.args.map((n, i) => {
          const k = kinds[i] ?? 'x';
          return { k, v: nativeArg(k, n) };
        }),
      };
      if (ev.err) rec.err = ev.err;
      else if (ev.ret !== null) rec.ret = returnsAddress(ev.name) ? ptrVal(BigInt.asUintN(64, ev.ret)) : intVal(ev.ret);
      if (first && ev.name === 'execve' && !ev.err) rec.initial = true;
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
