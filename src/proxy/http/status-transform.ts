/**
 * `http.status_to_code_transforms`: an HTTP status from the backend answered as a protocol error or
 * disconnect (Centrifugo's `transformHTTPStatusError`), so a backend can refuse with a plain 403.
 */
import type { ProxyEndpointConfig } from '../../config/proxy-schema.js';
import type { ProxyResponse } from '../caller.js';

export function statusTransform(
  transforms: ProxyEndpointConfig['http']['status_to_code_transforms'],
  status: number,
): ProxyResponse | undefined {
  for (const t of transforms) {
    if (t.status_code !== status) continue;
    if (t.to_error.code > 0) {
      return {
        error: { code: t.to_error.code, message: t.to_error.message, temporary: t.to_error.temporary },
      };
    }
    if (t.to_disconnect.code > 0) {
      return { disconnect: { code: t.to_disconnect.code, reason: t.to_disconnect.reason } };
    }
  }
  return undefined;
}
