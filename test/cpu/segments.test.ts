// Differential test of segmentation as Linux user code sees it: the hardware and this machine's
// kernel are the oracle. One generated static x86-64 program installs GDT TLS descriptors
// (set_thread_area through int 0x80: x86-64 Linux has no 64-bit entry point for it) and LDT
// entries (modify_ldt), records every syscall result and the structures the kernel wrote back,
// then runs each segment instruction form in 64-bit mode and again in 32-bit compatibility mode
// (CS 0x23, entered with a far jump), and records after each: the GPRs, the fault (signo,
// si_code, si_addr, RIP, trapno, err from the ucontext), the DS ES FS GS SS selectors, the FS and
// GS bases (ARCH_GET_FS/GS), the values read through fs:/gs:, and a 64-byte stack area.
// The program runs natively, then on our CPU with this file playing the kernel: set_thread_area,
// get_thread_area and modify_ldt go to syscalls/tls.ts (modify_ldt, 205 and 211 through the real
// x86-64 table); far jumps (not implemented by our CPU) are performed by address as in
// test/cpu/harness.ts. Records are compared field by field; nothing is expected but the native run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as H from './harness.js';
import { EXIT_SIGNAL, EXIT_SYSCALL } from '../../cpu/cpu.js';
import { GuestFault } from '../../cpu/memory.js';
import { getFlags, setFlags } from '../../cpu/flags.js';
import { Errno, EFAULT, ENOSYS } from '../../kernel/errno.js';
import type { Task } from '../../kernel/process.js';
import { tlsCalls } from '../../syscalls/tls.js';
import { iretSegments } from '../../cpu/segments.js';
import { X86_64 } from '../../syscalls/table-x86_64.js';

const REC = 272;
const SIG: Record<number, string> = { 4: 'SIGILL', 5: 'SIGTRAP', 7: 'SIGBUS', 11: 'SIGSEGV' };

// user_desc flag bits (asm/ldt.h)
const SEG32 = 1, CODE = 4, RXO = 8, PAGES = 16, NP = 32, AVL = 64;
/** [entry, base symbol or number, limit, flags] */
type UD = [number, string | number, number, number];
const DESCS: Record<string, UD> = {
  a: [-1, 'tlsA', 0xfffff, SEG32 | PAGES | AVL], b: [-1, 'tlsB', 0xfffff, SEG32 | PAGES | AVL],
  c: [14, 'tlsC', 0xfffff, SEG32 | PAGES | RXO], full: [-1, 'tlsC', 0xfffff, SEG32 | PAGES],
  e11: [11, 'tlsC', 0xfffff, SEG32 | PAGES], ecode: [12, 'tlsC', 0xfffff, SEG32 | PAGES | CODE],
  e16: [13, 'tlsC', 0xfffff, PAGES], enp: [13, 'tlsC', 0xfffff, SEG32 | PAGES | NP],
  g12: [12, 0, 0, 0], g15: [15, 0, 0, 0], g14: [14, 0, 0, 0], g13: [13, 0, 0, 0],
  b2c: [13, 'tlsC', 0xfffff, SEG32 | PAGES], c2b: [13, 'tlsB', 0xfffff, SEG32 | PAGES | AVL],
  bempty: [13, 0, 0, RXO | NP],
  l0: [0, 'ldtA', 0xfffff, SEG32 | PAGES | AVL], l1: [1, 'ldtA', 0xfffff, SEG32 | PAGES | NP],
  l2: [2, 'ldtA', 0xfffff, SEG32 | PAGES | CODE | RXO], l3: [3, 'ldtA', 0xfffff, SEG32 | PAGES | CODE],
  l4: [4, 'ldtA', 0xfffff, SEG32 | PAGES | RXO], l5: [5, 'ldtB', 0xffff, 0],
  l6: [6, 'ldtB', 0xfffff, SEG32 | 12], l7: [7, 'ldtB', 0xfffff, SEG32 | 12 | NP], l8: [8192, 'ldtB', 0, SEG32],
  l9: [9, 0, 0, SEG32], l10: [10, 'ldtB', 0xfffff, SEG32 | PAGES | CODE | NP],
};

