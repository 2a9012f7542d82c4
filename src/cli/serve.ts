/**
 * `switchboard serve`: runs one node until SIGTERM/SIGINT, then drains and stops gracefully; a
 * second signal skips the rest of the drain.
 */
import { startSwitchboard } from '../app.js';
import { signToken } from '../auth/token-signer.js';
import { loadConfigSources, unknownConfigVariables } from '../config/index.js';
import { demoBanner, enableDevDemo } from '../demo/namespace.js';
import { createLogger } from '../log.js';
import { configFlags, parse } from './args.js';
import { fillDevSecrets } from './dev-secrets.js';

export const serveHelp = `Usage: switchboard serve [options]

Runs one gateway node: the in-memory engine, or the Redis engine when a Redis address is set
(SWITCHBOARD_REDIS_URL or engine.redis.* in the config file).

Options:
  -c, --config <file>          JSON or YAML config file (or SWITCHBOARD_CONFIG)
  -p, --port <port>            HTTP port (or SWITCHBOARD_PORT), default 8000
      --address <addr>         interface to listen on, default 0.0.0.0 (127.0.0.1 when
                               development secrets are generated, see below)
      --node-name <name>       node name (or SWITCHBOARD_NODE_NAME)
      --log-level <level>      trace|debug|info|warn|error|fatal|silent
      --api-key <key>          server API key (or SWITCHBOARD_API_KEY)
      --token-hmac-secret <s>  HMAC secret for tokens (or SWITCHBOARD_TOKEN_HMAC_SECRET)
  -h, --help                   this help

With no token key and no API key configured, development ones are generated and printed, the
admin UI (/admin) is enabled with a generated password, and the node listens on 127.0.0.1 only
unless an address is set (--address, SWITCHBOARD_HTTP_SERVER_ADDRESS or http_server.address).`;

/** Where a development node listens when no address was set. */
const DEV_ADDRESS = '127.0.0.1';

export async function serve(argv: string[]): Promise<number> {
  const values = parse(argv);
  if (values['help'] === true) {
    console.log(serveHelp);
    return 0;
  }
  const file = typeof values['config'] === 'string' ? values['config'] : undefined;
  const loaded = await loadConfigSources({ file, flags: configFlags(values) });
  const config = loaded.config;
  const generated = fillDevSecrets(config);
  // A development node (generated secrets, an open admin UI) listens on loopback only, unless an
  // address was asked for.
  const developing = generated.hmacSecret !== undefined || generated.apiKey !== undefined;
  const loopbackOnly = developing && !loaded.isSet(['http_server', 'address']);
  if (loopbackOnly) config.http_server.address = DEV_ADDRESS;
  // Generated secrets mean a development node: serve the chat demo on it.
  if (generated.hmacSecret !== undefined) enableDevDemo(config);
  const log = createLogger(config.log.level, config.node.name, config.log.format);
  const origins = config.client.allowed_origins;
  if (generated.hmacSecret === undefined && (origins.length === 0 || origins.includes('*'))) {
    log.warn(
      { allowed_origins: origins },
      'client.allowed_origins lets every web page open connections to this node: list your sites',
    );
  }
  const unknown = unknownConfigVariables();
  if (unknown.length > 0) {
    log.warn(
      { variables: unknown },
      'environment variables named like configuration set no key: check the names',
    );
  }
  const app = await startSwitchboard(config, { logger: log });
  // Set before the node says it listens: a signal from then on is a graceful stop, never the
  // default action that ends the process at once.
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        // A second signal: skip the remaining drain waves.
        log.info({ signal }, 'stopping now: telling every remaining client to reconnect');
        app.server.hurry();
        return;
      }
      stopping = true;
      const { drain_duration, drain_waves } = app.node.config.shutdown;
      log.info(
        { signal, clients: app.node.connections.size, drain_duration, drain_waves },
        'stopping: not ready, draining clients to other nodes',
      );
      app.stop().then(
        () => {
          log.info('stopped');
          resolve(0);
        },
        (error: unknown) => {
          log.error({ err: error }, 'stop failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  const host = config.http_server.address === '0.0.0.0' ? 'localhost' : config.http_server.address;
  const secure = config.http_server.tls.enabled;
  const base = `${secure ? 'https' : 'http'}://${host}:${app.address.port}`;
  log.info(
    {
      address: app.address,
      url: base,
      tls: secure,
      engine: config.engine.type,
      metrics: config.prometheus.enabled ? `${base}/metrics` : false,
    },
    'switchboard listening',
  );
  const lines = [
    '',
    `Switchboard ${app.node.version} on ${base}`,
    `  WebSocket:  ${secure ? 'wss' : 'ws'}://${host}:${app.address.port}/connection/websocket`,
    `  Server API: ${base}/api/<method>   Health: ${base}/health   Ready: ${base}/ready`,
  ];
  if (generated.hmacSecret !== undefined) {
    const token = await signToken({ sub: 'demo' }, generated.hmacSecret, { expiresInSeconds: 24 * 3600 });
    lines.push(
      '',
      'No token key configured: generated a development HMAC secret (set SWITCHBOARD_TOKEN_HMAC_SECRET to keep one):',
      `  SWITCHBOARD_TOKEN_HMAC_SECRET=${generated.hmacSecret}`,
      'Demo connection token for user "demo" (valid 24h):',
      `  ${token}`,
    );
  }
  if (generated.apiKey !== undefined) {
    lines.push(
      '',
      'No API key configured: generated one (set SWITCHBOARD_API_KEY to keep one):',
      `  SWITCHBOARD_API_KEY=${generated.apiKey}`,
      `  curl -X POST -H "X-API-Key: ${generated.apiKey}" -H 'content-type: application/json' -d '{"channel":"news","data":{"text":"hi"}}' ${base}/api/publish`,
    );
  }
  if (config.admin.enabled) lines.push('', `Admin UI: ${base}/admin/`);
  if (generated.adminPassword !== undefined) {
    lines.push(
      'Admin UI not configured: enabled with a generated password (set admin.password to keep one):',
      `  password: ${generated.adminPassword}`,
    );
  }
  lines.push(...demoBanner(config, base));
  if (loopbackOnly) {
    lines.push(
      '',
      `Development start: listening on ${DEV_ADDRESS} only (set --address 0.0.0.0 to reach it from other machines).`,
    );
  }
  console.log(`${lines.join('\n')}\n`);
  return stopped;
}
