// Processes, signals and pipes (issue #4), native vs lxrun: the C fixtures procs, sigwait, spawn,
// pipes and cputimers (musl and glibc builds), jobctl under a fresh pseudo-terminal for each run,
// Debian's static busybox sh running pipelines, subshells, command substitution, traps, background
// jobs and a 200-line script, `#!` scripts, and lxrun forwarding host signals to the guest. The
// native run in the same test is the only oracle.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FIXTURE_BIN, LXRUN, LXRUN_DIAGNOSTIC, ROOT, baseEnv, differences, fail, firstDifference, isExecutableFile, lxrunCommand,
  lxrunTimeoutMs, runBoth, runCommand,
} from './helpers/compare.js';
import { i386RunsNatively } from './helpers/i386.js';

const BUSYBOX = '/bin/busybox';
const work = mkdtempSync(join(tmpdir(), 'lxbrand-process-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Case { name: string; args?: string[]; tmpDirArg?: boolean; status?: number; stdin?: string }

const FIXTURES: Case[] = [
  { name: 'procs', tmpDirArg: true },
  { name: 'sigwait' },
  { name: 'spawn' },
  { name: 'pipes' },
  { name: 'cputimers' },
];
const LIBCS = ['musl', 'glibc'] as const;

test('process fixture binaries are built and committed', () => {
  const missing = FIXTURES.flatMap((f) => LIBCS.map((l) => join(FIXTURE_BIN, l, f.name))).filter((p) => !isExecutableFile(p));
  assert.deepEqual(missing, [], `missing fixture binaries: run 'make setup fixtures'`);
});

for (const fx of FIXTURES) {
  for (const libc of LIBCS) {
    test(`${fx.name} (${libc}): lxrun matches native`, async () => {
      const program = join(FIXTURE_BIN, libc, fx.name);
      const dir = mkdtempSync(join(work, `${fx.name}-`));
      const dirs = fx.tmpDirArg ? [mkdtempSync(join(dir, 'native-')), mkdtempSync(join(dir, 'lxrun-'))] : [];
      const pair = await runBoth({ program, args: [...(fx.args ?? []), ...dirs.slice(0, 1)], cwd: dir, timeoutMs: 60_000 },
        { args: [...(fx.args ?? []), ...dirs.slice(1)], timeoutMs: 180_000 });
      const diff = differences(pair, { nativeStatus: fx.status ?? 0 });
      if (diff) fail(diff);
    });
  }
}

// ---- job control on a terminal ------------------------------------------------------------------

/**
 * Runs argv[2..] as the session leader of a fresh pseudo-terminal (python3's pty module): its
 * controlling terminal, its group in the foreground, argv[1] typed ahead (and echoed) before it starts. Prints
 * everything the terminal showed once every slave descriptor is closed; exits with its status.
 */
const PTY_DRIVER = `
import os, pty, sys, fcntl, termios
master, slave = pty.openpty()
typed = sys.argv[1].encode()
os.write(master, typed)
# the line discipline echoes typed input from a work queue: wait for the echo, so that it comes
# before anything the program writes, whatever the machine's load
out = bytearray()
while not out.endswith(typed.replace(b'\\n', b'\\r\\n')):
    out += os.read(master, 65536)
pid = os.fork()
if pid == 0:
    os.close(master)
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    if slave > 2:
        os.close(slave)
    os.execv(sys.argv[2], sys.argv[2:])
os.close(slave)
while True:
    try:
        b = os.read(master, 65536)
    except OSError:
        break
    if not b:
        break
    out += b
_, st = os.waitpid(pid, 0)
sys.stdout.buffer.write(bytes(out))
sys.exit(os.waitstatus_to_exitcode(st) & 0xff)
`;

for (const libc of [...LIBCS, 'glibc-dyn', 'glibc-i386'] as const) {
  test(`jobctl (${libc}) under a pseudo-terminal: lxrun matches native`, { skip: libc === 'glibc-i386' && !i386RunsNatively() && 'this kernel does not run i386 programs' }, async () => {
    const program = join(FIXTURE_BIN, libc, 'jobctl');
    assert.ok(isExecutableFile(program), `missing ${program}: run 'make fixtures'`);
    const typed = 'x\n';
    const native = await runCommand(['python3', '-c', PTY_DRIVER, typed, program], { env: baseEnv(), cwd: work, timeoutMs: 60_000 });
    const lx = await runCommand(['python3', '-c', PTY_DRIVER, typed, ...lxrunCommand(program)],
      { env: baseEnv(), cwd: work, timeoutMs: lxrunTimeoutMs(180_000) });
    assert.equal(native.status, 0, `native run: ${native.stderr.toString()}`);
    const nativeOut = native.stdout.toString('latin1');
    assert.match(nativeOut, /stopped by SIGTTIN/, 'the native run has job control (a terminal)');
    assert.ok(!lx.timedOut, 'lxrun timed out');
    // lxrun's own notes share the terminal with the guest
    const lxOut = lx.stdout.toString('latin1').split('\n').filter((l) => !LXRUN_DIAGNOSTIC.test(l)).join('\n');
    if (lxOut !== nativeOut) fail(firstDifference(nativeOut, lxOut, 'terminal output'));
    assert.equal(lx.status, native.status, 'exit status');
  });
}

/** Runs an interactive program on a fresh pseudo-terminal (its controlling terminal), typing each
 *  line only once the program has printed PROMPT again, and prints everything the terminal showed. */
const PTY_SESSION = `
import os, pty, sys, select, time
prompt = sys.argv[1].encode()
lines = sys.argv[2].split('\\n')
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[3], sys.argv[3:])
out = bytearray()
def until(pred, secs):
    end = time.time() + secs
    while not pred() and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                b = os.read(fd, 65536)
            except OSError:
                return False
            if not b:
                return False
            out.extend(b)
    return True
for line in lines:
    seen = out.count(prompt)
    until(lambda: out.count(prompt) > seen, 60)
    os.write(fd, line.encode() + b'\\n')
until(lambda: False, 60)
_, st = os.waitpid(pid, 0)
sys.stdout.buffer.write(bytes(out))
sys.exit(os.waitstatus_to_exitcode(st) & 0xff)
`;

test('interactive busybox sh on a terminal: a background job, jobs, fg, exit', async () => {
  // PS1 is the prompt the driver waits for; "fg" waits for the job, whatever the machine's load
  const env = baseEnv({ PS1: '$ ', TERM: 'dumb' });
  const lines = 'echo hi; sleep 3 &\njobs\nfg\necho "fg status $?"\nexit 4';
  const native = await runCommand(['python3', '-c', PTY_SESSION, '$ ', lines, BUSYBOX, 'sh', '-i'], { env, cwd: work, timeoutMs: 120_000 });
  const lx = await runCommand(['python3', '-c', PTY_SESSION, '$ ', lines, ...lxrunCommand(BUSYBOX, ['sh', '-i'])],
    { env, cwd: work, timeoutMs: lxrunTimeoutMs(240_000) });
  const nativeOut = native.stdout.toString('latin1');
  assert.match(nativeOut, /Running +sleep 3/, `the native session ran the job: ${JSON.stringify(nativeOut)}`);
  assert.ok(!lx.timedOut, 'lxrun timed out');
  const lxOut = lx.stdout.toString('latin1').split('\n').filter((l) => !LXRUN_DIAGNOSTIC.test(l)).join('\n');
  if (lxOut !== nativeOut) fail(firstDifference(nativeOut, lxOut, 'terminal output'));
  assert.equal(lx.status, native.status, 'exit status');
});

/** busybox sh -c SCRIPT natively and under lxrun. */
async function sh(script: string, opts: { status?: number; stdin?: string; args?: string[] } = {}): Promise<void> {
  const pair = await runBoth({ program: BUSYBOX, args: ['sh', '-c', script, ...(opts.args ?? [])], cwd: work, stdin: opts.stdin, timeoutMs: 60_000 },
    { timeoutMs: 180_000 });
  const diff = differences(pair, { nativeStatus: opts.status ?? 0 });
  if (diff) fail(diff);
}

test('busybox sh is there (busybox-static)', () => {
  assert.ok(isExecutableFile(BUSYBOX), 'install busybox-static (make setup)');
});

test('sh: pipelines', () => sh(`seq 1 30 | sort -rn | head -n 4 | tr '\\n' ' '; echo; echo abc | cat | cat | tr a-c x-z;
  printf 'b\\na\\nb\\n' | sort | uniq -c; false | true; echo $?; true | false; echo $?`));

test('sh: subshells and command substitution', () => sh(`x=1; (x=2; echo in $x; exit 4); echo "st=$? x=$x";
  y=$(echo one; echo two); echo "[$y]"; z=$(exit 9); echo $?; echo "$(echo $(echo nested) "$(echo quoted)")"`));

test('sh: while loops with arithmetic', () => sh(`i=0; s=0; while [ $i -lt 200 ]; do i=$((i+1)); s=$((s + i*i % 7)); done;
  echo "$i $s $((1<<40)) $((-17/5)) $((-17%5))"`));

test('sh: background jobs, wait and exit statuses', () => sh(`(sleep 0.3; exit 5) & a=$!; (exit 6) & b=$!;
  wait $b; echo "b=$?"; wait $a; echo "a=$?"; sleep 10 & c=$!; sleep 1; kill $c; wait $c; echo "c=$?"; exit 42`, { status: 42 }));

test('sh: trap on signals and on exit', () => sh(`trap 'echo usr1' USR1; kill -USR1 $$; echo after;
  trap 'echo "exit trap $?"' EXIT; sh -c 'kill -TERM $$'; echo "child $?"; exit 3`, { status: 3 }));

test('sh: reading standard input line by line', () => sh(`n=0; while read -r line; do n=$((n+1)); echo "$n: $line"; done; echo "lines $n"`,
  { stdin: 'first\nsecond line\n\nlast without newline' }));

test('sh: a 200-line script (test/fixtures/sh/jobs.sh)', async () => {
  const script = join(ROOT, 'test', 'fixtures', 'sh', 'jobs.sh');
  const pair = await runBoth({ program: BUSYBOX, args: ['sh', script], cwd: work, env: { TMPDIR: work }, timeoutMs: 60_000 },
    { timeoutMs: 240_000 });
  const diff = differences(pair, { nativeStatus: 3 });
  if (diff) fail(diff);
});

test('#! scripts: run by lxrun directly and by execve from sh, with an interpreter argument', async () => {
  const dir = mkdtempSync(join(work, 'shebang-'));
  const s1 = join(dir, 'hello.sh');
  writeFileSync(s1, `#!${BUSYBOX} sh\necho "script args: $# [$*] name=\${0##*/}"\nexit 7\n`);
  chmodSync(s1, 0o755);
  const s2 = join(dir, 'echo.sh');
  writeFileSync(s2, `#!${BUSYBOX} echo\nthis line is never read\n`);
  chmodSync(s2, 0o755);
  const direct = await runBoth({ program: s1, args: ['a', 'b c'], cwd: dir, timeoutMs: 60_000 }, { timeoutMs: 120_000 });
  const d1 = differences(direct, { nativeStatus: 7 });
  if (d1) fail(d1);
  const viaSh = await runBoth({ program: BUSYBOX, args: ['sh', '-c', `${s1} x; echo "status $?"; ${s2} p q`], cwd: dir, timeoutMs: 60_000 },
    { timeoutMs: 120_000 });
  const d2 = differences(viaSh);
  if (d2) fail(d2);
});

/**
 * Starts `argv` (native, or under lxrun), waits for "ready" on its stdout, sends `sig` to the
 * process (lxrun itself for the lxrun run) and collects the rest.
 */
function signalAfterReady(argv: string[], sig: NodeJS.Signals): Promise<{ out: string; code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: work, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let sent = false;
    const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } reject(new Error(`timed out; output so far: ${out}`)); }, 120_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (!sent && out.includes('ready\n')) { sent = true; child.kill(sig); }
    });
    child.stderr.on('data', () => { /* lxrun notes */ });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ out, code, signal }); });
  });
}

