// Decompression of image archives with the web-standard DecompressionStream, which Node 20 and
// browsers both have, so rootfs/ needs no node:zlib. Formats without a web decoder are named in
// the error so users know to unpack them first.

/** A gzip member starts with 1f 8b (RFC 1952). */
export function isGzip(b: Uint8Array): boolean { return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b; }

/** The name of a compression format DecompressionStream cannot undo, or null. */
export function otherCompression(b: Uint8Array): string | null {
  const starts = (...m: number[]) => b.length >= m.length && m.every((v, i) => b[i] === v);
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (starts(0x42, 0x5a, 0x68)) return 'bzip2';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  if (starts(0x5d, 0x00, 0x00)) return 'lzma';
  return null;
}

/** Inflates gzip data; errors read "gzip: ..." with the decoder's reason. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    // Blob wants bytes in a plain ArrayBuffer (a view of shared memory is copied first)
    const plain = (bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice()) as Uint8Array<ArrayBuffer>;
    const stream = new Blob([plain]).stream().pipeThrough(new DecompressionStream('gzip'));
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch (e) {
    throw new Error(`gzip: ${(e as Error).message || 'invalid compressed data'}`);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) { out.set(c, off); off += c.length; }
  return out;
}
