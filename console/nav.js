// SPDX-License-Identifier: MIT
// Client-side navigation: views live in the URL hash (#/instances, ...), so
// the single page works under /, /console/ and /console/callback alike.
// A flash message survives one navigation and is shown by the next view.

let flashMsg = null;

export function setFlash(text, kind = 'success') {
  flashMsg = { text, kind };
}

export function takeFlash() {
  const f = flashMsg;
  flashMsg = null;
  return f;
}

/** Go to a view; a hash equal to the current one re-renders it. */
export function go(hash, flash) {
  if (flash) setFlash(flash);
  if (location.pathname !== '/console/' || location.hash !== hash) {
    // leave /console/callback (and /) for the canonical console URL
    history.pushState(null, '', `/console/${hash}`);
  }
  window.dispatchEvent(new Event('console:navigate'));
}

/** The current hash route split into path segments and query. */
export function currentRoute() {
  const raw = location.hash.startsWith('#/') ? location.hash.slice(1) : '/instances';
  const [path, qs] = raw.split('?');
  return { path, segments: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(qs || '') };
}
