#!/usr/bin/env node
/** The `switchboard` command. Exit codes: 0 ok, 1 invalid configuration or runtime failure, 2 usage error. */
import { TokenKeyError } from '../auth/token-key-error.js';
import { ConfigError } from '../config/index.js';
import { checkconfig, checkconfigHelp } from './checkconfig.js';
import { gentoken, gentokenHelp } from './gentoken.js';
import { serve, serveHelp } from './serve.js';

const commands: Record<string, { run: (argv: string[]) => Promise<number>; help: string }> = {
  serve: { run: serve, help: serveHelp },
  gentoken: { run: gentoken, help: gentokenHelp },
  checkconfig: { run: checkconfig, help: checkconfigHelp },
};

const usage = `Usage: switchboard <command> [options]

Commands:
  serve        run a gateway node (default)
  gentoken     print a development connection token
  checkconfig  validate a configuration

Run "switchboard <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    console.log(usage);
    return 0;
  }
  const name = first === undefined || first.startsWith('-') ? 'serve' : first;
  const command = commands[name];
  if (command === undefined) {
    console.error(`switchboard: unknown command "${name}"\n\n${usage}`);
    return 2;
  }
  const args = first === undefined || first.startsWith('-') ? argv : rest;
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(
        `switchboard: invalid configuration\n  ${error.issues.map((i) => `${i.key}: ${i.message}`).join('\n  ')}`,
      );
      return 1;
    }
    if (error instanceof TokenKeyError) {
      console.error(`switchboard: invalid configuration\n  ${error.key}: ${error.message}`);
      return 1;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      console.error(`switchboard ${name}: ${error.message}\n\n${command.help}`);
      return 2;
    }
    console.error(`switchboard: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
