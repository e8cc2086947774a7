// SPDX-License-Identifier: MIT
// End-to-end tests of the web console in headless Chromium, against a real
// elementsd and hubspot-sim (its real consent page). Run with
//   node --test tests/browser/
// ELEMENTSD_BIN / HUBSPOT_SIM_BIN / CHROMIUM_BIN override the defaults.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  API_KEY, CLIENT_ID, CLIENT_SECRET, EMAIL, PASSWORD, PORTAL_ID, ROOT, api, apiLogin, browserTest, createInstanceViaApi,
  launchBrowser, listInstances, shot, simCode, startStack, consoleLogin, field,
} from './harness.mjs';

let stack;
let browser;
let token; // an API session of the same user, to check what the console did
const env = () => ({ stack, browser });
const shared = {}; // the instance authenticated through the consent page

before(async () => {
  stack = await startStack('console');
  browser = await launchBrowser();
  token = await apiLogin(stack);
});

after(async () => {
  if (browser) await browser.close();
  if (stack) await stack.stop();
});


/** Every visible form control has a <label> (or an aria-label). */
async function assertLabelled(page, where) {
  const bad = await page.evaluate(() => Array.from(document.querySelectorAll('input, textarea, select'))
    .filter((el) => el.type !== 'hidden' && !el.closest('[hidden]') && el.labels.length === 0 && !el.getAttribute('aria-label'))
    .map((el) => el.outerHTML));
  assert.deepEqual(bad, [], `${where}: controls without a label`);
}

const login = (page) => consoleLogin(page, stack);

/** Fill the "Authenticate instance" form for OAuth 2 and go to HubSpot. */
async function startOAuthForm(page, { name, tags = '', element = 'hubspotcrm' }) {
  await page.goto(`${stack.base}/console/#/elements/${element}/new`);
  await field(page, 'Name').fill(name);
  if (tags) await field(page, 'Tags').fill(tags);
  await field(page, 'Client ID').fill(CLIENT_ID);
  await field(page, 'Client Secret').fill(CLIENT_SECRET);
  await page.getByRole('button', { name: 'Continue to HubSpot' }).click();
  await page.waitForURL((u) => u.href.startsWith(`${stack.simBase}/oauth/authorize`));
}

async function instanceCount() {
  return (await listInstances(stack, token)).length;
}

async function ensureInstance(name = 'Fixture CRM') {
  if (shared.instance) {
    const r = await api(stack, 'GET', `/instances/${shared.instance.id}`, { token });
    if (r.status === 200) return r.body;
  }
  shared.instance = await createInstanceViaApi(stack, token, name, ['fixture']);
  return shared.instance;
}

