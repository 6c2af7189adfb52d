// Known, reasoned divergences (conformance/skiplist.json). An entry names a program (glob) and
// either a call (glob, optionally restricted to some grades), an output ('stdout' | 'stderr' |
// 'status'), or nothing more: then the whole program is a known failure. Every entry has a reason.
// A divergence that no entry explains fails `lxconform run` (and `make test`).

import { existsSync, readFileSync } from 'node:fs';
import type { Grade, Graded } from './compare.js';

export interface SkipEntry {
  /** Program id glob, or a list of them. */
  program: string | string[];
  call?: string;
  grade?: Grade | Grade[];
  output?: 'stdout' | 'stderr' | 'status';
  reason: string;
  /** Set while a run uses the list: how many divergences this entry explained. */
  used?: number;
}

function glob(p: string): RegExp {
  return new RegExp('^' + p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
}

export class Skiplist {
  readonly entries: SkipEntry[];
  private res: { p: { test(s: string): boolean }; c: RegExp | null }[];

  constructor(entries: SkipEntry[]) {
    for (const e of entries) {
      if (!e.program || !e.reason) throw new Error(`skiplist entry without program or reason: ${JSON.stringify(e)}`);
    }
    this.entries = entries.map((e) => ({ ...e, used: 0 }));
    this.res = this.entries.map((e) => {
      const ps = (Array.isArray(e.program) ? e.program : [e.program]).map(glob);
      return { p: { test: (s: string) => ps.some((r) => r.test(s)) }, c: e.call ? glob(e.call) : null };
    });
  }

  static load(path: string): Skiplist {
    if (!existsSync(path)) return new Skiplist([]);
    const j = JSON.parse(readFileSync(path, 'utf8'));
    return new Skiplist(Array.isArray(j) ? j : j.entries ?? []);
  }

  /** The whole-program entry for a program, if any. */
  program(id: string): SkipEntry | undefined {
    return this.entries.find((e, i) => !e.call && !e.output && this.res[i].p.test(id));
  }

  call(id: string, g: Graded): SkipEntry | undefined {
    const i = this.entries.findIndex((e, k) => {
      const r = this.res[k];
      if (!r.c || !r.p.test(id) || !r.c.test(g.name)) return false;
      if (e.grade === undefined) return true;
      return Array.isArray(e.grade) ? e.grade.includes(g.grade) : e.grade === g.grade;
    });
    return i >= 0 ? this.entries[i] : undefined;
  }

  output(id: string, what: string): SkipEntry | undefined {
    return this.entries.find((e, i) => e.output === what && this.res[i].p.test(id));
  }

  unused(): SkipEntry[] { return this.entries.filter((e) => !e.used); }
}
