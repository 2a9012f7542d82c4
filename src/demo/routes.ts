/**
 * HTTP routes of the chat demo (`demo.enabled`, development only): the page at `/`, its script and
 * the SDK bundle under `/demo/`, `GET /demo/token?user=<name>` (a short-lived connection token signed
 * with the node's HMAC secret) and `POST /demo/dm`. With the demo off, `/` is a short landing page
 * and every `/demo/*` path answers 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { signToken } from '../auth/token-signer.js';
import type { GatewayNode } from '../gateway/node.js';
import { HttpError } from '../http/http-error.js';
import { writeJson } from '../http/json-response.js';
import { type StaticFile, writeFile } from '../http/static-file.js';
import { demoAsset, landingPage } from './assets.js';
import { DEMO_USER_PATTERN, sendDirectMessage } from './dm.js';

/** Lifetime of a demo token, seconds; the page asks for a new one before it expires. */
export const DEMO_TOKEN_TTL_SECONDS = 600;

/** True for the paths {@link handleDemoRequest} answers: `/` and everything under `/demo`. */
export function isDemoPath(path: string): boolean {
  return path === '/' || path === '/demo' || path.startsWith('/demo/');
}

/** Answers a demo path (see {@link isDemoPath}); refusals are JSON `{"error":"<message>"}`. */
export async function handleDemoRequest(
  node: GatewayNode,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  try {
    if (!node.config.demo.enabled) {
      if (path !== '/') throw new HttpError(404, 'not found');
      requireMethod(req, 'GET');
      sendAsset(req, res, await landingPage());
    } else if (path === '/demo/token') {
      requireMethod(req, 'GET');
      sendJson(res, 200, await mintToken(node, url.searchParams.get('user') ?? ''));
    } else if (path === '/demo/dm') {
      requireMethod(req, 'POST');
      sendJson(res, 200, { result: await sendDirectMessage(node, req) });
    } else {
      const asset = demoAsset(path);
      if (asset === undefined) throw new HttpError(404, 'not found');
      requireMethod(req, 'GET');
      sendAsset(req, res, await asset);
    }
  } catch (error) {
    if (error instanceof HttpError) {
      sendJson(res, error.status, { error: error.message });
    } else {
      node.log.error({ err: error, path }, 'demo request failed');
      sendJson(res, 500, { error: 'internal server error' });
    }
  }
}

async function mintToken(node: GatewayNode, user: string): Promise<Record<string, unknown>> {
  if (!DEMO_USER_PATTERN.test(user)) {
    throw new HttpError(400, 'expected ?user=<name>: 1 to 32 letters, digits, "_" or "-"');
  }
  const secret = node.config.client.token.hmac_secret_key;
  if (secret === '') throw new HttpError(503, 'demo tokens need client.token.hmac_secret_key');
  const token = await signToken({ sub: user }, secret, { expiresInSeconds: DEMO_TOKEN_TTL_SECONDS });
  return { user, token, expires_in: DEMO_TOKEN_TTL_SECONDS };
}

function requireMethod(req: IncomingMessage, method: 'GET' | 'POST'): void {
  if (req.method === method || (method === 'GET' && req.method === 'HEAD')) return;
  throw new HttpError(405, `method not allowed: use ${method}`);
}

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: StaticFile): void {
  writeFile(req, res, asset, { 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  writeJson(res, status, JSON.stringify(value), { 'cache-control': 'no-store' });
}
