// SPDX-License-Identifier: MIT
// Instances: the list with search, the detail view, edit, enable/disable,
// re-authenticate, delete, and "Try it" against the hub API.

import { apiUrl, getSecrets, request } from './api.js';
import {
  badge, confirmDialog, copyButton, errorBox, field, fill, h, notice, parseTags, progress,
  secretValue, tagList, timeEl, working,
} from './dom.js';
import {
  AUTH_LABELS, controlFor, defaultScope, isSecretDef, loadElement, ownCallbackUrl, readConfig, settableDefs,
} from './elements.js';
import { go } from './nav.js';
import { startOAuth } from './oauth.js';

const OAUTH_KEYS = ['oauth.api.key', 'oauth.api.secret', 'oauth.callback.url', 'oauth.scope'];

function stateBadges(inst) {
  return h('span', { class: 'badges' },
    inst.valid ? badge('Valid', 'ok') : badge('Invalid', 'bad'),
    inst.disabled ? badge('Disabled', 'off') : badge('Enabled', 'on'));
}

function elementKey(inst) {
  return (inst.element && inst.element.key) || '';
}

function elementName(inst) {
  return (inst.element && (inst.element.name || inst.element.key)) || '—';
}

/* --- list ---------------------------------------------------------------- */

export async function renderList(main, alive, query) {
  const q = query.get('q') || '';
  const tag = query.get('tag') || '';
  const searching = Boolean(q || tag);
  const qInput = h('input', { type: 'search', name: 'q', value: q, autocomplete: 'off' });
  const tagInput = h('input', { type: 'text', name: 'tag', value: tag, autocomplete: 'off' });
  const form = h('form', { class: 'search', role: 'search', 'aria-label': 'Search instances' },
    field({ label: 'Name or element', control: qInput }),
    field({ label: 'Tag', control: tagInput, hint: 'Comma-separated tags all must match.' }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn' }, 'Search'),
      searching ? h('a', { class: 'btn btn-quiet', href: '#/instances' }, 'Clear') : null));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    if (qInput.value.trim()) p.set('q', qInput.value.trim());
    if (tagInput.value.trim()) p.set('tag', tagInput.value.trim());
    const s = p.toString();
    go(`#/instances${s ? `?${s}` : ''}`);
  });
  const results = h('section', { class: 'results', 'aria-labelledby': 'results-title', 'data-busy': '' });
  fill(main,
    h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1' }, 'Instances'),
      h('a', { class: 'btn btn-primary', href: '#/elements' }, 'Authenticate instance')),
    form,
    results);
  fill(results, h('h2', { id: 'results-title', class: 'visually-hidden' }, 'Results'), progress('Loading instances…'));
  results.setAttribute('aria-busy', 'true');
  let list;
  try {
    list = await request('GET', '/instances', { query: { searchText: q || undefined, 'tags[]': parseTags(tag) } });
  } catch (err) {
    if (!alive()) return;
    results.removeAttribute('aria-busy');
    if (err.status === 404 && searching) {
      fill(results, h('h2', { id: 'results-title', class: 'visually-hidden' }, 'Results'),
        notice('info', h('p', { class: 'no-match' }, 'No instance matches this search.'), h('p', {}, h('a', { href: '#/instances' }, 'Show all instances'))));
    } else {
      fill(results, errorBox(err, 'The instances could not be loaded.'));
    }
    return;
  }
  if (!alive()) return;
  results.removeAttribute('aria-busy');
  if (!Array.isArray(list) || list.length === 0) {
    fill(results, h('h2', { id: 'results-title', class: 'visually-hidden' }, 'Results'),
      notice('info', h('p', {}, 'No instances yet. ', h('a', { href: '#/elements' }, 'Authenticate one'), ' to connect a HubSpot account.')));
    return;
  }
  const cols = ['Name', 'Element', 'Tags', 'Created', 'State', 'Portal ID'];
  const rows = list.map((inst) => h('tr', { 'data-instance-id': inst.id },
    h('th', { scope: 'row', 'data-label': 'Name' }, h('a', { href: `#/instances/${inst.id}` }, inst.name || `#${inst.id}`)),
    h('td', { 'data-label': 'Element' }, elementName(inst), h('br'), h('code', { class: 'muted' }, elementKey(inst))),
    h('td', { 'data-label': 'Tags' }, tagList(inst.tags)),
    h('td', { 'data-label': 'Created' }, timeEl(inst.createdDate)),
    h('td', { 'data-label': 'State' }, stateBadges(inst)),
    h('td', { 'data-label': 'Portal ID' }, inst.portalId != null ? String(inst.portalId) : h('span', { class: 'muted' }, '—'))));
  fill(results,
    h('h2', { id: 'results-title', class: 'visually-hidden' }, 'Results'),
    h('p', { class: 'muted count', role: 'status' }, `${list.length} instance${list.length === 1 ? '' : 's'}${searching ? ' match' : ''}`),
    h('div', { class: 'table-wrap' },
      h('table', { class: 'table responsive', id: 'instances-table' },
        h('caption', { class: 'visually-hidden' }, 'Element instances'),
        h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows))));
}

