// The life of a process (kernel/fork.c, fs/exec.c, kernel/exit.c): copy_process for fork, vfork
// and the process forms of clone; execve's point of no return; do_exit with mm_release,
// forget_original_parent (reparenting to the zone's init) and do_notify_parent; and wait's choice
// and reaping of children. Address spaces are copy-on-write (AddressSpace.fork) or shared
// (CLONE_VM), counted by users so a vfork child's exit never tears down its parent's memory.

import { Cpu } from '../cpu/cpu.js';
import type { AddressSpace } from '../cpu/memory.js';
import { CpuState, RAX, RSP } from '../cpu/state.js';
import { inheritSegments } from '../cpu/segments.js';
import { forkLdt, setNewTls32 } from '../syscalls/tls.js';
import { Errno, EINVAL, EPERM } from './errno.js';
import type { Image } from './exec.js';
import { exitRobustList } from './futex.js';
import type { OpenFile } from './file.js';
import type { Kernel } from './kernel.js';
import {
  CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_FILES, CLONE_FS, CLONE_NEWANY, CLONE_NEWNS, CLONE_NEWUSER,
  CLONE_PARENT, CLONE_PARENT_SETTID, CLONE_SETTLS, CLONE_SIGHAND, CLONE_THREAD, CLONE_VFORK, CLONE_VM,
  READ_IMPLIES_EXEC, SA_NOCLDWAIT, SIG_DFL, SIG_IGN, WCONTINUED, WEXITED, WNOWAIT, WSTOPPED, __WALL, __WCLONE,
} from './linux.js';
import { ExitInfo, Process, Task } from './process.js';
import { disassociateCtty } from './tty.js';
import {
  CLD_CONTINUED, CLD_DUMPED, CLD_EXITED, CLD_KILLED, CLD_STOPPED, SigInfo, SIGCHLD, SIGCONT, SIGHUP, SIGKILL, NSIG,
} from './signal.js';

export interface CloneArgs {
  flags: number;
  /** New stack pointer for the child (0: the parent's). */
  stack: number;
  parentTid: number;
  childTid: number;
  tls: number;
  /** clone3's exit_signal (clone: the CSIGNAL byte of flags). */
  exitSignal: number;
}

const TICK_MS = 10;   // USER_HZ = 100

function putU32(mem: AddressSpace, addr: number, v: number): void {
  mem.write32(addr, v | 0);
}

/** copy_process's checks of the flag combinations (both forms). */
export function checkCloneFlags(a: CloneArgs): void {
  const flags = a.flags >>> 0;
  if ((flags & (CLONE_NEWNS | CLONE_FS)) === (CLONE_NEWNS | CLONE_FS)) throw new Errno(EINVAL);
  if ((flags & (CLONE_NEWUSER | CLONE_FS)) === (CLONE_NEWUSER | CLONE_FS)) throw new Errno(EINVAL);
  if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) throw new Errno(EINVAL);
  if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)) throw new Errno(EINVAL);
  if (flags & CLONE_NEWANY) throw new Errno(EPERM);
  if (a.exitSignal < 0 || a.exitSignal > NSIG) throw new Errno(EINVAL);
}

/** A new CPU for a clone child: the parent's registers, selectors and TLS slots, RAX 0, the new
 *  stack and TLS; a child with its own address space gets a copy of the LDT (dup_mm). CLONE_SETTLS
 *  from an ia32 syscall names a struct user_desc (set_new_tls): a bad one fails the clone. */
function cloneCpu(t: Task, a: CloneArgs, mem: AddressSpace, mode64: boolean): Cpu {
  const st = new CpuState(t.cpu.state.pool);
  const cpu = new Cpu(st, mem, mode64);
  st.copyFrom(t.cpu.state);
  cpu.rip = t.cpu.rip;
  inheritSegments(t.cpu, cpu);
  if (mem !== t.cpu.mem) forkLdt(t.cpu.mem, mem);
  cpu.setRegAddr(RAX, 0);
  if (a.stack) cpu.setRegAddr(RSP, a.stack);
  if (a.flags & CLONE_SETTLS) {
    if (t.cpu.gate === 'syscall') cpu.fsBase = a.tls;
    else setNewTls32(cpu, t.cpu.mem, a.tls);
  }
  return cpu;
}

