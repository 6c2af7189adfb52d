// The i386 signal frames a 64-bit Linux kernel builds for a 32-bit task (arch/x86/kernel/signal_32.c
// ia32_setup_frame / ia32_setup_rt_frame / ia32_restore_sigcontext, get_sigframe's ia32 rules in
// signal.c, and fpu/signal.c for a CPU with FXSR and no XSAVE, which is what lxbrand's CPUID reports).
// Offsets measured with gcc -m32 offsetof on asm/sigcontext.h (test/sigframe32.test.ts re-measures):
//
//   struct sigframe_ia32 (732, no SA_SIGINFO)     struct rt_sigframe_ia32 (268, SA_SIGINFO)
//     +0   pretcode                                 +0   pretcode
//     +4   sig                                      +4   sig
//     +8   struct sigcontext_32 sc (88)             +8   pinfo, +12 puc
//     +96  struct _fpstate_32 (unused, 624)         +16  compat_siginfo_t info (128)
//     +720 extramask[1]                             +144 struct ucontext_ia32: uc_flags, uc_link,
//     +724 retcode[8]                                    uc_stack @+152, uc_mcontext @+164, uc_sigmask @+252
//                                                   +260 retcode[8]
//   sigcontext_32: gs fs es ds @0..12 (u32 each), di si bp sp bx dx cx ax @16..44, trapno @48, err @52,
//   ip @56, cs @60, flags @64, sp_at_signal @68, ss @72, fpstate @76, oldmask @80, cr2 @84.
//   fpstate (above the frame): the 112-byte fsave header (struct fregs_state: cw sw tag ipoff cssel
//   dataoff datasel, 8 x 10-byte registers, status @108, magic @110 = X86_FXSR_MAGIC 0) followed by
//   the 64-byte aligned 512-byte FXSAVE image, whose bytes 464..511 hold struct _fpx_sw_bytes.

import { getFlags, setFlags } from '../cpu/flags.js';
import { GuestFault } from '../cpu/memory.js';
import { CpuSignal } from '../cpu/fault.js';
import { fsaveImage, frstorImage, fxrstor, fxsave } from '../cpu/ops/x87.js';
import { RAX, RCX, RDX, RSP } from '../cpu/state.js';
import { vdsoSymbol } from '../loader/vdso.js';
import { SA_ONSTACK, SA_RESTORER, SA_SIGINFO } from './linux.js';
import type { Task } from './process.js';
import { clearFpu, onSigStack, sasSsFlags, setAltstack } from './sigframe.js';
import { SigAction, SigInfo, SigSet, SIGKILL, SIGSTOP } from './signal.js';

export const SIGFRAME32_SIZE = 732;
export const RT_SIGFRAME32_SIZE = 268;
/** sigframe_ia32 field offsets */
export const SF = { sig: 4, sc: 8, extramask: 720, retcode: 724 } as const;
/** rt_sigframe_ia32 field offsets (uc_* are absolute within the frame) */
export const RTF = { sig: 4, pinfo: 8, puc: 12, info: 16, uc: 144, ucStack: 152, ucMcontext: 164, ucSigmask: 252, retcode: 260 } as const;
/** struct sigcontext_32 field offsets */
export const SC32 = {
  gs: 0, fs: 4, es: 8, ds: 12, di: 16, si: 20, bp: 24, sp: 28, bx: 32, dx: 36, cx: 40, ax: 44,
  trapno: 48, err: 52, ip: 56, cs: 60, flags: 64, sp_at_signal: 68, ss: 72, fpstate: 76, oldmask: 80, cr2: 84,
} as const;
export const SIGCONTEXT32_SIZE = 88;
/** sizeof(struct fregs_state): the fsave header in front of the FXSAVE image. */
export const FSAVE_HEADER = 112;
const FXSAVE_SIZE = 512;
const FP_XSTATE_MAGIC1 = 0x46505853, FP_XSTATE_MAGIC2_SIZE = 4;
/** __NR_ia32_sigreturn, __NR_ia32_rt_sigreturn (asm/unistd_32.h) */
const NR_SIGRETURN = 119, NR_RT_SIGRETURN = 173;
const AT_SYSINFO_EHDR = 33;
const USER32_CS = 0x23, USER_DS = 0x2b;
// selector slots in Cpu.sel
const ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;
// EFLAGS bits
const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF_ = 0x80, TF = 0x100, DF = 0x400, OF = 0x800, RF = 0x10000, AC = 0x40000;
const FIX_EFLAGS = AC | OF | DF | TF | SF_ | ZF | AF | PF | CF | RF;
/** sigcontext_32 slots di si bp sp bx dx cx ax as GPR numbers (EDI=7 ... EAX=0). */
const SC_GPRS: [number, number][] = [[SC32.di, 7], [SC32.si, 6], [SC32.bp, 5], [SC32.sp, 4], [SC32.bx, 3], [SC32.dx, 2], [SC32.cx, 1], [SC32.ax, 0]];

