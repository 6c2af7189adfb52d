// Threads (issue #7), native vs lxrun: the C fixtures threads_* (test/fixtures/src; musl and glibc
// static, glibc dynamic; glibc -m32 static and dynamic) and Debian's python3 with threading and concurrent.futures. Every fixture
// prints only results that do not depend on how threads interleave (counters, sums, logs printed
// after joins; no tids, pids, addresses or times), so the native run in the same test is the oracle.
//
//   threads_basic    create/join, return values, pthread_self, detach, __thread/_Thread_local, keys,
//                    pthread_once, /proc/self/task, thread names, C11 threads, main's pthread_exit
//   threads_sync     mutex (8 x 100000), recursive/errorcheck, condvar queue, rwlock, barrier, sem_t,
//                    spinlock, C11 atomics and mtx/cnd
//   threads_cancel   deferred cancel in read/write/cond_wait/nanosleep/sem_wait/poll/sigwait/join,
//                    cleanup handlers, cancel state, pthread_exit + TSD destructors, async cancel
//   threads_signals  pthread_kill to one thread, per-thread masks and pending sets, process-directed
//                    delivery, a sigwait thread, faults caught per thread, per-thread sigaltstack
//   threads_robust   robust mutexes: owner thread / child process death (EOWNERDEAD), consistent,
//                    ENOTRECOVERABLE; process-shared mutex, condvar, barrier, semaphore
//   threads_fork     fork/exec/exit in a threaded process, pthread_atfork, fork from a thread
//   threads_pi       priority-inheritance mutexes (FUTEX_LOCK_PI/UNLOCK_PI/TRYLOCK_PI) under contention
//
// A comparison known to fail gets an entry in TODO with the reason. The "native runs agree" tests
// check the fixtures themselves (status 0, the same output twice).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_BIN, differences, fail, isExecutableFile, runBoth, runNative } from './helpers/compare.js';
import { i386Oracle } from './helpers/i386.js';

const work = mkdtempSync(join(tmpdir(), 'lxbrand-threads-'));
after(() => rmSync(work, { recursive: true, force: true }));

const FIXTURES = ['threads_basic', 'threads_sync', 'threads_cancel', 'threads_signals', 'threads_robust', 'threads_fork', 'threads_pi'] as const;
const LIBCS = ['musl', 'glibc', 'glibc-dyn', 'glibc-i386', 'glibc-i386-dyn'] as const;

/** Known failures under lxrun, by fixture name ('python3' for the python test): none today. */
const TODO: Record<string, string | undefined> = {};

/** Time limit of one lxrun run of a fixture. */
const LXRUN_MS = 120_000;

test('thread fixture binaries are built and committed', () => {
  const missing = FIXTURES.flatMap((f) => LIBCS.map((l) => join(FIXTURE_BIN, l, f))).filter((p) => !isExecutableFile(p));
  assert.deepEqual(missing, [], `missing fixture binaries: run 'scripts/build-fixtures.sh ${FIXTURES.join(' ')}'`);
});

for (const name of FIXTURES) {
  for (const libc of LIBCS) {
    const program = join(FIXTURE_BIN, libc, name);
    // i386 builds: their own native run, or the x86-64 build's where the kernel cannot run i386
    // (threads_sync prints sums of longs: architecture-dependent)
    const o = libc.startsWith('glibc-i386') ? i386Oracle(program, join(FIXTURE_BIN, libc === 'glibc-i386' ? 'glibc' : 'glibc-dyn', name), name === 'threads_sync') : { program };
    const native = 'program' in o ? o.program : program;
    const skip = 'skip' in o ? o.skip : false;

    test(`${name} (${libc}): native runs agree`, { skip }, async () => {
      const runs = [await runNative({ program: native, cwd: work, timeoutMs: 60_000 }), await runNative({ program: native, cwd: work, timeoutMs: 60_000 })];
      for (const r of runs) {
        assert.equal(r.status, 0, `native ${name} (${libc}): status ${r.status} signal ${r.signal} timedOut ${r.timedOut}\n${r.stdout}${r.stderr}`);
      }
      assert.equal(runs[1].stdout.toString(), runs[0].stdout.toString(), 'two native runs printed different output');
      assert.equal(runs[1].stderr.toString(), runs[0].stderr.toString());
    });

    test(`${name} (${libc}): lxrun matches native`, { skip, todo: TODO[name] }, async () => {
      const pair = await runBoth({ program: native, cwd: work, timeoutMs: 60_000 }, { program, timeoutMs: LXRUN_MS });
      const diff = differences(pair);
      if (diff) fail(diff);
    });
  }
}

