/** Reads a node's `/metrics` and looks samples up by name and labels. */
import assert from 'node:assert/strict';

export class Scrape {
  constructor(
    /** The exposition text as served. */
    readonly text: string,
    private readonly samples: Map<string, number>,
  ) {}

  /** The sample `name{labels}`; labels in any order. Undefined when it is not exposed. */
  get(name: string, labels: Record<string, string> = {}): number | undefined {
    return this.samples.get(sampleKey(name, labels));
  }

  /** The sample, or 0 when it is not exposed yet (a labelled counter that never counted). */
  count(name: string, labels: Record<string, string> = {}): number {
    return this.get(name, labels) ?? 0;
  }
}

function sampleKey(name: string, labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((key) => `${key}="${labels[key]}"`);
  return parts.length === 0 ? name : `${name}{${parts.join(',')}}`;
}

/** `name{a="1",b="2"} 3` lines; labels are put in sorted order. */
export function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    assert.ok(match, `not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!;
    }
    samples.set(sampleKey(match[1]!, labels), Number(match[3]));
  }
  return samples;
}

export async function scrape(baseUrl: string): Promise<Scrape> {
  const res = await fetch(`${baseUrl}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return new Scrape(text, parseExposition(text));
}
