// The x86-64 rt_sigframe, built and taken apart exactly as arch/x86/kernel/signal.c and
// signal_64.c do for a CPU with FXSR and no XSAVE (what lxbrand's CPUID reports):
//
//   frame + 0    pretcode (sa_restorer)
//   frame + 8    struct ucontext: uc_flags @0, uc_link @8, uc_stack @16 (ss_sp, ss_flags, ss_size),
//                uc_mcontext (struct sigcontext, 256 bytes) @40, uc_sigmask @296   -- 304 bytes
//   frame + 312  siginfo_t (128 bytes; written only for SA_SIGINFO handlers)
//   fpstate      512-byte FXSAVE image, 64-byte aligned above the frame; bytes 464..511 hold
//                struct _fpx_sw_bytes (magic1 FP_XSTATE_MAGIC1, extended_size, xfeatures, xstate_size)
//
// get_sigframe: sp - 128 (red zone), switch to the alternate stack for SA_ONSTACK when not on it,
// fpstate = round_down(sp - 512, 64), frame = round_down(fpstate - 440, 16) - 8; overflowing an
// alternate stack gives a bogus frame (SIGSEGV). sigcontext layout from asm/sigcontext.h (measured
// with offsetof: r8..r15 @0, rdi @64, rsi, rbp, rbx, rdx, rax @104, rcx, rsp @120, rip @128,
// eflags @136, cs/gs/fs/ss @144.., err @152, trapno @160, oldmask @168, cr2 @176, fpstate @184).

import { resetHooks } from '../cpu/cpu.js';
import { getFlags, setFlags } from '../cpu/flags.js';
import { GuestFault } from '../cpu/memory.js';
import { CpuSignal } from '../cpu/fault.js';
import { fxrstor, fxsave } from '../cpu/ops/x87.js';
import { OFF_MXCSR, RAX, RDI, RDX, RSI, RSP } from '../cpu/state.js';
import { SA_ONSTACK, SA_RESTORER, SA_SIGINFO, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK } from './linux.js';
import type { Task } from './process.js';
import { SigAction, SigInfo, SigSet, SIGKILL, SIGSTOP, SIGINFO_SIZE } from './signal.js';

const TWO32 = 4294967296;
export const RT_SIGFRAME_SIZE = 440;
const UC = 8, UC_STACK = UC + 16, SC = UC + 40, UC_SIGMASK = UC + 296, INFO = 312;
const FXSAVE_SIZE = 512;
const FP_XSTATE_MAGIC1 = 0x46505853, FP_XSTATE_MAGIC2_SIZE = 4;
const UC_SIGCONTEXT_SS = 2, UC_STRICT_RESTORE_SS = 4;
const USER_CS = 0x33, USER_DS = 0x2b;
// EFLAGS bits
const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, TF = 0x100, DF = 0x400, OF = 0x800, RF = 0x10000, AC = 0x40000;
const FIX_EFLAGS = AC | OF | DF | TF | SF | ZF | AF | PF | CF | RF;
/** sigcontext slots r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp as GPR numbers. */
const SC_REGS = [8, 9, 10, 11, 12, 13, 14, 15, 7, 6, 5, 3, 2, 0, 1, 4];

const roundDown = (x: number, a: number): number => Math.floor(x / a) * a;

/** __on_sig_stack */
function onAltStack(t: Task, sp: number): boolean {
  const a = t.altstack;
  return sp > a.sp && sp - a.sp <= a.size;
}

/** on_sig_stack: never "on" an SS_AUTODISARM stack. */
export function onSigStack(t: Task, sp: number): boolean {
  if ((t.altstack.flags >>> 0) & SS_AUTODISARM) return false;
  return onAltStack(t, sp);
}

/** sas_ss_flags */
export function sasSsFlags(t: Task, sp: number): number {
  if (!t.altstack.size) return SS_DISABLE;
  return onSigStack(t, sp) ? SS_ONSTACK : 0;
}

