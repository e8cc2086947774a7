// SPDX-License-Identifier: MIT
// The console's dashboard and traces pages (issue 15) in headless Chromium,
// under the console's strict CSP (browserTest fails on any violation):
// after some hub calls the dashboard's uPlot charts draw non-zero data per
// element, picking one instance redraws them for it, and an instance with
// trace logging on lists its calls on its Traces page.
//   node --test tests/browser/dashboard.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';

import { API_KEY, api, apiLogin, browserTest, consoleLogin, launchBrowser, startStack } from './harness.mjs';

let stack;
let browser;
let busy;
let quiet;
const env = () => ({ stack, browser });

async function hubCall(secrets, inst, path) {
  const r = await fetch(`${stack.base}/elements/api-v2/hubs/crm${path}`, {
    headers: {
      Accept: 'application/json',
      Authorization: `User ${secrets.userSecret}, Organization ${secrets.organizationSecret}, Element ${inst.token}`,
    },
  });
  await r.text();
  return r.status;
}

before(async () => {
  stack = await startStack('dashboard');
  browser = await launchBrowser();
  const token = await apiLogin(stack);
  const make = async (name, trace) => {
    const r = await api(stack, 'POST', '/instances', {
      token,
      body: {
        element: { key: 'hubspotcrm' },
        name,
        traceLoggingEnabled: trace,
        configuration: { 'authentication.type': 'apiKey', 'hubspot.authorization.apikey': API_KEY },
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  busy = await make('dash-busy', true);
  quiet = await make('dash-quiet', false);
  const s = await api(stack, 'GET', '/authentication/secrets', { token });
  assert.equal(s.status, 200, JSON.stringify(s.body));
  for (let i = 0; i < 4; i++) assert.equal(await hubCall(s.body, busy, '/contacts?pageSize=1'), 200);
  assert.equal(await hubCall(s.body, busy, '/contacts/999999999'), 404);
  assert.equal(await hubCall(s.body, quiet, '/contacts?pageSize=1'), 200);
});

after(async () => {
  if (browser) await browser.close();
  if (stack) await stack.stop();
});

/** What a drawn uPlot chart holds: its legend's series names and the count
 * of its non-zero points (from the chart's own data). */
async function chartInfo(page, key) {
  const fig = page.locator(`figure[data-chart="${key}"]`);
  await fig.locator('canvas').waitFor();
  return fig.evaluate((el) => ({
    series: [...el.querySelectorAll('.u-legend .u-series')].map((s) => s.textContent),
    nonzero: Number(el.dataset.nonzero),
  }));
}

describe('dashboard page', () => {
  browserTest('charts calls and errors per element and per instance', env, async (page) => {
    await consoleLogin(page, stack);
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.locator('#main > h1', { hasText: 'Dashboard' }).waitFor();
    const totals = page.locator('#dash-totals');
    await totals.filter({ hasText: '6 calls, 1 errors' }).waitFor();
    for (const key of ['calls', 'errors', 'latencyMs']) {
      const c = await chartInfo(page, key);
      assert.ok(c.series.some((t) => t.includes('hubspotcrm')), JSON.stringify(c));
      assert.ok(c.nonzero > 0, `${key}: ${JSON.stringify(c)}`);
    }
    // one instance: the charts are drawn again for it
    await page.locator('#dash-scope').selectOption(String(busy.id));
    await totals.filter({ hasText: '5 calls, 1 errors' }).waitFor();
    let c = await chartInfo(page, 'calls');
    assert.ok(c.series.some((t) => t.includes(`instance ${busy.id}`)), JSON.stringify(c));
    assert.ok(c.nonzero > 0);
    await page.locator('#dash-scope').selectOption(String(quiet.id));
    await totals.filter({ hasText: '1 calls, 0 errors' }).waitFor();
    c = await chartInfo(page, 'errors');
    assert.equal(c.nonzero, 0, JSON.stringify(c));
  });

  browserTest('lists the traces of an instance with trace logging on', env, async (page) => {
    await consoleLogin(page, stack);
    await page.goto(`${stack.base}/console/#/instances/${busy.id}`);
    await page.locator('#instance-traces').click();
    await page.locator('#main > h1', { hasText: 'Traces · dash-busy' }).waitFor();
    const items = page.locator('#traces > li');
    await items.first().waitFor();
    assert.equal(await items.count(), 5);
    await items.first().locator('summary').first().click();
    await items.first().getByText('404', { exact: true }).first().waitFor();
    assert.ok(!(await page.locator('#traces').textContent()).includes(API_KEY));
  });
});
