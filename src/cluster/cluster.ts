/**
 * The node's place in the cluster: it announces itself, keeps the registry of live nodes, answers
 * and runs surveys, and hands user operations and messages to the node. Written once above the engines: the
 * broker's control channel is all it needs.
 */
import type { Broker } from '../engine/types.js';
import type { Logger } from '../log.js';
import type { ControlMessage, EmulationOp, MessageOp, NodeInfo, SurveyOp, UserOp } from './messages.js';
import { parseControl } from './messages.js';
import { NodeRegistry } from './registry.js';
import { type SurveyAnswer, Surveys } from './surveys.js';

/** How often a node announces itself, ms. */
export const ANNOUNCE_INTERVAL_MS = 2_000;
/** A node not heard of for this long is gone, ms (three missed announcements). */
export const NODE_EXPIRE_MS = ANNOUNCE_INTERVAL_MS * 3 + 500;
/** How long a survey waits for the slowest node, ms. */
export const SURVEY_TIMEOUT_MS = 1_500;

/** What the cluster needs from the local node. */
export interface ClusterHost {
  readonly uid: string;
  readonly log: Logger;
  /** Fresh figures about this node. */
  info(): NodeInfo;
  applyUserOp(op: UserOp): void;
  /** Pushes a message to this node's connections of its user. */
  deliverMessage(op: MessageOp): void;
  /** Hands the commands of an emulation request to this node's session. */
  deliverEmulation(op: EmulationOp): void;
  /** This node's answer to a survey question. */
  answerSurvey(op: SurveyOp, params: Record<string, unknown>): unknown;
}

export class Cluster {
  readonly registry = new NodeRegistry(NODE_EXPIRE_MS);
  private readonly surveys: Surveys;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: ClusterHost,
    private readonly broker: Broker,
  ) {
    this.surveys = new Surveys(host.uid, (msg) => this.send(msg));
  }

  /** Starts announcing this node. */
  start(): void {
    this.announce();
    this.timer = setInterval(() => this.announce(), ANNOUNCE_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops announcing and tells the others this node is leaving. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.send({ type: 'node_leave', uid: this.host.uid }).catch(() => {});
  }

  send(msg: ControlMessage): Promise<void> {
    return this.broker.publishControl(JSON.stringify(msg));
  }

  /** Live nodes, this one with fresh figures. */
  nodes(): NodeInfo[] {
    const self = this.host.info();
    this.registry.update(self);
    return this.registry.live().sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Asks every live node and returns the answers that came in time. */
  survey(op: SurveyOp, params: Record<string, unknown>): Promise<SurveyAnswer[]> {
    const uids = this.nodes().map((n) => n.uid);
    return this.surveys.ask(op, params, uids, SURVEY_TIMEOUT_MS);
  }

  /** Entry point for every control message the broker delivers. */
  receive(data: string): void {
    const msg = parseControl(data);
    if (msg === null) {
      this.host.log.warn('malformed control message dropped');
      return;
    }
    switch (msg.type) {
      case 'node': {
        const known = this.registry.has(msg.info.uid);
        this.registry.update(msg.info);
        // A newcomer learns of this node at once instead of at the next announcement.
        if (!known && msg.info.uid !== this.host.uid) {
          this.host.log.info({ peer: msg.info.name, uid: msg.info.uid }, 'node joined the cluster');
          this.announce();
        }
        return;
      }
      case 'node_leave': {
        if (msg.uid === this.host.uid) return;
        const gone = this.registry.remove(msg.uid);
        if (gone !== undefined)
          this.host.log.info({ peer: gone.name, uid: gone.uid }, 'node left the cluster');
        return;
      }
      case 'survey': {
        const result = this.host.answerSurvey(msg.op, msg.params);
        this.send({ type: 'survey_reply', id: msg.id, to: msg.from, node: this.host.uid, result }).catch(
          (error: unknown) => this.host.log.warn({ err: error }, 'survey reply failed'),
        );
        return;
      }
      case 'survey_reply':
        if (msg.to === this.host.uid) this.surveys.receive(msg.id, msg.node, msg.result);
        return;
      case 'disconnect':
      case 'unsubscribe':
      case 'subscribe':
      case 'refresh':
        this.host.applyUserOp(msg);
        return;
      case 'message':
        this.host.deliverMessage(msg);
        return;
      case 'emulation':
        if (msg.node === this.host.uid) this.host.deliverEmulation(msg);
        return;
      default: {
        const never: never = msg;
        throw new Error(`unhandled control message ${String(never)}`);
      }
    }
  }

  private announce(): void {
    for (const gone of this.registry.expire()) {
      this.host.log.info(
        { peer: gone.name, uid: gone.uid },
        'node left the cluster: no announcement for a while',
      );
    }
    const info = this.host.info();
    this.registry.update(info);
    this.send({ type: 'node', info }).catch((error: unknown) =>
      this.host.log.debug({ err: error }, 'announce failed'),
    );
  }
}