/* --- shared loading of one instance ----------------------------------------- */

async function loadInstance(main, alive, id) {
  fill(main, h('p', { class: 'crumbs' }, h('a', { href: '#/instances' }, 'Instances')), h('h1', { tabindex: '-1' }, `Instance ${id}`),
    progress('Loading the instance…'));
  try {
    const inst = await request('GET', `/instances/${encodeURIComponent(id)}`);
    const el = await loadElement(elementKey(inst)).catch(() => null);
    return alive() ? { inst, el } : null;
  } catch (err) {
    if (!alive()) return null;
    fill(main, h('p', { class: 'crumbs' }, h('a', { href: '#/instances' }, 'Instances')), h('h1', { tabindex: '-1' }, `Instance ${id}`),
      errorBox(err, err.status === 404 ? 'This instance does not exist (it may have been deleted).' : 'The instance could not be loaded.'));
    return null;
  }
}

function header(inst, sub) {
  const crumbs = [h('a', { href: '#/instances' }, 'Instances'), ' / '];
  if (sub) crumbs.push(h('a', { href: `#/instances/${inst.id}` }, inst.name), ' / ', sub);
  else crumbs.push(inst.name);
  return [
    h('p', { class: 'crumbs' }, crumbs),
    h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1' }, sub ? `${sub}: ${inst.name}` : inst.name),
      stateBadges(inst)),
  ];
}

/* --- detail ---------------------------------------------------------------- */

