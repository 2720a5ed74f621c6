import { api, get, withQuery } from '../api.js';
import { announce, busy, empty, errorBox, field, fmtDate, fmtValue, h, heading, loading, replace, table } from '../dom.js';
import { confirmDialog } from '../dialog.js';
import { contactName, loadStatuses, statusLabel } from './shared.js';

const TIMELINE_PAGE = 10;

/** One contact: identifiers, status, captured fields (editable), page views, timeline, delete and erase. */
export async function contactPage(root, { arg: id, isCurrent }) {
  replace(root, loading('Loading the contact…'));
  const [contact, statuses, fields] = await Promise.all([get(`/v1/contacts/${id}`), loadStatuses(), get('/v1/contact-fields')]);
  if (!isCurrent()) return;
  const reload = () => contactPage(root, { arg: id, isCurrent });
  const definitions = new Map(fields.data.map((f) => [f.key, f]));

  replace(root,
    h('p', {}, h('a', { href: '#/contacts' }, '← Contacts')),
    heading(contactName(contact)),
    h('div', { class: 'grid2' },
      h('section', { 'aria-labelledby': 'ids-title' }, h('h2', { id: 'ids-title' }, 'Identifiers'), identifiers(contact)),
      h('section', { 'aria-labelledby': 'status-title' }, h('h2', { id: 'status-title' }, 'Status'), statusForm(contact, statuses, reload)),
    ),
    h('section', { 'aria-labelledby': 'fields-title' }, h('h2', { id: 'fields-title' }, 'Captured fields'), capturedFields(contact, definitions, reload)),
    h('section', { 'aria-labelledby': 'views-title' }, h('h2', { id: 'views-title' }, 'Recent page views'), pageViews(contact)),
    h('section', { 'aria-labelledby': 'timeline-title' }, h('h2', { id: 'timeline-title' }, 'Timeline'), timeline(contact.id, statuses, definitions)),
    h('section', { 'aria-labelledby': 'danger-title' }, h('h2', { id: 'danger-title' }, 'Delete or erase'), dangerZone(contact)),
  );
}

function identifiers(c) {
  const facts = [
    ['Email', c.email ?? '—'],
    ['Phone', c.phone ?? '—'],
    ['Contact id', h('code', {}, c.id)],
    ['Visitor ids', c.visitorIds.length ? c.visitorIds.join(', ') : '—'],
    ['First seen', fmtDate(c.firstSeenAt)],
    ['Last activity', fmtDate(c.lastActivityAt)],
  ];
  return h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function statusForm(c, statuses, reload) {
  const errors = h('div', {});
  const select = h('select', { name: 'status', id: 'contact-status' }, statuses.data.map((s) => h('option', { value: s.key, selected: s.key === c.status }, s.label)));
  const save = h('button', { type: 'submit' }, 'Change status');
  const form = h('form', { class: 'row' }, field('Status', select), save, errors);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(save, errors, async () => {
      await api('PATCH', `/v1/contacts/${c.id}`, { status: select.value });
      announce(`Status changed to ${statusLabel(statuses, select.value)}`);
      await reload();
    });
  });
  return form;
}

function capturedFields(c, definitions, reload) {
  const keys = Object.keys(c.fields);
  const view = h('div', {});
  const show = () => {
    replace(view,
      keys.length
        ? table('Captured fields', [{ label: 'Field' }, { label: 'Value' }, { label: 'Source' }, { label: 'Set' }], keys, (k) => [
            definitions.get(k)?.label ?? k,
            fmtValue(c.fields[k].value),
            c.fields[k].source,
            fmtDate(c.fields[k].setAt),
          ], { hideCaption: true })
        : empty('No fields captured yet.'),
      h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: edit }, 'Edit fields')),
    );
  };
  const edit = () => {
    const errors = h('div', {});
    const editable = [...definitions.values()].filter((d) => !d.identifier && !d.archived);
    const custom = keys.filter((k) => !definitions.has(k) || definitions.get(k).archived);
    const controls = new Map();
    const emailInput = h('input', { type: 'email', name: 'email', value: c.email ?? '' });
    const phoneInput = h('input', { type: 'tel', name: 'phone', value: c.phone ?? '' });
    const inputs = [
      ...editable.map((d) => [d.key, d.label, control(d, c.fields[d.key]?.value)]),
      ...custom.map((k) => [k, `${k} (custom)`, h('input', { type: 'text', value: fmtInput(c.fields[k].value) })]),
    ];
    for (const [key, , ctl] of inputs) controls.set(key, ctl);
    const save = h('button', { type: 'submit' }, 'Save fields');
    const form = h('form', { 'aria-label': 'Edit fields' },
      h('p', { class: 'muted' }, 'Leave a value blank to clear it. The edit is recorded in the timeline as contact.updated.'),
      h('div', { class: 'row' }, field('Email', emailInput), field('Phone', phoneInput), inputs.map(([, label, ctl]) => field(label, ctl))),
      errors,
      h('div', { class: 'actions' }, save, h('button', { type: 'button', class: 'secondary', onclick: show }, 'Cancel')),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const patch = {};
      const changed = {};
      for (const [key, ctl] of controls) {
        const before = c.fields[key]?.value;
        const raw = ctl.value.trim();
        const after = raw === '' ? null : parse(definitions.get(key), raw);
        if (after !== (before ?? null)) changed[key] = after;
      }
      if (Object.keys(changed).length) patch.fields = changed;
      if (emailInput.value.trim() !== (c.email ?? '')) patch.email = emailInput.value.trim() || null;
      if (phoneInput.value.trim() !== (c.phone ?? '')) patch.phone = phoneInput.value.trim() || null;
      if (!Object.keys(patch).length) return show();
      busy(save, errors, async () => {
        // If-Match: a worker's update in between answers 412 instead of being overwritten silently.
        await api('PATCH', `/v1/contacts/${c.id}`, patch, { 'If-Match': `"${c.version}"` });
        announce('Fields saved');
        await reload();
      });
    });
    replace(view, form);
    form.querySelector('input, select')?.focus();
  };
  show();
  return view;
}