/** Syscalls of the set-up: [gate, nr, arg0 expression, arg1, arg2]. Results and the buffers are recorded. */
const SETUP: [string, number, string, string, string][] = [
  ['int80', 243, 'ud_a', '0', '0'], ['int80', 243, 'ud_b', '0', '0'], ['int80', 243, 'ud_c', '0', '0'],
  ['int80', 243, 'ud_full', '0', '0'], ['int80', 243, 'ud_e11', '0', '0'], ['int80', 243, 'ud_ecode', '0', '0'],
  ['int80', 243, 'ud_e16', '0', '0'], ['int80', 243, 'ud_enp', '0', '0'], ['int80', 243, '0', '0', '0'],
  ['int80', 244, 'ud_g12', '0', '0'], ['int80', 244, 'ud_g13', '0', '0'], ['int80', 244, 'ud_g14', '0', '0'],
  ['int80', 244, 'ud_g15', '0', '0'], ['int80', 244, '8', '0', '0'],
  ['syscall', 205, 'ud_full', '0', '0'], ['syscall', 211, 'ud_g12', '0', '0'],
  ['syscall', 154, '2', 'rbuf1', '200'], ['syscall', 154, '0', 'rbuf2', '64'],
  ['syscall', 154, '1', 'ud_l0', '16'], ['syscall', 154, '0x11', 'ud_l1', '16'], ['syscall', 154, '0x11', 'ud_l2', '16'],
  ['syscall', 154, '0x11', 'ud_l3', '16'], ['syscall', 154, '0x11', 'ud_l4', '16'], ['syscall', 154, '0x11', 'ud_l5', '16'],
  ['syscall', 154, '0x11', 'ud_l6', '16'], ['syscall', 154, '1', 'ud_l7', '16'], ['syscall', 154, '0x11', 'ud_l7', '16'],
  ['syscall', 154, '0x11', 'ud_l8', '16'], ['syscall', 154, '0x11', 'ud_l0', '15'], ['syscall', 154, '1', 'ud_l9', '16'],
  ['syscall', 154, '0x11', 'ud_l10', '16'], ['syscall', 154, '0x11', '8', '16'],
  ['syscall', 154, '0', 'rbuf3', '100'], ['syscall', 154, '0', 'rbuf4', '8'], ['syscall', 154, '5', 'rbuf4', '8'],
  ['syscall', 154, '2', 'rbuf4', '8'],
];

interface SegCase { text: string; code: string[]; m64: boolean; m32: boolean }
const cases: SegCase[] = [];
const both = (text: string, code: string[]) => cases.push({ text, code, m64: true, m32: true });
const only64 = (text: string, code: string[]) => cases.push({ text, code, m64: true, m32: false });
const only32 = (text: string, code: string[]) => cases.push({ text, code, m64: false, m32: true });

const SELS = [0, 1, 3, 0x20, 0x23, 0x28, 0x2b, 0x30, 0x33, 0x3b, 0x0b, 0x13, 0x1b, 0x43, 0x4b, 0x53, 0x5b, 0x60, 0x63, 0x6b, 0x73,
  0x7b, 0x83, 0x04, 0x07, 0x0f, 0x17, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x4f, 0x57, 0x5f, 0xfffc, 0xffff];
