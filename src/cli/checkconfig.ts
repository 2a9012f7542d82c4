/** `switchboard checkconfig`: validates a configuration and exits 0 (valid) or 1 (invalid). */
import { TokenVerifier } from '../auth/token-verifier.js';
import { loadConfig, loadTlsCredentials } from '../config/index.js';
import { trustedProxiesOf } from '../http/client-address.js';
import { configFlags, parse } from './args.js';

export const checkconfigHelp = `Usage: switchboard checkconfig [--config <file>]

Validates the configuration (file, SWITCHBOARD_* environment, flags). Exit code 0 when valid,
1 when not, with every problem named by its key.`;

export async function checkconfig(argv: string[]): Promise<number> {
  const values = parse(argv);
  if (values['help'] === true) {
    console.log(checkconfigHelp);
    return 0;
  }
  const file = typeof values['config'] === 'string' ? values['config'] : undefined;
  const config = await loadConfig({ file, flags: configFlags(values) });
  // Key material (PEM keys, JWKS URL, TLS certificate and key) is checked the way a starting node checks it.
  TokenVerifier.fromConfig(config);
  await loadTlsCredentials(config.http_server.tls);
  trustedProxiesOf(config);
  console.log(`configuration is valid${file === undefined ? '' : `: ${file}`}`);
  return 0;
}
