// Random (version 4) UUIDs as /proc/sys/kernel/random/{uuid,boot_id} print them (generate_random_uuid
// + %pU: lower-case hex, 8-4-4-4-12).

import type { HostRandom } from '../../host.js';

export function randomUuid(rnd: HostRandom): string {
  const b = new Uint8Array(16);
  rnd.fill(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
