// SPDX-License-Identifier: MIT
// The element catalogue and the "Authenticate instance" form, built from
// the element's configuration definitions.

import { request } from './api.js';
import { checkField, errorBox, field, fill, h, notice, parseTags, progress, working } from './dom.js';
import { go } from './nav.js';
import { startOAuth } from './oauth.js';

export const AUTH_LABELS = {
  oauth2: 'OAuth 2 (HubSpot app)',
  apiKey: 'API key (private-app token)',
};

const HUB_LABELS = { crm: 'CRM hub', marketing: 'Marketing hub' };

export function hubLabel(hub) {
  return HUB_LABELS[hub] || (hub ? `${hub} hub` : 'no hub');
}

/** Callback URL of this console (what HubSpot redirects back to). */
export function ownCallbackUrl() {
  return `${location.origin}/console/callback`;
}

const elementCache = new Map();

/** GET /elements/{key} (with its configuration definitions), cached. */
export async function loadElement(key) {
  if (!elementCache.has(key)) {
    const el = await request('GET', `/elements/${encodeURIComponent(key)}`);
    if (!Array.isArray(el.configuration)) {
      el.configuration = await request('GET', `/elements/${encodeURIComponent(key)}/configuration`);
    }
    elementCache.set(key, el);
  }
  return elementCache.get(key);
}

/** Authentication types offered by an element, from its definitions. */
export function authTypesOf(defs) {
  const types = [];
  for (const d of defs || []) {
    for (const t of d.authenticationTypes || []) if (!types.includes(t)) types.push(t);
  }
  return types;
}

/** Definitions a person may set, in display order. */
export function settableDefs(defs) {
  return (defs || [])
    .filter((d) => d && !d.internal && !d.hideFromConsole && d.key !== 'authentication.type')
    .sort((a, b) => (a.displayOrder || 0) - (b.displayOrder || 0));
}

export function isSecretDef(d) {
  return d.type === 'PASSWORD' || d.secret === true;
}

