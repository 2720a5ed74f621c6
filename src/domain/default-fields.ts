import type { FieldDefinition } from './types';

/**
 * The contact fields a new account starts with: the facts every CRM keeps, with the source names
 * forms and providers commonly use for them, and first-touch attribution as set-once fields (the
 * earliest campaign that brought the person in never changes). Any other field name an activity
 * carries is kept as a custom field under its own name.
 */
export const DEFAULT_FIELD_DEFINITIONS: readonly FieldDefinition[] = [
  { key: 'firstName', label: 'First name', type: 'text', sourceNames: ['first_name', 'given_name', 'fname'] },
  { key: 'lastName', label: 'Last name', type: 'text', sourceNames: ['last_name', 'family_name', 'surname', 'lname'] },
  { key: 'company', label: 'Company', type: 'text', sourceNames: ['company_name', 'organization', 'organisation'] },
  { key: 'jobTitle', label: 'Job title', type: 'text', sourceNames: ['job_title', 'position'] },
  { key: 'firstSource', label: 'First source (utm_source)', type: 'text', setOnce: true, sourceNames: ['utm_source'] },
  { key: 'firstCampaign', label: 'First campaign (utm_campaign)', type: 'text', setOnce: true, sourceNames: ['utm_campaign'] },
];
