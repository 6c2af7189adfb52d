// The integer differential suite again, with every decoded block threaded at once
// (cpu/threaded.ts pastes handler source into per-block functions: that code must compute
// exactly what the interpreter's handlers compute, faults included).
process.env.LX_HOT = '0';
await import('./integer.test.js');