/** The retcode bytes: "popl %eax; movl $__NR_sigreturn,%eax; int $0x80" and "movl $__NR_rt_sigreturn,%eax;
 *  int $0x80" plus a pad byte. Never executed (the restorer is the vDSO's), but gdb looks for them. */
export const RETCODE = Uint8Array.of(0x58, 0xb8, NR_SIGRETURN, 0, 0, 0, 0xcd, 0x80);
export const RT_RETCODE = Uint8Array.of(0xb8, NR_RT_SIGRETURN, 0, 0, 0, 0xcd, 0x80, 0);

const u32 = (x: number): number => x >>> 0;
const roundDown = (x: number, a: number): number => Math.floor(x / a) * a;

/** current->mm->context.vdso: the base AT_SYSINFO_EHDR announced (0 when there is none). */
function vdsoBase(t: Task): number {
  const e = t.proc.image?.auxv.find(([k]) => k === AT_SYSINFO_EHDR);
  return e ? e[1] : 0;
}

/** The address of a vDSO symbol, or undefined without a vDSO. */
function vdsoAddr(t: Task, name: string): number | undefined {
  const base = vdsoBase(t);
  if (!base) return undefined;
  const off = vdsoSymbol(false, name);
  return off === undefined ? undefined : base + off;
}

/**
 * get_sigframe for an ia32 frame: no red zone, the X/Open alternate stack switch, the FPU area
 * (512-byte FXSAVE image 64-byte aligned, the 112-byte fsave header below it), then the frame
 * aligned for the i386 ABI: ((sp + 4) & -16) - 4. The legacy "ss != __USER_DS && !SA_RESTORER &&
 * sa_restorer" stack switch is not modelled: user SS here is always __USER_DS.
 * Returns [frame, fpstate, fx] or null for the "always-bogus" overflow case.
 */
export function sigframe32Place(t: Task, act: SigAction, size: number, sp: number): [number, number, number] | null {
  const nested = onSigStack(t, sp);
  let entering = false;
  if ((act.flags >>> 0) & SA_ONSTACK) {
    if (sasSsFlags(t, sp) === 0) { sp = t.altstack.sp + t.altstack.size; entering = true; }
  }
  const fx = roundDown(sp - FXSAVE_SIZE, 64);
  const fp = fx - FSAVE_HEADER;
  const frame = roundDown(fp - size + 4, 16) - 4;
  if ((nested || entering) && !(frame > t.altstack.sp && frame - t.altstack.sp <= t.altstack.size)) return null;
  return [frame, fp, fx];
}

/**
 * copy_fpstate_to_sigframe for an ia32 frame with FXSR: the FXSAVE image as the 64-bit kernel's
 * fxsaveq writes it (64-bit FIP/FDP format; XMM8-15 of a 32-bit task are zero), the software bytes
 * (save_xstate_epilog: extended_size counts the fsave header too), and the fsave header built by
 * convert_from_fxsr: full tag word, FIP/FDP from the image, fcs = regs->cs, fos = DS | 0xffff0000,
 * then status = FSW and magic = X86_FXSR_MAGIC.
 */
