// SPDX-License-Identifier: MIT
// The console's HubSpot legacy OAuth round trip (Client ID + Portal ID) in
// headless Chromium, against a real elementsd and hubspot-sim: the form
// offers it, the browser goes to the sim's legacy authorize page
// (/auth/authenticate), comes back to /console/callback with
// access_token/refresh_token/expires_in and the state, and the console
// creates an instance with those tokens. Forged, replayed and token-less
// answers create nothing, as in the new flow.
//   node --test tests/browser/legacy-oauth.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';

import {
  CLIENT_ID, EMAIL, PASSWORD, PORTAL_ID, api, apiLogin, browserTest, launchBrowser, listInstances, shot, simCode,
  startStack, consoleLogin, field,
} from './harness.mjs';

let stack;
let browser;
let token;
const env = () => ({ stack, browser });
const shared = {};

before(async () => {
  stack = await startStack('legacy-oauth');
  browser = await launchBrowser();
  token = await apiLogin(stack);
});

after(async () => {
  if (browser) await browser.close();
  if (stack) await stack.stop();
});


const login = (page) => consoleLogin(page, stack);

async function instanceCount() {
  return (await listInstances(stack, token)).length;
}

async function simRequests(prefix) {
  const r = await fetch(`${stack.simBase}/__sim/requests?path_prefix=${encodeURIComponent(prefix)}`);
  assert.equal(r.status, 200);
  return (await r.json()).results;
}

/** Fill the form for legacy OAuth and go to the sim's legacy page. */
async function startLegacy(page, name, { screenshot = false } = {}) {
  await page.goto(`${stack.base}/console/#/elements/hubspotcrm/new`);
  await field(page, 'Name').fill(name);
  await field(page, 'Client ID').fill(CLIENT_ID);
  await page.getByLabel('Legacy OAuth: Client ID and HubSpot Portal ID').check();
  await field(page, 'Portal ID').fill(String(PORTAL_ID));
  if (screenshot) await shot(page, 'console-legacy-form');
  await page.getByRole('button', { name: 'Continue to HubSpot' }).click();
  await page.waitForURL((u) => u.href.startsWith(`${stack.simBase}/auth/authenticate`));
  return new URL(page.url());
}

