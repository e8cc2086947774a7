// SPDX-License-Identifier: MIT
// Virtual objects (issue 12): the organization's object definitions, the
// editor (fields, rename), the mapping of an element's vendor object to the
// definition (the instance's live HubSpot properties offered as vendor
// fields) and a preview of one real record before and after the mapping.

import { getSecrets, request } from './api.js';
import { confirmDialog, errorBox, field, fill, h, newId, notice, progress, working } from './dom.js';
import { go } from './nav.js';

const TYPES = ['string', 'number', 'boolean', 'date', 'array[string]', 'array[number]', 'array[boolean]', 'array[date]'];
const ELEMENTS = [
  { key: 'hubspotcrm', name: 'HubSpot CRM', hub: 'crm' },
  { key: 'hubspot', name: 'HubSpot Marketing', hub: 'marketing' },
];
// elementsd's resource names, then HubSpot's object names (docs/api/transformations.md)
const VENDOR_OBJECTS = [
  'contacts', 'accounts', 'opportunities', 'leads', 'activities', 'owners', 'companies', 'deals', 'tickets',
  'products', 'line_items', 'notes', 'calls', 'emails', 'meetings', 'tasks', 'engagements',
];
const MAX_PREVIEW = 200000; // characters of JSON shown per record

const enc = encodeURIComponent;
const defPath = (name) => `/organizations/objects/${enc(name)}/definitions`;
const tfPath = (key, name) => `/organizations/elements/${enc(key)}/transformations/${enc(name)}`;

function elementOf(key) {
  return ELEMENTS.find((e) => e.key === key) || { key, name: key, hub: 'crm' };
}

/** The type a field shows in the select: "array" + subType reads as array[subType]. */
function shownType(f) {
  if (!f || typeof f.type !== 'string') return '';
  if (f.type === 'array' && typeof f.subType === 'string') return `array[${f.subType}]`;
  return f.type;
}

/** A document as sent back: without the level the route sets. */
function strip(doc) {
  const out = { ...(doc && typeof doc === 'object' ? doc : {}) };
  delete out.level;
  return out;
}

function json(value) {
  const s = JSON.stringify(value, null, 2);
  return s.length > MAX_PREVIEW ? `${s.slice(0, MAX_PREVIEW)}\n… (cut at ${MAX_PREVIEW} characters)` : s;
}

/** Authorization for a hub call with an instance's token. */
async function hubAuth(inst) {
  const s = await getSecrets();
  return { Authorization: `User ${s.userSecret}, Organization ${s.organizationSecret}, Element ${inst.token}` };
}

async function hubGet(inst, path, query) {
  return request('GET', `/hubs/${enc(elementOf(inst.element.key).hub)}${path}`, { auth: 'none', query, headers: await hubAuth(inst) });
}

function crumbs(last) {
  return h('p', { class: 'crumbs' }, h('a', { href: '#/objects' }, 'Virtual objects'), last ? [' / ', last] : null);
}

/* --- list -------------------------------------------------------------------- */

