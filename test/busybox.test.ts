// Debian's busybox-static (/bin/busybox), a real program nobody here wrote: applets that need no
// fork (this build has no awk math functions and no od 'z' suffix), run natively and under bin/lxrun on deterministic input files; stdout, stderr and exit
// status must be equal. Expected output always comes from the native run in this test run.
// The same cases run with Debian's busybox-static:i386 (same version; fetched, not installed, by
// scripts/i386-packages.sh), against its own native run (test/helpers/i386.ts).

import { after, test } from 'node:test';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { differences, fail, isExecutableFile, isStaticElf, runBoth } from './helpers/compare.js';
import { BUSYBOX_I386, i386Oracle } from './helpers/i386.js';

const BUSYBOX = '/bin/busybox';

function busyboxProblem(path = BUSYBOX): string | null {
  if (!isExecutableFile(path)) return `${path} is missing: run 'make setup' (${path === BUSYBOX ? "installs Debian's busybox-static" : 'scripts/i386-packages.sh fetches busybox-static:i386'})`;
  if (!isStaticElf(path)) return `${path} is not a static binary: run 'make setup' (Debian's busybox-static replaces busybox)`;
  return null;
}

// ---- deterministic inputs ----
const dir = mkdtempSync(join(tmpdir(), 'lxbrand-busybox-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let seed = 0x1234567;
function rnd(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed >>> 8;
}
const WORDS = ['apple', 'Banana', 'cherry', 'date', 'elder', 'fig', 'grape', 'honeydew', 'kiwi', 'lemon', 'mango', 'nectarine',
  'olive', 'papaya', 'quince', 'raspberry', 'strawberry', 'tangerine', 'ugli', 'vanilla', 'watermelon', 'xigua', 'yam', 'zucchini'];
{
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const n = 1 + (rnd() % 6);
    const ws: string[] = [];
    for (let k = 0; k < n; k++) ws.push(WORDS[rnd() % WORDS.length] + (rnd() % 4 === 0 ? String(rnd() % 100) : ''));
    lines.push(ws.join(' '));
  }
  writeFileSync(join(dir, 'words.txt'), lines.join('\n') + '\n');
  const nums: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const v = (rnd() % 200001) - 100000;
    nums.push(i % 5 === 0 ? (v / 128).toFixed(3) : String(v));
  }
  writeFileSync(join(dir, 'nums.txt'), nums.join('\n') + '\n');
  const bin = Buffer.alloc(4096);
  for (let i = 0; i < bin.length; i++) bin[i] = i < 256 ? i : rnd() & 0xff;
  writeFileSync(join(dir, 'data.bin'), bin);
  const big = Buffer.alloc(512 * 1024);
  for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((rnd() ^ (rnd() << 16)) >>> 0, i);
  writeFileSync(join(dir, 'big.bin'), big);
  // a small tree with fixed times, for ls and find
  const files = ['src/main.c', 'src/util.c', 'src/util.h', 'src/lib/list.c', 'src/lib/list.h', 'docs/README.txt',
    'docs/notes.md', 'Makefile', 'build/.keep', 'build/out/app.o', 'z-last.c', 'A-first.txt'];
  for (const f of files) {
    mkdirSync(join(dir, 'tree', f, '..'), { recursive: true });
    writeFileSync(join(dir, 'tree', f), `contents of ${f}\n`.repeat(1 + f.length % 5));
  }
  const when = new Date('2020-02-29T12:34:56Z');
  for (const p of ['', 'src', 'src/lib', 'docs', 'build', 'build/out', ...files].reverse()) utimesSync(join(dir, 'tree', p), when, when);
}

interface Case {
  args: string[];
  stdin?: string;
  /** Native exit status the case is written for (default 0). */
  status?: number;
  timeoutMs?: number;
}

const AWK_ARITH = `BEGIN {
  s = 0; p = 1
  for (i = 1; i <= 2000; i++) { s += i * i; p = p * 1.0001 + i % 7 }
  printf "%d %.6f %e %g %x %o %5.2f|%-8s|%c\\n", s, s / 7, p, p, 48879, 8, 3.14159, "left", 65
  big = 1; for (i = 0; i < 53; i++) big *= 2
  print big + 1, big * 3, 1e300 * 1e10, -0, 7 % 3, -7 % 3, int(-3.7), 1 / 3, 0.1 + 0.2, 1e6, 1e16, 123456789012
  printf "%.10f %.3e %d %i %5s|%.2s\\n", 2 / 3, -1 / 7e10, "42abc", -17.9, "ab", "xyz"
  x = "3.5abc" + 0; y = substr("hello world", 4, 5); n = split("a:b::c", parts, ":")
  s2 = "banana"; g = gsub(/an/, "AN", s2)
  printf "%s|%s|%d|%s|%d|%s|%s|%d\\n", x, y, n, parts[4], g, s2, toupper("mixed Case"), index("hello", "ll")
  printf "%s %s\\n", sprintf("%05d", 42), sprintf("%-6.2e", 12345.678)
}`;
const AWK_FILE = `{ n++; w += NF; len += length($0); c[$1]++; if (NF > max) { max = NF; maxline = $0 } }
END {
  printf "%d lines, %d words, %d chars, longest %d: %s\\n", n, w, len, max, maxline
  for (k in c) if (c[k] > 150) printf "%s=%d\\n", k, c[k]
}`;

