// The differential harness: turns generated cases (test/cpu/gen.ts) into one static x86-64
// program (GNU assembler source, linked with `gcc -nostdlib -static -no-pie`), runs it natively
// (the hardware is the oracle) and on our CPU, and compares the two output streams record by record.
//
// Program layout. `cur` is one block: 16 GPRs (0..127), RFLAGS (128), pad, then a 256-byte
// `scratch` area (cur+144) whose offset 128 sits on a page boundary, so operands near it can cross
// pages. For each case the program copies the background block `bg` into `cur`, applies the case's
// qword patches (register inputs, flags, memory), loads RFLAGS with popfq and all 16 GPRs with movs,
// and jumps to the instruction under test. After it, `capture` appends a record to `out`:
//   0..127 GPRs  128 RFLAGS  136 signo(u32) 140 si_code(u32) 144 si_addr  152 fault RIP
//   160 trapno(u32) 164 err(u32)  168 case id  176..431 scratch (256 bytes)  432..463 probe
// A case that faults is caught by a SA_SIGINFO|SA_NODEFER|SA_ONSTACK handler which records the
// registers from the signal's ucontext and the siginfo, and resumes with the next case. At the end
// the program writes `out` to stdout with raw write(2) and exits. Under our CPU the test plays the
// kernel: write/exit/rt_sigaction/sigaltstack/arch_prctl/mprotect/munmap, -ENOSYS for anything
// else, and a minimal signal delivery (siginfo + ucontext gregs) into the same handler.
//
// 32-bit cases run in compatibility mode: after setup the program loads DS/ES with the user data
// selector and far-jumps to CS 0x23; the case ends with a far jump back to CS 0x33. Our table has no
// far jumps or MOV Sreg (they #UD), so under our CPU the harness performs them by address (tables
// far_sites and sreg_sites) and flips cpu.mode64.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import '../../cpu/index.js';
import { Cpu, EXIT_SIGNAL, EXIT_SYSCALL } from '../../cpu/cpu.js';
import { CpuState } from '../../cpu/state.js';
import { AddressSpace } from '../../cpu/memory.js';
import { defaultPool } from '../../cpu/frames.js';
import { getFlags, setFlags } from '../../cpu/flags.js';
import { loadProgram } from '../../loader/index.js';

export const REC = 464, SCR_IN_REC = 176, SCR_IN_CUR = 144, CUR_BYTES = 400, SCR_BYTES = 256;
/** 32 bytes around the boundary between a writable page (`rwpage`) and a read-only one (`ropage`),
 *  followed by an unmapped page (`nopage`): faulting and page-crossing accesses are checked there. */
export const PROBE_IN_REC = 432, PROBE_BYTES = 32;
export const PROBE_RW = 0x1122334455667788n, PROBE_RO = 0x99aabbccddeeff00n;
/** FS and GS bases the program sets (relative to scratch), so fs:/gs: operands reach scratch. */
export const FS_DELTA = 0x10000, GS_DELTA = 0x20000;
/** 16-bit addressing (0x67 in 32-bit code) reaches only the first 64 KiB. When this host lets a
 *  process map there (vm.mmap_min_addr <= LOW_BASE), the program maps [LOW_BASE, LOW_BASE +
 *  LOW_LEN) and a case marked `low` sees scratch mirrored at LOW_SCR (scratch+128 on the page
 *  boundary 0x8000): setup copies scratch there, capture copies it back. Otherwise the 16-bit
 *  memory forms simply fault, natively and on our CPU alike. */
export const LOW_BASE = 0x1000, LOW_LEN = 0x10000, LOW_SCR = 0x7f80;