function saveFpu32(t: Task, fp: number, fx: number): void {
  const cpu = t.cpu;
  const mem = t.mem;
  fxsave(cpu, fx, true);
  const tail = new Uint8Array(FXSAVE_SIZE - 288);      // XMM8-15, reserved, then the sw bytes
  const tv = new DataView(tail.buffer);
  tv.setUint32(464 - 288, FP_XSTATE_MAGIC1, true);
  tv.setUint32(468 - 288, FXSAVE_SIZE + FP_XSTATE_MAGIC2_SIZE + FSAVE_HEADER, true);
  // xfeatures (u64 @472) stays 0, as in the x86-64 frame: no XSAVE, no user features
  tv.setUint32(480 - 288, FXSAVE_SIZE, true);
  mem.writeBytes(fx + 288, tail);
  const img = new DataView(mem.readBytes(fx, 24).buffer);
  const env = fsaveImage(cpu);
  const ev = new DataView(env.buffer);
  ev.setUint32(12, img.getUint32(8, true), true);              // fip = fxsave->rip
  ev.setUint32(16, cpu.sel[CS] & 0xffff, true);                // fcs = regs->cs (no fop on x86-64)
  ev.setUint32(20, img.getUint32(16, true), true);             // foo = fxsave->rdp
  ev.setUint32(24, ((cpu.sel[DS] & 0xffff) | 0xffff0000) >>> 0, true);
  const head = new Uint8Array(FSAVE_HEADER);
  head.set(env);
  const hv = new DataView(head.buffer);
  hv.setUint16(108, ev.getUint16(4, true), true);              // status = swd
  hv.setUint16(110, 0, true);                                  // magic = X86_FXSR_MAGIC
  mem.writeBytes(fp, head);
}

/** __unsafe_setup_sigcontext32 into bytes at `at` of buf. */
function putSigcontext(t: Task, dv: DataView, at: number, fp: number, mask: SigSet): void {
  const cpu = t.cpu;
  const r = cpu.r;
  const sel = cpu.sel;
  dv.setUint32(at + SC32.gs, sel[GS] & 0xffff, true);
  dv.setUint32(at + SC32.fs, sel[FS] & 0xffff, true);
  dv.setUint32(at + SC32.ds, sel[DS] & 0xffff, true);
  dv.setUint32(at + SC32.es, sel[ES] & 0xffff, true);
  for (const [off, g] of SC_GPRS) dv.setInt32(at + off, r[2 * g], true);
  dv.setUint32(at + SC32.trapno, u32(t.trapNr), true);
  dv.setUint32(at + SC32.err, u32(t.errorCode), true);
  dv.setUint32(at + SC32.ip, u32(cpu.rip), true);
  dv.setUint32(at + SC32.cs, sel[CS] & 0xffff, true);
  dv.setUint32(at + SC32.flags, u32(getFlags(cpu.f)), true);
  dv.setInt32(at + SC32.sp_at_signal, r[2 * RSP], true);
  dv.setUint32(at + SC32.ss, sel[SS] & 0xffff, true);
  dv.setUint32(at + SC32.fpstate, u32(fp), true);
  dv.setUint32(at + SC32.oldmask, u32(mask.lo), true);
  dv.setUint32(at + SC32.cr2, u32(t.cr2), true);
}

/**
 * ia32_setup_frame (no SA_SIGINFO) or ia32_setup_rt_frame, plus handle_signal's register part.
 * Returns false when the frame cannot be written (the caller forces SIGSEGV).
 */
