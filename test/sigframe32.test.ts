// The i386 signal frames (kernel/sigframe32.ts) against the layouts gcc -m32 measures from the
// kernel's own headers (asm/sigcontext.h; the frame structs as arch/x86/include/asm/sigframe.h
// declares them) and glibc's i386 ucontext_t / siginfo_t: a frame built for a synthetic i386 task is
// read back through the measured offsets, field by field, and a sigreturn from it must restore every
// register, the flags, the x87/SSE state, the mask and the alternate stack. Also: the compat
// siginfo_t for each siginfo layout, and the old one-word signal calls of syscalls/signal32.ts.

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../cpu/index.js';
import { Cpu, EXIT_SYSCALL } from '../cpu/cpu.js';
import { CpuState, OFF_MXCSR } from '../cpu/state.js';
import { AddressSpace, PROT_EXEC, PROT_READ, PROT_WRITE } from '../cpu/memory.js';
import { defaultPool } from '../cpu/frames.js';
import { getFlags, setFlags } from '../cpu/flags.js';
import { fsaveImage } from '../cpu/ops/x87.js';
import { Kernel } from '../kernel/kernel.js';
import { Process, Task } from '../kernel/process.js';
import { nodeHost } from '../host/node.js';
import { Errno } from '../kernel/errno.js';
import { SA_NODEFER, SA_ONSTACK, SA_RESETHAND, SA_RESTORER, SA_SIGINFO } from '../kernel/linux.js';
import {
  SigInfo, SigSet, SIGCHLD, SIGIO, SIGSEGV, SIGSYS, SIGUSR1, SIGUSR2, SI_QUEUE, SI_TIMER, SI_USER, SIGKILL,
} from '../kernel/signal.js';
import {
  FSAVE_HEADER, RT_SIGFRAME32_SIZE, RTF, SC32, SF, SIGCONTEXT32_SIZE, SIGFRAME32_SIZE, setupFrame32, sigreturn32,
} from '../kernel/sigframe32.js';
import { vdsoSymbol } from '../loader/vdso.js';
import { signal32Calls } from '../syscalls/signal32.js';
import { FIXTURE_BIN, differences, fail, isExecutableFile, runBoth } from './helpers/compare.js';
import { i386RunsNatively } from './helpers/i386.js';

const work = mkdtempSync(join(tmpdir(), 'lxbrand-sigframe32-'));
after(() => rmSync(work, { recursive: true, force: true }));

// ---- the oracle: offsetof/sizeof under gcc -m32 ---------------------------------------------------------

/** Kernel structs from asm/sigcontext.h, and the ia32 frames as the kernel declares them. */
const KERNEL_C = String.raw`
#include <stdio.h>
#include <stddef.h>
#include <asm/sigcontext.h>
struct stack_ia32 { unsigned int ss_sp; int ss_flags; unsigned int ss_size; };
struct ucontext_ia32 { unsigned int uc_flags, uc_link; struct stack_ia32 uc_stack; struct sigcontext_32 uc_mcontext; unsigned int uc_sigmask[2]; };
struct sigframe_ia32 { unsigned int pretcode; int sig; struct sigcontext_32 sc; struct _fpstate_32 fpstate_unused; unsigned int extramask[1]; char retcode[8]; };
struct rt_sigframe_ia32 { unsigned int pretcode; int sig; unsigned int pinfo, puc; char info[128]; struct ucontext_ia32 uc; char retcode[8]; };
#define P(s, f) printf("%s.%s %zu\n", #s, #f, offsetof(struct s, f))
#define S(s) printf("sizeof.%s %zu\n", #s, sizeof(struct s))
void kern(void) {
  S(sigframe_ia32); S(rt_sigframe_ia32); S(ucontext_ia32); S(sigcontext_32); S(_fpstate_32);
  P(sigframe_ia32, pretcode); P(sigframe_ia32, sig); P(sigframe_ia32, sc); P(sigframe_ia32, extramask); P(sigframe_ia32, retcode);
  P(rt_sigframe_ia32, pretcode); P(rt_sigframe_ia32, sig); P(rt_sigframe_ia32, pinfo); P(rt_sigframe_ia32, puc);
  P(rt_sigframe_ia32, info); P(rt_sigframe_ia32, uc); P(rt_sigframe_ia32, retcode);
  P(ucontext_ia32, uc_flags); P(ucontext_ia32, uc_link); P(ucontext_ia32, uc_stack); P(ucontext_ia32, uc_mcontext); P(ucontext_ia32, uc_sigmask);
  P(stack_ia32, ss_sp); P(stack_ia32, ss_flags); P(stack_ia32, ss_size);
  P(sigcontext_32, gs); P(sigcontext_32, fs); P(sigcontext_32, es); P(sigcontext_32, ds); P(sigcontext_32, di); P(sigcontext_32, si);
  P(sigcontext_32, bp); P(sigcontext_32, sp); P(sigcontext_32, bx); P(sigcontext_32, dx); P(sigcontext_32, cx); P(sigcontext_32, ax);
  P(sigcontext_32, trapno); P(sigcontext_32, err); P(sigcontext_32, ip); P(sigcontext_32, cs); P(sigcontext_32, flags);
  P(sigcontext_32, sp_at_signal); P(sigcontext_32, ss); P(sigcontext_32, fpstate); P(sigcontext_32, oldmask); P(sigcontext_32, cr2);
  P(_fpstate_32, cw); P(_fpstate_32, sw); P(_fpstate_32, tag); P(_fpstate_32, ipoff); P(_fpstate_32, cssel); P(_fpstate_32, dataoff);
  P(_fpstate_32, datasel); P(_fpstate_32, _st); P(_fpstate_32, status); P(_fpstate_32, magic); P(_fpstate_32, _fxsr_env);
  P(_fpstate_32, mxcsr); P(_fpstate_32, _fxsr_st); P(_fpstate_32, _xmm); P(_fpstate_32, sw_reserved);
  P(_fpx_sw_bytes, magic1); P(_fpx_sw_bytes, extended_size); P(_fpx_sw_bytes, xfeatures); P(_fpx_sw_bytes, xstate_size);
}
`;

