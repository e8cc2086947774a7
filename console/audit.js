// SPDX-License-Identifier: MIT
// The audit page (#/audit): the organization's audit log (GET /audit),
// newest first, filtered by action, 50 entries a page with "Older
// entries". Every value is set as text (dom.js h()): a detail with markup
// in it is shown, never parsed.

import { request } from './api.js';
import { errorBox, fill, h, notice, progress, timeEl } from './dom.js';

const PAGE = 50;

const ACTIONS = [
  'instance.create', 'instance.update', 'instance.delete', 'instance.enable', 'instance.disable',
  'config.update', 'vdr.write', 'instance.token.regenerate', 'user.secret.reset', 'org.secret.reset',
  'user.password.change', 'user.password.reset', 'auth.login.failed',
];

function quoted(v) {
  return `'${String(v).replace(/'/g, "''")}'`;
}

function entryRow(e) {
  const target = e.targetType ? `${e.targetType}${e.targetId ? ` ${e.targetId}` : ''}` : '—';
  return h('tr', { 'data-audit-id': e.id },
    h('td', { 'data-label': 'When' }, timeEl(e.at)),
    h('th', { scope: 'row', 'data-label': 'Action' }, h('code', {}, e.action)),
    h('td', { 'data-label': 'Target' }, target),
    h('td', { 'data-label': 'Who' }, e.actorId ? `user ${e.actorId}` : h('span', { class: 'muted' }, 'nobody known')),
    h('td', { 'data-label': 'From' }, e.actorIp || h('span', { class: 'muted' }, '—')),
    h('td', { 'data-label': 'Detail', class: 'audit-detail' }, e.detail || h('span', { class: 'muted' }, '—')),
    h('td', { 'data-label': 'Outcome' }, e.outcome ? String(e.outcome) : '—'),
    h('td', { 'data-label': 'Request' }, e.requestId ? h('code', { class: 'muted' }, e.requestId) : '—'));
}

/** Render the audit page into main; alive() is false once the user left. */
export async function renderAudit(main, alive, query) {
  const action = query.get('action') || '';
  const select = h('select', { id: 'audit-action', name: 'action' },
    h('option', { value: '' }, 'All actions'),
    ACTIONS.map((a) => h('option', { value: a, selected: a === action }, a)));
  const form = h('form', { class: 'form form-inline', id: 'audit-filter' },
    h('label', { for: 'audit-action' }, 'Action '), select,
    h('button', { type: 'submit', class: 'btn' }, 'Filter'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = select.value ? `#/audit?action=${encodeURIComponent(select.value)}` : '#/audit';
  });
  const results = h('section', { 'aria-labelledby': 'audit-results', id: 'audit-results-box' });
  fill(main,
    h('h1', { tabindex: '-1' }, 'Audit log'),
    h('p', { class: 'muted' }, 'Changes to instances, configuration, virtual resources and secrets, and refused log-ins, newest first. Secrets are never recorded.'),
    form, results);
  const tbody = h('tbody', { id: 'audit-rows' });
  const more = h('button', { type: 'button', class: 'btn', id: 'audit-more' }, 'Older entries');
  const moreBox = h('div', { class: 'actions' }); // holds `more` while older entries may exist
  let full = false;
  let before = null;
  let shown = 0;
  const count = h('p', { class: 'muted count', role: 'status', id: 'audit-count' });

  async function page() {
    const q = { pageSize: String(PAGE) };
    if (action) q.where = `action=${quoted(action)}`;
    if (before) q.nextPage = String(before);
    const list = await request('GET', '/audit', { query: q });
    if (!alive()) return null;
    for (const e of list) tbody.append(entryRow(e));
    shown += list.length;
    before = list.length ? list[list.length - 1].id : before;
    full = list.length === PAGE;
    fill(moreBox, full ? more : null);
    count.textContent = `${shown} entr${shown === 1 ? 'y' : 'ies'}${full ? ' (more below)' : ''}`;
    return list;
  }

  fill(results, h('h2', { id: 'audit-results', class: 'visually-hidden' }, 'Entries'), progress('Loading the audit log…'));
  let first;
  try {
    first = await page();
  } catch (err) {
    if (alive()) fill(results, errorBox(err, err.status === 403 ? 'Only an organization administrator can read the audit log.' : 'The audit log could not be loaded.'));
    return;
  }
  if (!first) return;
  if (shown === 0) {
    fill(results, h('h2', { id: 'audit-results', class: 'visually-hidden' }, 'Entries'),
      notice('info', h('p', { id: 'audit-empty' }, action ? 'No entry with this action.' : 'No entries yet.')));
    return;
  }
  const cols = ['When', 'Action', 'Target', 'Who', 'From', 'Detail', 'Outcome', 'Request'];
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      await page();
    } catch (err) {
      results.append(errorBox(err, 'More entries could not be loaded.'));
    } finally {
      more.disabled = false;
    }
  });
  fill(results,
    h('h2', { id: 'audit-results', class: 'visually-hidden' }, 'Entries'),
    count,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'table responsive', id: 'audit-table' },
        h('caption', { class: 'visually-hidden' }, 'Audit log'),
        h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
        tbody)),
    moreBox);
}
