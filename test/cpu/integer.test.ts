// Differential test of the integer instruction set: the hardware is the oracle.
//
// Every integer entry of the opcode table (the entries registered by the integer families in
// cpu/ops/, i.e. all but x87/SSE) gets generated cases (test/cpu/gen.ts), which are assembled into
// one static program (test/cpu/harness.ts), run natively and on our CPU, and compared record by
// record: all 16 GPRs, RFLAGS (minus the flags the SDM/APM leave undefined for the case), a
// 256-byte scratch area that holds memory operands and stacks, and the signal a faulting case
// raised (signo, si_code, si_addr, RIP, trapno, err). Coverage is decided by decoding each case's
// instruction with our decoder, so an entry counts only if its bytes really reach it.
// Every entry runs in 64-bit mode and again in 32-bit compatibility mode (CS 0x23: the hardware
// runs i386 code inside this 64-bit process, so the 32-bit paths have a native oracle too). Extra
// cases chain flag producers into consumers (lazy flags), fault in the middle of read-modify-write
// and stack instructions (nothing may change), and check a few GPR instructions of other families.
// 0x67 in 32-bit mode is 16-bit addressing: those cases use [bx+si]-style operands that reach a
// mirror of the scratch area below 64 KiB (harness LOW_BASE), so wrapping sums are checked against
// real accesses; 64-bit effective addresses that wrap past 2^64 (G.eaWrap), non-canonical addresses
// through RSP/RBP (#SS, SIGBUS) and elsewhere (#GP), and branches to non-canonical targets too.
// Segment-register instructions are left to test/cpu/segments.test.ts (excluded with that reason).
//
// Environment: LXCPU_SEED (default 1) picks another random sample; LXCPU_RANDOM=k (default 1)
// generates every entry's cases k times over with fresh random operands, forms and flags (k times
// the cases: `make fuzz-cpu`); LXCPU_KEEP=1 keeps the build directory; LXCPU_VERBOSE=1 prints
// every mismatch instead of the first 40. The summary line `LXCPU-RESULT ...` is for the fuzz driver.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const opsDir = join(here, '..', '..', 'cpu', 'ops');

// 1. The integer entries: everything registered by cpu/ops/*.js except x87/SSE/AVX and helpers.
//    Imported one by one before anything else loads the whole table, then snapshotted.
const NOT_INTEGER = /^(x87|sse|avx|vex|fpu|mmx|index|arith)/;
const table = await import('../../cpu/table.js');
const intFiles = readdirSync(opsDir).filter((f) => f.endsWith('.js') && !NOT_INTEGER.test(f)).sort();
for (const f of intFiles) await import(join(opsDir, f));
type Row = ReturnType<typeof table.allEntries>[number];
const keyOf = (map: number, op: number, k: string, reg: number, form?: string) => `${map}:${op.toString(16)}:${k}:${reg}:${form === 'reg' ? 'r' : 'm'}`;
const intRows: Row[] = table.allEntries();
const intKeys = new Set(intRows.map(([m, op, k, reg, d]) => keyOf(m, op, k, reg, d.form)));

// 2. Now the whole CPU (and the other families), the generator and the harness.
const H = await import('./harness.js');
const G = await import('./gen.js');
const { decode } = await import('../../cpu/decoder.js');
const { raiseUD } = await import('../../cpu/fault.js');

const SEED = Number(process.env.LXCPU_SEED ?? 1);
const RANDOM = Math.max(1, Number(process.env.LXCPU_RANDOM ?? 1) | 0);
const VERBOSE = process.env.LXCPU_VERBOSE === '1';
const FLAG_NAMES: [number, string][] = [[0x1, 'CF'], [0x4, 'PF'], [0x10, 'AF'], [0x40, 'ZF'], [0x80, 'SF'], [0x100, 'TF'], [0x200, 'IF'],
  [0x400, 'DF'], [0x800, 'OF'], [0x4000, 'NT'], [0x10000, 'RF'], [0x40000, 'AC'], [0x80000, 'VIF'], [0x100000, 'VIP'], [0x200000, 'ID']];
const flagText = (f: bigint) => `0x${f.toString(16)} [${FLAG_NAMES.filter(([b]) => (f & BigInt(b)) !== 0n).map(([, n]) => n).join(' ')}${(f >> 12n) & 3n ? ` IOPL${(f >> 12n) & 3n}` : ''}]`;
const SIG: Record<number, string> = { 4: 'SIGILL', 5: 'SIGTRAP', 7: 'SIGBUS', 8: 'SIGFPE', 11: 'SIGSEGV' };
const RF = 0x10000n;
const mask64 = (1n << 64n) - 1n;

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

