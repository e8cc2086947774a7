// SPDX-License-Identifier: MIT
// Shared helpers for the console's end-to-end tests: start hubspot-sim and
// elementsd on free loopback ports, drive Debian's Chromium through
// playwright-core (no browser download), and talk to the API directly to
// check what the console did.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const ARTIFACTS = path.join(HERE, 'artifacts');
export const ELEMENTSD_BIN = process.env.ELEMENTSD_BIN || path.join(ROOT, 'build', 'elementsd');
export const SIM_BIN = process.env.HUBSPOT_SIM_BIN || path.join(ROOT, 'build', 'hubspot-sim');
export const CHROMIUM_BIN = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

export const EMAIL = 'ada@example.com';
export const PASSWORD = 'correct horse battery staple';
export const CLIENT_ID = 'console-test-client';
export const CLIENT_SECRET = 'console-test-secret';
export const API_KEY = 'pat-na1-console-test-key';
export const PORTAL_ID = 62515; // hubspot-sim's default hub id

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

export function slug(name) {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitPort(port, proc, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${what} exited early with ${proc.exitCode} (see ${ARTIFACTS}/logs)`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} never opened port ${port}`);
}

function stopProc(proc) {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) { resolve(); return; }
    const t = setTimeout(() => { proc.kill('SIGKILL'); }, 5000);
    proc.once('exit', () => { clearTimeout(t); resolve(); });
    proc.kill('SIGTERM');
  });
}

