/**
 * The load generator's recovery commands: after a node is killed, its clients reconnect to a
 * survivor (at most `concurrency` handshakes at a time, retried after a refusal, as a client's
 * backoff would) asking to recover, and the benchmark waits until each holds the last offset.
 */
import type { BenchClient } from './load-clients.js';
import type { ArmReconnectCommand, RecoveredResult, WaitRecoveredCommand } from './load-protocol.js';
import { nowMs, sleep } from './stats.js';

export function armReconnect(list: readonly BenchClient[], cmd: ArmReconnectCommand): Record<string, never> {
  const queue: BenchClient[] = [];
  let active = 0;
  const pump = () => {
    while (active < cmd.concurrency && queue.length > 0) {
      const client = queue.shift()!;
      active++;
      client.options = { ...client.options, port: cmd.port };
      client.recovered = false;
      client.open(true).then(
        () => {
          active--;
          pump();
        },
        () => {
          active--;
          // Refused while the survivor is busy: try again shortly, as a client's backoff would.
          setTimeout(() => {
            queue.push(client);
            pump();
          }, 100);
        },
      );
    }
  };
  for (const client of list) {
    client.onClose = () => {
      queue.push(client);
      pump();
    };
  }
  return {};
}

export async function waitRecovered(
  list: readonly BenchClient[],
  cmd: WaitRecoveredCommand,
): Promise<RecoveredResult> {
  const done = () => list.filter((c) => c.recovered && c.offset >= cmd.offset).length;
  const deadline = performance.now() + cmd.timeoutMs;
  let doneAt = nowMs();
  while (done() < list.length && performance.now() < deadline) {
    await sleep(2);
    doneAt = nowMs();
  }
  return { recovered: done(), total: list.length, doneAt };
}