/** glibc's view (what programs compile against): ucontext_t gregs and siginfo_t. */
const GLIBC_C = String.raw`
#define _GNU_SOURCE
#include <stdio.h>
#include <stddef.h>
#include <signal.h>
#include <ucontext.h>
void kern(void);
#define O(name, expr) printf("%s %zu\n", name, (size_t)(expr))
#define G(r) O("gregs." #r, offsetof(ucontext_t, uc_mcontext.gregs[r]))
#define I(f) O("siginfo." #f, offsetof(siginfo_t, f))
int main(void) {
  kern();
  O("ucontext_t.uc_stack", offsetof(ucontext_t, uc_stack)); O("ucontext_t.uc_mcontext", offsetof(ucontext_t, uc_mcontext));
  O("ucontext_t.uc_sigmask", offsetof(ucontext_t, uc_sigmask));
  O("ucontext_t.fpregs", offsetof(ucontext_t, uc_mcontext.fpregs)); O("ucontext_t.oldmask", offsetof(ucontext_t, uc_mcontext.oldmask));
  O("ucontext_t.cr2", offsetof(ucontext_t, uc_mcontext.cr2));
  G(REG_GS); G(REG_FS); G(REG_ES); G(REG_DS); G(REG_EDI); G(REG_ESI); G(REG_EBP); G(REG_ESP); G(REG_EBX); G(REG_EDX);
  G(REG_ECX); G(REG_EAX); G(REG_TRAPNO); G(REG_ERR); G(REG_EIP); G(REG_CS); G(REG_EFL); G(REG_UESP); G(REG_SS);
  O("sizeof.siginfo_t", sizeof(siginfo_t));
  I(si_signo); I(si_errno); I(si_code); I(si_pid); I(si_uid); I(si_timerid); I(si_overrun); I(si_value); I(si_status);
  I(si_utime); I(si_stime); I(si_addr); I(si_addr_lsb); I(si_lower); I(si_upper); I(si_pkey); I(si_band); I(si_fd);
  I(si_call_addr); I(si_syscall); I(si_arch);
  return 0;
}
`;

let off: Map<string, number> | null = null;
let whyNot = '';

before(() => {
  const k = join(work, 'k.c'), g = join(work, 'g.c'), exe = join(work, 'layout32');
  writeFileSync(k, KERNEL_C);
  writeFileSync(g, GLIBC_C);
  try {
    execFileSync('gcc', ['-m32', '-o', exe, g, k], { stdio: 'pipe' });
  } catch (e) {
    whyNot = `gcc -m32 failed (gcc-multilib missing?): ${(e as { stderr?: Buffer }).stderr?.toString() ?? e}`;
    return;
  }
  const out = execFileSync(exe, { encoding: 'utf8' });
  off = new Map(out.trim().split('\n').map((l) => { const [n, v] = l.split(' '); return [n, Number(v)]; }));
});

function O(name: string): number {
  if (!off) throw new Error(whyNot);
  const v = off.get(name);
  if (v === undefined) throw new Error(`no measurement for ${name}`);
  return v;
}

// ---- a synthetic i386 task ---------------------------------------------------------------------------------

const CODE = 0x08048000, STACK_LO = 0xff000000, STACK_HI = 0xff010000, ALT = 0x20000000, ALT_SIZE = 0x4000;
const VDSO_BASE = 0xf7fc1000;

function setup() {
  const k = new Kernel({ host: nodeHost(), log: () => undefined, release: '6.1.0-test' });
  const mem = new AddressSpace(defaultPool());
  mem.map(CODE, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC, 0, '');
  mem.map(STACK_LO, STACK_HI - STACK_LO, PROT_READ | PROT_WRITE, 0, '[stack]');
  mem.map(ALT, ALT_SIZE, PROT_READ | PROT_WRITE, 0, '');
  const cpu = new Cpu(new CpuState(defaultPool()), mem, false);
  const p = new Process(k, 42, mem, false);
  p.cwd = '/';
  p.image = { auxv: [[33, VDSO_BASE]], mm: {} as never };
  const t = new Task(42, p, cpu);
  p.tasks.push(t);
  return { k, mem, cpu, p, t };
}