export interface Case {
  id: number;
  /** Table entry name the generator meant to cover (the decoder decides what is covered). */
  name: string;
  /** Human description of the instruction and operands. */
  text: string;
  /** Assembler lines of the instruction under test; `@` is replaced by the case's label prefix. */
  code: string[];
  len: number;
  hex: string;
  /** Lines placed before the case's setup and jumped over (backward branch targets); `@` as in code. */
  pre?: string[];
  /** Lines after the instruction (branch landing pads); `@` as in code. */
  after?: string[];
  /** Register inputs (64-bit values or assembler expressions such as `scratch+128`). */
  regs: Map<number, bigint | string>;
  /** Input RFLAGS (loaded by popfq). */
  flags: bigint;
  /** Scratch bytes that differ from the background, by offset. */
  mem: Map<number, number>;
  /** 8-byte symbolic values in scratch (return addresses, jump tables), by offset (multiple of 8). */
  memSym: Map<number, string>;
  /** Flags the architecture leaves undefined after this case (masked in the comparison). */
  undefFlags: number;
  /** Register bits the architecture leaves undefined. */
  undefRegs: [number, bigint][];
  /** Scratch byte ranges [off, len] left undefined. */
  undefMem: [number, number][];
  /** Offset and size of the memory operand (for the report). */
  memOp?: [number, number];
  /** A case whose mismatch is reported but does not fail the test (documented reason). */
  info?: string;
  /** Runs in 32-bit compatibility mode (CS 0x23): entered and left with far jumps. */
  mode32?: boolean;
  /** Uses the low mirror of scratch at LOW_SCR (16-bit addressing). */
  low?: boolean;
  /** 32-bit mode with 0x67: 16-bit addressing. */
  a16?: boolean;
}

export interface Layout {
  bgRegs: (bigint | string)[];
  bgScratch: Uint8Array;
  /** The low mirror is mapped (see LOW_BASE). */
  low?: boolean;
}

/** Whether this host lets a process map memory at LOW_BASE (vm.mmap_min_addr). */
export function lowMappable(): boolean {
  try { return Number(readFileSync('/proc/sys/vm/mmap_min_addr', 'utf8').trim()) <= LOW_BASE; } catch { return false; }
}

const R = (n: number) => ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'][n];

function q(v: bigint | string): string {
  return typeof v === 'string' ? v : '0x' + BigInt.asUintN(64, v).toString(16);
}

