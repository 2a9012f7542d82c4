/**
 * `POST /demo/dm`: a direct message from the demo page. The sender proves who they are with their
 * connection token (`Authorization: Bearer <token>`); the message is published through the server
 * API's `publish` into the personal channels of the recipient and of the sender, so every tab of both
 * shows it.
 */

import type { IncomingMessage } from 'node:http';
import { callMethod } from '../api/dispatch.js';
import { TokenError } from '../auth/token-error.js';
import type { GatewayNode } from '../gateway/node.js';
import { HttpError } from '../http/http-error.js';
import { readJsonBody } from '../http/json-body.js';

/** Demo user names: what `/demo/token` signs and what a DM may be addressed to. */
export const DEMO_USER_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
/** Longest DM text, characters. */
export const DM_MAX_TEXT = 1000;
/** Largest DM request body, bytes. */
const DM_MAX_BODY = 4096;

/** A DM as published to both personal channels. */
export interface DirectMessage {
  from: string;
  to: string;
  text: string;
}

/**
 * Publishes a DM from the token's user to `to` (and to the sender's own channel); refusals are
 * {@link HttpError}s with the status and the message the page shows.
 */
export async function sendDirectMessage(node: GatewayNode, req: IncomingMessage): Promise<DirectMessage> {
  if (!node.config.client.subscribe_to_user_personal_channel.enabled) {
    throw new HttpError(409, 'direct messages need client.subscribe_to_user_personal_channel.enabled');
  }
  const from = await sender(node, req.headers.authorization);
  const body = await readBody(req);
  const to = body['to'];
  const text = body['text'];
  if (typeof to !== 'string' || !DEMO_USER_PATTERN.test(to)) {
    throw new HttpError(400, 'expected "to": a user name of 1 to 32 letters, digits, "_" or "-"');
  }
  if (typeof text !== 'string' || text.trim() === '' || text.length > DM_MAX_TEXT) {
    throw new HttpError(400, `expected "text": 1 to ${DM_MAX_TEXT} characters`);
  }
  const message: DirectMessage = { from, to, text };
  const channels = new Set([node.rules.personalChannel(to), node.rules.personalChannel(from)]);
  for (const channel of channels) {
    const outcome = await callMethod(node, 'publish', { channel, data: message });
    if ('error' in outcome)
      throw new HttpError(502, `publish to ${channel} failed: ${outcome.error.message}`);
  }
  return message;
}

async function sender(node: GatewayNode, authorization: string | undefined): Promise<string> {
  const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
  if (token === '') throw new HttpError(401, 'send the connection token as "Authorization: Bearer <token>"');
  try {
    const claims = await node.verifier.verifyConnectToken(token);
    if (claims.sub === '') throw new HttpError(401, 'an anonymous connection cannot send direct messages');
    return claims.sub;
  } catch (error) {
    if (error instanceof TokenError) throw new HttpError(401, `token refused: ${error.message}`);
    throw error;
  }
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    value = await readJsonBody(req, DM_MAX_BODY);
  } catch (error) {
    if (error instanceof HttpError && error.status === 413)
      throw new HttpError(413, `body larger than ${DM_MAX_BODY} bytes`);
    if (error instanceof HttpError) value = undefined;
    else throw error;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new HttpError(400, 'expected a JSON object like {"to":"bob","text":"hi"}');
  return value as Record<string, unknown>;
}