const hx = (v: number) => '0x' + (v >>> 0).toString(16);
for (const seg of ['ds', 'es', 'fs', 'gs', 'ss']) {
  for (const s of SELS) both(`mov ${hx(s)}, %${seg}`, [`mov $${hx(s)}, %eax`, `mov %eax, %${seg}`]);
}
// use after load: fs:/gs: reads through the new base (and through a null selector)
for (const [seg, s] of [['fs', 0x63], ['gs', 0x6b], ['gs', 0x73], ['fs', 0x7], ['gs', 0x2f], ['gs', 0x37], ['gs', 0x2b], ['fs', 0], ['gs', 3]] as [string, number][]) {
  both(`mov ${hx(s)}, %${seg}; read %${seg}:0`, [`mov $${hx(s)}, %eax`, `mov %eax, %${seg}`, `mov %${seg}:0, %ebx`]);
}
both('gs: read with the initial (null) selector', ['mov %gs:0, %ebx']);
both('ds from the LDT (base ldtA): read [0] and [4]', ['mov $0x7, %eax', 'mov %eax, %ds', 'mov 0, %ebx', 'mov 4, %ecx']);
both('ds null: read memory', ['xor %eax, %eax', 'mov %eax, %ds', 'mov selmem, %ebx']);
both('es 0x63: read with es override', ['mov $0x63, %eax', 'mov %eax, %es', 'mov %es:4, %ebx']);
only32('ds 0x6b: lea is not affected, [ebp] uses SS', ['mov $0x6b, %eax', 'mov %eax, %ds', 'mov $selmem, %ebp', 'mov (%ebp), %ebx', 'lea 4(%ebp), %ecx']);
both('load 0x63 then null into gs, read gs:0', ['mov $0x63, %eax', 'mov %eax, %gs', 'xor %eax, %eax', 'mov %eax, %gs', 'mov %gs:0, %ebx']);
both('load 0x63 then 0x2b into gs', ['mov $0x63, %eax', 'mov %eax, %gs', 'mov $0x2b, %eax', 'mov %eax, %gs']);
both('mov %gs, m16 from memory operand', ['movw $0x6b, selmem', 'mov selmem, %gs', 'mov %gs:0, %ebx', 'movl $-1, selmem2', 'mov %gs, selmem2', 'mov selmem2, %ecx']);
both('mov 0x63 to gs via r16 with 66', ['mov $0x10063, %eax', '.byte 0x66', 'mov %eax, %gs']);
both('mov %gs, %ebx zero-extends', ['mov $0x63, %eax', 'mov %eax, %gs', 'mov $-1, %ebx', 'mov %gs, %ebx']);
both('mov %gs, %bx keeps the upper bits', ['mov $0x63, %eax', 'mov %eax, %gs', 'mov $-1, %ebx', 'mov %gs, %bx']);
only64('mov %gs, %rbx', ['mov $0x63, %eax', 'mov %eax, %gs', 'mov $-1, %rbx', 'mov %gs, %rbx']);
both('mov r/m, cs ds es ss', ['mov %cs, %ebx', 'mov %ds, %ecx', 'mov %es, %edx', 'mov %ss, %esi']);
both('mov %ax, %cs (#UD)', ['.byte 0x8e, 0xc8']);
both('mov %ax, sreg6 (#UD)', ['.byte 0x8e, 0xf0']);
both('mov %ax, sreg7 (#UD)', ['.byte 0x8e, 0xf8']);
both('mov sreg6, %eax (#UD)', ['.byte 0x8c, 0xf0']);
// the refresh in set_thread_area: GS holds 0x6b while slot 13 changes base, then is emptied
only64('set_thread_area refreshes a loaded gs', ['mov $0x6b, %eax', 'mov %eax, %gs', 'mov $243, %eax', 'mov $ud_b2c, %ebx', 'int $0x80', 'mov %eax, %esi',
  'mov %gs:0, %ecx', 'mov $243, %eax', 'mov $ud_c2b, %ebx', 'int $0x80', 'mov %gs:0, %edx']);
only64('set_thread_area with fs and ds holding the slot', ['mov $0x6b, %eax', 'mov %eax, %fs', 'mov %eax, %ds', 'mov $243, %eax', 'mov $ud_b2c, %ebx', 'int $0x80',
  'mov %fs:0, %ecx', 'mov $243, %eax', 'mov $ud_c2b, %ebx', 'int $0x80', 'mov %fs:0, %edx', 'mov %ds, %esi']);
only64('set_thread_area empties the loaded slot', ['mov $0x6b, %eax', 'mov %eax, %gs', 'mov $243, %eax', 'mov $ud_bempty, %ebx', 'int $0x80', 'mov %eax, %esi',
  'mov %gs, %ecx', 'mov $243, %eax', 'mov $ud_c2b, %ebx', 'int $0x80', 'mov %eax, %edi', 'mov %gs:0, %edx']);
