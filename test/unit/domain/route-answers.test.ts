import { DEFAULT_FIELD_DEFINITIONS } from '../../../src/domain/default-fields';
import { routeAnswers } from '../../../src/domain/field-mapping';
import { countryOfTimeZone } from '../../../src/domain/time-zone-country';
import type { FieldDefinition } from '../../../src/domain/types';

const definitions = new Map<string, FieldDefinition>([
  ...DEFAULT_FIELD_DEFINITIONS.map((d) => [d.key, d] as const),
  ['officeSize', { key: 'officeSize', type: 'text', sourceNames: ['Office size'] }],
]);

describe('routeAnswers: what lands on the contact and what stays on the activity', () => {
  it.each([
    ['jobTitle', 'jobTitle', 'fields'], // a field's own key
    ['Job Title', 'jobTitle', 'fields'], // its key, compared like a source name
    ['job_title', 'jobTitle', 'fields'], // a source name
    ['office-size', 'officeSize', 'fields'],
    ['utm_campaign', 'firstCampaign', 'fields'],
    ['Industry', 'Industry', 'details'], // claimed by nobody
    ['How did you hear about us?', 'How did you hear about us?', 'details'],
  ])('%s → %s (%s)', (name, key, side) => {
    const routed = routeAnswers({ [name]: 'v' }, definitions);
    expect(routed[side as 'fields' | 'details']).toEqual({ [key]: 'v' });
  });

  it('the first answer a field claims wins; nothing is lost on the activity side', () => {
    expect(routeAnswers({ job_title: 'CEO', position: 'CTO', Industry: 'x' }, definitions)).toEqual({ fields: { jobTitle: 'CEO' }, details: { Industry: 'x' } });
  });

  it('without definitions every answer stays on the activity', () => {
    expect(routeAnswers({ company_name: 'Acme' }, new Map())).toEqual({ fields: {}, details: { company_name: 'Acme' } });
  });
});

describe('countryOfTimeZone', () => {
  it.each([
    ['Europe/Berlin', 'DE'],
    ['America/New_York', 'US'],
    ['Asia/Kolkata', 'IN'],
    ['Australia/Sydney', 'AU'],
    ['UTC', null],
    ['Etc/GMT+5', null],
    ['Mars/Olympus_Mons', null],
    ['constructor', null],
    ['', null],
    [null, null],
  ])('%s → %s', (zone, country) => {
    expect(countryOfTimeZone(zone)).toBe(country);
  });
});
