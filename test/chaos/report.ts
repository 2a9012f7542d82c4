/** The soak's summary table, and the reliability page written from it. */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { SoakReport } from './soak.js';

const list = (m: Record<string, number>): string =>
  Object.entries(m)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ') || 'none';

/** Rows of the summary: [what, value]. */
export function summaryRows(r: SoakReport): [string, string][] {
  const o = r.options;
  const faultTotal = Object.values(r.faults).reduce((a, b) => a + b, 0);
  return [
    ['Duration', `${r.seconds.toFixed(0)} s of publishing and faults`],
    [
      'Setup',
      `3 nodes (Redis engine), Redis with AOF${o.nginx ? ', nginx in front' : ', clients on random nodes'}`,
    ],
    [
      'Clients',
      `${o.clients}, each on its personal channel and ${o.channelsPerClient} of ${o.sharedChannels} shared channels; ${r.jwksClients} with RS256 tokens from the JWKS endpoint, the others HMAC`,
    ],
    [
      'Publications',
      `${r.published} at ${o.rate}/s target${r.skippedTicks > 0 ? ` (${r.skippedTicks} not made: 500 already waiting)` : ''}`,
    ],
    ['Publish retries (same idempotency key)', list(r.publishRetries)],
    ['Deliveries', `${r.deliveries} (expected ${r.expectedDeliveries})`],
    [`Faults injected (${faultTotal})`, list(r.faults)],
    ['Lost', String(r.lost)],
    ['Duplicated', String(r.duplicated)],
    ['Out of order (offset or payload seq)', String(r.outOfOrder)],
    ['Pushed while not subscribed', String(r.unexpected)],
    ['Stream anomalies (offset ≠ seq, epoch change)', String(r.streamAnomalies)],
    [
      '`recovered: false`',
      `${Object.values(r.unrecovered).reduce((a, b) => a + b, 0)} (${list(r.unrecovered)}); unexplained: ${r.unexplainedUnrecovered}`,
    ],
    ['Clients not settled at the end', String(r.unsettledClients)],
    ['Client reconnects', `${r.clientReconnects}; close codes ${list(r.closeCodes)}`],
    ['Connect errors (reconnected)', list(r.connectErrors)],
    ['Terminal answers (an SDK would stop reconnecting)', list(r.terminal)],
    ['JWKS key sets served (all nodes)', String(r.jwksFetches)],
    ['Pub/sub connections Redis cut for their output buffer', String(r.outputBufferDisconnections)],
    ['Subscribe errors (retried)', list(r.subscribeErrors)],
    ['Node crashes (not injected)', r.crashes.length === 0 ? '0' : r.crashes.join('; ')],
    ['Unclean exits at SIGTERM', r.badExits.length === 0 ? '0' : r.badExits.join('; ')],
    ['Stuck nodes at the end', r.stuckNodes.length === 0 ? '0' : r.stuckNodes.join(', ')],
    ['Node restarts retried (slow start)', String(r.slowStarts)],
    ['Faults not carried out', r.faultFailures.length === 0 ? '0' : r.faultFailures.join('; ')],
    [
      'Node RSS after warm-up → end (MiB)',
      r.rss
        .map(
          (n) =>
            `${n.node} ${n.warmMiB.toFixed(0)} → ${n.endMiB.toFixed(0)}${n.restarts > 0 ? ` (restarted ${n.restarts}×)` : ''}`,
        )
        .join(', '),
    ],
  ];
}

export function markdownTable(r: SoakReport): string {
  const rows = summaryRows(r).map(([k, v]) => `| ${k} | ${v.replaceAll('|', '\\|')} |`);
  return ['| | |', '| --- | --- |', ...rows].join('\n');
}

export function textTable(r: SoakReport): string {
  const rows = summaryRows(r);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** The failures a run must not have: the short test asserts this list is empty. */
export function violations(r: SoakReport): string[] {
  const out: string[] = [];
  if (r.lost > 0) out.push(`${r.lost} publications lost`);
  if (r.duplicated > 0) out.push(`${r.duplicated} duplicated`);
  if (r.outOfOrder > 0) out.push(`${r.outOfOrder} out of order`);
  if (r.unexpected > 0) out.push(`${r.unexpected} pushed while not subscribed`);
  if (r.streamAnomalies > 0) out.push(`${r.streamAnomalies} stream anomalies`);
  if (r.unexplainedUnrecovered > 0) out.push(`${r.unexplainedUnrecovered} unexplained recovered:false`);
  if (r.unsettledClients > 0) out.push(`${r.unsettledClients} clients not settled`);
  if (r.deliveries !== r.expectedDeliveries) {
    out.push(`${r.deliveries} deliveries, expected ${r.expectedDeliveries}`);
  }
  for (const [what, n] of Object.entries(r.terminal)) out.push(`${n} × terminal ${what}`);
  if (r.faults['pub/sub overflow in a storm'] > 0 && r.outputBufferDisconnections === 0) {
    out.push('the pub/sub overflow fault cut no connection');
  }
  out.push(...r.crashes.map((c) => `crash: ${c}`));
  out.push(...r.badExits.map((c) => `unclean exit: ${c}`));
  out.push(...r.stuckNodes.map((n) => `stuck node: ${n}`));
  out.push(...r.faultFailures.map((f) => `fault not carried out: ${f}`));
  return out;
}

/**
 * Rewrites the latest-run section of the reliability page (between its `chaos:start` and
 * `chaos:end` markers); the rest of the page is left as it is.
 */
export function writeReliabilityPage(path: string, r: SoakReport, command: string): void {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const section = `<!-- chaos:start -->
## Latest run

- Date: ${new Date().toISOString().slice(0, 10)}
- Machine: ${cpus().length} CPUs (\`nproc\`), ${cpu}
- Command: \`${command}\`
- Clients: ${r.options.clients}

${markdownTable(r)}

Node RSS is read from \`/proc/<pid>/status\` five seconds after publishing starts and after the
settle phase; a restarted node's figures are those of its latest process.
<!-- chaos:end -->`;
  const page = readFileSync(path, 'utf8');
  const from = page.indexOf('<!-- chaos:start -->');
  const to = page.indexOf('<!-- chaos:end -->');
  if (from < 0 || to < from) throw new Error(`${path} has no chaos:start / chaos:end markers`);
  writeFileSync(path, page.slice(0, from) + section + page.slice(to + '<!-- chaos:end -->'.length));
}
