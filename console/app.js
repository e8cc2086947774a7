// SPDX-License-Identifier: MIT
// The elementsd web console: boot, routing, log in/out, the account page and
// the OAuth return page. No framework, no build step; plain ES modules
// served from the binary under /console/.

import { getSecrets, getSession, login, logout, onSessionExpired, request, resumeSession } from './api.js';
import { renderAudit } from './audit.js';
import { errorBox, field, fill, h, notice, progress, secretValue, timeEl, working } from './dom.js';
import { renderCatalogue, renderNewInstance } from './elements.js';
import { renderDetail, renderEdit, renderList, renderReauth, renderTry } from './instances.js';
import { currentRoute, go, takeFlash } from './nav.js';
import { renderObject, renderObjects } from './objects.js';
import { renderApiDocs, renderDocsIndex } from './apidocs.js';
import { renderDashboard } from './dashboard.js';
import { renderTraces } from './traces.js';
import { renderUsers } from './users.js';
import { answerComplete, completeFlow, prunePending, readCallback, takePending } from './oauth.js';

const main = document.getElementById('main');
const topbar = document.getElementById('topbar');
let flashBox;
let generation = 0;
let lastHref = null;
let pendingCallback = null; // an OAuth return waiting for a log-in

/* --- chrome ---------------------------------------------------------------- */

function showChrome(on) {
  topbar.hidden = !on;
  const s = getSession();
  document.getElementById('who-email').textContent = on && s ? s.email : '';
}

