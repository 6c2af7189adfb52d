// Control transfer: JMP, Jcc, CALL, RET, LOOP/JrCXZ, ENTER/LEAVE, SYSCALL, INT, INT3, UD2,
// HLT, and the hint NOPs. Every instruction here ends a decoded block and sets c.rip itself.

import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { def } from '../table.js';
import { inlineHandler, registerInlineHelpers } from '../threaded.js';
import { cond, getFlags, ZF } from '../flags.js';
import { RCX, R11, RSP, RBP } from '../state.js';
import { EXIT_SYSCALL } from '../cpu.js';
import { CpuSignal, SIGTRAP, SIGSEGV, SI_KERNEL, raiseGP, raiseUD } from '../fault.js';

const TWO32 = 4294967296;

function target(c: Cpu, i: Insn): number {
  const t = i.next + i.imm;
  return c.mode64 ? t : t >>> 0;
}

registerInlineHelpers({ cond });
// i.imm + i.next is the taken target (32-bit mode wraps it: see target())
const jcc64 = inlineHandler('c.rip = H.cond(c.f, i.ext) ? i.next + i.imm : i.next;');
function jcc(c: Cpu, i: Insn): void { c.rip = cond(c.f, i.ext) ? target(c, i) : i.next; }
const specJcc = (i: Insn) => (i.osize === 8 ? jcc64 : undefined);
function jmpRel(c: Cpu, i: Insn): void { c.rip = target(c, i); }
/** A branch to a non-canonical address is #GP at the branch itself: nothing is pushed or popped
 *  and RIP stays at the branch (measured). */
function canon(lo: number, hi: number): number {
  if ((hi >> 15) !== 0 && (hi >> 15) !== -1) raiseGP();             // bits 63..47 not all equal
  return (hi >>> 0) * TWO32 + (lo >>> 0);
}
function jmpE(c: Cpu, i: Insn): void {
  const v = c.rdE(i);
  c.rip = i.osize === 8 ? canon(v, c.hi) : v >>> 0;
}
function callRel(c: Cpu, i: Insn): void { c.pushAddr(i.next); c.rip = target(c, i); }
function callE(c: Cpu, i: Insn): void {
  const v = c.rdE(i);
  const t = i.osize === 8 ? canon(v, c.hi) : v >>> 0;
  c.pushAddr(i.next);
  c.rip = t;
}
/** The return address, checked before RSP moves. */
function retAddr(c: Cpu): number {
  if (!c.mode64) return c.popAddr();
  const sp = c.regAddr(RSP), lo = c.mem.read64(sp), t = canon(lo, c.mem.hi);
  c.setRegAddr(RSP, sp + 8);
  return t;
}
function ret(c: Cpu): void { c.rip = retAddr(c); }
function retImm(c: Cpu, i: Insn): void {
  c.rip = retAddr(c);
  c.setRegAddr(RSP, c.regAddr(RSP) + i.imm);
}

for (let cc = 0; cc < 16; cc++) {
  def(0, 0x70 + cc, { name: 'jcc', fn: jcc, imm: 'b', size: 'f64', ext: cc, ends: true, spec: specJcc });
  def(1, 0x80 + cc, { name: 'jcc', fn: jcc, imm: 'd', size: 'f64', ext: cc, ends: true, spec: specJcc });
}
def(0, 0xeb, { name: 'jmp', fn: jmpRel, imm: 'b', size: 'f64', ends: true });
def(0, 0xe9, { name: 'jmp', fn: jmpRel, imm: 'd', size: 'f64', ends: true });
def(0, 0xff, { name: 'jmp', fn: jmpE, size: 'f64', ends: true }, { reg: 4 });
def(0, 0xe8, { name: 'call', fn: callRel, imm: 'd', size: 'f64', ends: true });
def(0, 0xff, { name: 'call', fn: callE, size: 'f64', ends: true }, { reg: 2 });
def(0, 0xc3, { name: 'ret', fn: ret, size: 'f64', ends: true });
def(0, 0xc2, { name: 'ret', fn: retImm, imm: 'w', size: 'f64', ends: true });
def(0, 0xc3, { name: 'ret', fn: ret, size: 'f64', ends: true }, { mandatory: 'F3' });   // "rep ret"
def(0, 0xc3, { name: 'ret', fn: ret, size: 'f64', ends: true }, { mandatory: 'F2' });   // "bnd ret"

// ---- LOOP family: the count register is RCX/ECX by address size ----------------------------------

