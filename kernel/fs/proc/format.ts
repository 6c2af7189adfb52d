// Number formats procfs files share (lib/vsprintf.c, lib/bitmap.c, fs/seq_file.c helpers), so each
// file's generator reads like the kernel function it mirrors.

/** RLIM_INFINITY and other all-ones unsigned longs as Linux prints them (%lu of ~0UL). */
export const ULONG_MAX = '18446744073709551615';

/** seq_put_decimal_ull_width: right-aligned in `width` columns. */
export function padNum(n: number | string, width: number): string { return String(n).padStart(width, ' '); }

/** "%8lu kB" lines of status and meminfo: `label` already carries its own padding. */
export function kbLine(label: string, kb: number): string { return `${label}${padNum(Math.floor(kb), 8)} kB\n`; }

/** %016llx of a 64-bit mask given as two 32-bit halves. */
export function hex64(lo: number, hi: number): string {
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

/** %*pb: a bitmap of `nbits` bits as comma-separated 32-bit hex chunks, most significant first;
 *  the first chunk only as wide as the bits it holds (bitmap_print_to_pagebuf). */
export function bitmapHex(set: (bit: number) => boolean, nbits: number): string {
  const chunks: string[] = [];
  for (let base = Math.floor((nbits - 1) / 32) * 32; base >= 0; base -= 32) {
    let v = 0;
    for (let b = 0; b < 32 && base + b < nbits; b++) if (set(base + b)) v |= 1 << b;
    const bits = Math.min(32, nbits - base);
    const width = chunks.length === 0 ? Math.ceil(bits / 4) : 8;
    chunks.push((v >>> 0).toString(16).padStart(width, '0'));
  }
  return chunks.join(',');
}

/** %*pbl: the set bits as ranges ("0-3,8"). */
export function bitmapList(set: (bit: number) => boolean, nbits: number): string {
  const out: string[] = [];
  for (let b = 0; b < nbits; b++) {
    if (!set(b)) continue;
    let e = b;
    while (e + 1 < nbits && set(e + 1)) e++;
    out.push(e > b ? `${b}-${e}` : `${b}`);
    b = e;
  }
  return out.join(',');
}

/** An address or offset as %0*lx (hex, zero-padded to `width`); exact above 2^32. */
export function hex(n: number, width: number): string { return n.toString(16).padStart(width, '0'); }

/** Linux dev_t (glibc makedev encoding, as Stat.dev holds it) → [major, minor]. */
export function devParts(dev: number): [number, number] {
  const hi = Math.floor(dev / 2 ** 32), lo = dev >>> 0;
  const major = ((lo >>> 8) & 0xfff) | (hi & ~0xfff);
  const minor = (lo & 0xff) | ((lo >>> 12) & ~0xff);
  return [major >>> 0, minor >>> 0];
}

/** mangle() of fs/proc_namespace.c: space, tab, newline and backslash as \ooo octal escapes. */
export function mangle(s: string): string {
  return s.replace(/[ \t\n\\]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));
}

/** Milliseconds → USER_HZ clock ticks (nsec_to_clock_t). */
export function ticks(ms: number): number { return Math.floor(ms / 10); }

/** "%lu.%02lu" of a number of seconds (uptime, loadavg). */
export function centi(x: number): string {
  const c = Math.floor(x * 100 + 1e-9);
  return `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
}
