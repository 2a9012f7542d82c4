/**
 * The `kafka` section of a `consumers` entry (Centrifugo v6 key names where it has the type).
 * PLACEHOLDER until the kafka consumer defines its keys here.
 */
import type { z } from 'zod';
import { section } from '../fields.js';

export const kafkaSchema = section({});

export type KafkaConsumerConfig = z.output<typeof kafkaSchema>;

/** Checks of an enabled consumer of this type; issues are added with paths inside the section. */
export function checkKafka(
  _section: KafkaConsumerConfig,
  _issue: (path: (string | number)[], message: string, input: unknown) => void,
): void {}
