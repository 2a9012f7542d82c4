/**
 * Public numeric codes of the Centrifugo client protocol v2. The numbers are part of the wire
 * contract: clients branch on them, so a code is never reused for another meaning.
 */

/** Error codes carried in `reply.error.code`. */
export enum ErrorCode {
  Internal = 100,
  Unauthorized = 101,
  UnknownChannel = 102,
  PermissionDenied = 103,
  MethodNotFound = 104,
  AlreadySubscribed = 105,
  LimitExceeded = 106,
  BadRequest = 107,
  NotAvailable = 108,
  TokenExpired = 109,
  Expired = 110,
  TooManyRequests = 111,
  UnrecoverablePosition = 112,
}

const errorMessages: Record<ErrorCode, string> = {
  [ErrorCode.Internal]: 'internal server error',
  [ErrorCode.Unauthorized]: 'unauthorized',
  [ErrorCode.UnknownChannel]: 'unknown channel',
  [ErrorCode.PermissionDenied]: 'permission denied',
  [ErrorCode.MethodNotFound]: 'method not found',
  [ErrorCode.AlreadySubscribed]: 'already subscribed',
  [ErrorCode.LimitExceeded]: 'limit exceeded',
  [ErrorCode.BadRequest]: 'bad request',
  [ErrorCode.NotAvailable]: 'not available',
  [ErrorCode.TokenExpired]: 'token expired',
  [ErrorCode.Expired]: 'expired',
  [ErrorCode.TooManyRequests]: 'too many requests',
  [ErrorCode.UnrecoverablePosition]: 'unrecoverable position',
};

/** Errors a client may retry as they are. */
const temporaryErrors = new Set<ErrorCode>([ErrorCode.Internal, ErrorCode.TooManyRequests]);

/** The standard message of an error code. */
export function errorMessage(code: ErrorCode): string {
  return errorMessages[code];
}

/** Whether a client may retry a command that failed with this code. */
export function isTemporaryError(code: ErrorCode): boolean {
  return temporaryErrors.has(code);
}

/**
 * Disconnect codes, sent as the WebSocket close code (and reason). 3000-3499: the client
 * reconnects; 3500-3999: terminal, the client does not reconnect.
 */
export enum DisconnectCode {
  ConnectionClosed = 3000,
  Shutdown = 3001,
  ServerError = 3004,
  Expired = 3005,
  SubExpired = 3006,
  Slow = 3008,
  WriteError = 3009,
  InsufficientState = 3010,
  ForceReconnect = 3011,
  NoPong = 3012,
  TooManyRequests = 3013,
  StateInvalidated = 3014,
  InvalidToken = 3500,
  BadRequest = 3501,
  Stale = 3502,
  ForceNoReconnect = 3503,
  ConnectionLimit = 3504,
  ChannelLimit = 3505,
  InappropriateProtocol = 3506,
  PermissionDenied = 3507,
  NotAvailable = 3508,
  TooManyErrors = 3509,
  /** Oversized frame: the standard WebSocket "message too big" close code. */
  MessageTooBig = 1009,
}

const disconnectReasons: Record<DisconnectCode, string> = {
  [DisconnectCode.ConnectionClosed]: 'connection closed',
  [DisconnectCode.Shutdown]: 'shutdown',
  [DisconnectCode.ServerError]: 'internal server error',
  [DisconnectCode.Expired]: 'connection expired',
  [DisconnectCode.SubExpired]: 'subscription expired',
  [DisconnectCode.Slow]: 'slow',
  [DisconnectCode.WriteError]: 'write error',
  [DisconnectCode.InsufficientState]: 'insufficient state',
  [DisconnectCode.ForceReconnect]: 'force reconnect',
  [DisconnectCode.NoPong]: 'no pong',
  [DisconnectCode.TooManyRequests]: 'too many requests',
  [DisconnectCode.StateInvalidated]: 'state invalidated',
  [DisconnectCode.InvalidToken]: 'invalid token',
  [DisconnectCode.BadRequest]: 'bad request',
  [DisconnectCode.Stale]: 'stale',
  [DisconnectCode.ForceNoReconnect]: 'force disconnect',
  [DisconnectCode.ConnectionLimit]: 'connection limit',
  [DisconnectCode.ChannelLimit]: 'channel limit',
  [DisconnectCode.InappropriateProtocol]: 'inappropriate protocol',
  [DisconnectCode.PermissionDenied]: 'permission denied',
  [DisconnectCode.NotAvailable]: 'not available',
  [DisconnectCode.TooManyErrors]: 'too many errors',
  [DisconnectCode.MessageTooBig]: 'message too big',
};

/** The standard reason of a disconnect code. */
export function disconnectReason(code: DisconnectCode): string {
  return disconnectReasons[code];
}

/**
 * Unsubscribe push codes. Below 2500 the client stays unsubscribed; 2500 and above it
 * resubscribes (with recovery when the channel has history).
 */
export enum UnsubscribeCode {
  Server = 2000,
  InsufficientState = 2500,
  Expired = 2501,
  StateInvalidated = 2502,
}

const unsubscribeReasons: Record<UnsubscribeCode, string> = {
  [UnsubscribeCode.Server]: 'server unsubscribe',
  [UnsubscribeCode.InsufficientState]: 'insufficient state',
  [UnsubscribeCode.Expired]: 'subscription expired',
  [UnsubscribeCode.StateInvalidated]: 'state invalidated',
};

/** The standard reason of an unsubscribe code. */
export function unsubscribeReason(code: UnsubscribeCode): string {
  return unsubscribeReasons[code];
}
