// A terminal as the guest sees it: termios settings kept by the kernel (TCGETS/TCSETS), the window
// size from the host terminal, and its job-control state: the session it is the controlling
// terminal of and that session's foreground process group (drivers/tty/tty_jobctrl.c). The host
// terminal is put into raw mode when the guest turns canonical input or echo off; its own
// foreground group and session on the host are never changed: the guest's job control acts on
// this model only (a background guest process that reads is stopped here, before any host read).

import { EINVAL, EIO, ENOTTY, EPERM, ERESTARTSYS, ESRCH } from './errno.js';
import type { Host } from './host.js';
import type { Kernel } from './kernel.js';
import { SIG_IGN } from './linux.js';
import type { Process, Task } from './process.js';
import { SigInfo, SIGCONT, SIGHUP, SIGTTIN, SIGTTOU, SI_USER } from './signal.js';

/** struct termios (asm-generic/termbits.h): 4 x tcflag_t, c_line, c_cc[19] = 36 bytes. */
export const TERMIOS_SIZE = 36;
export const NCCS = 19;
export const ICANON = 0o2, ECHO = 0o10, TOSTOP = 0o400;

/** What a fresh Linux pty reports (`stty -g` on a new pty of this machine's kernel):
 *  iflag ICRNL|IXON, oflag OPOST|ONLCR, cflag B38400|CS8|CREAD, lflag ISIG|ICANON|ECHO|ECHOE|ECHOK|
 *  ECHOCTL|ECHOKE|IEXTEN, c_cc = ^C ^\ DEL ^U ^D 0 1 0 ^Q ^S ^Z 0 ^R ^O ^W ^V 0. */
function defaultTermios(): Uint8Array {
  const t = new Uint8Array(TERMIOS_SIZE);
  const dv = new DataView(t.buffer);
  dv.setUint32(0, 0x500, true);
  dv.setUint32(4, 0x5, true);
  dv.setUint32(8, 0xbf, true);
  dv.setUint32(12, 0x8a3b, true);
  t[16] = 0;
  t.set([0x03, 0x1c, 0x7f, 0x15, 0x04, 0x00, 0x01, 0x00, 0x11, 0x13, 0x1a, 0x00, 0x12, 0x0f, 0x17, 0x16, 0x00], 17);
  return t;
}

export class TtyDevice {
  termios = defaultTermios();
  /** Window size set by TIOCSWINSZ; null means ask the host. */
  private size: [number, number, number, number] | null = null;
  /** ctrl.pgrp: the foreground process group (0: none). */
  pgrp = 0;
  /** ctrl.session: the session this is the controlling terminal of (0: none). */
  sid = 0;
  private raw = false;

  constructor(private readonly host: Host, readonly handle: number) {}

  /** [rows, cols, xpixel, ypixel] */
  winsize(): [number, number, number, number] {
    if (this.size) return this.size;
    const ws = this.host.tty.winsize(this.handle);
    return ws ? [ws[0], ws[1], 0, 0] : [24, 80, 0, 0];
  }

  setWinsize(ws: [number, number, number, number]): void { this.size = ws; }

  setTermios(t: Uint8Array): void {
    this.termios = t.slice(0, TERMIOS_SIZE);
    const lflag = new DataView(this.termios.buffer).getUint32(12, true);
    const raw = (lflag & (ICANON | ECHO)) !== (ICANON | ECHO);
    if (raw !== this.raw && this.host.tty.setRaw) {
      this.raw = raw;
      try { this.host.tty.setRaw(this.handle, raw); } catch { /* not a controllable terminal */ }
    }
  }

  /** Puts the host terminal back the way it was (process exit). */
  restore(): void {
    if (this.raw && this.host.tty.setRaw) {
      this.raw = false;
      try { this.host.tty.setRaw(this.handle, false); } catch { /* gone */ }
    }
  }
}

// ---- job control (drivers/tty/tty_jobctrl.c) ----------------------------------------------------

/** is_ignored: the caller blocks the signal or ignores it. */
function isIgnored(t: Task, sig: number): boolean {
  return t.sigmask.has(sig) || t.proc.sigactions[sig].handler === SIG_IGN;
}

/**
 * __tty_check_change: a member of a background group of the terminal's session may not read it
 * (SIGTTIN), or change its settings or write with TOSTOP (SIGTTOU): the signal goes to the whole
 * group and the call is restarted after it (-ERESTARTSYS). An ignored or blocked SIGTTIN, or an
 * orphaned group, gets EIO; an ignored or blocked SIGTTOU lets the call go on.
 */
export function ttyCheckChange(t: Task, tty: TtyDevice, sig: number): number {
  const p = t.proc;
  if (p.ctty !== tty || !tty.pgrp || tty.pgrp === p.pgid) return 0;
  const k = t.kernel;
  if (isIgnored(t, sig)) return sig === SIGTTIN ? -EIO : 0;
  if (k.pgrpOrphaned(p.pgid)) return -EIO;
  for (const q of k.pgrpMembers(p.pgid)) k.signals.sendKernel(q, sig);   // kill_pgrp(pgrp, sig, 1)
  return -ERESTARTSYS;
}

/** n_tty_read's job_control (a console description never stops). 0 or -errno. */
export function ttyReadCheck(t: Task, tty: TtyDevice, console: boolean): number {
  return console ? 0 : ttyCheckChange(t, tty, SIGTTIN);
}

