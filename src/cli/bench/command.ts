/** `switchboard bench`: load-tests a deployment, or a node started in this process, and reports. */
import { parseArgs } from 'node:util';
import { generateSecret } from '../../auth/token-signer.js';
import { resolveConfig } from '../../config/index.js';
import { BenchError, type BenchOptions, runBench } from './run.js';

export const benchHelp = `Usage: switchboard bench [options]

Opens --clients raw WebSocket clients (JSON protocol: connect with a token, subscribe to --channel),
publishes --rate publications per second through the server API for --seconds, each stamped with
its send time, prints a line per second and ends with a summary: deliveries per second, lost
deliveries (expected minus received) and delivery latency p50/p99/max.

Without --ws and --api it starts a node in this process (memory engine, fresh secrets) and
benchmarks that: a quick self-check. Given one of --ws/--api, the other is derived from it.

Options:
      --ws <url>            WebSocket endpoint, like ws://host:8000/connection/websocket
      --api <url>           server API base URL, like http://host:8000
      --api-key <key>       http_api.key of the target (or SWITCHBOARD_API_KEY)
      --token-secret <s>    client.token.hmac_secret_key of the target, to sign one token per client
                            (or SWITCHBOARD_TOKEN_HMAC_SECRET)
      --insecure            connect without tokens (a target running with client.insecure)
  -n, --clients <n>         clients, default 100
      --channel <name>      channel to subscribe and publish to, default "bench"
  -r, --rate <n>            publications per second, default 10
  -s, --seconds <n>         how long to publish, default 10
      --payload <bytes>     padding added to each publication, default 0
  -h, --help                this help

Exit codes: 0 the run completed with nothing lost; 1 the target could not be reached, a client could
not connect, a publish failed, a client was dropped or deliveries were lost; 2 usage error.`;

function positive(
  name: string,
  value: string | undefined,
  fallback: number,
  integer: boolean,
  min = 1,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got "${value}"`);
  }
  return n;
}

class UsageError extends Error {}

function checkUrl(name: string, value: string, protocols: string[]): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--${name} is not a URL: "${value}"`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new UsageError(
      `--${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}, got "${value}"`,
    );
  }
  return url;
}

/** ws://host:port/connection/websocket from http://host:port, and back. */
function deriveTargets(ws: string | undefined, api: string | undefined): { wsUrl: string; apiUrl: string } {
  if (ws !== undefined) checkUrl('ws', ws, ['ws:', 'wss:']);
  if (api !== undefined) checkUrl('api', api, ['http:', 'https:']);
  const wsUrl =
    ws ??
    (() => {
      const url = new URL(api as string);
      return `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}/connection/websocket`;
    })();
  const apiUrl =
    api ??
    (() => {
      const url = new URL(wsUrl);
      return `${url.protocol === 'wss:' ? 'https' : 'http'}://${url.host}`;
    })();
  return { wsUrl, apiUrl };
}

export async function bench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ws: { type: 'string' },
      api: { type: 'string' },
      'api-key': { type: 'string' },
      'token-secret': { type: 'string' },
      insecure: { type: 'boolean' },
      clients: { type: 'string', short: 'n' },
      channel: { type: 'string' },
      rate: { type: 'string', short: 'r' },
      seconds: { type: 'string', short: 's' },
      payload: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(benchHelp);
    return 0;
  }
  let options: BenchOptions;
  let embedded = false;
  try {
    const common = {
      clients: positive('clients', values.clients, 100, true),
      channel: values.channel ?? 'bench',
      rate: positive('rate', values.rate, 10, false, 0.1),
      seconds: positive('seconds', values.seconds, 10, false, 0.1),
      payload: positive('payload', values.payload, 0, true, 0),
    };
    if (common.channel === '') throw new UsageError('--channel must not be empty');
    embedded = values.ws === undefined && values.api === undefined;
    if (embedded) {
      options = {
        ...common,
        wsUrl: '',
        apiUrl: '',
        apiKey: generateSecret(24),
        tokenSecret: generateSecret(32),
      };
    } else {
      const tokenSecret =
        values['token-secret'] ?? (process.env['SWITCHBOARD_TOKEN_HMAC_SECRET'] || undefined);
      if (tokenSecret === undefined && values.insecure !== true) {
        throw new UsageError("pass --token-secret (the target's client.token.hmac_secret_key) or --insecure");
      }
      if (tokenSecret !== undefined && values.insecure === true) {
        throw new UsageError('pass either --token-secret or --insecure, not both');
      }
      options = {
        ...common,
        ...deriveTargets(values.ws, values.api),
        apiKey: values['api-key'] ?? (process.env['SWITCHBOARD_API_KEY'] || undefined),
        tokenSecret,
      };
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench: ${error.message}\n\n${benchHelp}`);
    return 2;
  }

  // The node's code is loaded only for an embedded run.
  const node = embedded
    ? await (await import('../../app.js')).startSwitchboard(
        resolveConfig({
          http_server: { address: '127.0.0.1', port: 0 },
          client: { token: { hmac_secret_key: options.tokenSecret } },
          http_api: { key: options.apiKey },
          log: { level: 'silent' },
        }),
      )
    : undefined;
  if (node !== undefined) {
    options.wsUrl = `ws://127.0.0.1:${node.address.port}/connection/websocket`;
    options.apiUrl = `http://127.0.0.1:${node.address.port}`;
  }
  console.log(
    `bench: ${options.clients} clients on ${options.wsUrl}${embedded ? ' (embedded node, memory engine)' : ''}, ` +
      `channel "${options.channel}", ${options.rate} publications/s for ${options.seconds} s` +
      (options.payload > 0 ? `, ${options.payload} bytes of padding` : ''),
  );
  // Ctrl-C ends publishing early and still prints the summary; a second one exits at once.
  const interrupt = new AbortController();
  const onSigint = (): void => {
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort();
  };
  process.on('SIGINT', onSigint);
  options.signal = interrupt.signal;
  try {
    const result = await runBench(options);
    const problems = [
      result.lost > 0 ? `${result.lost} deliveries lost` : '',
      result.publishFailed > 0 ? `${result.publishFailed} publications failed` : '',
      result.dropped > 0 ? `${result.dropped} clients dropped` : '',
      result.published === 0 ? 'nothing was published' : '',
    ].filter((p) => p !== '');
    if (problems.length > 0) {
      console.error(`bench: ${problems.join(', ')}`);
      return 1;
    }
    return 0;
  } catch (error) {
    if (!(error instanceof BenchError)) throw error;
    console.error(`bench: ${error.message}`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    await node?.stop();
  }
}