const u32 = (mem: AddressSpace, a: number): number => new DataView(mem.readBytes(a, 4).buffer).getUint32(0, true);
const u16 = (mem: AddressSpace, a: number): number => new DataView(mem.readBytes(a, 2).buffer).getUint16(0, true);
const i32 = (mem: AddressSpace, a: number): number => new DataView(mem.readBytes(a, 4).buffer).getInt32(0, true);

/** Gives the task distinctive registers, flags, selectors, x87 stack (by running fld1/fldpi/fldl2t
 *  and an fdiv by zero that leaves ZE set), XMM registers and MXCSR. Returns the snapshot. */
function dirty(t: Task) {
  const cpu = t.cpu;
  // fld1; fldpi; fldl2t; fldz; fdivp st(1), st(0) -> st0 = l2t/0 = inf (ZE, masked); int 0x80
  t.mem.writeBytes(CODE, Uint8Array.of(0xd9, 0xe8, 0xd9, 0xeb, 0xd9, 0xe9, 0xd9, 0xee, 0xde, 0xf9, 0xcd, 0x80));
  cpu.rip = CODE;
  cpu.setRegAddr(4, STACK_HI - 0x123);
  assert.equal(cpu.run(100), EXIT_SYSCALL);
  const regs = [0x11111111, 0x2222c222, 0x33333333, 0x44444444, STACK_HI - 0x123, 0x66666666, 0x77777777, 0x88888888];
  regs.forEach((v, n) => cpu.setRegAddr(n, v >>> 0));
  cpu.rip = CODE + 0x40;
  setFlags(cpu.f, 0x202 | 0x1 | 0x40 | 0x800 | 0x400);    // CF ZF OF DF
  for (let k = 0; k < 8 * 4; k++) cpu.state.xmm[k] = (0x01020304 * (k + 1)) | 0;
  cpu.state.dv.setUint32(OFF_MXCSR, 0x1f80 | 0x8000 | 0x6000, true);    // FZ, RC=toward zero
  t.trapNr = 14; t.errorCode = 6; t.cr2 = 0xdeadbee0;
  t.sigmask = new SigSet(0x5a5a0000, 0x00000a0a);
  const fsave = fsaveImage(cpu);
  const env = new DataView(fsave.buffer);
  // the x87 code ran: four pushes and a pop leave TOP = 5 (1, pi, +inf), ZE raised, st(0) = +inf
  assert.equal((env.getUint16(4, true) >> 11) & 7, 5);
  assert.equal(env.getUint16(4, true) & 4, 4);
  assert.deepEqual([...fsave.subarray(28, 38)], [0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x7f]);
  return {
    regs, rip: cpu.rip, flags: getFlags(cpu.f), sel: [...cpu.sel], fsave,
    xmm: Array.from(cpu.state.xmm.subarray(0, 32)), mxcsr: cpu.state.dv.getUint32(OFF_MXCSR, true),
  };
}

/** What a handler does to the machine before it returns. */
function clobber(t: Task): void {
  const cpu = t.cpu;
  for (let n = 0; n < 8; n++) if (n !== 4) cpu.setRegAddr(n, 0xabcdef00 + n);
  setFlags(cpu.f, 0x202);
  cpu.state.xmm.fill(-1);
  t.sigmask = new SigSet(0x10, 0);
}

// ---- layouts -----------------------------------------------------------------------------------------------

test('frame structure sizes and offsets match gcc -m32 on the kernel headers', () => {
  assert.equal(SIGFRAME32_SIZE, O('sizeof.sigframe_ia32'));
  assert.equal(RT_SIGFRAME32_SIZE, O('sizeof.rt_sigframe_ia32'));
  assert.equal(SIGCONTEXT32_SIZE, O('sizeof.sigcontext_32'));
  assert.equal(SF.sig, O('sigframe_ia32.sig'));
  assert.equal(SF.sc, O('sigframe_ia32.sc'));
  assert.equal(SF.extramask, O('sigframe_ia32.extramask'));
  assert.equal(SF.retcode, O('sigframe_ia32.retcode'));
  assert.equal(RTF.sig, O('rt_sigframe_ia32.sig'));
  assert.equal(RTF.pinfo, O('rt_sigframe_ia32.pinfo'));
  assert.equal(RTF.puc, O('rt_sigframe_ia32.puc'));
  assert.equal(RTF.info, O('rt_sigframe_ia32.info'));
  assert.equal(RTF.uc, O('rt_sigframe_ia32.uc'));
  assert.equal(RTF.ucStack, O('rt_sigframe_ia32.uc') + O('ucontext_ia32.uc_stack'));
  assert.equal(RTF.ucMcontext, O('rt_sigframe_ia32.uc') + O('ucontext_ia32.uc_mcontext'));
  assert.equal(RTF.ucSigmask, O('rt_sigframe_ia32.uc') + O('ucontext_ia32.uc_sigmask'));
  assert.equal(RTF.retcode, O('rt_sigframe_ia32.retcode'));
  for (const [name, v] of Object.entries(SC32)) assert.equal(v, O(`sigcontext_32.${name}`), name);
  assert.equal(FSAVE_HEADER, O('_fpstate_32._fxsr_env'));
  // glibc's ucontext_t agrees with the kernel's ucontext_ia32 where programs look
  assert.equal(O('ucontext_t.uc_mcontext'), O('ucontext_ia32.uc_mcontext'));
  assert.equal(O('ucontext_t.uc_sigmask'), O('ucontext_ia32.uc_sigmask'));
  assert.equal(O('gregs.REG_EAX'), O('ucontext_ia32.uc_mcontext') + O('sigcontext_32.ax'));
  assert.equal(O('gregs.REG_UESP'), O('ucontext_ia32.uc_mcontext') + O('sigcontext_32.sp_at_signal'));
  assert.equal(O('sizeof.siginfo_t'), 128);
});

