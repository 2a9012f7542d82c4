/**
 * One bounded fetch of a JWKS document: a deadline on the whole exchange (connecting, headers and
 * body), a size limit on the body, no redirects. Any failure is a {@link JwksUnavailableError}.
 */
import { VERSION } from '../version.js';
import { JwksUnavailableError } from './jwks-error.js';

/** What one fetch is allowed. */
export interface JwksFetchLimits {
  /** Deadline of the whole fetch, ms. */
  timeoutMs: number;
  /** Largest body read, bytes. */
  maxBytes: number;
}

/**
 * Fetches and parses the JSON at `url`. `source` names the configuration key in error messages.
 * @throws {JwksUnavailableError} on a timeout, a connection failure, a status other than 200, or a
 *   body that is too large or not JSON.
 */
export async function fetchJwksJson(url: URL, source: string, limits: JwksFetchLimits): Promise<unknown> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const failed = (err: unknown, what: string): JwksUnavailableError =>
    signal.aborted
      ? new JwksUnavailableError('timeout', `${source} did not answer within ${limits.timeoutMs} ms`, {
          cause: err,
        })
      : new JwksUnavailableError('network', `${source} could not be ${what}`, { cause: err });
  let response: Response;
  try {
    response = await fetch(url, {
      signal,
      // A redirect is an answer to fix in the configuration, not one to follow to another host.
      redirect: 'manual',
      headers: {
        accept: 'application/json, application/jwk-set+json',
        'user-agent': `switchboard/${VERSION}`,
      },
    });
  } catch (err) {
    throw failed(err, 'reached');
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {});
    throw new JwksUnavailableError('status', `${source} answered HTTP ${response.status}, expected 200`);
  }
  let text: string;
  try {
    text = await readLimited(response, limits.maxBytes, source);
  } catch (err) {
    if (err instanceof JwksUnavailableError) throw err;
    throw failed(err, 'read');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new JwksUnavailableError('body', `${source} answered something that is not JSON`, { cause: err });
  }
}

/** The body as text, refusing one larger than `maxBytes` without reading the rest. */
async function readLimited(response: Response, maxBytes: number, source: string): Promise<string> {
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new JwksUnavailableError('body', `${source} answered ${length} bytes, more than ${maxBytes}`);
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new JwksUnavailableError('body', `${source} answered more than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
