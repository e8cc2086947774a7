// SPDX-License-Identifier: MIT
// Traces of an instance (#/instances/{id}/traces; GET/DELETE
// /instances/{id}/traces): the last hub calls of an instance whose
// traceLoggingEnabled is on, newest first, each with its request, response
// and HubSpot calls (secrets already redacted by elementsd). The switch
// turns trace logging on or off (PATCH traceLoggingEnabled).

import { request } from './api.js';
import { confirmDialog, errorBox, fill, h, notice, progress, timeEl, working } from './dom.js';

const enc = encodeURIComponent;
const PAGE = 20;

function pre(text) {
  return h('pre', { class: 'trace-body' }, text == null ? '—' : String(text));
}

function hubspotCall(c) {
  return h('li', { class: 'trace-hs' },
    h('code', {}, `${c.method} ${c.url}`), ' → ',
    c.status != null ? String(c.status) : (c.error || 'no answer'),
    ` · ${Math.round(c.durationMs || 0)} ms`,
    h('details', {}, h('summary', {}, 'Bodies'),
      h('p', {}, 'Request'), pre(c.requestBody), h('p', {}, 'Response'), pre(c.responseBody)));
}

function traceItem(t) {
  const query = (t.query || []).map((q) => `${q.name}=${q.value == null ? '' : q.value}`).join('&');
  const err = t.status >= 400;
  return h('li', { class: 'card trace', 'data-trace-id': String(t.id) },
    h('details', {},
      h('summary', {},
        h('span', { class: `badge badge-${err ? 'error' : 'success'}` }, String(t.status)), ' ',
        h('code', {}, `${t.method} ${t.path}${query ? `?${query}` : ''}`), ' · ',
        `${Math.round(t.durationMs || 0)} ms (HubSpot ${Math.round(t.upstreamMs || 0)} ms) · `,
        timeEl(t.createdDate)),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Request ID'), h('dd', {}, t.requestId || '—'),
        h('dt', {}, 'HubSpot calls'), h('dd', {}, String((t.hubspotCalls || []).length))),
      h('h3', {}, 'Request headers'), pre(JSON.stringify(t.requestHeaders || {}, null, 2)),
      h('h3', {}, 'Request body'), pre(t.requestBody),
      h('h3', {}, 'Response body'), pre(t.responseBody),
      h('h3', {}, 'HubSpot calls'),
      (t.hubspotCalls || []).length ? h('ol', {}, ...t.hubspotCalls.map(hubspotCall)) : h('p', { class: 'muted' }, 'None.')));
}

export async function renderTraces(main, alive, id) {
  const title = h('h1', { tabindex: '-1' }, 'Traces');
  fill(main, title, progress('Loading traces…'));
  let inst;
  let list;
  try {
    inst = await request('GET', `/instances/${enc(id)}`);
    list = await request('GET', `/instances/${enc(id)}/traces`, { query: { pageSize: String(PAGE) } });
  } catch (err) {
    if (alive()) fill(main, title, errorBox(err, 'The traces could not be loaded.'));
    return;
  }
  if (!alive()) return;
  title.textContent = `Traces · ${inst.name || `instance ${inst.id}`}`;
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const on = Boolean(inst.traceLoggingEnabled);
  const toggle = h('button', { type: 'button', class: 'btn', id: 'trace-toggle' },
    on ? 'Turn trace logging off' : 'Turn trace logging on');
  toggle.addEventListener('click', async () => {
    try {
      await working(toggle, () => request('PATCH', `/instances/${enc(id)}`, { body: { traceLoggingEnabled: !on } }));
      renderTraces(main, alive, id);
    } catch (err) {
      fill(status, errorBox(err, 'Trace logging was not changed.'));
    }
  });
  const clear = h('button', { type: 'button', class: 'btn btn-danger', id: 'trace-clear' }, 'Clear traces');
  clear.addEventListener('click', async () => {
    const ok = await confirmDialog({ title: 'Clear traces?', body: 'Every stored trace of this instance is deleted.', confirmLabel: 'Clear', danger: true });
    if (!ok) return;
    try {
      await working(clear, () => request('DELETE', `/instances/${enc(id)}/traces`));
      renderTraces(main, alive, id);
    } catch (err) {
      fill(status, errorBox(err, 'The traces were not cleared.'));
    }
  });
  const items = Array.isArray(list) ? list : [];
  fill(main, title,
    h('p', {}, h('a', { href: `#/instances/${enc(id)}` }, '← Back to the instance')),
    h('p', {}, on
      ? 'Trace logging is on: the latest hub calls of this instance are kept, with every secret redacted.'
      : 'Trace logging is off: no new calls are recorded.'),
    h('div', { class: 'actions toolbar', role: 'group', 'aria-label': 'Trace actions', 'data-busy': '' }, toggle, clear),
    status,
    items.length ? h('ol', { class: 'traces', id: 'traces' }, ...items.map(traceItem))
      : notice('info', 'No traces.'));
}