// ---- the RT frame ------------------------------------------------------------------------------------------

test('rt_sigframe_ia32: every field read back through the measured offsets', () => {
  const { t, mem, cpu } = setup();
  const before = dirty(t);
  const info = new SigInfo(SIGUSR1, SI_QUEUE).i32(16, 4242).i32(20, 1000).i32(24, 0x1234567);
  const act = { handler: 0x08049abc, flags: SA_SIGINFO | SA_RESTORER, restorer: 0x0804fff0, mask: new SigSet() };
  assert.ok(setupFrame32(t, SIGUSR1, info, act));
  const frame = cpu.regAddr(4);
  // get_sigframe: FXSAVE image 64-aligned below sp, the 112-byte fsave header under it, then
  // ((sp + 4) & -16) - 4 for the frame
  const sp = before.regs[4];
  const fx = Math.floor((sp - 512) / 64) * 64, fp = fx - 112;
  assert.equal(frame, Math.floor((fp - O('sizeof.rt_sigframe_ia32') + 4) / 16) * 16 - 4);
  assert.equal((frame + 4) % 16, 0);
  assert.equal(cpu.rip, act.handler);
  assert.equal(cpu.regAddr(0), SIGUSR1);
  assert.equal(cpu.regAddr(2), frame + O('rt_sigframe_ia32.info'));
  assert.equal(cpu.regAddr(1), frame + O('rt_sigframe_ia32.uc'));
  assert.equal(getFlags(cpu.f) & 0x10500, 0, 'DF, TF and RF clear in the handler');

  assert.equal(u32(mem, frame + O('rt_sigframe_ia32.pretcode')), act.restorer);
  assert.equal(u32(mem, frame + O('rt_sigframe_ia32.sig')), SIGUSR1);
  assert.equal(u32(mem, frame + O('rt_sigframe_ia32.pinfo')), frame + O('rt_sigframe_ia32.info'));
  assert.equal(u32(mem, frame + O('rt_sigframe_ia32.puc')), frame + O('rt_sigframe_ia32.uc'));
  // retcode: movl $__NR_rt_sigreturn (173), %eax; int $0x80; pad
  assert.deepEqual([...mem.readBytes(frame + O('rt_sigframe_ia32.retcode'), 8)], [0xb8, 173, 0, 0, 0, 0xcd, 0x80, 0]);
  const si = frame + O('rt_sigframe_ia32.info');
  assert.equal(i32(mem, si + O('siginfo.si_signo')), SIGUSR1);
  assert.equal(i32(mem, si + O('siginfo.si_code')), SI_QUEUE);
  assert.equal(i32(mem, si + O('siginfo.si_pid')), 4242);
  assert.equal(i32(mem, si + O('siginfo.si_uid')), 1000);
  assert.equal(i32(mem, si + O('siginfo.si_value')), 0x1234567);
  const uc = frame + O('rt_sigframe_ia32.uc');
  assert.equal(u32(mem, uc + O('ucontext_ia32.uc_flags')), 0, 'no UC_FP_XSTATE without XSAVE');
  assert.equal(u32(mem, uc + O('ucontext_ia32.uc_link')), 0);
  assert.equal(u32(mem, uc + O('ucontext_ia32.uc_stack') + O('stack_ia32.ss_flags')), 2, 'SS_DISABLE');
  assert.equal(u32(mem, uc + O('ucontext_ia32.uc_sigmask')), 0x5a5a0000);
  assert.equal(u32(mem, uc + O('ucontext_ia32.uc_sigmask') + 4), 0x0a0a);
  const sc = uc + O('ucontext_ia32.uc_mcontext');
  checkSigcontext(mem, sc, before, fp);
  // the glibc names for the same words
  assert.equal(u32(mem, uc + O('gregs.REG_EAX')), before.regs[0]);
  assert.equal(u32(mem, uc + O('gregs.REG_EIP')), before.rip);
  assert.equal(u32(mem, uc + O('ucontext_t.fpregs')), fp);
  checkFpstate(mem, fp, before);
});