test('integer instructions match the hardware', { timeout: 600_000 }, (t) => {
  if (process.arch !== 'x64' || process.platform !== 'linux') { t.skip('needs an x86-64 Linux host as the oracle'); return; }
  if (!which('gcc') || !which('nm')) { t.skip('needs gcc and binutils'); return; }
  const t0 = Date.now();
  const log = (s: string) => { console.log(s); };

  // ---- generate -------------------------------------------------------------------------------------
  // every entry in 64-bit mode, then in 32-bit compatibility mode (CS 0x23, the i386 oracle)
  const g = new G.Gen(SEED);
  const excluded: [string, string][] = [];
  const excludedKeys = new Set<string>();
  const entries: Record<string, Row> = {};
  const labelOf = ([map, op, key, reg, d]: Row) => `${d.name} ${map ? ['', '0f', '0f38', '0f3a'][map] + ' ' : ''}${op.toString(16).padStart(2, '0')}${reg >= 0 ? '/' + reg : ''}${key !== 'any' && key !== 'none' ? ' ' + key.slice(1) : ''}`;
  const skipped: Record<string, string[]> = { 64: [], 32: [] };
  for (let rep = 0; rep < RANDOM; rep++) for (const mode of [64, 32]) {
    g.mode32 = mode === 32;
    for (const row of intRows) {
      const [map, op, key, reg, d] = row;
      const id = keyOf(map, op, key, reg, d.form);
      entries[id] = row;
      const first = rep === 0;
      if (mode === 64 && d.only === 32) { if (first) skipped[64].push(labelOf(row)); continue; }
      if (mode === 32 && d.only === 64) { if (first) skipped[32].push(labelOf(row)); continue; }
      const elsewhere = G.excludedElsewhere(map, op, d);
      const why = (mode === 64 ? G.EXCLUDED : G.EXCLUDED32)[d.name] ?? elsewhere;
      if (why) {
        if (!first) continue;
        skipped[mode].push(labelOf(row));
        if (mode === 64 || elsewhere) { excluded.push([labelOf(row) + (mode === 32 ? ' (32-bit mode)' : ''), why]); excludedKeys.add(id); }
        else excluded.push([labelOf(row) + ' (32-bit mode)', why]);
        continue;
      }
      g.entry({ map, op, key, reg, d, id });
    }
  }
  g.mode32 = false;
  const n32 = g.cases.filter((c) => c.mode32).length;
  const nEntryCases = g.cases.length;
  G.chains(g);
  G.faults(g);
  G.extras(g);
  G.addr16(g);
  G.eaWrap(g);
  const cases = g.cases;

  // ---- build, run natively, run on our CPU -----------------------------------------------------------
  const dir = mkdtempSync(join(tmpdir(), 'lxcpu-'));
  if (process.env.LXCPU_KEEP !== '1') t.after(() => rmSync(dir, { recursive: true, force: true }));
  else log(`build directory: ${dir}`);
  const built = H.build(dir, 'integer', H.programSource(cases, g.lay));
  const t1 = Date.now();
  const nat = H.runNative(built.exe);
  assert.equal(nat.signal, null, `native run killed by ${nat.signal}: ${nat.err}`);
  assert.equal(nat.status, 0, `native run exit status ${nat.status}: ${nat.err}`);
  assert.equal(nat.out.length, cases.length * H.REC, 'native output size');
  const t2 = Date.now();
  const emu = H.loadEmu(built);

  // coverage: decode each case's instruction with our decoder and find the table entry it reaches
  const caseAddrs = built.syms.get('case_addrs')!;
  const covered = new Map<string, number>();
  const caseEntry: string[] = [];
  for (const c of cases) {
    const lo = emu.mem.read64(caseAddrs + 8 * c.id) >>> 0, addr = (emu.mem.hi >>> 0) * 4294967296 + lo;
    const i = decode(emu.mem, addr, !c.mode32);
    const slot = table.maps[i.map][i.op];
    const k = i.mandatory === 0xf3 ? 'pF3' : i.mandatory === 0xf2 ? 'pF2' : i.mandatory === 0x66 ? 'p66' : slot.none ? 'none' : 'any';
    const ent = slot[k as 'any'];
    let key = '';
    if (Array.isArray(ent)) {
      const d = ent[(i.mod === 3 ? 8 : 0) + (i.reg & 7)];
      if (d) key = keyOf(i.map, i.op, k, i.reg & 7, d.form);
    } else if (ent && i.fn !== raiseUD) key = keyOf(i.map, i.op, k, -1, ent.form);
    else if (ent) key = keyOf(i.map, i.op, k, -1, ent.form);
    caseEntry[c.id] = key;
    if (key && intKeys.has(key)) covered.set(key, (covered.get(key) ?? 0) + 1);
  }

  const ours = H.runEmu(emu, built.syms);
  const t3 = Date.now();
  if (ours.status === null) {
    const id = H.currentCase(emu, built.syms);
    const c = cases[id];
    assert.fail(`our run did not finish (${ours.err}); working on case #${id}: ${c ? `${c.text} [${c.hex}]` : '?'}`);
  }

  // ---- compare ---------------------------------------------------------------------------------------
  const nv = new DataView(nat.out.buffer, nat.out.byteOffset, nat.out.byteLength);
  const ov = new DataView(ours.out.buffer, ours.out.byteOffset, ours.out.byteLength);
  const oursById = new Map<number, number>();
  for (let p = 0; p + H.REC <= ours.out.length; p += H.REC) {
    const id = Number(ov.getBigUint64(p + 168, true));
    if (!oursById.has(id)) oursById.set(id, p);
  }
  const mismatches: string[] = [];
  const infos: string[] = [];
  const undefDiffs = new Map<string, number>(), undefSeen = new Map<string, number>();
  let failing = 0, infoMismatch = 0, n16 = 0, n16fault = 0;
  const byName = new Map<string, number>();
  const caseEnds = built.syms.get('case_ends')!;
  const disasm = (c: typeof cases[number]) => {
    const lo = emu.mem.read64(caseAddrs + 8 * c.id) >>> 0, a = (emu.mem.hi >>> 0) * 4294967296 + lo;
    const elo = emu.mem.read64(caseEnds + 8 * c.id) >>> 0, end = (emu.mem.hi >>> 0) * 4294967296 + elo;
    const r = spawnSync('objdump', ['-d', '--no-show-raw-insn', ...(c.mode32 ? ['-m', 'i386'] : []), `--start-address=0x${a.toString(16)}`, `--stop-address=0x${end.toString(16)}`, built.exe], { encoding: 'utf8' });
    const lines = (r.stdout || '').split('\n').filter((l) => /^\s+[0-9a-f]+:\t/.test(l)).map((l) => l.replace(/^\s+[0-9a-f]+:\t/, '').replace(/\s+/g, ' ').trim());
    return lines.length ? lines.join('; ') : '?';
  };
  for (const c of cases) {
    const np = c.id * H.REC;
    const op = oursById.get(c.id);
    const diffs: string[] = [];
    if (op === undefined) diffs.push('our run produced no record for this case');
    else {
      // a faulting instruction has no undefined results: everything must be as before it
      const nativeFault = nv.getUint32(np + 136, true) !== 0;
      if (c.a16) { n16++; if (nativeFault) n16fault++; }
      // (except the upper halves of RAX..RDI after compatibility mode, which are always undefined)
      const upper = mask64 ^ 0xffffffffn;
      const undefFlags = nativeFault ? 0 : c.undefFlags, undefMem = nativeFault ? [] : c.undefMem;
      const undefRegs = nativeFault ? (c.mode32 ? c.undefRegs.filter(([, m]) => m === upper) : []) : c.undefRegs;
      for (let n = 0; n < 16; n++) {
        let m = (1n << 64n) - 1n;
        for (const [r, u] of undefRegs) if (r === n) m &= ~u;
        const a = nv.getBigUint64(np + 8 * n, true), b = ov.getBigUint64(op + 8 * n, true);
        if ((a & m) !== (b & m)) diffs.push(`${G.regNames[n]}: native 0x${a.toString(16)} ours 0x${b.toString(16)}`);
      }
      const fm = ~BigInt(undefFlags) & ~RF & 0xffffffffn;
      const fa = nv.getBigUint64(np + 128, true), fb = ov.getBigUint64(op + 128, true);
      if ((fa & fm) !== (fb & fm)) diffs.push(`rflags: native ${flagText(fa)} ours ${flagText(fb)} (differ in ${flagText((fa ^ fb) & fm)})`);
      else if (((fa ^ fb) & BigInt(undefFlags)) !== 0n) {
        for (const [bit, fname] of FLAG_NAMES) {
          if (!((fa ^ fb) & BigInt(undefFlags) & BigInt(bit))) continue;
          const k = `${c.name} ${fname}`;
          undefDiffs.set(k, (undefDiffs.get(k) ?? 0) + 1);
        }
      }
      if (undefFlags) for (const [bit, fname] of FLAG_NAMES) if (undefFlags & bit) { const k = `${c.name} ${fname}`; undefSeen.set(k, (undefSeen.get(k) ?? 0) + 1); }
      const fault = (v: DataView, p: number) => {
        const s = v.getUint32(p + 136, true);
        if (!s) return 'none';
        return `${SIG[s] ?? s} code ${v.getUint32(p + 140, true)} addr 0x${v.getBigUint64(p + 144, true).toString(16)} rip 0x${v.getBigUint64(p + 152, true).toString(16)} trapno ${v.getUint32(p + 160, true)} err 0x${v.getUint32(p + 164, true).toString(16)}`;
      };
      if (fault(nv, np) !== fault(ov, op)) diffs.push(`fault: native ${fault(nv, np)}; ours ${fault(ov, op)}`);
      const und = new Set<number>();
      for (const [o, l] of undefMem) for (let k = 0; k < l; k++) und.add(o + k);
      const bad: number[] = [];
      for (let k = 0; k < H.SCR_BYTES; k++) {
        if (und.has(k)) continue;
        if (nat.out[np + H.SCR_IN_REC + k] !== ours.out[op + H.SCR_IN_REC + k]) bad.push(k);
      }
      for (let k = 0; k < H.PROBE_BYTES; k++) {
        if (nat.out[np + H.PROBE_IN_REC + k] !== ours.out[op + H.PROBE_IN_REC + k]) {
          const hexs = (buf: Uint8Array, p: number) => Array.from(buf.subarray(p + H.PROBE_IN_REC, p + H.PROBE_IN_REC + H.PROBE_BYTES), (x) => x.toString(16).padStart(2, '0')).join(' ');
          diffs.push(`memory ropage-16..+15: native ${hexs(nat.out, np)} ours ${hexs(ours.out, op)}`);
          break;
        }
      }
      if (bad.length) {
        const lo = bad[0], hi = Math.min(bad[bad.length - 1], lo + 15);
        const hexs = (buf: Uint8Array, p: number) => Array.from(buf.subarray(p + H.SCR_IN_REC + lo, p + H.SCR_IN_REC + hi + 1), (x) => x.toString(16).padStart(2, '0')).join(' ');
        diffs.push(`memory scratch+${lo}..${hi} (${bad.length} bytes differ): native ${hexs(nat.out, np)} ours ${hexs(ours.out, op)}`);
      }
    }
    if (!diffs.length) continue;
    if (c.info) infoMismatch++; else failing++;
    const tag = `${c.info ? 'informational: ' : ''}${c.name}${c.mode32 ? ' [32-bit]' : ''}${/^lock /.test(c.text) ? ' (lock)' : ''}${c.code.join(' ').includes('0x67') ? ' (addr32)' : ''}`;
    byName.set(tag, (byName.get(tag) ?? 0) + 1);
    const dest = c.info ? infos : mismatches;
    if (!VERBOSE && dest.length >= 40) continue;
    const inputs: string[] = [];
    for (const [n, v] of [...c.regs].sort((a, b) => a[0] - b[0])) inputs.push(`${G.regNames[n]}=${typeof v === 'string' ? v : '0x' + BigInt.asUintN(64, v).toString(16)}`);
    inputs.push(`rflags=${flagText(c.flags)}`);
    if (c.memOp) {
      const [o, l] = c.memOp;
      const bytes: string[] = [];
      for (let k = o; k < Math.min(o + l, H.SCR_BYTES); k++) bytes.push((c.mem.get(k) ?? g.lay.bgScratch[k]).toString(16).padStart(2, '0'));
      inputs.push(`scratch+${o}=[${bytes.join(' ')}]`);
    }
    dest.push([
      `case #${c.id}${c.mode32 ? ' [32-bit mode]' : ''} ${c.text}${c.info ? ` (informational: ${c.info})` : ''}`,
      c.len ? `  bytes ${c.hex}   objdump: ${disasm(c)}   entry ${caseEntry[c.id] || '(none: #UD)'}` : `  entry of the first instruction ${caseEntry[c.id] || '(none: #UD)'}`,
      `  inputs: ${inputs.join(' ')}`,
      ...diffs.map((d) => '  ' + d),
    ].join('\n'));
  }

  // ---- report ------------------------------------------------------------------------------------------
  const total = intRows.length;
  const uncovered = Object.keys(entries).filter((k) => !covered.has(k) && !excludedKeys.has(k));
  log(`covered ${covered.size} of ${total} integer entries (${excludedKeys.size} excluded with reasons, ${uncovered.length} uncovered)`);
  log(`  64-bit mode: ${total - skipped[64].length} entries applicable; 32-bit compatibility mode: ${total - skipped[32].length} applicable (not in 32-bit mode: ${skipped[32].join(', ')})`);
  log(`${cases.length} cases (${nEntryCases - n32} for table entries in 64-bit mode, ${n32} in 32-bit mode, ${cases.length - nEntryCases} flag-flow chains, faulting accesses and extras), ${failing} mismatches${infoMismatch ? `, ${infoMismatch} informational mismatches` : ''}; ` +
    `generate+build ${t1 - t0} ms, native ${t2 - t1} ms, ours ${t3 - t2} ms (${ours.insns} instructions)`);
  log(`  16-bit addressing (0x67 in 32-bit mode): ${n16} cases, ${n16fault} of them fault natively; low memory ${g.lay.low ? `mapped at 0x${H.LOW_BASE.toString(16)}` : 'not mappable here (vm.mmap_min_addr): memory forms compared as faults'}`);
  for (const [l, r] of excluded) log(`  excluded: ${l}: ${r}`);
  if (undefDiffs.size) {
    log('undefined flags where our CPU differs from this host (masked, informational):');
    log('  ' + [...undefDiffs].sort().map(([k, n]) => `${k} ${n}/${undefSeen.get(k)}`).join(', '));
  }
  if (g.unknown.length) log(`entries without a generator: ${g.unknown.map((e) => e.d.name + ' ' + e.id).join(', ')}`);
  if (byName.size) log(`mismatches by instruction: ${[...byName].sort().map(([k, n]) => `${k}: ${n}`).join(', ')}`);
  for (const m of infos) log(m);
  for (const m of mismatches) log(m);
  if (failing > mismatches.length) log(`... and ${failing - mismatches.length} more mismatches (LXCPU_VERBOSE=1 prints all)`);
  console.log(`LXCPU-RESULT suite=integer${process.env.LX_HOT === '0' ? '-threaded' : ''} seed=${SEED} random=${RANDOM} cases=${cases.length} mismatches=${failing} informational=${infoMismatch}`);
  assert.deepEqual(uncovered.map((k) => `${entries[k][4].name} ${k}`), [], 'integer entries without a test case');
  assert.equal(failing, 0, `${failing} mismatches against the hardware`);
});

