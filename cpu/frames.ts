// The physical frame pool: every guest page and every register block lives in one shared
// WebAssembly.Memory created at full size once (DESIGN.md decision 1: a shared memory costs no
// resident memory until touched, and its views never need refreshing).

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

export class FramePool {
  readonly memory: WebAssembly.Memory;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  readonly frames: number;
  private readonly refs: Uint16Array;
  private free: number[] = [];
  private next = 1;              // frame 0 is never handed out: 0 means "no frame"
  used = 0;

  constructor(bytes = 4 * 1024 * 1024 * 1024 - 65536) {
    const wasmPages = Math.floor(bytes / 65536);
    this.memory = new WebAssembly.Memory({ initial: wasmPages, maximum: wasmPages, shared: true });
    this.u8 = new Uint8Array(this.memory.buffer);
    this.dv = new DataView(this.memory.buffer);
    this.frames = (wasmPages * 65536) / PAGE_SIZE;
    this.refs = new Uint16Array(this.frames);
  }

  /** A zero-filled frame with reference count 1. Throws OutOfFrames when the pool is exhausted. */
  alloc(): number {
    let f = this.free.pop();
    if (f === undefined) {
      if (this.next >= this.frames) throw new OutOfFrames();
      f = this.next++;
    } else {
      this.u8.fill(0, f * PAGE_SIZE, f * PAGE_SIZE + PAGE_SIZE);
    }
    this.refs[f] = 1;
    this.used++;
    return f;
  }

  ref(f: number): void { this.refs[f]++; }
  refCount(f: number): number { return this.refs[f]; }

  unref(f: number): void {
    if (--this.refs[f] === 0) { this.free.push(f); this.used--; }
  }
}

export class OutOfFrames extends Error {
  constructor() { super('guest physical memory exhausted'); }
}

let shared: FramePool | undefined;
/** The process-wide pool (created on first use). */
export function defaultPool(): FramePool {
  return shared ??= new FramePool();
}
