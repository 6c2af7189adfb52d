// `lxrun --image` of a real Debian root file system (debootstrap --variant=minbase, built once by
// scripts/rootfs-image.sh, which `make setup` runs): Debian's own dynamic binaries run inside the
// imported tree. The oracle is the same archive unpacked natively and entered with chroot(8).

import { after, test } from 'node:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { baseEnv, differences, fail, LXRUN, lxrunTimeoutMs, runCommand, ROOT } from './helpers/compare.js';

const IMAGE = join(process.env.LXBRAND_CACHE ?? '/var/cache/lxbrand', 'debian-bookworm-minbase.tar.gz');

function imageProblem(): string | null {
  if (process.getuid?.() !== 0) return 'the native oracle (chroot) needs root';
  if (existsSync(IMAGE)) return null;
  const r = spawnSync(join(ROOT, 'scripts', 'rootfs-image.sh'), { encoding: 'utf8' });
  return r.status === 0 ? null : `no Debian image (${IMAGE}): scripts/rootfs-image.sh failed: ${(r.stderr || '').trim()}`;
}

const problem = imageProblem();
let native: string | null = null;
after(() => { if (native) rmSync(native, { recursive: true, force: true }); });

function nativeRoot(): string {
  if (native) return native;
  const dir = mkdtempSync('/var/tmp/lxbrand-image-');
  const r = spawnSync('tar', ['--numeric-owner', '-xzf', IMAGE, '-C', dir], { encoding: 'utf8' });
  if (r.status !== 0) fail(`tar -x of ${IMAGE} failed: ${r.stderr}`);
  native = dir;
  return dir;
}

const SCRIPTS: [string, string][] = [
  ['apt --version and /etc', 'apt --version; ls /etc'],
  ['dpkg, coreutils and a pipeline', 'dpkg-query -W -f \'${Package}\\n\' | sort | head -n 20; cat /etc/debian_version; ls -la /usr/bin | wc -l'],
  ['writes stay in the zone: files, links, renames', 'cd /root && echo hello > a && ln a b && ln -s a c && mv b d && ls -li a d | awk \'{print $2, $3, $NF}\'; cat c; rm a; cat d; stat -c "%h %s %F" d'],
];

for (const [name, script] of SCRIPTS) {
  test(`--image: ${name}`, { skip: problem ?? false, timeout: 600_000 }, async () => {
    const env = baseEnv({ PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' });
    const argv = ['/bin/sh', '-c', script];
    const n = await runCommand(['/usr/sbin/chroot', nativeRoot(), ...argv], { env, cwd: '/', timeoutMs: 60_000 });
    const lx = await runCommand([LXRUN, '--image', IMAGE, ...argv], { env, cwd: '/', timeoutMs: lxrunTimeoutMs(300_000) });
    const diff = differences({ native: n, lxrun: lx });
    if (diff) fail(diff);
  });
}
