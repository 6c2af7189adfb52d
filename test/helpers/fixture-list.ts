// The fixture programs of test/fixtures.test.ts and how each is run (shared with the i386 tests).

export interface Fixture {
  name: string;
  args?: string[];
  env?: Record<string, string>;
  stdin?: string;
  /** The native exit status the fixture is written to give (default 0). */
  status?: number;
  /** Time limit for the lxrun run, ms (default 120 s). */
  timeoutMs?: number;
  /** A known failure, with the reason: the test still runs and reports, as a TODO. */
  todo?: string;
  /** Pass a fresh empty directory as the last argument (a different one for each run). */
  tmpDirArg?: boolean;
  /** Prints architecture-dependent facts (sizes of long/pointers, addresses, x87 vs SSE results):
   *  an i386 build's output can be compared only with an i386 native run, not the x86-64 build's. */
  archDependent?: boolean;
}

export function text(lines: number): string {
  let s = 0x2545f491, out = '';
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', '', 'x', 'lorem ipsum', '\t'];
  for (let i = 0; i < lines; i++) {
    const n = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % 9;
    const parts: string[] = [];
    for (let k = 0; k < n; k++) parts.push(words[(s = (Math.imul(s, 1103515245) + 12345) >>> 0) % words.length]);
    out += parts.join(' ') + '\n';
  }
  return out;
}

export const ARGV = ['one', 'two words', '', 'caf\u00e9 \u00fcber', 'tab\there', '--flag=x', 'quote"back\\slash'];

export const FIXTURES: Fixture[] = [
  { name: 'hello' },
  { name: 'argv_env', args: ARGV, status: (ARGV.length + 1 + 40) & 0xff,
    env: { LXT_ALPHA: 'alpha', LXT_EMPTY: '', LXT_UTF8: 'h\u00e9llo w\u00f6rld', LXT_EQ: 'a=b=c', LXT_ZZ: 'last' } },
  { name: 'stdin_wc', stdin: text(20000) },
  { name: 'intarith', archDependent: true },
  { name: 'float', archDependent: true },
  { name: 'strings', timeoutMs: 300_000 },
  { name: 'qsort', args: ['100000'], timeoutMs: 300_000 },
  { name: 'malloc', timeoutMs: 180_000 },
  { name: 'mmap', archDependent: true },
  { name: 'setjmp' },
  { name: 'signals' },
  { name: 'fileio', tmpDirArg: true },
  { name: 'sha256', args: ['256K'] },
  { name: 'sortbench', args: ['100000'] },
  { name: 'membarrier' },
  { name: 'rseq' },
  { name: 'creds' },
  { name: 'sigfd' },
];

