// The mount table as /proc/<pid>/mounts, mountinfo and mountstats show it (fs/proc_namespace.c
// show_vfsmnt, show_mountinfo, show_vfsstat), rendered from the zone's MountTable.

import type { Kernel } from '../../kernel.js';
import { MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_RELATIME, type Mount } from '../mount.js';
import { devParts, mangle } from './format.js';

const MS_NOATIME = 1024, MS_NODIRATIME = 2048;

/** show_mnt_opts: the per-mount flags after rw/ro. */
function mntOpts(flags: number): string {
  let s = '';
  if (flags & MS_NOSUID) s += ',nosuid';
  if (flags & MS_NODEV) s += ',nodev';
  if (flags & MS_NOEXEC) s += ',noexec';
  if (flags & MS_NOATIME) s += ',noatime';
  if (flags & MS_NODIRATIME) s += ',nodiratime';
  if (flags & MS_RELATIME) s += ',relatime';
  return s;
}

/** The file system's own options (show_options), each with its leading comma. */
function fsOpts(m: Mount): string { return m.options ? ',' + m.options : ''; }

function mounts(k: Kernel): readonly Mount[] { return k.mounts.all(); }

export function procMounts(k: Kernel): string {
  let out = '';
  for (const m of mounts(k)) {
    const ro = (m.flags & MS_RDONLY) || m.fs.readonly ? 'ro' : 'rw';
    out += `${mangle(m.source)} ${mangle(m.path)} ${m.fs.type} ${ro}${mntOpts(m.flags)}${fsOpts(m)} 0 0\n`;
  }
  return out;
}

export function procMountinfo(k: Kernel): string {
  let out = '';
  for (const m of mounts(k)) {
    const [major, minor] = devParts(m.fs.dev);
    // a bind mount of a subdirectory would show that directory here; the table does not record its path
    const root = '/';
    const mro = m.flags & MS_RDONLY ? 'ro' : 'rw';
    const sro = m.fs.readonly ? 'ro' : 'rw';
    out += `${m.id} ${m.parentId} ${major}:${minor} ${mangle(root)} ${mangle(m.path)} ${mro}${mntOpts(m.flags)}` +
      ` - ${m.fs.type} ${mangle(m.source || 'none')} ${sro}${fsOpts(m)}\n`;
  }
  return out;
}

export function procMountstats(k: Kernel): string {
  let out = '';
  for (const m of mounts(k)) {
    out += `device ${mangle(m.source || 'no device')} mounted on ${mangle(m.path)} with fstype ${m.fs.type}\n`;
  }
  return out;
}
