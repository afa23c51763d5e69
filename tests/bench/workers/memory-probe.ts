// Preloaded (node --expose-gc --import) into the AgentOps processes of the
// memory phase: on SIGUSR2 it runs a full garbage collection and prints one
// JSON line with process.memoryUsage() before and after, so the benchmark can
// tell memory that is still in use (a leak) from garbage not yet collected.
// Nothing happens until the signal arrives.
process.on('SIGUSR2', () => {
  const before = process.memoryUsage();
  (globalThis as { gc?: () => void }).gc?.();
  const after = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ benchMemoryProbe: { at: Date.now(), before, after } })}\n`);
});