export function setupFrame32(t: Task, sig: number, info: SigInfo, act: SigAction): boolean {
  const cpu = t.cpu;
  const mem = t.mem;
  const flags = act.flags >>> 0;
  const rt = (flags & SA_SIGINFO) !== 0;
  const size = rt ? RT_SIGFRAME32_SIZE : SIGFRAME32_SIZE;
  const place = sigframe32Place(t, act, size, cpu.r[2 * RSP] >>> 0);
  if (!place) return false;
  const [frame, fp, fx] = place;
  if (fp - FSAVE_HEADER < 0 || frame < 0 || fx + FXSAVE_SIZE > 0x100000000) return false;
  const mask = t.maskToSave();
  try {
    saveFpu32(t, fp, fx);
    const b = new Uint8Array(size);
    const dv = new DataView(b.buffer);
    let restorer: number;
    dv.setInt32(4, sig, true);
    if (!rt) {
      if (flags & SA_RESTORER) restorer = act.restorer;
      else restorer = vdsoAddr(t, '__kernel_sigreturn') ?? frame + SF.retcode;
      putSigcontext(t, dv, SF.sc, fp, mask);
      dv.setUint32(SF.extramask, u32(mask.hi), true);
      b.set(RETCODE, SF.retcode);
      // fpstate_unused (+96..719) is left as the stack had it, as Linux does
      mem.writeBytes(frame, b.subarray(0, 96));
      mem.writeBytes(frame + SF.extramask, b.subarray(SF.extramask));
    } else {
      dv.setUint32(RTF.pinfo, u32(frame + RTF.info), true);
      dv.setUint32(RTF.puc, u32(frame + RTF.uc), true);
      // uc_flags 0 (UC_FP_XSTATE only with XSAVE), uc_link 0, uc_stack as unsafe_compat_save_altstack
      const alt = t.altstack;
      dv.setUint32(RTF.ucStack, u32(alt.sp), true);
      dv.setUint32(RTF.ucStack + 4, u32(alt.flags), true);
      dv.setUint32(RTF.ucStack + 8, u32(alt.size), true);
      if (flags & SA_RESTORER) restorer = act.restorer;
      else restorer = (vdsoBase(t) + (vdsoSymbol(false, '__kernel_rt_sigreturn') ?? 0)) >>> 0;
      b.set(RT_RETCODE, RTF.retcode);
      putSigcontext(t, dv, RTF.ucMcontext, fp, mask);
      dv.setUint32(RTF.ucSigmask, u32(mask.lo), true);
      dv.setUint32(RTF.ucSigmask + 4, u32(mask.hi), true);
      b.set(info.user(false), RTF.info);
      mem.writeBytes(frame, b);
    }
    mem.writeBytes(frame, Uint8Array.of(restorer & 0xff, (restorer >>> 8) & 0xff, (restorer >>> 16) & 0xff, (restorer >>> 24) & 0xff));
  } catch (e) {
    if (e instanceof GuestFault) return false;
    throw e;
  }

  cpu.setRegAddr(RSP, frame);
  cpu.rip = act.handler >>> 0;
  // "Make -mregparm=3 work": EAX = sig, EDX = &info, ECX = &uc (0 and 0 for the old frame)
  cpu.setRegAddr(RAX, sig);
  cpu.setRegAddr(RDX, rt ? frame + RTF.info : 0);
  cpu.setRegAddr(RCX, rt ? frame + RTF.uc : 0);
  loadSegSafe(t, DS, USER_DS);
  loadSegSafe(t, ES, USER_DS);
  cpu.sel[CS] = USER32_CS;
  cpu.sel[SS] = USER_DS;
  // handle_signal: DF, RF and TF clear for the handler; it starts with a fresh FPU state
  setFlags(cpu.f, getFlags(cpu.f) & ~(DF | RF | TF));
  clearFpu(t);
  return true;
}

/** loadsegment() from the kernel: a selector that faults is replaced by the null selector. */
function loadSegSafe(t: Task, n: number, sel: number): void {
  try {
    t.cpu.loadSeg(n, sel);
  } catch (e) {
    if (!(e instanceof CpuSignal) && !(e instanceof GuestFault)) throw e;
    t.cpu.loadSeg(n, 0);
  }
}

/** fixup_rpl: null selectors 0..3 stay as they are, others get RPL 3. */
const fixupRpl = (sel: number): number => (sel <= 3 ? sel : sel | 3);

/**
 * fpu__restore_sig(buf, ia32_frame=1) with FXSR: the FXSAVE image after the fsave header is
 * loaded (an invalid MXCSR fails), then the legacy header's x87 state folded over it
 * (convert_to_fxsr: cwd, swd, tag, fop from fcs >> 16, fip, foo; cs and ds ignored).
 * On failure the FPU is reset and false returned.
 */
