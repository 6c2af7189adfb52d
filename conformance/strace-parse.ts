// Parser for the output of `strace -f -n -e quiet=attach -X raw -v -s 65536 -ttt -o FILE`: every
// line becomes a call (with its number in the caller's ABI when `-n` printed it), a signal delivery,
// an exit, or a personality change (`[ Process PID=N runs in 32 bit mode. ]`, which strace writes
// into the trace file when personality messages are not quieted). Argument text becomes a small syntax tree (numbers, strings,
// structures, arrays, NULL, makedev(...) and the like) that conformance/native.ts turns into the
// trace format's canonical values. `<unfinished ...>` / `<... resumed>` pairs are joined first.

export type Node =
  | { t: 'num'; v: bigint }
  | { t: 'str'; v: string; more: boolean }
  | { t: 'null' }
  | { t: 'struct'; fields: [string | null, Node][] }
  | { t: 'arr'; items: Node[]; not: boolean }
  | { t: 'call'; name: string; args: Node[] }
  | { t: 'id'; name: string }
  | { t: 'ellipsis' }
  | { t: 'raw'; text: string };

export interface StraceCall {
  kind: 'call';
  tid: number;
  time: number;
  name: string;
  args: Node[];
  /** Return value; null when the call did not return ('= ?'). */
  ret: bigint | null;
  /** errno name when the call failed. */
  err?: string;
  /** The call's number as `-n` printed it (the caller's ABI), when it did. */
  nr?: number;
  /** strace's note after the result: `= 0 (entry_number=12)` gives `entry_number=12`. */
  note?: string;
  line: string;
}

export interface StraceSignal { kind: 'signal'; tid: number; time: number; sig: string; info: Node | null; line: string }
export interface StraceExit { kind: 'exit'; tid: number; time: number; code?: number; sig?: string; core?: boolean; line: string }
/** The thread's process runs in another ABI from here on (after an execve). */
export interface StracePersonality { kind: 'personality'; tid: number; time: number; pid: number; bits: 32 | 64; line: string }
export type StraceEvent = StraceCall | StraceSignal | StraceExit | StracePersonality;

class P {
  i = 0;
  constructor(readonly s: string) {}
  peek(n = 0): string { return this.s[this.i + n] ?? ''; }
  ws(): void {
    for (;;) {
      while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
      if (this.s.startsWith('/*', this.i)) {
        const e = this.s.indexOf('*/', this.i + 2);
        this.i = e < 0 ? this.s.length : e + 2;
        continue;
      }
      return;
    }
  }
  eat(tok: string): boolean {
    this.ws();
    if (this.s.startsWith(tok, this.i)) { this.i += tok.length; return true; }
    return false;
  }
  get done(): boolean { return this.i >= this.s.length; }
}

function parseString(p: P): Node {
  // p at the opening quote
  p.i++;
  let out = '';
  const s = p.s;
  while (p.i < s.length && s[p.i] !== '"') {
    const c = s[p.i];
    if (c !== '\\') { out += c; p.i++; continue; }
    const n = s[p.i + 1];
    p.i += 2;
    switch (n) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'v': out += '\v'; break;
      case 'f': out += '\f'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case 'x': {
        const h = s.slice(p.i, p.i + 2);
        out += String.fromCharCode(parseInt(h, 16));
        p.i += 2;
        break;
      }
      default:
        if (n >= '0' && n <= '7') {
          let d = n;
          while (d.length < 3 && s[p.i] >= '0' && s[p.i] <= '7') d += s[p.i++];
          out += String.fromCharCode(parseInt(d, 8) & 0xff);
        } else out += n;
    }
  }
  p.i++; // closing quote
  let more = false;
  if (s.startsWith('...', p.i)) { more = true; p.i += 3; }
  // strace converts raw bytes to text it reads as latin1: the file is read as latin1 below, so
  // characters above 0x7f are already single bytes.
  return { t: 'str', v: out, more };
}

const NUM = /^-?(0x[0-9a-fA-F]+|[0-9]+)/;

function parseNumberText(t: string): bigint {
  const neg = t.startsWith('-');
  const u = neg ? t.slice(1) : t;
  let v: bigint;
  if (u.startsWith('0x') || u.startsWith('0X')) v = BigInt(u);
  else if (u.length > 1 && u.startsWith('0')) v = BigInt('0o' + u.slice(1));
  else v = BigInt(u);
  return neg ? -v : v;
}

