/**
 * What a node answered to one command over a real WebSocket, as one comparable string: `ok`,
 * `error <code>` (an error reply, the connection stays open) or `close <code>` (the node closed it).
 */
import { type RawClient, rawConnect } from '../harness/raw-client.js';

export type Outcome = string;

/** Sends a command and reports the reply or the close that answered it. */
export async function outcomeOf(
  client: RawClient,
  id: number,
  method: string,
  params: Record<string, unknown>,
): Promise<Outcome> {
  const reply = client.call(id, method, params).then((r) => {
    const error = r['error'] as { code?: number } | undefined;
    return error === undefined ? 'ok' : `error ${error.code}`;
  });
  const closed = client.closed.then(({ code }) => `close ${code}`);
  return Promise.race([reply, closed]);
}

/** Opens a raw connection and sends `connect` with this token (none when undefined). */
export async function connectOutcome(
  url: string,
  token: string | undefined,
): Promise<{ outcome: Outcome; client: RawClient }> {
  const client = await rawConnect(url);
  const outcome = await outcomeOf(client, 1, 'connect', token === undefined ? {} : { token });
  return { outcome, client };
}

/** An unsigned JWT (`alg: none`) with these claims; `signature` is appended after the last dot. */
export function unsignedToken(claims: Record<string, unknown>, signature = ''): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.${signature}`;
}
