// SPDX-License-Identifier: MIT
// The console's API docs page (issue 14) in headless Chromium: an instance's
// document rendered by the embedded swagger-ui under the console's strict
// CSP (browserTest fails on any violation), with a custom property created
// in the sim, its markup label shown as text, and "Try it out" on
// GET /contacts answering the sim's records through the instance.
//   node --test tests/browser/apidocs.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';

import { API_KEY, api, apiLogin, browserTest, consoleLogin, launchBrowser, startStack } from './harness.mjs';

let stack;
let browser;
let inst;
const env = () => ({ stack, browser });
const LABEL = '<img src=x onerror=alert(1)><b>Favourite</b> colour';

before(async () => {
  stack = await startStack('apidocs');
  browser = await launchBrowser();
  const token = await apiLogin(stack);
  const r = await api(stack, 'POST', '/instances', {
    token,
    body: {
      element: { key: 'hubspotcrm' },
      name: 'docs-console',
      configuration: { 'authentication.type': 'apiKey', 'hubspot.authorization.apikey': API_KEY },
    },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  inst = r.body;
  const f = await fetch(`${stack.simBase}/__sim/fixtures`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ replace: true, objects: { contacts: [{ properties: { email: 'grace@example.com', firstname: 'Grace' } }] } }),
  });
  assert.equal(f.status, 200, await f.text());
  // after the fixtures (replace: true resets the sim's data)
  const p = await fetch(`${stack.simBase}/crm/v3/properties/contacts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify({ name: 'favourite_colour', label: LABEL, type: 'string', fieldType: 'text', groupName: 'contactinformation' }),
  });
  assert.ok(p.status === 200 || p.status === 201, await p.text());
});

after(async () => {
  if (browser) await browser.close();
  if (stack) await stack.stop();
});

describe('API docs page', () => {
  browserTest('renders the instance document, a custom property as text, and try it', env, async (page) => {
    let alerted = false;
    page.on('dialog', async (d) => { alerted = true; await d.dismiss(); });
    await consoleLogin(page, stack);
    await page.getByRole('link', { name: 'API docs' }).click();
    await page.locator('.docs-list').getByRole('link', { name: 'docs-console' }).click();
    await page.locator('#main > h1', { hasText: 'API docs · docs-console' }).waitFor();
    await page.locator('.swagger-ui .opblock-tag').first().waitFor({ timeout: 60000 });
    // tags start collapsed (docExpansion none): open the ones checked
    for (const t of ['contacts', 'accounts', 'owners', 'timeline-event-types']) {
      await page.locator('.opblock-tag', { hasText: new RegExp(`^${t}`) }).first().click();
    }
    for (const p of ['/hubs/crm/contacts', '/hubs/crm/contacts/{id}', '/hubs/crm/accounts/{id}/activities', '/hubs/crm/owners', '/hubs/crm/timeline-event-types/{id}/events']) {
      await page.locator(`.opblock-summary-path[data-path="${p}"]`).first().waitFor({ timeout: 30000 });
    }
    // the custom property, in the Contacts model, with its label as text
    await page.locator('.models .models-control').first().click(); // collapsed too
    const model = page.locator('.models .model-container', { hasText: /^Contacts\b/ }).first();
    await model.locator('.model-box-control').first().click();
    const propsRow = model.locator('tr.property-row', { has: page.locator('td', { hasText: /^properties$/ }) }).first();
    await propsRow.locator('.model-box-control').first().click();
    const row = propsRow.locator('tr.property-row', { has: page.locator('td', { hasText: /^favourite_colour$/ }) }).first();
    await row.waitFor();
    await row.locator('.model-box-control').first().click();
    await row.getByText(LABEL, { exact: true }).first().waitFor();
    assert.equal(await page.locator('.models b', { hasText: 'Favourite' }).count(), 0);
    assert.equal(await page.locator('.models img[src="x"]').count(), 0);
    // try it: GET /contacts through the instance
    const get = page.locator('.opblock-get', { has: page.locator('[data-path="/hubs/crm/contacts"]') }).first();
    await get.locator('.opblock-summary-control').first().click();
    await get.getByRole('button', { name: 'Try it out' }).click();
    await get.getByRole('button', { name: 'Execute' }).click();
    const live = get.locator('.live-responses-table').first();
    await live.waitFor();
    let text = '';
    for (let i = 0; i < 50 && !text.includes('grace@example.com'); i++) {
      text = await live.innerText();
      if (!text.includes('grace@example.com')) await page.waitForTimeout(200);
    }
    assert.ok(text.includes('grace@example.com'), text.slice(0, 2000));
    assert.match(await live.locator('tbody .response-col_status').first().innerText(), /200/);
    assert.equal(alerted, false);
  }, { timeout: 180000 });
});
