// Sequence alignment of two call lists (by key: record type and call name): Myers' O(ND) diff after
// trimming the common prefix and suffix, with a greedy fallback when the lists differ too much.

export type Op = { op: 'match'; a: number; b: number } | { op: 'del'; a: number } | { op: 'ins'; b: number };

const MAX_D = 2000;

export function align(a: string[], b: string[]): Op[] {
  const ops: Op[] = [];
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) { ops.push({ op: 'match', a: pre, b: pre }); pre++; }
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const A = a.slice(pre, a.length - suf), B = b.slice(pre, b.length - suf);
  const mid = myers(A, B) ?? greedy(A, B);
  for (const o of mid) {
    if (o.op === 'match') ops.push({ op: 'match', a: o.a + pre, b: o.b + pre });
    else if (o.op === 'del') ops.push({ op: 'del', a: o.a + pre });
    else ops.push({ op: 'ins', b: o.b + pre });
  }
  for (let i = 0; i < suf; i++) ops.push({ op: 'match', a: a.length - suf + i, b: b.length - suf + i });
  return ops;
}

function myers(a: string[], b: string[]): Op[] | null {
  const n = a.length, m = b.length;
  if (n === 0) return b.map((_, j) => ({ op: 'ins', b: j }));
  if (m === 0) return a.map((_, i) => ({ op: 'del', a: i }));
  const max = Math.min(n + m, MAX_D);
  const off = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    const nv = v;
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && nv[off + k - 1] < nv[off + k + 1])) x = nv[off + k + 1];
      else x = nv[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) { x++; y++; }
      nv[off + k] = x;
      if (x >= n && y >= m) { found = d; break; }
    }
    if (found >= 0) break;
    v = nv;
  }
  if (found < 0) return null;
  // backtrack: trace[d] is V as it was before step d
  const ops: Op[] = [];
  let x = n, y = m;
  for (let d = found; d > 0; d--) {
    const vp = trace[d];
    const k = x - y;
    const down = k === -d || (k !== d && vp[off + k - 1] < vp[off + k + 1]);
    const pk = down ? k + 1 : k - 1;
    const px = vp[off + pk];
    const py = px - pk;
    const mx = down ? px : px + 1;
    while (x > mx) { x--; y--; ops.push({ op: 'match', a: x, b: y }); }
    if (down) ops.push({ op: 'ins', b: py }); else ops.push({ op: 'del', a: px });
    x = px; y = py;
  }
  while (x > 0 && y > 0) { x--; y--; ops.push({ op: 'match', a: x, b: y }); }
  ops.reverse();
  return ops;
}

/** Pairs equal keys in order, looking a little ahead on either side. */
function greedy(a: string[], b: string[]): Op[] {
  const ops: Op[] = [];
  let i = 0, j = 0;
  const W = 64;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) { ops.push({ op: 'match', a: i++, b: j++ }); continue; }
    let best: [number, number] | null = null;
    for (let s = 1; s < W && !best; s++) {
      for (let t = 0; t <= s; t++) {
        if (i + t < a.length && j + s - t < b.length && a[i + t] === b[j + s - t]) { best = [t, s - t]; break; }
      }
    }
    if (!best) { ops.push({ op: 'del', a: i++ }); ops.push({ op: 'ins', b: j++ }); continue; }
    for (let t = 0; t < best[0]; t++) ops.push({ op: 'del', a: i++ });
    for (let t = 0; t < best[1]; t++) ops.push({ op: 'ins', b: j++ });
  }
  while (i < a.length) ops.push({ op: 'del', a: i++ });
  while (j < b.length) ops.push({ op: 'ins', b: j++ });
  return ops;
}