/**
 * copy_process for CLONE_THREAD: a new task in the caller's thread group, sharing memory, files,
 * handlers and credentials; it starts running once the caller yields. Returns its tid.
 */
export function copyThread(k: Kernel, t: Task, a: CloneArgs): number {
  checkCloneFlags(a);
  const flags = a.flags >>> 0;
  const p = t.proc;
  if (p.exit) throw new Errno(4 /* EINTR: fatal_signal_pending */);
  const tid = k.allocPid();
  const nt = new Task(tid, p, cloneCpu(t, a, p.mem, p.mode64));
  nt.sigmask = t.sigmask.clone();
  if (t !== p.mainTask) nt.comm = t.comm;             // a new thread is named like its creator
  nt.altstack = { sp: 0, size: 0, flags: 2 };         // a CLONE_VM child starts without one
  nt.trapNr = t.trapNr; nt.errorCode = t.errorCode; nt.cr2 = t.cr2;
  if (flags & CLONE_CHILD_SETTID) { try { putU32(p.mem, a.childTid, tid); } catch { /* ignored */ } }
  if (flags & CLONE_CHILD_CLEARTID) nt.clearChildTid = a.childTid;
  if (flags & CLONE_PARENT_SETTID) { try { putU32(p.mem, a.parentTid, tid); } catch { /* ignored */ } }
  p.tasks.push(nt);
  k.startTask(nt);
  return tid;
}

/** copy_process + wake_up_new_task for the process forms of clone. Returns the child. */
export function copyProcess(k: Kernel, t: Task, a: CloneArgs): Process {
  checkCloneFlags(a);
  const flags = a.flags >>> 0;
  const parent = t.proc;

  const pid = k.allocPid();
  const shareVm = !!(flags & CLONE_VM);
  const mem = shareVm ? parent.mem : parent.mem.fork();
  const child = new Process(k, pid, mem, parent.mode64);
  k.memRef(mem);
  // credentials, cwd, umask, limits, identity
  child.uid = parent.uid; child.euid = parent.euid; child.suid = parent.suid; child.fsuid = parent.fsuid;
  child.gid = parent.gid; child.egid = parent.egid; child.sgid = parent.sgid; child.fsgid = parent.fsgid;
  child.groups = [...parent.groups];
  child.pwdRef = parent.pwdRef;      // copy_fs_struct: the same directory, whatever its name becomes
  child.umask = parent.umask;
  child.rlimits = parent.rlimits.map((r) => ({ ...r }));
  child.exe = parent.exe; child.argv = parent.argv; child.envp = parent.envp; child.comm = parent.comm;
  child.personality = parent.personality;
  child.initialSp = parent.initialSp;
  child.image = parent.image;
  child.pgid = parent.pgid;
  child.sid = parent.sid;
  child.ctty = parent.ctty;
  child.startMs = k.nowMs();
  child.exitSignal = a.exitSignal;
  // files: shared table (CLONE_FILES) or a copy sharing every description
  child.fds = flags & CLONE_FILES ? k.fdsRef(parent.fds) : parent.fds.clone();
  // signal handlers: shared (CLONE_SIGHAND) or copied
  child.sigactions = flags & CLONE_SIGHAND
    ? parent.sigactions
    : parent.sigactions.map((s) => ({ handler: s.handler, flags: s.flags, restorer: s.restorer, mask: s.mask.clone() }));
  void CLONE_FS;   // cwd and umask are per process here: CLONE_FS shares a copy
  // file mappings: shared with the memory, or referenced again by the copy
  if (shareVm) child.mapped = parent.mapped;
  else for (const f of parent.mapped) child.mapped.add(f.ref());

  const ct = new Task(pid, child, cloneCpu(t, a, mem, parent.mode64));
  ct.sigmask = t.sigmask.clone();
  // sigaltstack is kept by fork, cleared for a CLONE_VM child that is not a vfork (copy_process)
  ct.altstack = (flags & (CLONE_VM | CLONE_VFORK)) === CLONE_VM ? { sp: 0, size: 0, flags: 2 } : { ...t.altstack };
  ct.trapNr = t.trapNr; ct.errorCode = t.errorCode; ct.cr2 = t.cr2;
  // rseq_fork: a child with its own memory keeps the registration (the area is at the same
  // address in the copy); a CLONE_VM child, vfork included, starts without one
  if (!shareVm && t.rseq) { ct.rseq = { ...t.rseq }; ct.rseqEvent = t.rseqEvent; }
  child.tasks.push(ct);

  if (flags & CLONE_CHILD_SETTID) { try { putU32(mem, a.childTid, pid); } catch { /* Linux ignores the fault */ } }
  if (flags & CLONE_CHILD_CLEARTID) ct.clearChildTid = a.childTid;
  if (flags & CLONE_PARENT_SETTID) { try { putU32(parent.mem, a.parentTid, pid); } catch { /* ignored */ } }

  // the family tree
  const realParent = flags & CLONE_PARENT ? parent.parent : parent;
  child.parent = realParent;
  if (realParent) realParent.children.add(child);
  k.procs.set(pid, child);
  return child;
}

