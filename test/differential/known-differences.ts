/**
 * Where Switchboard is known to answer differently from Centrifugo v6, by case name, with the reason.
 *
 * The differential test passes for a listed case only while the two transcripts still differ, and for
 * any other case only when they are equal: a new difference fails the suite, and so does a listed one
 * that went away (delete its line when the protocol is fixed). The frames of both sides are written
 * to `test-artifacts/differential/report.md` on every run.
 */
import type { MaskName } from './masks.js';

/**
 * Differences that would show in most cases, masked everywhere except in the case that shows them
 * (which must be listed in {@link KNOWN_DIFFERENCES}). When that case starts to agree, delete both.
 */
export const MASKED_DIFFERENCES: Readonly<Record<MaskName, { shownBy: string; reason: string }>> = {
  'connect-node': {
    shownBy: 'connect/good-token',
    reason: 'Switchboard adds `node` (its process id) to every connect result; Centrifugo sends none',
  },
  'error-message-detail': {
    shownBy: 'publish/without-data',
    reason: 'Switchboard appends detail to error messages (`bad request: "data" must be present`)',
  },
  'close-reason-detail': {
    shownBy: 'command/malformed-json',
    reason: 'Switchboard appends detail to close reasons (`bad request: malformed JSON`)',
  },
};

/** Cases whose transcripts differ, with the reason: what Centrifugo does, then what Switchboard does. */
export const KNOWN_DIFFERENCES: Readonly<Record<string, string>> = {
  // Shown here, masked everywhere else.
  'connect/good-token': MASKED_DIFFERENCES['connect-node'].reason,
  'publish/without-data': MASKED_DIFFERENCES['error-message-detail'].reason,
  'command/malformed-json': MASKED_DIFFERENCES['close-reason-detail'].reason,

  // subscribe
  'subscribe/type-float-literal':
    'Centrifugo cannot decode `type: 1.0` into an integer and closes with 3501; Switchboard reads 1 and answers 103',
  'tags-filter/lone-surrogate':
    'Centrifugo replaces a lone surrogate in `tf` by U+FFFD and subscribes; Switchboard answers 107 (not well-formed Unicode)',
  'tags-filter/field-name-case':
    'Centrifugo also reads `TF` as `tf` (its decoder matches field names in any case) and answers 107; ' +
    'Switchboard ignores the unknown field and subscribes',
  'subscribe/empty-channel':
    'Centrifugo closes with 3501 (bad request); Switchboard answers error 107 and stays connected',

  // other commands
  'ping/command':
    'Centrifugo does not decode a `ping` command and closes with 3501; Switchboard answers `{"id":N,"ping":{}}`',
  'ping/pong-frame':
    'Centrifugo closes with 3501 on a pong (`{}`) when no ping was sent; Switchboard takes any frame as a pong',
  'command/unknown-method':
    'Centrifugo closes with 3501 on a command without a known method; Switchboard answers error 104',
  'command/two-methods':
    'Centrifugo runs the first method (in its dispatch order) and ignores the rest; Switchboard closes with 3501',
  'sub_refresh/expired-token':
    'Centrifugo v6.9.1 answers an expired sub_refresh token with `{}` and the subscription then never expires ' +
    '(centrifuge handleSubRefresh ignores the Expired reply); Switchboard answers 109 and keeps the old expiry',

  // server API
  'api/publish-errors':
    'Centrifugo answers a body that is not JSON with a plain-text 400 `Bad Request`; Switchboard with a JSON error 107',
  'api/send':
    'Centrifugo v6 has no `send` server API method (404, plain text); Switchboard has it as an extension: ' +
    '`{"result":{}}` and a `message` push to the user',
  'api/unknown-method':
    'Centrifugo answers 404 with a plain-text body; Switchboard 404 with a JSON error 104',
  'api/auth': 'Centrifugo answers 401 with an empty body; Switchboard 401 with a JSON error 101',

  // transport
  'transport/invalid-utf8-text-frame':
    'Centrifugo does not check UTF-8 in text frames and closes with 3501 (undecodable JSON); ' +
    'Switchboard closes with 1007 as RFC 6455 asks',
  'transport/plain-http-get':
    'A plain GET of /connection/websocket: Centrifugo answers 400, Switchboard 426 (Upgrade Required)',
};