/** n_tty_write: with TOSTOP set, a background writer gets SIGTTOU. 0 or -errno. */
export function ttyWriteCheck(t: Task, tty: TtyDevice, console: boolean): number {
  if (console || !(new DataView(tty.termios.buffer).getUint32(12, true) & TOSTOP)) return 0;
  return ttyCheckChange(t, tty, SIGTTOU);
}

/** __proc_set_tty: the terminal becomes p's controlling terminal, p's group its foreground. */
function setCtty(p: Process, tty: TtyDevice): void {
  tty.sid = p.sid;
  tty.pgrp = p.pgid;
  p.ctty = tty;
}

/**
 * The zone's first process stands for the login session lxrun was started from: it leads its own
 * session, and the host terminal (when its stdio is one) is that session's controlling terminal
 * with the first process's group in the foreground.
 */
export function claimHostTty(k: Kernel, p: Process): void {
  const tty = k.hostTty;
  if (tty && !tty.sid && p.sid === p.pid && !p.ctty) setCtty(p, tty);
}

/** tty_open_proc_set_tty: a session leader without one acquires a free terminal it opens for
 *  reading without O_NOCTTY. */
export function ttyOpened(p: Process, tty: TtyDevice, noctty: boolean, readable: boolean): void {
  if (!noctty && p.sid === p.pid && !p.ctty && !tty.sid && readable) setCtty(p, tty);
}

/**
 * disassociate_ctty: a session leader gives up its terminal (TIOCNOTTY, or at exit: a pty's
 * foreground group gets SIGHUP, and SIGCONT too when not exiting); the terminal belongs to no
 * session any more and no process of the session has it. (A terminal that is not a pty is hung up
 * at the leader's exit on Linux; the host terminal is treated as the pty it is under a terminal
 * emulator or ssh.)
 */
export function disassociateCtty(k: Kernel, p: Process, onExit: boolean): void {
  if (p.sid !== p.pid) return;
  const tty = p.ctty;
  if (!tty) return;
  if (tty.pgrp) {
    // kill_pgrp(pgrp, sig, priv = on_exit): SI_KERNEL at exit, else SI_USER from the caller
    const info = (sig: number) => (onExit ? SigInfo.kernel(sig) : SigInfo.user(sig, SI_USER, p.pid, p.uid));
    for (const q of k.pgrpMembers(tty.pgrp)) k.signals.send(q, SIGHUP, info(SIGHUP), true);
    if (!onExit) for (const q of k.pgrpMembers(tty.pgrp)) k.signals.send(q, SIGCONT, info(SIGCONT), true);
  }
  tty.sid = 0;
  tty.pgrp = 0;
  for (const q of k.procs.values()) if (q.sid === p.sid) q.ctty = null;   // session_clear_tty
}

/** TIOCNOTTY: only on the caller's controlling terminal; a leader also frees the terminal. */
export function tiocnotty(t: Task, tty: TtyDevice): number {
  const p = t.proc;
  if (p.ctty !== tty) return -ENOTTY;
  disassociateCtty(t.kernel, p, false);
  p.ctty = null;
  return 0;
}

/** TIOCSCTTY: a session leader without a terminal takes this one if it is free and open for
 *  reading (stealing it, arg 1, needs CAP_SYS_ADMIN, which a zone never has). */
export function tiocsctty(t: Task, tty: TtyDevice, arg: number, readable: boolean): number {
  const p = t.proc;
  const leader = p.sid === p.pid;
  if (leader && tty.sid === p.sid) return 0;
  if (!leader || p.ctty) return -EPERM;
  if (tty.sid) return -EPERM;
  void arg;
  if (!readable) return -EPERM;
  setCtty(p, tty);
  return 0;
}

/** TIOCGPGRP and TIOCGSID answer only on the caller's controlling terminal. */
export function tiocgpgrp(t: Task, tty: TtyDevice): number {
  return t.proc.ctty !== tty ? -ENOTTY : tty.pgrp;
}

export function tiocgsid(t: Task, tty: TtyDevice): number {
  return t.proc.ctty !== tty || !tty.sid ? -ENOTTY : tty.sid;
}

/**
 * TIOCSPGRP (tcsetpgrp): a background caller is stopped first (SIGTTOU; EIO becomes ENOTTY); the
 * new group must be in the terminal's session, which must be the caller's (find_vpid takes a pid
 * as well as a group id, and session_of_pgrp tries the group, then the process).
 */
export function tiocspgrp(t: Task, tty: TtyDevice, readNr: () => number): number {
  const r = ttyCheckChange(t, tty, SIGTTOU);
  if (r === -EIO) return -ENOTTY;
  if (r) return r;
  const nr = readNr();
  if (nr < 0) return -EINVAL;
  const p = t.proc;
  if (!p.ctty || p.ctty !== tty || tty.sid !== p.sid) return -ENOTTY;
  const k = t.kernel;
  let sid = -1;
  for (const q of k.procs.values()) if (q.pgid === nr && q.state !== 'dead') { sid = q.sid; break; }
  if (sid < 0) {
    const q = k.procs.get(nr);
    if (q && q.state !== 'dead') sid = q.sid;
  }
  if (sid < 0) return -ESRCH;
  if (sid !== p.sid) return -EPERM;
  tty.pgrp = nr;
  return 0;
}