function parseList(p: P, close: string): [string | null, Node][] {
  const items: [string | null, Node][] = [];
  for (;;) {
    p.ws();
    if (p.done) return items;
    if (p.s[p.i] === close) { p.i++; return items; }
    if (p.s[p.i] === ',') { p.i++; continue; }
    // key=value (not '==' nor '=>')
    const m = /^([A-Za-z_][A-Za-z0-9_.]*(?:\[[0-9]+\])?)=(?![=>])/.exec(p.s.slice(p.i, p.i + 80));
    let key: string | null = null;
    if (m) { key = m[1]; p.i += m[0].length; }
    const before = p.i;
    const v = parseValue(p, close);
    items.push([key, v]);
    if (p.i === before) p.i++;   // never loop forever on unexpected text
  }
}

function parsePrimary(p: P, close: string): Node {
  p.ws();
  const s = p.s;
  const c = s[p.i];
  if (c === '"') return parseString(p);
  if (c === '@' && s[p.i + 1] === '"') { p.i++; return parseString(p); }
  if (c === '{') { p.i++; return { t: 'struct', fields: parseList(p, '}') }; }
  if (c === '[') { p.i++; return { t: 'arr', items: parseList(p, ']').map(([, v]) => v), not: false }; }
  if (c === '~' && s[p.i + 1] === '[') { p.i += 2; return { t: 'arr', items: parseList(p, ']').map(([, v]) => v), not: true }; }
  if (s.startsWith('...', p.i)) { p.i += 3; return { t: 'ellipsis' }; }
  if (c === '|') { p.i++; return parsePrimary(p, close); }   // strace 6.1 -X raw prints "|0x900" for some flag sets
  if (c === '&') { p.i++; return parsePrimary(p, close); }
  const rest = s.slice(p.i, p.i + 64);
  const num = NUM.exec(rest);
  if (num) { p.i += num[0].length; return { t: 'num', v: parseNumberText(num[0]) }; }
  const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
  if (id) {
    p.i += id[0].length;
    if (id[0] === 'NULL') return { t: 'null' };
    if (s[p.i] === '(') { p.i++; return { t: 'call', name: id[0], args: parseList(p, ')').map(([, v]) => v) }; }
    return { t: 'id', name: id[0] };
  }
  // anything else: raw text up to the next separator at this depth
  const start = p.i;
  let depth = 0;
  while (p.i < s.length) {
    const ch = s[p.i];
    if (ch === '"') { parseString(p); continue; }
    if (ch === '(' || ch === '{' || ch === '[') depth++;
    else if (ch === ')' || ch === '}' || ch === ']') { if (depth === 0) break; depth--; }
    else if (ch === ',' && depth === 0) break;
    p.i++;
  }
  return { t: 'raw', text: s.slice(start, p.i).trim() };
}

function parseValue(p: P, close: string): Node {
  let v = parsePrimary(p, close);
  for (;;) {
    p.ws();
    const s = p.s;
    if (s[p.i] === '|' && s[p.i + 1] !== '|') {
      p.i++;
      const r = parsePrimary(p, close);
      v = v.t === 'num' && r.t === 'num' ? { t: 'num', v: v.v | r.v } : { t: 'raw', text: 'or' };
      continue;
    }
    if (s.startsWith('<<', p.i)) {
      p.i += 2;
      const r = parsePrimary(p, close);
      v = v.t === 'num' && r.t === 'num' ? { t: 'num', v: v.v << r.v } : { t: 'raw', text: 'shift' };
      continue;
    }
    if (s.startsWith('=>', p.i)) { p.i += 2; v = parsePrimary(p, close); continue; }
    // space-separated array members ("[33 34]", "[0 1]") and stray tokens: let the list go on
    return v;
  }
}