function checkSigcontext(mem: AddressSpace, sc: number, before: ReturnType<typeof dirty>, fp: number): void {
  const names: [string, number][] = [['ax', 0], ['cx', 1], ['dx', 2], ['bx', 3], ['sp', 4], ['bp', 5], ['si', 6], ['di', 7]];
  for (const [n, g] of names) assert.equal(u32(mem, sc + O(`sigcontext_32.${n}`)), before.regs[g] >>> 0, n);
  assert.equal(u32(mem, sc + O('sigcontext_32.sp_at_signal')), before.regs[4]);
  assert.equal(u32(mem, sc + O('sigcontext_32.ip')), before.rip);
  assert.equal(u32(mem, sc + O('sigcontext_32.flags')), before.flags >>> 0);
  assert.equal(u32(mem, sc + O('sigcontext_32.es')), before.sel[0]);
  assert.equal(u32(mem, sc + O('sigcontext_32.cs')), 0x23);
  assert.equal(u32(mem, sc + O('sigcontext_32.ss')), 0x2b);
  assert.equal(u32(mem, sc + O('sigcontext_32.ds')), before.sel[3]);
  assert.equal(u32(mem, sc + O('sigcontext_32.fs')), before.sel[4]);
  assert.equal(u32(mem, sc + O('sigcontext_32.gs')), before.sel[5]);
  assert.equal(u32(mem, sc + O('sigcontext_32.trapno')), 14);
  assert.equal(u32(mem, sc + O('sigcontext_32.err')), 6);
  assert.equal(u32(mem, sc + O('sigcontext_32.cr2')), 0xdeadbee0);
  assert.equal(u32(mem, sc + O('sigcontext_32.oldmask')), 0x5a5a0000);
  assert.equal(u32(mem, sc + O('sigcontext_32.fpstate')), fp);
}

function checkFpstate(mem: AddressSpace, fp: number, before: ReturnType<typeof dirty>): void {
  const env = new DataView(before.fsave.buffer);
  assert.equal(u32(mem, fp + O('_fpstate_32.cw')), env.getUint32(0, true));
  assert.equal(u32(mem, fp + O('_fpstate_32.sw')), env.getUint32(4, true));
  assert.equal(u32(mem, fp + O('_fpstate_32.tag')), env.getUint32(8, true));
  assert.equal(u32(mem, fp + O('_fpstate_32.cssel')), 0x23, 'fcs = regs->cs on a 64-bit kernel');
  assert.equal(u32(mem, fp + O('_fpstate_32.datasel')), 0xffff002b, 'fos = DS | 0xffff0000');
  assert.deepEqual([...mem.readBytes(fp + O('_fpstate_32._st'), 80)], [...before.fsave.subarray(28, 108)]);
  assert.equal(u16(mem, fp + O('_fpstate_32.status')), env.getUint16(4, true));
  assert.equal(u16(mem, fp + O('_fpstate_32.magic')), 0, 'X86_FXSR_MAGIC');
  assert.equal(u32(mem, fp + O('_fpstate_32.mxcsr')), before.mxcsr);
  // _fxsr_st[k] holds st(k) (10 bytes + 6 of padding), like _st[k]
  for (let k = 0; k < 8; k++) {
    assert.deepEqual([...mem.readBytes(fp + O('_fpstate_32._fxsr_st') + 16 * k, 10)], [...before.fsave.subarray(28 + 10 * k, 38 + 10 * k)]);
  }
  const xmm = new Int32Array(mem.readBytes(fp + O('_fpstate_32._xmm'), 128).slice().buffer);
  assert.deepEqual(Array.from(xmm), before.xmm);
  const sw = fp + O('_fpstate_32.sw_reserved');
  assert.equal(u32(mem, sw + O('_fpx_sw_bytes.magic1')), 0x46505853);
  assert.equal(u32(mem, sw + O('_fpx_sw_bytes.extended_size')), 512 + 4 + O('_fpstate_32._fxsr_env'));
  assert.equal(u32(mem, sw + O('_fpx_sw_bytes.xstate_size')), 512);
}