// ---- exec ------------------------------------------------------------------------------------------------

/** flush_signal_handlers(t, 0): handlers back to SIG_DFL, ignored signals stay ignored. */
function flushHandlers(p: Process): void {
  for (let s = 1; s <= NSIG; s++) {
    const a = p.sigactions[s];
    if (a.handler !== SIG_IGN) a.handler = SIG_DFL;
    a.flags = 0;
    a.restorer = 0;
    a.mask.lo = 0; a.mask.hi = 0;
  }
}

/**
 * de_thread: the other threads of an exec'ing process end (without their exit-time writes to the
 * old memory), and the exec'ing thread takes over the process id.
 */
function deThread(k: Kernel, t: Task): void {
  const p = t.proc;
  // they leave the group now (exec waits for them on Linux); their loops end at the next check
  for (const o of [...p.tasks]) {
    if (o === t) continue;
    o.exiting = true;
    o.clearChildTid = 0;
    o.robustList = 0;
    p.deadCpuMs += o.cpuMs;
    p.tasks.splice(p.tasks.indexOf(o), 1);
    if (k.tasks.get(o.tid) === o) k.tasks.delete(o.tid);
    k.signals.wakeTask(o);
  }
  if (t.tid !== p.pid) {
    if (k.tasks.get(t.tid) === t) k.tasks.delete(t.tid);
    t.tid = p.pid;
    k.tasks.set(p.pid, t);
  }
}

/** load_elf_binary's personality: SET_PERSONALITY clears READ_IMPLIES_EXEC, and an i386 program
 *  without PT_GNU_STACK gets it back (elf_read_implies_exec). */
export function setExecPersonality(p: Process, readImpliesExec: boolean): void {
  p.personality = (p.personality & ~READ_IMPLIES_EXEC) | (readImpliesExec ? READ_IMPLIES_EXEC : 0);
}

/** begin_new_exec + start_thread: the process becomes the loaded image. */
export function execImage(k: Kernel, t: Task, img: Image): void {
  const p = t.proc;
  deThread(k, t);
  // exec_mm_release: clear_child_tid, and the vfork parent may go on
  mmRelease(k, t);
  k.memUnref(p, p.mem);
  p.mem = img.mem;
  p.mode64 = img.load.mode64;
  setExecPersonality(p, img.load.readImpliesExec);
  k.memRef(img.mem);
  p.mapped = new Set<OpenFile>([img.exeFile]);
  if (img.interpFile) p.mapped.add(img.interpFile);
  // a private signal-handler table (unshare_sighand) with handlers reset
  if (k.sharesSighand(p)) {
    p.sigactions = p.sigactions.map((s) => ({ handler: s.handler, flags: s.flags, restorer: s.restorer, mask: s.mask.clone() }));
  }
  flushHandlers(p);
  // a private fd table, then close-on-exec
  p.fds = k.fdsUnshare(p.fds);
  p.fds.closeOnExec();
  p.exe = img.exePath;
  p.argv = img.argv;
  p.comm = img.comm;
  p.initialSp = img.load.sp;
  p.image = { auxv: img.load.auxv, mm: img.load.mm };
  p.didExec = true;
  // a fresh CPU: registers zero, FPU in its init state
  const old = t.cpu;
  const cpu = new Cpu(new CpuState(old.state.pool), img.mem, img.load.mode64);
  for (let i = 0; i < 32; i++) cpu.r[i] = 0;
  cpu.rip = img.load.entry;
  cpu.setRegAddr(RSP, img.load.sp);
  t.cpu = cpu;
  old.state.free();
  t.altstack = { sp: 0, size: 0, flags: 2 };
  t.robustList = 0; t.robustLen = 0;
  t.restartBlock = null;
  t.rseq = null; t.rseqEvent = 0;                  // rseq_execve: the area was in the old memory
}

