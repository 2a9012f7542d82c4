/** Runs named scenarios with one load generator; the entry point for the CLI and the smoke test. */
import { startLoadGenerator } from './load.js';
import type { Flags, ScenarioContext, ScenarioResult } from './scenarios/common.js';
import { connect } from './scenarios/connect.js';
import { delta } from './scenarios/delta.js';
import { idle } from './scenarios/idle.js';
import { ingest } from './scenarios/ingest.js';
import { latency } from './scenarios/latency.js';
import { perRequest, perRequestCrossNode } from './scenarios/per-request.js';
import { proxy } from './scenarios/proxy.js';
import { storm } from './scenarios/storm.js';
import { crossNode, fanout, users } from './scenarios/throughput.js';

export const SCENARIOS: Record<string, (ctx: ScenarioContext) => Promise<ScenarioResult>> = {
  fanout,
  'cross-node': crossNode,
  'per-request': perRequest,
  'per-request-cross-node': perRequestCrossNode,
  latency,
  idle,
  users,
  connect,
  storm,
  delta,
  proxy,
  ingest,
};

export interface RunOptions {
  quick: boolean;
  flags: Flags;
  log?: (line: string) => void;
  /** Called as each scenario finishes, so a later failure does not lose earlier results. */
  onResult?: (result: ScenarioResult) => void;
}

export async function runScenarios(names: string[], options: RunOptions): Promise<ScenarioResult[]> {
  for (const name of names) {
    if (!(name in SCENARIOS)) {
      throw new Error(`unknown scenario "${name}"; choose from ${Object.keys(SCENARIOS).join(', ')} or all`);
    }
  }
  const load = await startLoadGenerator();
  const log = options.log ?? (() => {});
  const results: ScenarioResult[] = [];
  try {
    for (const name of names) {
      log(`${name}${options.quick ? ' (quick)' : ''}`);
      const result = await SCENARIOS[name]!({ load, quick: options.quick, flags: options.flags, log });
      results.push(result);
      options.onResult?.(result);
    }
  } finally {
    await load.stop();
  }
  return results;
}
