// kernel/mm.ts: Linux's mmap/munmap/mprotect/mremap/madvise/brk rules on a bare address space.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressSpace, PROT_READ, PROT_WRITE, VMA_GROWSDOWN } from '../cpu/memory.js';
import { defaultPool } from '../cpu/frames.js';
import type { Kernel } from '../kernel/kernel.js';
import { Process } from '../kernel/process.js';
import { Errno } from '../kernel/errno.js';
import * as mm from '../kernel/mm.js';

const PG = 4096;
const ANON = 0x20, PRIVATE = 0x02, SHARED = 0x01, FIXED = 0x10, NOREPLACE = 0x100000, MAP_32BIT = 0x40;

function proc(euid = 1000): Process {
  const mem = new AddressSpace(defaultPool());
  mem.mmapBase = 0x7ffff7fff000;
  mem.map(0x7ffffffde000, 0x21000, PROT_READ | PROT_WRITE, VMA_GROWSDOWN, '[stack]');
  mem.brkStart = mem.brk = 0x405000;
  const p = new Process({} as Kernel, 1, mem, true);
  p.euid = euid;
  return p;
}

function errno(fn: () => unknown): number {
  try { fn(); } catch (e) { if (e instanceof Errno) return e.errno; throw e; }
  return 0;
}

test('anonymous mappings go top-down from mmap_base and are zero-filled', () => {
  const p = proc();
  const a = mm.mmap(p, 0, 3 * PG, 3, PRIVATE | ANON, null, 0);
  assert.equal(a, 0x7ffff7fff000 - 3 * PG);
  const b = mm.mmap(p, 0, 100, 3, PRIVATE | ANON, null, 0);
  assert.equal(b, a - PG);
  assert.equal(p.mem.read32(a), 0);
  p.mem.write32(a + 8, 1234);
  assert.equal(p.mem.read32(a + 8), 1234);
});

test('mmap argument checks in Linux order', () => {
  const p = proc();
  assert.equal(errno(() => mm.mmap(p, 0, 0, 3, PRIVATE | ANON, null, 0)), 22);
  assert.equal(errno(() => mm.mmap(p, 0, PG, 3, ANON, null, 0)), 22);               // no map type
  assert.equal(errno(() => mm.mmap(p, 0x10001, PG, 3, PRIVATE | ANON | FIXED, null, 0)), 22);
  assert.equal(errno(() => mm.mmap(p, 0, PG, 3, PRIVATE | ANON, null, 100)), 22);
  assert.equal(errno(() => mm.mmap(p, 0, 2 ** 50, 3, PRIVATE | ANON, null, 0)), 12);
  assert.equal(errno(() => mm.mmap(p, 0x1000, PG, 3, PRIVATE | ANON | FIXED, null, 0)), 1, 'below mmap_min_addr');
  assert.equal(errno(() => mm.mmap(proc(0), 0x1000, PG, 3, PRIVATE | ANON | FIXED, null, 0)), 0, 'root may');
  assert.equal(errno(() => mm.mmap(p, 0x7ffffffff000, PG, 3, PRIVATE | ANON | FIXED, null, 0)), 12);
  assert.equal(errno(() => mm.mmap(p, 0, PG, 3, 0x03 | ANON | 0x4000000 * 2, null, 0)), 95, 'SHARED_VALIDATE with unknown flag');
});

test('hints, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_32BIT', () => {
  const p = proc();
  assert.equal(mm.mmap(p, 0x200000000, PG, 3, PRIVATE | ANON, null, 0), 0x200000000);
  const again = mm.mmap(p, 0x200000000, PG, 3, PRIVATE | ANON, null, 0);
  assert.notEqual(again, 0x200000000);
  assert.equal(mm.mmap(p, 0x300000123, PG, 3, PRIVATE | ANON, null, 0), 0x300000000, 'hint rounded down');
  assert.equal(mm.mmap(p, 0x5000, PG, 3, PRIVATE | ANON, null, 0), 0x10000, 'hint below mmap_min_addr rounds up');
  assert.equal(mm.mmap(p, 0x100, PG, 3, PRIVATE | ANON, null, 0) > 0x100000000, true, 'a hint inside page 0 is no hint');
  assert.equal(errno(() => mm.mmap(p, 0x200000000, PG, 3, PRIVATE | ANON | NOREPLACE, null, 0)), 17);
  assert.equal(errno(() => mm.mmap(p, 0x200000000, PG, 3, PRIVATE | ANON | NOREPLACE | FIXED, null, 0)), 17);
  p.mem.write8(0x200000000, 7);
  assert.equal(mm.mmap(p, 0x200000000, PG, 3, PRIVATE | ANON | FIXED, null, 0), 0x200000000);
  assert.equal(p.mem.read8(0x200000000), 0, 'MAP_FIXED replaced the old page');
  const lo = mm.mmap(p, 0, PG, 3, PRIVATE | ANON | MAP_32BIT, null, 0);
  assert.ok(lo >= 0x40000000 && lo < 0x80000000, lo.toString(16));
  // A hint inside the stack guard gap is not honoured.
  const nearStack = 0x7ffffffde000 - 16 * PG;
  assert.notEqual(mm.mmap(p, nearStack, PG, 3, PRIVATE | ANON, null, 0), nearStack);
});

