/**
 * Reads the claims Switchboard uses out of a token payload the way Centrifugo decodes them: Go's
 * `encoding/json` into typed fields (centrifugo `internal/jwtverify`), where an absent or `null`
 * claim is the field's zero value and a claim of another type fails the whole token. So a token
 * without `sub` is the anonymous user `""`, while `sub: 42` is an invalid token.
 *
 * Centrifugo decodes a payload before it looks at its dates, and refuses a connection token that
 * names a `channel` before it checks `exp`: {@link decodeProblem} is what makes a token invalid
 * even when it has expired as well.
 */
import { isWellFormedJson, isWellFormedString } from './claim-checks.js';
import type { ConnectTokenClaims, SubscriptionTokenClaims } from './types.js';

/** Which key set a token is checked against, and so which claims it must carry. */
export type TokenKind = 'connection' | 'subscription';

/** Claims read from a payload, or what makes it an invalid token. */
export type ClaimsOrProblem<T> = { claims: T } | { problem: string };

type Payload = Readonly<Record<string, unknown>>;

/** A claim that Go would decode into a `string`: absent and `null` are `''`, other types refused. */
function stringClaim(payload: Payload, claim: string): string | null {
  const value = payload[claim];
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : null;
}

/**
 * What Centrifugo refuses before it checks dates: `sub`, `channel` (and `client`) that are not
 * strings, `channels` that is not a list of strings, and — for a connection token — a non-empty
 * `channel`, the mark of a subscription token. Undefined when there is none.
 */
export function decodeProblem(kind: TokenKind, payload: Payload): string | undefined {
  if (stringClaim(payload, 'sub') === null) {
    return `${kind} token claim "sub" must be a string (the user id; leave it out or "" for anonymous)`;
  }
  const channel = stringClaim(payload, 'channel');
  if (channel === null) return `${kind} token claim "channel" must be a string`;
  if (kind === 'subscription') {
    if (stringClaim(payload, 'client') === null) return 'subscription token claim "client" must be a string';
    return undefined;
  }
  const channels = payload['channels'];
  if (channels !== undefined && channels !== null && !isStringArray(channels)) {
    return 'connection token claim "channels" must be an array of channel names (strings)';
  }
  if (channel !== '') {
    return 'connection token has a "channel" claim: a subscription token cannot be used to connect';
  }
  return undefined;
}

/** The claims of a verified connection token: `sub` (`''` when absent), `exp`, `info`, `channels`. */
export function readConnectClaims(payload: Payload): ClaimsOrProblem<ConnectTokenClaims> {
  const problem = decodeProblem('connection', payload);
  if (problem !== undefined) return { problem };
  const claims: ConnectTokenClaims = { sub: stringClaim(payload, 'sub') ?? '' };
  const channels = payload['channels'];
  if (isStringArray(channels)) claims.channels = channels;
  const wellFormed = wellFormedProblem('connection', claims.sub, claims.channels, payload['info']);
  if (wellFormed !== undefined) return { problem: wellFormed };
  copyCommon(payload, claims);
  return { claims };
}

/**
 * The claims of a verified subscription token: `sub` (`''` when absent), a non-empty `channel`,
 * `client` when set, `exp`, `info`.
 */
export function readSubscriptionClaims(payload: Payload): ClaimsOrProblem<SubscriptionTokenClaims> {
  const problem = decodeProblem('subscription', payload);
  if (problem !== undefined) return { problem };
  const channel = stringClaim(payload, 'channel') ?? '';
  if (channel === '') {
    return { problem: 'subscription token has no "channel" claim; set it to the channel the token grants' };
  }
  const claims: SubscriptionTokenClaims = { sub: stringClaim(payload, 'sub') ?? '', channel };
  const client = stringClaim(payload, 'client') ?? '';
  if (client !== '') claims.client = client;
  const wellFormed = wellFormedProblem('subscription', claims.sub, [channel, client], payload['info']);
  if (wellFormed !== undefined) return { problem: wellFormed };
  copyCommon(payload, claims);
  return { claims };
}

function copyCommon(payload: Payload, claims: { exp?: number; info?: unknown }): void {
  const exp = payload['exp'];
  if (typeof exp === 'number') claims.exp = exp;
  if (payload['info'] !== undefined) claims.info = payload['info'];
}

/**
 * Lone UTF-16 surrogates in the claims that are stored, compared and sent to others. Centrifugo's
 * decoder turns them into U+FFFD, so two user ids could become one; Switchboard refuses them.
 */
function wellFormedProblem(
  kind: TokenKind,
  sub: string,
  names: readonly string[] | undefined,
  info: unknown,
): string | undefined {
  if (!isWellFormedString(sub)) return `${kind} token claim "sub" is not well-formed Unicode`;
  if (names !== undefined && !names.every(isWellFormedString)) {
    return `${kind} token channel names (and "client") must be well-formed Unicode`;
  }
  if (!isWellFormedJson(info)) return `${kind} token claim "info" is not well-formed Unicode`;
  return undefined;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