/** Parses `name(args) = ret` (the part after pid and timestamp). */
export function parseCallText(text: string): { name: string; args: Node[]; ret: bigint | null; err?: string; note?: string } | null {
  const m = /^([a-z_0-9]+)\(/.exec(text);
  if (!m) return null;
  const p = new P(text);
  p.i = m[0].length;
  const args = parseList(p, ')').map(([k, v]) => (k ? { t: 'struct', fields: [[k, v]] } as Node : v));
  p.ws();
  if (!p.eat('=')) return { name: m[1], args, ret: null };
  p.ws();
  const rest = text.slice(p.i);
  if (rest.startsWith('?')) return { name: m[1], args, ret: null };
  const em = /^-1 (E[A-Z0-9]+|\(errno \d+\))/.exec(rest);
  if (em) {
    let err = em[1];
    const en = /errno (\d+)/.exec(err);
    if (en) err = `E${en[1]}`;
    return { name: m[1], args, ret: -1n, err };
  }
  const nm = NUM.exec(rest);
  if (nm) {
    const note = /^\s*\(([^)]*)\)\s*$/.exec(rest.slice(nm[0].length));
    const c: { name: string; args: Node[]; ret: bigint; note?: string } = { name: m[1], args, ret: parseNumberText(nm[0]) };
    if (note) c.note = note[1];
    return c;
  }
  return { name: m[1], args, ret: null };
}

/** Parses a whole strace output file. */
export function parseStrace(text: string): StraceEvent[] {
  const out: StraceEvent[] = [];
  const pending = new Map<number, { text: string; time: number; nr?: number }>();
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    const m = /^\s*(\d+)\s+(\d+\.\d+)\s+(?:\[\s*(\d+)\]\s+)?(.*)$/.exec(raw);
    if (!m) continue;
    const tid = Number(m[1]);
    const time = Number(m[2]);
    const nr = m[3] === undefined ? undefined : Number(m[3]);
    let body = m[4];
    const pers = /^\[ Process PID=(\d+) runs in (32|64) bit mode\. \]$/.exec(body);
    if (pers) { out.push({ kind: 'personality', tid, time, pid: Number(pers[1]), bits: pers[2] === '32' ? 32 : 64, line: body }); continue; }
    if (body.startsWith('+++ ')) {
      const ex = /^\+\+\+ exited with (\d+) \+\+\+/.exec(body);
      if (ex) { out.push({ kind: 'exit', tid, time, code: Number(ex[1]), line: body }); continue; }
      const k = /^\+\+\+ killed by (SIG[A-Z0-9_]+)( \(core dumped\))? \+\+\+/.exec(body);
      if (k) out.push({ kind: 'exit', tid, time, sig: k[1], core: !!k[2], line: body });
      continue;
    }
    if (body.startsWith('--- ')) {
      const sm = /^--- (SIG[A-Z0-9_]+|\d+) (.*) ---$/.exec(body);
      if (sm) {
        const p = new P(sm[2]);
        let info: Node | null = null;
        try { info = parsePrimary(p, ''); } catch { info = null; }
        out.push({ kind: 'signal', tid, time, sig: sm[1], info, line: body });
      }
      continue;
    }
    if (body.endsWith('<unfinished ...>')) {
      pending.set(tid, { text: body.slice(0, -'<unfinished ...>'.length).trimEnd(), time, nr });
      continue;
    }
    const res = /^<\.\.\. ([a-z_0-9]+) resumed>(.*)$/.exec(body);
    let ctime = time;
    if (res) {
      const start = pending.get(tid);
      pending.delete(tid);
      if (!start) continue;
      const head = start.text;
      const tail = res[2];
      body = head + (head.endsWith('(') || tail.startsWith(')') || tail.startsWith(',') ? '' : ', ') + tail;
      ctime = start.time;
    }
    const c = parseCallText(body);
    if (!c) continue;
    const ev: StraceCall = { kind: 'call', tid, time: ctime, name: c.name, args: c.args, ret: c.ret, err: c.err, line: body };
    if (nr !== undefined) ev.nr = nr;
    if (c.note !== undefined) ev.note = c.note;
    out.push(ev);
  }
  // calls that never resumed (the process ended inside them)
  for (const [tid, p] of pending) {
    const c = parseCallText(p.text + ')');
    if (c) out.push({ kind: 'call', tid, time: p.time, name: c.name, args: c.args, ret: null, line: p.text, ...(p.nr === undefined ? {} : { nr: p.nr }) });
  }
  return out;
}
