// SPDX-License-Identifier: MIT
// The console's virtual objects page (issue 12) in headless Chromium: define
// an object, map it to contacts of an API-key instance with the vendor fields
// its HubSpot properties offer, preview one record before and after, and the
// refusals (a bad vendorPath, duplicate paths), markup from HubSpot shown as
// text, rename and delete, the phone layout.
//   node --test tests/browser/vdr.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';

import {
  API_KEY, api, apiLogin, browserTest, consoleLogin, field, launchBrowser, shot, startStack,
} from './harness.mjs';

let stack;
let browser;
let token;
let inst;
const env = () => ({ stack, browser });

before(async () => {
  stack = await startStack('vdr');
  browser = await launchBrowser();
  token = await apiLogin(stack);
  const r = await api(stack, 'POST', '/instances', {
    token,
    body: {
      element: { key: 'hubspotcrm' },
      name: 'vdr-console',
      configuration: { 'authentication.type': 'apiKey', 'hubspot.authorization.apikey': API_KEY },
    },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  inst = r.body;
});

after(async () => {
  if (browser) await browser.close();
  if (stack) await stack.stop();
});

const login = (page) => consoleLogin(page, stack);

/** The sim's contacts become exactly these records. */
async function contacts(records) {
  const r = await fetch(`${stack.simBase}/__sim/fixtures`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ replace: true, objects: { contacts: records } }),
  });
  assert.equal(r.status, 200, await r.text());
}

async function simRequests(prefix) {
  const r = await fetch(`${stack.simBase}/__sim/requests?path_prefix=${encodeURIComponent(prefix)}`);
  return (await r.json()).results;
}

