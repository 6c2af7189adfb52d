// Loader tests. Expected values come from outside the loader: `readelf` for parsing, and for
// layout a native run of test/fixtures/src/stackdump.c under `setarch -R` on this machine,
// which prints its initial stack bytes, /proc/self/maps and /proc/self/stat. The loader is then
// given the same file, argv, envp and auxv inputs and must reproduce the stack byte for byte and
// the same mappings, brk and mm fields. This is done for x86-64 builds and for i386 builds
// (gcc -m32: static, static-pie, PIE and non-PIE dynamic through /lib/ld-linux.so.2, an
// executable stack, and no PT_GNU_STACK, i.e. read-implies-exec), which a
// 64-bit kernel with IA-32 emulation runs natively. On a kernel that cannot run i386 programs
// (checked by running the -m32 build) the i386 native comparisons are skipped with that reason;
// the checks of the documented i386 constants at the end of the file run everywhere.
// Inputs taken from the native auxv rather than computed (the kernel's, not the loader's):
// AT_RANDOM's 16 bytes, AT_HWCAP/AT_HWCAP2, AT_MINSIGSTKSZ, AT_RSEQ_*, the ids and AT_SECURE.
// The one masked value is i386's AT_SYSINFO (see requestLike).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, realpathSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { AddressSpace, GuestFault, PROT_READ, PROT_WRITE, PROT_EXEC, Backing } from '../cpu/memory.js';
import { defaultPool } from '../cpu/frames.js';
import {
  parseElf, ElfError, ElfFile, loadProgram, LoadRequest, dynamicStrings, ArgListTooLong,
  ET_DYN, ET_EXEC, PT_NULL, NT_GNU_BUILD_ID, NT_GNU_PROPERTY_TYPE_0,
  AT_PHDR, AT_ENTRY, AT_BASE, AT_RANDOM, AT_HWCAP, AT_HWCAP2, AT_MINSIGSTKSZ, AT_SYSINFO_EHDR,
  AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE, AT_RSEQ_FEATURE_SIZE, AT_RSEQ_ALIGN, AT_PLATFORM,
  AT_EXECFN, AT_PHNUM, AT_PHENT, AT_PAGESZ, AT_NULL, AT_SYSINFO, mapVdso, vdsoSymbol,
} from '../loader/index.js';

