/**
 * The `rabbitmq` section of a `consumers` entry (Centrifugo v6 key names where it has the type).
 * PLACEHOLDER until the rabbitmq consumer defines its keys here.
 */
import type { z } from 'zod';
import { section } from '../fields.js';

export const rabbitmqSchema = section({});

export type RabbitmqConsumerConfig = z.output<typeof rabbitmqSchema>;

/** Checks of an enabled consumer of this type; issues are added with paths inside the section. */
export function checkRabbitmq(
  _section: RabbitmqConsumerConfig,
  _issue: (path: (string | number)[], message: string, input: unknown) => void,
): void {}
