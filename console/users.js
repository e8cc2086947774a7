// SPDX-License-Identifier: MIT
// The users page (#/users, issue 15): the users the caller may see
// (GET /users). Administrators (org-admin; account-admin within its account)
// also create users, change their role, disable, enable and delete them;
// a plain user sees only itself and no action. A new user's secret is shown
// once, in the answer of its creation, and kept nowhere: leaving the page
// forgets it. Every value is set as text (dom.js h()): a name with markup
// in it is shown, never parsed.

import { request } from './api.js';
import {
  announce, badge, confirmDialog, copyButton, errorBox, field, fill, h, notice, progress, timeEl, working,
} from './dom.js';

const ROLES = ['org-admin', 'account-admin', 'user'];
const ROLE_TEXT = { 'org-admin': 'Organization admin', 'account-admin': 'Account admin', user: 'User' };

function fullName(u) {
  const n = [u.firstName, u.lastName].filter((x) => x).join(' ');
  return n || h('span', { class: 'muted' }, '—');
}

/** The roles me may give: an account admin never makes an org admin. */
function grantable(me) {
  return me.role === 'org-admin' ? ROLES : ROLES.filter((r) => r !== 'org-admin');
}

/** May me change (or delete) user u? The server decides; this hides what it would refuse. */
function manages(me, u) {
  if (u.id === me.userId) return false;
  if (me.role === 'org-admin') return true;
  return me.role === 'account-admin' && u.accountId === me.accountId && u.role !== 'org-admin';
}

function roleSelect(me, value, attrs) {
  return h('select', attrs, grantable(me).map((r) => h('option', { value: r, selected: r === value }, ROLE_TEXT[r])));
}

