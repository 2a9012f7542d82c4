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

  // connect
  'connect/refused-then-stale':
    'Centrifugo closes a socket whose connect was refused with 3502 (stale, terminal for the SDKs) when ' +
    'stale_close_delay ends before its 5 s drop; Switchboard drops it without a close frame (1006)',

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

  // Protobuf encoding
  'protobuf/ping-command':
    'Centrifugo does not dispatch a `ping` command and closes with 3501; Switchboard answers `Reply{id, ping: {}}`',
  'protobuf/pong-without-ping':
    'Centrifugo closes with 3501 on an empty Command (the pong) when no ping was sent; ' +
    'Switchboard takes any message as a pong',
  'protobuf/unknown-method':
    'Centrifugo closes with 3501 on a Command whose only field is unknown; Switchboard answers error 104',
  'protobuf/two-methods':
    'Centrifugo runs the first method (in its dispatch order) and ignores the rest; Switchboard closes with 3501',
  'protobuf/good-command-then-truncated':
    'Centrifugo runs the commands decoded before the bad bytes, then closes with 3501; ' +
    'Switchboard closes with 3501 before running any command of the message (it fails whole)',
  'protobuf/invalid-utf8-channel':
    'Centrifugo decodes a string field with invalid UTF-8 as it is and refuses that channel name with 107; ' +
    'Switchboard refuses invalid UTF-8 in any Protobuf string as undecodable and closes with 3501',
  'protobuf/257-commands-in-one-message':
    'Centrifugo answers every command of a message, however many; Switchboard closes with 3501 beyond 256 ' +
    '(docs/protocol.md, Limits)',
  'protobuf/publish-non-json-bytes':
    'Centrifugo closes a JSON subscriber with 3506 (inappropriate protocol) when a publication it gets is not JSON; ' +
    'Switchboard sends it the data as a JSON string of its base64',
  'protobuf/publish-utf8-text-not-json':
    'Centrifugo closes a JSON subscriber with 3506 (inappropriate protocol) when a publication it gets is not JSON ' +
    '(here UTF-8 text); Switchboard sends it the data as a JSON string of its base64',
  'protobuf/publish-json-bytes-with-newline':
    'Centrifugo gives Protobuf subscribers the published bytes as they are; Switchboard drops raw newlines from ' +
    'JSON data for every encoding (docs/protocol.md, Protobuf; JSON subscribers get the same value on both)',

  // delta compression
  'delta/json/no-position':
    'Centrifugo answers `delta: true` wherever the namespace allows fossil, and without positions sends full data ' +
    '(as JSON strings to JSON clients); Switchboard answers without `delta` when the subscription tracks no ' +
    'position and sends plain data (docs/protocol.md, Delta compression)',
  'delta/protobuf/no-position':
    'Centrifugo answers `delta: true` wherever the namespace allows fossil (full data without positions); ' +
    'Switchboard answers without `delta` when the subscription tracks no position',
  'delta/json/with-tags-filter':
    'Centrifugo negotiates delta with a tags filter and sends deltas of the matching publications; ' +
    'Switchboard answers without `delta` and sends plain data (docs/protocol.md, Delta compression)',
  'delta/protobuf/with-tags-filter':
    'Centrifugo negotiates delta with a tags filter and sends deltas of the matching publications; ' +
    'Switchboard answers without `delta` and sends full data',

  // transport
  'transport/invalid-utf8-text-frame':
    'Centrifugo does not check UTF-8 in text frames and closes with 3501 (undecodable JSON); ' +
    'Switchboard closes with 1007 as RFC 6455 asks',
  'transport/plain-http-get':
    'A plain GET of /connection/websocket: Centrifugo answers 400, Switchboard 426 (Upgrade Required)',
};