test('rt_sigreturn from an rt_sigframe_ia32 restores registers, flags, FPU, mask and altstack', () => {
  const { t, mem, cpu } = setup();
  const before = dirty(t);
  t.altstack = { sp: ALT, size: ALT_SIZE, flags: 0 };
  const act = { handler: 0x08049abc, flags: SA_SIGINFO | SA_RESTORER, restorer: 0x0804fff0, mask: new SigSet() };
  assert.ok(setupFrame32(t, SIGUSR2, new SigInfo(SIGUSR2, SI_USER), act));
  const frame = cpu.regAddr(4);
  const ss = frame + O('rt_sigframe_ia32.uc') + O('ucontext_ia32.uc_stack');
  assert.deepEqual([u32(mem, ss + O('stack_ia32.ss_sp')), u32(mem, ss + O('stack_ia32.ss_flags')), u32(mem, ss + O('stack_ia32.ss_size'))], [ALT, 0, ALT_SIZE]);
  clobber(t);
  t.altstack = { sp: 0, size: 0, flags: 2 };           // the handler disabled its alternate stack
  // and loaded GS with an RPL-0 selector, which sigreturn's fixup_rpl turns back into RPL 3
  mem.writeBytes(frame + O('rt_sigframe_ia32.uc') + O('ucontext_ia32.uc_mcontext') + O('sigcontext_32.gs'), Uint8Array.of(0x28, 0));
  // the handler edits uc_mcontext.gregs[REG_EAX] and REG_EIP; the edits are what sigreturn restores
  const uc = frame + O('rt_sigframe_ia32.uc');
  const put = (a: number, v: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v, true); mem.writeBytes(a, b); };
  put(uc + O('gregs.REG_EAX'), 0xfeedf00d);
  put(uc + O('gregs.REG_EIP'), CODE + 0x80);
  // __kernel_rt_sigreturn runs with ESP just above pretcode
  cpu.setRegAddr(4, frame + 4);
  assert.ok(sigreturn32(t, true, 2048));
  assert.equal(cpu.regAddr(0), 0xfeedf00d);
  for (let n = 1; n < 8; n++) assert.equal(cpu.regAddr(n), before.regs[n] >>> 0, `GPR ${n}`);
  assert.equal(cpu.r[1], 0);
  assert.equal(cpu.rip, CODE + 0x80);
  assert.equal(getFlags(cpu.f), before.flags);
  assert.deepEqual(cpu.sel, [...before.sel.slice(0, 5), 0x2b]);
  assert.deepEqual(t.altstack, { sp: ALT, size: ALT_SIZE, flags: 0 });
  assert.deepEqual([...fsaveImage(cpu)].slice(0, 12), [...before.fsave].slice(0, 12), 'cw, sw, tag');
  assert.deepEqual([...fsaveImage(cpu)].slice(28), [...before.fsave].slice(28), 'st(0..7)');
  assert.deepEqual(Array.from(cpu.state.xmm.subarray(0, 32)), before.xmm);
  assert.equal(cpu.state.dv.getUint32(OFF_MXCSR, true), before.mxcsr);
  assert.equal(t.sigmask.lo >>> 0, 0x5a5a0000);
  assert.equal(t.sigmask.hi, 0x0a0a);
  assert.equal(t.origAx, -1);
});

test('a bad frame or a bad MXCSR fails the sigreturn', () => {
  const { t, mem, cpu } = setup();
  dirty(t);
  cpu.setRegAddr(4, 0x1000);                                  // nothing mapped there
  assert.equal(sigreturn32(t, true, 2048), false);
  cpu.setRegAddr(4, STACK_HI - 0x123);
  const act = { handler: 0x08049abc, flags: SA_SIGINFO | SA_RESTORER, restorer: 0x0804fff0, mask: new SigSet() };
  assert.ok(setupFrame32(t, SIGUSR2, new SigInfo(SIGUSR2, SI_USER), act));
  const frame = cpu.regAddr(4);
  const fp = u32(mem, frame + O('rt_sigframe_ia32.uc') + O('ucontext_ia32.uc_mcontext') + O('sigcontext_32.fpstate'));
  mem.writeBytes(fp + O('_fpstate_32.mxcsr') + 2, Uint8Array.of(1));
  cpu.setRegAddr(4, frame + 4);
  assert.equal(sigreturn32(t, true, 2048), false);
});

// ---- the old frame ------------------------------------------------------------------------------------------

test('sigframe_ia32 (no SA_SIGINFO): fields, vDSO restorer, and sigreturn', () => {
  const { t, mem, cpu } = setup();
  const before = dirty(t);
  const act = { handler: 0x08049abc, flags: 0, restorer: 0, mask: new SigSet(0x100, 0) };
  assert.ok(setupFrame32(t, SIGSEGV, SigInfo.fault(SIGSEGV, 1, 0x1234), act));
  const frame = cpu.regAddr(4);
  assert.equal((frame + 4) % 16, 0);
  assert.equal(cpu.regAddr(0), SIGSEGV);
  assert.equal(cpu.regAddr(2), 0, 'EDX = 0 for the old frame');
  assert.equal(cpu.regAddr(1), 0, 'ECX = 0 for the old frame');
  const sym = vdsoSymbol(false, '__kernel_sigreturn');
  assert.ok(sym !== undefined);
  assert.equal(u32(mem, frame + O('sigframe_ia32.pretcode')), VDSO_BASE + sym);
  assert.equal(u32(mem, frame + O('sigframe_ia32.sig')), SIGSEGV);
  // retcode: popl %eax; movl $__NR_sigreturn (119), %eax; int $0x80
  assert.deepEqual([...mem.readBytes(frame + O('sigframe_ia32.retcode'), 8)], [0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80]);
  assert.equal(u32(mem, frame + O('sigframe_ia32.extramask')), 0x0a0a);
  const sp = before.regs[4];
  const fp = Math.floor((sp - 512) / 64) * 64 - 112;
  checkSigcontext(mem, frame + O('sigframe_ia32.sc'), before, fp);
  checkFpstate(mem, fp, before);

  clobber(t);
  const put = (a: number, v: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v, true); mem.writeBytes(a, b); };
  put(frame + O('sigframe_ia32.sc') + O('sigcontext_32.bx'), 0x0badcafe);
  // __kernel_sigreturn: the handler's ret popped pretcode, then popl %eax, int $0x80
  cpu.setRegAddr(4, frame + 8);
  assert.ok(sigreturn32(t, false, 2048));
  assert.equal(cpu.regAddr(3), 0x0badcafe);
  for (const n of [0, 1, 2, 4, 5, 6, 7]) assert.equal(cpu.regAddr(n), before.regs[n] >>> 0, `GPR ${n}`);
  assert.equal(cpu.rip, before.rip);
  assert.equal(getFlags(cpu.f), before.flags);
  assert.deepEqual([...fsaveImage(cpu)].slice(28), [...before.fsave].slice(28));
  assert.deepEqual(Array.from(cpu.state.xmm.subarray(0, 32)), before.xmm);
  assert.equal(t.sigmask.lo >>> 0, 0x5a5a0000);
  assert.equal(t.sigmask.hi, 0x0a0a);
});

