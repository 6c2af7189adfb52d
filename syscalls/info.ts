// System information: uname, sysinfo, getrandom, host/domain names.

import { Errno, EINVAL, EPERM } from '../kernel/errno.js';
import { GRND_INSECURE, GRND_NONBLOCK, GRND_RANDOM, MAX_RW_COUNT } from '../kernel/linux.js';
import { utf8ToBstr } from '../kernel/host.js';
import { encode, layoutsFor } from './structs.js';
import type { Handler } from './types.js';
import { abiOf } from './util.js';

/** personality(2)'s PER_LINUX32 (linux/personality.h). */
const PER_LINUX32 = 0x0008;

const uname: Handler = (t, [buf]) => {
  const k = t.kernel;
  const abi = abiOf(t);
  t.mem.writeBytes(buf, encode(abi, layoutsFor(abi).utsname, {
    sysname: 'Linux', nodename: utf8ToBstr(k.hostname), release: utf8ToBstr(k.release),
    // a 32-bit task on a 64-bit kernel still sees x86_64; only PER_LINUX32 (setarch linux32) says i686
    version: utf8ToBstr(k.version), machine: (t.proc.personality & 0xff) === PER_LINUX32 ? 'i686' : 'x86_64',
    domainname: utf8ToBstr(k.domainname),
  }));
  return 0;
};

const sysinfo: Handler = (t, [buf]) => {
  const sys = t.kernel.host.sys;
  const abi = abiOf(t);
  const la = sys.loadavg().map((x) => Math.round(x * 65536));
  const wide = abi === 'x86_64';
  let unit = 1, total = sys.totalmem(), free = sys.freemem();
  if (!wide) while (total / unit > 0xffffffff) unit *= 2;
  t.mem.writeBytes(buf, encode(abi, layoutsFor(abi).sysinfo, {
    uptime: Math.floor(sys.uptime()), loads0: la[0], loads1: la[1], loads2: la[2],
    totalram: Math.floor(total / unit), freeram: Math.floor(free / unit), sharedram: 0, bufferram: 0,
    totalswap: 0, freeswap: 0, procs: t.kernel.procs.size, totalhigh: 0, freehigh: 0, mem_unit: unit,
  }));
  return 0;
};

const getrandom: Handler = (t, [buf, len, flags]) => {
  if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) throw new Errno(EINVAL);
  if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM)) throw new Errno(EINVAL);
  const n = Math.min(len, MAX_RW_COUNT, 1 << 25);
  const b = new Uint8Array(n);
  t.kernel.host.random.fill(b);
  t.mem.writeBytes(buf, b);
  return n;
};

function setName(t: Parameters<Handler>[0], addr: number, len: number, which: 'hostname' | 'domainname'): number {
  if (t.proc.euid !== 0) throw new Errno(EPERM);
  if (len < 0 || len > 64) throw new Errno(EINVAL);
  const b = t.mem.readBytes(addr, len);
  let s = '';
  for (const c of b) { if (c === 0) break; s += String.fromCharCode(c); }
  t.kernel[which] = new TextDecoder().decode(Uint8Array.from(s, (c) => c.charCodeAt(0)));
  return 0;
}
const sethostname: Handler = (t, [addr, len]) => setName(t, addr, len, 'hostname');
const setdomainname: Handler = (t, [addr, len]) => setName(t, addr, len, 'domainname');

export const infoCalls: Record<string, Handler> = { uname, sysinfo, getrandom, sethostname, setdomainname };