/** mm_release: clear_child_tid (only when others share the memory) and the vfork completion. */
export function mmRelease(k: Kernel, t: Task): void {
  if (t.clearChildTid) {
    if (k.memUsers(t.proc.mem) > 1 || t.proc.tasks.some((x) => x !== t && !x.dead)) {
      try { putU32(t.proc.mem, t.clearChildTid, 0); } catch { /* ignored */ }
      k.futexWake(t.proc.mem, t.clearChildTid, 1);
    }
    t.clearChildTid = 0;
  }
  if (t.vforkDone) { const d = t.vforkDone; t.vforkDone = null; d(); }
}

// ---- exit --------------------------------------------------------------------------------------------------

/** The wait status word and the waitid/SIGCHLD code and status of an exit. */
export function exitCodes(e: ExitInfo): { status: number; code: number; sistatus: number } {
  if (e.signal === undefined) return { status: e.status, code: CLD_EXITED, sistatus: (e.status >> 8) & 0xff };
  return { status: e.status, code: e.status & 0x80 ? CLD_DUMPED : CLD_KILLED, sistatus: e.signal };
}

/** do_notify_parent: SIGCHLD (or the exit signal) and a wake-up; true when the child is auto-reaped. */
function notifyParent(k: Kernel, p: Process): boolean {
  const parent = p.parent;
  if (!parent || parent.state !== 'alive') return true;
  let sig = p.exitSignal;
  const { code, sistatus } = exitCodes(p.exit!);
  const info = new SigInfo(sig, code).i32(16, p.pid).i32(20, p.uid).i32(24, sistatus)
    .u64(32, Math.floor(k.cpuMsOf(p) / TICK_MS)).u64(40, 0);
  let autoreap = false;
  const psig = parent.sigactions[SIGCHLD];
  if (sig === SIGCHLD && (psig.handler === SIG_IGN || ((psig.flags >>> 0) & SA_NOCLDWAIT))) {
    autoreap = true;
    if (psig.handler === SIG_IGN) sig = 0;
  }
  if (sig > 0 && sig <= NSIG) k.signals.send(parent, sig, info, true);
  parent.childWait.wake();
  return autoreap;
}

/** The process group is orphaned (or will be once `ignore` is gone): no member has a parent in
 *  another group of the same session. */
export function pgrpOrphaned(k: Kernel, pgid: number, ignore?: Process): boolean {
  for (const p of k.procs.values()) {
    if (p.pgid !== pgid || p === ignore || p.state !== 'alive') continue;
    const par = p.parent;
    if (!par) continue;
    if (par.pgid !== pgid && par.sid === p.sid) return false;
  }
  return true;
}

function hasStopped(k: Kernel, pgid: number): boolean {
  for (const p of k.procs.values()) if (p.pgid === pgid && p.stopped && p.state === 'alive') return true;
  return false;
}

/** kill_orphaned_pgrp: a group that just became orphaned with stopped members gets SIGHUP + SIGCONT. */
function killOrphanedPgrp(k: Kernel, pgid: number, sid: number, parentOfGroup: Process | null, dying: Process): void {
  if (!parentOfGroup || parentOfGroup.pgid === pgid || parentOfGroup.sid !== sid) return;
  if (!pgrpOrphaned(k, pgid, dying) || !hasStopped(k, pgid)) return;
  for (const q of [...k.procs.values()]) {
    if (q.pgid !== pgid || q.state !== 'alive') continue;
    k.signals.sendKernel(q, SIGHUP);
    k.signals.sendKernel(q, SIGCONT);
  }
}

/**
 * do_exit for the last task of a process: memory and files released, children handed to the
 * zone's init, the parent told. The process becomes a zombie, or is released at once when nobody
 * will wait for it.
 */
