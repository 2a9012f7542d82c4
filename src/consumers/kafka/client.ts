/**
 * The kafkajs client of a Kafka consumer: brokers, dial timeout, TLS and SASL from the config, and
 * kafkajs's own log lines routed through the consumer's logger. kafkajs logs every failed
 * connection attempt at ERROR while a broker is down; those are retried and the consumer reports
 * the outage itself (readiness, `consumer_up`), so they are logged one level lower: kafkajs ERROR
 * and WARN at warn, INFO at debug, DEBUG at trace.
 */
import type { ConnectionOptions } from 'node:tls';
import { Kafka, type KafkaConfig, type LogEntry, logLevel, type SASLOptions } from 'kafkajs';
import { type KafkaConsumerConfig, readPem } from '../../config/consumers/kafka.js';
import type { Logger } from '../../log.js';

export const CLIENT_ID = 'switchboard';

/**
 * A kafkajs client for `config`, logging through `log`. `quick` makes kafkajs retry a request only
 * briefly inside the client (its default: 5 retries, about 10 s), for a probe that wants an answer
 * soon. (kafkajs misbehaves with no retries at all: "No brokers in the broker pool".)
 */
export function kafkaClient(config: KafkaConsumerConfig, log: Logger, quick = false): Kafka {
  const options: KafkaConfig = {
    clientId: CLIENT_ID,
    brokers: config.brokers,
    connectionTimeout: config.dial_timeout,
    logLevel: kafkaLogLevel(log),
    logCreator: () => (entry) => logEntry(log, entry),
  };
  if (quick) options.retry = { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 };
  const ssl = tlsOptions(config.tls);
  if (ssl !== undefined) options.ssl = ssl;
  const sasl = saslOptions(config);
  if (sasl !== undefined) options.sasl = sasl;
  return new Kafka(options);
}

function tlsOptions(tls: KafkaConsumerConfig['tls']): ConnectionOptions | undefined {
  if (!tls.enabled) return undefined;
  const options: ConnectionOptions = { rejectUnauthorized: !tls.insecure_skip_verify };
  if (tls.cert_pem !== '') options.cert = readPem(tls.cert_pem);
  if (tls.key_pem !== '') options.key = readPem(tls.key_pem);
  if (tls.server_ca_pem !== '') options.ca = readPem(tls.server_ca_pem);
  if (tls.server_name !== '') options.servername = tls.server_name;
  return options;
}

function saslOptions(config: KafkaConsumerConfig): SASLOptions | undefined {
  const username = config.sasl_user;
  const password = config.sasl_password;
  switch (config.sasl_mechanism) {
    case '':
      return undefined;
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

/** The most detailed kafkajs level worth producing at the logger's level. */
function kafkaLogLevel(log: Logger): logLevel {
  if (log.isLevelEnabled('trace')) return logLevel.DEBUG;
  if (log.isLevelEnabled('debug')) return logLevel.INFO;
  if (log.isLevelEnabled('warn')) return logLevel.WARN;
  return logLevel.NOTHING;
}

function logEntry(log: Logger, { namespace, level, log: content }: LogEntry): void {
  const { message, timestamp: _t, logger: _l, ...fields } = content as unknown as Record<string, unknown>;
  const line = `kafkajs${namespace === '' ? '' : ` ${namespace}`}: ${String(message)}`;
  const extra = { kafkajs: fields };
  switch (level) {
    case logLevel.ERROR:
    case logLevel.WARN:
      log.warn(extra, line);
      return;
    case logLevel.INFO:
      log.debug(extra, line);
      return;
    default:
      log.trace(extra, line);
  }
}
