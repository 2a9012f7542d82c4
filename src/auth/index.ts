/** Token verification and channel permission rules. */
export { type ChannelNamespace, ChannelRules, type ChannelRulesConfig } from './channel-rules.js';
export { type JwksFailure, JwksUnavailableError } from './jwks-error.js';
export {
  canHistory,
  canPresence,
  canPublish,
  canRejoinAtConnect,
  canSubscribe,
  hasHistory,
  type PermissionContext,
} from './permissions.js';
export { TokenError, type TokenErrorCode } from './token-error.js';
export { TokenKeyError } from './token-key-error.js';
export { generateSecret, type HmacAlgorithm, type SignTokenOptions, signToken } from './token-signer.js';
export { TokenVerifier, type TokenVerifierOptions } from './token-verifier.js';
export type { ConnectTokenClaims, SubscriptionTokenClaims } from './types.js';