/** The whole program source. */
export function programSource(cases: Case[], lay: Layout): string {
  const o: string[] = [];
  o.push(`# generated by test/cpu/gen.ts: ${cases.length} cases`, '.set REC, 432', '');
  o.push('.text', '.globl _start', '_start:');
  // sigaltstack(&ss, NULL)
  o.push('  lea altss(%rip), %rdi', '  xor %esi, %esi', '  mov $131, %eax', '  syscall');
  for (const sig of [4, 5, 7, 8, 11]) {
    o.push(`  mov $${sig}, %edi`, '  lea sigact(%rip), %rsi', '  xor %edx, %edx', '  mov $8, %r10d', '  mov $13, %eax', '  syscall');
  }
  // arch_prctl(ARCH_SET_FS / ARCH_SET_GS)
  o.push(`  mov $0x1002, %edi`, `  lea scratch-${FS_DELTA}(%rip), %rsi`, '  mov $158, %eax', '  syscall');
  o.push(`  mov $0x1001, %edi`, `  lea scratch-${GS_DELTA}(%rip), %rsi`, '  mov $158, %eax', '  syscall');
  // probe pages: fill the read-only page, then mprotect(ropage, 4096, PROT_READ) and munmap(nopage)
  o.push(`  movabs $${PROBE_RO}, %rax`, '  lea ropage(%rip), %rdi', '  mov $512, %ecx', '1: mov %rax, (%rdi)', '  add $8, %rdi', '  dec %ecx', '  jnz 1b');
  o.push('  lea ropage(%rip), %rdi', '  mov $4096, %esi', '  mov $1, %edx', '  mov $10, %eax', '  syscall');
  o.push('  lea nopage(%rip), %rdi', '  mov $4096, %esi', '  mov $11, %eax', '  syscall');
  // mmap(LOW_BASE, LOW_LEN, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)
  if (lay.low) o.push(`  mov $${LOW_BASE}, %edi`, `  mov $${LOW_LEN}, %esi`, '  mov $3, %edx', '  mov $0x32, %r10d', '  mov $-1, %r8', '  xor %r9d, %r9d', '  mov $9, %eax', '  syscall');
  o.push('  lea out(%rip), %rax', '  mov %rax, out_ptr(%rip)', '');
  for (const c of cases) {
    if (c.mode32) {
      const L = `.Lc${c.id}`;
      // compatibility mode addresses memory through DS/ES: load the user data selector (flags and
      // registers untouched); setup puts the null selectors of a 64-bit process back
      o.push(`${L}:`, '  lea capstack_top(%rip), %rsp', `  lea ${L}_d(%rip), %rsi`, '  call setup',
        `${L}_ds: mov sel_user_ds(%rip), %ds`, `${L}_es: mov sel_user_ds(%rip), %es`, `${L}_go: ljmpl *${L}_f32(%rip)`, '.code32');
      for (const l of c.pre ?? []) o.push('  ' + l.replace(/@/g, L));
      o.push(`${L}_i:  # ${c.text.replace(/#/g, '')}`);
      for (const l of c.code) o.push('  ' + l.replace(/@/g, L));
      for (const l of c.after ?? []) o.push('  ' + l.replace(/@/g, L));
      o.push(`${L}_x: ljmpl *${L}_f64`, '.code64', `${L}_p:`, '  mov %rsp, cap_rsp(%rip)', '  lea capstack_top(%rip), %rsp', '  call capture', `${L}_e:`);
      continue;
    }
    const L = `.Lc${c.id}`;
    o.push(`${L}:`);
    if (c.pre) { o.push(`  jmp ${L}_s`); for (const l of c.pre) o.push('  ' + l.replace(/@/g, L)); o.push(`${L}_s:`); }
    o.push('  lea capstack_top(%rip), %rsp', `  lea ${L}_d(%rip), %rsi`, '  call setup');
    o.push(`${L}_i:  # ${c.text.replace(/#/g, '')}`);
    for (const l of c.code) o.push('  ' + l.replace(/@/g, L));
    for (const l of c.after ?? []) o.push('  ' + l.replace(/@/g, L));
    o.push(`${L}_x:`, `${L}_p:`, '  mov %rsp, cap_rsp(%rip)', '  lea capstack_top(%rip), %rsp', '  call capture', `${L}_e:`);
  }
  o.push('', '# write(1, out, out_ptr - out); exit(0)');
  o.push('  lea out(%rip), %rsi', '  mov out_ptr(%rip), %rdx', '  sub %rsi, %rdx');
  o.push('1: test %rdx, %rdx', '  jz 2f', '  mov $1, %edi', '  mov $1, %eax', '  push %rsi', '  push %rdx', '  syscall',
    '  pop %rdx', '  pop %rsi', '  test %rax, %rax', '  js 3f', '  add %rax, %rsi', '  sub %rax, %rdx', '  jmp 1b',
    '2: xor %edi, %edi', '  mov $60, %eax', '  syscall', '3: mov $1, %edi', '  mov $60, %eax', '  syscall');

  // setup: rsi = descriptor [id, resume, npatch, low, (off, value)*]; the return address is the insn
  o.push('', 'setup:', '.globl setup_ds', 'setup_ds: mov sel_null(%rip), %ds', '.globl setup_es', 'setup_es: mov sel_null(%rip), %es',
    '  pop %rax', '  mov %rax, cur_ret(%rip)', '  mov %rsi, cur_desc(%rip)',
    '  mov 8(%rsi), %rax', '  mov %rax, cur_resume(%rip)',
    '  lea bg(%rip), %rax', '  lea cur(%rip), %rdx', `  mov $${CUR_BYTES / 8}, %ecx`,
    '1: mov (%rax), %rbx', '  mov %rbx, (%rdx)', '  add $8, %rax', '  add $8, %rdx', '  dec %ecx', '  jnz 1b',
    '  mov 24(%rsi), %rax', '  mov %rax, cur_low(%rip)',
    '  mov 16(%rsi), %rcx', '  lea 32(%rsi), %rax', '  lea cur(%rip), %rdi', '  test %rcx, %rcx', '  jz 3f',
    '2: mov (%rax), %rdx', '  mov 8(%rax), %rbx', '  mov %rbx, (%rdi,%rdx)', '  add $16, %rax', '  dec %rcx', '  jnz 2b',
    `3: movabs $${PROBE_RW}, %rax`, '  mov %rax, ropage-16(%rip)', '  mov %rax, ropage-8(%rip)',
    '  cmpq $0, cur_low(%rip)', '  je 4f', '  lea scratch(%rip), %rax', `  mov $${LOW_SCR}, %edx`, `  mov $${SCR_BYTES / 8}, %ecx`,
    '5: mov (%rax), %rbx', '  mov %rbx, (%rdx)', '  add $8, %rax', '  add $8, %rdx', '  dec %ecx', '  jnz 5b', '4:',
    '  pushq cur+128(%rip)', '  popfq');
  for (let n = 0; n < 16; n++) if (n !== 6) o.push(`  mov cur+${8 * n}(%rip), %${R(n)}`);
  o.push('  mov cur+48(%rip), %rsi', '  jmp *cur_ret(%rip)');

  // capture: rsp = capstack_top - 8; cap_rsp holds the case's RSP
  o.push('', 'capture:', '  pushfq', '  mov %rax, cap_rax(%rip)', '  pop %rax', '  mov %rax, cap_flags(%rip)', '  mov out_ptr(%rip), %rax');
  for (let n = 1; n < 16; n++) if (n !== 4) o.push(`  mov %${R(n)}, ${8 * n}(%rax)`);
  o.push('  mov cap_rax(%rip), %rbx', '  mov %rbx, (%rax)', '  mov cap_rsp(%rip), %rbx', '  mov %rbx, 32(%rax)',
    '  mov cap_flags(%rip), %rbx', '  mov %rbx, 128(%rax)', '  xor %ebx, %ebx',
    '  mov %rbx, 136(%rax)', '  mov %rbx, 144(%rax)', '  mov %rbx, 152(%rax)', '  mov %rbx, 160(%rax)');
  o.push('capture_tail:', '  mov cur_desc(%rip), %rbx', '  mov (%rbx), %rbx', '  mov %rbx, 168(%rax)',
    '  cmpq $0, cur_low(%rip)', '  je 4f', `  mov $${LOW_SCR}, %esi`, '  lea scratch(%rip), %rdi', `  mov $${SCR_BYTES / 8}, %ecx`,
    '5: mov (%rsi), %rbx', '  mov %rbx, (%rdi)', '  add $8, %rsi', '  add $8, %rdi', '  dec %ecx', '  jnz 5b', '4:',
    '  lea scratch(%rip), %rsi', `  lea ${SCR_IN_REC}(%rax), %rdi`, `  mov $${SCR_BYTES / 8}, %ecx`,
    '1: mov (%rsi), %rbx', '  mov %rbx, (%rdi)', '  add $8, %rsi', '  add $8, %rdi', '  dec %ecx', '  jnz 1b',
    '  lea ropage-16(%rip), %rsi', `  mov $${PROBE_BYTES / 8}, %ecx`,
    '1: mov (%rsi), %rbx', '  mov %rbx, (%rdi)', '  add $8, %rsi', '  add $8, %rdi', '  dec %ecx', '  jnz 1b',
    `  add $${REC}, %rax`, '  mov %rax, out_ptr(%rip)', '  ret');

  // handler(signo, siginfo, ucontext): gregs at uc+40 in the kernel's order
  // R8..R15 RDI RSI RBP RBX RDX RAX RCX RSP RIP EFL CSGSFS ERR TRAPNO
  const greg = [13, 14, 12, 11, 15, 10, 9, 8, 0, 1, 2, 3, 4, 5, 6, 7];
  o.push('', '.globl sighandler', 'sighandler:', '  mov out_ptr(%rip), %rax', '  lea 40(%rdx), %rdx');
  for (let n = 0; n < 16; n++) o.push(`  mov ${8 * greg[n]}(%rdx), %rcx`, `  mov %rcx, ${8 * n}(%rax)`);
  o.push('  mov 136(%rdx), %rcx', '  mov %rcx, 128(%rax)',
    '  mov (%rsi), %ecx', '  mov %ecx, 136(%rax)', '  mov 8(%rsi), %ecx', '  mov %ecx, 140(%rax)',
    '  mov 16(%rsi), %rcx', '  mov %rcx, 144(%rax)', '  mov 128(%rdx), %rcx', '  mov %rcx, 152(%rax)',
    '  mov 160(%rdx), %ecx', '  mov %ecx, 160(%rax)', '  mov 152(%rdx), %ecx', '  mov %ecx, 164(%rax)',
    '  lea capstack_top(%rip), %rsp', '  pushq cur_resume(%rip)', '  jmp capture_tail');
  o.push('restorer:', '  mov $15, %eax', '  syscall', '  hlt');

  // data
  o.push('', '.data', '.balign 16', 'sigact: .quad sighandler, 0x4C000004, restorer, 0',   // SIGINFO|ONSTACK|NODEFER|RESTORER
    'altss: .quad altstack, 0, 65536', '.balign 16', 'bg:');
  for (const v of lay.bgRegs) o.push(`  .quad ${q(v)}`);
  o.push('  .quad 0x202, 0');
  for (let k = 0; k < SCR_BYTES; k += 16) o.push('  .byte ' + Array.from(lay.bgScratch.subarray(k, k + 16), (b) => '0x' + b.toString(16)).join(','));
  o.push('.balign 8', '.globl case_addrs', 'case_addrs:');
  for (let k = 0; k < cases.length; k += 8) o.push('  .quad ' + cases.slice(k, k + 8).map((c) => `.Lc${c.id}_i`).join(', '));
  o.push('.globl case_ends', 'case_ends:');
  for (let k = 0; k < cases.length; k += 8) o.push('  .quad ' + cases.slice(k, k + 8).map((c) => `.Lc${c.id}_p`).join(', '));
  o.push('.globl case_count', `case_count: .quad ${cases.length}`);
  // far jumps into and out of compatibility mode: [site, target, 1 = to 64-bit]; MOV Sreg sites
  o.push('.globl far_sites', 'far_sites:');
  const m32 = cases.filter((c) => c.mode32);
  for (const c of m32) o.push(`  .quad .Lc${c.id}_go, .Lc${c.id}_i, 0, .Lc${c.id}_x, .Lc${c.id}_p, 1`);
  o.push('.globl far_count', `far_count: .quad ${m32.length * 2}`);
  o.push('.globl sreg_sites', 'sreg_sites: .quad setup_ds, setup_es');
  for (const c of m32) o.push(`  .quad .Lc${c.id}_ds, .Lc${c.id}_es`);
  o.push('.globl sreg_count', `sreg_count: .quad ${2 + 2 * m32.length}`);
  o.push('sel_null: .word 0', 'sel_user_ds: .word 0x2b');
  // aligned: a case may leave AC set, and this host checks alignment at CPL 3
  for (const c of m32) o.push('.balign 8', `.Lc${c.id}_f32: .long .Lc${c.id}_i`, '  .word 0x23', '.balign 8', `.Lc${c.id}_f64: .long .Lc${c.id}_p`, '  .word 0x33');
  o.push('.balign 8');                                         // a case may leave AC set: keep data aligned
  for (const c of cases) {
    const patches = casePatches(c, lay);
    o.push(`.Lc${c.id}_d: .quad ${c.id}, .Lc${c.id}_e, ${patches.length}, ${c.low && lay.low ? 1 : 0}`);
    for (const [off, v] of patches) o.push(`  .quad ${off}, ${q(typeof v === 'string' ? v.replace(/@/g, `.Lc${c.id}`) : v)}`);
  }
  // bss: cur with scratch+128 on a page boundary
  o.push('', '.bss', '.balign 4096', `.space ${4096 - 128 - SCR_IN_CUR}`, '.globl cur', 'cur: .space 400',
    '.set scratch, cur+144', '.globl scratch',
    '.balign 16', 'cur_ret: .quad 0', 'cur_desc: .quad 0', 'cur_low: .quad 0', 'cur_resume: .quad 0', 'cap_rax: .quad 0', 'cap_rsp: .quad 0',
    'cap_flags: .quad 0', 'out_ptr: .quad 0',
    '.balign 4096', 'capstack: .space 4096', 'capstack_top: .space 64',
    '.balign 4096', '.globl altstack', 'altstack: .space 65536',
    '.balign 4096', '.globl rwpage', 'rwpage: .space 4096', '.globl ropage', 'ropage: .space 4096', '.globl nopage', 'nopage: .space 4096',
    '.balign 4096', '.globl out', `out: .space ${cases.length * REC + 4096}`);
  return o.join('\n') + '\n';
}