export function exitProcess(k: Kernel, p: Process): void {
  if (p.state !== 'alive') return;
  if (!p.exit) {
    const code = p.leaderExitCode ?? 0;
    p.exit = { status: code << 8, code };
  }
  k.cancelTimers(p);
  for (const task of p.tasks) releaseTask(k, task);
  k.memUnref(p, p.mem);
  k.fdsUnref(p.fds);
  disassociateCtty(k, p, true);
  p.sharedPending.queue = [];
  // the process's own group may become orphaned by this exit
  killOrphanedPgrp(k, p.pgid, p.sid, p.parent, p);
  // forget_original_parent: children go to the zone's init (pid 1), which reaps them when they end
  for (const c of [...p.children]) {
    p.children.delete(c);
    c.parent = null;
    if (c.pdeathSignal && c.state === 'alive') k.signals.send(c, c.pdeathSignal, SigInfo.kernel(c.pdeathSignal), true);
    if (c.state === 'zombie') {
      release(k, c);
    } else if (c.state === 'alive') {
      killOrphanedPgrp(k, c.pgid, c.sid, p, p);
    }
  }
  p.state = 'zombie';
  const autoreap = notifyParent(k, p);
  if (autoreap || !p.parent) release(k, p);
  p.resolveDone(p.exit);
}

/** The per-thread part of do_exit: robust futexes, clear_child_tid, the CPU state. */
function releaseTask(k: Kernel, t: Task): void {
  if (t.released) return;
  t.released = true;
  exitRobustList(k, t);
  mmRelease(k, t);
  t.cpu.state.free();
}

/**
 * One thread of a group ends while others run (exit(2), or de_thread): its exit work is done and
 * it leaves the group; a leader stays listed (its tid is the process id) until the group ends.
 */
export function exitThread(k: Kernel, t: Task): void {
  const p = t.proc;
  releaseTask(k, t);
  t.pending.queue = [];
  const at = p.tasks.indexOf(t);
  if (at > 0) {                       // the leader stays listed; de_thread removed its victims already
    p.deadCpuMs += t.cpuMs;
    p.tasks.splice(at, 1);
  }
}

/** release_task: the process is gone from the table. */
export function release(k: Kernel, p: Process): void {
  p.state = 'dead';
  if (p.parent) p.parent.children.delete(p);
  k.procs.delete(p.pid);
}

// ---- wait ------------------------------------------------------------------------------------------------

export interface WaitSel {
  /** 'pid': one child; 'pgid': children in the group; 'all': any child. */
  which: 'pid' | 'pgid' | 'all';
  id: number;
  options: number;
}

export interface Reaped {
  pid: number;
  uid: number;
  /** wait4's status word. */
  status: number;
  /** waitid: si_code (CLD_*) and si_status. */
  code: number;
  sistatus: number;
  cpuMs: number;
}

function eligible(c: Process, w: WaitSel): boolean {
  if (w.which === 'pid' && c.pid !== w.id) return false;
  if (w.which === 'pgid' && c.pgid !== w.id) return false;
  if (!(w.options & __WALL) && ((c.exitSignal !== SIGCHLD) !== !!(w.options & __WCLONE))) return false;
  return true;
}

/**
 * One pass of do_wait over the children: a child to report, 'none' when no child matches at all
 * (ECHILD), or 'wait' when some could still change state.
 */
export function waitOnce(k: Kernel, p: Process, w: WaitSel): Reaped | 'none' | 'wait' {
  let any = false;
  for (const c of p.children) {
    if (!eligible(c, w)) continue;
    any = true;
    if (c.state === 'zombie') {
      if (!(w.options & WEXITED)) continue;
      const e = exitCodes(c.exit!);
      const r: Reaped = { pid: c.pid, uid: c.uid, status: e.status, code: e.code, sistatus: e.sistatus, cpuMs: k.cpuMsOf(c) };
      if (!(w.options & WNOWAIT)) {
        p.childCpuMs += r.cpuMs + c.childCpuMs;
        release(k, c);
      }
      return r;
    }
    if (c.state !== 'alive') continue;
    if ((w.options & WSTOPPED) && c.stopped && c.waitStop) {
      if (!(w.options & WNOWAIT)) c.waitStop = false;
      return { pid: c.pid, uid: c.uid, status: (c.stopSig << 8) | 0x7f, code: CLD_STOPPED, sistatus: c.stopSig, cpuMs: k.cpuMsOf(c) };
    }
    if ((w.options & WCONTINUED) && c.waitCont) {
      if (!(w.options & WNOWAIT)) c.waitCont = false;
      return { pid: c.pid, uid: c.uid, status: 0xffff, code: CLD_CONTINUED, sistatus: SIGCONT, cpuMs: k.cpuMsOf(c) };
    }
  }
  return any ? 'wait' : 'none';
}

export { SIGKILL };
