import { get } from '../api.js';

/** "Ada Lovelace", else the email, else the phone, else the id. */
export function contactName(c) {
  const name = [c.fields?.firstName?.value, c.fields?.lastName?.value].filter(Boolean).join(' ');
  return name || c.email || c.phone || c.id;
}

/** The account's statuses, { data: [{ key, label, isDefault }] }. */
export const loadStatuses = () => get('/v1/contact-statuses');

export function statusLabel(statuses, key) {
  return statuses.data.find((s) => s.key === key)?.label ?? key;
}