function fmtInput(v) {
  return v === undefined || v === null ? '' : String(v);
}

function control(def, value) {
  if (def.type === 'boolean') {
    return h('select', {}, [['', '—'], ['true', 'yes'], ['false', 'no']].map(([v, l]) => h('option', { value: v, selected: fmtInput(value) === v }, l)));
  }
  if (def.type === 'select') {
    return h('select', {}, h('option', { value: '' }, '—'), (def.options ?? []).map((o) => h('option', { value: o, selected: value === o }, o)));
  }
  return h('input', { type: def.type === 'number' ? 'number' : 'text', step: def.type === 'number' ? 'any' : undefined, value: fmtInput(value) });
}

function parse(def, raw) {
  if (def?.type === 'number') return Number(raw);
  if (def?.type === 'boolean') return raw === 'true';
  return raw;
}

function pageViews(c) {
  if (!c.recentPageViews.length) return empty('No page views stitched to this contact.');
  return table('Recent page views', [{ label: 'Page' }, { label: 'Title' }, { label: 'Viewed' }], c.recentPageViews, (v) => [
    h('span', { class: 'mono' }, v.url),
    v.title ?? '—',
    fmtDate(v.viewedAt),
  ], { hideCaption: true });
}

function timeline(id, statuses, definitions) {
  const list = h('ul', { class: 'plain timeline', 'aria-label': 'Activities, newest first' });
  const more = h('p', {});
  const slot = h('div', {}, loading('Loading the timeline…'));
  let cursor = null;
  const load = async () => {
    let page;
    try {
      page = await get(withQuery(`/v1/contacts/${id}/activities`, { limit: TIMELINE_PAGE, cursor }));
    } catch (err) {
      return replace(slot, errorBox(err));
    }
    if (!cursor && page.data.length === 0) return replace(slot, empty('No activities recorded.'));
    for (const a of page.data) list.append(timelineItem(a, statuses, definitions));
    cursor = page.nextCursor;
    replace(slot, list, more);
    replace(more, cursor ? h('button', { type: 'button', class: 'secondary', onclick: (e) => busy(e.currentTarget, null, load) }, 'Show older activities') : h('span', { class: 'muted' }, 'That is the whole history.'));
  };
  load();
  return slot;
}

function timelineItem(a, statuses, definitions) {
  const edited = Object.entries(a.fields).map(([k, v]) => `${definitions.get(k)?.label ?? k}: ${v === null ? '(cleared)' : fmtValue(v)}`);
  const details = Object.entries(a.details ?? {}).map(([k, v]) => `${k}: ${fmtValue(v)}`);
  return h('li', {},
    h('strong', {}, a.type), ' ', h('span', { class: 'muted' }, `from ${a.source} · ${fmtDate(a.occurredAt)}`),
    a.outcome !== 'processed' ? [' ', h('span', { class: 'badge warn' }, a.outcome)] : null,
    a.status ? h('div', {}, `Status: ${statusLabel(statuses, a.status)}`) : null,
    a.email ? h('div', {}, `Email: ${a.email}`) : null,
    a.phone ? h('div', {}, `Phone: ${a.phone}`) : null,
    edited.length ? h('div', {}, `Fields — ${edited.join('; ')}`) : null,
    details.length ? h('div', { class: 'muted' }, details.join('; ')) : null,
    a.warnings.length ? h('div', { class: 'muted' }, `Warnings: ${a.warnings.join(', ')}`) : null,
  );
}

function dangerZone(c) {
  const errors = h('div', {});
  const name = contactName(c);
  const del = h('button', { type: 'button', class: 'danger' }, 'Delete contact…');
  const erase = h('button', { type: 'button', class: 'danger' }, 'Erase (GDPR)…');
  del.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: `Delete ${name}?`,
      lines: [
        'The contact goes: its identifiers, captured fields, status and page-view links.',
        'Its activities stay in the account’s history, without a contact.',
        'A later activity with the same email or phone creates a new contact.',
      ],
      confirmLabel: 'Delete contact',
    });
    if (!ok) return;
    busy(del, errors, async () => {
      await api('DELETE', `/v1/contacts/${c.id}`);
      announce(`Deleted ${name}`);
      location.hash = '#/contacts';
    });
  });
  erase.addEventListener('click', async () => {
    const suppress = h('input', { type: 'checkbox', name: 'suppress' });
    const ok = await confirmDialog({
      title: `Erase ${name} and everything about them?`,
      lines: [
        'The contact goes, with every activity record (and its raw payload), its page views and its queued jobs.',
        'Nothing of it can be restored.',
      ],
      extra: h('p', {}, h('label', { class: 'inline' }, suppress, 'Suppress: keep keyed hashes of the email and phone so later activities with them create no contact')),
      confirmLabel: 'Erase for good',
    });
    if (!ok) return;
    busy(erase, errors, async () => {
      const { body } = await api('POST', `/v1/contacts/${c.id}/erase`, { suppress: suppress.checked });
      announce(`Erased: ${body.activities} activities, ${body.pageViews} page views, ${body.jobs} jobs${body.suppressed ? ', suppressed' : ''}`);
      location.hash = '#/contacts';
    });
  });
  return h('div', {}, h('p', { class: 'muted' }, 'Delete removes the contact and keeps its activities; erase removes everything about the person.'), h('div', { class: 'actions' }, del, erase), errors);
}