export async function renderDetail(main, alive, id) {
  const got = await loadInstance(main, alive, id);
  if (!got) return;
  const { inst, el } = got;
  const defs = new Map(((el && el.configuration) || []).map((d) => [d.key, d]));
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });

  const toggle = h('button', { type: 'button', class: 'btn', id: 'toggle-enabled' }, inst.disabled ? 'Enable' : 'Disable');
  toggle.addEventListener('click', async () => {
    fill(status);
    const enable = inst.disabled;
    try {
      await working(toggle, () => request(enable ? 'PUT' : 'DELETE', `/instances/${inst.id}/enabled`), enable ? 'Enabling…' : 'Disabling…');
      go(`#/instances/${inst.id}`, enable ? 'Instance enabled.' : 'Instance disabled: hub calls with its token are refused until you enable it.');
    } catch (err) {
      fill(status, errorBox(err, enable ? 'The instance was not enabled.' : 'The instance was not disabled.'));
    }
  });
  const del = h('button', { type: 'button', class: 'btn btn-danger', id: 'delete-instance' }, 'Delete');
  del.addEventListener('click', async () => {
    fill(status);
    const ok = await confirmDialog({
      title: `Delete “${inst.name}”?`,
      body: [
        'The instance and its stored credentials are removed from elementsd, and its token stops working at once.',
        inst.authenticationType === 'oauth2' ? 'Its HubSpot refresh token is revoked (unless the instance says otherwise).' : 'This cannot be undone.',
      ],
      confirmLabel: 'Delete instance',
      danger: true,
    });
    if (!ok) return;
    try {
      await working(del, () => request('DELETE', `/instances/${inst.id}`), 'Deleting…');
      go('#/instances', `Instance “${inst.name}” deleted.`);
    } catch (err) {
      fill(status, errorBox(err, 'The instance was not deleted.'));
    }
  });

  const actions = h('div', { class: 'actions toolbar', role: 'group', 'aria-label': 'Instance actions', 'data-busy': '' },
    h('a', { class: 'btn btn-primary', href: `#/instances/${inst.id}/try`, id: 'try-it' }, 'Try it'),
    h('a', { class: 'btn', href: `#/instances/${inst.id}/edit`, id: 'edit-instance' }, 'Edit'),
    toggle,
    h('a', { class: 'btn', href: `#/instances/${inst.id}/reauth`, id: 'reauth-instance' }, 'Re-authenticate'),
    h('a', { class: 'btn', href: `#/instances/${inst.id}/traces`, id: 'instance-traces' }, 'Traces'),
    del);

  const facts = [
    ['Instance ID', String(inst.id)],
    ['Element', [elementName(inst), ' ', h('code', { class: 'muted' }, elementKey(inst))]],
    ['Authentication', AUTH_LABELS[inst.authenticationType] || inst.authenticationType || '—'],
    ['HubSpot portal ID', inst.portalId != null ? String(inst.portalId) : h('span', { class: 'muted' }, 'unknown')],
    ['Created', timeEl(inst.createdDate)],
    ['Created by', (inst.user && inst.user.emailAddress) || '—'],
    ['Tags', tagList(inst.tags)],
    ['Events', inst.eventsEnabled ? 'Enabled' : 'Disabled'],
  ];
  if (!inst.valid && inst.invalidReason) facts.push(['Why invalid', inst.invalidReason]);

  const cfg = inst.configuration || {};
  const keys = Object.keys(cfg).sort((a, b) => ((defs.get(a) || {}).displayOrder || 999) - ((defs.get(b) || {}).displayOrder || 999));
  const cfgRows = keys.map((k) => {
    const d = defs.get(k);
    const v = cfg[k];
    let shown;
    if (v === null || v === undefined || v === '') shown = h('span', { class: 'muted' }, 'not set');
    else if (v === '********') shown = h('span', { class: 'masked', title: 'Secret: stored encrypted, never shown' }, '********');
    else if (/refresh_time$/.test(k) && /^\d{9,11}$/.test(String(v))) {
      shown = h('span', { class: 'value' }, timeEl(new Date(Number(v) * 1000).toISOString()), h('span', { class: 'muted' }, ` (${v})`));
    } else shown = h('span', { class: 'value' }, String(v));
    return h('tr', {},
      h('th', { scope: 'row', 'data-label': 'Setting' }, d && d.name ? d.name : k, h('br'), h('code', { class: 'muted' }, k)),
      h('td', { 'data-label': 'Value' }, shown));
  });

  fill(main,
    header(inst),
    inst.disabled ? notice('warning', 'This instance is disabled: hub API calls with its token are refused.') : null,
    !inst.valid ? notice('warning', 'This instance is not valid: HubSpot no longer accepts its credentials. Re-authenticate it.') : null,
    actions,
    status,
    h('section', { class: 'card', 'aria-labelledby': 'sum-title' },
      h('h2', { id: 'sum-title' }, 'Summary'),
      h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))),
    h('section', { class: 'card', 'aria-labelledby': 'tok-title' },
      h('h2', { id: 'tok-title' }, 'Instance token'),
      h('p', { class: 'hint' }, 'Send it as ', h('code', {}, 'Element <token>'), ' in the Authorization header of hub API calls, with your user and organization secrets.'),
      secretValue({ label: 'Instance token', getValue: async () => inst.token, what: 'Instance token' })),
    h('section', { class: 'card', 'aria-labelledby': 'cfg-title' },
      h('h2', { id: 'cfg-title' }, 'Configuration'),
      h('p', { class: 'hint' }, 'Secret values are stored encrypted and shown as ********.'),
      h('div', { class: 'table-wrap' },
        h('table', { class: 'table responsive config-table' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Setting'), h('th', { scope: 'col' }, 'Value'))),
          h('tbody', {}, cfgRows)))),
    eventsCard(inst));
}

