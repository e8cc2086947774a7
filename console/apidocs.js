// SPDX-License-Identifier: MIT
// API docs (issue 14): an instance's API document (GET /instances/{id}/docs,
// built from its portal's live properties and its virtual resources),
// rendered by swagger-ui (pinned in console/renderer/package.json, embedded
// in the binary as /console/swagger-ui-bundle.js and swagger-ui.css). "Try
// it out" sends each request through the instance: the page adds
// `Authorization: User …, Organization …, Element <instance token>` (the
// session's secrets from /authentication/secrets) to the request; nothing
// else leaves the page. #/docs lists the instances, #/instances/{id}/docs
// shows one.

import { getSecrets, request } from './api.js';
import { errorBox, fill, h, notice, progress } from './dom.js';

const enc = encodeURIComponent;
let rendererLoad = null;

/** Load the renderer's script and style once; resolves false when this build has none. */
function loadRenderer() {
  if (window.SwaggerUIBundle) return Promise.resolve(true);
  if (rendererLoad) return rendererLoad;
  rendererLoad = new Promise((resolve) => {
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = '/console/swagger-ui.css';
    document.head.appendChild(css);
    const s = document.createElement('script');
    s.src = '/console/swagger-ui-bundle.js';
    s.onload = () => resolve(Boolean(window.SwaggerUIBundle));
    s.onerror = () => { rendererLoad = null; resolve(false); };
    document.head.appendChild(s);
  });
  return rendererLoad;
}

export async function renderDocsIndex(main, alive) {
  fill(main, h('h1', { tabindex: '-1' }, 'API docs'), progress('Loading instances…'));
  try {
    const list = await request('GET', '/instances');
    if (!alive()) return;
    const items = (Array.isArray(list) ? list : []).map((inst) => h('li', {},
      h('a', { href: `#/instances/${enc(inst.id)}/docs` }, inst.name || `Instance ${inst.id}`),
      ` (${inst.element && inst.element.key ? inst.element.key : 'element'})`));
    fill(main, h('h1', { tabindex: '-1' }, 'API docs'),
      h('p', {}, 'Every call an instance answers, with its portal\'s own fields. Pick an instance:'),
      items.length ? h('ul', { class: 'docs-list' }, ...items) : notice('info', 'No instances yet.'));
  } catch (err) {
    if (alive()) fill(main, h('h1', { tabindex: '-1' }, 'API docs'), errorBox(err));
  }
}

export async function renderApiDocs(main, alive, id) {
  const title = h('h1', { tabindex: '-1' }, 'API docs');
  fill(main, title, progress('Building the API document…'));
  let inst;
  let doc;
  try {
    inst = await request('GET', `/instances/${enc(id)}`);
    if (!alive()) return;
    title.textContent = `API docs · ${inst.name || `instance ${inst.id}`}`;
    doc = await request('GET', `/instances/${enc(id)}/docs`);
  } catch (err) {
    if (alive()) fill(main, title, errorBox(err, 'The API document could not be built.'));
    return;
  }
  if (!alive()) return;
  const ok = await loadRenderer();
  if (!alive()) return;
  const raw = h('a', { href: '#', id: 'docs-download' }, 'Download the Swagger 2.0 document');
  raw.addEventListener('click', (e) => {
    e.preventDefault();
    const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
    const a = h('a', { href: url, download: `instance-${inst.id}-swagger.json` });
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
  if (!ok) {
    fill(main, title, notice('error', 'The API docs renderer is missing from this build: run make deps, then rebuild elementsd.'),
      h('p', {}, raw));
    return;
  }
  const host = h('div', { id: 'swagger-ui', class: 'swagger-host' });
  fill(main, title,
    h('p', {}, '“Try it out” calls go through this instance (its Element token and your organization\'s secrets). ', raw),
    host);
  let auth = null;
  window.SwaggerUIBundle({
    spec: doc,
    domNode: host,
    deepLinking: false,
    tryItOutEnabled: false,
    validatorUrl: null,
    // tags start collapsed: swagger-ui 5 stops rendering an expanded list of
    // much more than a hundred operations (a portal's document has ~150)
    docExpansion: 'none',
    requestInterceptor: async (req) => {
      if (!auth) {
        const s = await getSecrets();
        auth = `User ${s.userSecret}, Organization ${s.organizationSecret}, Element ${inst.token}`;
      }
      req.headers.Authorization = auth;
      req.credentials = 'omit';
      return req;
    },
  });
}
