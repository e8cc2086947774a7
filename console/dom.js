// SPDX-License-Identifier: MIT
// DOM helpers. Everything the console shows is built with createElement and
// textContent: no HTML string is ever parsed, so values from the API cannot
// inject markup or script.

/** h('tag', {attrs}, ...children): an element. Strings become text nodes. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'value') el.value = String(v);
    else if (k === 'checked') el.checked = Boolean(v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  add(el, children);
  return el;
}

function add(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  add(el, children);
  return el;
}

let uid = 0;
/** A fresh id for label/aria wiring. */
export function newId(prefix = 'f') {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A labelled form field: label + control + optional hint, wired with aria. */
export function field({ label, control, hint, required, className }) {
  const id = control.id || newId('field');
  control.id = id;
  const parts = [h('label', { for: id }, label, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null)];
  if (hint) {
    const hid = `${id}-hint`;
    control.setAttribute('aria-describedby', hid);
    parts.push(control, h('p', { class: 'hint', id: hid }, hint));
  } else {
    parts.push(control);
  }
  if (required) control.required = true;
  return h('div', { class: `field${className ? ` ${className}` : ''}` }, parts);
}

/** A checkbox with its label after it. */
export function checkField({ label, checkbox, hint }) {
  const id = checkbox.id || newId('check');
  checkbox.id = id;
  const parts = [h('div', { class: 'check-row' }, checkbox, h('label', { for: id }, label))];
  if (hint) {
    const hid = `${id}-hint`;
    checkbox.setAttribute('aria-describedby', hid);
    parts.push(h('p', { class: 'hint', id: hid }, hint));
  }
  return h('div', { class: 'field field-check' }, parts);
}

/**
 * HubSpot's answer as words: providerMessage is often HubSpot's JSON error
 * body; show its message (and category) rather than the raw JSON.
 */
export function plainProviderMessage(pm) {
  const text = String(pm).trim();
  if (!text.startsWith('{')) return text;
  try {
    const o = JSON.parse(text);
    const msg = o.message || o.error_description || o.error || o.status;
    if (typeof msg !== 'string' || !msg) return 'an error without a message.';
    const cat = typeof o.category === 'string' && o.category ? ` (${o.category.replace(/_/g, ' ').toLowerCase()})` : '';
    return `${msg}${cat}`;
  } catch {
    return text;
  }
}

/** Plain-words rendering of an error (ApiError or any Error). */
export function errorBox(err, intro) {
  const box = h('div', { class: 'notice notice-error', role: 'alert' });
  if (intro) box.append(h('p', { class: 'notice-title' }, intro));
  box.append(h('p', { class: 'error-message' }, (err && err.message) || 'Something went wrong.'));
  if (err && err.providerMessage) {
    box.append(h('p', { class: 'provider-message' }, 'HubSpot said: ', plainProviderMessage(err.providerMessage)));
  }
  if (err && err.hint) box.append(h('p', { class: 'hint' }, err.hint));
  if (err && err.requestId) {
    box.append(h('p', { class: 'request-id' }, 'Request id: ', h('code', {}, err.requestId)));
  }
  return box;
}

export function notice(kind, ...children) {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, children);
}

/**
 * Run an async action with a "Working…" state on a button and aria-busy on
 * its region. Returns what fn returns; errors propagate.
 */
export async function working(button, fn, label = 'Working…') {
  const region = (button && (button.closest('[data-busy]') || button.form)) || document.getElementById('main');
  const old = button ? Array.from(button.childNodes) : null;
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    fill(button, h('span', { class: 'spinner', 'aria-hidden': 'true' }), label);
  }
  region.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    region.removeAttribute('aria-busy');
    if (button) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
      fill(button, old);
    }
  }
}