test('SA_RESTORER wins over the vDSO; without a vDSO the old frame returns through its retcode', () => {
  const { t, mem, cpu, p } = setup();
  dirty(t);
  assert.ok(setupFrame32(t, SIGUSR1, new SigInfo(SIGUSR1, SI_USER), { handler: 0x08049000, flags: SA_RESTORER, restorer: 0x0804f000, mask: new SigSet() }));
  assert.equal(u32(mem, cpu.regAddr(4)), 0x0804f000);
  p.image = null;
  cpu.setRegAddr(4, STACK_HI - 0x400);
  assert.ok(setupFrame32(t, SIGUSR1, new SigInfo(SIGUSR1, SI_USER), { handler: 0x08049000, flags: 0, restorer: 0, mask: new SigSet() }));
  const frame = cpu.regAddr(4);
  assert.equal(u32(mem, frame), frame + O('sigframe_ia32.retcode'));
});

test('SA_ONSTACK puts the frame on the alternate stack; overflowing it fails', () => {
  const { t, cpu } = setup();
  dirty(t);
  t.altstack = { sp: ALT, size: ALT_SIZE, flags: 0 };
  const act = { handler: 0x08049000, flags: SA_SIGINFO | SA_RESTORER | SA_ONSTACK, restorer: 0x0804f000, mask: new SigSet() };
  assert.ok(setupFrame32(t, SIGUSR1, new SigInfo(SIGUSR1, SI_USER), act));
  const frame = cpu.regAddr(4);
  const fp = Math.floor((ALT + ALT_SIZE - 512) / 64) * 64 - 112;
  assert.equal(frame, Math.floor((fp - O('sizeof.rt_sigframe_ia32') + 4) / 16) * 16 - 4);
  // nested on a stack too small for another frame: the kernel gives up (SIGSEGV)
  t.altstack = { sp: ALT, size: ALT_SIZE, flags: 0 };
  cpu.setRegAddr(4, ALT + 0x300);
  assert.equal(setupFrame32(t, SIGUSR1, new SigInfo(SIGUSR1, SI_USER), act), false);
});

// ---- compat siginfo_t -----------------------------------------------------------------------------------------

test('compat siginfo_t for every layout lands on glibc i386 offsets', () => {
  const w = (b: Uint8Array, o: number) => new DataView(b.buffer).getInt32(o, true);
  const kill = SigInfo.user(SIGUSR1, SI_USER, 77, 1001).user(false);
  assert.deepEqual([w(kill, O('siginfo.si_signo')), w(kill, O('siginfo.si_code')), w(kill, O('siginfo.si_pid')), w(kill, O('siginfo.si_uid'))], [SIGUSR1, SI_USER, 77, 1001]);
  const fault = SigInfo.fault(SIGSEGV, 2, 0xc0001234).user(false);
  assert.equal(w(fault, O('siginfo.si_addr')) >>> 0, 0xc0001234);
  assert.equal(w(fault, 16), 0);
  const chld = new SigInfo(SIGCHLD, 1).i32(16, 300).i32(20, 5).i32(24, 7).u64(32, 12).u64(40, 34).user(false);
  assert.deepEqual(['si_pid', 'si_uid', 'si_status', 'si_utime', 'si_stime'].map((f) => w(chld, O(`siginfo.${f}`))), [300, 5, 7, 12, 34]);
  const rt = new SigInfo(SIGUSR2, SI_QUEUE).i32(16, 9).i32(20, 8).i32(24, -5).user(false);
  assert.deepEqual(['si_pid', 'si_uid', 'si_value'].map((f) => w(rt, O(`siginfo.${f}`))), [9, 8, -5]);
  const timer = new SigInfo(SIGUSR1, SI_TIMER).i32(16, 3).i32(20, 4).i32(24, 99).user(false);
  assert.deepEqual(['si_timerid', 'si_overrun', 'si_value'].map((f) => w(timer, O(`siginfo.${f}`))), [3, 4, 99]);
  const poll = new SigInfo(SIGIO, 1).u64(16, 0x41).i32(24, 6).user(false);
  assert.deepEqual(['si_band', 'si_fd'].map((f) => w(poll, O(`siginfo.${f}`))), [0x41, 6]);
  const sys = new SigInfo(SIGSYS, 1).u64(16, 0x08049000).i32(24, 400).i32(28, 0x40000003).user(false);
  assert.deepEqual(['si_call_addr', 'si_syscall', 'si_arch'].map((f) => w(sys, O(`siginfo.${f}`))), [0x08049000, 400, 0x40000003]);
  // a compat_siginfo_t from an i386 task comes back in the kernel's form
  const back = SigInfo.fromUser32(rt, SIGUSR2);
  assert.deepEqual([back.signo, back.code, back.getI32(16), back.getI32(20), back.getI32(24)], [SIGUSR2, SI_QUEUE, 9, 8, -5]);
});

