// The admin page: login, then a dashboard that polls cluster info every second and channels every two.
import { render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { call, logout, Unauthorized } from './api.js';
import { ThroughputChart } from './chart.js';
import { html } from './html.js';
import { ChannelsCard, DisconnectForm, Login, NodesTable, PublishForm, UserLookup } from './views.js';

const INFO_EVERY_MS = 1000;
const CHANNELS_EVERY_MS = 2000;
/** Chart points kept: five minutes of one-second readings. */
const WINDOW_POINTS = 300;

/** Runs `fn` now and every `ms` while mounted. */
function usePoll(fn, ms) {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    let stopped = false;
    let timer;
    const tick = async () => {
      await saved.current();
      if (!stopped) timer = setTimeout(tick, ms);
    };
    tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [ms]);
}

function Dashboard({ onUnauthorized }) {
  const [nodes, setNodes] = useState([]);
  const [rates, setRates] = useState({});
  const [series, setSeries] = useState([[], [], []]);
  const [channels, setChannels] = useState({});
  const [error, setError] = useState('');
  const previous = useRef(new Map());

  const failed = useCallback(
    (e) => {
      if (e instanceof Unauthorized) onUnauthorized();
      else setError(e.message);
    },
    [onUnauthorized],
  );

  usePoll(async () => {
    try {
      const result = await call('info');
      const now = Date.now();
      const next = {};
      let totalIn = 0;
      let totalOut = 0;
      let complete = true;
      for (const node of result.nodes) {
        const before = previous.current.get(node.uid);
        if (before === undefined) {
          complete = false;
        } else {
          const seconds = (now - before.at) / 1000;
          next[node.uid] = {
            in: Math.max(0, node.counters.publications - before.publications) / seconds,
            out: Math.max(0, node.counters.deliveries - before.deliveries) / seconds,
          };
          totalIn += next[node.uid].in;
          totalOut += next[node.uid].out;
        }
        previous.current.set(node.uid, { at: now, ...node.counters });
      }
      setNodes(result.nodes);
      setRates(next);
      setError('');
      if (complete || Object.keys(next).length > 0) {
        setSeries(([t, i, o]) => [
          [...t, now / 1000].slice(-WINDOW_POINTS),
          [...i, totalIn].slice(-WINDOW_POINTS),
          [...o, totalOut].slice(-WINDOW_POINTS),
        ]);
      }
    } catch (e) {
      failed(e);
    }
  }, INFO_EVERY_MS);

  usePoll(async () => {
    try {
      setChannels((await call('channels')).channels);
    } catch (e) {
      failed(e);
    }
  }, CHANNELS_EVERY_MS);

  const connections = nodes.reduce((n, node) => n + node.num_clients, 0);
  const last = series[1].length - 1;
  return html`<main>
    ${error && html`<p class="error banner" role="alert">${error}</p>`}
    <div class="summary">
      <div><span class="big">${nodes.length}</span> nodes</div>
      <div><span class="big">${connections.toLocaleString('en')}</span> connections</div>
      <div><span class="big">${last >= 0 ? Math.round(series[1][last]) : '–'}</span> in/s</div>
      <div><span class="big">${last >= 0 ? Math.round(series[2][last]) : '–'}</span> out/s</div>
    </div>
    <${NodesTable} nodes=${nodes} rates=${rates} />
    <section class="card">
      <h2>Throughput <span class="muted">cluster, last 5 minutes</span></h2>
      <${ThroughputChart} series=${series} />
    </section>
    <div class="grid">
      <${ChannelsCard} channels=${channels} />
      <div class="stack">
        <${UserLookup} />
        <${PublishForm} />
        <${DisconnectForm} />
      </div>
    </div>
  </main>`;
}

function App() {
  // null: finding out whether a login is needed (an insecure node answers without one).
  const [authed, setAuthed] = useState(null);
  useEffect(() => {
    call('info').then(
      () => setAuthed(true),
      () => setAuthed(false),
    );
  }, []);
  const signOut = useCallback(() => {
    logout();
    setAuthed(false);
  }, []);
  return html`<header>
      <span class="logo">Switchboard</span><span class="muted">admin</span>
      ${authed && html`<button class="secondary logout" onClick=${signOut}>Log out</button>`}
    </header>
    ${authed === false && html`<${Login} onLogin=${() => setAuthed(true)} />`}
    ${authed === true && html`<${Dashboard} onUnauthorized=${signOut} />`}`;
}

render(html`<${App} />`, document.getElementById('app'));
