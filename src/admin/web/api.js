// Calls to the node's admin endpoints. The session token lives in sessionStorage: one browser tab.
const TOKEN_KEY = 'switchboard-admin-token';

export class Unauthorized extends Error {}

export async function login(password) {
  const res = await fetch('auth', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password }),
  });
  if (res.status === 401) throw new Error('Wrong password');
  if (!res.ok) throw new Error(`Login failed: HTTP ${res.status}`);
  const body = await res.json();
  sessionStorage.setItem(TOKEN_KEY, body.token);
}

export function logout() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Runs a server API method; resolves with its result, throws its error. */
export async function call(method, params = {}) {
  const headers = { 'content-type': 'application/json' };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token !== null) headers.authorization = `token ${token}`;
  const res = await fetch(`api/${method}`, { method: 'POST', headers, body: JSON.stringify(params) });
  if (res.status === 401) throw new Unauthorized('Session expired: log in again');
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  if (body.error !== undefined) throw new Error(`${body.error.message} (code ${body.error.code})`);
  return body.result;
}
