// SPDX-License-Identifier: MIT
// The console's users page (issue 15) in headless Chromium: an organization
// admin creates a user (its secret shown once, then never), changes its
// role, disables it (that user's log-in then fails with 401) and deletes it;
// a plain user's view has no admin action; markup in a name is text.
//   node --test tests/browser/users.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';

import {
  EMAIL, api, apiLogin, browserTest, field, launchBrowser, shot, startStack, consoleLogin,
} from './harness.mjs';

let stack;
let browser;
let token;
const env = () => ({ stack, browser });
const MARKUP = '<img src=x id=injected onerror=alert(1)>';
const NEW_EMAIL = 'grace@example.com';
const NEW_PASSWORD = 'a long enough password';
const PLAIN_EMAIL = 'plain@example.com';
const PLAIN_PASSWORD = 'plain user password';

before(async () => {
  stack = await startStack('users');
  browser = await launchBrowser();
  token = await apiLogin(stack);
});

after(async () => {
  if (browser) await browser.close();
  if (stack) await stack.stop();
});

async function loginAs(email, password) {
  return api(stack, 'POST', '/authentication', { body: { username: email, password } });
}

async function openUsers(page) {
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  await page.locator('#users-rows tr').first().waitFor();
}

function rowOf(page, email) {
  return page.locator('#users-rows tr').filter({ has: page.locator('.user-email', { hasText: email }) });
}

describe('the users page', () => {
  browserTest('an org admin creates, re-roles, disables and deletes a user', env, async (page) => {
    await consoleLogin(page, stack);
    await openUsers(page);
    assert.equal(await rowOf(page, EMAIL).count(), 1);
    // create: the secret is shown once
    await field(page, 'Email').fill(NEW_EMAIL);
    await field(page, 'Password').fill(NEW_PASSWORD);
    await field(page, 'First name').fill(MARKUP);
    await field(page, 'Last name').fill('Hopper');
    await page.getByRole('button', { name: 'Create user' }).click();
    const secretOut = page.locator('#new-user-secret');
    await secretOut.waitFor();
    const secret = (await secretOut.textContent()).trim();
    assert.match(secret, /^\S{16,}$/);
    const row = rowOf(page, NEW_EMAIL);
    await row.waitFor();
    // markup in the name is text
    assert.equal(await row.locator('.user-name').textContent(), `${MARKUP} Hopper`);
    assert.equal(await page.locator('#injected').count(), 0);
    assert.equal(await page.locator('#users-rows img').count(), 0);
    // the secret works, and the API never shows it again
    const users = await api(stack, 'GET', '/users', { token });
    assert.equal(users.status, 200);
    const made = users.body.find((u) => u.email === NEW_EMAIL);
    assert.ok(made, JSON.stringify(users.body));
    assert.equal(made.role, 'user');
    assert.ok(!JSON.stringify(users.body).includes(secret));
    const orgSecret = stack.secrets.organizationSecret;
    const me = await api(stack, 'GET', '/organizations/me', {
      headers: { Authorization: `User ${secret}, Organization ${orgSecret}` },
    });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.userId, made.id);
    await shot(page, 'users-created');
    // shown once: after a reload of the page it is gone
    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await openUsers(page);
    assert.equal(await page.locator('#new-user-secret').count(), 0);
    assert.ok(!(await page.locator('main').textContent()).includes(secret));
    // change the role
    await rowOf(page, NEW_EMAIL).getByLabel(`Role of ${NEW_EMAIL}`).selectOption('account-admin');
    await page.waitForFunction(async ([t, id]) => {
      const r = await fetch(`/elements/api-v2/users/${id}`, { headers: { Authorization: `Bearer ${t}` } });
      return (await r.json()).role === 'account-admin';
    }, [token, made.id]);
    // disable: the user's log-in then fails with 401
    assert.equal((await loginAs(NEW_EMAIL, NEW_PASSWORD)).status, 200);
    await rowOf(page, NEW_EMAIL).getByRole('button', { name: `Disable ${NEW_EMAIL}` }).click();
    await rowOf(page, NEW_EMAIL).getByRole('button', { name: `Enable ${NEW_EMAIL}` }).waitFor();
    assert.equal(await rowOf(page, NEW_EMAIL).locator('.user-state').textContent(), 'Disabled');
    assert.equal((await loginAs(NEW_EMAIL, NEW_PASSWORD)).status, 401);
    const disabled = await api(stack, 'GET', `/users/${made.id}`, { token });
    assert.equal(disabled.body.disabled, true);
    // delete
    await rowOf(page, NEW_EMAIL).getByRole('button', { name: `Delete ${NEW_EMAIL}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete user' }).click();
    await rowOf(page, NEW_EMAIL).waitFor({ state: 'detached' });
    assert.equal((await api(stack, 'GET', `/users/${made.id}`, { token })).status, 404);
    // no action on oneself
    assert.equal(await rowOf(page, EMAIL).locator('button, select').count(), 0);
  });

  browserTest('a plain user sees itself and no admin action', env, async (page) => {
    const r = await api(stack, 'POST', '/users', {
      token,
      body: { email: PLAIN_EMAIL, password: PLAIN_PASSWORD, firstName: MARKUP, role: 'user' },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await page.goto(`${stack.base}/console/`);
    await page.getByLabel('Email').fill(PLAIN_EMAIL);
    await page.getByLabel('Password').fill(PLAIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
    await openUsers(page);
    const rows = page.locator('#users-rows tr');
    assert.equal(await rows.count(), 1);
    assert.equal(await rows.locator('.user-email').textContent(), PLAIN_EMAIL);
    assert.equal(await rows.locator('.user-name').textContent(), MARKUP);
    assert.equal(await page.locator('#injected').count(), 0);
    assert.equal(await page.locator('#user-form').count(), 0);
    assert.equal(await page.locator('#users-table button, #users-table select').count(), 0);
    assert.equal(await page.getByRole('button', { name: /Create user|Disable|Enable|Delete/ }).count(), 0);
    assert.equal(await page.getByRole('columnheader', { name: 'Actions' }).count(), 0);
    await shot(page, 'users-plain');
  });
});
