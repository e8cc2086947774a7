// SPDX-License-Identifier: MIT
// The checker itself: each kind of contract breach is reported, so a green
// sim.test.mjs means the sim's bodies passed, not that nothing was checked.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadModel, problems } from './sdk.mjs';

const OK = {
  id: '1', properties: { a: 'x', b: null }, createdAt: '2026-01-05T09:00:00.000Z',
  updatedAt: '2026-01-05T09:00:00Z', archived: false,
};

test('models are read from the SDK: required and optional members, types', () => {
  const m = loadModel('crm/objects', 'SimplePublicObject');
  const req = Object.fromEntries(m.members.map((x) => [x.baseName, x.required]));
  assert.equal(req.id, true);
  assert.equal(req.archived, false);
  assert.equal(m.members.find((x) => x.baseName === 'createdAt').type, 'Date');
  assert.deepEqual(problems('crm/objects', 'SimplePublicObject', OK), []);
});

test('breaches are reported', () => {
  const p = (body) => problems('crm/objects', 'SimplePublicObject', body);
  const { id, ...noId } = OK;
  void id;
  assert.deepEqual(p(noId), ['$: SimplePublicObject requires "id"']);
  assert.deepEqual(p({ ...OK, id: 1 }), ['$.id: expected string, got number 1']);
  assert.deepEqual(p({ ...OK, archived: 'false' }), ['$.archived: expected boolean, got string "false"']);
  assert.match(p({ ...OK, createdAt: 1767603600000 })[0], /ISO-8601/);
  assert.match(p({ ...OK, createdAt: '2026-01-05' })[0], /ISO-8601/);
  assert.deepEqual(p({ ...OK, extra: 1 }), ['$: "extra" is not a member of SimplePublicObject']);
  assert.deepEqual(p({ ...OK, properties: { a: 1 } }), ['$.properties.a: expected string, got number 1']);
});

test('enums, arrays, nested models and oneOf discriminators', () => {
  const batch = { status: 'DONE', results: [{ ...OK, id: 2 }], startedAt: OK.createdAt, completedAt: OK.createdAt };
  assert.deepEqual(problems('crm/objects', 'BatchResponseSimplePublicObject', batch), [
    '$.results[0].id: expected string, got number 2',
    '$.status: "DONE" is not one of BatchResponseSimplePublicObjectStatusEnum ["PENDING","PROCESSING","CANCELED","COMPLETE"]',
  ]);
  assert.match(problems('crm/objects', 'BatchResponseSimplePublicObject', { ...batch, results: {} }).join(), /expected an array/);
  const field = { objectTypeId: '0-1', name: 'email', label: 'Email', required: true, hidden: false, fieldType: 'nope', dependentFields: [] };
  assert.match(problems('marketing/forms', 'FieldGroupFieldsInner', field)[0], /"nope" is not one of FieldGroupFieldsInner's/);
  const email = problems('marketing/forms', 'FieldGroupFieldsInner', { ...field, fieldType: 'email' });
  assert.deepEqual(email, ['$: EmailField requires "validation"']);
});

test('allowlists and type overrides apply only where given', () => {
  const err = { status: 'error', message: 'm', correlationId: 'c', category: 'X' };
  assert.deepEqual(problems('crm/objects', 'ModelError', err), ['$: "status" is not a member of ModelError']);
  assert.deepEqual(problems('crm/objects', 'ModelError', err, { allow: { ModelError: ['status'] } }), []);
  const row = { toObjectId: 5, associationTypes: [] };
  assert.equal(problems('crm/associations/v4', 'MultiAssociatedObjectWithLabel', row).length, 1);
  assert.deepEqual(problems('crm/associations/v4', 'MultiAssociatedObjectWithLabel', row,
    { types: { MultiAssociatedObjectWithLabel: { toObjectId: 'number | string' } } }), []);
});
