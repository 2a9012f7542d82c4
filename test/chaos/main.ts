/**
 * `npm run chaos -- [--minutes N] [--clients N] [--rate N] [--min-gap S] [--max-gap S]
 *   [--nginx | --no-nginx] [--write]`
 *
 * Faults come every `--min-gap` to `--max-gap` seconds (default 5 to 20).
 *
 * Runs the chaos soak, prints its summary table and exits 1 when a publication was lost, duplicated
 * or reordered, a node crashed, or anything else in `violations` happened. `--write` also writes
 * docs/reliability.md. nginx is used by default when it is installed.
 */
import { parseArgs } from 'node:util';
import { nginxInstalled } from './cluster.js';
import { textTable, violations, writeReliabilityPage } from './report.js';
import { runSoak } from './soak.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    clients: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '60' },
    nginx: { type: 'boolean' },
    'no-nginx': { type: 'boolean' },
    'min-gap': { type: 'string', default: '5' },
    'max-gap': { type: 'string', default: '20' },
    write: { type: 'boolean', default: false },
  },
});

const minutes = Number(values.minutes);
const clients = Number(values.clients);
const rate = Number(values.rate);
if (!(minutes > 0) || !(clients > 0) || !(rate > 0)) {
  console.error('--minutes, --clients and --rate must be positive numbers');
  process.exit(2);
}
const nginx = values['no-nginx'] ? false : (values.nginx ?? nginxInstalled());
if (nginx && !nginxInstalled()) {
  console.error('--nginx: nginx is not installed');
  process.exit(2);
}

const report = await runSoak({
  durationMs: minutes * 60_000,
  clients,
  rate,
  nginx,
  minFaultGapMs: Number(values['min-gap']) * 1000,
  maxFaultGapMs: Number(values['max-gap']) * 1000,
  log: (line) => console.log(`# ${line}`),
});
console.log(`\n${textTable(report)}`);
const bad = violations(report);
if (values.write) {
  const path = new URL('../../docs/reliability.md', import.meta.url).pathname;
  writeReliabilityPage(path, report, `npm run chaos -- ${process.argv.slice(2).join(' ')}`);
  console.log(`\nwrote ${path}`);
}
if (bad.length > 0) {
  console.log(`\nFAILED: ${bad.join('; ')}`);
  process.exit(1);
}
console.log('\nOK: every publication delivered exactly once and in order, or recovered: false explained');
process.exit(0);
