// The structure layouts in syscalls/structs.ts against the kernel's uapi headers: a C program prints
// sizeof/offsetof for each structure (gcc for x86-64, gcc -m32 for i386) and every field we encode
// must sit where the compiler puts it. Skipped when the compiler (or 32-bit support) is missing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AbiLayouts, I386_LAYOUTS, Layout, X86_64_LAYOUTS, decode, encode } from '../syscalls/structs.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = join(ROOT, 'test', 'fixtures', 'src', 'sys_structs.c');

function probe(flags: string[]): Map<string, number> | null {
  const dir = mkdtempSync(join(tmpdir(), 'lxbrand-structs-'));
  try {
    const exe = join(dir, 'probe');
    execFileSync('gcc', [...flags, '-o', exe, SRC], { stdio: 'pipe' });
    const out = execFileSync(exe, { encoding: 'utf8' });
    const m = new Map<string, number>();
    for (const line of out.trim().split('\n')) {
      const [name, field, n] = line.split(' ');
      m.set(`${name} ${field}`, Number(n));
    }
    return m;
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function check(layouts: AbiLayouts, measured: Map<string, number>): void {
  let compared = 0;
  for (const [key, value] of measured) {
    const [name, field] = key.split(' ');
    const l = (layouts as unknown as Record<string, AbiLayouts['stat']>)[name];
    assert.ok(l, `no layout named ${name}`);
    if (field === 'sizeof') {
      // linux_dirent-like fixed parts aside, sizes must match exactly
      assert.equal(l.size, value, `sizeof ${name}`);
    } else {
      assert.ok(l.fields[field], `layout ${name} has no field ${field}`);
      assert.equal(l.fields[field][0], value, `offsetof(${name}, ${field})`);
    }
    compared++;
  }
  assert.ok(compared > 50, `only ${compared} values compared`);
}

test('x86-64 layouts match the kernel headers', (t) => {
  const m = probe([]);
  if (!m) { t.skip('gcc not available'); return; }
  check(X86_64_LAYOUTS, m);
});

test('i386 layouts match the kernel headers', (t) => {
  const m = probe(['-m32']);
  if (!m) { t.skip('gcc -m32 not available'); return; }
  check(I386_LAYOUTS, m);
});

test('layouts are internally consistent: fields inside the structure, no overlaps', () => {
  const width = (abi: 'x86_64' | 'i386', t: string): number => {
    const m = /^char\[(\d+)\]$/.exec(t);
    if (m) return Number(m[1]);
    return { u8: 1, u16: 2, u32: 4, i32: 4, u64: 8, i64: 8 }[t as 'u8'] ?? (abi === 'x86_64' ? 8 : 4);
  };
  const all: ['x86_64' | 'i386', AbiLayouts][] = [['x86_64', X86_64_LAYOUTS], ['i386', I386_LAYOUTS]];
  for (const [abi, ls] of all) {
    for (const [key, l] of Object.entries(ls as unknown as Record<string, Layout>)) {
      const spans = Object.entries(l.fields).map(([f, [off, ty]]) => [f, off, off + width(abi, ty)] as const).sort((a, b) => a[1] - b[1]);
      for (let i = 0; i < spans.length; i++) {
        assert.ok(spans[i][2] <= l.size || key === 'dirent64', `${abi} ${key}.${spans[i][0]} ends past the structure`);
        if (i > 0) assert.ok(spans[i][1] >= spans[i - 1][2], `${abi} ${key}: ${spans[i - 1][0]} overlaps ${spans[i][0]}`);
      }
    }
  }
});

test('encode/decode round-trip 64-bit, negative and infinite values', () => {
  const l = X86_64_LAYOUTS.stat;
  const v = { dev: 0x10302, ino: 2 ** 40 + 5, size: 123456789012, atime_sec: -5, atime_nsec: 999999999, mode: 0o100644 };
  const b = encode('x86_64', l, v);
  assert.equal(b.length, 144);
  const d = decode('x86_64', l, b);
  for (const [k, x] of Object.entries(v)) assert.equal(d[k], x, k);
  const r = encode('x86_64', X86_64_LAYOUTS.rlimit64, { rlim_cur: Infinity, rlim_max: 1024 });
  assert.deepEqual([...r.subarray(0, 8)], [255, 255, 255, 255, 255, 255, 255, 255]);
  const u = encode('x86_64', X86_64_LAYOUTS.utsname, { sysname: 'Linux', release: 'x'.repeat(100) });
  assert.equal(String.fromCharCode(...u.subarray(0, 6)), 'Linux\0');
  assert.equal(u[130 + 64], 0, 'over-long strings stay NUL-terminated');
  const s32 = encode('i386', I386_LAYOUTS.stat, { ino: 2 ** 33 + 7, __st_ino: (2 ** 33 + 7) >>> 0 });
  assert.equal(decode('i386', I386_LAYOUTS.stat, s32).ino, 2 ** 33 + 7);
});