function markNav(section) {
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function focusHeading() {
  const h1 = main.querySelector('h1');
  if (h1) {
    if (!h1.hasAttribute('tabindex')) h1.setAttribute('tabindex', '-1');
    h1.focus({ preventScroll: true });
  }
}

function showFlash() {
  const f = takeFlash();
  fill(flashBox);
  if (f) flashBox.append(notice(f.kind === 'error' ? 'error' : 'success', f.text));
}

/* --- log in / log out --------------------------------------------------------- */

function showLogin(message, kind = 'info') {
  generation += 1;
  lastHref = location.href;
  showChrome(false);
  fill(flashBox);
  markNav(null);
  document.title = 'Log in · elementsd';
  const email = h('input', { type: 'email', name: 'username', autocomplete: 'username', spellcheck: 'false' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password' });
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', id: 'login-submit' }, 'Log in');
  const form = h('form', { class: 'form', id: 'login-form', 'data-busy': '' },
    field({ label: 'Email', control: email, required: true }),
    field({ label: 'Password', control: password, required: true }),
    status,
    submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(status);
    if (!form.reportValidity()) return;
    try {
      await working(submit, () => login(email.value.trim(), password.value), 'Logging in…');
    } catch (err) {
      fill(status, errorBox(err, err.status === 401 ? 'Log in failed.' : 'Could not log in.'));
      password.select();
      return;
    }
    route(true);
  });
  fill(main,
    h('div', { class: 'login' },
      h('div', { class: 'card login-card' },
        h('div', { class: 'login-brand' }, h('img', { src: '/console/favicon.svg', alt: '', width: 48, height: 48 }), h('span', {}, 'elementsd')),
        h('h1', { tabindex: '-1' }, 'Log in to the console'),
        message ? notice(kind, message) : null,
        pendingCallback ? notice('info', 'Log in to finish connecting your HubSpot account.') : null,
        form)));
  email.focus();
}

async function doLogout(btn) {
  await working(btn, () => logout(), 'Logging out…');
  pendingCallback = null;
  showLogin('You are logged out.');
}

/* --- account --------------------------------------------------------------- */

async function renderAccount(alive) {
  fill(main, h('h1', { tabindex: '-1' }, 'Account'), progress('Loading your account…'));
  let me;
  try {
    me = await request('GET', '/authentication/me');
  } catch (err) {
    if (alive()) fill(main, h('h1', { tabindex: '-1' }, 'Account'), errorBox(err, 'Your account could not be loaded.'));
    return;
  }
  if (!alive()) return;
  const s = getSession();
  const name = [me.firstName, me.lastName].filter(Boolean).join(' ');
  fill(main,
    h('h1', { tabindex: '-1' }, 'Account'),
    h('section', { class: 'card', 'aria-labelledby': 'me-title' },
      h('h2', { id: 'me-title' }, 'Signed in'),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Email'), h('dd', {}, me.emailAddress || '—'),
        h('dt', {}, 'Name'), h('dd', {}, name || '—'),
        h('dt', {}, 'User ID'), h('dd', {}, String(me.id)),
        h('dt', {}, 'Organization ID'), h('dd', {}, String(me.organizationId)),
        h('dt', {}, 'Session ends'), h('dd', {}, s ? timeEl(new Date(s.expiresAt).toISOString()) : '—'))),
    h('section', { class: 'card', 'aria-labelledby': 'sec-title' },
      h('h2', { id: 'sec-title' }, 'API secrets'),
      h('p', {}, 'Platform calls from your applications authenticate with ',
        h('code', {}, 'Authorization: User <user secret>, Organization <organization secret>'),
        ', plus ', h('code', {}, 'Element <instance token>'), ' for hub calls. Keep these secret.'),
      h('div', { class: 'secret-row', id: 'user-secret' },
        h('h3', {}, 'User secret'),
        secretValue({ label: 'User secret', getValue: async () => (await getSecrets()).userSecret })),
      h('div', { class: 'secret-row', id: 'org-secret' },
        h('h3', {}, 'Organization secret'),
        secretValue({ label: 'Organization secret', getValue: async () => (await getSecrets()).organizationSecret }))));
}

/* --- the OAuth return ---------------------------------------------------------- */

function retryLink(flow) {
  if (flow && flow.mode === 'reauth' && flow.instanceId) {
    return h('a', { class: 'btn', href: `#/instances/${flow.instanceId}/reauth` }, 'Try again');
  }
  if (flow && flow.elementKey) {
    return h('a', { class: 'btn', href: `#/elements/${encodeURIComponent(flow.elementKey)}/new` }, 'Start again');
  }
  return h('a', { class: 'btn', href: '#/elements' }, 'Start again');
}

function callbackOutcome(title, box, flow) {
  fill(main,
    h('h1', { tabindex: '-1' }, title),
    box,
    h('div', { class: 'actions' }, retryLink(flow), h('a', { class: 'btn btn-quiet', href: '#/instances' }, 'Back to instances')));
  focusHeading();
}

async function renderCallback(cb, alive) {
  document.title = 'Connecting HubSpot · elementsd';
  markNav(null);
  fill(main, h('h1', { tabindex: '-1' }, 'Connecting your HubSpot account'), progress('Checking the answer from HubSpot…'));
  const taken = takePending(cb.state);
  const flow = taken.flow || null;
  if (cb.error) {
    const denied = cb.error === 'access_denied';
    callbackOutcome(denied ? 'Access denied' : 'HubSpot reported an error',
      h('div', { class: 'notice notice-error', role: 'alert', id: 'callback-error' },
        h('p', {}, denied
          ? 'Access was denied on HubSpot’s consent page, so no instance was created and nothing changed.'
          : `HubSpot did not authorize the app (${cb.error}), so nothing was created or changed.`),
        cb.errorDescription ? h('p', { class: 'provider-message' }, 'HubSpot said: ', cb.errorDescription) : null),
      flow);
    return;
  }
  if (!taken.ok) {
    callbackOutcome('Connection not completed',
      h('div', { class: 'notice notice-error', role: 'alert', id: 'callback-error', 'data-reason': taken.reason },
        h('p', {}, taken.message)),
      flow);
    return;
  }
  if (!answerComplete(flow, cb)) {
    callbackOutcome('Connection not completed',
      h('div', { class: 'notice notice-error', role: 'alert', id: 'callback-error', 'data-reason': flow.legacy ? 'no-tokens' : 'no-code' },
        h('p', {}, flow.legacy
          ? 'HubSpot’s answer has no access and refresh tokens (legacy OAuth), so nothing was created. Please start again.'
          : 'HubSpot’s answer has no authorization code, so nothing was created. Please start again.')),
      flow);
    return;
  }
  const reauth = flow.mode === 'reauth';
  fill(main,
    h('h1', { tabindex: '-1' }, reauth ? 'Re-authenticating the instance' : 'Creating the instance'),
    h('div', { 'aria-busy': 'true' }, progress(flow.legacy
      ? 'Checking the tokens with HubSpot…'
      : 'Exchanging the authorization code with HubSpot…')));
  focusHeading();
  try {
    const inst = await completeFlow(flow, cb);
    if (!alive()) return;
    go(`#/instances/${inst.id}`, reauth
      ? `Instance “${inst.name}” re-authenticated with HubSpot.`
      : `Instance “${inst.name}” created${inst.portalId != null ? ` for HubSpot portal ${inst.portalId}` : ''}.`);
  } catch (err) {
    if (!alive()) return;
    callbackOutcome(reauth ? 'The instance was not re-authenticated' : 'The instance was not created', errorBox(err), flow);
  }
}

/* --- routing --------------------------------------------------------------------- */

function notFound() {
  fill(main, h('h1', { tabindex: '-1' }, 'Page not found'),
    h('p', {}, 'There is no console page at this address. ', h('a', { href: '#/instances' }, 'Go to the instances'), '.'));
}

function route(force) {
  if (!force && location.href === lastHref) return;
  lastHref = location.href;
  generation += 1;
  const gen = generation;
  const alive = () => gen === generation;
  if (!getSession()) {
    showLogin(null);
    return;
  }
  showChrome(true);
  showFlash();
  if (pendingCallback) {
    const cb = pendingCallback;
    pendingCallback = null;
    renderCallback(cb, alive);
    return;
  }
  const { segments, query } = currentRoute();
  const [section, id, sub] = segments;
  const docsPage = section === 'docs' || (section === 'instances' && sub === 'docs');
  markNav(docsPage ? 'docs' : (['instances', 'elements', 'objects', 'audit', 'users', 'account', 'dashboard'].includes(section) ? section : 'instances'));
  let title = 'Instances';
  let view;
  if (!section || section === 'instances' || section === 'callback') {
    if (!id) view = () => renderList(main, alive, query);
    else if (/^\d+$/.test(id) && !sub) { title = 'Instance'; view = () => renderDetail(main, alive, id); }
    else if (/^\d+$/.test(id) && sub === 'edit') { title = 'Edit instance'; view = () => renderEdit(main, alive, id); }
    else if (/^\d+$/.test(id) && sub === 'reauth') { title = 'Re-authenticate'; view = () => renderReauth(main, alive, id); }
    else if (/^\d+$/.test(id) && sub === 'try') { title = 'Try it'; view = () => renderTry(main, alive, id, query); }
    else if (/^\d+$/.test(id) && sub === 'docs') { title = 'API docs'; view = () => renderApiDocs(main, alive, id); }
    else if (/^\d+$/.test(id) && sub === 'traces') { title = 'Traces'; view = () => renderTraces(main, alive, id); }
  } else if (section === 'docs') {
    title = 'API docs';
    if (!id) view = () => renderDocsIndex(main, alive);
  } else if (section === 'elements') {
    title = 'Elements';
    if (!id) view = () => renderCatalogue(main, alive);
    else if (sub === 'new') { title = 'Authenticate instance'; view = () => renderNewInstance(main, alive, id); }
  } else if (section === 'objects') {
    title = 'Virtual objects';
    if (!id) view = () => renderObjects(main, alive);
    else if (id === 'new' && !sub) { title = 'New virtual object'; view = () => renderObject(main, alive, null); }
    else if (!sub) { title = `Virtual object ${id}`; view = () => renderObject(main, alive, id); }
  } else if (section === 'audit' && !id) {
    title = 'Audit log';
    view = () => renderAudit(main, alive, query);
  } else if (section === 'users' && !id) {
    title = 'Users';
    view = () => renderUsers(main, alive);
  } else if (section === 'dashboard') {
    title = 'Dashboard';
    if (!id) view = () => renderDashboard(main, alive, query);
  } else if (section === 'account') {
    title = 'Account';
    view = () => renderAccount(alive);
  }
  document.title = `${title} · elementsd`;
  if (!view) {
    notFound();
    focusHeading();
    return;
  }
  const p = view();
  focusHeading();
  p.catch((err) => {
    if (alive()) fill(main, h('h1', { tabindex: '-1' }, 'Something went wrong'), errorBox(err));
  });
}

/* --- boot ---------------------------------------------------------------------- */

function boot() {
  flashBox = h('div', { class: 'flash', id: 'flash' });
  main.before(flashBox);
  document.body.append(h('div', { id: 'announce', class: 'visually-hidden', role: 'status', 'aria-live': 'polite' }));
  document.getElementById('skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    main.focus();
  });
  const out = document.getElementById('logout');
  out.addEventListener('click', () => doLogout(out));
  onSessionExpired((reason) => {
    pendingCallback = null;
    showLogin(reason, 'warning');
  });
  if (location.pathname === '/console/callback') {
    // take the OAuth answer out of the address bar and the history at once
    pendingCallback = readCallback(location.search);
    history.replaceState(null, '', '/console/#/callback');
  } else {
    prunePending();
  }
  const onLocation = () => route(false);
  window.addEventListener('hashchange', onLocation);
  window.addEventListener('popstate', onLocation);
  window.addEventListener('console:navigate', () => route(true));
  if (resumeSession() === 'expired') {
    lastHref = location.href;
    showLogin('Your session has expired. Please log in again.', 'warning');
    return;
  }
  route(true);
}

boot();