/* --- events ------------------------------------------------------------------ */

const EVENT_BADGES = { NOTIFIED: 'ok', RECEIVED: 'on', DISPATCHED: 'off' };

/** The instance's recent events and their deliveries, and "Send test event". */
function eventsCard(inst) {
  const body = h('div', { class: 'events-body', 'aria-live': 'polite' }, progress('Loading events…'));
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const url = (inst.configuration || {})['event.notification.callback.url'];

  async function load() {
    let list;
    try {
      list = await request('GET', `/instances/${inst.id}/events`, { query: { pageSize: '10' } });
    } catch (err) {
      fill(body, errorBox(err, 'The events could not be read.'));
      return;
    }
    if (!list || list.length === 0) {
      fill(body, h('p', { class: 'muted', id: 'events-empty' }, 'No events yet.'));
      return;
    }
    const rows = list.map((ev) => h('tr', { 'data-event-id': ev.id },
      h('td', { 'data-label': 'Event ID' }, h('code', {}, ev.id)),
      h('td', { 'data-label': 'Date' }, timeEl(ev.eventDate)),
      h('td', { 'data-label': 'Objects' }, (ev.notifiedData || []).map((x) => `${x.eventType} ${x.objectType} ${x.objectId}`).join(', ') || '—'),
      h('td', { 'data-label': 'Status' }, badge(ev.status, EVENT_BADGES[ev.status] || 'off')),
      h('td', { 'data-label': 'Delivery' }, `${ev.deliveryStatus} (${ev.attempts} attempt${ev.attempts === 1 ? '' : 's'})`)));
    fill(body, h('div', { class: 'table-wrap' },
      h('table', { class: 'table responsive events-table', id: 'events-table' },
        h('thead', {}, h('tr', {}, ['Event ID', 'Date', 'Objects', 'Status', 'Delivery'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows))));
  }

  const send = h('button', { type: 'button', class: 'btn', id: 'send-test-event' }, 'Send test event');
  send.addEventListener('click', async () => {
    fill(status);
    try {
      const r = await working(send, () => request('POST', `/instances/${inst.id}/events/test`), 'Sending…');
      fill(status, notice('success', 'Test event queued: ', h('code', {}, r.eventId), '.'));
      await load();
      setTimeout(load, 1500);
    } catch (err) {
      fill(status, errorBox(err, 'The test event was not sent.'));
    }
  });
  const refresh = h('button', { type: 'button', class: 'btn btn-quiet', id: 'refresh-events' }, 'Refresh');
  refresh.addEventListener('click', load);
  load();
  return h('section', { class: 'card', 'aria-labelledby': 'ev-title' },
    h('h2', { id: 'ev-title' }, 'Events'),
    h('p', { class: 'hint' }, url
      ? ['Notifications are POSTed to ', h('code', {}, url), '.']
      : 'Set event.notification.callback.url to receive notifications.'),
    h('div', { class: 'actions toolbar' }, send, refresh),
    status,
    body);
}

/* --- edit ------------------------------------------------------------------ */

export async function renderEdit(main, alive, id) {
  const got = await loadInstance(main, alive, id);
  if (!got) return;
  const { inst, el } = got;
  const cfg = inst.configuration || {};
  const type = inst.authenticationType === 'apiKey' ? 'apiKey' : 'oauth2';
  // authentication settings change through re-authentication
  const defs = settableDefs((el && el.configuration) || []).filter((d) => {
    const at = d.authenticationTypes || [];
    return at.includes(type) && !OAUTH_KEYS.includes(d.key) && d.key !== 'hubspot.authorization.apikey';
  });
  const nameInput = h('input', { type: 'text', value: inst.name, maxlength: 512, autocomplete: 'off' });
  const tagsInput = h('input', { type: 'text', value: (inst.tags || []).join(', '), autocomplete: 'off' });
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'save-instance' }, 'Save changes');
  const form = h('form', { class: 'form', id: 'edit-form', 'data-busy': '' },
    h('fieldset', { class: 'group' }, h('legend', {}, 'Instance'),
      field({ label: 'Name', control: nameInput, required: true }),
      field({ label: 'Tags', control: tagsInput, hint: 'Comma-separated.' })),
    h('fieldset', { class: 'group' }, h('legend', {}, 'Settings'),
      h('p', { class: 'hint' }, 'Authentication settings change through ', h('a', { href: `#/instances/${inst.id}/reauth` }, 're-authentication'), '.'),
      defs.map((d) => controlFor(d, cfg[d.key] === '********' ? '' : cfg[d.key], { editing: true }))),
    status,
    h('div', { class: 'actions' }, submit, h('a', { class: 'btn btn-quiet', href: `#/instances/${inst.id}` }, 'Cancel')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(status);
    if (!form.reportValidity()) return;
    const body = {};
    const name = nameInput.value.trim();
    if (name !== inst.name) body.name = name;
    const tags = parseTags(tagsInput.value);
    if (JSON.stringify(tags) !== JSON.stringify(inst.tags || [])) body.tags = tags;
    const changed = readConfig(form, 'edit', cfg);
    if (Object.keys(changed).length) body.configuration = changed;
    if (Object.keys(body).length === 0) {
      fill(status, notice('info', 'Nothing changed.'));
      return;
    }
    try {
      await working(submit, () => request('PATCH', `/instances/${inst.id}`, { body }), 'Saving…');
      go(`#/instances/${inst.id}`, 'Changes saved.');
    } catch (err) {
      fill(status, errorBox(err, 'The changes were not saved.'));
    }
  });
  fill(main, header(inst, 'Edit'), form);
  nameInput.focus();
}

