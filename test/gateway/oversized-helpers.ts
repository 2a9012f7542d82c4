/**
 * Helpers of the size-limit tests: a command that either gets its reply or sees the socket close (an
 * oversized reply used to drop the connection, so waiting for the reply alone would only time out), and
 * bulk publishing through the server API in bodies below its 1 MiB limit.
 */
import assert from 'node:assert/strict';
import type { TestNode } from '../harness/node.js';
import type { RawClient } from '../harness/raw-client.js';

export type Reply = Record<string, unknown>;

/** The reply to a command, or the close code when the socket closes first. */
export type Outcome = { reply: Reply } | { closed: number };

/** Sends a command; resolves with its reply or with the code of the close that came instead. */
export async function callOrClose(
  c: RawClient,
  id: number,
  method: string,
  params: Record<string, unknown>,
): Promise<Outcome> {
  const closed = c.closed.then(({ code }) => ({ closed: code }));
  const replied = c.call(id, method, params).then((reply) => ({ reply }));
  return Promise.race([replied, closed]);
}

/** The reply of an outcome, failing with the close code when the connection was closed instead. */
export function replyOf(outcome: Outcome, what: string): Reply {
  assert.ok(
    'reply' in outcome,
    `${what}: the connection was closed (${JSON.stringify(outcome)}) instead of a reply`,
  );
  return outcome.reply;
}

/** A JSON value of about `bytes` bytes carrying `n`. */
export function payload(n: number, bytes: number): Record<string, unknown> {
  return { n, pad: 'x'.repeat(Math.max(0, bytes - 20)) };
}

/** Publishes `count` payloads of `bytes` to `channel` through `batch` calls, each body below 1 MiB. */
export async function publishMany(
  node: TestNode,
  channel: string,
  count: number,
  bytes: number,
): Promise<void> {
  const perBatch = Math.max(1, Math.floor((900 * 1024) / (bytes + 64)));
  for (let first = 0; first < count; first += perBatch) {
    const commands = [];
    for (let n = first; n < Math.min(count, first + perBatch); n++) {
      commands.push({ method: 'publish', params: { channel, data: payload(n, bytes) } });
    }
    const res = await node.api('batch', { commands });
    assert.equal(res.status, 200);
    const replies = (res.body as { replies: Reply[] }).replies;
    for (const reply of replies) assert.equal(reply['error'], undefined, JSON.stringify(reply['error']));
  }
}

/** The publication pushes a raw client received on `channel`, as `{n, offset}`. */
export function pushesOn(c: RawClient, channel: string): { n: unknown; offset: unknown }[] {
  return c.received
    .map(
      (msg) =>
        msg['push'] as { channel?: string; pub?: { data: { n: unknown }; offset?: number } } | undefined,
    )
    .filter((push) => push?.channel === channel && push.pub !== undefined)
    .map((push) => ({ n: push!.pub!.data.n, offset: push!.pub!.offset }));
}

export function isOpen(c: RawClient): boolean {
  return c.ws.readyState === c.ws.OPEN;
}