// PUSH / POP
for (const s of ['fs', 'gs']) {
  both(`push %${s}`, [`mov $0x63, %eax`, `mov %eax, %${s}`, `push %${s}`]);
  both(`pushw %${s}`, [`mov $0x63, %eax`, `mov %eax, %${s}`, `pushw %${s}`]);
  only64(`pop %${s} (0x6b)`, ['movl $0x6b, (%rsp)', 'movl $-1, 4(%rsp)', `pop %${s}`, `mov %${s}:0, %ebx`]);
  only32(`pop %${s} (0x6b)`, ['movl $0xffff006b, (%esp)', `pop %${s}`, `mov %${s}:0, %ebx`]);
  only64(`pop %${s} (0x08: #GP, rsp unchanged)`, ['movq $0x08, (%rsp)', `pop %${s}`]);
  only32(`pop %${s} (0x08: #GP, esp unchanged)`, ['movl $0x08, (%esp)', `pop %${s}`]);
  both(`popw %${s} (0x73)`, ['movl $0x12340073, (%esp)', `popw %${s}`]);
}
for (const s of ['es', 'cs', 'ss', 'ds']) {
  only32(`push %${s}`, [`push %${s}`]);
  only32(`pushw %${s}`, [`pushw %${s}`]);
}
for (const s of ['es', 'ss', 'ds']) {
  only32(`pop %${s} (0x2b)`, ['movl $0x2b, (%esp)', `pop %${s}`]);
  only32(`pop %${s} (0x23)`, ['movl $0x23, (%esp)', `pop %${s}`]);
  only32(`pop %${s} (0)`, ['movl $0, (%esp)', `pop %${s}`]);
}
for (const [op, b] of [['push es', 0x06], ['pop es', 0x07], ['push cs', 0x0e], ['push ss', 0x16], ['pop ss', 0x17], ['push ds', 0x1e], ['pop ds', 0x1f]] as [string, number][]) {
  only64(`${op} in 64-bit mode (#UD)`, [`.byte ${hx(b)}`]);
}
// LDS/LES/LSS/LFS/LGS
for (const [ins, seg] of [['lfs', 'fs'], ['lgs', 'gs'], ['lss', 'ss']] as [string, string][]) {
  both(`${ins} m16:32`, [`${ins} farp_ok, %ebx`, `mov %${seg}, %ecx`]);
  both(`${ins} m16:16`, [`${ins} farp_ok, %bx`, `mov %${seg}, %ecx`]);
  both(`${ins} m16:32 bad selector (#GP, register unchanged)`, ['mov $0x55555555, %ebx', `${ins} farp_bad, %ebx`]);
  only64(`rex.w ${ins} m16:64`, ['mov $-1, %rbx', `rex.W ${ins} farp_ok, %ebx`, `mov %${seg}, %ecx`]);
}
for (const [ins, seg] of [['lds', 'ds'], ['les', 'es']] as [string, string][]) {
  only32(`${ins} m16:32`, [`${ins} farp_ds, %ebx`, `mov %${seg}, %ecx`]);
  only32(`${ins} m16:16`, [`${ins} farp_ds, %bx`, `mov %${seg}, %ecx`]);
  only32(`${ins} bad selector`, ['mov $0x55555555, %ebx', `${ins} farp_bad, %ebx`]);
}

