// The ELF loader: parse (elf.ts), address-space layout (layout.ts), initial stack (stack.ts),
// and execve's mapping work (load.ts).
export * from './elf.js';
export * from './layout.js';
export * from './stack.js';
export * from './load.js';
