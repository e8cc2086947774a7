// SPDX-License-Identifier: MIT
// Starts build/hubspot-sim on a free loopback port (HUBSPOT_SIM_BIN, as the
// browser tests do) and checks its answers against the SDK's models.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODEGEN, SDK_ROOT, problems } from './sdk.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
export const SIM_BIN = process.env.HUBSPOT_SIM_BIN || path.join(ROOT, 'build', 'hubspot-sim');
export const API_KEY = 'pat-na1-contract-test-key';

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

async function waitPort(port, proc, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`hubspot-sim exited early with ${proc.exitCode}`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`hubspot-sim never opened port ${port}`);
}

/** Start the sim (no rate limits: the suite makes many calls quickly). */
export async function startSim() {
  if (!existsSync(path.join(SDK_ROOT, 'package.json'))) {
    throw new Error(`${SDK_ROOT} missing: run scripts/deps.sh (npm ci in tests/contract)`);
  }
  if (!existsSync(SIM_BIN)) throw new Error(`hubspot-sim not found at ${SIM_BIN}: build it first (make build)`);
  const port = await freePort();
  const proc = spawn(SIM_BIN, [
    '--listen', `127.0.0.1:${port}`, '--api-key', API_KEY,
    '--rate-limit', '0', '--search-rate-limit', '0', '--log-level', 'warn',
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitPort(port, proc);
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      await new Promise((resolve) => {
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        proc.once('exit', () => { clearTimeout(t); resolve(); });
        proc.kill('SIGTERM');
      });
    },
  };
}

/** One call; JSON bodies are sent and parsed. Returns {status, body, headers}. */
export async function call(sim, method, p, { body, form, auth = true } = {}) {
  const headers = { Accept: 'application/json' };
  if (auth) headers.Authorization = `Bearer ${API_KEY}`;
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const r = await fetch(`${sim.base}${p}`, { method, headers, body: payload });
  const text = await r.text();
  let json;
  if (text.length) {
    try { json = JSON.parse(text); } catch { json = text; }
  }
  return { status: r.status, body: json, headers: r.headers };
}

export async function control(sim, p, body) {
  const r = await fetch(`${sim.base}${p}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal(r.status, 200, `${p}: ${await r.text()}`);
}

/**
 * The model an SDK operation returns, from its API's .d.ts: `op` is
 * 'Api.method' of module `mod` (e.g. 'crm/objects', 'BasicApi.getById'),
 * read from `methodWithHttpInfo(response: ResponseContext):
 * Promise<HttpInfo<Model>>` of the API's response processor. Unions
 * (`A | B`) come back as a list.
 */
export function returnModels(mod, op) {
  const [api, method] = op.split('.');
  const dts = readFileSync(path.join(CODEGEN, mod, 'apis', `${api}.d.ts`), 'utf8');
  const m = dts.match(new RegExp(`\\b${method}WithHttpInfo\\(response: ResponseContext\\): Promise<HttpInfo<([^>]+)>>`));
  if (!m) throw new Error(`SDK ${mod}/apis/${api} has no response processor for ${method}`);
  return m[1].split('|').map((s) => s.trim());
}

/**
 * Assert status and that the body satisfies the model `op` returns
 * (207 → the `...WithErrors` alternative). `opts.model` names the model
 * when the SDK declares the operation as returning `any`.
 */
export function expectOp(res, status, mod, op, opts = {}) {
  assert.equal(res.status, status, `status ${res.status}, body ${JSON.stringify(res.body)}`);
  let models = opts.model ? [opts.model] : returnModels(mod, op);
  if (models.length > 1) {
    const withErrors = models.filter((m) => m.endsWith('WithErrors'));
    models = res.status === 207 ? withErrors : models.filter((m) => !m.endsWith('WithErrors'));
  }
  assert.equal(models.length, 1, `${mod} ${op}: cannot pick one of ${models}`);
  assert.notEqual(models[0], 'any', `${mod} ${op} returns any: name the model`);
  expectModel(res.body, mod, models[0], opts);
  return res.body;
}

/** Assert that `body` satisfies SDK model `name` of `mod`. */
export function expectModel(body, mod, name, opts = {}) {
  const errs = problems(mod, name, body, opts);
  assert.deepEqual(errs, [], `${mod} ${name}:\n  ${errs.join('\n  ')}\nbody: ${JSON.stringify(body).slice(0, 2000)}`);
}

/*
 * HubSpot's error bodies carry "status":"error" first (every example in
 * HubSpot's API reference, e.g. developers.hubspot.com/docs/api/crm/
 * understanding-the-crm "Error handling"), but the SDK's generated `Error`
 * model (ModelError) has no `status` member: it lags the documented body.
 */
export const ERROR_ALLOW = { allow: { ModelError: ['status'] } };

/** Assert an error answer: status code, ModelError of `mod`, category. */
export function expectError(res, status, mod, category) {
  assert.equal(res.status, status, `status ${res.status}, body ${JSON.stringify(res.body)}`);
  expectModel(res.body, mod, 'ModelError', ERROR_ALLOW);
  assert.equal(res.body.status, 'error');
  assert.equal(res.body.correlationId, res.headers.get('x-hubspot-correlation-id'));
  if (category) assert.equal(res.body.category, category);
  return res.body;
}
