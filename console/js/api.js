// Every call goes to the public API with the session cookie; changes carry the CSRF token.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export const session = { current: null };
const listeners = new Set();

/** Called with no argument when the server says the session is gone. */
export function onSignedOut(fn) {
  listeners.add(fn);
}

export async function api(method, path, body, headers = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && session.current) init.headers['X-CSRF-Token'] = session.current.csrfToken;
  const res = await fetch(path, init);
  if (res.status === 204) return { body: null, res };
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    if (res.status === 401 && session.current && !path.startsWith('/console/session')) {
      session.current = null;
      for (const fn of listeners) fn();
    }
    throw new ApiError(res.status, data);
  }
  return { body: data, res };
}

export const get = async (path) => (await api('GET', path)).body;

export async function loadSession() {
  try {
    session.current = await get('/console/session');
  } catch (err) {
    if (err.status !== 401) throw err;
    session.current = null;
  }
  return session.current;
}

export async function signIn(credentials) {
  session.current = (await api('POST', '/console/session', credentials)).body;
  return session.current;
}

export async function signOut() {
  try {
    await api('DELETE', '/console/session');
  } finally {
    session.current = null;
  }
}

/** '/v1/contacts' + { q: 'ada', status: '' } → '/v1/contacts?q=ada' (empty values left out). */
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
