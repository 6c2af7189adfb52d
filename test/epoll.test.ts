// epoll, eventfd and timerfd, native vs lxrun: the evfds fixture (musl, glibc and glibc-dyn
// builds) and Debian's python3, whose selectors module picks epoll, with a pipe, an eventfd written
// by a child process, select.epoll edge-triggered and a poll that a SIGALRM handler interrupts
// (PEP 475 retries it). The native run in the same test is the only oracle.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_BIN, differences, fail, isExecutableFile, runBoth } from './helpers/compare.js';

const work = mkdtempSync(join(tmpdir(), 'lxbrand-epoll-'));
after(() => rmSync(work, { recursive: true, force: true }));

const LIBCS = ['musl', 'glibc', 'glibc-dyn'] as const;

test('evfds fixture binaries are built and committed', () => {
  const missing = LIBCS.map((l) => join(FIXTURE_BIN, l, 'evfds')).filter((p) => !isExecutableFile(p));
  assert.deepEqual(missing, [], `missing fixture binaries: run 'scripts/build-fixtures.sh evfds'`);
});

for (const libc of LIBCS) {
  test(`evfds (${libc}): lxrun matches native`, async () => {
    const pair = await runBoth({ program: join(FIXTURE_BIN, libc, 'evfds'), cwd: work, timeoutMs: 60_000 }, { timeoutMs: 180_000 });
    const diff = differences(pair);
    if (diff) fail(diff);
  });
}

const PYTHON = '/usr/bin/python3';
const SELECTORS = [
  'import os, select, selectors, signal, time',
  's = selectors.DefaultSelector()',
  'print(type(s).__name__)',
  'r, w = os.pipe()',
  "s.register(r, selectors.EVENT_READ, 'r')",
  "s.register(w, selectors.EVENT_WRITE, 'w')",
  'print(sorted((k.data, ev) for k, ev in s.select(0)))',
  "os.write(w, b'hello')",
  'print(sorted((k.data, ev) for k, ev in s.select(0)))',
  's.unregister(w)',
  'print(os.read(r, 5), s.select(0.05))',
  'efd = os.eventfd(0, os.EFD_NONBLOCK)',
  "s.register(efd, selectors.EVENT_READ, 'e')",
  'pid = os.fork()',
  'if pid == 0:',
  '    time.sleep(0.05)',
  '    os.eventfd_write(efd, 3)',
  '    os._exit(0)',
  'print([(k.data, ev) for k, ev in s.select(5)], os.eventfd_read(efd))',
  'os.waitpid(pid, 0)',
  'ep = select.epoll()',
  'ep.register(r, select.EPOLLIN | select.EPOLLET)',
  "os.write(w, b'ab')",
  'print(ep.poll(0), ep.poll(0))',
  'os.read(r, 1)',
  'print(ep.poll(0))',
  "os.write(w, b'c')",
  'print(ep.poll(0), os.read(r, 10))',
  "signal.signal(signal.SIGALRM, lambda *a: print('alarm'))",
  'signal.setitimer(signal.ITIMER_REAL, 0.05)',
  't0 = time.monotonic()',
  'print(ep.poll(0.3), time.monotonic() - t0 >= 0.25)',
  'ep.close()',
  's.close()',
].join('\n');

test('python3 selectors (epoll) with a pipe, an eventfd and a timer signal: lxrun matches native',
  { skip: existsSync(PYTHON) ? false : `${PYTHON} is not installed` }, async () => {
    const pair = await runBoth({ program: PYTHON, args: ['-c', SELECTORS], cwd: work, timeoutMs: 60_000 }, { timeoutMs: 300_000 });
    const diff = differences(pair);
    if (diff) fail(diff);
  });