describe('web console', () => {
  browserTest('log in: a wrong password is refused in plain words, then keyboard-only log in', env, async (page) => {
    await page.goto(`${stack.base}/`);
    const email = page.getByLabel('Email');
    await assert.doesNotReject(email.waitFor());
    await assertLabelled(page, 'log in');
    await shot(page, 'console-login');
    await email.fill(EMAIL);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Invalid username or password/);
    assert.doesNotMatch(await alert.innerText(), /[{}]/, 'no raw JSON in the error');

    // keyboard only: the email field has focus after load; Tab, type, Enter
    await page.reload();
    await page.getByLabel('Email').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), await page.getByLabel('Email').getAttribute('id'));
    await page.keyboard.type(EMAIL);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
    // the token is in sessionStorage, never in localStorage
    const stored = await page.evaluate(() => ({ s: sessionStorage.getItem('elementsd.session'), l: localStorage.length }));
    assert.ok(JSON.parse(stored.s).token.length > 20);
    assert.equal(stored.l, 0);
    await page.getByText('No instances yet').waitFor();
  });

  browserTest('element catalogue shows hubspotcrm and hubspot', env, async (page) => {
    await login(page);
    await page.getByRole('link', { name: 'Elements', exact: true }).click();
    const crm = page.locator('[data-element="hubspotcrm"]');
    const mkt = page.locator('[data-element="hubspot"]');
    await crm.waitFor();
    assert.match(await crm.innerText(), /Hubspot CRM/);
    assert.match(await crm.innerText(), /CRM hub/);
    assert.match(await crm.innerText(), /OAuth 2.*API key/s);
    assert.match(await mkt.innerText(), /Marketing hub/);
    await shot(page, 'console-elements');
    // the form: defaults from the element's configuration
    await crm.getByRole('link', { name: 'Authenticate instance' }).click();
    await field(page, 'Client ID').waitFor();
    assert.equal(await field(page, 'Scope').inputValue(), 'contacts timeline files');
    assert.equal(await field(page, 'Callback URL').inputValue(), `${stack.base}/console/callback`);
    assert.equal(await page.getByLabel('Events Enabled').isChecked(), false);
    assert.equal(await page.getByLabel('Filter null values from the response').isChecked(), true);
    assert.equal(await page.getByLabel('Create Bulk Properties for Migration').isChecked(), false);
    await page.getByLabel('Event Notification Callback URL').waitFor();
    await assertLabelled(page, 'authenticate form');
    await shot(page, 'console-new-instance');
    // hubspot (marketing) has the eight default scopes
    await page.goto(`${stack.base}/console/#/elements/hubspot/new`);
    await field(page, 'Client ID').waitFor();
    assert.equal((await field(page, 'Scope').inputValue()).split(' ').length, 8);
  });

  browserTest('authenticate a hubspotcrm instance through the consent page', env, async (page) => {
    await login(page);
    const before = await instanceCount();
    await startOAuthForm(page, { name: 'Sales CRM', tags: 'sales, eu' });
    // the sim's real consent page, with the element's default scopes
    const scopes = await page.locator('#scopes li').allInnerTexts();
    assert.deepEqual(scopes, ['contacts', 'timeline', 'files']);
    const state = await page.locator('input[name="state"]').inputValue();
    assert.match(state, /^[A-Za-z0-9_-]{43}$/, 'state: 256 random bits, base64url');
    assert.notEqual(state, 'hubspotcrm');
    await shot(page, 'console-consent');
    const cb = page.waitForRequest((r) => r.url().startsWith(`${stack.base}/console/callback`));
    await page.locator('#grant').click();
    shared.callbackUrl = (await cb).url();
    await page.waitForURL(/\/console\/#\/instances\/\d+$/);
    await page.getByRole('heading', { level: 1, name: 'Sales CRM' }).waitFor();
    await page.getByText(`created for HubSpot portal ${PORTAL_ID}`).waitFor();
    assert.equal(await instanceCount(), before + 1);
    const id = Number(/instances\/(\d+)$/.exec(page.url())[1]);
    const r = await api(stack, 'GET', `/instances/${id}`, { token });
    assert.equal(r.body.name, 'Sales CRM');
    assert.deepEqual(r.body.tags, ['sales', 'eu']);
    assert.equal(r.body.portalId, PORTAL_ID);
    assert.equal(r.body.configuration['oauth.api.key'], CLIENT_ID);
    assert.equal(r.body.configuration['oauth.callback.url'], `${stack.base}/console/callback`);
    // nothing pending is left behind, and the code is gone from the address bar
    const left = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('elementsd.oauth.pending.')));
    assert.deepEqual(left, []);
    assert.doesNotMatch(page.url(), /code=/);
    shared.instance = r.body;
  });

  browserTest('a replayed callback creates nothing', env, async (page) => {
    await login(page);
    // finish a flow in this tab, then send the same answer again
    await startOAuthForm(page, { name: 'Replay source' });
    const cb = page.waitForRequest((r) => r.url().startsWith(`${stack.base}/console/callback`));
    await page.locator('#grant').click();
    const url = (await cb).url();
    await page.waitForURL(/\/console\/#\/instances\/\d+$/);
    const count = await instanceCount();
    await page.goto(url);
    const err = page.locator('#callback-error');
    await err.waitFor();
    assert.equal(await err.getAttribute('data-reason'), 'replayed');
    assert.match(await err.innerText(), /already used/);
    assert.equal(await instanceCount(), count);
    // the same answer in another tab of another session is simply unknown
    if (shared.callbackUrl && shared.callbackUrl !== url) {
      await page.goto(shared.callbackUrl);
      await page.locator('#callback-error[data-reason="unknown"]').waitFor();
      assert.equal(await instanceCount(), count);
    }
    // clean up the extra instance
    const extra = (await listInstances(stack, token)).filter((i) => i.name === 'Replay source');
    for (const i of extra) await api(stack, 'DELETE', `/instances/${i.id}`, { token });
  });

  browserTest('a forged state creates nothing and says why', env, async (page) => {
    await login(page);
    const count = await instanceCount();
    const code = await simCode(stack, `${stack.base}/console/callback`);
    await page.goto(`${stack.base}/console/callback?code=${encodeURIComponent(code)}&state=forged`);
    const err = page.locator('#callback-error');
    await err.waitFor();
    assert.equal(await err.getAttribute('data-reason'), 'unknown');
    assert.match(await err.innerText(), /does not match any connection started in this browser/);
    assert.match(await err.innerText(), /Nothing was created/);
    assert.doesNotMatch(page.url(), /code=|state=/);
    await shot(page, 'console-callback-forged');
    // no state at all
    await page.goto(`${stack.base}/console/callback?code=${encodeURIComponent(code)}`);
    await page.locator('#callback-error[data-reason="missing"]').waitFor();
    assert.equal(await instanceCount(), count);
  });

  browserTest('an expired state (older than 10 minutes) creates nothing', env, async (page) => {
    await login(page);
    const count = await instanceCount();
    await startOAuthForm(page, { name: 'Too slow' });
    const state = await page.locator('input[name="state"]').inputValue();
    // back in the console tab: age the pending flow by 11 minutes
    await page.goto(`${stack.base}/console/#/instances`);
    await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
    const aged = await page.evaluate((s) => {
      const k = `elementsd.oauth.pending.${s}`;
      const f = JSON.parse(sessionStorage.getItem(k));
      if (!f) return false;
      f.createdAt -= 11 * 60 * 1000;
      sessionStorage.setItem(k, JSON.stringify(f));
      return true;
    }, state);
    assert.ok(aged, 'the pending flow is kept in sessionStorage under its state');
    const code = await simCode(stack, `${stack.base}/console/callback`);
    await page.goto(`${stack.base}/console/callback?code=${encodeURIComponent(code)}&state=${state}`);
    const err = page.locator('#callback-error');
    await err.waitFor();
    assert.equal(await err.getAttribute('data-reason'), 'expired');
    assert.match(await err.innerText(), /more than 10 minutes/);
    assert.equal(await instanceCount(), count);
  });

  browserTest('denying access on the consent page creates nothing', env, async (page) => {
    await login(page);
    const count = await instanceCount();
    await startOAuthForm(page, { name: 'Denied CRM' });
    await page.locator('#deny').click();
    await page.getByRole('heading', { level: 1, name: 'Access denied' }).waitFor();
    const err = page.locator('#callback-error');
    assert.match(await err.innerText(), /Access was denied/);
    assert.match(await err.innerText(), /HubSpot said: The user denied access/);
    assert.equal(await instanceCount(), count);
    await page.getByRole('link', { name: 'Start again' }).waitFor();
    await shot(page, 'console-callback-denied');
  });

  browserTest('instances list and search by name and tag', env, async (page) => {
    const inst = await ensureInstance();
    await login(page);
    const row = page.locator(`tr[data-instance-id="${inst.id}"]`);
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, new RegExp(inst.name));
    assert.match(text, /hubspotcrm/);
    assert.match(text, /Valid/);
    assert.match(text, /Enabled/);
    assert.match(text, new RegExp(String(PORTAL_ID)));
    await assertLabelled(page, 'instances');
    await shot(page, 'console-instances');
    // search with no match: the API answers 404, the console says "no match"
    await page.getByLabel('Name or element').fill('no-such-instance-xyz');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No instance matches this search.').waitFor();
    // by name
    await page.getByLabel('Name or element').fill(inst.name.slice(0, 5).toLowerCase());
    await page.getByRole('button', { name: 'Search' }).click();
    await row.waitFor();
    // by tag
    const tag = inst.tags[0];
    await page.getByLabel('Name or element').fill('');
    await field(page, 'Tag').fill(tag);
    await page.getByRole('button', { name: 'Search' }).click();
    await row.waitFor();
    assert.match(page.url(), new RegExp(`tag=${tag}`));
    await field(page, 'Tag').fill('tag-nobody-has');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No instance matches this search.').waitFor();
    await page.getByRole('link', { name: 'Clear' }).click();
    await row.waitFor();
  });

  browserTest('instance detail: secrets masked, token revealed on demand', env, async (page, context) => {
    const inst = await ensureInstance();
    await login(page);
    await page.locator(`tr[data-instance-id="${inst.id}"] a`).click();
    await page.getByRole('heading', { level: 1, name: inst.name }).waitFor();
    const cfg = page.locator('.config-table');
    const secretRow = cfg.locator('tr', { hasText: 'oauth.api.secret' });
    assert.match(await secretRow.innerText(), /\*{8}/);
    const body = await page.locator('main').innerText();
    assert.ok(!body.includes(CLIENT_SECRET), 'the client secret is never shown');
    assert.ok(!body.includes(inst.token), 'the token is masked until revealed');
    await shot(page, 'console-instance-detail', { fullPage: false });
    const tokenCard = page.locator('section', { hasText: 'Instance token' });
    await tokenCard.getByRole('button', { name: 'Reveal' }).click();
    await tokenCard.getByText(inst.token).waitFor();
    await tokenCard.getByRole('button', { name: 'Hide' }).click();
    assert.ok(!(await page.locator('main').innerText()).includes(inst.token));
    // copy without revealing
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.base });
    await tokenCard.getByRole('button', { name: 'Copy' }).click();
    await tokenCard.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), inst.token);
  });

  browserTest('try it: the first page of contacts through the hub API', env, async (page) => {
    const inst = await ensureInstance();
    await login(page);
    await page.goto(`${stack.base}/console/#/instances/${inst.id}`);
    await page.getByRole('link', { name: 'Try it' }).click();
    const curl = page.locator('pre.code');
    await curl.waitFor();
    const shown = await curl.innerText();
    assert.match(shown, /\/elements\/api-v2\/hubs\/crm\/contacts\?pageSize=10/);
    assert.ok(!shown.includes(stack.secrets.userSecret) && !shown.includes(inst.token), 'secrets masked in the shown command');
    const result = page.locator('#try-table, .try-result [role="alert"]');
    await result.first().waitFor({ timeout: 20000 });
    if (await page.locator('.try-result [role="alert"]').count()) {
      const msg = await page.locator('.try-result [role="alert"]').innerText();
      assert.doesNotMatch(msg, /[{}]/, 'errors in plain words');
      await shot(page, 'console-try-it-error');
      assert.fail(`the hub API did not list contacts: ${msg}`);
    }
    const rows = page.locator('#try-table tbody tr');
    assert.ok((await rows.count()) >= 1 && (await rows.count()) <= 10);
    await shot(page, 'console-try-it');
  });

  browserTest('values from HubSpot are shown as text, never as markup', env, async (page) => {
    const inst = await ensureInstance();
    const evil = '<img src=x onerror="window.__xss=1">';
    const r = await fetch(`${stack.simBase}/__sim/fixtures`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ objects: { contacts: [{ id: '101', properties: { firstname: evil, lastname: '<b>Bold</b>', email: 'evil@example.test' } }] } }),
    });
    assert.equal(r.status, 200);
    await login(page);
    await page.goto(`${stack.base}/console/#/instances/${inst.id}/try`);
    const cell = page.locator('#try-table tbody tr', { hasText: 'evil@example.test' }).locator('td').first();
    await cell.waitFor({ timeout: 20000 });
    assert.equal(await cell.innerText(), evil);
    assert.equal(await page.locator('#try-table img, #try-table b').count(), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
  });

  browserTest('edit name and tags', env, async (page) => {
    const inst = await createInstanceViaApi(stack, token, 'Edit me', ['before']);
    await login(page);
    await page.goto(`${stack.base}/console/#/instances/${inst.id}/edit`);
    await field(page, 'Name').fill('Edited name');
    await field(page, 'Tags').fill('after, second');
    await assertLabelled(page, 'edit form');
    await page.getByLabel('Events Enabled').check();
    // events need somewhere to go (issue 11: enabled without a callback URL is a 400)
    await field(page, 'Event Notification Callback URL').fill('http://127.0.0.1:9/events');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Changes saved.').waitFor();
    await page.getByRole('heading', { level: 1, name: 'Edited name' }).waitFor();
    const r = await api(stack, 'GET', `/instances/${inst.id}`, { token });
    assert.equal(r.body.name, 'Edited name');
    assert.deepEqual(r.body.tags, ['after', 'second']);
    assert.equal(r.body.configuration['event.notification.enabled'], 'true');
    assert.equal(r.body.configuration['oauth.api.key'], CLIENT_ID, 'untouched settings stay');
    await api(stack, 'DELETE', `/instances/${inst.id}`, { token });
  });

  browserTest('disable and enable an instance', env, async (page) => {
    const inst = await ensureInstance();
    await login(page);
    await page.goto(`${stack.base}/console/#/instances/${inst.id}`);
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByText('Instance disabled').waitFor();
    await page.locator('.page-head .badge', { hasText: 'Disabled' }).waitFor();
    assert.equal((await api(stack, 'GET', `/instances/${inst.id}`, { token })).body.disabled, true);
    await shot(page, 'console-instance-disabled');
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByText('Instance enabled.').waitFor();
    await page.locator('.page-head .badge', { hasText: 'Enabled' }).waitFor();
    assert.equal((await api(stack, 'GET', `/instances/${inst.id}`, { token })).body.disabled, false);
  });

  browserTest('re-authenticate through the consent page', env, async (page) => {
    const inst = await ensureInstance();
    await login(page);
    const count = await instanceCount();
    await page.goto(`${stack.base}/console/#/instances/${inst.id}`);
    await page.getByRole('link', { name: 'Re-authenticate' }).click();
    assert.equal(await field(page, 'Client ID').inputValue(), CLIENT_ID);
    assert.equal(await field(page, 'Client Secret').inputValue(), '');
    assert.equal(await field(page, 'Scope').inputValue(), 'contacts timeline files');
    await shot(page, 'console-reauth');
    await page.getByRole('button', { name: 'Continue to HubSpot' }).click();
    await page.waitForURL((u) => u.href.startsWith(`${stack.simBase}/oauth/authorize`));
    await page.locator('#grant').click();
    await page.waitForURL(new RegExp(`/console/#/instances/${inst.id}$`));
    await page.getByText('re-authenticated with HubSpot').waitFor();
    assert.equal(await instanceCount(), count, 're-authentication creates nothing new');
    const r = await api(stack, 'GET', `/instances/${inst.id}`, { token });
    assert.equal(r.body.valid, true);
    assert.equal(r.body.token, inst.token, 'the instance keeps its token');
  });

  browserTest('an API-key instance', env, async (page) => {
    await login(page);
    await page.goto(`${stack.base}/console/#/elements/hubspotcrm/new`);
    await field(page, 'Name').fill('Key CRM');
    await page.getByLabel('API key (private-app token)').check();
    assert.equal(await field(page, 'Client ID').isVisible(), false);
    // a wrong key: HubSpot's refusal, in plain words
    await page.getByLabel('HubSpot API Key').fill('pat-wrong-key');
    await page.getByRole('button', { name: 'Create instance' }).click();
    const alert = page.locator('form [role="alert"]');
    await alert.waitFor();
    assert.match(await alert.innerText(), /not created/);
    assert.match(await alert.innerText(), /HubSpot said: Private app access token not found/);
    assert.doesNotMatch(await alert.innerText(), /[{}]/);
    await shot(page, 'console-apikey-error');
    await page.getByLabel('HubSpot API Key').fill(API_KEY);
    await page.getByRole('button', { name: 'Create instance' }).click();
    await page.waitForURL(/\/console\/#\/instances\/\d+$/);
    await page.getByRole('heading', { level: 1, name: 'Key CRM' }).waitFor();
    assert.match(await page.locator('.facts').first().innerText(), /API key/);
    const id = Number(/instances\/(\d+)$/.exec(page.url())[1]);
    const r = await api(stack, 'GET', `/instances/${id}`, { token });
    assert.equal(r.body.authenticationType, 'apiKey');
    assert.equal(r.body.configuration['hubspot.authorization.apikey'], '********');
    // re-authenticate with the key
    await page.getByRole('link', { name: 'Re-authenticate' }).click();
    await page.getByLabel('HubSpot API Key').fill(API_KEY);
    await page.getByRole('button', { name: 'Re-authenticate' }).click();
    await page.getByText('HubSpot accepted the key').waitFor();
    await api(stack, 'DELETE', `/instances/${id}`, { token });
  });

  browserTest('delete an instance, with confirmation', env, async (page) => {
    const inst = await createInstanceViaApi(stack, token, 'Delete me', ['temp']);
    await login(page);
    await page.goto(`${stack.base}/console/#/instances/${inst.id}`);
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /Delete “Delete me”\?/);
    await shot(page, 'console-delete-confirm', { fullPage: false });
    await page.keyboard.press('Escape'); // cancel
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await api(stack, 'GET', `/instances/${inst.id}`, { token })).status, 200);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Delete instance' }).click();
    await page.getByText('Instance “Delete me” deleted.').waitFor();
    await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
    assert.equal((await api(stack, 'GET', `/instances/${inst.id}`, { token })).status, 404);
  });

  browserTest('account: secrets masked until revealed', env, async (page) => {
    await login(page);
    await page.getByRole('link', { name: 'Account', exact: true }).click();
    const user = page.locator('#user-secret');
    await user.waitFor();
    assert.ok(!(await page.locator('main').innerText()).includes(stack.secrets.userSecret));
    await shot(page, 'console-account');
    await user.getByRole('button', { name: 'Reveal' }).click();
    await user.getByText(stack.secrets.userSecret, { exact: true }).waitFor();
    const org = page.locator('#org-secret');
    await org.getByRole('button', { name: 'Reveal' }).click();
    await org.getByText(stack.secrets.organizationSecret, { exact: true }).waitFor();
    // secrets are never stored
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
    assert.ok(!stored.includes(stack.secrets.userSecret));
  });

  browserTest('an ended session sends back to the log-in page with a message', env, async (page) => {
    await login(page);
    const tok = await page.evaluate(() => JSON.parse(sessionStorage.getItem('elementsd.session')).token);
    // the session ends elsewhere (e.g. expired on the server)
    assert.equal((await api(stack, 'DELETE', '/authentication', { token: tok })).status, 200);
    await page.getByRole('link', { name: 'Elements', exact: true }).click();
    await page.locator('main').getByText('Your session has expired or was ended. Please log in again.').waitFor();
    await page.getByLabel('Email').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('elementsd.session')), null);
    await shot(page, 'console-session-expired');
    // a stored session past its expiry is not used
    await login(page);
    await page.evaluate(() => {
      const s = JSON.parse(sessionStorage.getItem('elementsd.session'));
      s.expiresAt = Date.now() - 1000;
      sessionStorage.setItem('elementsd.session', JSON.stringify(s));
    });
    await page.reload();
    await page.locator('main').getByText('Your session has expired. Please log in again.').waitFor();
  });

  browserTest('log out ends the session on the server', env, async (page) => {
    await login(page);
    const tok = await page.evaluate(() => JSON.parse(sessionStorage.getItem('elementsd.session')).token);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByText('You are logged out.').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('elementsd.session')), null);
    assert.equal((await api(stack, 'GET', '/instances', { token: tok })).status, 401);
  });
});

