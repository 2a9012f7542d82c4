// The Switchboard chat demo: rooms are channels of the `chat` namespace, direct messages arrive on
// the personal channel `#<user>` the server subscribes every connection to.

const { Centrifuge } = globalThis;
const ROOM_PREFIX = 'chat:';
const HISTORY_LIMIT = 50;
const NAME = /^[A-Za-z0-9_-]{1,32}$/;
const $ = (id) => document.getElementById(id);

const state = {
  user: '',
  token: '',
  client: null,
  /** room name → { sub, messages, pending, loading, clients: Map<clientId, user> } */
  rooms: new Map(),
  current: '',
};

async function fetchToken(user) {
  const res = await fetch(`/demo/token?user=${encodeURIComponent(user)}`);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || `token request failed: ${res.status}`);
  state.token = body.token;
  return body.token;
}

function setStatus(text, connected) {
  $('status').textContent = text;
  $('status').classList.toggle('connected', connected);
}

async function login(user) {
  await fetchToken(user);
  state.user = user;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const client = new Centrifuge(`${scheme}://${location.host}/connection/websocket`, {
    token: state.token,
    getToken: () => fetchToken(user),
  });
  client.on('connecting', () => setStatus('connecting', false));
  client.on('connected', () => setStatus('connected', true));
  client.on('disconnected', (ctx) => setStatus(`disconnected: ${ctx.reason}`, false));
  // Server-side subscriptions: the personal channel carries direct messages.
  client.on('publication', (ctx) => {
    const dm = ctx.data;
    if (dm && typeof dm.text === 'string') addDirectMessage(dm);
  });
  state.client = client;
  client.connect();
  $('login').hidden = true;
  $('chat').hidden = false;
  $('me').textContent = user;
  for (const room of ['lobby', 'random']) addRoom(room);
  joinRoom('lobby');
}

function addRoom(name) {
  if (state.rooms.has(name)) return state.rooms.get(name);
  const sub = state.client.newSubscription(ROOM_PREFIX + name);
  const room = { name, sub, messages: [], pending: [], loading: false, clients: new Map() };
  sub.on('subscribed', () => loadRoom(room));
  sub.on('publication', (ctx) => {
    const message = { offset: ctx.offset, user: ctx.info?.user ?? '?', text: String(ctx.data?.text ?? '') };
    if (room.loading) room.pending.push(message);
    else room.messages.push(message);
    if (room.name === state.current) renderMessages();
  });
  sub.on('join', (ctx) => {
    room.clients.set(ctx.info.client, ctx.info.user);
    room.messages.push({ event: `${ctx.info.user} joined` });
    if (room.name === state.current) renderRoom();
  });
  sub.on('leave', (ctx) => {
    room.clients.delete(ctx.info.client);
    room.messages.push({ event: `${ctx.info.user} left` });
    if (room.name === state.current) renderRoom();
  });
  sub.on('error', (ctx) => console.error('subscription error', room.name, ctx.error));
  state.rooms.set(name, room);
  renderRooms();
  return room;
}

/** On every (re)subscribe: the latest history and who is here, then what arrived meanwhile. */
async function loadRoom(room) {
  room.loading = true;
  room.pending = [];
  try {
    const [history, presence] = await Promise.all([
      room.sub.history({ limit: HISTORY_LIMIT, reverse: true }),
      room.sub.presence(),
    ]);
    const messages = history.publications.reverse().map((p) => ({
      offset: p.offset,
      user: p.info?.user ?? '?',
      text: String(p.data?.text ?? ''),
    }));
    const last = messages.length > 0 ? messages[messages.length - 1].offset : -1;
    room.messages = messages.concat(room.pending.filter((m) => m.offset > last));
    room.clients = new Map(Object.values(presence.clients).map((c) => [c.client, c.user]));
  } catch (error) {
    console.error('loading room failed', room.name, error);
  } finally {
    room.loading = false;
    room.pending = [];
  }
  if (room.name === state.current) renderRoom();
}

function joinRoom(name) {
  if (name === state.current) return;
  const previous = state.rooms.get(state.current);
  if (previous) previous.sub.unsubscribe();
  const room = addRoom(name);
  state.current = name;
  room.messages = [];
  room.clients = new Map();
  room.sub.subscribe();
  renderRooms();
  renderRoom();
}

function renderRooms() {
  const list = $('rooms');
  list.replaceChildren();
  for (const name of state.rooms.keys()) {
    const li = document.createElement('li');
    li.textContent = `# ${name}`;
    li.dataset.room = name;
    li.classList.toggle('active', name === state.current);
    li.addEventListener('click', () => joinRoom(name));
    list.append(li);
  }
}

function renderRoom() {
  $('room-title').textContent = `# ${state.current}`;
  const room = state.rooms.get(state.current);
  const users = [...new Set(room ? room.clients.values() : [])].sort();
  const list = $('presence');
  list.replaceChildren();
  for (const user of users) {
    const li = document.createElement('li');
    li.textContent = user;
    li.title = 'Send a direct message';
    li.addEventListener('click', () => {
      $('dm-to').value = user;
      $('dm-text').focus();
    });
    list.append(li);
  }
  renderMessages();
}

function messageItem(user, text, mine) {
  const li = document.createElement('li');
  if (mine) li.classList.add('mine');
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = user;
  li.append(who, document.createTextNode(text));
  return li;
}

function renderMessages() {
  const room = state.rooms.get(state.current);
  const list = $('messages');
  list.replaceChildren(
    ...(room ? room.messages : []).map((m) => {
      if (m.event === undefined) return messageItem(m.user, m.text, m.user === state.user);
      const li = document.createElement('li');
      li.className = 'event';
      li.textContent = m.event;
      return li;
    }),
  );
  list.scrollTop = list.scrollHeight;
}

function addDirectMessage(dm) {
  const label = dm.from === state.user ? `to ${dm.to}` : `from ${dm.from}`;
  const list = $('dms');
  list.append(messageItem(label, dm.text, dm.from === state.user));
  list.scrollTop = list.scrollHeight;
}

async function sendDirectMessage(to, text) {
  const res = await fetch('/demo/dm', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${state.token}` },
    body: JSON.stringify({ to, text }),
  });
  if (!res.ok) throw new Error((await res.json()).error || `direct message failed: ${res.status}`);
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const user = $('login-name').value.trim();
  if (!NAME.test(user)) {
    $('login-error').textContent = 'Use 1 to 32 letters, digits, "_" or "-".';
    return;
  }
  login(user).catch((error) => {
    $('login-error').textContent = error.message;
  });
});

$('room-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = $('room-name').value.trim();
  if (!NAME.test(name)) return;
  $('room-name').value = '';
  joinRoom(name);
});

$('send-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('send-text').value.trim();
  const room = state.rooms.get(state.current);
  if (text === '' || !room) return;
  $('send-text').value = '';
  room.sub.publish({ text }).catch((error) => console.error('publish failed', error));
});

$('dm-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const to = $('dm-to').value.trim();
  const text = $('dm-text').value.trim();
  if (!NAME.test(to) || text === '') return;
  $('dm-text').value = '';
  $('dm-error').textContent = '';
  sendDirectMessage(to, text).catch((error) => {
    $('dm-error').textContent = error.message;
  });
});