test('munmap and mprotect', () => {
  const p = proc();
  const a = mm.mmap(p, 0, 3 * PG, 3, PRIVATE | ANON, null, 0);
  assert.equal(errno(() => mm.munmap(p, a + 1, PG)), 22);
  assert.equal(errno(() => mm.munmap(p, a, 0)), 22);
  assert.equal(mm.munmap(p, a + PG, PG), 0);
  assert.equal(mm.munmap(p, a + PG, PG), 0, 'unmapping a hole is fine');
  assert.equal(errno(() => mm.mprotect(p, a, 3 * PG, PROT_READ)), 12, 'hole inside');
  assert.equal(errno(() => mm.mprotect(p, a + 1, PG, PROT_READ)), 22);
  assert.equal(errno(() => mm.mprotect(p, a, PG, 0x10)), 22);
  assert.equal(mm.mprotect(p, a, 0, PROT_READ), 0);
  assert.equal(mm.mprotect(p, a, PG, PROT_READ), 0);
  assert.throws(() => p.mem.write8(a, 1));
  assert.equal(p.mem.read8(a), 0);
});

test('mremap: shrink, grow in place, move, fixed, errors', () => {
  const p = proc();
  const a = mm.mmap(p, 0x200000000, 2 * PG, 3, PRIVATE | ANON, null, 0);
  p.mem.write32(a, 0x11223344);
  p.mem.write32(a + PG, 0x55667788);
  assert.equal(mm.mremap(p, a, 2 * PG, 4 * PG, 0, 0), a, 'grows in place into free space');
  assert.equal(p.mem.read32(a + PG), 0x55667788);
  assert.equal(p.mem.read32(a + 3 * PG), 0);
  mm.mmap(p, a + 4 * PG, PG, 1, PRIVATE | ANON | FIXED, null, 0);        // a blocker
  assert.equal(errno(() => mm.mremap(p, a, 4 * PG, 6 * PG, 0, 0)), 12);
  const b = mm.mremap(p, a, 4 * PG, 6 * PG, 1, 0);
  assert.notEqual(b, a);
  assert.equal(p.mem.read32(b), 0x11223344, 'pages moved with their contents');
  assert.equal(p.mem.read32(b + PG), 0x55667788);
  assert.throws(() => p.mem.read8(a), 'old range unmapped');
  assert.equal(mm.mremap(p, b, 6 * PG, PG, 0, 0), b);
  const c = mm.mremap(p, b, PG, PG, 3, 0x500000000);
  assert.equal(c, 0x500000000);
  assert.equal(p.mem.read32(c), 0x11223344);
  assert.equal(errno(() => mm.mremap(p, c + 1, PG, 2 * PG, 1, 0)), 22);
  assert.equal(errno(() => mm.mremap(p, c, PG, 2 * PG, 0x80, 0)), 22);
  assert.equal(errno(() => mm.mremap(p, c, PG, 2 * PG, 2, 0x600000000)), 22, 'FIXED needs MAYMOVE');
  assert.equal(errno(() => mm.mremap(p, c, PG, 0, 1, 0)), 22);
  assert.equal(errno(() => mm.mremap(p, 0x900000000, PG, 2 * PG, 1, 0)), 14);
  assert.equal(errno(() => mm.mremap(p, c, 3 * PG, 4 * PG, 1, 0)), 14, 'old range beyond the mapping');
});

test('madvise DONTNEED zeroes anonymous private pages only', () => {
  const p = proc();
  const a = mm.mmap(p, 0, 2 * PG, 3, PRIVATE | ANON, null, 0);
  const s = mm.mmap(p, 0, PG, 3, SHARED | ANON, null, 0);
  p.mem.write32(a, 5); p.mem.write32(a + PG, 6); p.mem.write32(s, 7);
  assert.equal(mm.madvise(p, a, PG, 4), 0);
  assert.equal(p.mem.read32(a), 0);
  assert.equal(p.mem.read32(a + PG), 6);
  assert.equal(mm.madvise(p, s, PG, 4), 0);
  assert.equal(p.mem.read32(s), 7, 'shared memory keeps its contents');
  assert.equal(errno(() => mm.madvise(p, a + 1, PG, 4)), 22);
  assert.equal(errno(() => mm.madvise(p, a, PG, 999)), 22);
  mm.munmap(p, a + PG, PG);
  assert.equal(errno(() => mm.madvise(p, a, 2 * PG, 0)), 12);
});

test('brk grows, shrinks, refuses to go below its start or into a mapping', () => {
  const p = proc();
  assert.equal(mm.brk(p, 0), 0x405000);
  assert.equal(mm.brk(p, 0x405000 + 10000), 0x405000 + 10000);
  p.mem.write8(0x405000 + 9999, 1);
  assert.equal(p.mem.findVma(0x405000)!.name, '[heap]');
  assert.equal(mm.brk(p, 0x405000 + 20000), 0x405000 + 20000);
  assert.equal(p.mem.vmas.filter((v) => v.name === '[heap]').length, 1, 'one [heap] VMA');
  assert.equal(mm.brk(p, 0x405000 + 100), 0x405000 + 100);
  assert.throws(() => p.mem.read8(0x405000 + 9999));
  assert.equal(mm.brk(p, 0x1000), 0x405000 + 100);
  mm.mmap(p, 0x500000, PG, 3, PRIVATE | ANON | FIXED, null, 0);
  assert.equal(mm.brk(p, 0x600000), 0x405000 + 100, 'would run into a mapping');
});

test('a fault just below the stack grows it, within RLIMIT_STACK', () => {
  const p = proc();
  const stack = p.mem.findVma(0x7ffffffde000)!;
  assert.equal(mm.expandStack(p, stack.start - 100), true);
  assert.equal(stack.start, 0x7ffffffde000 - PG);
  p.mem.write8(stack.start, 1);
  assert.equal(mm.expandStack(p, 0x7ffffffff000 - 9 * 1024 * 1024), false, 'beyond 8 MiB');
  assert.equal(mm.expandStack(p, 0x100000), false);
});