describe('phone screen (390 px)', () => {
  const phone = { viewport: { width: 390, height: 844 } };
  const noOverflow = async (page, what) => {
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(w <= 390, `${what}: page is ${w}px wide on a 390px screen`);
  };

  browserTest('phone: log in, list, detail, form and try it fit the screen', env, async (page) => {
    const inst = await ensureInstance();
    await page.goto(`${stack.base}/console/`);
    await page.getByLabel('Email').waitFor();
    await noOverflow(page, 'log in');
    await shot(page, 'console-phone-login');
    await login(page);
    await page.locator(`tr[data-instance-id="${inst.id}"]`).waitFor();
    await noOverflow(page, 'instances');
    await shot(page, 'console-phone-instances');
    await page.goto(`${stack.base}/console/#/instances/${inst.id}`);
    await page.getByRole('heading', { level: 1, name: inst.name }).waitFor();
    await noOverflow(page, 'detail');
    await shot(page, 'console-phone-detail');
    await page.goto(`${stack.base}/console/#/elements/hubspotcrm/new`);
    await field(page, 'Client ID').waitFor();
    await noOverflow(page, 'form');
    await page.goto(`${stack.base}/console/#/instances/${inst.id}/try`);
    await page.locator('#try-table, .try-result [role="alert"]').first().waitFor({ timeout: 20000 });
    await noOverflow(page, 'try it');
    await shot(page, 'console-phone-try-it');
  }, phone);
});

