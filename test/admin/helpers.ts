/** Calls to a node's admin endpoints, as the admin page makes them. */
export const ADMIN_PASSWORD = 'admin-password-for-tests';

export const adminConfig = { admin: { enabled: true, password: ADMIN_PASSWORD } };

export async function adminLogin(baseUrl: string, password = ADMIN_PASSWORD): Promise<Response> {
  return fetch(`${baseUrl}/admin/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password }),
  });
}

/** Logs in and resolves with the session token. */
export async function adminToken(baseUrl: string): Promise<string> {
  const res = await adminLogin(baseUrl);
  if (res.status !== 200) throw new Error(`admin login: HTTP ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

/** `POST /admin/api/<method>` with `Authorization: token <token>` (none when `token` is undefined). */
export async function adminCall(
  baseUrl: string,
  token: string | undefined,
  method: string,
  params: unknown = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers['authorization'] = `token ${token}`;
  const res = await fetch(`${baseUrl}/admin/api/${method}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