export async function renderObjects(main, alive) {
  const head = h('div', { class: 'page-head' },
    h('h1', { tabindex: '-1' }, 'Virtual objects'),
    h('a', { class: 'btn btn-primary', href: '#/objects/new', id: 'new-object' }, 'New virtual object'));
  const intro = h('p', { class: 'lead' },
    'A virtual object is one shape for your application (e.g. ', h('code', {}, 'myContact'),
    '), mapped to each element’s vendor object and called as ', h('code', {}, '/hubs/crm/{name}'), ' on any instance.');
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const results = h('section', { class: 'results', 'aria-labelledby': 'objects-title', 'data-busy': '' },
    h('h2', { id: 'objects-title', class: 'visually-hidden' }, 'Definitions'), progress('Loading virtual objects…'));
  fill(main, head, intro, status, results);
  let defs;
  try {
    defs = await request('GET', '/organizations/objects/definitions');
  } catch (err) {
    if (alive()) fill(results, errorBox(err, 'The virtual objects could not be loaded.'));
    return;
  }
  if (!alive()) return;
  const names = Object.keys(defs || {}).sort((a, b) => a.localeCompare(b));
  if (names.length === 0) {
    fill(results, h('h2', { id: 'objects-title', class: 'visually-hidden' }, 'Definitions'),
      notice('info', h('p', { id: 'objects-empty' }, 'No virtual objects yet. ', h('a', { href: '#/objects/new' }, 'Define one'), '.')));
    return;
  }
  const maps = await Promise.all(names.map((n) => request('GET', `/organizations/objects/${enc(n)}/transformations`)
    .then((m) => ({ ok: true, m: m || {} }), (err) => ({ ok: false, err }))));
  if (!alive()) return;
  const rows = names.map((name, i) => {
    const def = defs[name] || {};
    const fields = Array.isArray(def.fields) ? def.fields : [];
    const got = maps[i];
    let mapped;
    if (!got.ok) mapped = h('span', { class: 'muted' }, `could not be read: ${got.err.message}`);
    else if (Object.keys(got.m).length === 0) mapped = h('span', { class: 'muted' }, 'not mapped yet');
    else {
      mapped = h('ul', { class: 'plain-list' }, Object.keys(got.m).sort().map((k) => h('li', { 'data-element': k },
        h('code', {}, k), ' → ', String((got.m[k] && got.m[k].vendorName) || '?'))));
    }
    const del = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `Delete ${name}`, 'data-delete': '' }, 'Delete');
    del.addEventListener('click', async () => {
      fill(status);
      const elems = got.ok ? Object.keys(got.m) : [];
      const ok = await confirmDialog({
        title: `Delete “${name}”?`,
        body: [
          elems.length
            ? `The definition and its organization-level transformations (${elems.join(', ')}) are deleted.`
            : 'The definition is deleted.',
          `Hub calls on /hubs/…/${name} stop working at once. This cannot be undone.`,
        ],
        confirmLabel: 'Delete virtual object',
        danger: true,
      });
      if (!ok) return;
      try {
        await working(del, async () => {
          for (const k of elems) await request('DELETE', tfPath(k, name));
          await request('DELETE', defPath(name));
        }, 'Deleting…');
        go('#/objects', `Virtual object “${name}” deleted.`);
      } catch (err) {
        fill(status, errorBox(err, `“${name}” was not (completely) deleted.`));
      }
    });
    return h('tr', { 'data-object': name },
      h('th', { scope: 'row', 'data-label': 'Name' }, h('a', { href: `#/objects/${enc(name)}` }, name)),
      h('td', { 'data-label': 'Fields' }, fields.length
        ? `${fields.length}: ${fields.slice(0, 6).map((f) => f && f.path).join(', ')}${fields.length > 6 ? ', …' : ''}`
        : h('span', { class: 'muted' }, 'none')),
      h('td', { 'data-label': 'Mapped for' }, mapped),
      h('td', { 'data-label': 'Actions' }, h('div', { class: 'actions row-actions' },
        h('a', { class: 'btn btn-small', href: `#/objects/${enc(name)}`, 'aria-label': `Edit ${name}` }, 'Edit'), del)));
  });
  fill(results,
    h('h2', { id: 'objects-title', class: 'visually-hidden' }, 'Definitions'),
    h('p', { class: 'muted count', role: 'status' }, `${names.length} virtual object${names.length === 1 ? '' : 's'}`),
    h('div', { class: 'table-wrap' },
      h('table', { class: 'table responsive', id: 'objects-table' },
        h('caption', { class: 'visually-hidden' }, 'Virtual objects of the organization'),
        h('thead', {}, h('tr', {}, ['Name', 'Fields', 'Mapped for', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows))));
}

/* --- editor: the definition ----------------------------------------------------- */

function typeSelect(value, label) {
  const opts = TYPES.includes(value) || !value ? TYPES : [value, ...TYPES];
  return h('select', { 'aria-label': label, 'data-role': 'type' },
    opts.map((t) => h('option', { value: t, selected: t === (value || 'string') }, t)));
}

/** The definition form: name (new only), the fields table, save. */
function definitionForm(name, def, onSaved) {
  const isNew = name === null;
  const rows = (Array.isArray(def.fields) ? def.fields : []).map((f) => ({ orig: f, path: (f && f.path) || '', type: shownType(f) || 'string' }));
  if (isNew && rows.length === 0) rows.push({ orig: null, path: '', type: 'string' });
  const nameInput = h('input', { type: 'text', name: 'objectName', autocomplete: 'off', spellcheck: 'false', maxlength: 100 });
  const tbody = h('tbody', {});
  const addBtn = h('button', { type: 'button', class: 'btn', id: 'add-field' }, 'Add field');
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'save-definition' }, isNew ? 'Create object' : 'Save fields');

  function draw(focusRow) {
    fill(tbody, rows.map((r, i) => {
      const n = i + 1;
      const path = h('input', {
        type: 'text', value: r.path, 'aria-label': `Path of field ${n}`, autocomplete: 'off', spellcheck: 'false',
        required: true, maxlength: 1000, 'data-role': 'path',
      });
      path.addEventListener('input', () => { r.path = path.value; });
      const type = typeSelect(r.type, `Type of field ${n}`);
      type.addEventListener('change', () => { r.type = type.value; });
      const rm = h('button', { type: 'button', class: 'btn btn-small btn-quiet', 'aria-label': `Remove field ${n}` }, 'Remove');
      rm.addEventListener('click', () => {
        rows.splice(i, 1);
        draw(Math.min(i, rows.length - 1));
        if (rows.length === 0) addBtn.focus();
      });
      return h('tr', { 'data-field-row': String(n) },
        h('td', { 'data-label': `Field ${n}: path` }, path),
        h('td', { 'data-label': 'Type' }, type),
        h('td', { 'data-label': 'Remove' }, rm));
    }));
    if (focusRow !== undefined && focusRow >= 0) {
      const inp = tbody.querySelectorAll('input[data-role="path"]')[focusRow];
      if (inp) inp.focus();
    }
  }
  addBtn.addEventListener('click', () => {
    rows.push({ orig: null, path: '', type: 'string' });
    draw(rows.length - 1);
  });
  draw();

  const form = h('form', { class: 'form', id: 'definition-form', 'data-busy': '', 'aria-labelledby': 'def-title' },
    h('h2', { id: 'def-title' }, 'Fields'),
    isNew ? field({
      label: 'Object name', control: nameInput, required: true,
      hint: 'Letters, digits, “_”, “.” and “-”; the name of the hub resource, e.g. myContact.',
    }) : null,
    h('p', { class: 'hint' }, 'Paths may be dotted (', h('code', {}, 'address.city'), '). Types: string, number, boolean, date, or an array of them.'),
    h('div', { class: 'table-wrap' },
      h('table', { class: 'table responsive fields-table', id: 'fields-table' },
        h('caption', { class: 'visually-hidden' }, 'Fields of the object'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Path'), h('th', { scope: 'col' }, 'Type'),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Remove')))),
        tbody)),
    h('div', { class: 'actions' }, addBtn),
    status,
    h('div', { class: 'actions' }, submit, isNew ? h('a', { class: 'btn btn-quiet', href: '#/objects' }, 'Cancel') : null));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(status);
    if (!form.reportValidity()) return;
    const objName = isNew ? nameInput.value.trim() : name;
    const fields = rows.map((r) => {
      const o = { ...(r.orig && typeof r.orig === 'object' ? r.orig : {}) };
      if (shownType(r.orig) !== r.type) {
        o.type = r.type;
        delete o.subType;
      }
      o.path = r.path.trim();
      return o;
    });
    const body = { ...strip(def), fields };
    try {
      await working(submit, () => request(isNew ? 'POST' : 'PUT', defPath(objName), { body }), 'Saving…');
    } catch (err) {
      fill(status, errorBox(err, isNew ? 'The object was not created.' : 'The fields were not saved.'));
      return;
    }
    onSaved(objName);
  });
  return form;
}