function put64(dv: DataView, off: number, v: number): void {
  dv.setUint32(off, v >>> 0, true);
  dv.setUint32(off + 4, Math.floor(v / TWO32) >>> 0, true);
}

function get64(dv: DataView, off: number): number {
  return dv.getUint32(off + 4, true) * TWO32 + dv.getUint32(off, true);
}

/** fpu__clear_user_states: the handler (or a sigreturn without fpstate) starts from init FPU state. */
export function clearFpu(t: Task): void {
  const cpu = t.cpu;
  for (const h of resetHooks) h(cpu);
  cpu.state.xmm.fill(0);
  cpu.state.dv.setUint32(OFF_MXCSR, 0x1f80, true);
}

/**
 * x64_setup_rt_frame + the register part of handle_signal. Returns false when the frame cannot be
 * written (no SA_RESTORER, a bad stack, an overflowing alternate stack): the caller forces SIGSEGV.
 */
export function setupRtFrame(t: Task, sig: number, info: SigInfo, act: SigAction): boolean {
  const cpu = t.cpu;
  const mem = t.mem;
  const flags = act.flags >>> 0;
  if (!(flags & SA_RESTORER)) return false;     // "x86-64 should always use SA_RESTORER": -EFAULT
  const regsSp = cpu.regAddr(RSP);
  const nested = onSigStack(t, regsSp);
  let sp = regsSp - 128;
  let entering = false;
  if (flags & SA_ONSTACK) {
    if (sasSsFlags(t, sp) === 0) { sp = t.altstack.sp + t.altstack.size; entering = true; }
  }
  const fp = roundDown(sp - FXSAVE_SIZE, 64);
  const frame = roundDown(fp - RT_SIGFRAME_SIZE, 16) - 8;
  if ((nested || entering) && !onAltStack(t, frame)) return false;
  if (frame < 0 || frame + RT_SIGFRAME_SIZE > mem.limit) return false;
  try {
    // copy_fpstate_to_sigframe: FXSAVE, then the software bytes (save_xstate_epilog)
    fxsave(cpu, fp, true);
    const sw = new Uint8Array(48);
    const swv = new DataView(sw.buffer);
    swv.setUint32(0, FP_XSTATE_MAGIC1, true);
    swv.setUint32(4, FXSAVE_SIZE + FP_XSTATE_MAGIC2_SIZE, true);
    // xfeatures (u64 @8) stays 0: without XSAVE the kernel's default user features are empty
    swv.setUint32(16, FXSAVE_SIZE, true);
    mem.writeBytes(fp + 464, sw);

    if (flags & SA_SIGINFO) mem.writeBytes(frame + INFO, info.user());

    const head = new Uint8Array(INFO);   // pretcode + ucontext
    const dv = new DataView(head.buffer);
    put64(dv, 0, act.restorer);
    put64(dv, UC, UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS);
    put64(dv, UC + 8, 0);
    const alt = t.altstack;
    put64(dv, UC_STACK, alt.sp);
    dv.setUint32(UC_STACK + 8, alt.flags >>> 0, true);
    put64(dv, UC_STACK + 16, alt.size);
    const r = cpu.r;
    SC_REGS.forEach((g, k) => { dv.setInt32(SC + 8 * k, r[2 * g], true); dv.setInt32(SC + 8 * k + 4, r[2 * g + 1], true); });
    put64(dv, SC + 128, cpu.rip);
    put64(dv, SC + 136, getFlags(cpu.f) >>> 0);
    dv.setUint16(SC + 144, USER_CS, true);
    dv.setUint16(SC + 146, 0, true);
    dv.setUint16(SC + 148, 0, true);
    dv.setUint16(SC + 150, USER_DS, true);
    put64(dv, SC + 152, t.errorCode);
    put64(dv, SC + 160, t.trapNr);
    const mask = t.maskToSave();
    dv.setUint32(SC + 168, mask.lo >>> 0, true);
    dv.setUint32(SC + 172, mask.hi >>> 0, true);
    put64(dv, SC + 176, t.cr2);
    put64(dv, SC + 184, fp);
    dv.setUint32(UC_SIGMASK, mask.lo >>> 0, true);
    dv.setUint32(UC_SIGMASK + 4, mask.hi >>> 0, true);
    mem.writeBytes(frame, head);
  } catch (e) {
    if (e instanceof GuestFault) return false;
    throw e;
  }

  cpu.setRegAddr(RDI, sig);
  cpu.setRegAddr(RAX, 0);
  cpu.setRegAddr(RSI, frame + INFO);
  cpu.setRegAddr(RDX, frame + UC);
  cpu.rip = act.handler;
  cpu.setRegAddr(RSP, frame);
  // handle_signal: DF, RF and TF clear for the handler; it starts with a fresh FPU state
  setFlags(cpu.f, getFlags(cpu.f) & ~(DF | RF | TF));
  clearFpu(t);
  return true;
}

