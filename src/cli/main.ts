#!/usr/bin/env node
/**
 * The `switchboard` command. Exit codes: 0 ok, 1 invalid configuration or runtime failure, 2 usage error.
 * docs/cli.md describes every command.
 */
import { TokenKeyError } from '../auth/token-key-error.js';
import { ConfigError } from '../config/index.js';
import { VERSION } from '../version.js';

interface Command {
  run: (argv: string[]) => Promise<number>;
  help: string;
}

/** Each command's module is loaded only when it runs, so `--help` and small commands start fast. */
const commands: Record<string, () => Promise<Command>> = {
  serve: async () => {
    const m = await import('./serve.js');
    return { run: m.serve, help: m.serveHelp };
  },
  genconfig: async () => {
    const m = await import('./genconfig.js');
    return { run: m.genconfig, help: m.genconfigHelp };
  },
  defaultconfig: async () => {
    const m = await import('./defaultconfig.js');
    return { run: m.defaultconfig, help: m.defaultconfigHelp };
  },
  defaultenv: async () => {
    const m = await import('./defaultconfig.js');
    return { run: m.defaultenv, help: m.defaultenvHelp };
  },
  checkconfig: async () => {
    const m = await import('./checkconfig.js');
    return { run: m.checkconfig, help: m.checkconfigHelp };
  },
  gentoken: async () => {
    const m = await import('./gentoken.js');
    return { run: m.gentoken, help: m.gentokenHelp };
  },
  bench: async () => {
    const m = await import('./bench/command.js');
    return { run: m.bench, help: m.benchHelp };
  },
};

const EXIT_CODES = 'Exit codes: 0 success, 1 invalid configuration or runtime failure, 2 usage error.';

const usage = `Usage: switchboard <command> [options]

Commands:
  serve        run a gateway node (default)
  genconfig    write a minimal working config file with fresh secrets
  checkconfig  validate a configuration
  defaultconfig  print every config key with its default (YAML or JSON)
  defaultenv   print every config key as its SWITCHBOARD_* variable with its default
  gentoken     print a development connection token
  bench        load-test a deployment (or an embedded node) and report deliveries and latency

Options:
  -h, --help     this help
  -v, --version  print the version

Run "switchboard <command> --help" for a command's options.
${EXIT_CODES}`;

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    console.log(usage);
    return 0;
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    console.log(VERSION);
    return 0;
  }
  const name = first === undefined || first.startsWith('-') ? 'serve' : first;
  const load = commands[name];
  if (load === undefined) {
    console.error(`switchboard: unknown command "${name}"\n\n${usage}`);
    return 2;
  }
  const command = await load();
  const args = first === undefined || first.startsWith('-') ? argv : rest;
  if (args.includes('--help') || args.includes('-h')) {
    console.log(/Exit code/.test(command.help) ? command.help : `${command.help}\n\n${EXIT_CODES}`);
    return 0;
  }
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