// ---- the old one-word calls ----------------------------------------------------------------------------------

test('old sigaction, signal, sigprocmask, sigpending, sgetmask and ssetmask', async () => {
  const { t, mem } = setup();
  const A = STACK_LO;
  const put = (a: number, ...v: number[]) => { const b = new Uint8Array(4 * v.length); v.forEach((x, i) => new DataView(b.buffer).setUint32(4 * i, x >>> 0, true)); mem.writeBytes(a, b); };
  // struct old_sigaction { handler, sa_mask (one word), sa_flags, sa_restorer }
  put(A, 0x08049100, 1 << (SIGUSR2 - 1) | 1 << (SIGKILL - 1), SA_RESTORER | SA_SIGINFO | 0x100, 0x0804f000);
  assert.equal(await signal32Calls.sigaction(t, [SIGUSR1, A, 0]), 0);
  const a = t.proc.sigactions[SIGUSR1];
  assert.deepEqual([a.handler, a.flags >>> 0, a.restorer, a.mask.lo, a.mask.hi], [0x08049100, SA_RESTORER | SA_SIGINFO, 0x0804f000, 1 << (SIGUSR2 - 1), 0]);
  assert.equal(await signal32Calls.sigaction(t, [SIGUSR1, 0, A + 16]), 0);
  assert.deepEqual([0, 1, 2, 3].map((k) => u32(mem, A + 16 + 4 * k)), [0x08049100, 1 << (SIGUSR2 - 1), SA_RESTORER | SA_SIGINFO, 0x0804f000]);
  // signal(): SA_RESETHAND | SA_NODEFER, the old handler as the result
  assert.equal(await signal32Calls.signal(t, [SIGUSR1, 0x08049200]), 0x08049100);
  assert.equal(t.proc.sigactions[SIGUSR1].flags >>> 0, (SA_RESETHAND | SA_NODEFER) >>> 0);
  // sigprocmask: one word; SIG_SETMASK keeps signals 33..64; KILL and STOP never blocked
  t.sigmask = new SigSet(0, 0x77);
  put(A, 0xffffffff);
  assert.equal(await signal32Calls.sigprocmask(t, [2, A, A + 4]), 0);
  assert.equal(t.sigmask.lo >>> 0, (0xffffffff & ~(1 << 8) & ~(1 << 18)) >>> 0);
  assert.equal(t.sigmask.hi, 0x77);
  assert.equal(u32(mem, A + 4), 0);
  put(A, 0xff);
  assert.equal(await signal32Calls.sigprocmask(t, [1, A, A + 4]), 0);
  assert.equal(t.sigmask.lo & 0xff, 0);
  assert.throws(() => signal32Calls.sigprocmask(t, [7, A, 0]), (e: unknown) => e instanceof Errno && e.errno === 22);
  // sgetmask / ssetmask (the int is sign-extended into the upper word)
  assert.equal((await signal32Calls.sgetmask(t, [])) as number >>> 0, t.sigmask.lo >>> 0);
  const prev = t.sigmask.lo | 0;
  assert.equal(await signal32Calls.ssetmask(t, [-2]), prev);
  assert.equal(t.sigmask.lo >>> 0, (0xfffffffe & ~(1 << 8) & ~(1 << 18)) >>> 0);
  assert.equal(t.sigmask.hi, -1);
  // sigpending: blocked and pending, low word
  t.pending.set.add(SIGUSR2);
  t.sigmask = new SigSet(1 << (SIGUSR2 - 1), 0);
  assert.equal(await signal32Calls.sigpending(t, [A]), 0);
  assert.equal(u32(mem, A), 1 << (SIGUSR2 - 1));
});

// ---- the real thing ------------------------------------------------------------------------------------------

test('sig32 fixture (gcc -m32 -static): lxrun prints what the native run prints', async (t) => {
  const program = join(FIXTURE_BIN, 'glibc-i386', 'sig32');
  if (!isExecutableFile(program)) fail(`${program} is missing: gcc -m32 -static -O1 -o ${program} test/fixtures/src/sig32.c`);
  // the output is the i386 frame itself: there is no x86-64 build to stand in for the native run
  if (!i386RunsNatively()) { t.skip('this kernel does not run i386 programs'); return; }
  const pair = await runBoth({ program, args: [], cwd: work, timeoutMs: 30_000 }, { timeoutMs: 120_000 });
  const diff = differences(pair, { nativeStatus: 0 });
  if (diff) fail(diff);
});
