// SPDX-License-Identifier: MIT
// Reads the response models of HubSpot's SDK (@hubspot/api-client, generated
// from HubSpot's OpenAPI documents) at test time and checks JSON bodies
// against them. Nothing here is copied from the SDK by hand:
//   - a model's members and which are required come from its .d.ts
//     (`'name': Type;` is required, `'name'?: Type;` optional);
//   - each member's JSON name and type come from `attributeTypeMap` in the
//     model's .js (parsed as text, not run);
//   - enums from `export declare enum XEnum { A = "a", ... }` in the .d.ts;
//   - oneOf models (`export type X = A | B;`) from the .d.ts, with the
//     discriminator and mapping the .js sets on `XClass`.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_MODELS } from './nosdk.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SDK_ROOT = path.join(HERE, 'node_modules', '@hubspot', 'api-client');
export const CODEGEN = path.join(SDK_ROOT, 'lib', 'codegen');

export function sdkVersion() {
  return JSON.parse(readFileSync(path.join(SDK_ROOT, 'package.json'), 'utf8')).version;
}

const cache = new Map();

/** Parse `attributeTypeMap = [ {...}, ... ];` out of a model's .js text. */
function parseAttributeTypeMap(js, file) {
  const m = js.match(/\.attributeTypeMap = (\[[\s\S]*?\n\]);/);
  if (!m) return null;
  // the array is plain JSON in the generated code
  try {
    return JSON.parse(m[1]);
  } catch (e) {
    throw new Error(`${file}: attributeTypeMap is not JSON: ${e.message}`);
  }
}

/** Members of `export declare class Name { 'a'?: T; ... }`: name -> required. */
function parseClassMembers(dts, name) {
  const start = dts.indexOf(`export declare class ${name} {`);
  if (start < 0) return null;
  const members = new Map();
  // top-level member lines are indented by exactly 4 spaces
  const re = /^ {4}'([^']+)'(\?)?: /gm;
  re.lastIndex = start;
  const end = dts.indexOf('\n}', start);
  let m;
  while ((m = re.exec(dts)) && m.index < end) members.set(m[1], !m[2]);
  return members;
}

/** `export declare enum XEnum { A = "a", ... }` blocks of a .d.ts. */
function parseEnums(dts) {
  const enums = new Map();
  const re = /export declare enum (\w+) \{([^}]*)\}/g;
  let m;
  while ((m = re.exec(dts))) {
    const values = [...m[2].matchAll(/=\s*("(?:[^"\\]|\\.)*"|-?[0-9.]+)/g)].map((v) => JSON.parse(v[1]));
    enums.set(m[1], values);
  }
  return enums;
}

/**
 * Load model `name` of SDK module `mod` (a path under lib/codegen, e.g.
 * 'crm/objects'). Returns {kind:'class', members:[{name, baseName, type,
 * required}], enums} or {kind:'union', alternatives, discriminator, mapping}.
 */
export function loadModel(mod, name) {
  const key = `${mod}:${name}`;
  if (cache.has(key)) return cache.get(key);
  if (LOCAL_MODELS[mod]) {
    if (!LOCAL_MODELS[mod][name]) throw new Error(`no model ${mod}/${name} in nosdk.mjs`);
    return LOCAL_MODELS[mod][name];
  }
  const base = path.join(CODEGEN, mod, 'models', name);
  if (!existsSync(`${base}.d.ts`)) throw new Error(`SDK ${sdkVersion()} has no model ${mod}/models/${name}`);
  const dts = readFileSync(`${base}.d.ts`, 'utf8');
  const js = readFileSync(`${base}.js`, 'utf8');
  let model;
  const union = dts.match(new RegExp(`export type ${name} = ([^;]+);`));
  if (union) {
    const disc = js.match(/Class\.discriminator = "([^"]+)";/);
    const mapping = js.match(/Class\.mapping = (\{[\s\S]*?\});/);
    model = {
      kind: 'union',
      name,
      alternatives: union[1].split('|').map((s) => s.trim()),
      discriminator: disc ? disc[1] : undefined,
      mapping: mapping ? JSON.parse(mapping[1].replace(/,(\s*\})/, '$1')) : undefined,
    };
  } else {
    const required = parseClassMembers(dts, name);
    const map = parseAttributeTypeMap(js, `${base}.js`);
    if (!required || !map) throw new Error(`${base}: cannot read the model`);
    model = {
      kind: 'class',
      name,
      members: map.map((a) => ({ ...a, required: required.get(a.name) === true })),
      enums: parseEnums(dts),
    };
  }
  cache.set(key, model);
  return model;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const SCALAR = new Set(['string', 'number', 'boolean', 'any', 'Date', 'null', 'object']);

