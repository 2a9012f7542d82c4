/**
 * The `nats_jetstream` section of a `consumers` entry (Centrifugo v6 key names where it has the type).
 * PLACEHOLDER until the nats_jetstream consumer defines its keys here.
 */
import type { z } from 'zod';
import { section } from '../fields.js';

export const natsJetStreamSchema = section({});

export type NatsJetStreamConsumerConfig = z.output<typeof natsJetStreamSchema>;

/** Checks of an enabled consumer of this type; issues are added with paths inside the section. */
export function checkNatsJetStream(
  _section: NatsJetStreamConsumerConfig,
  _issue: (path: (string | number)[], message: string, input: unknown) => void,
): void {}
