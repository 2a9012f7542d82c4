/**
 * A counter with labels `method` and `result`, whose labelled children are looked up once and then
 * kept: an increment on the hot path is a Map lookup and an addition, not prom-client's label hashing.
 * Both labels take values from small fixed sets (method names, error codes), so the cache stays small.
 */
import type { Counter } from 'prom-client';

type Child = Counter.Internal;

export class LabelledCounter {
  /** method → result → child. */
  private readonly children = new Map<string, Map<string, Child>>();

  constructor(private readonly counter: Counter<string>) {}

  inc(method: string, result: string): void {
    let byResult = this.children.get(method);
    if (byResult === undefined) {
      byResult = new Map();
      this.children.set(method, byResult);
    }
    let child = byResult.get(result);
    if (child === undefined) {
      child = this.counter.labels(method, result);
      byResult.set(result, child);
    }
    child.inc();
  }
}
