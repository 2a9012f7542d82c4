// The dashboard's cards: nodes, channels, user lookup, publish, disconnect; and the login form.
import { useState } from 'preact/hooks';
import { call, login } from './api.js';
import { bytes, count, duration, rate } from './format.js';
import { html } from './html.js';

export function Login({ onLogin }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const submit = async (event) => {
    event.preventDefault();
    setError('');
    try {
      await login(password);
      onLogin();
    } catch (e) {
      setError(e.message);
    }
  };
  return html`<form class="card login" onSubmit=${submit}>
    <h1>Switchboard admin</h1>
    <label>Password
      <input type="password" name="password" autofocus autocomplete="current-password"
        value=${password} onInput=${(e) => setPassword(e.target.value)} />
    </label>
    <button type="submit">Log in</button>
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </form>`;
}

/** `nodes`: info's nodes; `rates`: uid → {in, out} per second. */
export function NodesTable({ nodes, rates }) {
  return html`<section class="card">
    <h2>Nodes <span class="muted">${nodes.length}</span></h2>
    <table class="nodes">
      <thead><tr>
        <th>Name</th><th class="num">Connections</th><th class="num">Users</th><th class="num">Subscriptions</th>
        <th class="num">Channels</th><th class="num">In/s</th><th class="num">Out/s</th><th class="num">Memory</th>
        <th class="num">Uptime</th><th>Version</th>
      </tr></thead>
      <tbody>${nodes.map(
        (n) => html`<tr key=${n.uid} data-node=${n.name}>
          <td>${n.name}</td><td class="num" data-col="connections">${count(n.num_clients)}</td>
          <td class="num">${count(n.num_users)}</td><td class="num">${count(n.num_subs)}</td>
          <td class="num">${count(n.num_channels)}</td><td class="num">${rate(rates[n.uid]?.in)}</td>
          <td class="num">${rate(rates[n.uid]?.out)}</td><td class="num" title="heap ${bytes(n.process.heap_used)}">${bytes(n.process.rss)}</td>
          <td class="num">${duration(n.uptime)}</td><td class="muted">${n.version}</td>
        </tr>`,
      )}</tbody>
    </table>
  </section>`;
}

/** `channels`: name → {num_clients}. */
export function ChannelsCard({ channels }) {
  const [filter, setFilter] = useState('');
  const rows = Object.entries(channels)
    .filter(([name]) => name.includes(filter))
    .sort((a, b) => b[1].num_clients - a[1].num_clients || a[0].localeCompare(b[0]));
  const shown = rows.slice(0, 500);
  return html`<section class="card">
    <h2>Channels <span class="muted">${Object.keys(channels).length}</span></h2>
    <input type="search" class="filter" placeholder="Filter channels" aria-label="Filter channels"
      value=${filter} onInput=${(e) => setFilter(e.target.value)} />
    <div class="scroll">
      <table class="channels">
        <thead><tr><th>Channel</th><th class="num">Subscribers</th></tr></thead>
        <tbody>${shown.map(
          ([name, c]) =>
            html`<tr key=${name} data-channel=${name}><td>${name}</td><td class="num">${count(c.num_clients)}</td></tr>`,
        )}</tbody>
      </table>
      ${rows.length === 0 && html`<p class="muted">No channels with subscribers${filter && ' match the filter'}.</p>`}
      ${rows.length > shown.length && html`<p class="muted">Showing ${shown.length} of ${rows.length}.</p>`}
    </div>
  </section>`;
}

export function UserLookup() {
  const [user, setUser] = useState('');
  const [found, setFound] = useState(null);
  const [error, setError] = useState('');
  const submit = async (event) => {
    event.preventDefault();
    setError('');
    try {
      const result = await call('connections', { user });
      setFound({ user, connections: Object.values(result.connections) });
    } catch (e) {
      setError(e.message);
    }
  };
  return html`<section class="card">
    <h2>Look up a user</h2>
    <form class="row" onSubmit=${submit}>
      <input name="user" placeholder="User ID" aria-label="User ID" required value=${user}
        onInput=${(e) => setUser(e.target.value)} />
      <button type="submit">Look up</button>
    </form>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${
      found &&
      html`<div class="result user-result">
      <p><b>${found.user}</b>: ${found.connections.length} connection${found.connections.length === 1 ? '' : 's'}</p>
      ${
        found.connections.length > 0 &&
        html`<table>
        <thead><tr><th>Node</th><th>Client ID</th><th>Channels</th></tr></thead>
        <tbody>${found.connections.map(
          (
            c,
          ) => html`<tr key=${c.client}><td data-col="node">${c.node_name}</td><td class="mono">${c.client}</td>
            <td>${c.channels.join(', ')}</td></tr>`,
        )}</tbody>
      </table>`
      }
    </div>`
    }
  </section>`;
}

export function PublishForm() {
  const [channel, setChannel] = useState('');
  const [data, setData] = useState('{"text": "hello from the admin UI"}');
  const [outcome, setOutcome] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    let parsed;
    try {
      parsed = JSON.parse(data);
    } catch (e) {
      setOutcome({ ok: false, text: `Data is not valid JSON: ${e.message}` });
      return;
    }
    try {
      const result = await call('publish', { channel, data: parsed });
      const position =
        result.offset === undefined ? '' : ` at offset ${result.offset}, epoch ${result.epoch}`;
      setOutcome({ ok: true, text: `Published to ${channel}${position}.` });
    } catch (e) {
      setOutcome({ ok: false, text: e.message });
    }
  };
  return html`<section class="card">
    <h2>Publish a test message</h2>
    <form class="stack" onSubmit=${submit}>
      <input name="channel" placeholder="Channel" aria-label="Channel" required value=${channel}
        onInput=${(e) => setChannel(e.target.value)} />
      <textarea name="data" rows="4" aria-label="Data (JSON)" spellcheck="false" value=${data}
        onInput=${(e) => setData(e.target.value)}></textarea>
      <button type="submit">Publish</button>
    </form>
    ${outcome && html`<p class=${outcome.ok ? 'ok publish-result' : 'error publish-result'} role="status">${outcome.text}</p>`}
  </section>`;
}

export function DisconnectForm() {
  const [user, setUser] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [outcome, setOutcome] = useState(null);
  const ask = (event) => {
    event.preventDefault();
    setOutcome(null);
    setConfirming(true);
  };
  const confirm = async () => {
    setConfirming(false);
    try {
      await call('disconnect', { user });
      setOutcome({ ok: true, text: `Disconnected every connection of ${user}.` });
    } catch (e) {
      setOutcome({ ok: false, text: e.message });
    }
  };
  return html`<section class="card">
    <h2>Disconnect a user</h2>
    <form class="row" onSubmit=${ask}>
      <input name="user" placeholder="User ID" aria-label="User ID to disconnect" required value=${user}
        onInput=${(e) => {
          setUser(e.target.value);
          setConfirming(false);
        }} />
      <button type="submit" class="danger">Disconnect…</button>
    </form>
    ${
      confirming &&
      html`<div class="confirm" role="alertdialog">
      <p>Close every connection of <b>${user}</b> on all nodes? Clients are told not to reconnect (code 3503).</p>
      <button class="danger" onClick=${confirm}>Yes, disconnect</button>
      <button class="secondary" onClick=${() => setConfirming(false)}>Cancel</button>
    </div>`
    }
    ${outcome && html`<p class=${outcome.ok ? 'ok disconnect-result' : 'error disconnect-result'} role="status">${outcome.text}</p>`}
  </section>`;
}