/** A form control for one definition, tagged with data-cfg=<key>. */
export function controlFor(def, value, { editing = false } = {}) {
  const id = `cfg-${def.key.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  if (def.type === 'BOOLEAN') {
    const cb = h('input', { type: 'checkbox', id, 'data-cfg': def.key, checked: String(value) === 'true' });
    return checkField({ label: def.name || def.key, checkbox: cb, hint: def.description });
  }
  let control;
  if (isSecretDef(def)) {
    control = h('input', {
      type: 'password', id, 'data-cfg': def.key, 'data-secret': '', autocomplete: 'new-password', spellcheck: 'false',
      placeholder: editing ? 'Unchanged (type to replace)' : null,
    });
  } else if (def.type === 'TEXTAREA') {
    control = h('textarea', { id, 'data-cfg': def.key, rows: 3, spellcheck: 'false' });
    control.value = value == null ? '' : String(value);
  } else {
    const max = /_(\d+)$/.exec(def.type || '');
    control = h('input', {
      type: /url/i.test(def.key) ? 'url' : 'text', id, 'data-cfg': def.key, spellcheck: 'false', autocomplete: 'off',
      maxlength: max ? max[1] : null, value: value == null ? '' : String(value),
    });
  }
  const required = Boolean(def.required) && !(editing && isSecretDef(def));
  return field({ label: def.name || def.key, control, hint: def.description, required });
}

/**
 * Read the data-cfg controls under root that are enabled.
 * mode 'create': empty values are left out (element defaults apply).
 * mode 'edit': only values that differ from `original`; an emptied text
 * becomes null; an empty secret means "unchanged".
 */
export function readConfig(root, mode = 'create', original = {}) {
  const cfg = {};
  for (const el of root.querySelectorAll('[data-cfg]')) {
    if (el.disabled || el.closest('fieldset[disabled]')) continue;
    const key = el.dataset.cfg;
    let v;
    if (el.type === 'checkbox') v = el.checked ? 'true' : 'false';
    else v = el.tagName === 'TEXTAREA' ? el.value : el.value.trim();
    const secret = el.hasAttribute('data-secret');
    if (mode === 'create') {
      if (v !== '') cfg[key] = v;
      continue;
    }
    if (secret) {
      if (v !== '') cfg[key] = v;
      continue;
    }
    const before = original[key] == null ? '' : String(original[key]);
    if (el.type === 'checkbox') {
      if ((before === 'true') !== (v === 'true')) cfg[key] = v;
    } else if (v !== before) {
      cfg[key] = v === '' ? null : v;
    }
  }
  return cfg;
}

/** The element's default OAuth scope (what /oauth/url uses without one). */
export async function defaultScope(key) {
  try {
    const r = await request('GET', `/elements/${encodeURIComponent(key)}/oauth/url`, {
      query: { apiKey: 'elementsd-console', callbackUrl: ownCallbackUrl() },
    });
    const u = new URL(r.oauthUrl);
    return u.searchParams.get('scope') || '';
  } catch {
    return '';
  }
}

/** The scopes the HubSpot legacy OAuth guide asks for at least. */
export const LEGACY_SCOPE = 'contacts-rw offline';

/**
 * Whether the element offers HubSpot's legacy OAuth (Client ID + Portal ID):
 * its OAuth 2 definitions have the `oauth.api.secret` entry that holds the
 * Portal ID, and elementsd answers a Portal ID with a legacy authorize URL
 * (one carrying `portalId`; the path comes from the element definition).
 */
export async function legacyOAuthOffered(key, defs) {
  const secret = (defs || []).find((d) => d.key === 'oauth.api.secret');
  if (!secret || !(secret.authenticationTypes || []).includes('oauth2')) return false;
  try {
    const r = await request('GET', `/elements/${encodeURIComponent(key)}/oauth/url`, {
      query: { apiKey: 'elementsd-console', apiSecret: '1', callbackUrl: ownCallbackUrl() },
    });
    return new URL(r.oauthUrl).searchParams.has('portalId');
  } catch {
    return false;
  }
}

/* --- the catalogue ------------------------------------------------------- */

export async function renderCatalogue(main, alive) {
  fill(main, h('h1', { tabindex: '-1' }, 'Elements'), progress('Loading the element catalogue…'));
  let list;
  try {
    list = await request('GET', '/elements');
  } catch (err) {
    if (!alive()) return;
    fill(main, h('h1', { tabindex: '-1' }, 'Elements'), errorBox(err, 'The element catalogue could not be loaded.'));
    return;
  }
  const configs = await Promise.all(list.map((el) => loadElement(el.key).catch(() => null)));
  if (!alive()) return;
  const cards = list.map((el, i) => {
    const full = configs[i];
    const types = full ? authTypesOf(full.configuration) : [];
    const headId = `el-${el.key}`;
    return h('article', { class: 'card element-card', 'aria-labelledby': headId, 'data-element': el.key },
      h('div', { class: 'card-head' },
        h('img', { src: '/console/favicon.svg', alt: '', width: 40, height: 40 }),
        h('div', {},
          h('h2', { id: headId }, el.name || el.key),
          h('p', { class: 'muted' }, h('code', {}, el.key), ' · ', hubLabel(el.hub)))),
      h('p', { class: 'card-text' }, el.description || ''),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Hub'), h('dd', {}, h('code', {}, el.hub || '—')),
        h('dt', {}, 'Authentication'), h('dd', {}, types.length ? types.map((t) => AUTH_LABELS[t] || t).join(', ') : '—')),
      h('div', { class: 'actions' },
        h('a', { class: 'btn btn-primary', href: `#/elements/${encodeURIComponent(el.key)}/new` }, 'Authenticate instance')));
  });
  fill(main,
    h('h1', { tabindex: '-1' }, 'Elements'),
    h('p', { class: 'lead' }, 'Connect a HubSpot account by authenticating an instance of one of these elements.'),
    h('div', { class: 'cards' }, cards));
}

/* --- the "Authenticate instance" form ---------------------------------------- */

const EVENT_KEYS = ['event.notification.enabled', 'event.notification.callback.url'];
const OPTION_KEYS = ['create.bulk.properties', 'filter.response.nulls'];