/** A progress line for whole-view loads. */
export function progress(text) {
  return h('p', { class: 'progress', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

/** Copy text to the clipboard; falls back to a hidden textarea. */
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* fall through */
  }
  const ta = h('textarea', { class: 'offscreen', 'aria-hidden': 'true', readonly: true });
  ta.value = text;
  document.body.append(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}

/** A copy button: getText may be async (e.g. fetch a secret first). */
export function copyButton(getText, label = 'Copy', what = 'Value') {
  const btn = h('button', { type: 'button', class: 'btn btn-small', 'data-copy': '' }, label);
  btn.addEventListener('click', async () => {
    let text;
    try {
      text = await getText();
    } catch (err) {
      announce(`Could not copy: ${err.message}`);
      return;
    }
    const ok = await copyText(text);
    btn.textContent = ok ? 'Copied' : 'Copy failed';
    announce(ok ? `${what} copied to the clipboard.` : 'The browser did not allow copying; select the text instead.');
    setTimeout(() => {
      btn.textContent = label;
    }, 1600);
  });
  return btn;
}

/**
 * A secret value shown masked until revealed. getValue is async and called
 * on first reveal or copy only.
 */
export function secretValue({ label, getValue, what }) {
  let value = null;
  let shown = false;
  const out = h('output', { class: 'secret-value masked', 'aria-label': `${label} (hidden)` }, '••••••••••••');
  const get = async () => {
    if (value === null) value = await getValue();
    return value;
  };
  const reveal = h('button', { type: 'button', class: 'btn btn-small', 'aria-pressed': 'false', 'data-reveal': '' }, 'Reveal');
  reveal.addEventListener('click', async () => {
    if (shown) {
      shown = false;
      out.textContent = '••••••••••••';
      out.classList.add('masked');
      out.setAttribute('aria-label', `${label} (hidden)`);
      reveal.textContent = 'Reveal';
      reveal.setAttribute('aria-pressed', 'false');
      return;
    }
    try {
      const v = await working(reveal, get, 'Loading…');
      shown = true;
      out.textContent = v;
      out.classList.remove('masked');
      out.setAttribute('aria-label', label);
      reveal.textContent = 'Hide';
      reveal.setAttribute('aria-pressed', 'true');
    } catch (err) {
      announce(`Could not load the ${label.toLowerCase()}: ${err.message}`);
    }
  });
  return h('div', { class: 'secret' }, out, h('div', { class: 'secret-actions' }, reveal, copyButton(get, 'Copy', what || label)));
}

/** Screen-reader (and visible) announcement in the status line. */
export function announce(text) {
  const el = document.getElementById('announce');
  if (!el) return;
  el.textContent = '';
  // a fresh text node makes repeated messages be read again
  setTimeout(() => {
    el.textContent = text;
  }, 30);
}

/** A modal confirmation using <dialog>; resolves true when confirmed. */
export function confirmDialog({ title, body, confirmLabel = 'Confirm', danger = false }) {
  return new Promise((resolve) => {
    const titleId = newId('dlg');
    const cancel = h('button', { type: 'button', class: 'btn', value: 'cancel' }, 'Cancel');
    const ok = h('button', { type: 'button', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}`, value: 'ok', 'data-confirm': '' }, confirmLabel);
    const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title),
      body.map ? body.map((p) => h('p', {}, p)) : h('p', {}, body),
      h('div', { class: 'actions' }, cancel, ok));
    let answer = false;
    cancel.addEventListener('click', () => dlg.close());
    ok.addEventListener('click', () => {
      answer = true;
      dlg.close();
    });
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(answer);
    });
    document.body.append(dlg);
    dlg.showModal();
    cancel.focus();
  });
}

/** Local date + time of an ISO 8601 string, with a <time> element. */
export function timeEl(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h('span', {}, iso);
  const text = d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  return h('time', { datetime: iso, title: iso }, text);
}

export function badge(text, kind) {
  return h('span', { class: `badge badge-${kind}` }, text);
}

/** Tags as small chips. */
export function tagList(tags) {
  if (!Array.isArray(tags) || tags.length === 0) return h('span', { class: 'muted' }, '—');
  return h('ul', { class: 'tags', 'aria-label': 'Tags' }, tags.map((t) => h('li', { class: 'tag' }, String(t))));
}

/** Comma-separated input → clean array of tags. */
export function parseTags(text) {
  return String(text || '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}