const here = dirname(fileURLToPath(import.meta.url));
// dist/test -> repo root
const root = join(here, '..', '..');
const FIXTURE = join(root, 'test', 'fixtures', 'src', 'stackdump.c');

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const tmp = mkdtempSync(join(tmpdir(), 'lxloader-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** Compiles the fixture; returns the binary path, or a reason it could not be built. */
function build(name: string, cc: string, flags: string[]): { path?: string; why?: string } {
  if (!which(cc)) return { why: `${cc} not installed` };
  if (!existsSync(FIXTURE)) return { why: `fixture ${FIXTURE} missing` };
  const out = join(tmp, name);
  const r = spawnSync(cc, [...flags, '-O1', '-o', out, FIXTURE], { encoding: 'utf8' });
  if (r.status !== 0) return { why: `${cc} ${flags.join(' ')} failed: ${r.stderr.split('\n')[0]}` };
  return { path: out };
}

const cache = new Map<string, { path?: string; why?: string }>();
function fixture(name: string, cc: string, flags: string[]) {
  if (!cache.has(name)) cache.set(name, build(name, cc, flags));
  return cache.get(name)!;
}

// ---- readelf as the independent parser -------------------------------------------------------

interface RePhdr { type: string; offset: number; vaddr: number; filesz: number; memsz: number; flags: string }
function readelf(path: string): { type: string; entry: number; phdrs: RePhdr[]; needed: string[]; shnum: number; interp?: string } {
  const l = spawnSync('readelf', ['-lhdW', path], { encoding: 'utf8' }).stdout;
  const type = /Type:\s+(\w+)/.exec(l)![1];
  const entry = Number(/Entry point address:\s+(0x[0-9a-f]+)/.exec(l)![1]);
  const shnum = Number(/Number of section headers:\s+(\d+)/.exec(l)![1]);
  const phdrs: RePhdr[] = [];
  const re = /^\s+([A-Z_]+|LOOS\+0x[0-9a-f]+)\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x[0-9a-f]+ 0x([0-9a-f]+) 0x([0-9a-f]+) ([RWE ]{3})/gm;
  for (let m; (m = re.exec(l));) {
    phdrs.push({ type: m[1], offset: parseInt(m[2], 16), vaddr: parseInt(m[3], 16), filesz: parseInt(m[4], 16), memsz: parseInt(m[5], 16), flags: m[6] });
  }
  const needed = [...l.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  const interp = /Requesting program interpreter: ([^\]]+)\]/.exec(l)?.[1];
  return { type, entry, phdrs, needed, shnum, interp };
}

const PT_NAMES: Record<number, string> = {
  0: 'NULL', 1: 'LOAD', 2: 'DYNAMIC', 3: 'INTERP', 4: 'NOTE', 6: 'PHDR', 7: 'TLS',
  0x6474e550: 'GNU_EH_FRAME', 0x6474e551: 'GNU_STACK', 0x6474e552: 'GNU_RELRO', 0x6474e553: 'GNU_PROPERTY',
};
const flagStr = (f: number) => (f & 4 ? 'R' : ' ') + (f & 2 ? 'W' : ' ') + (f & 1 ? 'E' : ' ');

function checkAgainstReadelf(path: string): ElfFile {
  const elf = parseElf(readFileSync(path));
  const re = readelf(path);
  assert.equal(elf.header.type === ET_DYN ? 'DYN' : elf.header.type === ET_EXEC ? 'EXEC' : '?', re.type);
  assert.equal(elf.header.entry, re.entry);
  assert.equal(elf.phdrs.length, re.phdrs.length, 'program header count');
  elf.phdrs.forEach((ph, i) => {
    const r = re.phdrs[i];
    if (PT_NAMES[ph.type]) assert.equal(PT_NAMES[ph.type], r.type, `phdr ${i} type`);
    assert.deepEqual([ph.offset, ph.vaddr, ph.filesz, ph.memsz, flagStr(ph.flags)],
      [r.offset, r.vaddr, r.filesz, r.memsz, r.flags], `phdr ${i}`);
  });
  assert.equal(elf.interp, re.interp);
  assert.deepEqual(dynamicStrings(elf).needed, re.needed);
  assert.equal(elf.sections.length, re.shnum);
  return elf;
}

test('parses /bin/ls like readelf does', { skip: !which('readelf') && 'readelf not installed' }, () => {
  const elf = checkAgainstReadelf(realpathSync('/bin/ls'));
  assert.equal(elf.is64, true);
  assert.ok(elf.gnuStack && elf.dynamic.length > 0 && elf.notes.some((n) => n.name === 'GNU'));
  assert.ok(elf.sections.some((s) => s.name === '.text'));
  assert.deepEqual(elf.warnings, []);
  // Notes, including the 8-byte-aligned GNU property note, against readelf -n.
  const n = spawnSync('readelf', ['-nW', realpathSync('/bin/ls')], { encoding: 'utf8' }).stdout;
  const id = /Build ID: ([0-9a-f]+)/.exec(n)![1];
  const note = elf.notes.find((x) => x.type === NT_GNU_BUILD_ID)!;
  assert.equal(Buffer.from(note.desc).toString('hex'), id);
  const prop = elf.notes.find((x) => x.type === NT_GNU_PROPERTY_TYPE_0);
  const propSize = /GNU\s+0x([0-9a-f]+)\s+NT_GNU_PROPERTY_TYPE_0/.exec(n);
  if (propSize) assert.equal(prop?.desc.length, parseInt(propSize[1], 16));
});

const PARSE_BUILDS: [string, string, string[]][] = [
  ['musl_static', 'musl-gcc', ['-static', '-no-pie']],
  ['glibc_spie', 'gcc', ['-static-pie']],
  ['g32_static', 'gcc', ['-m32', '-static']],
  ['g32_pie', 'gcc', ['-m32', '-pie']],
];
for (const [name, cc, flags] of PARSE_BUILDS) {
  test(`parses a ${cc} ${flags.join(' ')} build like readelf does`, (t) => {
    if (!which('readelf')) return t.skip('readelf not installed');
    const f = fixture(name, cc, flags);
    if (!f.path) return t.skip(f.why);
    const elf = checkAgainstReadelf(f.path);
    assert.equal(elf.is64, !flags.includes('-m32'));
    assert.equal(elf.header.phentsize, elf.is64 ? 56 : 32);
  });
}

// ---- malformed input --------------------------------------------------------------------------

function lsBytes(): Uint8Array { return new Uint8Array(readFileSync('/bin/ls')); }
function throwsElf(bytes: Uint8Array, re: RegExp): void {
  assert.throws(() => parseElf(bytes), (e: unknown) => {
    assert.ok(e instanceof ElfError, `expected ElfError, got ${e}`);
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

test('malformed and foreign files give one-line ElfErrors', () => {
  const ls = lsBytes();
  const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  throwsElf(new TextEncoder().encode('#!/bin/sh\necho hi\n'), /^not an ELF file$/);
  throwsElf(new Uint8Array(0), /^not an ELF file$/);
  throwsElf(ls.slice(0, 40), /^truncated ELF file/);
  throwsElf(ls.slice(0, 100), /^truncated ELF file \(program headers extend past end of file\)$/);
  // Cut inside the loadable segments: a PT_LOAD now reaches past the end.
  throwsElf(ls.slice(0, ls.length >> 1), /^truncated ELF file \(PT_LOAD segment \d+ extends past end of file\)$/);

  const arm = ls.slice(); dv(arm).setUint16(18, 183, true);
  throwsElf(arm, /^ELF for machine AArch64 \(183\); lxrun runs x86-64 and i386 binaries$/);
  const be = ls.slice(); be[5] = 2;
  throwsElf(be, /^big-endian ELF is not supported$/);
  const mixed = ls.slice(); dv(mixed).setUint16(18, 3, true);
  throwsElf(mixed, /ELFCLASS64 must be x86-64/);
  const cls = ls.slice(); cls[4] = 7;
  throwsElf(cls, /invalid class 7/);
  const rel = ls.slice(); dv(rel).setUint16(16, 1, true);
  throwsElf(rel, /^not an executable \(ET_REL\)$/);
  const core = ls.slice(); dv(core).setUint16(16, 4, true);
  throwsElf(core, /^not an executable \(ET_CORE/);
  const phent = ls.slice(); dv(phent).setUint16(54, 32, true);
  throwsElf(phent, /bad program header entry size 32/);
  // A PT_LOAD whose file size exceeds its memory size.
  const e = parseElf(ls); const load = e.loads[0];
  const bad = ls.slice(); dv(bad).setBigUint64(e.header.phoff + load.index * 56 + 40, BigInt(load.filesz - 1), true);
  throwsElf(bad, /file size larger than memory size/);
  // An unterminated interpreter path.
  const ip = e.interpHeader!; const noNul = ls.slice(); noNul[ip.offset + ip.filesz - 1] = 0x41;
  throwsElf(noNul, /bad PT_INTERP/);
});

test('section headers are optional; a bad section table is only a warning', () => {
  const ls = lsBytes();
  const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const none = ls.slice(); dv(none).setBigUint64(40, 0n, true); dv(none).setUint16(60, 0, true); dv(none).setUint16(62, 0, true);
  const a = parseElf(none);
  assert.equal(a.sections.length, 0);
  assert.deepEqual(a.warnings, []);
  assert.equal(a.loads.length, parseElf(ls).loads.length);
  const past = ls.slice(); dv(past).setBigUint64(40, BigInt(ls.length + 4096), true);
  const b = parseElf(past);
  assert.equal(b.sections.length, 0);
  assert.match(b.warnings.join(), /section headers ignored/);
});

test('the relocatable object gcc -c makes is refused as ET_REL', { skip: !which('gcc') && 'gcc not installed' }, () => {
  const o = join(tmp, 'x.o');
  assert.equal(spawnSync('gcc', ['-c', '-o', o, FIXTURE]).status, 0);
  throwsElf(new Uint8Array(readFileSync(o)), /^not an executable \(ET_REL\)$/);
});

// ---- native oracle ----------------------------------------------------------------------------

interface MapLine { start: number; end: number; perms: string; offset: number; path: string }
interface Native { sp: number; stack: Uint8Array; maps: MapLine[]; stat: Record<number, number> }

const ARGS = ['x', 'yy', ''];
const ENV: Record<string, string> = { A: '1', BB: '22', LONG: 'z'.repeat(300) };

function runNative(path: string, pre = ''): Native | string {
  const setarch = which('setarch');
  if (!setarch) return 'setarch not installed';
  const r = pre
    ? spawnSync('/bin/sh', ['-c', `${pre}; exec ${setarch} -R "$0" "$@"`, path, ...ARGS], { encoding: 'utf8', env: ENV })
    : spawnSync(setarch, ['-R', path, ...ARGS], { encoding: 'utf8', env: ENV });
  if (r.status !== 0) return `native run failed (${r.status}): ${r.stderr.trim()}`;
  const out: Native = { sp: 0, stack: new Uint8Array(0), maps: [], stat: {} };
  for (const line of r.stdout.split('\n')) {
    const [key, ...rest] = line.split(' ');
    const val = rest.join(' ');
    if (key === 'sp') out.sp = parseInt(val, 16);
    else if (key === 'stack') out.stack = Uint8Array.from(val.match(/../g) ?? [], (h) => parseInt(h, 16));
    else if (key === 'stat') for (const kv of rest) { const [k, v] = kv.split('='); out.stat[+k] = Number(v); }
    else if (key === 'map') {
      const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) \S+ \d+\s*(.*)$/.exec(val)!;
      out.maps.push({ start: parseInt(m[1], 16), end: parseInt(m[2], 16), perms: m[3], offset: parseInt(m[4], 16), path: m[5] });
    }
  }
  return out;
}

/** The auxv pairs a native stack dump holds (after argc, argv, NULL, envp, NULL). */
function nativeAuxv(n: Native, W: 4 | 8): Map<number, number> {
  const dv = new DataView(n.stack.buffer);
  const word = (i: number) => (W === 8 ? Number(dv.getBigUint64(i * 8, true)) : dv.getUint32(i * 4, true));
  let i = 1 + word(0) + 1;
  while (word(i) !== 0) i++;
  i++;
  const aux = new Map<number, number>();
  for (; ; i += 2) { aux.set(word(i), word(i + 1)); if (word(i) === 0) break; }
  return aux;
}

const memOf = (): AddressSpace => new AddressSpace(defaultPool());

/** What the real vDSO mapper returned, before requestLike's AT_SYSINFO mask. */
interface VdsoSeen { base?: number; sysinfo?: number }

/** A LoadRequest using the inputs the native kernel had (taken from its auxv). */
function requestLike(n: Native, mem: AddressSpace, path: string, interp?: string, seen: VdsoSeen = {}): LoadRequest {
  const bytes = new Uint8Array(readFileSync(path));
  const W = bytes[4] === 2 ? 8 : 4;                  // EI_CLASS: ELFCLASS64 or ELFCLASS32
  const aux = nativeAuxv(n, W);
  const randOff = aux.get(AT_RANDOM)! - n.sp;
  return {
    // The real vDSO mapper, as kernel/exec.ts passes it. The stack is compared byte for byte with
    // the native one, so AT_SYSINFO_EHDR must land where Linux put its vDSO: that checks the hook
    // runs when Linux maps the vDSO (after the program and interpreter) and that [vvar],
    // [vvar_vclock] and [vdso] have Linux's sizes (the layout test compares those lines too).
    setupVdso: (m, mode64) => {
      const v = mapVdso(m, mode64);
      seen.base = v.base; seen.sysinfo = v.sysinfo;
      if (mode64) return v;
      // Mask: i386's AT_SYSINFO is __kernel_vsyscall inside the vDSO image, and our image
      // (loader/vdso.ts, checked against this machine's by test/vdso.test.ts) is laid out by us,
      // not byte-identical to Linux's, so the entry's offset differs (Linux 6.x: 0x5e0, ours 0x560).
      // The stack gets Linux's offset from our base; the layout test checks separately that the
      // real value points at our __kernel_vsyscall inside our [vdso].
      return { base: v.base, sysinfo: v.base + (aux.get(AT_SYSINFO)! - aux.get(AT_SYSINFO_EHDR)!) };
    },
    mem, exe: { bytes, path },
    interp: interp ? { bytes: new Uint8Array(readFileSync(interp)), path: realpathSync(interp) } : undefined,
    argv: [path, ...ARGS], envp: Object.entries(ENV).map(([k, v]) => `${k}=${v}`), execfn: path,
    random16: n.stack.slice(randOff, randOff + 16),
    uid: aux.get(AT_UID)!, euid: aux.get(AT_EUID)!, gid: aux.get(AT_GID)!, egid: aux.get(AT_EGID)!,
    secure: aux.get(AT_SECURE) !== 0, hwcap: aux.get(AT_HWCAP)!, hwcap2: aux.get(AT_HWCAP2)!,
    minsigstksz: aux.get(AT_MINSIGSTKSZ),
    rseqFeatureSize: aux.get(AT_RSEQ_FEATURE_SIZE), rseqAlign: aux.get(AT_RSEQ_ALIGN),
  };
}

const permStr = (prot: number) => (prot & PROT_READ ? 'r' : '-') + (prot & PROT_WRITE ? 'w' : '-') + (prot & PROT_EXEC ? 'x' : '-');

/** Merges neighbours the way the kernel's VMA merging would (same name, perms, contiguous offset). */
function merged(list: MapLine[]): MapLine[] {
  const out: MapLine[] = [];
  for (const m of list) {
    const p = out[out.length - 1];
    if (p && p.end === m.start && p.path === m.path && p.perms === m.perms && (m.path === '' || p.offset + (p.end - p.start) === m.offset)) {
      p.end = m.end;
    } else out.push({ ...m });
  }
  return out;
}

/**
 * What libc does right after start-up to the loaded images: mprotect the PT_GNU_RELRO pages
 * PROT_READ. Under READ_IMPLIES_EXEC (an i386 program without PT_GNU_STACK) Linux's mprotect
 * adds PROT_EXEC to a readable protection (mm/mprotect.c), so the pages end up r-x.
 */
function applyRelro(mem: AddressSpace, elf: ElfFile | undefined, bias: number, readImpliesExec = false): void {
  if (!elf?.relro) return;
  const s = Math.floor((bias + elf.relro.vaddr) / 4096) * 4096;
  const e = Math.floor((bias + elf.relro.vaddr + elf.relro.memsz) / 4096) * 4096;
  if (e > s) mem.protect(s, e - s, PROT_READ | (readImpliesExec ? PROT_EXEC : 0));
}

function ourMaps(mem: AddressSpace): MapLine[] {
  return mem.vmas.map((v) => ({ start: v.start, end: v.end, perms: permStr(v.prot) + 'p', offset: v.backing || v.name.startsWith('/') ? v.offset : 0, path: v.name }));
}

const NATIVE: [string, string, string[], boolean][] = [
  // name, compiler, flags, dynamic (needs the interpreter)
  ['musl_static', 'musl-gcc', ['-static', '-no-pie'], false],
  ['glibc_static', 'gcc', ['-static', '-no-pie'], false],
  ['glibc_spie', 'gcc', ['-static-pie'], false],
  ['glibc_pie', 'gcc', ['-pie'], true],
  ['glibc_nopie', 'gcc', ['-no-pie'], true],
  ['musl_xstack', 'musl-gcc', ['-static', '-no-pie', '-z', 'execstack'], false],
  // i386 (gcc -m32, glibc; the dynamic ones through /lib/ld-linux.so.2, Debian's libc6-i386)
  ['g32_static', 'gcc', ['-m32', '-static'], false],
  ['g32_spie', 'gcc', ['-m32', '-static-pie'], false],
  ['g32_pie', 'gcc', ['-m32', '-pie'], true],
  ['g32_nopie', 'gcc', ['-m32', '-no-pie'], true],
  ['g32_xstack', 'gcc', ['-m32', '-static', '-z', 'execstack'], false],
  // No PT_GNU_STACK (the header patched to PT_NULL): an i386 program then gets READ_IMPLIES_EXEC.
  ['g32_nognustack', 'gcc', ['-m32', '-static'], false],
];

/** A copy of a built fixture with its PT_GNU_STACK header turned into PT_NULL. */
function withoutGnuStack(src: string, name: string): string {
  const bytes = new Uint8Array(readFileSync(src));
  const elf = parseElf(bytes);
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(elf.header.phoff + elf.gnuStack!.index * elf.header.phentsize, PT_NULL, true);
  const out = join(tmp, name);
  writeFileSync(out, bytes, { mode: 0o755 });
  return out;
}

let i386Why: string | undefined | null = null;
/**
 * Why the native i386 comparison cannot run here, or undefined when it can: the -m32 static
 * build of the fixture is run once natively (a kernel without IA-32 emulation refuses it with
 * ENOEXEC).
 */
function noNativeI386(): string | undefined {
  if (i386Why !== null) return i386Why;
  const f = fixture('g32_static', 'gcc', ['-m32', '-static']);
  if (!f.path) return (i386Why = f.why);
  const r = spawnSync(f.path, [], { encoding: 'utf8', timeout: 10_000 });
  i386Why = r.status === 0 && r.stdout.includes('\nsp ')
    ? undefined
    : `this kernel does not run i386 programs (IA-32 emulation off?): ${r.error?.message ?? `exit ${r.status}`}`;
  return i386Why;
}

/** The build to compare natively, or a reason to skip (not buildable; for -m32, no native i386). */
function nativeFixture(name: string, cc: string, flags: string[]): { path?: string; why?: string } {
  const f = fixture(name.replace(/_nognustack$/, '_static'), cc, flags);
  if (!f.path || !flags.includes('-m32')) return f;
  const why = noNativeI386();
  if (why) return { why };
  return name.endsWith('_nognustack') ? { path: withoutGnuStack(f.path, name) } : f;
}

/** The PT_INTERP path when that file exists here (a dynamic build needs it loaded too). */
function interpOf(exe: ElfFile): string | undefined {
  return exe.interp !== undefined && existsSync(exe.interp) ? exe.interp : undefined;
}

for (const [name, cc, flags, dynamic] of NATIVE) {
  // glibc (its ld.so, or static start-up code) mprotects PT_GNU_RELRO; a static musl program does not.
  const libcRelro = cc === 'gcc';
  test(`layout matches a native setarch -R run: ${name}`, (t) => {
    const f = nativeFixture(name, cc, flags);
    if (!f.path) return t.skip(f.why);
    const exe = parseElf(new Uint8Array(readFileSync(f.path)));
    if (dynamic && !interpOf(exe)) return t.skip(`interpreter ${exe.interp} not installed`);
    const n = runNative(f.path);
    if (typeof n === 'string') return t.skip(n);
    const mem = memOf();
    const vdso: VdsoSeen = {};
    try {
      const res = loadProgram(requestLike(n, mem, f.path, dynamic ? exe.interp : undefined, vdso));
      assert.equal(res.mode64, exe.is64);
      assert.equal(res.readImpliesExec, !exe.is64 && !exe.gnuStack);

      // The initial stack, byte for byte from sp to the top of the [stack] mapping.
      assert.equal(res.sp.toString(16), n.sp.toString(16), 'sp');
      const ours = mem.readBytes(res.sp, res.stackTop - res.sp);
      assert.equal(ours.length, n.stack.length, 'stack extent');
      const diff = ours.findIndex((b, i) => b !== n.stack[i]);
      assert.equal(diff, -1, `first differing stack byte at sp+${diff.toString(16)}`);
      const stackLine = n.maps.find((m) => m.path === '[stack]')!;
      assert.deepEqual([res.stackStart, res.stackTop], [stackLine.start, stackLine.end], '[stack] range');
      assert.equal(permStr(mem.findVma(res.sp)!.prot) + 'p', stackLine.perms, '[stack] permissions');

      // brk and the mm fields /proc/self/stat reports.
      assert.equal(res.brkStart, n.stat[47], 'start_brk');
      assert.equal(mem.brkStart, n.stat[47]);
      assert.deepEqual(
        [res.mm.startCode, res.mm.endCode, res.mm.startStack, res.mm.startData, res.mm.endData,
          res.mm.argStart, res.mm.argEnd, res.mm.envStart, res.mm.envEnd],
        [26, 27, 28, 45, 46, 48, 49, 50, 51].map((k) => n.stat[k]), 'mm fields (stat 26-28, 45-51)');

      // File mappings of the program and its interpreter, after the RELRO mprotect libc does.
      if (libcRelro) {
        applyRelro(mem, res.exeElf, res.loadBias, res.readImpliesExec);
        applyRelro(mem, res.interpElf, res.interpBase, res.readImpliesExec);
      }
      const files = [f.path, ...(dynamic ? [realpathSync(exe.interp!)] : [])];
      for (const file of files) {
        const want = merged(n.maps.filter((m) => m.path === file));
        const got = merged(ourMaps(mem).filter((m) => m.path === file));
        assert.deepEqual(got, want, `mappings of ${file}`);
      }
      // Anonymous bss pages right after file segments are where Linux has them too.
      for (const v of ourMaps(mem).filter((m) => m.path === '')) {
        const nat: MapLine | undefined = n.maps.find((m) => m.start === v.start);
        assert.ok(nat, `no native mapping at bss ${v.start.toString(16)}`);
        assert.deepEqual([nat.end, nat.perms, nat.path], [v.end, v.perms, ''], `bss at ${v.start.toString(16)}`);
      }
      if (dynamic) {
        const ld = n.maps.find((m) => m.path === realpathSync(exe.interp!))!;
        assert.equal(res.interpBase, ld.start, 'AT_BASE');
      }
      // The vDSO and its data pages: same addresses, sizes and permissions as Linux's.
      const special = (l: MapLine[]) => l.filter((m) => /^\[(vvar|vvar_vclock|vdso)\]$/.test(m.path));
      assert.equal(special(n.maps).length, 3, 'native [vvar], [vvar_vclock], [vdso]');
      assert.deepEqual(special(ourMaps(mem)), special(n.maps), '[vvar], [vvar_vclock], [vdso]');
      assert.equal(res.auxv.find(([k]) => k === AT_SYSINFO_EHDR)![1], special(n.maps)[2].start, 'AT_SYSINFO_EHDR');
      if (!exe.is64) {
        // What the AT_SYSINFO mask in requestLike stood in for: the mapper's own value is our
        // image's __kernel_vsyscall, inside [vdso]; Linux's value is inside its [vdso] too.
        const vd = special(n.maps)[2];
        assert.equal(vdso.sysinfo, vd.start + vdsoSymbol(false, '__kernel_vsyscall')!, 'our AT_SYSINFO is __kernel_vsyscall');
        const nat = nativeAuxv(n, 4).get(AT_SYSINFO)!;
        assert.ok(nat > vd.start && nat < vd.end, 'native AT_SYSINFO inside [vdso]');
        assert.deepEqual(res.auxv.slice(0, 2).map(([k]) => k), [AT_SYSINFO, AT_SYSINFO_EHDR], 'AT_SYSINFO comes first');
      }
    } finally {
      mem.destroy();
    }
  });
}

const ULIMIT_BUILDS: [string, string[]][] = [['glibc_pie', ['-pie']], ['g32_pie', ['-m32', '-pie']]];
for (const [name, flags] of ULIMIT_BUILDS) {
  for (const [ulimit, stackLimit] of [['1048576', 1024 ** 3], ['unlimited', Infinity]] as const) {
    test(`mmap base and stack follow RLIMIT_STACK like Linux (ulimit -s ${ulimit}, ${name})`, (t) => {
      const f = nativeFixture(name, 'gcc', flags);
      if (!f.path) return t.skip(f.why);
      const exe = parseElf(new Uint8Array(readFileSync(f.path)));
      if (!interpOf(exe)) return t.skip(`interpreter ${exe.interp} not installed`);
      const n = runNative(f.path, `ulimit -s ${ulimit}`);
      if (typeof n === 'string') return t.skip(n);
      const mem = memOf();
      try {
        const res = loadProgram({ ...requestLike(n, mem, f.path, exe.interp), stackLimit });
        const ld = n.maps.find((m) => m.path === realpathSync(exe.interp!))!;
        assert.equal(res.interpBase.toString(16), ld.start.toString(16), 'interpreter below the mmap base');
        const st = n.maps.find((m) => m.path === '[stack]')!;
        assert.deepEqual([res.stackStart, res.stackTop], [st.start, st.end]);
      } finally {
        mem.destroy();
      }
    });
  }
}

// ---- memory semantics -------------------------------------------------------------------------

/** A Backing over bytes, standing in for the kernel's open file. */
class BytesBacking implements Backing {
  reads = 0;
  constructor(private bytes: Uint8Array, readonly path: string) {}
  readInto(offset: number, dst: Uint8Array, dstOff: number, len: number): number {
    this.reads++;
    const n = Math.max(0, Math.min(len, this.bytes.length - offset));
    dst.set(this.bytes.subarray(offset, offset + n), dstOff);
    return n;
  }
}

function baseReq(mem: AddressSpace, bytes: Uint8Array, path: string): LoadRequest {
  return {
    mem, exe: { bytes, path }, argv: ['prog', 'a'], envp: ['E=1'], execfn: '/bin/prog',
    random16: Uint8Array.from({ length: 16 }, (_, i) => i + 1),
    uid: 1000, euid: 1001, gid: 100, egid: 101, secure: false, hwcap: 0x178bfbff, hwcap2: 2,
  };
}

for (const withBacking of [false, true]) {
  test(`segments: permissions, zeroed bss, brk (${withBacking ? 'file-backed' : 'copied'})`, (t) => {
    const f = fixture('musl_static', 'musl-gcc', ['-static', '-no-pie']);
    if (!f.path) return t.skip(f.why);
    const bytes = new Uint8Array(readFileSync(f.path));
    const elf = parseElf(bytes);
    const mem = memOf();
    try {
      const req = baseReq(mem, bytes, f.path);
      const backing = new BytesBacking(bytes, f.path);
      if (withBacking) req.exe.backing = backing;
      const res = loadProgram(req);
      assert.equal(res.mode64, true);
      assert.equal(mem.limit, 2 ** 47);
      for (const ph of elf.loads) {
        const a = ph.vaddr;
        // Contents: the file bytes of the segment.
        assert.deepEqual(mem.readBytes(a, Math.min(ph.filesz, 256)), bytes.subarray(ph.offset, ph.offset + Math.min(ph.filesz, 256)));
        const vma = mem.findVma(a)!;
        assert.equal(vma.name, f.path);
        assert.equal(vma.prot, (ph.flags & 4 ? PROT_READ : 0) | (ph.flags & 2 ? PROT_WRITE : 0) | (ph.flags & 1 ? PROT_EXEC : 0));
        if (withBacking) { assert.equal(vma.backing, backing); assert.equal(vma.offset, ph.offset - (a % 4096)); }
        if (!(ph.flags & 2)) {
          assert.throws(() => mem.write8(a, 0), (e: unknown) => e instanceof GuestFault && e.write && !e.maperr);
        } else {
          mem.write8(a, mem.read8(a));
        }
        if (ph.memsz > ph.filesz) {
          // bss, including the tail of the last file page, reads as zero though the file has
          // other bytes there.
          const zs = a + ph.filesz, ze = a + ph.memsz;
          const pageEnd = Math.ceil(zs / 4096) * 4096;
          const fileTail = bytes.subarray(ph.offset + ph.filesz, ph.offset + ph.filesz + (pageEnd - zs));
          assert.ok(fileTail.some((b) => b !== 0), 'fixture precondition: file bytes follow the data segment');
          assert.ok(mem.readBytes(zs, ze - zs).every((b) => b === 0), 'bss is zero');
          const bss = mem.findVma(pageEnd)!;
          if (ze > pageEnd) assert.deepEqual([bss.name, bss.prot, bss.end], ['', PROT_READ | PROT_WRITE, Math.ceil(ze / 4096) * 4096]);
        }
      }
      const end = Math.max(...elf.loads.map((p) => p.vaddr + p.memsz));
      assert.equal(res.brkStart, Math.ceil(end / 4096) * 4096);
      assert.equal(mem.brk, res.brkStart);
      assert.equal(mem.findVma(res.brkStart), undefined, 'no heap VMA until brk grows');
      if (withBacking) assert.ok(backing.reads > 0);
    } finally {
      mem.destroy();
    }
  });
}

test('stack layout: argc/argv/envp/auxv words, AT_PHDR contents, AT_ENTRY', (t) => {
  const f = fixture('glibc_spie', 'gcc', ['-static-pie']);
  if (!f.path) return t.skip(f.why);
  const bytes = new Uint8Array(readFileSync(f.path));
  const mem = memOf();
  try {
    const req = baseReq(mem, bytes, f.path);
    req.vdsoBase = 0x7ffff7fc8000; req.minsigstksz = 3376;
    const res = loadProgram(req);
    const sp = res.sp;
    assert.equal(sp % 16, 0);
    const q = (a: number) => { const lo = mem.read32(a) >>> 0; return (mem.read32(a + 4) >>> 0) * 2 ** 32 + lo; };
    const str = (a: number) => new TextDecoder().decode(mem.readCString(q(a)));
    assert.equal(q(sp), 2);
    assert.equal(str(sp + 8), 'prog');
    assert.equal(str(sp + 16), 'a');
    assert.equal(q(sp + 24), 0);
    assert.equal(str(sp + 32), 'E=1');
    assert.equal(q(sp + 40), 0);
    const aux: [number, number][] = [];
    for (let a = sp + 48; ; a += 16) { aux.push([q(a), q(a + 8)]); if (q(a) === AT_NULL) break; }
    assert.deepEqual(aux, res.auxv);
    assert.deepEqual(aux.map(([k]) => k), [33, 51, 16, 6, 17, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 23, 25, 26, 31, 15, 0]);
    const get = (k: number) => aux.find(([t]) => t === k)![1];
    assert.equal(get(AT_ENTRY), res.exeEntry);
    assert.equal(get(AT_ENTRY), res.exeElf.header.entry + res.loadBias);
    assert.equal(get(AT_BASE), 0);
    assert.equal(res.entry, res.exeEntry);
    assert.equal(get(AT_PAGESZ), 4096);
    assert.equal(get(AT_PHENT), 56);
    // AT_PHDR points at a copy of the program headers in memory.
    const phnum = get(AT_PHNUM);
    assert.deepEqual(mem.readBytes(get(AT_PHDR), phnum * 56), bytes.subarray(res.exeElf.header.phoff, res.exeElf.header.phoff + phnum * 56));
    assert.equal(mem.read32(get(AT_PHDR)) >>> 0, res.exeElf.phdrs[0].type);
    assert.deepEqual(mem.readBytes(get(AT_RANDOM), 16), req.random16);
    assert.equal(new TextDecoder().decode(mem.readCString(get(AT_PLATFORM))), 'x86_64');
    assert.equal(new TextDecoder().decode(mem.readCString(get(AT_EXECFN))), '/bin/prog');
    assert.deepEqual([get(AT_UID), get(AT_EUID), get(AT_GID), get(AT_EGID)], [1000, 1001, 100, 101]);
    assert.equal(res.tls?.memsz, res.exeElf.tls?.memsz);
    assert.ok(res.tls);
    // Stack VMA flags.
    const v = mem.findVma(sp)!;
    assert.equal(v.name, '[stack]');
    assert.equal(v.flags, 2 | 4);
    assert.equal(v.end, 0x7ffffffff000);
  } finally {
    mem.destroy();
  }
});

test('empty argv gets one "" (Linux 5.18+); E2BIG; missing interpreter', (t) => {
  const path = fixture('musl_static', 'musl-gcc', ['-static', '-no-pie']).path;
  if (!path) return t.skip('musl-gcc build unavailable');
  const bytes = new Uint8Array(readFileSync(path));
  let mem = memOf();
  try {
    const res = loadProgram({ ...baseReq(mem, bytes, path), argv: [] });
    assert.equal(mem.read32(res.sp), 1);
    const argv0 = (mem.read32(res.sp + 8) >>> 0) + (mem.read32(res.sp + 12) >>> 0) * 2 ** 32;
    assert.equal(mem.read8(argv0), 0);
    assert.equal(res.mm.argStart, argv0);
    assert.equal(res.mm.argEnd, argv0 + 1);
  } finally { mem.destroy(); }
  mem = memOf();
  try {
    assert.throws(() => loadProgram({ ...baseReq(mem, bytes, path), argv: ['x'.repeat(200000)] }), ArgListTooLong);
    assert.equal(mem.vmas.length, 0, 'nothing mapped on E2BIG');
    const many = Array.from({ length: 40 }, () => 'y'.repeat(100000));
    assert.throws(() => loadProgram({ ...baseReq(mem, bytes, path), envp: many }), ArgListTooLong);
  } finally { mem.destroy(); }
  const pie = fixture('glibc_pie', 'gcc', ['-pie']).path;
  if (pie) {
    mem = memOf();
    try {
      assert.throws(() => loadProgram(baseReq(mem, new Uint8Array(readFileSync(pie)), pie)),
        /^ElfError: program interpreter \/lib64\/ld-linux-x86-64.so.2 was not supplied$/);
    } finally { mem.destroy(); }
  }
});

// ---- i386: the documented constants (run with or without a native i386 oracle) ---------------
// The native comparison of i386 layouts is in the layout tests above (g32_*); these checks use
// fixed inputs and also run where the kernel cannot execute i386 programs.

test('i386 static: 4-byte stack words, top 0xffffe000, 2^32 limit, i686 platform', (t) => {
  const f = fixture('g32_static', 'gcc', ['-m32', '-static']);
  if (!f.path) return t.skip(f.why);
  const bytes = new Uint8Array(readFileSync(f.path));
  const mem = memOf();
  try {
    const req = { ...baseReq(mem, bytes, f.path), vdsoBase: 0xf7fc1000, sysinfo: 0xf7fc1580, minsigstksz: 2048 };
    const res = loadProgram(req);
    assert.equal(res.mode64, false);
    assert.equal(mem.limit, 2 ** 32);
    assert.equal(mem.mmapBase, 0xf7ffe000);
    assert.equal(res.stackTop, 0xffffe000);
    assert.equal(res.stackStart, 0xfffdd000, '128 KiB + the argument page, as DESIGN.md notes');
    const sp = res.sp;
    assert.equal(sp % 16, 0);
    const w = (a: number) => mem.read32(a) >>> 0;
    assert.equal(w(sp), 2);
    assert.equal(new TextDecoder().decode(mem.readCString(w(sp + 4))), 'prog');
    assert.equal(w(sp + 12), 0);
    assert.equal(new TextDecoder().decode(mem.readCString(w(sp + 16))), 'E=1');
    assert.equal(w(sp + 20), 0);
    const aux: [number, number][] = [];
    for (let a = sp + 24; ; a += 8) { aux.push([w(a), w(a + 4)]); if (w(a) === 0) break; }
    assert.deepEqual(aux, res.auxv);
    assert.deepEqual(aux.slice(0, 3), [[AT_SYSINFO, 0xf7fc1580], [AT_SYSINFO_EHDR, 0xf7fc1000], [AT_MINSIGSTKSZ, 2048]]);
    const get = (k: number) => aux.find(([t]) => t === k)![1];
    assert.equal(get(AT_PHENT), 32);
    assert.equal(new TextDecoder().decode(mem.readCString(get(AT_PLATFORM))), 'i686');
    // The execfn string ends 8 bytes below the top, as for 64-bit tasks (the kernel's pointer size).
    const execfn = get(AT_EXECFN);
    assert.equal(execfn + '/bin/prog'.length + 1, 0xffffe000 - 8);
    const re = readelf(f.path);
    assert.equal(res.entry, re.entry);
    assert.deepEqual(mem.readBytes(get(AT_PHDR), 32), bytes.subarray(res.exeElf.header.phoff, res.exeElf.header.phoff + 32));
    const end = Math.max(...re.phdrs.filter((p) => p.type === 'LOAD').map((p) => p.vaddr + p.memsz));
    assert.equal(res.brkStart, Math.ceil(end / 4096) * 4096);
    assert.equal(res.readImpliesExec, false);
  } finally { mem.destroy(); }
});

test('i386 PIE: base 0x56555000, ld.so at the top of the mmap area below 0xf7ffe000', (t) => {
  const f = fixture('g32_pie', 'gcc', ['-m32', '-pie']);
  if (!f.path) return t.skip(f.why);
  if (!existsSync('/lib/ld-linux.so.2')) return t.skip('no i386 ld.so installed');
  const bytes = new Uint8Array(readFileSync(f.path));
  const ld = new Uint8Array(readFileSync('/lib/ld-linux.so.2'));
  const mem = memOf();
  try {
    const res = loadProgram({ ...baseReq(mem, bytes, f.path), interp: { bytes: ld, path: '/lib/ld-linux.so.2' } });
    assert.equal(res.loadBias, 0x56555000);
    const lre = readelf('/lib/ld-linux.so.2');
    const loads = lre.phdrs.filter((p) => p.type === 'LOAD');
    const size = Math.ceil(Math.max(...loads.map((p) => p.vaddr + p.memsz)) / 4096) * 4096;
    assert.equal(res.interpBase, 0xf7ffe000 - size);
    assert.equal(res.entry, res.interpBase + lre.entry);
    assert.equal(res.auxv.find(([k]) => k === AT_BASE)![1], res.interpBase);
    assert.equal(res.auxv.find(([k]) => k === AT_ENTRY)![1], 0x56555000 + readelf(f.path).entry);
    const phdr = readelf(f.path).phdrs.find((p) => p.type === 'PHDR')!;
    assert.equal(res.phdrAddr, 0x56555000 + phdr.vaddr);
  } finally { mem.destroy(); }
});

test('i386 without PT_GNU_STACK: read-implies-exec makes readable mappings and the stack executable', (t) => {
  const f = fixture('g32_static', 'gcc', ['-m32', '-static']);
  if (!f.path) return t.skip(f.why);
  const bytes = new Uint8Array(readFileSync(f.path));
  const elf = parseElf(bytes);
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  dv.setUint32(elf.header.phoff + elf.gnuStack!.index * 32, PT_NULL, true);
  const mem = memOf();
  try {
    const res = loadProgram(baseReq(mem, bytes, f.path));
    assert.equal(res.readImpliesExec, true);
    assert.equal(res.execStack, true);
    for (const ph of elf.loads) assert.ok(mem.findVma(ph.vaddr)!.prot & PROT_EXEC);
    assert.ok(mem.findVma(res.sp)!.prot & PROT_EXEC);
  } finally { mem.destroy(); }
});