const PYTHON = '/usr/bin/python3';
/** threading and concurrent.futures; everything printed is independent of scheduling. */
const PY_THREADS = [
  "import threading, queue, hashlib",
  "from concurrent.futures import ThreadPoolExecutor, as_completed",
  "def work(n):",
  "    return sum(i * i for i in range(n))",
  "with ThreadPoolExecutor(max_workers=8) as ex:",
  "    res = list(ex.map(work, range(100, 164)))",
  "print(\"map\", len(res), sum(res), res[:3])",
  "with ThreadPoolExecutor(max_workers=4) as ex:",
  "    futs = {ex.submit(lambda i: hashlib.sha256(bytes([i]) * 50000).hexdigest()[:12], i): i for i in range(16)}",
  "    got = sorted((futs[f], f.result()) for f in as_completed(futs))",
  "print(\"sha256\", len(got), got[0], got[-1])",
  "with ThreadPoolExecutor(max_workers=2) as ex:",
  "    f = ex.submit(lambda: 1 // 0)",
  "    print(\"exception\", type(f.exception()).__name__)",
  "lock = threading.Lock()",
  "counter = 0",
  "def inc():",
  "    global counter",
  "    for _ in range(2000):",
  "        with lock:",
  "            counter += 1",
  "ts = [threading.Thread(target=inc) for _ in range(8)]",
  "for t in ts: t.start()",
  "for t in ts: t.join()",
  "print(\"lock counter\", counter)",
  "local = threading.local()",
  "barrier = threading.Barrier(4)",
  "seen = []",
  "def tl(i):",
  "    local.v = i",
  "    barrier.wait()",
  "    seen.append((i, local.v, threading.get_ident() != threading.main_thread().ident))",
  "ts = [threading.Thread(target=tl, args=(i,)) for i in range(4)]",
  "for t in ts: t.start()",
  "for t in ts: t.join()",
  "print(\"local\", sorted(seen), hasattr(local, \"v\"))",
  "q = queue.Queue(maxsize=8)",
  "total = []",
  "def producer(p):",
  "    for i in range(200): q.put(p * 1000 + i)",
  "def consumer():",
  "    s = 0",
  "    while (v := q.get()) is not None: s += v",
  "    total.append(s)",
  "ps = [threading.Thread(target=producer, args=(p,)) for p in range(3)]",
  "cs = [threading.Thread(target=consumer) for _ in range(3)]",
  "for t in ps + cs: t.start()",
  "for t in ps: t.join()",
  "for _ in cs: q.put(None)",
  "for t in cs: t.join()",
  "print(\"queue\", sum(total), len(total))",
  "cond = threading.Condition()",
  "ev = threading.Event()",
  "turns = []",
  "def turn(k):",
  "    with cond:",
  "        cond.wait_for(lambda: len(turns) == k)",
  "        turns.append(k)",
  "        cond.notify_all()",
  "ts = [threading.Thread(target=turn, args=(k,)) for k in reversed(range(6))]",
  "for t in ts: t.start()",
  "for t in ts: t.join()",
  "t = threading.Thread(target=ev.set)",
  "t.start()",
  "print(\"condition\", turns, \"event\", ev.wait(30))",
  "t.join()",
  "print(\"active\", threading.active_count(), threading.current_thread() is threading.main_thread())",
].join('\n');

const noPython = existsSync(PYTHON) ? false : `${PYTHON} is not installed`;

test('python3 threading and ThreadPoolExecutor: native runs agree', { skip: noPython }, async () => {
  const spec = { program: PYTHON, args: ['-c', PY_THREADS], cwd: work, timeoutMs: 60_000 };
  const runs = [await runNative(spec), await runNative(spec)];
  for (const r of runs) assert.equal(r.status, 0, `native python3: status ${r.status}\n${r.stdout}${r.stderr}`);
  assert.equal(runs[1].stdout.toString(), runs[0].stdout.toString(), 'two native runs printed different output');
});

test('python3 threading and ThreadPoolExecutor: lxrun matches native',
  { todo: TODO.python3, skip: noPython }, async () => {
    const pair = await runBoth({ program: PYTHON, args: ['-c', PY_THREADS], cwd: work, timeoutMs: 60_000 }, { timeoutMs: 300_000 });
    const diff = differences(pair);
    if (diff) fail(diff);
  });
