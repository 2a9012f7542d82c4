/** Origin check for the WebSocket upgrade: patterns with `*` wildcards; an empty list allows all. */
export function originAllowed(patterns: readonly string[], origin: string | undefined): boolean {
  if (patterns.length === 0) return true;
  // Requests without Origin come from non-browser clients, which origin checks cannot restrict.
  if (origin === undefined) return true;
  const value = origin.toLowerCase();
  return patterns.some((pattern) => {
    if (pattern === '*') return true;
    const escaped = pattern
      .toLowerCase()
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*');
    return new RegExp(`^${escaped}$`).test(value);
  });
}
