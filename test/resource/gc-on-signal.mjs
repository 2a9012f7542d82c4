/**
 * Preloaded into a node process by a resource test (NODE_OPTIONS=--import=<this file>): a SIGUSR2
 * runs a full garbage collection, so the test can read the heap that is really retained, not the
 * garbage a flood left that V8 has not collected yet. Plain JavaScript: it loads before tsx does.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc');
process.on('SIGUSR2', () => collect());
