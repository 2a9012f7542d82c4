/**
 * Development defaults: a node started with no token key and no API key gets fresh random ones, and
 * the admin UI (unless configured) with a fresh random password.
 */
import { generateSecret } from '../auth/token-signer.js';
import type { Config } from '../config/types.js';

export interface GeneratedSecrets {
  hmacSecret?: string;
  apiKey?: string;
  adminPassword?: string;
}

function hasTokenKey(config: Config): boolean {
  const t = config.client.token;
  return [
    t.hmac_secret_key,
    t.rsa_public_key,
    t.ecdsa_public_key,
    t.ed25519_public_key,
    t.jwks_public_endpoint,
  ].some((v) => v !== '');
}

/** Fills in what is missing (in place) and returns what was generated. */
export function fillDevSecrets(config: Config): GeneratedSecrets {
  const out: GeneratedSecrets = {};
  if (!hasTokenKey(config) && !config.client.insecure) {
    out.hmacSecret = generateSecret();
    config.client.token.hmac_secret_key = out.hmacSecret;
  }
  if (config.http_api.key === '' && !config.http_api.insecure) {
    out.apiKey = generateSecret(24);
    config.http_api.key = out.apiKey;
  }
  const developing = out.hmacSecret !== undefined || out.apiKey !== undefined;
  if (developing && !config.admin.enabled) {
    out.adminPassword = generateSecret(12);
    config.admin.enabled = true;
    config.admin.password = out.adminPassword;
  }
  return out;
}