/** The program source. */
function source(): string {
  const o: string[] = ['.text', '.globl _start', '_start:'];
  o.push('  lea altss(%rip), %rdi', '  xor %esi, %esi', '  mov $131, %eax', '  syscall');
  for (const sig of [4, 5, 7, 11]) o.push(`  mov $${sig}, %edi`, '  lea sigact(%rip), %rsi', '  xor %edx, %edx', '  mov $8, %r10d', '  mov $13, %eax', '  syscall');
  SETUP.forEach(([gate, nr, a0, a1, a2], k) => {
    if (gate === 'int80') o.push(`  mov $${nr}, %eax`, `  mov $${a0}, %ebx`, '  int $0x80');
    else o.push(`  mov $${nr}, %eax`, `  mov $${a0}, %edi`, `  mov $${a1}, %esi`, `  mov $${a2}, %edx`, '  syscall');
    o.push(`  mov %rax, sysres+${8 * k}`);
  });
  const runs: [SegCase, number, boolean][] = [];
  for (const c of cases) { if (c.m64) runs.push([c, runs.length, false]); if (c.m32) runs.push([c, runs.length, true]); }
  for (const [c, id, m32] of runs) {
    const L = `.Lc${id}`;
    o.push(`${L}:  # ${m32 ? '[32] ' : ''}${c.text.replace(/#/g, '')}`, `  movq $${id}, cur_id`, `  movq $${L}_e, cur_resume`, '  call reset');
    if (m32) o.push('  mov $0x2b, %eax', '  mov %eax, %ds', '  mov %eax, %es');
    o.push('  call regs');
    if (m32) o.push(`${L}_go: ljmpl *${L}_f32`, '.code32');
    o.push(`${L}_i:`);
    for (const l of c.code) o.push('  ' + l);
    if (m32) o.push(`${L}_x: ljmpl *%cs:${L}_f64`, '.code64');      // CS: the case may have changed DS
    o.push(`${L}_p:`, '  mov %rsp, cap_rsp', '  mov $capstack_top, %esp', '  call capture', `${L}_e:`);
  }
  o.push('  mov $out, %esi', '  mov out_ptr, %rdx', '  sub %rsi, %rdx',
    '1: test %rdx, %rdx', '  jz 2f', '  mov $1, %edi', '  mov $1, %eax', '  push %rsi', '  push %rdx', '  syscall', '  pop %rdx', '  pop %rsi',
    '  test %rax, %rax', '  js 3f', '  add %rax, %rsi', '  sub %rax, %rdx', '  jmp 1b',
    '2: mov $1, %edi', '  mov $sysres, %esi', `  mov $sysres_end-sysres, %edx`, '  mov $1, %eax', '  syscall',
    '  xor %edi, %edi', '  mov $60, %eax', '  syscall', '3: mov $1, %edi', '  mov $60, %eax', '  syscall');
  // reset: null DS/ES, FS/GS by arch_prctl (selector 0, known bases), the stack area's pattern
  o.push('reset:', '  xor %eax, %eax', '  mov %eax, %ds', '  mov %eax, %es',
    '  mov $0x1002, %edi', '  mov $fsinit, %esi', '  mov $158, %eax', '  syscall',
    '  mov $0x1001, %edi', '  mov $gsinit, %esi', '  mov $158, %eax', '  syscall',
    '  movabs $0xa5a5a5a5a5a5a5a5, %rax', '  mov $stk, %edi', '  mov $8, %ecx', '1: mov %rax, (%rdi)', '  add $8, %rdi', '  dec %ecx', '  jnz 1b', '  ret');
  // regs: known inputs; the case runs on stk_top
  o.push('regs:', '  pop %r15', '  movabs $0x1111111111111111, %rax', '  movabs $0x2222222222222222, %rbx', '  movabs $0x3333333333333333, %rcx',
    '  movabs $0x4444444444444444, %rdx', '  movabs $0x5555555555555555, %rsi', '  movabs $0x6666666666666666, %rdi', '  mov $stk_top, %esp', '  jmp *%r15');
  // capture: GPRs (rsp from cap_rsp), no fault
  const R = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
  o.push('capture:', '  mov %rax, cap_rax', '  mov out_ptr, %rax');
  for (let n = 1; n < 16; n++) if (n !== 4) o.push(`  mov %${R[n]}, ${8 * n}(%rax)`);
  o.push('  mov cap_rax, %rbx', '  mov %rbx, (%rax)', '  mov cap_rsp, %rbx', '  mov %rbx, 32(%rax)', '  xor %ebx, %ebx',
    '  mov %rbx, 136(%rax)', '  mov %rbx, 144(%rax)', '  mov %rbx, 152(%rax)', '  mov %rbx, 160(%rax)');
  o.push('capture_tail:', '  mov %ds, %ebx', '  mov %bx, 168(%rax)', '  mov %es, %ebx', '  mov %bx, 170(%rax)', '  mov %fs, %ebx', '  mov %bx, 172(%rax)',
    '  mov %gs, %ebx', '  mov %bx, 174(%rax)', '  mov %ss, %ebx', '  mov %bx, 176(%rax)', '  movw $0, 178(%rax)', '  movl $0, 180(%rax)',
    '  mov $0x2b, %ebx', '  mov %ebx, %ss', '  mov %rax, %r12',
    '  mov $0x1003, %edi', '  lea 184(%r12), %rsi', '  mov $158, %eax', '  syscall',
    '  mov $0x1004, %edi', '  lea 192(%r12), %rsi', '  mov $158, %eax', '  syscall', '  mov %r12, %rax',
    '  mov $stk, %esi', '  lea 200(%rax), %rdi', '  mov $8, %ecx', '1: mov (%rsi), %rbx', '  mov %rbx, (%rdi)', '  add $8, %rsi', '  add $8, %rdi', '  dec %ecx', '  jnz 1b',
    '  mov cur_id, %rbx', '  mov %rbx, 264(%rax)', `  add $${REC}, %rax`, '  mov %rax, out_ptr', '  ret');
  const greg = [13, 14, 12, 11, 15, 10, 9, 8, 0, 1, 2, 3, 4, 5, 6, 7];
  o.push('.globl sighandler', 'sighandler:', '  mov out_ptr, %rax', '  lea 40(%rdx), %rdx');
  for (let n = 0; n < 16; n++) o.push(`  mov ${8 * greg[n]}(%rdx), %rcx`, `  mov %rcx, ${8 * n}(%rax)`);
  o.push('  mov (%rsi), %ecx', '  mov %ecx, 136(%rax)', '  mov 8(%rsi), %ecx', '  mov %ecx, 140(%rax)',
    '  mov 16(%rsi), %rcx', '  mov %rcx, 144(%rax)', '  mov 128(%rdx), %rcx', '  mov %rcx, 152(%rax)',
    '  mov 160(%rdx), %ecx', '  mov %ecx, 160(%rax)', '  mov 152(%rdx), %ecx', '  mov %ecx, 164(%rax)',
    '  mov $capstack_top, %esp', '  pushq cur_resume', '  jmp capture_tail');
  o.push('restorer:', '  mov $15, %eax', '  syscall', '  hlt');
  o.push('.data', '.balign 16', 'sigact: .quad sighandler, 0x4C000004, restorer, 0', 'altss: .quad altstack, 0, 65536');
  o.push('.balign 16');
  for (const [m, v] of [['fsinit', 0xf5f5f5f5], ['gsinit', 0x65656565], ['tlsA', 0xa1a1a1a1], ['tlsB', 0xb2b2b2b2], ['tlsC', 0xc3c3c3c3], ['ldtA', 0xd4d4d4d4], ['ldtB', 0xe5e5e5e5]] as [string, number][]) {
    o.push(`${m}: .long ${hx(v)}, ${hx((v ^ 0x01010101) >>> 0)}, 0, 0`);
  }
  o.push('selmem: .long 0', 'selmem2: .long 0', '.balign 8', 'farp_ok: .long 0x11223344', '  .word 0x63, 0x5566, 0x6b, 0x7788',
    '.balign 8', 'farp_bad: .long 0x99aabbcc', '  .word 0x08, 0, 0x10, 0', '.balign 8', 'farp_ds: .long 0x13579bdf', '  .word 0x2b, 0x2b, 0x2b, 0');
  o.push('.balign 8', '.globl far_sites', 'far_sites:');
  for (const [, id, m32] of runs) if (m32) o.push(`  .quad .Lc${id}_go, .Lc${id}_i, 0, .Lc${id}_x, .Lc${id}_p, 1`);
  o.push(`.globl far_count`, `far_count: .quad ${runs.filter((r) => r[2]).length * 2}`);
  for (const [, id, m32] of runs) if (m32) o.push('.balign 8', `.Lc${id}_f32: .long .Lc${id}_i`, '  .word 0x23', '.balign 8', `.Lc${id}_f64: .long .Lc${id}_p`, '  .word 0x33');
  o.push('.balign 8', 'out_ptr: .quad out', 'cur_id: .quad 0', 'cur_resume: .quad 0', 'cap_rax: .quad 0', 'cap_rsp: .quad 0');
  o.push('.balign 8', 'sysres:', `  .space ${8 * SETUP.length}`);
  for (const [name, [entry, base, limit, flags]] of Object.entries(DESCS)) o.push('.balign 16', `ud_${name}: .long ${entry}, ${base}, ${limit}, ${flags}`);
  o.push('rbuf1: .fill 208, 1, 0xee', 'rbuf2: .fill 72, 1, 0xee', 'rbuf3: .fill 104, 1, 0xee', 'rbuf4: .fill 16, 1, 0xee');
  // the user_desc structures as the kernel left them (written back entry numbers, get_thread_area)
  o.push('sysres_end:');
  o.push('.bss', '.balign 4096', 'stk: .space 48', 'stk_top: .space 16', '.balign 4096', 'capstack: .space 4096', 'capstack_top: .space 64',
    '.balign 4096', 'altstack: .space 65536', '.balign 4096', `out: .space ${runs.length * REC + 4096}`);
  return o.join('\n') + '\n';
}

