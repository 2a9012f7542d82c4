/** Compares two normalized transcripts and renders their differences as a line diff. */
import { canonical } from './normalize.js';
import type { Transcript } from './transcript.js';

/** One transcript entry as one line of canonical JSON. */
export function lines(transcript: Transcript): string[] {
  return transcript.map((e) => JSON.stringify(canonical(e)));
}

/** The outcome of comparing Centrifugo's transcript with Switchboard's. */
export interface Comparison {
  equal: boolean;
  /** Lines prefixed `  ` (both), `- ` (Centrifugo only), `+ ` (Switchboard only). */
  diff: string[];
}

/** Compares the canonical lines of both transcripts (longest common subsequence diff). */
export function compare(centrifugo: Transcript, switchboard: Transcript): Comparison {
  const a = lines(centrifugo);
  const b = lines(switchboard);
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const diff: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      diff.push(`  ${a[i++]}`);
      j++;
    } else if (j >= m || (i < n && lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      diff.push(`- ${a[i++]}`);
    } else {
      diff.push(`+ ${b[j++]}`);
    }
  }
  return { equal: n === m && diff.every((l) => l.startsWith('  ')), diff };
}
