// A terminal as the guest sees it: termios settings kept by the kernel (TCGETS/TCSETS), the window
// size from the host terminal, and the foreground process group. The host terminal is put into
// raw mode when the guest turns canonical input or echo off.

import type { Host } from './host.js';

/** struct termios (asm-generic/termbits.h): 4 x tcflag_t, c_line, c_cc[19] = 36 bytes. */
export const TERMIOS_SIZE = 36;
export const NCCS = 19;
export const ICANON = 0o2, ECHO = 0o10;

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
  pgrp = 0;
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