function runsOf(): [SegCase, number, boolean][] {
  const runs: [SegCase, number, boolean][] = [];
  for (const c of cases) { if (c.m64) runs.push([c, runs.length, false]); if (c.m32) runs.push([c, runs.length, true]); }
  return runs;
}

/** Our CPU, with this test as the kernel. */
function runOurs(b: H.Built): { out: Uint8Array; status: number | null; err: string } {
  const e = H.loadEmu(b);
  const { cpu, mem } = e;
  const syms = b.syms;
  const rd64 = (a: number) => { const lo = mem.read64(a) >>> 0; return (mem.hi >>> 0) * 4294967296 + lo; };
  const far = new Map<number, [number, boolean]>();
  for (let k = 0, n = rd64(syms.get('far_count')!); k < n; k++) {
    const s = syms.get('far_sites')! + 24 * k;
    far.set(rd64(s), [rd64(s + 8), rd64(s + 16) === 1]);
  }
  const fake = { cpu, mem, proc: { mem, mode64: true, tasks: [] as unknown[] } } as unknown as Task;
  (fake.proc.tasks as unknown[]).push(fake);
  const call = (f: () => number | Promise<number>): number => {
    try { const r = f(); if (typeof r !== 'number') throw new Error('async handler'); return r; } catch (x) {
      if (x instanceof Errno) return -x.errno;
      if (x instanceof GuestFault) return -EFAULT;
      throw x;
    }
  };
  const setRax = (v: number) => cpu.setR(0, 8, v % 4294967296 | 0, v < 0 ? -1 : Math.floor(v / 4294967296));
  const chunks: Uint8Array[] = [];
  const handler = syms.get('sighandler')!, alt = syms.get('altstack')!;
  let status: number | null = null, err = '', budget = 5e7;
  while (status === null && budget > 0) {
    const before = cpu.retired;
    const why = cpu.run(1 << 20);
    budget -= Math.max(1, cpu.retired - before);
    if (why === EXIT_SYSCALL) {
      const nr = cpu.r[0];
      if (cpu.gate === 'int80') {
        const h = nr === 243 ? tlsCalls.set_thread_area : nr === 244 ? tlsCalls.get_thread_area : undefined;
        setRax(h ? call(() => h(fake, [cpu.r[6] >>> 0])) : -ENOSYS);
        continue;
      }
      const a0 = cpu.regAddr(7), a1 = cpu.regAddr(6), a2 = cpu.regAddr(2);
      switch (nr) {
        case 1: chunks.push(mem.readBytes(a1, a2).slice()); setRax(a2); break;
        case 60: status = a0 & 0xff; break;
        case 13: case 131: setRax(0); break;
        case 158:
          if (a0 === 0x1002) { cpu.fsBase = a1; cpu.sel[4] = 0; } else if (a0 === 0x1001) { cpu.gsBase = a1; cpu.sel[5] = 0; }
          else if (a0 === 0x1003) mem.write64(a1, cpu.fsBase % 4294967296 | 0, Math.floor(cpu.fsBase / 4294967296));
          else if (a0 === 0x1004) mem.write64(a1, cpu.gsBase % 4294967296 | 0, Math.floor(cpu.gsBase / 4294967296));
          setRax(0); break;
        case 154: case 205: case 211: {
          const ent = X86_64.table[nr]!;
          const h = ent.handler;
          setRax(h ? call(() => h(fake, [a0 | 0, a1, a2])) : -ENOSYS);
          break;
        }
        default: setRax(-ENOSYS);
      }
    } else if (why === EXIT_SIGNAL) {
      const s = cpu.signal!;
      if (s.signo === 4 && far.has(cpu.rip)) { const [to, m64] = far.get(cpu.rip)!; cpu.mode64 = m64; cpu.rip = to; continue; }
      cpu.mode64 = true;                         // the handler is 64-bit code; the kernel sets SS
      cpu.sel[2] = 0x2b;
      iretSegments(cpu);
      const info = alt + 0x1000, uc = alt + 0x2000, g = uc + 40;
      mem.writeBytes(info, new Uint8Array(128));
      mem.write32(info, s.signo); mem.write32(info + 8, s.code);
      mem.write64(info + 16, s.addr % 4294967296 | 0, Math.floor(s.addr / 4294967296) | 0);
      const order = [8, 9, 10, 11, 12, 13, 14, 15, 7, 6, 5, 3, 2, 0, 1, 4];
      order.forEach((n, k) => mem.write64(g + 8 * k, cpu.r[2 * n], cpu.r[2 * n + 1]));
      const fl = getFlags(cpu.f);
      mem.write64(g + 128, cpu.rip % 4294967296 | 0, Math.floor(cpu.rip / 4294967296) | 0);
      mem.write64(g + 136, fl, 0);
      mem.write64(g + 152, s.err, 0);
      mem.write64(g + 160, s.trapno, 0);
      cpu.setR(7, 8, s.signo); cpu.setRegAddr(6, info); cpu.setRegAddr(2, uc);
      cpu.setRegAddr(4, alt + 0xf000 - 8);
      setFlags(cpu.f, fl & ~0x10500);
      cpu.rip = handler;
    }
  }
  if (status === null) err = `did not finish (rip 0x${cpu.rip.toString(16)})`;
  const len = chunks.reduce((n, c) => n + c.length, 0), out = new Uint8Array(len);
  let p = 0;
  for (const c of chunks) { out.set(c, p); p += c.length; }
  return { out, status, err };
}

