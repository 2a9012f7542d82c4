/** The child side of a benchmark server: announces its port and answers `stats` over IPC. */

/**
 * Tells the parent the server listens on `port`, and answers its requests from now on: `stats`
 * (after a forced GC) and `stats-nogc` (memory as it is, for growth without a collection).
 */
export function announce(port: number, connections: () => number): void {
  process.on('message', (msg) => {
    if (msg !== 'stats' && msg !== 'stats-nogc') return;
    // A collection first, so RSS and heap reflect live data rather than garbage not yet collected.
    if (msg === 'stats' && typeof globalThis.gc === 'function') globalThis.gc();
    process.send?.({
      type: 'stats',
      cpu: process.cpuUsage(),
      mem: process.memoryUsage(),
      conns: connections(),
    });
  });
  // The parent going away (even by SIGKILL) closes the IPC channel: never outlive it.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', port });
}
