// lxconform: the corpus of native strace recordings (conformance/traces) replayed under lxbrand must
// show no divergence that conformance/skiplist.json does not explain; and lxconform itself must
// catch what stdout cannot show (a wrong errno), parse strace's notation, align and normalise.
// The corpus is recorded natively in the test run where strace works; the committed traces
// (`make record-traces`) are replayed where it does not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { align } from '../conformance/align.js';
import { gradeRecords, Normalizer, pairThread } from '../conformance/compare.js';
import type { CallRecord, TraceRecord } from '../conformance/format.js';
import { readTrace } from '../conformance/format.js';
import { fromStrace } from '../conformance/native.js';
import { mergeRuns } from '../conformance/record.js';
import { replay } from '../conformance/replay.js';
import { judge, runCorpus, summaryLine, coverageLine, traceFiles } from '../conformance/report.js';
import { Skiplist } from '../conformance/skiplist.js';
import { parseStrace } from '../conformance/strace-parse.js';
import { CONFORMANCE, ROOT, TRACES } from '../conformance/workdir.js';
import { fail } from './helpers/compare.js';

const SKIPLIST = join(CONFORMANCE, 'skiplist.json');

test('strace -X raw -v output parses into typed records', () => {
  const text = [
    '101 1795675130.599508 openat(-100, "/etc/ld.so.cache", 0x80000) = 3',
    '101 1795675130.599549 newfstatat(3, "", {st_dev=0xfe00, st_ino=2244614, st_mode=0100644, st_nlink=1, st_uid=0, st_gid=0, st_blksize=4096, st_blocks=80, st_size=38063, st_atime=1795671308 /* 2026-11-26T05:35:08.509244604+0000 */, st_atime_nsec=509244604, st_mtime=1795671308, st_mtime_nsec=493244605, st_ctime=1795671308, st_ctime_nsec=493244605}, 0x1000) = 0',
    '101 1795675130.599599 mmap(NULL, 38063, 0x1, 0x2, 3, 0) = 0x7ffff7fb6000',
    '101 1795675130.6 statx(-100, "sub", |0x900, 0x25e, {stx_mask=0x17ff, stx_mode=040755, stx_atime={tv_sec=1, tv_nsec=2} /* x */}) = 0',
    '101 1795675130.7 socket(0x1, 0x1|0x80800, 0) = 3',
    '101 1795675130.8 rt_sigprocmask(0, ~[32 33 34], [], 8) = 0',
    '101 1795675130.9 read(0, <unfinished ...>',
    '101 1795675131.0 <... read resumed>"a\\tb\\n\\0\\377", 64) = 6',
    '101 1795675131.1 access("/nope", 0x4) = -1 ENOENT (No such file or directory)',
    '101 1795675131.2 --- SIGUSR1 {si_signo=10, si_code=0xfffffffa, si_pid=101, si_uid=0} ---',
    '101 1795675131.3 exit_group(3)                           = ?',
    '101 1795675131.4 +++ exited with 3 +++',
  ].join('\n');
  const recs = fromStrace(parseStrace(text));
  const calls = recs.filter((r): r is CallRecord => r.type === 'call');
  assert.equal(calls.length, 9);
  assert.deepEqual(calls[0].args.map((a) => a.v), [-100, { $s: '/etc/ld.so.cache' }, 0x80000]);
  assert.equal(calls[0].ret, 3);
  const st = calls[1].args[2].v as Record<string, unknown>;
  assert.equal(st.st_mode, 0o100644);
  assert.equal(st.st_size, 38063);
  assert.equal(calls[2].ret, '0x7ffff7fb6000');
  assert.equal(calls[2].args[0].v, null);
  assert.equal(calls[3].args[2].v, 0x900);
  assert.deepEqual((calls[3].args[4].v as Record<string, unknown>).stx_atime, { tv_sec: 1, tv_nsec: 2 });
  assert.equal(calls[4].args[1].v, 0x80801);
  assert.equal((calls[5].args[1].v as number[]).length, 61);
  assert.equal(calls[6].name, 'read');
  assert.equal((calls[6].args[1].v as Record<string, unknown>).$buf, 6);
  assert.equal((calls[6].args[1].v as Record<string, unknown>).head, 'a\tb\n\u0000\u00ff');
  assert.equal(calls[7].err, 'ENOENT');
  const sig = recs.find((r) => r.type === 'signal');
  assert.ok(sig && sig.type === 'signal' && sig.sig === 10);
  assert.equal((sig.info as Record<string, unknown>).si_code, -6);
  assert.equal(calls[8].ret, undefined);
  assert.deepEqual(recs[recs.length - 1], { type: 'exit', seq: recs.length - 1, tid: 101, code: 3 });
});