/** Split `A | B` at the top level (not inside <> or {}). */
function splitTop(type, sep) {
  const parts = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < type.length; i++) {
    const c = type[i];
    if (c === '<' || c === '{') depth++;
    if (c === '>' || c === '}') depth--;
    if (depth === 0 && type.startsWith(sep, i)) {
      parts.push(cur.trim());
      cur = '';
      i += sep.length - 1;
      continue;
    }
    cur += c;
  }
  parts.push(cur.trim());
  return parts;
}

function jsonType(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Check `value` against type string `type` (as in attributeTypeMap) of SDK
 * module `mod`; `enums` are the enums of the model holding the member.
 * Problems are pushed to `errs` as "path: message".
 * opts.allow: {"Model": ["member", ...]} members a model lacks that are
 * nonetheless accepted; opts.types: {"Model": {"member": "type"}} a type
 * that replaces the model's (each with its source in the caller's comment).
 */
export function checkType(mod, type, value, where, errs, enums = new Map(), opts = {}) {
  type = type.trim();
  const alts = splitTop(type, '|');
  if (alts.length > 1) {
    if (value === null && alts.includes('null')) return;
    let best = null;
    for (const a of alts) {
      if (a === 'null') continue;
      const e = [];
      checkType(mod, a, value, where, e, enums, opts);
      if (e.length === 0) return;
      if (!best || e.length < best.length) best = e;
    }
    errs.push(...best);
    return;
  }
  let m;
  if ((m = type.match(/^(?:Array|Set)<(.+)>$/s))) {
    if (!Array.isArray(value)) { errs.push(`${where}: expected an array (${type}), got ${jsonType(value)}`); return; }
    value.forEach((v, i) => checkType(mod, m[1], v, `${where}[${i}]`, errs, enums, opts));
    return;
  }
  if ((m = type.match(/^\{\s*\[key: string\]: (.+?);?\s*\}$/s))) {
    if (jsonType(value) !== 'object') { errs.push(`${where}: expected an object (${type}), got ${jsonType(value)}`); return; }
    for (const [k, v] of Object.entries(value)) checkType(mod, m[1], v, `${where}.${k}`, errs, enums, opts);
    return;
  }
  if (SCALAR.has(type)) {
    if (type === 'any') return;
    if (type === 'Date') {
      if (typeof value !== 'string' || !ISO.test(value) || Number.isNaN(Date.parse(value))) {
        errs.push(`${where}: expected an ISO-8601 date-time string, got ${JSON.stringify(value)}`);
      }
      return;
    }
    if (type === 'object') {
      if (jsonType(value) !== 'object') errs.push(`${where}: expected an object, got ${jsonType(value)}`);
      return;
    }
    if (jsonType(value) !== type) errs.push(`${where}: expected ${type}, got ${jsonType(value)} ${JSON.stringify(value)}`);
    return;
  }
  if (enums.has(type)) {
    const vals = enums.get(type);
    if (!vals.includes(value)) errs.push(`${where}: ${JSON.stringify(value)} is not one of ${type} ${JSON.stringify(vals)}`);
    return;
  }
  checkModel(mod, type, value, where, errs, opts);
}

/** Check `value` against SDK model `name` of module `mod`. */
export function checkModel(mod, name, value, where, errs, opts = {}) {
  const model = loadModel(mod, name);
  if (model.kind === 'union') {
    if (model.discriminator && model.mapping && jsonType(value) === 'object') {
      const target = model.mapping[value[model.discriminator]];
      if (!target) {
        errs.push(`${where}.${model.discriminator}: ${JSON.stringify(value[model.discriminator])} is not one of ${name}'s ${JSON.stringify(Object.keys(model.mapping))}`);
        return;
      }
      checkModel(mod, target, value, where, errs, opts);
      return;
    }
    checkType(mod, model.alternatives.join(' | '), value, where, errs, new Map(), opts);
    return;
  }
  if (jsonType(value) !== 'object') { errs.push(`${where}: expected a ${name} object, got ${jsonType(value)}`); return; }
  const known = new Set();
  const retype = (opts.types && opts.types[name]) || {};
  for (const mem of model.members) {
    known.add(mem.baseName);
    const has = Object.prototype.hasOwnProperty.call(value, mem.baseName);
    if (!has) {
      if (mem.required) errs.push(`${where}: ${name} requires "${mem.baseName}"`);
      continue;
    }
    const v = value[mem.baseName];
    // generated clients send and accept null for an optional member
    if (v === null && !mem.required) continue;
    checkType(mod, retype[mem.baseName] || mem.type, v, `${where}.${mem.baseName}`, errs, model.enums, opts);
  }
  const allowed = new Set((opts.allow && opts.allow[name]) || []);
  for (const k of Object.keys(value)) {
    if (!known.has(k) && !allowed.has(k)) errs.push(`${where}: "${k}" is not a member of ${name}`);
  }
}

/** All problems of `body` against `mod`/`name`, as an array of strings. */
export function problems(mod, name, body, opts = {}) {
  const errs = [];
  checkModel(mod, name, body, '$', errs, opts);
  return errs;
}