/* --- re-authenticate ----------------------------------------------------------- */

export async function renderReauth(main, alive, id) {
  const got = await loadInstance(main, alive, id);
  if (!got) return;
  const { inst, el } = got;
  const cfg = inst.configuration || {};
  const key = elementKey(inst);
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const defs = new Map(((el && el.configuration) || []).map((d) => [d.key, d]));
  const def = (k, fallback) => defs.get(k) || { key: k, name: fallback, type: 'TEXTFIELD_1000' };

  if (inst.authenticationType === 'apiKey') {
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'submit-reauth' }, 'Re-authenticate');
    const keyDef = { ...def('hubspot.authorization.apikey', 'HubSpot API Key'), required: true, type: 'PASSWORD' };
    const form = h('form', { class: 'form', id: 'reauth-form', 'data-busy': '' },
      h('fieldset', { class: 'group' }, h('legend', {}, 'API key'), controlFor(keyDef, '')),
      status,
      h('div', { class: 'actions' }, submit, h('a', { class: 'btn btn-quiet', href: `#/instances/${inst.id}` }, 'Cancel')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      fill(status);
      if (!form.reportValidity()) return;
      try {
        await working(submit, () => request('PATCH', `/instances/${inst.id}`, {
          query: { reAuthenticate: 'true' },
          body: { configuration: readConfig(form, 'create') },
        }), 'Checking with HubSpot…');
        go(`#/instances/${inst.id}`, 'Instance re-authenticated: HubSpot accepted the key.');
      } catch (err) {
        fill(status, errorBox(err, 'The instance was not re-authenticated.'));
      }
    });
    fill(main, header(inst, 'Re-authenticate'),
      h('p', { class: 'lead' }, 'Enter the API key (private-app token) to use from now on; elementsd checks it with HubSpot before saving.'),
      form);
    return;
  }

  const scope = cfg['oauth.scope'] || (await defaultScope(key));
  if (!alive()) return;
  const values = {
    'oauth.api.key': cfg['oauth.api.key'] || '',
    'oauth.callback.url': cfg['oauth.callback.url'] || ownCallbackUrl(),
    'oauth.scope': scope,
  };
  const fields = OAUTH_KEYS.map((k) => {
    const d = def(k, k);
    const editing = isSecretDef(d);
    return controlFor({ ...d, required: k === 'oauth.api.secret' ? false : d.required }, editing ? '' : values[k], { editing });
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'submit-reauth' }, 'Continue to HubSpot');
  const form = h('form', { class: 'form', id: 'reauth-form', 'data-busy': '' },
    h('fieldset', { class: 'group' }, h('legend', {}, 'HubSpot app (OAuth 2)'),
      h('p', { class: 'hint' }, 'Leave the client secret empty to keep the stored one.'),
      fields),
    status,
    h('div', { class: 'actions' }, submit, h('a', { class: 'btn btn-quiet', href: `#/instances/${inst.id}` }, 'Cancel')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(status);
    if (!form.reportValidity()) return;
    const configuration = readConfig(form, 'create');
    try {
      if (!/^https?:\/\//i.test(configuration['oauth.callback.url'] || '')) {
        throw new Error('The callback URL must start with http:// or https://.');
      }
      await working(submit, () => startOAuth({ mode: 'reauth', elementKey: key, instanceId: inst.id, name: inst.name, configuration }),
        'Opening HubSpot…');
    } catch (err) {
      fill(status, errorBox(err, 'Could not start the HubSpot authorization.'));
    }
  });
  fill(main, header(inst, 'Re-authenticate'),
    h('p', { class: 'lead' }, 'Approve access again on HubSpot’s consent page; when you come back, the instance gets new tokens and keeps its id and token.'),
    form);
}

