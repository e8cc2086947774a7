// SPDX-License-Identifier: MIT
// The platform API client and the console session. The bearer token lives
// in memory and in sessionStorage (this tab only, gone when it closes);
// never in localStorage. The user and organization secrets are kept in
// memory only, fetched when needed.

export const BASE = '/elements/api-v2';
const SESSION_KEY = 'elementsd.session';

export class ApiError extends Error {
  constructor(status, message, { providerMessage, requestId, hint } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.providerMessage = providerMessage || null;
    this.requestId = requestId || null;
    this.hint = hint || null;
  }
}

let session = loadSession();
let secrets = null; // {userSecret, organizationSecret}, memory only
let expiredHandler = () => {};
let expiryTimer = null;

function loadSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    if (s && typeof s.token === 'string' && typeof s.expiresAt === 'number') return s;
  } catch {
    /* corrupt: ignore */
  }
  return null;
}

export function getSession() {
  if (session && Date.now() >= session.expiresAt) {
    endSession();
    return null;
  }
  return session;
}

/** Called with a plain-words reason whenever the session ends by itself. */
export function onSessionExpired(fn) {
  expiredHandler = fn;
}

function armExpiry() {
  clearTimeout(expiryTimer);
  if (!session) return;
  const ms = Math.max(0, session.expiresAt - Date.now());
  // setTimeout caps at ~24.8 days; sessions are far shorter
  expiryTimer = setTimeout(() => {
    endSession();
    expiredHandler('Your session has expired. Please log in again.');
  }, Math.min(ms, 2 ** 31 - 1));
}

export function endSession() {
  clearTimeout(expiryTimer);
  session = null;
  secrets = null;
  sessionStorage.removeItem(SESSION_KEY);
}

/** On page load: 'active', 'expired' (a stored session ran out) or 'none'. */
export function resumeSession() {
  if (!session) return 'none';
  if (!getSession()) return 'expired';
  armExpiry();
  return 'active';
}

export async function login(email, password) {
  const r = await request('POST', '/authentication', { body: { username: email, password }, auth: 'none' });
  if (!r || typeof r.token !== 'string') throw new ApiError(500, 'The server did not return a session token.');
  const ttl = Number(r.expiresIn) > 0 ? Number(r.expiresIn) : 3600;
  session = { token: r.token, email, expiresAt: Date.now() + ttl * 1000 };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  armExpiry();
  return session;
}

export async function logout() {
  if (session) {
    try {
      await request('DELETE', '/authentication', { quiet401: true });
    } catch {
      /* the session ends here either way */
    }
  }
  endSession();
}

/** The user and organization secrets (fetched once per session). */
export async function getSecrets() {
  if (!secrets) {
    const r = await request('GET', '/authentication/secrets');
    secrets = { userSecret: r.userSecret, organizationSecret: r.organizationSecret };
  }
  return secrets;
}

function buildUrl(path, query) {
  let url = BASE + path;
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (Array.isArray(v)) v.forEach((x) => qs.append(k, x));
      else if (v !== undefined && v !== null && v !== '') qs.append(k, String(v));
    }
    const s = qs.toString();
    if (s) url += `?${s}`;
  }
  return url;
}

export function apiUrl(path, query) {
  return new URL(buildUrl(path, query), location.origin).href;
}

/**
 * One API call. auth: 'bearer' (the console session, default) or 'none'
 * (headers.Authorization may carry other credentials). Resolves with the
 * parsed JSON body; rejects with an ApiError carrying the server's message.
 */
export async function request(method, path, opts = {}) {
  const { body, query, headers = {}, auth = 'bearer', quiet401 = false } = opts;
  const hdrs = { Accept: 'application/json', ...headers };
  if (auth === 'bearer') {
    const s = getSession();
    if (!s) {
      if (!quiet401) expiredHandler('Your session has expired. Please log in again.');
      throw new ApiError(401, 'You are not logged in.');
    }
    hdrs.Authorization = `Bearer ${s.token}`;
  }
  if (body !== undefined) hdrs['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(buildUrl(path, query), {
      method,
      headers: hdrs,
      body: body !== undefined ? JSON.stringify(body) : undefined,
      cache: 'no-store',
      credentials: 'omit',
      redirect: 'error',
    });
  } catch {
    throw new ApiError(0, 'Cannot reach elementsd. Check that the server is running and your network connection, then try again.');
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const msg = data && typeof data.message === 'string' && data.message
      ? data.message
      : `The server answered with HTTP ${res.status}${res.statusText ? ` (${res.statusText})` : ''}.`;
    const err = new ApiError(res.status, msg, {
      providerMessage: data && typeof data.providerMessage === 'string' ? data.providerMessage : null,
      requestId: (data && data.requestId) || res.headers.get('Elements-Request-Id'),
    });
    if (res.status === 401 && auth === 'bearer') {
      endSession();
      if (!quiet401) expiredHandler('Your session has expired or was ended. Please log in again.');
    }
    throw err;
  }
  return data;
}
