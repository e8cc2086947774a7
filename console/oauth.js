// SPDX-License-Identifier: MIT
// The OAuth 2 round trip through HubSpot's consent page.
//
// Before leaving, the console stores the pending form under a fresh random
// `state` (256 bits from crypto.getRandomValues) in sessionStorage, so the
// state is bound to this browser tab. When HubSpot sends the browser back
// to /console/callback, the state must name a pending flow of this tab that
// is less than 10 minutes old; it is deleted on first use. Anything else
// (forged, replayed, expired, missing) creates nothing and says why.

import { request } from './api.js';

const PREFIX = 'elementsd.oauth.pending.';
const USED_KEY = 'elementsd.oauth.used';
export const STATE_TTL_MS = 10 * 60 * 1000;

function b64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function newState() {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return b64url(bytes);
}

const STATE_RE = /^[A-Za-z0-9_-]{43}$/;

/** Forget pending flows older than the state lifetime. */
export function prunePending() {
  const now = Date.now();
  for (let i = sessionStorage.length - 1; i >= 0; i -= 1) {
    const k = sessionStorage.key(i);
    if (!k || !k.startsWith(PREFIX)) continue;
    try {
      const f = JSON.parse(sessionStorage.getItem(k));
      if (!f || typeof f.createdAt !== 'number' || now - f.createdAt > STATE_TTL_MS) sessionStorage.removeItem(k);
    } catch {
      sessionStorage.removeItem(k);
    }
  }
}

function usedStates() {
  try {
    const u = JSON.parse(sessionStorage.getItem(USED_KEY) || '[]');
    return Array.isArray(u) ? u : [];
  } catch {
    return [];
  }
}

function markUsed(state) {
  const u = usedStates().filter((s) => s !== state);
  u.push(state);
  sessionStorage.setItem(USED_KEY, JSON.stringify(u.slice(-20)));
}

/**
 * Start the round trip: ask elementsd for HubSpot's authorize URL under a
 * new state (POST: the client secret stays out of URLs), remember the flow
 * under that state and send the browser there.
 * flow: {mode: 'create'|'reauth', elementKey, instanceId?, name?, tags?,
 *        configuration, legacy?, returnTo}
 * legacy: HubSpot's legacy OAuth (oauth.api.secret holds the Portal ID; the
 * answer carries access_token/refresh_token/expires_in instead of a code).
 */
export async function startOAuth(flow) {
  prunePending();
  const cfg = flow.configuration;
  const state = newState();
  const body = {
    apiKey: cfg['oauth.api.key'],
    callbackUrl: cfg['oauth.callback.url'],
    scope: cfg['oauth.scope'] || undefined,
    state,
  };
  if (cfg['oauth.api.secret']) body.apiSecret = cfg['oauth.api.secret'];
  const r = await request('POST', `/elements/${encodeURIComponent(flow.elementKey)}/oauth/url`, { body });
  const url = r && typeof r.oauthUrl === 'string' ? r.oauthUrl : '';
  if (!/^https?:\/\//i.test(url)) {
    throw new Error('elementsd returned no usable HubSpot authorization URL.');
  }
  const params = new URL(url).searchParams;
  if (params.get('state') !== state) {
    throw new Error('elementsd returned a HubSpot authorization URL without this attempt’s state, so its answer could not be checked. Nothing was sent to HubSpot.');
  }
  // elementsd reads a client secret of digits only as a Portal ID
  if (params.has('portalId') !== Boolean(flow.legacy)) {
    throw new Error(flow.legacy
      ? 'This element did not offer a legacy OAuth URL for that Portal ID (it must be digits only).'
      : 'A client secret of digits only is read as a HubSpot Portal ID: choose “Legacy OAuth” or check the client secret.');
  }
  sessionStorage.setItem(PREFIX + state, JSON.stringify({ ...flow, legacy: Boolean(flow.legacy), createdAt: Date.now() }));
  location.assign(url);
}

/**
 * Take the pending flow named by state (single use).
 * Returns {ok: true, flow} or {ok: false, reason, message}.
 */
export function takePending(state) {
  prunePendingExcept(state);
  if (!state) {
    return {
      ok: false,
      reason: 'missing',
      message: 'The answer from HubSpot carries no state value, so it cannot be matched to a connection started in this browser. Nothing was created.',
    };
  }
  const raw = STATE_RE.test(state) ? sessionStorage.getItem(PREFIX + state) : null;
  if (!raw) {
    if (usedStates().includes(state)) {
      return {
        ok: false,
        reason: 'replayed',
        message: 'This answer from HubSpot was already used. Each connection attempt can finish only once, so nothing new was created. Start again from the form if you need another connection.',
      };
    }
    return {
      ok: false,
      reason: 'unknown',
      message: 'This answer from HubSpot does not match any connection started in this browser tab (unknown state). It may be forged, or come from another tab or browser session. Nothing was created.',
    };
  }
  sessionStorage.removeItem(PREFIX + state);
  markUsed(state);
  let flow = null;
  try {
    flow = JSON.parse(raw);
  } catch {
    flow = null;
  }
  if (!flow || typeof flow.createdAt !== 'number') {
    return { ok: false, reason: 'unknown', message: 'The saved connection attempt could not be read. Nothing was created; please start again.' };
  }
  if (Date.now() - flow.createdAt > STATE_TTL_MS) {
    return {
      ok: false,
      reason: 'expired',
      flow,
      message: 'This connection attempt was started more than 10 minutes ago and has expired. Nothing was created; please start again.',
    };
  }
  return { ok: true, flow };
}

// Expired entries are removed, but the one being looked up is kept so that
// its expiry can be reported as such.
function prunePendingExcept(state) {
  const keep = state && STATE_RE.test(state) ? sessionStorage.getItem(PREFIX + state) : null;
  prunePending();
  if (keep !== null) sessionStorage.setItem(PREFIX + state, keep);
}

/** Does the answer carry what the flow expects (a code, or legacy tokens)? */
export function answerComplete(flow, cb) {
  return flow && flow.legacy ? Boolean(cb.accessToken && cb.refreshToken) : Boolean(cb.code);
}

/** Parse the OAuth return parameters of a /console/callback URL. */
export function readCallback(search) {
  const p = new URLSearchParams(search);
  const get = (k) => (p.has(k) ? p.get(k) : null);
  return {
    code: get('code'),
    state: get('state'),
    error: get('error'),
    errorDescription: get('error_description'),
    accessToken: get('access_token'),
    refreshToken: get('refresh_token'),
    expiresIn: get('expires_in'),
  };
}

/** Finish a flow: create the instance or re-authenticate it. */
export async function completeFlow(flow, cb) {
  const expires = cb.expiresIn && /^\d{1,9}$/.test(cb.expiresIn) ? Number(cb.expiresIn) : undefined;
  const providerData = flow.legacy
    ? { access_token: cb.accessToken, refresh_token: cb.refreshToken, expires_in: expires }
    : { code: cb.code };
  if (flow.mode === 'reauth') {
    return request('PATCH', `/instances/${encodeURIComponent(flow.instanceId)}`, {
      body: { providerData, configuration: flow.configuration },
    });
  }
  const body = {
    element: { key: flow.elementKey },
    providerData,
    configuration: flow.configuration,
    name: flow.name,
  };
  if (Array.isArray(flow.tags) && flow.tags.length) body.tags = flow.tags;
  return request('POST', '/instances', { body });
}