/** The qword patches (offset in cur, value) that turn the background into the case's inputs. */
export function casePatches(c: Case, lay: Layout): [number, bigint | string][] {
  const out: [number, bigint | string][] = [];
  for (let n = 0; n < 16; n++) if (c.regs.has(n)) out.push([8 * n, c.regs.get(n)!]);
  out.push([128, c.flags]);
  const bytes = lay.bgScratch.slice();
  for (const [off, b] of c.mem) bytes[off] = b;
  for (let k = 0; k < SCR_BYTES; k += 8) {
    if (c.memSym.has(k)) { out.push([SCR_IN_CUR + k, c.memSym.get(k)!]); continue; }
    let same = true;
    for (let j = 0; j < 8; j++) if (bytes[k + j] !== lay.bgScratch[k + j]) same = false;
    if (!same) {
      let v = 0n;
      for (let j = 7; j >= 0; j--) v = (v << 8n) | BigInt(bytes[k + j]);
      out.push([SCR_IN_CUR + k, v]);
    }
  }
  return out;
}

// ---- build and native run -------------------------------------------------------------------------

export interface Built { exe: string; syms: Map<string, number> }

export function build(dir: string, name: string, src: string): Built {
  const s = join(dir, name + '.s'), exe = join(dir, name);
  writeFileSync(s, src);
  const r = spawnSync('gcc', ['-nostdlib', '-static', '-no-pie', '-Wl,--no-relax', '-o', exe, s], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`gcc failed:\n${(r.stderr || '').split('\n').slice(0, 30).join('\n')}`);
  const nm = spawnSync('nm', [exe], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const syms = new Map<string, number>();
  for (const line of nm.stdout.split('\n')) {
    const m = /^([0-9a-f]+) \w (\S+)$/.exec(line);
    if (m) syms.set(m[2], parseInt(m[1], 16));
  }
  return { exe, syms };
}

export interface RunResult { out: Uint8Array; status: number | null; signal: string | null; err: string }

export function runNative(exe: string): RunResult {
  const r = spawnSync(exe, [], { maxBuffer: 1 << 30 });
  return { out: new Uint8Array(r.stdout ?? []), status: r.status, signal: r.signal, err: String(r.stderr ?? '') };
}

// ---- run on our CPU ---------------------------------------------------------------------------------

export interface Emu { cpu: Cpu; mem: AddressSpace }

/** Loads the program into a fresh address space with the project's loader. */
export function loadEmu(b: Built): Emu {
  const pool = defaultPool();
  const mem = new AddressSpace(pool);
  const bytes = new Uint8Array(readFileSync(b.exe));
  const res = loadProgram({
    mem, exe: { bytes, path: b.exe }, argv: [b.exe], envp: [], execfn: b.exe, random16: new Uint8Array(16),
    uid: 0, euid: 0, gid: 0, egid: 0, secure: false, hwcap: 0, hwcap2: 0,
  });
  const cpu = new Cpu(new CpuState(pool), mem, res.mode64);
  cpu.rip = res.entry;
  cpu.setRegAddr(4, res.sp);
  return { cpu, mem };
}

const TWO32 = 4294967296;

function rd64(mem: AddressSpace, a: number): number {
  const lo = mem.read64(a) >>> 0;
  return (mem.hi >>> 0) * TWO32 + lo;
}

/** Runs the loaded program to exit, playing the kernel. */
export function runEmu(e: Emu, syms: Map<string, number>, budget = 2e9): RunResult & { insns: number } {
  const { cpu, mem } = e;
  const chunks: Uint8Array[] = [];
  const handler = syms.get('sighandler')!, alt = syms.get('altstack')!;
  let status: number | null = null, err = '';
  let left = budget;
  const r = cpu.r;
  const setRax = (v: number) => cpu.setR(0, 8, v | 0, v < 0 ? -1 : Math.floor(v / TWO32));
  let faults = 0;
  // far jumps (FF /5) and MOV Sreg are not in our table (#UD): the harness performs them
  const far = new Map<number, [number, boolean]>();
  const fs0 = syms.get('far_sites'), fn = syms.get('far_count');
  if (fs0 !== undefined && fn !== undefined) {
    const n = rd64(mem, fn);
    for (let k = 0; k < n; k++) far.set(rd64(mem, fs0 + 24 * k), [rd64(mem, fs0 + 24 * k + 8), rd64(mem, fs0 + 24 * k + 16) === 1]);
  }
  const skip = new Set<number>();                              // MOV Sreg, m16 (8E /r, RIP-relative: 6 bytes)
  const ss = syms.get('sreg_sites'), sn = syms.get('sreg_count');
  if (ss !== undefined && sn !== undefined) for (let k = 0, n = rd64(mem, sn); k < n; k++) skip.add(rd64(mem, ss + 8 * k));
  while (status === null) {
    if (left <= 0) { err = `instruction budget exhausted at rip 0x${cpu.rip.toString(16)}`; break; }
    const before = cpu.retired;
    const why = cpu.run(Math.min(left, 1 << 22));
    left -= Math.max(1, cpu.retired - before);
    if (why === EXIT_SYSCALL) {
      const nr = r[0], a0 = cpu.regAddr(7), a1 = cpu.regAddr(6), a2 = cpu.regAddr(2);
      switch (nr) {
        case 1: chunks.push(mem.readBytes(a1, a2).slice()); setRax(a2); break;
        case 60: case 231: status = a0 & 0xff; break;
        case 13: case 131: setRax(0); break;
        case 10: setRax(mem.protect(a0, a1, a2) ? 0 : -12); break;
        case 11: mem.unmap(a0, a1); setRax(0); break;
        case 9: mem.map(a0, a1, a2, 0, 'low'); setRax(a0); break;        // only the low mirror's MAP_FIXED
        case 158:
          if (a0 === 0x1002) cpu.fsBase = a1; else if (a0 === 0x1001) cpu.gsBase = a1;
          setRax(0); break;
        default: setRax(-38);                                   // ENOSYS
      }
    } else if (why === EXIT_SIGNAL) {
      const s = cpu.signal!;
      if (s.signo === 4 && far.has(cpu.rip)) { const [to, m64] = far.get(cpu.rip)!; cpu.mode64 = m64; cpu.rip = to; continue; }
      if (s.signo === 4 && skip.has(cpu.rip)) { cpu.rip += 6; continue; }
      cpu.mode64 = true;                                        // the handler is 64-bit code
      if (++faults > 1e6) { err = 'too many faults'; break; }
      // minimal rt signal delivery: siginfo at alt+0x1000, ucontext at alt+0x2000, stack below alt+0xf000
      const info = alt + 0x1000, uc = alt + 0x2000, g = uc + 40;
      mem.writeBytes(info, new Uint8Array(128));
      mem.write32(info, s.signo); mem.write32(info + 8, s.code);
      mem.write64(info + 16, s.addr % TWO32 | 0, Math.floor(s.addr / TWO32) | 0);
      const order = [8, 9, 10, 11, 12, 13, 14, 15, 7, 6, 5, 3, 2, 0, 1, 4];
      order.forEach((n, k) => mem.write64(g + 8 * k, r[2 * n], r[2 * n + 1]));
      const fl = getFlags(cpu.f);
      mem.write64(g + 128, cpu.rip % TWO32 | 0, Math.floor(cpu.rip / TWO32) | 0);
      mem.write64(g + 136, fl, 0);
      mem.write64(g + 152, s.err, 0);
      mem.write64(g + 160, s.trapno, 0);
      cpu.setR(7, 8, s.signo); cpu.setRegAddr(6, info); cpu.setRegAddr(2, uc);
      cpu.setRegAddr(4, alt + 0xf000 - 8);
      setFlags(cpu.f, fl & ~0x10500);                           // the kernel clears DF, TF and RF for the handler
      cpu.rip = handler;
    }
  }
  const len = chunks.reduce((s, c) => s + c.length, 0);
  const out = new Uint8Array(len);
  let p = 0;
  for (const c of chunks) { out.set(c, p); p += c.length; }
  return { out, status, signal: null, err, insns: cpu.retired };
}

/** The case id the program was working on (for runaway reports). */
export function currentCase(e: Emu, syms: Map<string, number>): number {
  const d = rd64(e.mem, syms.get('cur_desc')!);
  return d ? rd64(e.mem, d) : -1;
}

/** Runs the program on our CPU until it exits or raises a CPU exception (no signal delivery). */
export function runUntilSignal(e: Emu, budget = 1e6): { signal: import('../../cpu/fault.js').CpuSignal | null; rip: number; status: number | null } {
  const { cpu } = e;
  while (budget > 0) {
    const before = cpu.retired;
    const why = cpu.run(budget);
    budget -= Math.max(1, cpu.retired - before);
    if (why === EXIT_SIGNAL) return { signal: cpu.signal, rip: cpu.rip, status: null };
    if (why === EXIT_SYSCALL) {
      const nr = cpu.r[0];
      if (nr === 60 || nr === 231) return { signal: null, rip: cpu.rip, status: cpu.r[14] & 0xff };
      cpu.setR(0, 8, -38, -1);
    }
  }
  return { signal: null, rip: cpu.rip, status: null };
}
