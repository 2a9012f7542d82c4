/**
 * Opens `count` WebSockets to `url` all at once, from its own process so the attack does not starve
 * the test that watches the node. Once every socket has settled (closed, or open with no close for a
 * second), prints one JSON line: how many are open, how many were closed with each code or failed. Then
 * holds the open sockets until stdin ends.
 *
 * Usage: node --import tsx flood-worker.ts <url> <count>
 */
import WebSocket from 'ws';

const [url, countArg] = process.argv.slice(2);
const count = Number(countArg);
const outcomes = new Map<string, number>();
const open = new Set<WebSocket>();
const all: WebSocket[] = [];
let settled = 0;
let lastEventAt = Date.now();

const note = (key: string): void => {
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  settled++;
  lastEventAt = Date.now();
};

const startedAt = Date.now();
for (let i = 0; i < count; i++) {
  const ws = new WebSocket(url!);
  all.push(ws);
  let failed = false;
  ws.on('open', () => {
    open.add(ws);
    lastEventAt = Date.now();
  });
  ws.on('close', (code) => {
    open.delete(ws);
    if (!failed) note(`close ${code}`);
  });
  ws.on('error', (error) => {
    if (failed) return;
    failed = true;
    open.delete(ws);
    note(`error ${error.message}`);
  });
}

const poll = setInterval(() => {
  if (settled + open.size < count || Date.now() - lastEventAt < 1000) return;
  clearInterval(poll);
  const summary = { open: open.size, ms: lastEventAt - startedAt, outcomes: Object.fromEntries(outcomes) };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}, 50);

process.stdin.resume();
process.stdin.on('end', () => {
  for (const ws of all) ws.terminate();
  process.exit(0);
});