test('segment loads, TLS descriptors and the LDT match the hardware and kernel', { timeout: 300_000 }, (t) => {
  if (process.arch !== 'x64' || process.platform !== 'linux') { t.skip('needs an x86-64 Linux host as the oracle'); return; }
  if (spawnSync('sh', ['-c', 'command -v gcc && command -v nm']).status !== 0) { t.skip('needs gcc and binutils'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'lxseg-'));
  if (process.env.LXCPU_KEEP !== '1') t.after(() => rmSync(dir, { recursive: true, force: true }));
  else console.log(`build directory: ${dir}`);
  const b = H.build(dir, 'segments', source());
  const nat = H.runNative(b.exe);
  assert.equal(nat.signal, null, `native run killed by ${nat.signal}`);
  assert.equal(nat.status, 0, `native exit status ${nat.status}`);
  const runs = runsOf();
  const ours = runOurs(b);
  assert.equal(ours.err, '', ours.err);
  assert.equal(ours.status, 0);

  const tailLen = nat.out.length - runs.length * REC;
  const diffs: string[] = [];
  // the set-up syscalls: results, and every buffer the kernel wrote (sysres..sysres_end)
  const nv = new DataView(nat.out.buffer, nat.out.byteOffset), ov = new DataView(ours.out.buffer, ours.out.byteOffset);
  const tail = runs.length * REC;
  assert.equal(ours.out.length, nat.out.length, 'output size');
  SETUP.forEach(([gate, nr, a0, a1, a2], k) => {
    const a = nv.getBigUint64(tail + 8 * k, true), o = ov.getBigUint64(tail + 8 * k, true);
    if (a !== o) diffs.push(`setup ${gate} ${nr}(${a0}, ${a1}, ${a2}): native 0x${a.toString(16)} ours 0x${o.toString(16)}`);
  });
  for (let k = tail + 8 * SETUP.length; k < nat.out.length; k++) {
    if (nat.out[k] !== ours.out[k]) { diffs.push(`set-up structures and buffers (ud_*, rbuf*) differ at byte ${k - tail - 8 * SETUP.length}: native ${nat.out[k].toString(16)} ours ${ours.out[k].toString(16)}`); break; }
  }
  const REGS = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
  let faults = 0;
  for (const [c, id, m32] of runs) {
    const p = id * REC;
    const d: string[] = [];
    for (let n = 0; n < 16; n++) {
      // the upper halves of RAX..RDI are undefined after compatibility mode
      const m = m32 && n < 8 ? 0xffffffffn : (1n << 64n) - 1n;
      const a = nv.getBigUint64(p + 8 * n, true) & m, o = ov.getBigUint64(p + 8 * n, true) & m;
      if (a !== o) d.push(`${REGS[n]} native 0x${a.toString(16)} ours 0x${o.toString(16)}`);
    }
    const fault = (v: DataView) => {
      const s = v.getUint32(p + 136, true);
      return s ? `${SIG[s] ?? s} code ${v.getUint32(p + 140, true)} addr 0x${v.getBigUint64(p + 144, true).toString(16)} rip 0x${v.getBigUint64(p + 152, true).toString(16)} trapno ${v.getUint32(p + 160, true)} err 0x${v.getUint32(p + 164, true).toString(16)}` : 'none';
    };
    if (nv.getUint32(p + 136, true)) faults++;
    if (fault(nv) !== fault(ov)) d.push(`fault: native ${fault(nv)}; ours ${fault(ov)}`);
    ['ds', 'es', 'fs', 'gs', 'ss'].forEach((s, k) => {
      const a = nv.getUint16(p + 168 + 2 * k, true), o = ov.getUint16(p + 168 + 2 * k, true);
      // a timer interrupt's IRET may have nulled a 1..3 selector natively (see iretSegments)
      if (a !== o && !(a === 0 && o <= 3 && !nv.getUint32(p + 136, true))) d.push(`${s} native 0x${a.toString(16)} ours 0x${o.toString(16)}`);
    });
    for (const [off, name] of [[184, 'fs base'], [192, 'gs base']] as [number, string][]) {
      const a = nv.getBigUint64(p + off, true), o = ov.getBigUint64(p + off, true);
      if (a !== o) d.push(`${name} native 0x${a.toString(16)} ours 0x${o.toString(16)}`);
    }
    for (let k = 200; k < 264; k++) if (nat.out[p + k] !== ours.out[p + k]) { d.push(`stack area differs at byte ${k - 200}`); break; }
    if (nv.getBigUint64(p + 264, true) !== BigInt(id) || ov.getBigUint64(p + 264, true) !== BigInt(id)) d.push('record out of order');
    if (d.length) diffs.push(`${m32 ? '[32-bit] ' : ''}${c.text}: ${d.join('; ')}`);
  }
  console.log(`${runs.length} segment cases (${runs.filter((r) => r[2]).length} in 32-bit mode, ${faults} faulting natively), ${SETUP.length} set-up syscalls (+${tailLen - 8 * SETUP.length} bytes of kernel-written buffers), ${diffs.length} mismatches`);
  for (const x of diffs.slice(0, 60)) console.log('  ' + x);
  assert.equal(diffs.length, 0, `${diffs.length} mismatches against the hardware`);
});
