/**
 * A failed gRPC call as the proxy handlers see it: a {@link ProxyUnavailableError} whose reason
 * says what failed (DEADLINE_EXCEEDED → `timeout`; UNAVAILABLE, and CANCELLED by the channel
 * closing → `connection`; any other status, including a response that did not decode → `response`)
 * and whose message names the status and its details.
 *
 * The details may come from the backend, which can echo what it was sent; every metadata value of
 * the call (cookies, tokens, the credentials) that is 4 characters or longer is cut out of them,
 * and they are cut to 200 characters. Shorter values are left: they cannot hide a secret, and
 * cutting them would garble the message.
 */
import { type ServiceError, status } from '@grpc/grpc-js';
import { ProxyUnavailableError } from '../caller.js';

const MAX_DETAILS = 200;
const MIN_REDACTED = 4;

/** `text` without any of `secrets` (of redactable length), at most {@link MAX_DETAILS} characters. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_REDACTED) out = out.split(secret).join('[redacted]');
  }
  return out.length > MAX_DETAILS ? `${out.slice(0, MAX_DETAILS)}…` : out;
}

function reasonOf(code: status): ProxyUnavailableError['reason'] {
  switch (code) {
    case status.DEADLINE_EXCEEDED:
      return 'timeout';
    case status.UNAVAILABLE:
    case status.CANCELLED:
      return 'connection';
    default:
      return 'response';
  }
}

/** `error` of a call to `where` (e.g. `gRPC proxy "connect" Connect`), its metadata values hidden. */
export function callFailed(
  where: string,
  error: ServiceError,
  secrets: readonly string[],
): ProxyUnavailableError {
  const name = status[error.code] ?? `status ${error.code}`;
  const details = redact(error.details ?? '', secrets);
  return new ProxyUnavailableError(
    `${where}: ${name}${details === '' ? '' : `: ${details}`}`,
    reasonOf(error.code),
  );
}

/** The call was aborted through its signal (the client went away). */
export function callCancelled(): ProxyUnavailableError {
  return new ProxyUnavailableError('cancelled', 'connection');
}