export async function renderNewInstance(main, alive, key) {
  const title = 'Authenticate instance';
  fill(main, h('h1', { tabindex: '-1' }, title), progress('Loading the element configuration…'));
  let el;
  let scope;
  let legacyOffered;
  try {
    [el, scope] = await Promise.all([loadElement(key), defaultScope(key)]);
    legacyOffered = await legacyOAuthOffered(key, el.configuration);
  } catch (err) {
    if (!alive()) return;
    fill(main, h('h1', { tabindex: '-1' }, title), errorBox(err, 'This element could not be loaded.'),
      h('p', {}, h('a', { href: '#/elements' }, 'Back to the elements')));
    return;
  }
  if (!alive()) return;
  const defs = settableDefs(el.configuration);
  const types = authTypesOf(el.configuration).filter((t) => AUTH_LABELS[t]);
  const initial = {
    'oauth.scope': scope,
    'oauth.callback.url': ownCallbackUrl(),
  };
  for (const d of defs) if (d.defaultValue && initial[d.key] === undefined) initial[d.key] = d.defaultValue;

  const byType = {};
  for (const t of types) byType[t] = [];
  const events = [];
  const options = [];
  const more = [];
  for (const d of defs) {
    const at = d.authenticationTypes || [];
    if (at.length === 1 && byType[at[0]]) byType[at[0]].push(d);
    else if (EVENT_KEYS.includes(d.key)) events.push(d);
    else if (OPTION_KEYS.includes(d.key)) options.push(d);
    else more.push(d);
  }

  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const nameInput = h('input', { type: 'text', name: 'name', autocomplete: 'off', maxlength: 512 });
  const tagsInput = h('input', { type: 'text', name: 'tags', autocomplete: 'off' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'submit-instance' }, 'Continue to HubSpot');

  const typeRadios = types.map((t, i) => {
    const id = `auth-${t}`;
    const r = h('input', { type: 'radio', name: 'authType', id, value: t, checked: i === 0 });
    return h('div', { class: 'check-row' }, r, h('label', { for: id }, AUTH_LABELS[t]));
  });
  // HubSpot's legacy OAuth (apps from before 2017): a Portal ID where the
  // client secret goes, and HubSpot returns the tokens themselves
  const flavourRadio = (value, label, checked) => {
    const id = `oauth-flavour-${value}`;
    return h('div', { class: 'check-row' },
      h('input', { type: 'radio', name: 'oauthFlavour', id, value, checked }), h('label', { for: id }, label));
  };
  const flavours = legacyOffered
    ? h('fieldset', { class: 'group', id: 'oauth-flavour' }, h('legend', {}, 'HubSpot app type'),
      h('div', { class: 'radios' },
        flavourRadio('oauth2', 'OAuth 2: Client ID and Client Secret', true),
        flavourRadio('legacy', 'Legacy OAuth: Client ID and HubSpot Portal ID')),
      h('p', { class: 'hint' }, 'Legacy OAuth is for HubSpot apps made before 2017: HubSpot sends the tokens straight back to this console.'))
    : null;
  const authSets = types.map((t) => h('fieldset', { class: 'group', 'data-auth': t },
    h('legend', {}, t === 'oauth2' ? 'HubSpot app (OAuth 2)' : 'API key'),
    t === 'oauth2'
      ? [h('p', { class: 'hint' }, 'Register the callback URL below as a redirect URL of your HubSpot app.'), flavours]
      : h('p', { class: 'hint' }, 'A HubSpot private-app access token (or legacy API key); elementsd checks it with HubSpot before saving.'),
    byType[t].map((d) => controlFor(d, initial[d.key]))));

  const form = h('form', { class: 'form', id: 'instance-form', novalidate: false, 'data-busy': '' },
    h('fieldset', { class: 'group' }, h('legend', {}, 'Instance'),
      field({ label: 'Name', control: nameInput, required: true, hint: 'A name to recognise this connection, e.g. the customer or portal.' }),
      field({ label: 'Tags', control: tagsInput, hint: 'Comma-separated, e.g. sales, eu. Used to search instances.' })),
    types.length > 1
      ? h('fieldset', { class: 'group' }, h('legend', {}, 'Authentication type'), h('div', { class: 'radios' }, typeRadios))
      : null,
    authSets,
    events.length ? h('fieldset', { class: 'group' }, h('legend', {}, 'Events'), events.map((d) => controlFor(d, initial[d.key]))) : null,
    options.length ? h('fieldset', { class: 'group' }, h('legend', {}, 'Options'), options.map((d) => controlFor(d, initial[d.key]))) : null,
    more.length ? h('details', { class: 'group more' }, h('summary', {}, 'More settings'), more.map((d) => controlFor(d, initial[d.key]))) : null,
    status,
    h('div', { class: 'actions' }, submit, h('a', { class: 'btn btn-quiet', href: '#/elements' }, 'Cancel')));

  const currentType = () => {
    const r = form.querySelector('input[name="authType"]:checked');
    return r ? r.value : types[0];
  };
  const syncType = () => {
    const t = currentType();
    for (const fs of form.querySelectorAll('fieldset[data-auth]')) {
      const on = fs.dataset.auth === t;
      fs.hidden = !on;
      fs.disabled = !on;
    }
    submit.textContent = t === 'oauth2' ? 'Continue to HubSpot' : 'Create instance';
  };
  const isLegacy = () => Boolean(form.querySelector('input[name="oauthFlavour"][value="legacy"]:checked'));
  const secretInput = form.querySelector('[data-cfg="oauth.api.secret"]');
  const secretDef = defs.find((d) => d.key === 'oauth.api.secret');
  const syncFlavour = () => {
    if (!secretInput || !flavours) return;
    const legacy = isLegacy();
    const label = form.querySelector(`label[for="${secretInput.id}"]`);
    const hint = document.getElementById(`${secretInput.id}-hint`);
    const scopeInput = form.querySelector('[data-cfg="oauth.scope"]');
    if (label) label.firstChild.textContent = legacy ? 'Portal ID' : (secretDef.name || 'Client Secret');
    if (hint) hint.textContent = legacy ? 'Your HubSpot Portal ID (hub ID), digits only.' : (secretDef.description || '');
    secretInput.type = legacy ? 'text' : 'password';
    secretInput.inputMode = legacy ? 'numeric' : '';
    if (legacy) secretInput.setAttribute('pattern', '[0-9]{1,18}');
    else secretInput.removeAttribute('pattern');
    // the element's default scopes, or the legacy guide's, unless edited
    if (scopeInput && legacy && scopeInput.value === scope) scopeInput.value = LEGACY_SCOPE;
    if (scopeInput && !legacy && scopeInput.value === LEGACY_SCOPE) scopeInput.value = scope;
  };
  form.addEventListener('change', (e) => {
    if (e.target && e.target.name === 'authType') syncType();
    if (e.target && e.target.name === 'oauthFlavour') syncFlavour();
  });
  syncType();
  syncFlavour();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(status);
    if (!form.reportValidity()) return;
    const type = currentType();
    const configuration = { 'authentication.type': type, ...readConfig(form, 'create') };
    const name = nameInput.value.trim();
    const tags = parseTags(tagsInput.value);
    try {
      if (type === 'oauth2') {
        if (!/^https?:\/\//i.test(configuration['oauth.callback.url'] || '')) {
          throw new Error('The callback URL must start with http:// or https://.');
        }
        const legacy = isLegacy();
        await working(submit, () => startOAuth({ mode: 'create', elementKey: key, name, tags, configuration, legacy }), 'Opening HubSpot…');
        return;
      }
      const body = { element: { key }, name, configuration };
      if (tags.length) body.tags = tags;
      const inst = await working(submit, () => request('POST', '/instances', { body }), 'Checking with HubSpot…');
      if (!alive()) return;
      go(`#/instances/${inst.id}`, `Instance “${inst.name}” created and verified with HubSpot.`);
    } catch (err) {
      fill(status, errorBox(err, 'The instance was not created.'));
      status.querySelector('[role="alert"]')?.focus?.();
    }
  });

  fill(main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/elements' }, 'Elements'), ' / ', el.name || key),
    h('h1', { tabindex: '-1' }, `Authenticate a ${el.name || key} instance`),
    h('p', { class: 'lead' }, 'With OAuth 2 you approve access on HubSpot’s consent page and come back here, where the instance is created. With an API key the instance is created at once.'),
    types.length === 0 ? notice('warning', 'This element offers no authentication type the console supports.') : null,
    form);
  nameInput.focus();
}
