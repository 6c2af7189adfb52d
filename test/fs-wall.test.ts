// A zone's root is a wall: no path, symlink, "..", magic link or mount trick reaches a host file
// outside what was mounted. The oracle is Linux itself: the same script runs natively under
// chroot(8) on the same directory (this test runs as root), and under `lxrun --root DIR`; both must
// print the same thing — every escape attempt failing with the errno Linux gives inside a chroot.

import { after, test } from 'node:test';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, linkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { differences, fail, isStaticElf, runCommand, baseEnv, LXRUN, lxrunTimeoutMs } from './helpers/compare.js';

const BUSYBOX = '/bin/busybox';
const outer = mkdtempSync(join(tmpdir(), 'lxbrand-wall-'));
after(() => rmSync(outer, { recursive: true, force: true }));

// outer/secret.txt is outside; outer/root is the zone's root
const root = join(outer, 'root');
writeFileSync(join(outer, 'secret.txt'), 'SECRET outside the root\n');
mkdirSync(join(root, 'bin'), { recursive: true });
mkdirSync(join(root, 'etc'));
for (const d of ['dev', 'proc', 'sys', 'tmp']) mkdirSync(join(root, d));   // mount points, as a real root file system has them
mkdirSync(join(root, 'data', 'sub'), { recursive: true });
writeFileSync(join(root, 'etc', 'motd'), 'inside the root\n');
writeFileSync(join(root, 'secret.txt'), 'the root\'s own secret.txt\n');
const canRun = process.getuid?.() === 0 && isStaticElf(BUSYBOX);
if (canRun) {
  copyFileSync(BUSYBOX, join(root, 'bin', 'busybox'));
  for (const applet of ['sh', 'cat', 'ls', 'sort', 'readlink', 'ln', 'echo']) symlinkSync('busybox', join(root, 'bin', applet));
}
// links that point outside, relative and absolute, chained and looping
symlinkSync('../secret.txt', join(root, 'up'));
symlinkSync('../../secret.txt', join(root, 'data', 'up2'));
symlinkSync('../../../../../../../..', join(root, 'data', 'sub', 'far'));
symlinkSync(join(outer, 'secret.txt'), join(root, 'abs'));          // the host path of the secret
symlinkSync('/etc/motd', join(root, 'data', 'motd-link'));
symlinkSync('loop2', join(root, 'loop1'));
symlinkSync('loop1', join(root, 'loop2'));
symlinkSync('.', join(root, 'dot'));
try { linkSync(join(root, 'etc', 'motd'), join(root, 'data', 'hard')); } catch { /* same fs: always works */ }

const SCRIPT = [
  'cd / && cd .. && cd .. && pwd',
  'cat /../../secret.txt',
  'cat ../../../secret.txt',
  'cat /up',
  'cat /data/up2',
  'ls /data/sub/far/ | sort',
  'cat /data/sub/far/secret.txt',
  'cat /abs; echo "abs: $?"',
  'cat /data/motd-link',
  'cat /loop1; echo "loop: $?"',
  'cat /dot/dot/dot/dot/etc/motd',
  'cat /data/hard',
  'readlink -f /data/sub/far',
  'cd /data/sub/far && pwd && ls | sort',
  'ln -s /../../../ /tmp-escape 2>&1; ls /tmp-escape/ | sort',
].join('; echo "--- $?"; ') + '; echo "--- $?"';

test('escape attempts from a zone root fail exactly as they do inside chroot(8)', { skip: !canRun && 'needs root (for the native chroot oracle) and busybox-static' }, async () => {
  const env = baseEnv({ PATH: '/bin' });
  const argv = ['/bin/busybox', 'sh', '-c', SCRIPT];
  // both sides work on their own copy: the script changes the tree
  const nativeRoot = join(outer, 'native-root');
  const r0 = await runCommand(['cp', '-a', root, nativeRoot], { env, timeoutMs: 30_000 });
  if (r0.status !== 0) fail(`cp -a failed: ${r0.stderr}`);
  const native = await runCommand(['/usr/sbin/chroot', nativeRoot, ...argv], { env, cwd: '/', timeoutMs: 30_000 });
  const lx = await runCommand([LXRUN, '--root', root, ...argv], { env, cwd: '/', timeoutMs: lxrunTimeoutMs(60_000) });
  // --root puts a tmpfs over the directory: the host tree itself must be untouched
  const diff = differences({ native, lxrun: lx });
  if (diff) fail(diff);
  if (native.stdout.toString().includes('SECRET')) fail('the native oracle read the secret: the test is wrong');
  if (lx.stdout.toString().includes('SECRET')) fail('lxrun read a file outside the root');
});

// /proc/self/root and /proc/self/cwd are magic links to the zone's root and cwd: following them and
// then ".." must stay inside. Natively: chroot with a proc mounted inside (a private mount namespace).
const PROC_SCRIPT = [
  'readlink /proc/self/root',
  'ls /proc/self/root/ | sort',
  'ls /proc/self/root/../../.. | sort',
  'cat /proc/self/root/../secret.txt',
  'cd /data && readlink /proc/self/cwd && ls /proc/self/cwd/../../ | sort',
  'cat /proc/self/cwd/../../secret.txt',
].join('; echo "--- $?"; ') + '; echo "--- $?"';

test('/proc/self/root and /proc/self/cwd lead nowhere outside the zone (as in chroot with /proc)', { skip: !canRun && 'needs root and busybox-static' }, async (t) => {
  const env = baseEnv({ PATH: '/bin' });
  const argv = ['/bin/busybox', 'sh', '-c', PROC_SCRIPT];
  const nativeRoot = join(outer, 'native-proc-root');
  await runCommand(['cp', '-a', root, nativeRoot], { env, timeoutMs: 30_000 });
  const inner = `mount -t proc proc ${nativeRoot}/proc && exec /usr/sbin/chroot ${nativeRoot} "$@"`;
  const native = await runCommand(['/usr/bin/unshare', '-m', '/bin/sh', '-c', inner, 'sh', ...argv], { env, cwd: '/', timeoutMs: 30_000 });
  if (native.status === null || /mount|unshare/.test(native.stderr.toString()) && !native.stdout.length) {
    t.skip(`this machine cannot mount proc in a private namespace: ${native.stderr.toString().trim()}`);
    return;
  }
  const lx = await runCommand([LXRUN, '--root', root, ...argv], { env, cwd: '/', timeoutMs: lxrunTimeoutMs(60_000) });
  const diff = differences({ native, lxrun: lx });
  if (diff) fail(diff);
  if (lx.stdout.toString().includes('SECRET')) fail('lxrun read a file outside the root');
});