test('alignment pairs equal keys in order and reports the rest', () => {
  const ops = align(['a', 'b', 'c', 'd', 'e'], ['a', 'c', 'x', 'd', 'e', 'f']);
  const matched = ops.filter((o) => o.op === 'match').map((o) => o.op === 'match' && `${o.a}:${o.b}`);
  assert.deepEqual(matched, ['0:0', '2:1', '3:3', '4:4']);
  assert.equal(ops.filter((o) => o.op === 'del').length, 1);
  assert.equal(ops.filter((o) => o.op === 'ins').length, 2);
});

function call(name: string, args: [string, unknown][], ret: unknown, extra: Partial<CallRecord> = {}): CallRecord {
  return { type: 'call', seq: 0, tid: 7, abi: 'x86_64', name, nr: 0, args: args.map(([k, v]) => ({ k, v: v as never })), ret: ret as never, ...extra };
}

test('native runs merge: differing fields are masked, calls in only some runs are optional', () => {
  const r1: TraceRecord[] = [call('getpid', [], 100, { tid: 100 }), call('getrandom', [['ohex:ret', { $buf: 8, sha: 'aa', head: '' }]], 8, { tid: 100 }), call('close', [['fd', 3]], 0, { tid: 100 })];
  const r2: TraceRecord[] = [call('getpid', [], 200, { tid: 200 }), call('getrandom', [['ohex:ret', { $buf: 8, sha: 'bb', head: '' }]], 8, { tid: 200 })];
  const m = mergeRuns([r1, r2]) as CallRecord[];
  assert.deepEqual(m[0].vary, ['ret']);
  assert.deepEqual(m[1].vary, ['args/0']);
  assert.equal(m[2].optional, true);
});

test('normalisation: addresses become mapping+offset, pids are renamed, inode numbers, times and directory sizes are masked', () => {
  const n = new Normalizer();
  n.seed([call('x', [], 0, { tid: 4242 })]);
  const m = n.record(call('mmap', [['ptr', null], ['size', 8192], ['prot', 3], ['mapflags', 0x22], ['fd', -1], ['x', 0]], '0x7ffff7fc0000')) as CallRecord;
  assert.equal(m.ret, 'anon#1+0x0');
  const p = n.record(call('set_tid_address', [['ptr', '0x7ffff7fc0010']], 4242)) as CallRecord;
  assert.equal(p.args[0].v, 'anon#1+0x10');
  assert.equal(p.ret, 'pid#1');
  const s = n.record(call('fstat', [['fd', 3], ['stat', { st_ino: 5, st_size: 10, st_mtime: 99 }]], 0)) as CallRecord;
  assert.deepEqual(s.args[1].v, { st_ino: '*', st_size: 10, st_mtime: '*' });
  const root = n.record(call('newfstatat', [['dirfd', -100], ['path', { $s: '/' }], ['stat', { st_mode: 0o40755, st_nlink: 21, st_size: 4096 }], ['atflags', 0]], 0)) as CallRecord;
  assert.deepEqual(root.args[2].v, { st_mode: 0o40755, st_nlink: '*', st_size: '*' }, 'a directory\'s link count and size are host state');
  const file = n.record(call('fstat', [['fd', 3], ['stat', { st_mode: 0o100644, st_nlink: 2 }]], 0)) as CallRecord;
  assert.deepEqual(file.args[1].v, { st_mode: 0o100644, st_nlink: 2 }, 'a file\'s link count is compared');
  const d = n.record(call('getdents64', [['fd', 3], ['dirents', [{ d_ino: 1, d_off: 2, d_reclen: 24, d_type: 4, d_name: { $s: 'b' } }, { d_ino: 3, d_off: 4, d_reclen: 24, d_type: 8, d_name: { $s: 'a' } }]]], 48)) as CallRecord;
  assert.deepEqual(d.args[1].v, ['"a"/8', '"b"/4']);
});

test('calls that come in another order (after a directory read) are paired by their inputs', () => {
  const stat = (p: string) => call('newfstatat', [['dirfd', -100], ['path', { $s: p }], ['stat', { st_size: p.length }], ['atflags', 0]], 0);
  const nat = [stat('a'), stat('bb'), stat('ccc'), call('close', [['fd', 3]], 0)];
  const gst = [stat('ccc'), stat('a'), stat('bb'), call('close', [['fd', 3]], 0)];
  const pairs = pairThread(nat, gst);
  assert.equal(pairs.filter((p) => p.a !== null && p.b !== null).length, 4);
  const g = gradeRecords(nat, gst);
  assert.deepEqual(g.map((x) => x.grade).sort(), ['equivalent', 'exact', 'exact', 'exact']);
});

