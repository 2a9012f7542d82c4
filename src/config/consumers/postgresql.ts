/**
 * The `postgresql` section of a `consumers` entry (Centrifugo v6 key names where it has the type).
 * PLACEHOLDER until the postgresql consumer defines its keys here.
 */
import type { z } from 'zod';
import { section } from '../fields.js';

export const postgresqlSchema = section({});

export type PostgresqlConsumerConfig = z.output<typeof postgresqlSchema>;

/** Checks of an enabled consumer of this type; issues are added with paths inside the section. */
export function checkPostgresql(
  _section: PostgresqlConsumerConfig,
  _issue: (path: (string | number)[], message: string, input: unknown) => void,
): void {}