describe('served assets', () => {
  // plain HTTP checks; kept here so that one `node --test` run covers the console
  test('console routes answer with strict security headers', async () => {
    for (const [p, type] of [
      ['/', 'text/html'], ['/console/', 'text/html'], ['/console', 'text/html'], ['/console/callback?code=x&state=y', 'text/html'],
      ['/console/app.js', 'text/javascript'], ['/console/style.css', 'text/css'], ['/console/favicon.svg', 'image/svg+xml'],
    ]) {
      const r = await fetch(stack.base + p);
      assert.equal(r.status, 200, p);
      assert.ok(r.headers.get('content-type').startsWith(type), `${p}: ${r.headers.get('content-type')}`);
      const csp = r.headers.get('content-security-policy');
      for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
        "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"]) {
        assert.ok(csp.includes(d), `${p}: CSP lacks ${d}`);
      }
      assert.ok(!/unsafe-inline|unsafe-eval/.test(csp), `${p}: CSP allows unsafe code`);
      assert.equal(r.headers.get('x-frame-options'), 'DENY');
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
      if (type === 'text/html') {
        assert.equal(r.headers.get('cache-control'), 'no-store');
        const html = await r.text();
        assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline script');
        assert.doesNotMatch(html, /\sstyle=|<style/i, 'no inline style');
        assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handler');
      }
    }
    const head = await fetch(`${stack.base}/console/app.js`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    for (const p of ['/console/nope.js', '/console/.hidden', '/console/a/b.js', '/favicon.ico']) {
      const r = await fetch(stack.base + p);
      assert.equal(r.status, 404, p);
    }
    const post = await fetch(`${stack.base}/console/`, { method: 'POST' });
    assert.equal(post.status, 405);
  });

  test('console sources build pages without HTML strings or inline code', () => {
    const dir = path.join(ROOT, 'console');
    for (const f of readdirSync(dir)) {
      // console/renderer/ holds the pinned third-party renderers (npm)
      if (statSync(path.join(dir, f)).isDirectory()) continue;
      const text = readFileSync(path.join(dir, f), 'utf8');
      if (f.endsWith('.js')) {
        assert.doesNotMatch(text, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/, `${f}: HTML string or eval`);
      }
      if (f.endsWith('.html')) {
        assert.doesNotMatch(text, /\sstyle=|<style|\son[a-z]+=/i, `${f}: inline style or handler`);
      }
    }
  });
});
