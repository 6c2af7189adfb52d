// The syscall layer without running guest code: a Task over a real AddressSpace and CPU register
// file, registers set by hand, then syscallEntry(). Covers errno mapping (Errno, HostError,
// GuestFault, unknown numbers, JS exceptions) and strace formatting through the trace hook.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import '../cpu/index.js';
import { Cpu } from '../cpu/cpu.js';
import { CpuState } from '../cpu/state.js';
import { AddressSpace, PROT_READ, PROT_WRITE } from '../cpu/memory.js';
import { defaultPool } from '../cpu/frames.js';
import { Kernel } from '../kernel/kernel.js';
import { Process, Task } from '../kernel/process.js';
import { StreamFile } from '../kernel/file.js';
import { errnoByName, errnoMessage, errnoName, HostError } from '../kernel/errno.js';
import { O_WRONLY } from '../kernel/linux.js';
import { nodeHost } from '../host/node.js';
import { syscallEntry, setReturn, InternalError } from '../syscalls/dispatch.js';
import { X86_64 } from '../syscalls/table-x86_64.js';
import { flags, formatResult, quote, openFlags } from '../syscalls/strace.js';

const DATA = 0x600000;

function setup(opts: { verbose?: boolean } = {}) {
  const logs: string[] = [];
  const k = new Kernel({ host: nodeHost(), verbose: opts.verbose, log: (l) => logs.push(l), release: '6.1.0-test' });
  const mem = new AddressSpace(defaultPool());
  mem.map(DATA, 0x10000, PROT_READ | PROT_WRITE, 0, '');
  const cpu = new Cpu(new CpuState(defaultPool()), mem, true);
  const p = new Process(k, 42, mem, true);
  p.cwd = '/';
  const t = new Task(42, p, cpu);
  p.tasks.push(t);
  const out: Uint8Array[] = [];
  p.fds.install(1, new StreamFile(O_WRONLY, 'pipe:[out]', null, (b) => out.push(b)), false);
  const lines: string[] = [];
  k.hooks.push({ exit: (ev) => lines.push(ev.format()) });
  return { k, mem, cpu, p, t, out, lines, logs };
}

const REGS = [7, 6, 2, 10, 8, 9];
function call(t: Task, nr: number, ...args: number[]): number | Promise<number> {
  const r = t.cpu.r;
  r.fill(0);
  r[0] = nr;
  args.forEach((a, i) => { r[2 * REGS[i]] = a % 2 ** 32 | 0; r[2 * REGS[i] + 1] = Math.floor(a / 2 ** 32) | 0; });
  return syscallEntry(t);
}
function str(mem: AddressSpace, addr: number, s: string): number {
  mem.writeBytes(addr, new TextEncoder().encode(s + '\0'));
  return addr;
}

