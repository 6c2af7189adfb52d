// Restartable sequences, the kernel side (kernel/rseq.c). A registered thread has a struct rseq in
// its memory; on every return to user space after it was scheduled out or got a signal
// (rseq_handle_notify_resume) the kernel stores the CPU numbers there and, when the thread was
// inside a critical section (rseq_cs) at that moment, moves its IP to the section's abort_ip.
//
// A zone's tasks all take turns on one host thread, so the model is a machine with one CPU: CPU 0,
// NUMA node 0 (what getcpu answers), and mm_cid 0 (the concurrency id Linux 6.3+ hands out is
// bounded by the CPUs the threads can run on, which is one here).

import { GuestFault } from '../cpu/memory.js';
import type { Kernel } from './kernel.js';
import type { Task } from './process.js';

/** struct rseq offsets (uapi/linux/rseq.h). */
const CPU_ID_START = 0, CPU_ID = 4, RSEQ_CS = 8, FLAGS = 16, NODE_ID = 20, MM_CID = 24;
export const RSEQ_CPU_ID_UNINITIALIZED = -1;
/** t->rseq_event_mask bits (RSEQ_EVENT_PREEMPT_BIT, RSEQ_EVENT_SIGNAL_BIT). */
export const RSEQ_EVENT_PREEMPT = 1, RSEQ_EVENT_SIGNAL = 2;

/** current->rseq, rseq_len, rseq_sig: one registration per thread. */
export interface RseqReg { addr: number; len: number; sig: number }

/** TASK_SIZE as rseq_get_rseq_cs compares with it: the 64-bit limit, or IA32_PAGE_OFFSET. */
export function taskSize(t: Task): number { return t.proc.mode64 ? 0x7ffffffff000 : 0xffffe000; }

/** A failed user access or a bad descriptor: the caller turns it into SIGSEGV. */
class RseqFail extends Error {}

function get32(t: Task, addr: number): number { return t.mem.read32(addr) >>> 0; }
function get64(t: Task, addr: number): number { return get32(t, addr + 4) * 4294967296 + get32(t, addr); }
function put32(t: Task, addr: number, v: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  t.mem.writeBytes(addr, b);
}

/** rseq_update_cpu_node_id: cpu_id_start, cpu_id, node_id, mm_cid. */
function updateCpuNodeId(t: Task, r: RseqReg): void {
  put32(t, r.addr + CPU_ID_START, 0);
  put32(t, r.addr + CPU_ID, 0);
  put32(t, r.addr + NODE_ID, 0);
  put32(t, r.addr + MM_CID, 0);
}

/** rseq_reset_rseq_cpu_node_id (unregistration); throws GuestFault when the area is gone. */
export function resetCpuNodeId(t: Task, r: RseqReg): void {
  put32(t, r.addr + CPU_ID_START, 0);
  put32(t, r.addr + CPU_ID, RSEQ_CPU_ID_UNINITIALIZED);
  put32(t, r.addr + NODE_ID, 0);
  put32(t, r.addr + MM_CID, 0);
}

/** rseq_ip_fixup with rseq_get_rseq_cs and rseq_need_restart folded in. */
function ipFixup(t: Task, r: RseqReg): void {
  const ptr = get64(t, r.addr + RSEQ_CS);
  if (ptr === 0) return;                     // not in a section: nothing to clear either
  const limit = taskSize(t);
  if (ptr >= limit) throw new RseqFail();
  const version = get32(t, ptr), csFlags = get32(t, ptr + 4);
  const start = get64(t, ptr + 8), pco = get64(t, ptr + 16), abort = get64(t, ptr + 24);
  // Plain numbers do not wrap, so start + pco >= TASK_SIZE covers Linux's separate overflow test.
  if (start >= limit || start + pco >= limit || abort >= limit || version > 0) throw new RseqFail();
  const ad = abort - start;
  if (ad >= 0 && ad < pco) throw new RseqFail();     // abort_ip inside the section
  if (abort < 4 || get32(t, abort - 4) !== r.sig) throw new RseqFail();
  const d = t.cpu.rip - start;
  if (!(d >= 0 && d < pco)) { clearRseqCs(t, r); return; }
  // rseq_need_restart: the RSEQ_CS_FLAG_NO_RESTART_* flags are deprecated and rejected (rseq_warn_flags)
  if (csFlags !== 0) throw new RseqFail();
  if (get32(t, r.addr + FLAGS) !== 0) throw new RseqFail();
  const ev = t.rseqEvent;
  t.rseqEvent = 0;
  if (!ev) return;
  clearRseqCs(t, r);
  t.cpu.rip = abort;
}

function clearRseqCs(t: Task, r: RseqReg): void {
  t.mem.writeBytes(r.addr + RSEQ_CS, new Uint8Array(8));
}

/**
 * __rseq_handle_notify_resume: the IP fixup, then the CPU numbers. Any failure is force_sigsegv
 * of the signal being delivered (`sig`, 0 when none), as Linux does.
 */
export function rseqNotifyResume(k: Kernel, t: Task, sig = 0): void {
  const r = t.rseq;
  if (!r || t.proc.exit || t.exiting) return;
  try {
    ipFixup(t, r);
    updateCpuNodeId(t, r);
  } catch (e) {
    if (!(e instanceof GuestFault || e instanceof RseqFail)) throw e;
    k.signals.forceSigsegv(t, sig);
  }
}

/** rseq_preempt + the notify-resume on the way back: the task was scheduled out. */
export function rseqPreempt(k: Kernel, t: Task): void {
  t.rseqEvent |= RSEQ_EVENT_PREEMPT;
  rseqNotifyResume(k, t);
}

/** rseq_signal_deliver: before the signal frame is built, so the frame saves abort_ip. */
export function rseqSignalDeliver(k: Kernel, t: Task, sig: number): void {
  t.rseqEvent |= RSEQ_EVENT_SIGNAL | RSEQ_EVENT_PREEMPT;
  rseqNotifyResume(k, t, sig);
}
