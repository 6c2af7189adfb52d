// A deliberately tiny stand-alone runner for bringing up the CPU before the kernel exists:
// static non-PIE ELF64 only, a handful of syscalls. Not used by lxrun.
import { readFileSync } from 'node:fs';
import '../../cpu/index.js';
import { Cpu, EXIT_SYSCALL, EXIT_SIGNAL } from '../../cpu/cpu.js';
import { CpuState } from '../../cpu/state.js';
import { AddressSpace } from '../../cpu/memory.js';
import { defaultPool } from '../../cpu/frames.js';

const file = readFileSync(process.argv[2]);
const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
const mem = new AddressSpace(defaultPool());
const phoff = Number(dv.getBigUint64(32, true)), phnum = dv.getUint16(56, true);
let end = 0;
for (let k = 0; k < phnum; k++) {
  const o = phoff + k * 56;
  if (dv.getUint32(o, true) !== 1) continue;
  const flags = dv.getUint32(o + 4, true), off = Number(dv.getBigUint64(o + 8, true));
  const va = Number(dv.getBigUint64(o + 16, true)), fsz = Number(dv.getBigUint64(o + 32, true)), msz = Number(dv.getBigUint64(o + 40, true));
  const start = Math.floor(va / 4096) * 4096;
  const prot = ((flags & 4) ? 1 : 0) | ((flags & 2) ? 2 : 0) | ((flags & 1) ? 4 : 0);
  mem.map(start, va + msz - start, prot, 0, 'exe');
  mem.poke(va, file.subarray(off, off + fsz));
  end = Math.max(end, va + msz);
}
const entry = Number(dv.getBigUint64(24, true));
mem.brk = mem.brkStart = Math.ceil(end / 4096) * 4096;
const top = 0x7ffffffff000;
mem.map(top - 0x800000, 0x800000, 3, 0, '[stack]');
const cpu = new Cpu(new CpuState(defaultPool()), mem, true);
// stack: argc, argv, NULL, envp NULL, auxv (AT_PAGESZ, AT_RANDOM, AT_PHDR...) NULL
const args = process.argv.slice(2);
let sp = top - 4096;
const ptrs: number[] = [];
for (const a of args) { const b = Buffer.from(a + '\0'); sp -= b.length; mem.poke(sp, b); ptrs.push(sp); }
const rnd = sp - 32; mem.poke(rnd, new Uint8Array(16).fill(7));
sp = Math.floor((rnd - 512) / 16) * 16;
const words = [args.length, ...ptrs, 0, 0, 6, 4096, 25, rnd, 3, 0x400040, 4, 56, 5, phnum, 9, entry, 0, 0];
words.forEach((w, k) => mem.write64(sp + 8 * k, w % 2 ** 32 | 0, Math.floor(w / 2 ** 32)));
cpu.rip = entry; cpu.setRegAddr(4, sp);
const t0 = Date.now();
for (;;) {
  const why = cpu.run(1 << 20);
  if (why === EXIT_SIGNAL) { console.error('signal', cpu.signal, 'rip', cpu.rip.toString(16)); process.exit(139); }
  if (why !== EXIT_SYSCALL) continue;
  const r = cpu.r, nr = r[0], a0 = cpu.regAddr(7), a1 = cpu.regAddr(6), a2 = cpu.regAddr(2);
  let ret = 0;
  switch (nr) {
    case 1: process.stdout.write(Buffer.from(mem.readBytes(a1, a2))); ret = a2; break;
    case 20: { let t = 0; for (let k = 0; k < a2; k++) { const b = mem.read64(a1 + 16 * k); const l = mem.read64(a1 + 16 * k + 8); process.stdout.write(Buffer.from(mem.readBytes((mem.hi >>> 0) * 0 + (b >>> 0) + (0), 0))); void l; } ret = t; 
      t = 0; for (let k = 0; k < a2; k++) { const base = mem.read64(a1 + 16 * k); const bh = mem.hi; const len = mem.read64(a1 + 16 * k + 8) >>> 0; const addr = (bh >>> 0) * 2 ** 32 + (base >>> 0); if (len) process.stdout.write(Buffer.from(mem.readBytes(addr, len))); t += len; } ret = t; break; }
    case 60: case 231: console.error(`[exit ${a0} after ${cpu.retired} insns, ${Date.now() - t0} ms]`); process.exit(a0);
    case 158: if (a0 === 0x1002) cpu.fsBase = a1; break;
    case 218: ret = 1; break;
    case 12: if (a0 >= mem.brkStart) { mem.map(mem.brk, a0 - mem.brk + 4096, 3, 0, '[heap]'); mem.brk = a0; } ret = mem.brk; break;
    case 9: { const len = Math.ceil(a1 / 4096) * 4096; const at = mem.findFree(len); mem.map(at, len, 3, 0, ''); ret = at; break; }
    case 11: mem.unmap(a0, a1); break;
    case 16: ret = -25; break;
    case 10: ret = mem.protect(a0, a1, a2) ? 0 : -12; break;
    case 89: ret = -22; break;
    default: console.error('syscall', nr); ret = -38;
  }
  cpu.setR(0, 8, ret | 0, ret < 0 ? -1 : Math.floor(ret / 2 ** 32));
}
