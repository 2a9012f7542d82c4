/** `switchboard gentoken`: prints a connection token signed with the configured HMAC secret. */
import { signToken } from '../auth/token-signer.js';
import { loadConfig } from '../config/index.js';
import { configFlags, parse } from './args.js';

export const gentokenHelp = `Usage: switchboard gentoken --user <id> [options]

Prints an HS256 connection token for development, signed with client.token.hmac_secret_key
(from --config, SWITCHBOARD_TOKEN_HMAC_SECRET or --token-hmac-secret).

Options:
  -u, --user <id>              user id (sub claim), required
      --ttl <seconds>          lifetime, default 3600 (0: no expiry)
      --channel <name>         subscribe the connection server-side (repeatable)
  -c, --config <file>          config file
      --token-hmac-secret <s>  secret to sign with
  -h, --help                   this help`;

export async function gentoken(argv: string[]): Promise<number> {
  const values = parse(argv, {
    user: { type: 'string', short: 'u' },
    ttl: { type: 'string' },
    channel: { type: 'string', multiple: true },
  });
  if (values['help'] === true) {
    console.log(gentokenHelp);
    return 0;
  }
  const user = values['user'];
  if (typeof user !== 'string') {
    console.error('gentoken: --user is required\n\n' + gentokenHelp);
    return 2;
  }
  const ttl = Number(values['ttl'] ?? 3600);
  if (!Number.isInteger(ttl) || ttl < 0) {
    console.error('gentoken: --ttl must be a non-negative integer number of seconds');
    return 2;
  }
  const file = typeof values['config'] === 'string' ? values['config'] : undefined;
  const config = await loadConfig({ file, flags: configFlags(values) });
  const secret = config.client.token.hmac_secret_key;
  if (secret === '') {
    console.error(
      'gentoken: no HMAC secret: set client.token.hmac_secret_key, SWITCHBOARD_TOKEN_HMAC_SECRET or --token-hmac-secret',
    );
    return 2;
  }
  const claims: Record<string, unknown> = { sub: user };
  const channels = (values as Record<string, unknown>)['channel'];
  if (Array.isArray(channels) && channels.length > 0) claims['channels'] = channels;
  const token = await signToken(claims, secret, ttl > 0 ? { expiresInSeconds: ttl } : {});
  console.log(token);
  return 0;
}