// Division faults without a handler: natively the process dies by SIGFPE; our CPU must stop with
// CpuSignal signo 8 (SIGFPE), code 1 (FPE_INTDIV), RIP and si_addr at the dividing instruction.
test('integer divide faults: SIGFPE natively, CpuSignal 8/FPE_INTDIV on our CPU', (t) => {
  if (process.arch !== 'x64' || process.platform !== 'linux') { t.skip('needs an x86-64 Linux host as the oracle'); return; }
  if (!which('gcc') || !which('nm')) { t.skip('needs gcc and binutils'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'lxcpu-de-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cases: [string, string[]][] = [
    ['div r32 by zero', ['mov $7, %eax', 'xor %edx, %edx', 'xor %ecx, %ecx', 'fault_at: div %ecx']],
    ['div r8 quotient overflow', ['mov $0x1000, %eax', 'mov $2, %bl', 'fault_at: div %bl']],
    ['idiv r64 INT64_MIN / -1', ['movabs $0x8000000000000000, %rax', 'cqo', 'mov $-1, %rcx', 'fault_at: idiv %rcx']],
    ['idiv m16 by zero', ['movw $0, divisor(%rip)', 'mov $5, %eax', 'cwd', 'fault_at: idivw divisor(%rip)']],
    ['div r64 quotient overflow', ['mov $1, %edx', 'xor %eax, %eax', 'mov $1, %ecx', 'fault_at: div %rcx']],
  ];
  for (const [name, body] of cases) {
    const src = ['.text', '.globl _start', '.globl fault_at', '_start:', ...body,
      'mov $60, %eax', 'xor %edi, %edi', 'syscall', '.data', 'divisor: .word 0', ''].join('\n');
    const built = H.build(dir, name.replace(/\W+/g, '_'), src);
    const nat = H.runNative(built.exe);
    assert.equal(nat.signal, 'SIGFPE', `${name}: native run should die by SIGFPE (status ${nat.status}, signal ${nat.signal})`);
    const emu = H.loadEmu(built);
    const r = H.runUntilSignal(emu);
    const at = built.syms.get('fault_at')!;
    assert.ok(r.signal, `${name}: our CPU exited (status ${r.status}) instead of raising SIGFPE`);
    assert.deepEqual([r.signal.signo, r.signal.code, r.signal.addr, r.rip], [8, 1, at, at], `${name}: CpuSignal signo, code, addr and RIP`);
  }
  console.log(`${cases.length} division faults: SIGFPE natively and CpuSignal(8, FPE_INTDIV) at the instruction on our CPU`);
});
