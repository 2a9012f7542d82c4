/**
 * The NATS connection options of a `nats_jetstream` consumer: the URL, the credentials as
 * Centrifugo takes them (a credentials file first, then username/password, then a token), TLS, and
 * reconnecting forever with a capped, jittered delay once connected (a broker outage is temporary).
 */
import { readFileSync } from 'node:fs';
import { credsAuthenticator, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { NatsJetStreamConsumerConfig } from '../../config/consumers/nats-jetstream.js';

/** Longest wait between two reconnect attempts. */
export const MAX_RECONNECT_DELAY_MS = 2_000;

export function connectionOptions(c: NatsJetStreamConsumerConfig, name: string): NodeConnectionOptions {
  const options: NodeConnectionOptions = {
    servers: c.url,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: MAX_RECONNECT_DELAY_MS,
    reconnectJitter: 200,
    timeout: 5_000,
    pingInterval: 10_000,
    maxPingOut: 2,
  };
  if (c.credentials_file !== '') {
    const file = c.credentials_file;
    options.authenticator = credsAuthenticator(() => readFileSync(file));
  } else if (c.username !== '') {
    options.user = c.username;
    options.pass = c.password;
  } else if (c.token !== '') {
    options.token = c.token;
  }
  if (c.tls.enabled) {
    options.tls = {
      ...pem('ca', c.tls.server_ca_pem),
      ...pem('cert', c.tls.cert_pem),
      ...pem('key', c.tls.key_pem),
      rejectUnauthorized: !c.tls.insecure_skip_verify,
    };
  }
  return options;
}

/** A PEM given inline (`-----BEGIN …`), base64-encoded, or as a file path. */
function pem(kind: 'ca' | 'cert' | 'key', value: string): Record<string, string> {
  if (value === '') return {};
  if (value.includes('-----BEGIN')) return { [kind]: value };
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  if (decoded.includes('-----BEGIN')) return { [kind]: decoded };
  return { [`${kind}File`]: value };
}
