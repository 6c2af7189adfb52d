// The ELF loader: parse (elf.ts), address-space layout (layout.ts), initial stack (stack.ts),
// execve's mapping work (load.ts), and the vDSO image (vdso.ts).
export * from './elf.js';
export * from './layout.js';
export * from './stack.js';
export * from './load.js';
export * from './vdso.js';