/* --- try it ------------------------------------------------------------------- */

const RESOURCES = [
  { key: 'contacts', label: 'Contacts', cols: ['firstname', 'lastname', 'email', 'company'] },
  { key: 'accounts', label: 'Accounts', cols: ['name', 'domain', 'city', 'industry'] },
  { key: 'opportunities', label: 'Opportunities', cols: ['dealname', 'amount', 'dealstage', 'closedate'] },
];

function recordsOf(body) {
  if (Array.isArray(body)) return body;
  if (body && typeof body === 'object') {
    for (const k of ['results', 'data', 'records', 'elements']) if (Array.isArray(body[k])) return body[k];
  }
  return [];
}

function scalar(v) {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

function pickColumns(records, preferred) {
  const props = records.map((r) => (r && typeof r.properties === 'object' && r.properties) || r || {});
  const present = preferred.filter((c) => props.some((p) => p[c] !== undefined && p[c] !== null && p[c] !== ''));
  if (present.length >= 2) return present;
  const seen = [];
  for (const p of props) {
    for (const [k, v] of Object.entries(p)) {
      if (k !== 'id' && scalar(v) && !seen.includes(k)) seen.push(k);
      if (seen.length >= 4) return seen;
    }
  }
  return seen;
}

export async function renderTry(main, alive, id, query) {
  const got = await loadInstance(main, alive, id);
  if (!got) return;
  const { inst } = got;
  const out = h('section', { class: 'card try-result', 'aria-labelledby': 'try-title', 'data-busy': '' });
  const buttons = RESOURCES.map((r) => h('button', {
    type: 'button', class: 'btn', 'aria-pressed': 'false', 'data-resource': r.key,
  }, r.label));
  const run = async (res) => {
    for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.resource === res.key));
    const path = `/hubs/crm/${res.key}`;
    const url = apiUrl(path, { pageSize: 10 });
    const masked = `curl -sS '${url}' \\\n  -H 'Authorization: User <user secret>, Organization <organization secret>, Element <instance token>'`;
    const curl = h('div', { class: 'curl' },
      h('div', { class: 'curl-head' }, h('h3', {}, 'Request'),
        copyButton(async () => {
          const s = await getSecrets();
          return `curl -sS '${url}' \\\n  -H 'Authorization: User ${s.userSecret}, Organization ${s.organizationSecret}, Element ${inst.token}'`;
        }, 'Copy with secrets', 'curl command')),
      h('pre', { class: 'code', tabindex: '0', 'aria-label': 'curl command' }, h('code', {}, masked)));
    fill(out, h('h2', { id: 'try-title' }, `${res.label}: first page`), curl, progress(`Calling the hub API: GET ${path}?pageSize=10…`));
    out.setAttribute('aria-busy', 'true');
    let body;
    try {
      const s = await getSecrets();
      body = await request('GET', path, {
        auth: 'none',
        query: { pageSize: 10 },
        headers: { Authorization: `User ${s.userSecret}, Organization ${s.organizationSecret}, Element ${inst.token}` },
      });
    } catch (err) {
      if (!alive()) return;
      out.removeAttribute('aria-busy');
      if (err.status === 404 && !err.hint) err.hint = `This elementsd may not serve ${res.label.toLowerCase()} through the hub API yet.`;
      fill(out, h('h2', { id: 'try-title' }, `${res.label}: first page`), curl, errorBox(err, `The ${res.label.toLowerCase()} could not be listed.`));
      return;
    }
    if (!alive()) return;
    out.removeAttribute('aria-busy');
    const records = recordsOf(body);
    if (records.length === 0) {
      fill(out, h('h2', { id: 'try-title' }, `${res.label}: first page`), curl,
        notice('info', `No ${res.label.toLowerCase()} in this HubSpot account.`));
      return;
    }
    const cols = pickColumns(records, res.cols);
    const rows = records.map((r) => {
      const p = (r && typeof r.properties === 'object' && r.properties) || r || {};
      return h('tr', {},
        h('th', { scope: 'row', 'data-label': 'ID' }, String(r.id ?? p.id ?? p.hs_object_id ?? '—')),
        cols.map((c) => h('td', { 'data-label': c }, scalar(p[c]) && p[c] !== null && p[c] !== '' ? String(p[c]) : h('span', { class: 'muted' }, '—'))));
    });
    fill(out, h('h2', { id: 'try-title' }, `${res.label}: first page`), curl,
      h('p', { class: 'muted', role: 'status' }, `${records.length} ${res.label.toLowerCase()} shown (first page, up to 10).`),
      h('div', { class: 'table-wrap' },
        h('table', { class: 'table responsive', id: 'try-table', 'data-resource': res.key },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'ID'), cols.map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, rows))));
  };
  buttons.forEach((b, i) => b.addEventListener('click', () => run(RESOURCES[i])));
  const blocked = inst.disabled || !inst.valid;
  fill(main,
    header(inst, 'Try it'),
    h('p', { class: 'lead' }, 'List the first page of records through the hub API with this instance’s token, as your application would.'),
    blocked ? notice('warning', inst.disabled
      ? 'This instance is disabled, so the hub API will refuse its token. Enable it first.'
      : 'This instance is not valid; re-authenticate it first.') : null,
    h('div', { class: 'actions toolbar', role: 'group', 'aria-label': 'Resource' }, buttons),
    out);
  const first = RESOURCES.find((r) => r.key === query.get('resource')) || RESOURCES[0];
  if (!blocked) run(first);
  else fill(out, h('h2', { id: 'try-title' }, 'Result'), h('p', { class: 'muted' }, 'Choose a resource to call anyway.'));
}