/** do_sigaltstack's "set" half (the caller has read the new stack_t). Returns 0 or -errno. */
export function setAltstack(t: Task, ssSp: number, ssFlags: number, ssSize: number, sp: number, minSize: number): number {
  if (onSigStack(t, sp)) return -1 /* EPERM */;
  const mode = (ssFlags & ~SS_AUTODISARM) >>> 0;
  if (mode !== SS_DISABLE && mode !== SS_ONSTACK && mode !== 0) return -22 /* EINVAL */;
  const a = t.altstack;
  if (a.sp === ssSp && a.size === ssSize && (a.flags >>> 0) === (ssFlags >>> 0)) return 0;
  if (mode === SS_DISABLE) { ssSize = 0; ssSp = 0; } else if (ssSize < minSize) return -12 /* ENOMEM */;
  t.altstack = { sp: ssSp, size: ssSize, flags: ssFlags >>> 0 };
  return 0;
}

/**
 * rt_sigreturn: restores the mask, every register, the FPU state and the alternate stack from the
 * frame RSP points just past. Returns false for a bad frame (the caller forces SIGSEGV).
 */
export function rtSigreturn(t: Task, minSigStkSz: number): boolean {
  const cpu = t.cpu;
  const mem = t.mem;
  const frame = cpu.regAddr(RSP) - 8;
  let sc: DataView, mask: SigSet, fpp: number, st: DataView;
  try {
    const m = new DataView(mem.readBytes(frame + UC_SIGMASK, 8).buffer);
    mask = new SigSet(m.getInt32(0, true), m.getInt32(4, true));
    mem.readBytes(frame + UC, 8);          // uc_flags (UC_STRICT_RESTORE_SS changes nothing here)
    mask.del(SIGKILL); mask.del(SIGSTOP);
    t.sigmask = mask;
    t.kernel.signals.recalc(t);
    t.restartBlock = null;
    sc = new DataView(mem.readBytes(frame + SC, 256).buffer);
    st = new DataView(mem.readBytes(frame + UC_STACK, 24).buffer);
  } catch (e) {
    if (e instanceof GuestFault) return false;
    throw e;
  }
  const r = cpu.r;
  SC_REGS.forEach((g, k) => { r[2 * g] = sc.getInt32(8 * k, true); r[2 * g + 1] = sc.getInt32(8 * k + 4, true); });
  cpu.rip = get64(sc, 128);
  const fl = sc.getUint32(136, true);
  setFlags(cpu.f, (getFlags(cpu.f) & ~FIX_EFLAGS) | (fl & FIX_EFLAGS));
  fpp = get64(sc, 184);
  if (fpp === 0) clearFpu(t);
  else {
    try {
      fxrstor(cpu, fpp, true);
    } catch (e) {
      if (e instanceof GuestFault || e instanceof CpuSignal) { clearFpu(t); return false; }
      throw e;
    }
  }
  // restore_altstack: errors other than EFAULT are ignored
  setAltstack(t, get64(st, 0), st.getUint32(8, true), get64(st, 16), cpu.regAddr(RSP), minSigStkSz);
  return true;
}

export { SIGINFO_SIZE };
