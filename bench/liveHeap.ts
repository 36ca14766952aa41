/** The live heap in MB: what is left after a full GC (the memory benches need node --expose-gc). */
export function liveHeapMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  return process.memoryUsage().heapUsed / 1e6;
}