const haveTraces = existsSync(TRACES) && traceFiles(TRACES).length > 0;

test('a wrong errno that stdout does not show is caught by the trace comparison', { skip: !haveTraces && 'no traces recorded' }, async () => {
  // musl-fileio asks for errors on purpose (stat of a dangling symlink, mkdir of an existing
  // directory, ...) and prints only a summary. Alter one expected errno: the program's output and
  // exit status cannot tell (the program runs the same way), the trace comparison must.
  const trace = readTrace(join(TRACES, 'musl-fileio.jsonl'));
  const target = trace.records.find((r): r is CallRecord => r.type === 'call' && r.err === 'ENOENT');
  assert.ok(target, 'musl-fileio has a call failing with ENOENT');
  target.err = 'EACCES';
  const r = await replay(trace, { timeoutMs: 60_000 });
  assert.deepEqual(r.outputs, [], 'stdout, stderr and exit status are the same either way');
  const g = r.graded.find((x) => x.native === target);
  assert.ok(g, 'the altered call is paired with lxrun\'s call');
  assert.equal(g.grade, 'errno');
  const p = judge(r, Skiplist.load(SKIPLIST));
  assert.equal(p.status, 'fail');
  assert.ok(p.divergences.some((d) => d.grade === 'errno' && !d.known && d.native.includes('EACCES') && d.lxrun.includes('ENOENT')));
});

// The oracle is native Linux on this machine, now: where strace can trace, the corpus is recorded
// afresh in the test run (host state such as the link count of "/" differs between machines);
// the committed traces serve machines without strace or ptrace.
function recordFresh(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'lxconform-traces-'));
  const r = spawnSync(join(ROOT, 'bin', 'lxconform'), ['record', '--corpus', '-o', dir], { encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0 && traceFiles(dir).length > 0) return dir;
  console.log(`lxconform: recording natively failed (${(r.stderr || r.error?.message || '').trim().split('\n').slice(-2).join(' / ')}); replaying the committed traces`);
  rmSync(dir, { recursive: true, force: true });
  return null;
}

test('corpus: every divergence from native Linux is a known one (conformance/skiplist.json)', { skip: !haveTraces && 'no traces recorded', timeout: 900_000 }, async (t) => {
  const fresh = spawnSync('strace', ['-V']).status === 0 ? recordFresh() : null;
  console.log(`lxconform: replaying ${fresh ? 'traces recorded natively in this run' : 'the committed traces (conformance/traces)'}`);
  let r;
  try {
    r = await runCorpus(fresh ?? TRACES, Skiplist.load(SKIPLIST), { timeoutMs: 90_000 });
  } finally {
    if (fresh) rmSync(fresh, { recursive: true, force: true });
  }
  const live = r.programs.filter((p) => p.status !== 'stale');
  const stale = r.programs.filter((p) => p.status === 'stale');
  if (stale.length) console.log(`lxconform: ${stale.length} stale traces (re-record with make record-traces): ${stale.map((p) => `${p.id}: ${p.note}`).join('; ')}`);
  console.log(summaryLine(r));
  console.log(coverageLine(r));
  if (stale.length > r.programs.length / 2) {
    t.skip(`${stale.length} of ${r.programs.length} traces were recorded on a machine with other binaries or libraries (make record-traces)`);
    return;
  }
  assert.ok(live.length >= 40, `only ${live.length} programs could be replayed`);
  const failed = r.programs.filter((p) => p.status === 'fail');
  if (failed.length) {
    const lines = failed.map((p) => {
      const d = p.divergences.filter((x) => !x.known).slice(0, 3)
        .map((x) => `    ${x.kind === 'call' ? `${x.grade} ${x.name}${x.where ? ` at ${x.where.slice(0, 3).join(', ')}` : ''}` : x.kind === 'output' ? `${x.name} differs` : 'replay error'}\n      native: ${x.native.slice(0, 300)}\n      lxrun : ${x.lxrun.slice(0, 300)}`);
      return `  ${p.id}: ${p.unexplained} unexplained divergences\n${d.join('\n')}`;
    });
    fail(`lxconform: ${failed.length} programs diverge from their native traces in ways conformance/skiplist.json does not explain ` +
      `(fix lxbrand, or add a skiplist entry with the reason; 'bin/lxconform run --suggest-skips' drafts them):\n${lines.join('\n')}`);
  }
});
