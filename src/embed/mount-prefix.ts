/**
 * The mount prefix of an embedded node: the path its routes live under in the application
 * (`/realtime` puts the WebSocket at `/realtime/connection/websocket` and the server API at
 * `/realtime/api/publish`); empty mounts them at the root, as a standalone node serves them.
 */
import { EmbedOptionError } from './option-error.js';

/**
 * The prefix as given, checked: empty (or `/`), or `/` followed by path segments, without a trailing
 * `/`, a query, a fragment, a `*` or `..`.
 * @throws {EmbedOptionError} for option `prefix`, saying what is wrong.
 */
export function parseMountPrefix(value: string | undefined): string {
  if (value === undefined || value === '' || value === '/') return '';
  const problem = !value.startsWith('/')
    ? 'must start with "/"'
    : value.endsWith('/')
      ? 'must not end with "/"'
      : /[?#*\s\\]/.test(value)
        ? 'must be a plain path (no "?", "#", "*", "\\" or spaces)'
        : value
              .split('/')
              .some((segment, i) => i > 0 && (segment === '' || segment === '.' || segment === '..'))
          ? 'must not hold empty, "." or ".." segments'
          : undefined;
  if (problem !== undefined) {
    throw new EmbedOptionError('prefix', `${problem}, as in "/realtime"; got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * The request URL (path and query) as the node sees it: `url` without `prefix`, or undefined when
 * `url` is not under `prefix` (`/realtimex` is not under `/realtime`).
 */
export function stripMountPrefix(url: string, prefix: string): string | undefined {
  if (prefix === '') return url;
  if (!url.startsWith(prefix)) return undefined;
  const rest = url.slice(prefix.length);
  if (rest === '') return '/';
  if (rest.startsWith('?')) return `/${rest}`;
  return rest.startsWith('/') ? rest : undefined;
}