function restoreFpu32(t: Task, fp: number): boolean {
  const cpu = t.cpu;
  if (fp === 0) { clearFpu(t); return true; }
  try {
    const env = t.mem.readBytes(fp, 108);
    fxrstor(cpu, fp + FSAVE_HEADER, true);
    const ev = new DataView(env.buffer, env.byteOffset, env.byteLength);
    ev.setUint16(16, 0, true);
    ev.setUint16(24, 0, true);
    frstorImage(cpu, env);
    return true;
  } catch (e) {
    if (e instanceof GuestFault || e instanceof CpuSignal) { clearFpu(t); return false; }
    throw e;
  }
}

/** ia32_restore_sigcontext from the sigcontext_32 at sc. False for a bad frame. */
function restoreSigcontext32(t: Task, scAddr: number): boolean {
  const cpu = t.cpu;
  t.restartBlock = null;
  let sc: DataView;
  try {
    sc = new DataView(t.mem.readBytes(scAddr, SIGCONTEXT32_SIZE).buffer);
  } catch (e) {
    if (e instanceof GuestFault) return false;
    throw e;
  }
  const r = cpu.r;
  for (const [off, g] of SC_GPRS) { r[2 * g] = sc.getInt32(off, true); r[2 * g + 1] = 0; }
  cpu.rip = sc.getUint32(SC32.ip, true);
  cpu.sel[CS] = (sc.getUint16(SC32.cs, true) | 3) & 0xffff;
  cpu.sel[SS] = (sc.getUint16(SC32.ss, true) | 3) & 0xffff;
  const fl = sc.getUint32(SC32.flags, true);
  setFlags(cpu.f, (getFlags(cpu.f) & ~FIX_EFLAGS) | (fl & FIX_EFLAGS));
  t.origAx = -1;
  // reload_segments: each data selector that changed is loaded again
  for (const [n, off] of [[GS, SC32.gs], [FS, SC32.fs], [DS, SC32.ds], [ES, SC32.es]]) {
    const want = fixupRpl(sc.getUint16(off, true));
    if (want !== (cpu.sel[n] & 0xffff)) loadSegSafe(t, n, want);
  }
  return restoreFpu32(t, sc.getUint32(SC32.fpstate, true));
}

function readMask(t: Task, lo: number, hi: number): SigSet {
  const a = new DataView(t.mem.readBytes(lo, 4).buffer).getInt32(0, true);
  const b = new DataView(t.mem.readBytes(hi, 4).buffer).getInt32(0, true);
  return new SigSet(a, b);
}

/** set_current_blocked */
function setBlocked(t: Task, m: SigSet): void {
  m.del(SIGKILL); m.del(SIGSTOP);
  t.sigmask = m;
  t.kernel.signals.recalc(t);
}

/**
 * The i386 sigreturn (rt = false: frame at ESP - 8, the old frame) or rt_sigreturn (frame at
 * ESP - 4): the mask, every register, the FPU state and, for rt, the alternate stack. EAX comes
 * back as restored (the caller keeps the registers). False for a bad frame (SIGSEGV).
 */
export function sigreturn32(t: Task, rt: boolean, minSigStkSz: number): boolean {
  const esp = t.cpu.r[2 * RSP] >>> 0;
  const frame = rt ? esp - 4 : esp - 8;
  const size = rt ? RT_SIGFRAME32_SIZE : SIGFRAME32_SIZE;
  if (frame < 0 || frame + size > 0x100000000) return false;      // access_ok
  let st: DataView | null = null;
  try {
    const m = rt ? readMask(t, frame + RTF.ucSigmask, frame + RTF.ucSigmask + 4)
      : readMask(t, frame + SF.sc + SC32.oldmask, frame + SF.extramask);
    setBlocked(t, m);
    if (rt) st = new DataView(t.mem.readBytes(frame + RTF.ucStack, 12).buffer);
  } catch (e) {
    if (e instanceof GuestFault) return false;
    throw e;
  }
  if (!restoreSigcontext32(t, frame + (rt ? RTF.ucMcontext : SF.sc))) return false;
  // compat_restore_altstack: only EFAULT (the read above) makes the frame bad
  if (st) setAltstack(t, st.getUint32(0, true), st.getUint32(4, true), st.getUint32(8, true), t.cpu.r[2 * RSP] >>> 0, minSigStkSz);
  return true;
}
