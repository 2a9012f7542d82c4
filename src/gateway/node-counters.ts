/**
 * Totals since the node started, read by `info`, the metrics endpoint and the admin UI (rates are
 * differences between two readings). Plain number fields: an increment is their whole cost on the
 * hot path.
 */
export class NodeCounters {
  /** Publications the broker delivered to this node, before conflation. */
  publications = 0;
  /** Publication pushes queued to client connections. */
  deliveries = 0;
}