const CASES: Case[] = [
  { args: ['echo', 'hello', 'world'] },
  { args: ['echo', '-n', 'no newline'] },
  { args: ['echo', '-e', 'tab\\there\\nnext line \\x41\\0101'] },
  { args: ['seq', '1', '100000'], timeoutMs: 300_000 },
  { args: ['seq', '-s', ',', '-w', '--', '-3', '2', '21'] },
  { args: ['sort', 'words.txt'] },
  { args: ['sort', '-n', 'nums.txt'] },
  { args: ['sort', '-r', '-u', '-k', '2', 'words.txt'] },
  { args: ['sort'], stdin: 'pear\napple\nfig\n\nbanana\n' },
  { args: ['sha256sum', 'big.bin', 'words.txt'] },
  { args: ['md5sum', 'big.bin'] },
  { args: ['awk', AWK_ARITH] },
  { args: ['awk', AWK_FILE, 'words.txt'] },
  { args: ['awk', '-F', ' ', '{ s += $1 } END { printf "%.3f %d\\n", s, NR }', 'nums.txt'] },
  { args: ['od', '-A', 'x', '-t', 'x1', 'data.bin'] }, // this busybox has no 'z' suffix
  { args: ['od', '-A', 'd', '-c', '-t', 'x2', 'data.bin'] },
  { args: ['expr', '12345', '*', '6789'] },
  { args: ['expr', 'length', 'hello world'] },
  { args: ['expr', '100', '/', '7', '%', '3'] },
  { args: ['expr', 'abc', ':', 'a\\(.\\)c'] },
  { args: ['expr', '3', '-', '3'], status: 1 },
  { args: ['ls', 'tree'] },
  { args: ['ls', '-1a', 'tree/src'] },
  { args: ['ls', '-lnR', 'tree'] },
  { args: ['find', 'tree', '-name', '*.c'] },
  { args: ['find', 'tree', '-type', 'd'] },
  { args: ['wc', 'words.txt', 'nums.txt'] },
  { args: ['head', '-n', '5', 'words.txt'] },
  { args: ['tail', '-c', '100', 'words.txt'] },
  { args: ['cut', '-d', ' ', '-f', '2', 'words.txt'] },
  { args: ['grep', '-c', 'an', 'words.txt'] },
  { args: ['sed', '-e', 's/a\\([a-z]\\)/<\\1>/g', '-e', '5q', 'words.txt'] },
  { args: ['tr', 'a-z', 'A-Z'], stdin: 'Hello, tr!\n' },
  { args: ['printf', '%s=%5.2f %x %o %c|%-4d|\\n', 'pi', '3.14159', '255', '8', 'Z', '7'] },
  { args: ['cat', 'nonexistent-file'], status: 1 },
  // the README's default job: sh runs echo as a builtin and uname as an in-process applet
  { args: ['sh', '-c', 'echo hello from busybox; uname -a'] },
  { args: ['sh', '-c', 'i=0; s=0; while [ $i -lt 300 ]; do i=$((i+1)); s=$((s + i * i)); done; echo "sum $s"; printf "%s|%5d\\n" abc $i; test -d tree && echo dir; exit 3'], status: 3 },
  { args: ['false'], status: 1 },
];

test(`${BUSYBOX} is Debian's busybox-static`, () => {
  const problem = busyboxProblem();
  if (problem) fail(problem);
});

test(`${BUSYBOX_I386} is Debian's busybox-static:i386`, () => {
  const problem = busyboxProblem(BUSYBOX_I386);
  if (problem) fail(problem);
});

for (const [label, program] of [['busybox', BUSYBOX], ['busybox i386', BUSYBOX_I386]] as const) {
  for (const c of CASES) {
    const name = c.args.map((a) => (a.length > 40 ? a.slice(0, 37).replace(/\s+/g, ' ') + '...' : a)).join(' ');
    test(`${label} ${name}${c.stdin !== undefined ? ' < input' : ''}`, async (t) => {
      const problem = busyboxProblem(program);
      if (problem) fail(problem);
      let native = program;
      if (program === BUSYBOX_I386) {
        const o = i386Oracle(program, BUSYBOX);
        if ('skip' in o) { t.skip(o.skip); return; }
        native = o.program;
      }
      const pair = await runBoth(
        { program: native, args: c.args, cwd: dir, stdin: c.stdin, timeoutMs: 60_000 },
        { program, timeoutMs: c.timeoutMs ?? 120_000 },
      );
      const diff = differences(pair, { nativeStatus: c.status ?? 0 });
      if (diff) fail(diff);
    });
  }
}
