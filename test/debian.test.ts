// Debian's own dynamically linked programs under bin/lxrun with the default root (the host's /,
// read-only; tmpfs on /tmp; the working directory writable): PT_INTERP, ld.so, libc and the
// vDSO from the guest's root. stdout, stderr and exit status must equal the native run's.

import { after, test } from 'node:test';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { differences, fail, runBoth } from './helpers/compare.js';

const dir = mkdtempSync(join(tmpdir(), 'lxbrand-debian-'));
after(() => rmSync(dir, { recursive: true, force: true }));
{
  const files = ['src/main.c', 'src/util.c', 'src/util.h', 'src/lib/list.c', 'docs/README.txt', 'docs/notes.md', 'Makefile', 'z-last.c'];
  for (const f of files) {
    mkdirSync(join(dir, 'tree', f, '..'), { recursive: true });
    writeFileSync(join(dir, 'tree', f), `contents of ${f}\nneedle in ${f.length % 3 === 0 ? 'this' : 'that'} file\n`.repeat(1 + f.length % 4));
  }
  const when = new Date('2021-03-04T05:06:07Z');
  for (const p of ['', 'src', 'src/lib', 'docs', ...files].reverse()) utimesSync(join(dir, 'tree', p), when, when);
}

interface Case { name: string; program: string; args: string[]; stdin?: string; needs?: string; status?: number }

const CASES: Case[] = [
  { name: 'ls -la', program: '/bin/ls', args: ['-la', '--time-style=long-iso', 'tree/src'] },
  { name: 'ls -lR', program: '/bin/ls', args: ['-lR', '--time-style=long-iso', 'tree'] },
  { name: 'sort', program: '/usr/bin/sort', args: ['-k2', '-r'], stdin: 'b 2\na 3\nc 1\nd 3\n' },
  { name: 'sha256sum', program: '/usr/bin/sha256sum', args: ['tree/src/main.c', 'tree/Makefile'] },
  { name: 'cat', program: '/bin/cat', args: ['tree/docs/README.txt', '-', 'tree/nope'], stdin: 'from stdin\n', status: 1 },
  { name: 'find', program: '/usr/bin/find', args: ['tree', '-name', '*.c', '-newer', 'tree/Makefile', '-o', '-type', 'd', '-print'] },
  { name: 'grep -r', program: '/bin/grep', args: ['-rn', 'this', 'tree'] },
  { name: 'tar cz | tar tz', program: '/bin/bash', args: ['--norc', '-c', 'tar --sort=name --mtime=@0 --owner=0 --group=0 -czf - tree | tar -tzvf - | sort'] },
  { name: 'bash script', program: '/bin/bash', args: ['--norc', '-c', 'set -e; declare -A m=([a]=1 [b]=2); for k in "${!m[@]}"; do echo "$k=${m[$k]}"; done | sort; x=$(( 6 * 7 )); echo "$x ${BASH_VERSINFO[0]}"; f() { local i; for i in {1..5}; do printf "%02d " $i; done; echo; }; f; [[ abc =~ b(c) ]] && echo "${BASH_REMATCH[1]}"; echo out > made.txt; cat made.txt; rm made.txt; set +e; ls made.txt 2>&1; echo "status $?"'] },
  { name: 'dash script', program: '/bin/dash', args: ['-c', 'i=0; while [ $i -lt 5 ]; do i=$((i+1)); printf "%s," $i; done; echo; case abc in a*) echo match;; esac; (exit 3); echo $?; cd tree && pwd -P | sed "s|.*/||" && echo * | wc -w'] },
  { name: 'python3 json and hashlib', program: '/usr/bin/python3', needs: '/usr/bin/python3',
    args: ['-c', 'import json, hashlib, os, sys; d = {"k": [1, 2.5, None, "\\u00e9"], "n": 42}; s = json.dumps(d, sort_keys=True); print(s); print(json.loads(s) == d); print(hashlib.sha256(s.encode()).hexdigest()); print(hashlib.md5(b"abc").hexdigest()); print(sorted(os.listdir("tree"))); sys.exit(3)'], status: 3 },
  { name: 'perl -e', program: '/usr/bin/perl', needs: '/usr/bin/perl',
    args: ['-e', 'my %h = (b => 2, a => 1); print join(",", map {"$_=$h{$_}"} sort keys %h), "\\n"; printf("%.3f\\n", atan2(1, 1) * 4); opendir(my $d, "tree") or die; print join(" ", sort grep { !/^\\./ } readdir($d)), "\\n"; exit 5'], status: 5 },
];

for (const c of CASES) {
  test(`${c.name}: lxrun matches native`, { skip: c.needs && !existsSync(c.needs) ? `${c.needs} is not installed` : false }, async () => {
    const pair = await runBoth({ program: c.program, args: c.args, stdin: c.stdin, cwd: dir, timeoutMs: 60_000 }, { timeoutMs: 300_000 });
    const diff = differences(pair, { nativeStatus: c.status ?? 0 });
    if (diff) fail(diff);
  });
}
