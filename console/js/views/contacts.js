import { get, withQuery } from '../api.js';
import { empty, errorBox, field, fmtDate, h, heading, loading, replace, table } from '../dom.js';
import { contactName, loadStatuses, statusLabel } from './shared.js';

const PAGE = 25;
const FILTERS = ['q', 'status', 'capturedFrom', 'capturedTo', 'sort'];

/** The contact list: search, status and captured-date filters, sort, cursor paging (all in the URL's hash). */
export async function contactsPage(root, { params, isCurrent }) {
  const statuses = await loadStatuses();
  if (!isCurrent()) return;
  const value = (k) => params.get(k) ?? '';

  const q = h('input', { type: 'search', name: 'q', value: value('q'), placeholder: 'email, phone or name' });
  const status = h('select', { name: 'status' },
    h('option', { value: '' }, 'Any status'),
    statuses.data.map((s) => h('option', { value: s.key, selected: s.key === value('status') }, s.label)),
  );
  const from = h('input', { type: 'date', name: 'capturedFrom', value: value('capturedFrom') });
  const to = h('input', { type: 'date', name: 'capturedTo', value: value('capturedTo') });
  const sort = h('select', { name: 'sort' },
    [['lastActivityAt', 'Last activity'], ['firstSeenAt', 'Captured (newest)'], ['name', 'Name (A–Z)']].map(([v, l]) => h('option', { value: v, selected: v === (value('sort') || 'lastActivityAt') }, l)),
  );
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter contacts' },
    field('Search', q), field('Status', status), field('Captured from', from), field('Captured before', to), field('Sort by', sort),
    h('button', { type: 'submit' }, 'Apply'),
    h('button', { type: 'button', class: 'secondary', onclick: () => (location.hash = '#/contacts') }, 'Clear'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (String(v).trim() !== '') next.set(k, String(v).trim());
    location.hash = `#/contacts?${next}`;
  });

  const results = h('div', { 'aria-live': 'polite' }, loading('Loading contacts…'));
  replace(root, heading('Contacts'), form, h('h2', { class: 'visually-hidden', id: 'results-title' }, 'Results'), results);

  const query = Object.fromEntries(FILTERS.map((k) => [k, value(k)]));
  let page;
  try {
    page = await get(withQuery('/v1/contacts', { ...query, limit: PAGE, cursor: value('cursor') }));
  } catch (err) {
    return replace(results, errorBox(err));
  }
  if (!isCurrent()) return;

  const filtered = FILTERS.some((k) => k !== 'sort' && value(k));
  if (page.data.length === 0) {
    return replace(results, empty(filtered ? 'No contact matches these filters.' : 'No contacts yet. Post an activity (README, “Walkthrough”) and it appears here.'));
  }
  const columns = [{ label: 'Name' }, { label: 'Email' }, { label: 'Phone' }, { label: 'Status' }, { label: 'Captured' }, { label: 'Last activity' }];
  const prev = value('prev') ? value('prev').split(',') : [];
  // '-' stands for the first page, which has no cursor.
  const pageLink = (cursor, prevList) =>
    '#/contacts?' + new URLSearchParams(Object.entries({ ...query, cursor: cursor === '-' ? '' : cursor, prev: prevList.join(',') }).filter(([, v]) => v));
  replace(results,
    table(`Contacts, page ${prev.length + 1}`, columns, page.data, (c) => [
      h('a', { href: `#/contacts/${c.id}` }, contactName(c)),
      c.email ?? '—',
      c.phone ?? '—',
      statusLabel(statuses, c.status),
      fmtDate(c.firstSeenAt),
      fmtDate(c.lastActivityAt),
    ]),
    h('nav', { class: 'pager', 'aria-label': 'Pages' },
      prev.length ? h('a', { href: pageLink(prev.at(-1), prev.slice(0, -1)) }, '← Previous page') : null,
      page.nextCursor ? h('a', { href: pageLink(page.nextCursor, [...prev, value('cursor') || '-']) }, 'Next page →') : null,
      h('span', { class: 'muted' }, `${page.data.length} shown`),
    ),
  );
}
