/**
 * Where the broker's events go: channel traffic (publications, joins, leaves) to the hub, control
 * messages to the cluster, and the broker's recovery from an interruption to the position check.
 * Control traffic is kept apart from channel traffic here, so the hub only ever sees channels.
 */
import type { BrokerEvent, BrokerEventHandler } from '../engine/types.js';

/** The broker events that concern one channel's subscribers. */
export type ChannelEvent = Extract<BrokerEvent, { type: 'publication' | 'join' | 'leave' }>;

/** Who handles each kind of broker event. */
export interface BrokerEventRoutes {
  /** A publication, join or leave of a channel (the hub). */
  channel(event: ChannelEvent): void;
  /** A control message between nodes (the cluster). */
  control(data: string): void;
  /** The broker's subscriptions are back after an interruption (the position check). */
  resubscribed(): void;
}

/** The one handler the node gives the broker. */
export function routeBrokerEvents(routes: BrokerEventRoutes): BrokerEventHandler {
  return (event) => {
    switch (event.type) {
      case 'publication':
      case 'join':
      case 'leave':
        routes.channel(event);
        return;
      case 'control':
        routes.control(event.data);
        return;
      case 'resubscribed':
        routes.resubscribed();
        return;
      default: {
        const never: never = event;
        throw new Error(`unhandled broker event ${String(never)}`);
      }
    }
  };
}