/** Render the users page into main; alive() is false once the user left. */
export async function renderUsers(main, alive) {
  fill(main, h('h1', { tabindex: '-1' }, 'Users'), progress('Loading the users…'));
  let me;
  let users;
  let accounts = [];
  try {
    [me, users] = await Promise.all([request('GET', '/organizations/me'), request('GET', '/users')]);
    if (me.role === 'org-admin') accounts = await request('GET', '/accounts');
  } catch (err) {
    if (alive()) fill(main, h('h1', { tabindex: '-1' }, 'Users'), errorBox(err, 'The users could not be loaded.'));
    return;
  }
  if (!alive()) return;
  const admin = me.role === 'org-admin' || me.role === 'account-admin';
  const accountName = new Map(accounts.map((a) => [a.id, a.name]));
  const status = h('div', { class: 'form-status', id: 'users-status', 'aria-live': 'polite' });
  const tbody = h('tbody', { id: 'users-rows' });
  const count = h('p', { class: 'muted count', role: 'status', id: 'users-count' });

  function showCount() {
    const n = tbody.children.length;
    count.textContent = `${n} user${n === 1 ? '' : 's'}`;
  }

  function row(u) {
    const tr = h('tr', { 'data-user-id': u.id });
    const state = () => (u.disabled ? badge('Disabled', 'off') : badge('Active', 'ok'));
    const stateCell = h('td', { 'data-label': 'Status', class: 'user-state' }, state());
    const cells = [
      h('th', { scope: 'row', 'data-label': 'Name', class: 'user-name' }, fullName(u)),
      h('td', { 'data-label': 'Email', class: 'user-email' }, u.email),
    ];
    let roleCell;
    if (admin && manages(me, u)) {
      const sel = roleSelect(me, u.role, { 'aria-label': `Role of ${u.email}`, 'data-role-select': '' });
      sel.addEventListener('change', async () => {
        fill(status);
        const want = sel.value;
        sel.disabled = true;
        try {
          const v = await request('PATCH', `/users/${u.id}`, { body: { role: want } });
          u.role = v.role;
          announce(`${u.email} is now ${ROLE_TEXT[u.role] || u.role}.`);
        } catch (err) {
          sel.value = u.role;
          fill(status, errorBox(err, 'The role was not changed.'));
        } finally {
          sel.disabled = false;
        }
      });
      roleCell = h('td', { 'data-label': 'Role' }, sel);
    } else {
      roleCell = h('td', { 'data-label': 'Role', class: 'user-role' }, ROLE_TEXT[u.role] || u.role);
    }
    cells.push(roleCell);
    if (me.role === 'org-admin') cells.push(h('td', { 'data-label': 'Account' }, accountName.get(u.accountId) || String(u.accountId)));
    cells.push(stateCell, h('td', { 'data-label': 'Created' }, timeEl(u.createdDate)));
    if (admin) {
      const acts = h('td', { 'data-label': 'Actions', class: 'user-actions' });
      if (manages(me, u)) {
        const toggle = h('button', { type: 'button', class: 'btn btn-small', 'data-toggle-user': '' });
        const label = () => fill(toggle, u.disabled ? 'Enable' : 'Disable', h('span', { class: 'visually-hidden' }, ` ${u.email}`));
        label();
        toggle.addEventListener('click', async () => {
          fill(status);
          try {
            const v = await working(toggle, () => request('PATCH', `/users/${u.id}`, { body: { disabled: !u.disabled } }));
            u.disabled = v.disabled;
            label();
            fill(stateCell, state());
            announce(`${u.email} ${u.disabled ? 'disabled' : 'enabled'}.`);
          } catch (err) {
            fill(status, errorBox(err, u.disabled ? 'The user was not enabled.' : 'The user was not disabled.'));
          }
        });
        const del = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'data-delete-user': '' },
          'Delete', h('span', { class: 'visually-hidden' }, ` ${u.email}`));
        del.addEventListener('click', async () => {
          fill(status);
          const ok = await confirmDialog({
            title: `Delete ${u.email}?`,
            body: ['The user and its secrets are removed; its sessions stop working at once. This cannot be undone.'],
            confirmLabel: 'Delete user',
            danger: true,
          });
          if (!ok) return;
          try {
            await working(del, () => request('DELETE', `/users/${u.id}`), 'Deleting…');
            tr.remove();
            showCount();
            announce(`${u.email} deleted.`);
          } catch (err) {
            fill(status, errorBox(err, 'The user was not deleted.'));
          }
        });
        acts.append(h('div', { class: 'actions', 'data-busy': '' }, toggle, del));
      } else {
        acts.append(h('span', { class: 'muted' }, u.id === me.userId ? 'You' : '—'));
      }
      cells.push(acts);
    }
    tr.append(...cells);
    return tr;
  }

  for (const u of users) tbody.append(row(u));
  showCount();

  const cols = ['Name', 'Email', 'Role'];
  if (me.role === 'org-admin') cols.push('Account');
  cols.push('Status', 'Created');
  if (admin) cols.push('Actions');
  const table = h('div', { class: 'table-wrap' },
    h('table', { class: 'table responsive', id: 'users-table' },
      h('caption', { class: 'visually-hidden' }, 'Users'),
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
      tbody));

  const parts = [
    h('h1', { tabindex: '-1' }, 'Users'),
    h('p', { class: 'muted' }, admin
      ? 'The users you manage. A new user’s secret is shown once, when it is created.'
      : 'Your user. An administrator of your organization or account manages users.'),
  ];
  if (admin) parts.push(createForm());
  parts.push(status, count, table);
  fill(main, parts);

  function createForm() {
    const email = h('input', { type: 'email', name: 'email', autocomplete: 'off', spellcheck: 'false' });
    const password = h('input', { type: 'password', name: 'new-password', autocomplete: 'new-password', minlength: '8', maxlength: '1024' });
    const first = h('input', { type: 'text', name: 'firstName', maxlength: '200', autocomplete: 'off' });
    const last = h('input', { type: 'text', name: 'lastName', maxlength: '200', autocomplete: 'off' });
    const role = roleSelect(me, 'user', { name: 'role' });
    const acct = me.role === 'org-admin'
      ? h('select', { name: 'accountId' }, accounts.map((a) => h('option', { value: a.id, selected: a.defaultAccount }, a.name)))
      : null;
    const out = h('div', { id: 'new-user-result', 'aria-live': 'polite' });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'create-user' }, 'Create user');
    const form = h('form', { class: 'form', id: 'user-form', 'data-busy': '' },
      h('h2', {}, 'New user'),
      field({ label: 'Email', control: email, required: true }),
      field({ label: 'Password', control: password, required: true, hint: '8 to 1,024 characters.' }),
      field({ label: 'First name', control: first }),
      field({ label: 'Last name', control: last }),
      field({ label: 'Role', control: role }),
      acct ? field({ label: 'Account', control: acct }) : null,
      submit, out);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      fill(out);
      if (!form.reportValidity()) return;
      const body = { email: email.value.trim(), password: password.value, role: role.value };
      if (first.value.trim()) body.firstName = first.value.trim();
      if (last.value.trim()) body.lastName = last.value.trim();
      if (acct) body.accountId = Number(acct.value);
      let u;
      try {
        u = await working(submit, () => request('POST', '/users', { body }), 'Creating…');
      } catch (err) {
        fill(out, errorBox(err, 'The user was not created.'));
        return;
      }
      if (!alive()) return;
      const secret = u.userSecret;
      delete u.userSecret;
      tbody.append(row(u));
      showCount();
      form.reset();
      fill(out, notice('success',
        h('p', { class: 'notice-title' }, `User ${u.email} created.`),
        h('p', {}, 'Its user secret, shown this once (it cannot be read again; reset it to get a new one):'),
        h('p', {}, h('output', { class: 'secret-value', id: 'new-user-secret', 'aria-label': 'New user secret' }, secret),
          ' ', copyButton(() => secret, 'Copy', 'User secret'))));
    });
    return form;
  }
}
