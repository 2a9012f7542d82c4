/**
 * `GET /api/openapi.json`: the OpenAPI description of the server API (`document.ts`), built once per
 * node on the first request. It needs the API key like the methods it describes (nothing in it is
 * secret, but the whole `/api/` prefix is one protected surface); HEAD answers the headers alone.
 * Not counted in the API's metrics nor traced: it calls no method.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from '../../http/http-error.js';
import { writeJson } from '../../http/json-response.js';
import { ErrorCode } from '../../protocol/codes.js';
import { buildOpenApiDocument, type OpenApiSettings } from './document.js';

export { OPENAPI_PATH } from './document.js';

/** Serves the description, and answers its refusals (401, 405) as the server API does. */
export class OpenApiRoute {
  private body: string | undefined;

  constructor(private readonly settings: OpenApiSettings) {}

  /** @param authorize throws an {@link HttpError} when the request carries no valid API key. */
  serve(req: IncomingMessage, res: ServerResponse, authorize: () => void): void {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        throw new HttpError(405, 'method not allowed: use GET', ErrorCode.BadRequest);
      authorize();
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      const code = error.code ?? ErrorCode.BadRequest;
      writeJson(res, error.status, JSON.stringify({ error: { code, message: error.message } }));
      return;
    }
    this.body ??= JSON.stringify(buildOpenApiDocument(this.settings));
    writeJson(res, 200, this.body, { 'cache-control': 'no-cache' });
  }
}