describe('legacy OAuth in the web console', () => {
  browserTest('the form offers legacy OAuth: the secret becomes a Portal ID', env, async (page) => {
    await login(page);
    await page.goto(`${stack.base}/console/#/elements/hubspotcrm/new`);
    await field(page, 'Client Secret').waitFor();
    assert.equal(await field(page, 'Client Secret').getAttribute('type'), 'password');
    assert.equal(await field(page, 'Scope').inputValue(), 'contacts timeline files');
    await page.getByLabel('Legacy OAuth: Client ID and HubSpot Portal ID').check();
    const portal = field(page, 'Portal ID');
    assert.equal(await portal.getAttribute('type'), 'text');
    assert.equal(await portal.getAttribute('inputmode'), 'numeric');
    assert.equal(await field(page, 'Scope').inputValue(), 'contacts-rw offline', 'the legacy guide\'s scopes');
    assert.equal(await page.locator('label', { hasText: /^Client Secret/ }).count(), 0);
    // not digits: the form refuses before anything is sent
    await field(page, 'Name').fill('Not digits');
    await field(page, 'Client ID').fill(CLIENT_ID);
    await portal.fill('abc');
    await page.getByRole('button', { name: 'Continue to HubSpot' }).click();
    assert.equal(await portal.evaluate((el) => el.validity.patternMismatch), true);
    assert.ok(page.url().startsWith(stack.base));
    // back to OAuth 2: the label, the field type and the scopes return
    await page.getByLabel('OAuth 2: Client ID and Client Secret').check();
    assert.equal(await field(page, 'Client Secret').getAttribute('type'), 'password');
    assert.equal(await field(page, 'Scope').inputValue(), 'contacts timeline files');
  });

  browserTest('authenticate a hubspotcrm instance through HubSpot legacy OAuth', env, async (page) => {
    await login(page);
    const count = await instanceCount();
    const authorize = await startLegacy(page, 'Legacy CRM', { screenshot: true });
    // the legacy URL: client id, Portal ID, the console's callback, scopes and the state
    const q = authorize.searchParams;
    assert.equal(q.get('client_id'), CLIENT_ID);
    assert.equal(q.get('portalId'), String(PORTAL_ID));
    assert.equal(q.get('redirect_uri'), `${stack.base}/console/callback`);
    assert.equal(q.get('scope'), 'contacts-rw offline');
    const state = q.get('state');
    assert.match(state, /^[A-Za-z0-9_-]{43}$/, 'state: 256 random bits, base64url');
    // the sim's consent page for the legacy flow carries it on
    assert.equal(await page.locator('input[name="flow"]').inputValue(), 'legacy');
    assert.equal(await page.locator('input[name="state"]').inputValue(), state);
    assert.equal(await page.locator('#portal').innerText(), String(PORTAL_ID));
    await shot(page, 'console-legacy-consent');
    const cb = page.waitForRequest((r) => r.url().startsWith(`${stack.base}/console/callback`));
    await page.locator('#grant').click();
    const back = new URL((await cb).url());
    assert.equal(back.searchParams.get('state'), state);
    assert.ok(back.searchParams.get('access_token'));
    assert.ok(back.searchParams.get('refresh_token'));
    assert.equal(back.searchParams.get('expires_in'), '28799');
    assert.equal(back.searchParams.get('code'), null);
    shared.callbackUrl = back.href;
    await page.waitForURL(/\/console\/#\/instances\/\d+$/);
    await page.getByRole('heading', { level: 1, name: 'Legacy CRM' }).waitFor();
    await page.getByText(`created for HubSpot portal ${PORTAL_ID}`).waitFor();
    await shot(page, 'console-legacy-created');
    assert.equal(await instanceCount(), count + 1);
    // the tokens left the address bar and nothing is pending
    assert.doesNotMatch(page.url(), /access_token|refresh_token|state=/);
    const left = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('elementsd.oauth.pending.')));
    assert.deepEqual(left, []);
    // the instance: legacy tokens, checked with HubSpot, no code exchanged
    const id = Number(/instances\/(\d+)$/.exec(page.url())[1]);
    const r = await api(stack, 'GET', `/instances/${id}`, { token });
    assert.equal(r.status, 200);
    assert.equal(r.body.name, 'Legacy CRM');
    assert.equal(r.body.portalId, PORTAL_ID);
    assert.equal(r.body.valid, true);
    assert.equal(r.body.configuration['oauth.api.key'], CLIENT_ID);
    assert.equal(r.body.configuration['oauth.scope'], 'contacts-rw offline');
    const access = back.searchParams.get('access_token');
    const verified = await simRequests('/oauth/v1/access-tokens/');
    assert.ok(verified.some((x) => x.path.endsWith(encodeURIComponent(access)) || x.path.endsWith(access)),
      'elementsd checked the legacy access token with HubSpot');
    assert.equal((await simRequests('/oauth/v3/token')).filter((x) => x.path === '/oauth/v3/token').length, 0,
      'no authorization code was exchanged');
    // and the instance works with them
    const hub = await fetch(`${stack.base}/elements/api-v2/hubs/crm/contacts?pageSize=1`, {
      headers: {
        Authorization: `User ${stack.secrets.userSecret}, Organization ${stack.secrets.organizationSecret}, Element ${r.body.token}`,
      },
    });
    assert.equal(hub.status, 200);
    const calls = await simRequests('/crm/v3/objects/contacts');
    assert.equal(calls.at(-1).headers.authorization, `Bearer ${access}`);
    shared.count = await instanceCount();
  });

  browserTest('a replayed legacy answer creates nothing', env, async (page) => {
    assert.ok(shared.callbackUrl, 'needs the previous test');
    await login(page);
    // the previous answer in a new browser context: its state is unknown here
    await page.goto(shared.callbackUrl);
    const err = page.locator('#callback-error');
    await err.waitFor();
    assert.equal(await err.getAttribute('data-reason'), 'unknown');
    // finish a flow in this tab, then send the same answer again
    await startLegacy(page, 'Legacy replay source');
    const cb = page.waitForRequest((r) => r.url().startsWith(`${stack.base}/console/callback`));
    await page.locator('#grant').click();
    const url = (await cb).url();
    await page.waitForURL(/\/console\/#\/instances\/\d+$/);
    const count = await instanceCount();
    await page.goto(url);
    await err.waitFor();
    assert.equal(await err.getAttribute('data-reason'), 'replayed');
    assert.match(await err.innerText(), /already used/);
    assert.doesNotMatch(page.url(), /access_token/);
    assert.equal(await instanceCount(), count);
    for (const i of (await listInstances(stack, token)).filter((x) => x.name === 'Legacy replay source')) {
      await api(stack, 'DELETE', `/instances/${i.id}`, { token });
    }
  });

  browserTest('a forged legacy answer creates nothing and says why', env, async (page) => {
    await login(page);
    const count = await instanceCount();
    const minted = await fetch(`${stack.simBase}/__sim/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: CLIENT_ID, legacy: true }),
    });
    assert.equal(minted.status, 200);
    const pair = await minted.json();
    const qs = `access_token=${encodeURIComponent(pair.access_token)}&refresh_token=${encodeURIComponent(pair.refresh_token)}&expires_in=28799`;
    await page.goto(`${stack.base}/console/callback?${qs}&state=forged`);
    const err = page.locator('#callback-error');
    await err.waitFor();
    assert.equal(await err.getAttribute('data-reason'), 'unknown');
    assert.match(await err.innerText(), /Nothing was created/);
    assert.doesNotMatch(page.url(), /access_token|refresh_token|state=/);
    await shot(page, 'console-legacy-forged');
    // a well-formed state of no flow of this tab
    await page.goto(`${stack.base}/console/callback?${qs}&state=${'A'.repeat(43)}`);
    await page.locator('#callback-error[data-reason="unknown"]').waitFor();
    // no state at all
    await page.goto(`${stack.base}/console/callback?${qs}`);
    await page.locator('#callback-error[data-reason="missing"]').waitFor();
    assert.equal(await instanceCount(), count);
  });

  browserTest('a legacy flow answered with a code (no tokens) creates nothing', env, async (page) => {
    await login(page);
    const count = await instanceCount();
    const authorize = await startLegacy(page, 'Legacy without tokens');
    const state = authorize.searchParams.get('state');
    const code = await simCode(stack, `${stack.base}/console/callback`);
    await page.goto(`${stack.base}/console/callback?code=${encodeURIComponent(code)}&state=${state}`);
    const err = page.locator('#callback-error');
    await err.waitFor();
    assert.equal(await err.getAttribute('data-reason'), 'no-tokens');
    assert.match(await err.innerText(), /no access and refresh tokens/);
    assert.equal(await instanceCount(), count);
  });

  browserTest('a client secret of digits only in the OAuth 2 form is not sent to HubSpot', env, async (page) => {
    await login(page);
    await page.goto(`${stack.base}/console/#/elements/hubspotcrm/new`);
    await field(page, 'Name').fill('Digits secret');
    await field(page, 'Client ID').fill(CLIENT_ID);
    await field(page, 'Client Secret').fill('123456');
    await page.getByRole('button', { name: 'Continue to HubSpot' }).click();
    await page.getByText('A client secret of digits only is read as a HubSpot Portal ID').waitFor();
    assert.ok(page.url().startsWith(stack.base), 'still in the console');
    const left = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('elementsd.oauth.pending.')));
    assert.deepEqual(left, []);
  });
});
