/** The child side of a benchmark server: announces its port and answers `stats` over IPC. */

/** Tells the parent the server listens on `port`, and answers its `stats` requests from now on. */
export function announce(port: number, connections: () => number): void {
  process.on('message', (msg) => {
    if (msg === 'stats') {
      // A collection first, so RSS and heap reflect live data rather than garbage not yet collected.
      if (typeof globalThis.gc === 'function') globalThis.gc();
      process.send?.({
        type: 'stats',
        cpu: process.cpuUsage(),
        mem: process.memoryUsage(),
        conns: connections(),
      });
    }
  });
  // The parent going away (even by SIGKILL) closes the IPC channel: never outlive it.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', port });
}
