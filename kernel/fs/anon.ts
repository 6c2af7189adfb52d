// Files on the anonymous inode (fs/anon_inodes.c): epoll, eventfd and timerfd have no name and no
// inode of their own. Linux gives all of them one shared inode (mode 0600 with no file-type bits,
// owned by root since it is made at boot), /proc/<pid>/fd shows "anon_inode:[name]", F_GETFL
// shows O_RDWR plus O_NONBLOCK, and lseek succeeds without moving (noop_llseek).

import type { Stat } from '../host.js';
import { O_NONBLOCK, O_RDWR } from '../linux.js';
import { OpenFile } from '../file.js';

/** st_dev of the anon_inode mount as this machine's kernel reports it (anonymous device 0:16). */
const ANON_INODE_DEV = 0x10;
/** The one anonymous inode's number (Linux's depends on boot order; only its sameness is visible). */
const ANON_INODE_INO = 1038;

export abstract class AnonFile extends OpenFile {
  /** `flags` as the creating call passes them: only O_NONBLOCK survives (anon_inode_getfile). */
  constructor(name: string, flags: number) {
    super(O_RDWR | (flags & O_NONBLOCK), `anon_inode:[${name}]`);
  }

  stat(): Stat {
    return {
      dev: ANON_INODE_DEV, ino: ANON_INODE_INO, mode: 0o600, nlink: 1, uid: 0, gid: 0, rdev: 0, size: 0,
      blksize: 4096, blocks: 0, atimeSec: 0, atimeNsec: 0, mtimeSec: 0, mtimeNsec: 0, ctimeSec: 0, ctimeNsec: 0,
    };
  }

  /** lseek succeeds and stays put (noop_llseek); pread/pwrite still fail with ESPIPE. */
  override get seekable(): boolean { return true; }
  override seek(): number { return this.pos; }

  /** Lines this kind adds to /proc/<pid>/fdinfo/N (show_fdinfo). */
  fdinfo(): string { return ''; }
}
