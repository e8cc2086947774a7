// SPDX-License-Identifier: MIT
// The console's events view (issue 11) in headless Chromium: an instance's
// detail page lists its recent events and deliveries, and "Send test
// event" queues one that a local receiver gets (Elements-Webhook-Id, the
// HMAC signature) and that then shows as NOTIFIED.
//   node --test tests/browser/events.test.mjs

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { after, before, describe } from 'node:test';

import {
  API_KEY, EMAIL, PASSWORD, api, apiLogin, browserTest, launchBrowser, shot, startStack, consoleLogin,
} from './harness.mjs';

let stack;
let browser;
let token;
let receiver;
const got = [];
const env = () => ({ stack, browser });
const KEY = 'console-signing-key';

before(async () => {
  receiver = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  stack = await startStack('events');
  browser = await launchBrowser();
  token = await apiLogin(stack);
});

after(async () => {
  if (browser) await browser.close();
  if (stack) await stack.stop();
  if (receiver) receiver.close();
});

const login = (page) => consoleLogin(page, stack);

describe('events in the web console', () => {
  browserTest('the instance page sends a test event and shows it delivered', env, async (page) => {
    const url = `http://127.0.0.1:${receiver.address().port}/hook`;
    const r = await api(stack, 'POST', '/instances', {
      token,
      body: {
        element: { key: 'hubspotcrm' },
        name: 'events-console',
        configuration: {
          'authentication.type': 'apiKey',
          'hubspot.authorization.apikey': API_KEY,
          'event.notification.enabled': true,
          'event.notification.callback.url': url,
          'event.notification.signature.key': KEY,
        },
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const inst = r.body;
    await login(page);
    await page.goto(`${stack.base}/console/#/instances/${inst.id}`);
    await page.getByRole('heading', { level: 2, name: 'Events' }).waitFor();
    await page.locator('#events-empty').waitFor();
    await page.getByRole('button', { name: 'Send test event' }).click();
    const status = page.locator('.notice-success');
    await status.waitFor();
    const eventId = (await status.locator('code').textContent()).trim();
    assert.match(eventId, /^[0-9a-f]{24}$/);
    // the row turns NOTIFIED (the view reloads itself once; Refresh otherwise)
    const row = page.locator(`tr[data-event-id="${eventId}"]`);
    for (let i = 0; i < 40; i++) {
      if ((await row.count()) && /NOTIFIED/.test(await row.textContent())) break;
      await page.waitForTimeout(250);
      if (i % 8 === 7) await page.getByRole('button', { name: 'Refresh' }).click();
    }
    assert.match(await row.textContent(), /NOTIFIED/);
    assert.match(await row.textContent(), /UNKNOWN test/);
    await shot(page, 'console-instance-events');
    // what the receiver got
    assert.equal(got.length, 1);
    assert.equal(got[0].headers['elements-webhook-id'], eventId);
    const sig = `sha256=${createHmac('sha256', KEY).update(got[0].body).digest('base64')}`;
    assert.equal(got[0].headers['elements-webhook-signature'], sig);
    assert.equal(JSON.parse(got[0].body).message.eventId, eventId);
  });
});