async function defineViaApi(name, fields, vendorFields) {
  let r = await api(stack, 'POST', `/organizations/objects/${name}/definitions`, { token, body: { fields } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  if (vendorFields) {
    r = await api(stack, 'POST', `/organizations/elements/hubspotcrm/transformations/${name}`, {
      token, body: { vendorName: 'contacts', fields: vendorFields },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
}

/** Every visible form control has a <label> (or an aria-label). */
async function assertLabelled(page, where) {
  const bad = await page.evaluate(() => Array.from(document.querySelectorAll('input, textarea, select'))
    .filter((el) => el.type !== 'hidden' && !el.closest('[hidden]') && el.labels.length === 0 && !el.getAttribute('aria-label'))
    .map((el) => el.outerHTML));
  assert.deepEqual(bad, [], `${where}: controls without a label`);
}

async function openEditor(page, name) {
  await page.goto(`${stack.base}/console/#/objects/${encodeURIComponent(name)}`);
  await page.getByRole('heading', { level: 1, name }).waitFor();
  await page.locator('#vendor-fields-count').waitFor({ timeout: 20000 });
}

describe('virtual objects in the web console', () => {
  browserTest('define an object, map it to contacts with offered vendor fields, preview before and after', env, async (page) => {
    await contacts([
      { id: '201', properties: { email: 'grace@example.test', firstname: 'Grace', lastname: 'Hopper' } },
      { id: '202', properties: { email: 'alan@example.test', firstname: 'Alan', lastname: 'Turing' } },
    ]);
    await login(page);
    await page.getByRole('link', { name: 'Virtual objects' }).click();
    await page.getByRole('heading', { level: 1, name: 'Virtual objects' }).waitFor();
    await page.locator('#objects-empty').waitFor();
    await page.getByRole('link', { name: 'New virtual object' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'New virtual object' }).waitFor();
    await field(page, 'Object name').fill('myContact');
    await page.getByLabel('Path of field 1').fill('id');
    for (const [n, path, type] of [[2, 'mail', 'string'], [3, 'first', 'string'], [4, 'last', 'string'], [5, 'created', 'date']]) {
      await page.getByRole('button', { name: 'Add field' }).click();
      // the new row's path has the focus
      assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), `Path of field ${n}`);
      await page.keyboard.type(path);
      await page.getByLabel(`Type of field ${n}`).selectOption(type);
    }
    // a row added by mistake goes away again
    await page.getByRole('button', { name: 'Add field' }).click();
    await page.getByRole('button', { name: 'Remove field 6' }).click();
    await assertLabelled(page, 'new object');
    await page.getByRole('button', { name: 'Create object' }).click();
    await page.getByRole('heading', { level: 1, name: 'myContact' }).waitFor();
    await page.getByText('Virtual object “myContact” created.').waitFor();
    const def = await api(stack, 'GET', '/organizations/objects/myContact/definitions', { token });
    assert.equal(def.status, 200);
    assert.deepEqual(def.body.fields, [
      { path: 'id', type: 'string' }, { path: 'mail', type: 'string' }, { path: 'first', type: 'string' },
      { path: 'last', type: 'string' }, { path: 'created', type: 'date' },
    ]);

    // the instance's live HubSpot properties are offered as vendor fields
    await page.locator('#vendor-fields-count').waitFor({ timeout: 20000 });
    assert.equal(await field(page, 'Element').inputValue(), 'hubspotcrm');
    assert.equal(await field(page, 'Instance').inputValue(), String(inst.id));
    assert.equal(await field(page, 'Vendor object').inputValue(), 'contacts');
    const offered = await page.locator('datalist option').evaluateAll((os) => os.map((o) => ({ value: o.value, label: o.label })));
    const offer = (label) => {
      const o = offered.find((x) => x.label.startsWith(`${label} (`));
      assert.ok(o, `${label} offered among ${JSON.stringify(offered.map((x) => x.value))}`);
      return o.value;
    };
    assert.equal(offer('Email'), 'properties.email');
    const meta = await simRequests('/crm/v3/properties/contacts');
    assert.ok(meta.length >= 1, 'the properties came from HubSpot');
    await assertLabelled(page, 'mapping');
    await page.getByLabel('Vendor field for id').fill(offer('Record ID'));
    await page.getByLabel('Vendor field for mail').fill(offer('Email'));
    await page.getByLabel('Vendor field for first').fill(offer('First Name'));
    await page.getByLabel('Vendor field for last').fill(offer('Last Name'));
    await page.getByLabel('Vendor field for created').fill('properties.createdate');
    await page.getByRole('button', { name: 'Save mapping' }).click();
    await page.getByText('Mapping saved for HubSpot CRM (hubspotcrm → contacts).').waitFor();
    const tf = await api(stack, 'GET', '/organizations/elements/hubspotcrm/transformations/myContact', { token });
    assert.equal(tf.status, 200);
    assert.equal(tf.body.vendorName, 'contacts');
    assert.deepEqual(tf.body.fields, [
      { path: 'id', vendorPath: 'id' }, { path: 'mail', vendorPath: 'properties.email' },
      { path: 'first', vendorPath: 'properties.firstname' }, { path: 'last', vendorPath: 'properties.lastname' },
      { path: 'created', vendorPath: 'properties.createdate' },
    ]);

    // preview: one vendor record and the same record mapped
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#preview-before').waitFor({ timeout: 20000 });
    await page.locator('#preview-after').waitFor();
    const vendor = JSON.parse(await page.locator('#preview-before').textContent());
    const mapped = JSON.parse(await page.locator('#preview-after').textContent());
    assert.ok(['201', '202'].includes(vendor.id), JSON.stringify(vendor));
    assert.equal(mapped.id, vendor.id);
    assert.equal(mapped.mail, vendor.properties.email);
    assert.equal(mapped.first, vendor.properties.firstname);
    assert.equal(mapped.last, vendor.properties.lastname);
    assert.equal(Object.keys(mapped).includes('properties'), false);
    await shot(page, 'console-virtual-object');

    // the list shows it and the element it is mapped for
    await page.getByRole('link', { name: 'Virtual objects' }).first().click();
    const row = page.locator('tr[data-object="myContact"]');
    await row.waitFor();
    assert.match(await row.textContent(), /hubspotcrm → contacts/);
    assert.match(await row.textContent(), /5: id, mail, first, last, created/);
    await shot(page, 'console-virtual-objects');
  });

  browserTest('a bad vendorPath shows the server’s 400 message and stores nothing', env, async (page) => {
    await defineViaApi('badMap', [{ path: 'id', type: 'string' }, { path: 'mail', type: 'string' }]);
    await login(page);
    await openEditor(page, 'badMap');
    await page.getByLabel('Vendor field for id').fill('id');
    await page.getByLabel('Vendor field for mail').fill('properties..email');
    await page.getByRole('button', { name: 'Save mapping' }).click();
    const alert = page.locator('#mapping-form [role="alert"]');
    await alert.waitFor();
    assert.match(await alert.textContent(), /The mapping was not saved/);
    assert.match(await alert.textContent(), /badMap: fields\[1\] \(path 'mail'\): vendorPath 'properties\.\.email': at byte 12/);
    assert.equal((await api(stack, 'GET', '/organizations/elements/hubspotcrm/transformations/badMap', { token })).status, 404);
    assert.deepEqual((await api(stack, 'GET', '/organizations/objects/badMap/transformations', { token })).body, {});
    // without a saved mapping, the preview says why the mapped side fails
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#preview-out .notice-warning').waitFor();
    assert.match(await page.locator('#preview-out').textContent(), /No mapping is saved for this element yet/);
    await page.locator('#preview-out [role="alert"]').waitFor();
    await shot(page, 'console-virtual-object-error');
  });

  browserTest('duplicate field paths are refused with the server’s message and nothing is saved', env, async (page) => {
    await login(page);
    await page.goto(`${stack.base}/console/#/objects/new`);
    await field(page, 'Object name').fill('dupObject');
    await page.getByLabel('Path of field 1').fill('email');
    await page.getByRole('button', { name: 'Add field' }).click();
    await page.getByLabel('Path of field 2').fill('email');
    await page.getByRole('button', { name: 'Create object' }).click();
    const alert = page.locator('#definition-form [role="alert"]');
    await alert.waitFor();
    assert.match(await alert.textContent(), /dupObject: fields\[1\] \(path 'email'\): same path as fields\[0\]/);
    assert.equal((await api(stack, 'GET', '/organizations/objects/dupObject/definitions', { token })).status, 404);
  });

  browserTest('markup in a HubSpot record is shown as text in the preview', env, async (page) => {
    const evil = '<img src=x onerror="window.__xss=1">';
    await contacts([{ id: '301', properties: { email: 'evil@example.test', firstname: evil, lastname: '<b>Bold</b>' } }]);
    await defineViaApi('xssContact', [{ path: 'first', type: 'string' }, { path: 'last', type: 'string' }],
      [{ path: 'first', vendorPath: 'properties.firstname' }, { path: 'last', vendorPath: 'properties.lastname' }]);
    await login(page);
    await openEditor(page, 'xssContact');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#preview-after').waitFor({ timeout: 20000 });
    assert.equal(JSON.parse(await page.locator('#preview-before').textContent()).properties.firstname, evil);
    assert.deepEqual(JSON.parse(await page.locator('#preview-after').textContent()), { first: evil, last: '<b>Bold</b>' });
    assert.equal(await page.locator('#preview-out img, #preview-out b').count(), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
  });

  browserTest('edit the fields of an object: types change, rows come and go, other members are kept', env, async (page) => {
    await defineViaApi('editMe', [
      { path: 'tags', type: 'array', subType: 'string' }, { path: 'score', type: 'string' }, { path: 'old', type: 'string' },
    ]);
    await login(page);
    await openEditor(page, 'editMe');
    assert.equal(await page.getByLabel('Type of field 1').inputValue(), 'array[string]');
    await page.getByLabel('Type of field 2').selectOption('number');
    await page.getByRole('button', { name: 'Remove field 3' }).click();
    await page.getByRole('button', { name: 'Add field' }).click();
    await page.keyboard.type('active');
    await page.getByLabel('Type of field 3').selectOption('boolean');
    await page.getByLabel('Path of field 3').press('Enter'); // the keyboard submits the form
    await page.getByText('Fields of “editMe” saved.').waitFor();
    const def = await api(stack, 'GET', '/organizations/objects/editMe/definitions', { token });
    assert.deepEqual(def.body.fields, [
      { path: 'tags', type: 'array', subType: 'string' }, { path: 'score', type: 'number' }, { path: 'active', type: 'boolean' },
    ]);
  });

  browserTest('rename an object: its transformation follows', env, async (page) => {
    await defineViaApi('oldName', [{ path: 'mail', type: 'string' }], [{ path: 'mail', vendorPath: 'properties.email' }]);
    await login(page);
    await openEditor(page, 'oldName');
    await field(page, 'New name').fill('newName');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('heading', { level: 1, name: 'newName' }).waitFor();
    await page.getByText('Virtual object “oldName” renamed to “newName”.').waitFor();
    assert.equal((await api(stack, 'GET', '/organizations/objects/oldName/definitions', { token })).status, 404);
    assert.equal((await api(stack, 'GET', '/organizations/objects/newName/definitions', { token })).status, 200);
    const tfs = await api(stack, 'GET', '/organizations/objects/newName/transformations', { token });
    assert.deepEqual(Object.keys(tfs.body), ['hubspotcrm']);
    // the saved mapping shows on the renamed object
    assert.equal(await page.getByLabel('Vendor field for mail').inputValue(), 'properties.email');
  });

  browserTest('delete an object after confirming: definition and transformation go', env, async (page) => {
    await defineViaApi('goner', [{ path: 'mail', type: 'string' }], [{ path: 'mail', vendorPath: 'properties.email' }]);
    const hubGoner = () => api(stack, 'GET', '/hubs/crm/goner?pageSize=1', {
      headers: { Authorization: `User ${stack.secrets.userSecret}, Organization ${stack.secrets.organizationSecret}, Element ${inst.token}` },
    });
    const mapped = await hubGoner();
    assert.equal(mapped.status, 200, JSON.stringify(mapped.body));
    assert.ok(Array.isArray(mapped.body) && mapped.body.length === 1 && 'mail' in mapped.body[0], JSON.stringify(mapped.body));
    await login(page);
    await page.goto(`${stack.base}/console/#/objects`);
    const row = page.locator('tr[data-object="goner"]');
    await row.waitFor();
    // cancelling keeps it
    await row.getByRole('button', { name: 'Delete goner' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await api(stack, 'GET', '/organizations/objects/goner/definitions', { token })).status, 200);
    await row.getByRole('button', { name: 'Delete goner' }).click();
    const dlg = page.getByRole('dialog');
    assert.match(await dlg.textContent(), /transformations \(hubspotcrm\)/);
    await shot(page, 'console-virtual-object-delete', { fullPage: false });
    await dlg.getByRole('button', { name: 'Delete virtual object' }).click();
    await page.getByText('Virtual object “goner” deleted.').waitFor();
    assert.equal(await page.locator('tr[data-object="goner"]').count(), 0);
    assert.equal((await api(stack, 'GET', '/organizations/objects/goner/definitions', { token })).status, 404);
    assert.equal((await api(stack, 'GET', '/organizations/elements/hubspotcrm/transformations/goner', { token })).status, 404);
    // no longer a virtual resource: the name goes to HubSpot as an object, which has none of it
    const hub = await hubGoner();
    assert.notEqual(hub.status, 200, JSON.stringify(hub.body));
  });
});

describe('virtual objects on a phone (390 px)', () => {
  browserTest('phone: the list, the editor and the preview fit the screen', env, async (page) => {
    await contacts([{ id: '401', properties: { email: 'phone@example.test', firstname: 'Pho', lastname: 'Ne' } }]);
    await defineViaApi('phoneContact', [{ path: 'mail', type: 'string' }, { path: 'first', type: 'string' }],
      [{ path: 'mail', vendorPath: 'properties.email' }, { path: 'first', vendorPath: 'properties.firstname' }]);
    await login(page);
    const noOverflow = async (what) => {
      const w = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(w <= 390, `${what}: page is ${w}px wide on a 390px screen`);
    };
    await page.goto(`${stack.base}/console/#/objects`);
    await page.locator('tr[data-object="phoneContact"]').waitFor();
    await noOverflow('list');
    await openEditor(page, 'phoneContact');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#preview-after').waitFor({ timeout: 20000 });
    await noOverflow('editor');
    await shot(page, 'console-phone-virtual-object');
  }, { viewport: { width: 390, height: 844 } });
});
