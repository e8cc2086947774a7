// SPDX-License-Identifier: MIT
// The console's audit page (issue 15) in headless Chromium: changes made
// through the API appear newest first, the action filter narrows them,
// and markup in a detail (a configuration key named like an <img> tag) is
// shown as text, never parsed into an element.
//   node --test tests/browser/audit.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';

import {
  API_KEY, api, apiLogin, browserTest, launchBrowser, shot, startStack, consoleLogin,
} from './harness.mjs';

let stack;
let browser;
let token;
const env = () => ({ stack, browser });
const MARKUP = '<img src=x id=injected onerror=alert(1)>';

before(async () => {
  stack = await startStack('audit');
  browser = await launchBrowser();
  token = await apiLogin(stack);
});

after(async () => {
  if (browser) await browser.close();
  if (stack) await stack.stop();
});

describe('the audit page', () => {
  browserTest('entries appear, filter by action, markup is text', env, async (page) => {
    const r = await api(stack, 'POST', '/instances', {
      token,
      body: {
        element: { key: 'hubspotcrm' },
        name: 'audit-console',
        configuration: { 'authentication.type': 'apiKey', 'hubspot.authorization.apikey': API_KEY },
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const id = r.body.id;
    const p = await api(stack, 'PATCH', `/instances/${id}`, { token, body: { configuration: { [MARKUP]: 'v' } } });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    await consoleLogin(page, stack);
    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    const rows = page.locator('#audit-rows tr');
    await rows.first().waitFor();
    // newest first: the update, then the create
    const actions = await page.locator('#audit-rows tr th code').allTextContents();
    const upd = actions.indexOf('instance.update');
    const crt = actions.indexOf('instance.create');
    assert.ok(upd >= 0 && crt > upd, actions.join(','));
    const detail = page.locator('#audit-rows tr').nth(upd).locator('.audit-detail');
    assert.ok((await detail.textContent()).includes(MARKUP));
    assert.equal(await page.locator('#injected').count(), 0);
    assert.equal(await page.locator('.audit-detail img').count(), 0);
    // the filter
    await page.locator('#audit-action').selectOption('instance.create');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/action=instance\.create/);
    await page.locator('#audit-rows tr').first().waitFor();
    const only = await page.locator('#audit-rows tr th code').allTextContents();
    assert.ok(only.length >= 1);
    assert.ok(only.every((a) => a === 'instance.create'), only.join(','));
    // one page holds them all: no "Older entries"
    assert.equal(await page.locator('#audit-more').count(), 0);
    await shot(page, 'audit-page');
  });
});