/** Rename through PATCH /organizations/objects/{name}. */
function renameForm(name) {
  const input = h('input', { type: 'text', value: name, autocomplete: 'off', spellcheck: 'false', maxlength: 100 });
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn', id: 'rename-object' }, 'Rename');
  const form = h('form', { class: 'form inline-form', id: 'rename-form', 'data-busy': '', 'aria-labelledby': 'rename-title' },
    h('h2', { id: 'rename-title' }, 'Rename'),
    field({ label: 'New name', control: input, required: true, hint: 'The object’s transformations at the organization level are renamed with it.' }),
    status,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(status);
    if (!form.reportValidity()) return;
    const to = input.value.trim();
    if (to === name) {
      fill(status, notice('info', 'That is already its name.'));
      return;
    }
    try {
      await working(submit, () => request('PATCH', `/organizations/objects/${enc(name)}`, { body: { objectName: to } }), 'Renaming…');
    } catch (err) {
      fill(status, errorBox(err, 'The object was not renamed.'));
      return;
    }
    go(`#/objects/${enc(to)}`, `Virtual object “${name}” renamed to “${to}”.`);
  });
  return form;
}

/* --- editor: the mapping and the preview ------------------------------------------- */

function mappingSection(name, def, tfs, instances) {
  const defFields = (Array.isArray(def.fields) ? def.fields : []).filter((f) => f && typeof f.path === 'string');
  const datalistId = newId('vendor-fields');
  const vendorList = h('datalist', { id: datalistId });
  const objList = h('datalist', { id: newId('vendor-objects') }, VENDOR_OBJECTS.map((o) => h('option', { value: o })));
  const elementSel = h('select', { name: 'element' }, ELEMENTS.map((e) => h('option', { value: e.key }, `${e.name} (${e.key})`)));
  const instanceSel = h('select', { name: 'instance' });
  const vendorInput = h('input', { type: 'text', name: 'vendorName', list: objList.id, autocomplete: 'off', spellcheck: 'false', maxlength: 100 });
  const propsStatus = h('div', { class: 'vendor-status', 'aria-live': 'polite', id: 'vendor-fields-status' });
  const tbody = h('tbody', {});
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'save-mapping' }, 'Save mapping');
  const previewBtn = h('button', { type: 'button', class: 'btn', id: 'preview' }, 'Preview');
  const previewOut = h('div', { class: 'preview', id: 'preview-out', 'aria-live': 'polite' });
  let inputs = []; // [{path, input}]
  let loadSeq = 0;

  const currentKey = () => elementSel.value;
  const currentTf = () => tfs[currentKey()] || null;
  const currentInst = () => instances.find((i) => String(i.id) === instanceSel.value) || null;

  function fillInstances() {
    const list = instances.filter((i) => i.element && i.element.key === currentKey());
    fill(instanceSel, list.length === 0
      ? h('option', { value: '' }, 'No instance of this element')
      : list.map((i) => h('option', { value: String(i.id) },
        `${i.name || `#${i.id}`} (#${i.id}${i.disabled ? ', disabled' : ''}${i.valid === false ? ', invalid' : ''})`)));
    instanceSel.disabled = list.length === 0;
    previewBtn.disabled = list.length === 0;
  }

  function fillRows() {
    const tf = currentTf();
    const tfFields = (tf && Array.isArray(tf.fields) ? tf.fields : []).filter((f) => f && typeof f.path === 'string');
    const paths = defFields.map((f) => f.path);
    for (const f of tfFields) if (!paths.includes(f.path)) paths.push(f.path);
    inputs = paths.map((p) => {
      const mapped = tfFields.find((f) => f.path === p);
      const input = h('input', {
        type: 'text', list: datalistId, value: (mapped && mapped.vendorPath) || '', autocomplete: 'off', spellcheck: 'false',
        maxlength: 1000, 'aria-label': `Vendor field for ${p}`, placeholder: 'properties.…', 'data-path': p,
      });
      return { path: p, input };
    });
    fill(tbody, inputs.map(({ path, input }) => {
      const d = defFields.find((f) => f.path === path);
      return h('tr', { 'data-map-row': path },
        h('th', { scope: 'row', 'data-label': 'Field' }, h('code', {}, path),
          d ? h('span', { class: 'muted' }, ` ${shownType(d) || ''}`) : h('span', { class: 'muted' }, ' (not in the definition)')),
        h('td', { 'data-label': 'Vendor field' }, input));
    }));
    if (inputs.length === 0) fill(tbody, h('tr', {}, h('td', { colspan: '2' }, h('span', { class: 'muted' }, 'Add fields to the object first.'))));
  }

  async function loadVendorFields() {
    const seq = ++loadSeq;
    fill(vendorList);
    const inst = currentInst();
    const vendorName = vendorInput.value.trim();
    if (!inst || !vendorName) {
      fill(propsStatus, h('p', { class: 'hint' }, inst ? 'Choose a vendor object to load its fields.'
        : 'No instance of this element: authenticate one to be offered its HubSpot properties. You can still type vendor paths.'));
      return;
    }
    fill(propsStatus, progress(`Loading ${vendorName} properties from HubSpot…`));
    let meta;
    try {
      meta = await hubGet(inst, `/objects/${enc(vendorName)}/metadata`);
    } catch (err) {
      if (seq !== loadSeq) return;
      fill(propsStatus, errorBox(err, `The vendor fields of ${vendorName} could not be loaded; you can still type vendor paths.`));
      return;
    }
    if (seq !== loadSeq) return;
    const fields = (meta && Array.isArray(meta.fields) ? meta.fields : []).filter((f) => f && typeof f.vendorPath === 'string');
    fill(vendorList, fields.map((f) => h('option', { value: f.vendorPath, label: f.vendorDisplayName ? `${f.vendorDisplayName} (${f.type || 'string'})` : undefined })));
    fill(propsStatus, h('p', { class: 'hint', id: 'vendor-fields-count' },
      `${fields.length} vendor field${fields.length === 1 ? '' : 's'} of ${vendorName} from instance “${inst.name}” are offered; `,
      'free text is fine too (', h('code', {}, 'id'), ', ', h('code', {}, 'associations[0].id'), ').'));
  }

  function selectElement() {
    const tf = currentTf();
    vendorInput.value = (tf && tf.vendorName) || 'contacts';
    fillInstances();
    fillRows();
    fill(status);
    fill(previewOut);
    loadVendorFields();
  }

  const start = ELEMENTS.find((e) => tfs[e.key]) || ELEMENTS[0];
  elementSel.value = start.key;
  elementSel.addEventListener('change', selectElement);
  instanceSel.addEventListener('change', () => {
    fill(previewOut);
    loadVendorFields();
  });
  vendorInput.addEventListener('change', loadVendorFields);

  const form = h('form', { class: 'form', id: 'mapping-form', 'data-busy': '', 'aria-labelledby': 'map-title' },
    h('h2', { id: 'map-title' }, 'Mapping'),
    h('p', { class: 'hint' }, 'Map the element’s vendor object to this object, field by field. Stored at the organization level for the element.'),
    h('div', { class: 'map-grid' },
      field({ label: 'Element', control: elementSel }),
      field({ label: 'Instance', control: instanceSel, hint: 'Its HubSpot properties are offered as vendor fields; the preview uses it.' }),
      field({ label: 'Vendor object', control: vendorInput, required: true, hint: 'contacts, accounts, opportunities, leads, companies, deals, …' })),
    objList, vendorList, propsStatus,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'table responsive mapping-table', id: 'mapping-table' },
        h('caption', { class: 'visually-hidden' }, 'Vendor field of each field'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Field'), h('th', { scope: 'col' }, 'Vendor field (vendorPath)'))),
        tbody)),
    h('p', { class: 'hint' }, 'A field left empty is not mapped.'),
    status,
    h('div', { class: 'actions' }, submit));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(status);
    if (!form.reportValidity()) return;
    const key = currentKey();
    const tf = currentTf();
    const old = (tf && Array.isArray(tf.fields) ? tf.fields : []);
    const fields = [];
    for (const { path, input } of inputs) {
      const vp = input.value.trim();
      if (!vp) continue;
      const o = { ...(old.find((f) => f && f.path === path) || {}) };
      o.path = path;
      o.vendorPath = vp;
      fields.push(o);
    }
    const body = { ...strip(tf), vendorName: vendorInput.value.trim(), fields };
    let saved;
    try {
      saved = await working(submit, () => request(tf ? 'PUT' : 'POST', tfPath(key, name), { body }), 'Saving…');
    } catch (err) {
      fill(status, errorBox(err, 'The mapping was not saved.'));
      return;
    }
    tfs[key] = saved || body;
    fill(status, notice('success', `Mapping saved for ${elementOf(key).name} (${key} → ${body.vendorName}).`));
  });

  async function preview() {
    const inst = currentInst();
    if (!inst) return;
    const vendorName = (currentTf() && currentTf().vendorName) || vendorInput.value.trim();
    fill(previewOut, progress(`Reading one ${vendorName} record and one ${name} record…`));
    const one = (body) => (Array.isArray(body) ? body[0] : body);
    const [before, after] = await working(previewBtn, () => Promise.allSettled([
      hubGet(inst, `/${enc(vendorName)}`, { pageSize: 1 }),
      hubGet(inst, `/${enc(name)}`, { pageSize: 1 }),
    ]), 'Loading…');
    const panel = (id, title, res, what) => h('section', { class: 'preview-panel', 'aria-labelledby': `${id}-title` },
      h('h3', { id: `${id}-title` }, title),
      res.status === 'rejected'
        ? errorBox(res.reason, `The ${what} could not be read.`)
        : (one(res.value) === undefined
          ? notice('info', `No ${what} to show.`)
          : h('pre', { class: 'code', id, tabindex: '0', 'aria-label': title }, json(one(res.value)))));
    fill(previewOut,
      tfs[currentKey()] ? null : notice('warning', 'No mapping is saved for this element yet: save it first.'),
      h('div', { class: 'preview-grid' },
        panel('preview-before', `Before: ${vendorName} (HubSpot)`, before, `${vendorName} record`),
        panel('preview-after', `After: ${name}`, after, `mapped ${name} record`)));
  }
  previewBtn.addEventListener('click', () => {
    preview().catch((err) => fill(previewOut, errorBox(err, 'The preview failed.')));
  });

  const previewCard = h('section', { class: 'card', 'aria-labelledby': 'preview-title', 'data-busy': '' },
    h('h2', { id: 'preview-title' }, 'Preview'),
    h('p', { class: 'hint' }, 'One real record through the chosen instance, as HubSpot has it (',
      h('code', {}, 'GET /hubs/…/{vendor object}?pageSize=1'), ') and as your application gets it with the saved mapping (',
      h('code', {}, `GET /hubs/…/${name}?pageSize=1`), ').'),
    h('div', { class: 'actions' }, previewBtn),
    previewOut);

  selectElement();
  return [h('section', { class: 'card' }, form), previewCard];
}

