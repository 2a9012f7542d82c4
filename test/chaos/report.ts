/** The soak's summary table, and the reliability page written from it. */
import { writeFileSync } from 'node:fs';
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
      `${o.clients}, each on its personal channel and ${o.channelsPerClient} of ${o.sharedChannels} shared channels`,
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
  out.push(...r.crashes.map((c) => `crash: ${c}`));
  out.push(...r.badExits.map((c) => `unclean exit: ${c}`));
  out.push(...r.stuckNodes.map((n) => `stuck node: ${n}`));
  out.push(...r.faultFailures.map((f) => `fault not carried out: ${f}`));
  return out;
}

export function writeReliabilityPage(path: string, r: SoakReport, command: string): void {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const text = `# Reliability under faults (chaos soak)

\`npm run chaos\` runs three Switchboard nodes on one Redis (append-only file, fsync on every
write), connects ${r.options.clients} clients speaking the client protocol over raw WebSockets, publishes at a
steady rate through the server API of random nodes, and meanwhile injects faults at random
intervals: a node SIGKILLed and restarted, a node frozen (SIGSTOP) for 5 s, Redis killed and
restarted from its append-only file, 5% of clients that stop reading for 5–25 s, 5% of clients
disconnected.

Each client subscribes to its personal channel \`#<user>\` (server-side) and to some shared
channels, all with history and \`force_recovery\`. After a disconnect it reconnects with backoff and
recovers from the last publication it got; after an \`unsubscribe\` 2500 it resubscribes with
recovery. Every publication carries an idempotency key and a per-channel sequence number and is
retried with the same key on a temporary error, a network error, a timeout or a 5xx.

When the faults stop and everything has settled, every client's every channel is checked: it must
hold each publication made after its first subscribe exactly once and in order (by offset and by
the sequence number in the payload), or have been told \`recovered: false\` for a reason (more
missed than \`client.recovery_max_publication_limit\` or \`history_size\`). Node exits other than
the injected kills count as crashes; each node must exit with 0 on the final SIGTERM.

## Latest run

- Date: ${new Date().toISOString().slice(0, 10)}
- Machine: ${cpus().length} CPUs (\`nproc\`), ${cpu}
- Command: \`${command}\`

${markdownTable(r)}

Node RSS is read from \`/proc/<pid>/status\` five seconds after publishing starts and after the
settle phase; a restarted node's figures are those of its latest process.
`;
  writeFileSync(path, text);
}