/** Start hubspot-sim and a bootstrapped elementsd pointed at it. */
export async function startStack(name) {
  for (const [bin, what] of [[ELEMENTSD_BIN, 'elementsd'], [SIM_BIN, 'hubspot-sim']]) {
    if (!existsSync(bin)) throw new Error(`${what} binary not found at ${bin}: build it first (make build)`);
  }
  const logs = path.join(ARTIFACTS, 'logs');
  mkdirSync(logs, { recursive: true });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'elementsd-browser-'));
  const simPort = await freePort();
  const edPort = await freePort();
  const simBase = `http://127.0.0.1:${simPort}`;
  const base = `http://127.0.0.1:${edPort}`;
  const simLog = openSync(path.join(logs, `${name}-hubspot-sim.log`), 'w');
  const sim = spawn(SIM_BIN, [
    '--listen', `127.0.0.1:${simPort}`, '--client', `${CLIENT_ID}:${CLIENT_SECRET}`, '--api-key', API_KEY,
  ], { stdio: ['ignore', simLog, simLog] });
  const boot = JSON.parse(execFileSync(ELEMENTSD_BIN, [
    'admin', 'bootstrap', '--data-dir', dataDir, '--email', EMAIL, '--password', PASSWORD,
    '--first-name', 'Ada', '--last-name', 'Admin', '--org-name', 'Console Test Org',
  ], { encoding: 'utf8' }).trim().split('\n').pop());
  const edLog = openSync(path.join(logs, `${name}-elementsd.log`), 'w');
  const ed = spawn(ELEMENTSD_BIN, [
    'serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${edPort}`,
    '--hubspot-app-url', simBase, '--hubspot-api-url', simBase,
  ], { stdio: ['ignore', edLog, edLog] });
  await waitPort(simPort, sim, 'hubspot-sim');
  await waitPort(edPort, ed, 'elementsd');
  return {
    base,
    simBase,
    secrets: boot, // {userSecret, organizationSecret, ...}
    async stop() {
      await Promise.all([stopProc(ed), stopProc(sim)]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/* --- direct API calls (what the console did, seen from outside) ----------------- */

export async function api(stack, method, p, { token, body, headers = {} } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const r = await fetch(`${stack.base}/elements/api-v2${p}`, {
    method, headers: h, body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  return { status: r.status, body: json, headers: r.headers };
}

export async function apiLogin(stack) {
  const r = await api(stack, 'POST', '/authentication', { body: { username: EMAIL, password: PASSWORD } });
  if (r.status !== 200) throw new Error(`API login failed: ${r.status}`);
  return r.body.token;
}

export async function listInstances(stack, token) {
  const r = await api(stack, 'GET', '/instances', { token });
  if (r.status !== 200) throw new Error(`GET /instances: ${r.status}`);
  return r.body;
}

/** An authorization code minted by the sim's control API (no consent page). */
export async function simCode(stack, redirectUri) {
  const r = await fetch(`${stack.simBase}/__sim/oauth/code`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_id: CLIENT_ID, redirect_uri: redirectUri }),
  });
  if (r.status !== 200) throw new Error(`sim code: ${r.status}`);
  return (await r.json()).code;
}

/** A hubspotcrm OAuth instance created through the API (test set-up). */
export async function createInstanceViaApi(stack, token, name, tags) {
  const callback = `${stack.base}/console/callback`;
  const code = await simCode(stack, callback);
  const r = await api(stack, 'POST', '/instances', {
    token,
    body: {
      element: { key: 'hubspotcrm' },
      name,
      tags,
      providerData: { code },
      configuration: {
        'authentication.type': 'oauth2',
        'oauth.api.key': CLIENT_ID,
        'oauth.api.secret': CLIENT_SECRET,
        'oauth.callback.url': callback,
        'oauth.scope': 'contacts timeline files',
      },
    },
  });
  if (r.status !== 200) throw new Error(`create instance: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/* --- the browser ------------------------------------------------------------------ */

export async function launchBrowser() {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new Error('playwright-core is not installed: run scripts/browser-deps.sh (npm ci in tests/browser)');
  }
  if (!existsSync(CHROMIUM_BIN)) {
    throw new Error(`Chromium not found at ${CHROMIUM_BIN}: run scripts/browser-deps.sh (apt-get install chromium)`);
  }
  // launch() gives every run a fresh temporary profile (--user-data-dir)
  return chromium.launch({ executablePath: CHROMIUM_BIN, headless: true, args: CHROMIUM_ARGS, timeout: 60000 });
}

/**
 * Register a browser test: a fresh context (viewport 1280x800 unless
 * given), a trace kept in artifacts/ when the test fails, a screenshot of
 * the final page either way, and no Content-Security-Policy violation or
 * uncaught page error allowed.
 * env() returns {stack, browser} once the suite's before() hook ran.
 */
export function browserTest(name, env, fn, { viewport = { width: 1280, height: 800 }, timeout = 60000 } = {}) {
  test(name, { timeout }, async () => {
    const { browser } = env();
    mkdirSync(ARTIFACTS, { recursive: true });
    const context = await browser.newContext({ viewport });
    context.setDefaultTimeout(15000);
    await context.tracing.start({ screenshots: true, snapshots: true, sources: false });
    const page = await context.newPage();
    const problems = [];
    page.on('console', (msg) => {
      if (/Content[- ]Security[- ]Policy/i.test(msg.text())) problems.push(`CSP: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    const file = slug(name);
    try {
      await fn(page, context);
      if (problems.length) throw new Error(problems.join('\n'));
      await page.screenshot({ path: path.join(ARTIFACTS, `${file}.png`), fullPage: true });
      await context.tracing.stop();
    } catch (err) {
      await page.screenshot({ path: path.join(ARTIFACTS, `${file}.failed.png`), fullPage: true }).catch(() => {});
      await context.tracing.stop({ path: path.join(ARTIFACTS, `${file}.trace.zip`) }).catch(() => {});
      if (problems.length && !String(err.message).includes(problems[0])) err.message += `\n${problems.join('\n')}`;
      throw err;
    } finally {
      await context.close();
    }
  });
}

/** Screenshot of the current page under a given name (docs material). */
export async function shot(page, name, { fullPage = true } = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage });
}

/** The control labelled exactly `text` (a required field's label ends in " *"). */
export function field(page, text) {
  const esc = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return page.getByLabel(new RegExp(`^${esc}( \\*)?$`));
}

/** Log in to the console as the bootstrap user and wait for the instance list. */
export async function consoleLogin(page, stack) {
  await page.goto(`${stack.base}/console/`);
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
}
