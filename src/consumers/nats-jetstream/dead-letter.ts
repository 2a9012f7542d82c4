/**
 * Dead letters of a `nats_jetstream` consumer: the original body and headers are published to the
 * dead-letter subject (captured by the dead-letter stream) with why and where from, and once
 * JetStream stored it the original is terminated (`+TERM`: never redelivered, and JetStream emits
 * its MSG_TERMINATED advisory). The publish carries `Nats-Msg-Id: <stream>:<seq>:<consumer>`, so a
 * node that dies between the two steps and a redelivery do not store the dead letter twice (within
 * the dead-letter stream's duplicate window). Broker errors are retried in place until stopped.
 */
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers as newHeaders } from '@nats-io/transport-node';
import type { Logger } from '../../log.js';
import { pause } from '../retry.js';

/** Headers a dead letter carries besides the original ones. */
export const DEAD_LETTER_HEADERS = {
  reason: 'Switchboard-Dead-Letter-Reason',
  stream: 'Switchboard-Dead-Letter-Stream',
  sequence: 'Switchboard-Dead-Letter-Sequence',
  subject: 'Switchboard-Dead-Letter-Subject',
  consumer: 'Switchboard-Dead-Letter-Consumer',
} as const;

const MAX_DELAY_MS = 2_000;

/** Resolves true once the dead letter is stored and the original terminated, false when stopped first. */
export async function deadLetter(
  js: JetStreamClient,
  msg: JsMsg,
  reason: string,
  target: { subject: string; consumer: string; log: Logger; signal: AbortSignal },
): Promise<boolean> {
  const h = newHeaders();
  if (msg.headers !== undefined) {
    for (const key of msg.headers.keys()) {
      // JetStream's own headers (expectations, message id) would change how the copy is stored.
      if (key.toLowerCase().startsWith('nats-')) continue;
      for (const value of msg.headers.values(key)) h.append(key, value);
    }
  }
  h.set(DEAD_LETTER_HEADERS.reason, reason.replace(/[\r\n]+/g, ' '));
  h.set(DEAD_LETTER_HEADERS.stream, msg.info.stream);
  h.set(DEAD_LETTER_HEADERS.sequence, String(msg.info.streamSequence));
  h.set(DEAD_LETTER_HEADERS.subject, msg.subject);
  h.set(DEAD_LETTER_HEADERS.consumer, msg.info.consumer);
  const msgID = `${msg.info.stream}:${msg.info.streamSequence}:${msg.info.consumer}`;
  let delay = 50;
  for (let attempt = 1; !target.signal.aborted; attempt++) {
    try {
      await js.publish(target.subject, msg.data, { headers: h, msgID, timeout: 5_000 });
      msg.term();
      return true;
    } catch (error) {
      if (attempt === 1 || attempt % 20 === 0) {
        target.log.warn(
          { consumer: target.consumer, subject: target.subject, attempt, err: String(error) },
          'dead letter not stored yet, retrying',
        );
      }
      await pause(delay, target.signal);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
  return false;
}