/* --- editor page ---------------------------------------------------------------- */

export async function renderObject(main, alive, name) {
  if (name === null) {
    const form = definitionForm(null, {}, (n) => go(`#/objects/${enc(n)}`, `Virtual object “${n}” created. Map it to an element below.`));
    fill(main, crumbs('New'), h('h1', { tabindex: '-1' }, 'New virtual object'), h('section', { class: 'card' }, form));
    return;
  }
  fill(main, crumbs(name), h('h1', { tabindex: '-1' }, name), progress('Loading the object…'));
  let def;
  let tfs;
  let instances;
  try {
    [def, tfs, instances] = await Promise.all([
      request('GET', defPath(name)),
      request('GET', `/organizations/objects/${enc(name)}/transformations`),
      request('GET', '/instances').catch((err) => (err.status === 404 ? [] : Promise.reject(err))),
    ]);
  } catch (err) {
    if (alive()) {
      fill(main, crumbs(name), h('h1', { tabindex: '-1' }, name),
        errorBox(err, err.status === 404 ? 'There is no virtual object of this name (it may have been renamed or deleted).' : 'The object could not be loaded.'));
    }
    return;
  }
  if (!alive()) return;
  const form = definitionForm(name, def || {}, (n) => go(`#/objects/${enc(n)}`, `Fields of “${n}” saved.`));
  fill(main,
    crumbs(name),
    h('h1', { tabindex: '-1' }, name),
    h('section', { class: 'card' }, form),
    mappingSection(name, def || {}, tfs || {}, Array.isArray(instances) ? instances : []),
    h('section', { class: 'card' }, renameForm(name)));
}
