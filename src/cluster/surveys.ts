/**
 * Surveys: ask every live node a question over the control channel and gather the answers. A
 * survey ends when every node known to be alive answered, or at its timeout with what arrived.
 */
import { randomUUID } from 'node:crypto';
import type { ControlMessage, SurveyOp } from './messages.js';

export interface SurveyAnswer {
  node: string;
  result: unknown;
}

interface Pending {
  expected: Set<string>;
  answers: SurveyAnswer[];
  finish: () => void;
}

export class Surveys {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly self: string,
    private readonly send: (msg: ControlMessage) => Promise<void>,
  ) {}

  /** Asks `nodes` (uids; this node included) and resolves with the answers that arrived in time. */
  async ask(
    op: SurveyOp,
    params: Record<string, unknown>,
    nodes: string[],
    timeoutMs: number,
  ): Promise<SurveyAnswer[]> {
    const id = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<void>((resolve) => {
      this.pending.set(id, { expected: new Set(nodes), answers: [], finish: resolve });
      timer = setTimeout(resolve, timeoutMs);
    });
    try {
      await this.send({ type: 'survey', id, from: this.self, op, params });
      await done;
      return this.pending.get(id)?.answers ?? [];
    } finally {
      clearTimeout(timer);
      this.pending.delete(id);
    }
  }

  /** An answer arrived. */
  receive(id: string, node: string, result: unknown): void {
    const pending = this.pending.get(id);
    if (pending === undefined || pending.answers.some((a) => a.node === node)) return;
    pending.answers.push({ node, result });
    pending.expected.delete(node);
    if (pending.expected.size === 0) pending.finish();
  }
}
