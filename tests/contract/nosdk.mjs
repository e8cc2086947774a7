// SPDX-License-Identifier: MIT
// Models the SDK does not have. @hubspot/api-client (13.x and 14.x) ships no
// marketing campaigns v3 module and, under automation, only `actions`: for
// `marketing/v3/campaigns` and `automation/v4/flows` these models are written
// here by hand, in the shape sdk.mjs reads, from HubSpot's API reference
// (developers.hubspot.com/docs/reference/api/marketing/campaigns and
// .../automation/workflows-v4, response schemas). Only members that reference
// lists are here; the checker treats them like SDK models.

const m = (name, type, required = false) => ({ name, baseName: name, type, format: '', required });
const cls = (name, members) => ({ kind: 'class', name, members, enums: new Map() });

export const LOCAL_MODELS = {
  'nosdk/campaigns': {
    CollectionResponseWithTotalPublicCampaignForwardPaging: cls('CollectionResponseWithTotalPublicCampaignForwardPaging', [
      m('total', 'number', true), m('results', 'Array<PublicCampaign>', true), m('paging', 'ForwardPaging'),
    ]),
    PublicCampaign: cls('PublicCampaign', [
      m('id', 'string', true), m('properties', '{ [key: string]: string | null; }', true),
      m('createdAt', 'Date', true), m('updatedAt', 'Date', true),
      m('businessUnits', 'Array<PublicBusinessUnit>'), m('assets', '{ [key: string]: any; }'),
    ]),
    PublicBusinessUnit: cls('PublicBusinessUnit', [m('id', 'number', true)]),
    ForwardPaging: cls('ForwardPaging', [m('next', 'NextPage')]),
    NextPage: cls('NextPage', [m('after', 'string', true), m('link', 'string')]),
  },
  'nosdk/flows': {
    CollectionResponseApiFlowListingForwardPaging: cls('CollectionResponseApiFlowListingForwardPaging', [
      m('results', 'Array<ApiFlowListing>', true), m('paging', 'ForwardPaging'),
    ]),
    ApiFlowListing: cls('ApiFlowListing', [
      m('id', 'string', true), m('isEnabled', 'boolean', true), m('flowType', 'string', true),
      m('revisionId', 'string', true), m('name', 'string'), m('createdAt', 'Date'), m('updatedAt', 'Date'),
      m('objectTypeId', 'string'), m('type', 'string'),
    ]),
    ApiFlow: cls('ApiFlow', [
      m('id', 'string', true), m('isEnabled', 'boolean', true), m('flowType', 'string', true),
      m('revisionId', 'string', true), m('type', 'string', true), m('objectTypeId', 'string', true),
      m('name', 'string'), m('description', 'string'), m('uuid', 'string'),
      m('createdAt', 'Date'), m('updatedAt', 'Date'),
      m('startActionId', 'string'), m('nextAvailableActionId', 'string'),
      m('actions', 'Array<any>'), m('enrollmentCriteria', 'any'), m('enrollmentSchedule', 'any'),
      m('timeWindows', 'Array<any>'), m('blockedDates', 'Array<any>'),
      m('customProperties', '{ [key: string]: string; }'), m('dataSources', 'Array<any>'),
      m('suppressionListIds', 'Array<number>'), m('goalFilterBranch', 'any'), m('eventAnchor', 'any'),
      m('unEnrollmentSetting', 'any'), m('canEnrollFromSalesforce', 'boolean'),
      m('crmObjectCreationStatus', 'string'),
    ]),
    ForwardPaging: cls('ForwardPaging', [m('next', 'NextPage')]),
    NextPage: cls('NextPage', [m('after', 'string', true), m('link', 'string')]),
  },
};