test('errno table: names, numbers and glibc messages', () => {
  assert.equal(errnoByName('ENOENT'), 2);
  assert.equal(errnoByName('EWOULDBLOCK'), 11);
  assert.equal(errnoName(38), 'ENOSYS');
  assert.equal(errnoMessage(2), 'No such file or directory');
  assert.equal(errnoMessage(25), 'Inappropriate ioctl for device');
  assert.equal(new HostError('EACCES').errno, 13);
  assert.equal(new HostError('ESOMETHINGELSE').errno, 5, 'unknown host codes become EIO');
  const hdr = '/usr/include/asm-generic/errno-base.h';
  if (existsSync(hdr)) {
    const text = readFileSync(hdr, 'utf8') + readFileSync('/usr/include/asm-generic/errno.h', 'utf8');
    for (const m of text.matchAll(/^#define\s+(E\w+)\s+(\d+)/gm)) assert.equal(errnoByName(m[1]), Number(m[2]), m[1]);
  }
});

test('results: plain numbers, errnos from Errno/HostError, EFAULT from bad pointers', () => {
  const { t, mem } = setup();
  assert.equal(call(t, 39), 42);                                           // getpid
  assert.equal(call(t, 0, 77, DATA, 10), -9);                              // read(77): EBADF
  assert.equal(call(t, 2, str(mem, DATA, '/no/such/file'), 0, 0), -2);      // open: ENOENT (HostError)
  assert.equal(call(t, 2, 0x1234, 0, 0), -14);                             // open(bad pointer): EFAULT
  assert.equal(call(t, 1, 1, 0x7000_0000, 5), -14);                        // write from unmapped memory
  assert.equal(call(t, 63, 0x10), -14);                                    // uname into unmapped memory
  assert.equal(call(t, 13, 9, 0, 0, 4), -22);                              // rt_sigaction(SIGKILL, NULL, NULL, 4): EINVAL
});

test('unknown and unimplemented numbers: ENOSYS, reported once each with the reason', () => {
  const { t, logs } = setup({ verbose: true });
  assert.equal(call(t, 9999), -38);
  assert.equal(call(t, 41, 1, 1, 0), -38);                                 // socket: networking is not modelled
  assert.equal(call(t, 41, 1, 1, 0), -38);
  assert.equal(call(t, -1), -38);
  assert.equal(logs.filter((l) => l.includes('socket')).length, 1, logs.join('\n'));
  assert.match(logs.find((l) => l.includes('socket'))!, /unimplemented syscall socket \(41\): .+/);
  assert.equal(logs.filter((l) => l.includes('syscall_0x270f')).length, 1, logs.join('\n'));
});

test('a JS exception in a handler becomes an InternalError naming the syscall', () => {
  const { t } = setup();
  const e = X86_64.table[39]!;
  const saved = e.handler;
  e.handler = () => { throw new TypeError('boom'); };
  try {
    assert.throws(() => call(t, 39), (err: unknown) => err instanceof InternalError && /syscall getpid: TypeError: boom/.test((err as Error).message));
  } finally {
    e.handler = saved;
  }
});

test('setReturn sign-extends errors into RAX', () => {
  const { cpu } = setup();
  setReturn(cpu, -2);
  assert.equal(cpu.r[0], -2); assert.equal(cpu.r[1], -1);
  setReturn(cpu, 0x7ffff7ff0000);
  assert.equal(cpu.regAddr(0), 0x7ffff7ff0000);
});

test('write reaches the file and strace shows it like strace does', () => {
  const { t, mem, out, lines } = setup();
  assert.equal(call(t, 1, 1, str(mem, DATA, 'hello\n'), 6), 6);
  assert.equal(new TextDecoder().decode(out[0]), 'hello\n');
  assert.equal(lines[0], 'write(1, "hello\\n", 6)                  = 6');
  call(t, 257, -100, str(mem, DATA, '/definitely/missing'), 0o2000000, 0);
  assert.equal(lines[1], 'openat(AT_FDCWD, "/definitely/missing", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)');
  call(t, 257, -100, str(mem, DATA, '/tmp/x'), 0o101, 0o644);
  // (creating /tmp/x may fail or succeed; the mode is shown because of O_CREAT)
  assert.match(lines[2], /^openat\(AT_FDCWD, "\/tmp\/x", O_WRONLY\|O_CREAT, 0644\) = /);
  const addr = call(t, 9, 0, 8192, 3, 0x22, -1, 0) as number;
  assert.ok(addr > 0);
  assert.equal(lines[3], `mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x${addr.toString(16)}`);
  mem.writeBytes(DATA + 0x100, Uint8Array.from([0, 1, 0x7f, 0xff, 0x30, 0x22, 0x5c, 9]));
  call(t, 1, 1, DATA + 0x100, 8);
  assert.equal(lines[4], 'write(1, "\\0\\1\\177\\3770\\"\\\\\\t", 8)      = 8');
  const long = 'x'.repeat(40);
  call(t, 1, 1, str(mem, DATA, long), 40);
  assert.equal(lines[5], `write(1, "${'x'.repeat(32)}"..., 40) = 40`);
  call(t, 231, 3);
  assert.equal(lines[6], 'exit_group(3)                           = ?');
});

test('strace decoders', () => {
  assert.equal(quote(Uint8Array.from([1, 0x31])), '"\\0011"');
  assert.equal(quote(Uint8Array.from([0x0a, 0x0d, 0x0b, 0x0c])), '"\\n\\r\\v\\f"');
  assert.equal(quote(Uint8Array.from([0xab, 0x01]), true), '"\\xab\\x01"');
  assert.equal(openFlags(0o2000102), 'O_RDWR|O_CREAT|O_CLOEXEC');
  assert.equal(openFlags(0o100000), 'O_RDONLY|O_LARGEFILE');
  assert.equal(openFlags(0), 'O_RDONLY');
  assert.equal(flags(0, [[1, 'A']], 'NONE'), 'NONE');
  assert.equal(flags(0x11, [[1, 'A']]), 'A|0x10');
  assert.equal(formatResult(undefined, -13), '-1 EACCES (Permission denied)');
  assert.equal(formatResult(undefined, undefined), '?');
});

test('rt_sigaction/rt_sigprocmask keep state and strace decodes them', () => {
  const { t, mem, lines, p } = setup();
  const act = DATA + 0x200;
  const b = new Uint8Array(32);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0x401000, true); dv.setUint32(8, 0x04000000 | 0x10000000, true); dv.setUint32(16, 0x401100, true);
  dv.setUint32(24, 1 << 14, true);     // SIGTERM in sa_mask
  mem.writeBytes(act, b);
  assert.equal(call(t, 13, 10, act, 0, 8), 0);
  assert.equal(lines[0], 'rt_sigaction(SIGUSR1, {sa_handler=0x401000, sa_mask=[TERM], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x401100}, NULL, 8) = 0');
  assert.equal(p.sigactions[10].handler, 0x401000);
  mem.writeBytes(DATA + 0x300, Uint8Array.from([0, 2, 0, 0, 0, 0, 0, 0]));   // {USR1}... bit 9 = signal 10
  assert.equal(call(t, 14, 0, DATA + 0x300, DATA + 0x308, 8), 0);
  assert.equal(lines[1], 'rt_sigprocmask(SIG_BLOCK, [USR1], [], 8) = 0');
  assert.ok(t.sigmask.has(10));
});