function decCount(c: Cpu, i: Insn): boolean {
  const r = c.r;
  if (i.asize === 8) {
    const lo = r[2 * RCX];
    r[2 * RCX] = lo - 1;
    if (lo === 0) r[2 * RCX + 1] = r[2 * RCX + 1] - 1;
    return (r[2 * RCX] | r[2 * RCX + 1]) !== 0;
  }
  if (i.asize === 2) { c.setR(RCX, 2, r[2 * RCX] - 1); return (r[2 * RCX] & 0xffff) !== 0; }   // CX
  if (c.mode64) c.setR(RCX, 4, r[2 * RCX] - 1); else r[2 * RCX] = r[2 * RCX] - 1;
  return r[2 * RCX] !== 0;
}
function loop(c: Cpu, i: Insn): void {
  const nz = decCount(c, i);
  const z = (getFlags(c.f) & ZF) !== 0;
  const take = i.ext === 2 ? nz : i.ext === 1 ? nz && z : nz && !z;
  c.rip = take ? target(c, i) : i.next;
}
function jrcxz(c: Cpu, i: Insn): void {
  const r = c.r;
  const zero = i.asize === 8 ? (r[2 * RCX] | r[2 * RCX + 1]) === 0 : i.asize === 4 ? r[2 * RCX] === 0 : (r[2 * RCX] & 0xffff) === 0;
  c.rip = zero ? target(c, i) : i.next;
}
def(0, 0xe0, { name: 'loopne', fn: loop, imm: 'b', size: 'f64', ext: 0, ends: true });
def(0, 0xe1, { name: 'loope', fn: loop, imm: 'b', size: 'f64', ext: 1, ends: true });
def(0, 0xe2, { name: 'loop', fn: loop, imm: 'b', size: 'f64', ext: 2, ends: true });
def(0, 0xe3, { name: 'jrcxz', fn: jrcxz, imm: 'b', size: 'f64', ends: true });

// ---- ENTER, LEAVE ----------------------------------------------------------------------------------

function leave(c: Cpu, i: Insn): void {
  const bp = c.regAddr(RBP);
  const v = c.rdMem(bp, i.osize), vh = c.hi;                // read first: a fault leaves RSP alone
  c.setRegAddr(RSP, bp + i.osize);
  c.setR(RBP, i.osize, v, vh);
}
function enter(c: Cpu, i: Insn): void {
  const s = i.osize, level = i.imm2 & 31;
  const bp = c.getR(RBP, s), bph = c.hi;
  // RSP and RBP change only at the end: a fault anywhere leaves them as they were (measured)
  let sp = c.regAddr(RSP) - s;
  c.wrMem(sp, s, bp, bph);
  const frame = sp;
  let p = c.regAddr(RBP);
  for (let n = 1; n < level; n++) {
    p -= s;
    const v = c.rdMem(p, s), vh = c.hi;
    sp -= s;
    c.wrMem(sp, s, v, vh);
  }
  if (level > 0) { sp -= s; c.wrMem(sp, s, frame % TWO32 | 0, Math.floor(frame / TWO32) | 0); }
  // the hardware checks that the new stack top is writable (a write fault at the new RSP, measured)
  const top = sp - i.imm;
  c.mem.probeWrite(c.mode64 ? top : top >>> 0, s);
  c.setR(RBP, s, frame % TWO32 | 0, Math.floor(frame / TWO32) | 0);
  c.setRegAddr(RSP, top);
}
def(0, 0xc9, { name: 'leave', fn: leave, size: 'd64' });
def(0, 0xc8, { name: 'enter', fn: enter, size: 'd64', imm: 'wb' });

// ---- system calls and traps --------------------------------------------------------------------------

function syscall(c: Cpu, i: Insn): void {
  if (!c.mode64) return raiseUD(c, i);
  c.setRegAddr(RCX, i.next);
  c.setR(R11, 8, getFlags(c.f), 0);
  c.rip = i.next;
  c.gate = 'syscall';
  c.exit(EXIT_SYSCALL);
}
function int(c: Cpu, i: Insn): void {
  if (i.imm === 3) throw new CpuSignal(SIGTRAP, SI_KERNEL, 0, true, 3);
  if (i.imm === 4) throw new CpuSignal(SIGSEGV, SI_KERNEL, 0, true, 4);   // #OF: DPL-3 gate, a trap
  // other vectors have DPL 0: #GP with the IDT error code (vector << 3 | IDT bit)
  if (i.imm !== 0x80) throw new CpuSignal(SIGSEGV, SI_KERNEL, 0, false, 13, (i.imm << 3) | 2);
  c.rip = i.next;
  c.gate = 'int80';
  c.exit(EXIT_SYSCALL);
}
function int3(_c: Cpu, i: Insn): void { throw new CpuSignal(SIGTRAP, SI_KERNEL, 0, true, 3); }
function hlt(): void { raiseGP(); }                           // privileged: #GP in user mode
def(1, 0x05, { name: 'syscall', fn: syscall, ends: true });
def(0, 0xcd, { name: 'int', fn: int, imm: 'ub', ends: true });
def(0, 0xcc, { name: 'int3', fn: int3, ends: true });
def(1, 0x0b, { name: 'ud2', fn: raiseUD, ends: true });
def(0, 0xf4, { name: 'hlt', fn: hlt, ends: true });
def(0, 0xfa, { name: 'cli', fn: hlt, ends: true });
def(0, 0xfb, { name: 'sti', fn: hlt, ends: true });

// ---- hint NOPs: 0F 19..1F /r (NOP Ev, ENDBR64/32 is F3 0F 1E FA/FB) -------------------------------

function nop(): void { /* nothing */ }
for (let op = 0x19; op <= 0x1f; op++) def(1, op, { name: 'nop', fn: nop, modrm: true });
def(1, 0x0d, { name: 'prefetchw', fn: nop, modrm: true, form: 'mem' });