test('lxrun forwards SIGINT/SIGTERM/SIGHUP to the guest: handlers run, default actions end it with 128+N', async () => {
  const trapping = [BUSYBOX, 'sh', '-c', 'trap "echo got INT; exit 3" INT; trap "echo got HUP; exit 4" HUP; echo ready; while :; do sleep 0.05; done'];
  for (const [sig, want] of [['SIGINT', 'got INT\n'], ['SIGHUP', 'got HUP\n']] as const) {
    const native = await signalAfterReady(trapping, sig);
    const lx = await signalAfterReady(lxrunCommand(trapping[0], trapping.slice(1)), sig);
    assert.equal(native.out, `ready\n${want}`);
    assert.equal(lx.out, native.out, `${sig}: lxrun output`);
    assert.equal(lx.code, native.code, `${sig}: exit status`);
  }
  const plain = [BUSYBOX, 'sh', '-c', 'echo ready; exec sleep 30'];
  const native = await signalAfterReady(plain, 'SIGTERM');
  const lx = await signalAfterReady(lxrunCommand(plain[0], plain.slice(1)), 'SIGTERM');
  assert.equal(native.signal, 'SIGTERM');
  assert.equal(lx.code, 128 + 15, 'lxrun exits with 128+SIGTERM when the guest dies of it');
  assert.equal(lx.out, native.out);
  assert.ok(existsSync(LXRUN));
});
