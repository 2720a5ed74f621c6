import { api, get } from '../api.js';
import { announce, busy, empty, field, h, heading, loading, replace, table } from '../dom.js';
import { confirmDialog } from '../dialog.js';

const TYPES = ['text', 'number', 'boolean', 'date', 'email', 'phone', 'url', 'select'];
const names = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);

/** Contact fields (add, edit label and source names, archive/restore) and statuses (add, rename, reorder, default). */
export async function settingsPage(root, { isCurrent }) {
  const fieldsSlot = h('div', {}, loading());
  const statusesSlot = h('div', {}, loading());
  replace(root,
    heading('Settings'),
    h('section', { 'aria-labelledby': 'cf-title' }, h('h2', { id: 'cf-title' }, 'Contact fields'),
      h('p', { class: 'muted' }, 'Source names are what senders call a field (“Team size”, team_size); a change applies to activities processed within 5 seconds.'), fieldsSlot),
    h('section', { 'aria-labelledby': 'st-title' }, h('h2', { id: 'st-title' }, 'Statuses'), statusesSlot),
  );
  await Promise.all([renderFields(fieldsSlot, isCurrent), renderStatuses(statusesSlot, isCurrent)]);
}

async function renderFields(slot, isCurrent) {
  const list = await get('/v1/contact-fields?includeArchived=true');
  if (!isCurrent()) return;
  const again = () => renderFields(slot, isCurrent);
  const errors = h('div', {});
  const rows = list.data.filter((f) => !f.identifier);
  replace(slot,
    errors,
    rows.length
      ? table('Contact fields', [{ label: 'Label' }, { label: 'Key' }, { label: 'Type' }, { label: 'Source names' }, { label: 'State' }, { label: 'Actions' }], rows, (f) => [
          f.label,
          h('code', {}, f.key),
          f.type + (f.setOnce ? ' (set once)' : ''),
          f.sourceNames.join(', ') || '—',
          f.archived ? h('span', { class: 'badge warn' }, 'archived') : f.system ? h('span', { class: 'badge' }, 'system') : 'active',
          fieldActions(f, errors, again),
        ])
      : empty('No contact fields.'),
    h('h3', {}, 'Add a contact field'),
    addFieldForm(again),
  );
}

function fieldActions(f, errors, again) {
  const edit = h('button', { type: 'button', class: 'secondary', 'aria-label': `Edit ${f.label}` }, 'Edit');
  edit.addEventListener('click', () => {
    const label = h('input', { type: 'text', value: f.label, required: true });
    const sources = h('input', { type: 'text', value: f.sourceNames.join(', ') });
    const save = h('button', { type: 'submit' }, 'Save');
    const form = h('form', { class: 'row', 'aria-label': `Edit ${f.label}` }, field('Label', label), field('Source names (comma-separated)', sources), save,
      h('button', { type: 'button', class: 'secondary', onclick: again }, 'Cancel'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(save, errors, async () => {
        await api('PATCH', `/v1/contact-fields/${f.key}`, { label: label.value.trim(), sourceNames: names(sources.value) });
        announce(`Saved ${label.value.trim()}`);
        await again();
      });
    });
    edit.parentElement.replaceChildren(form);
    label.focus();
  });
  if (f.system) return h('div', { class: 'actions' }, edit);
  const archive = h('button', { type: 'button', class: f.archived ? 'secondary' : 'danger' }, f.archived ? 'Restore' : 'Archive');
  archive.addEventListener('click', async () => {
    if (!f.archived) {
      const ok = await confirmDialog({
        title: `Archive ${f.label}?`,
        lines: ['Later activities no longer map or type anything to it: its source names map to nothing.', 'Values already captured stay on the contacts. You can restore it.'],
        confirmLabel: 'Archive field',
      });
      if (!ok) return;
    }
    busy(archive, errors, async () => {
      await api('PATCH', `/v1/contact-fields/${f.key}`, { archived: !f.archived });
      announce(f.archived ? `Restored ${f.label}` : `Archived ${f.label}`);
      await again();
    });
  });
  return h('div', { class: 'actions' }, edit, archive);
}

function addFieldForm(again) {
  const errors = h('div', {});
  const key = h('input', { type: 'text', name: 'key', required: true, pattern: '[A-Za-z][A-Za-z0-9_]{0,63}' });
  const label = h('input', { type: 'text', name: 'label', required: true });
  const type = h('select', { name: 'type' }, TYPES.map((t) => h('option', { value: t }, t)));
  const sources = h('input', { type: 'text', name: 'sourceNames' });
  const options = h('input', { type: 'text', name: 'options' });
  const add = h('button', { type: 'submit' }, 'Add field');
  const form = h('form', { 'aria-label': 'Add a contact field' },
    h('div', { class: 'row' }, field('Key', key, 'a letter, then letters, digits or _'), field('Label', label), field('Type', type),
      field('Source names', sources, 'comma-separated'), field('Options (select only)', options, 'comma-separated'), add),
    errors,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = { key: key.value.trim(), label: label.value.trim(), type: type.value, sourceNames: names(sources.value) };
    if (type.value === 'select') body.options = names(options.value);
    busy(add, errors, async () => {
      await api('POST', '/v1/contact-fields', body);
      announce(`Added ${body.label}`);
      await again();
    });
  });
  return form;
}

async function renderStatuses(slot, isCurrent) {
  const list = await get('/v1/contact-statuses');
  if (!isCurrent()) return;
  const again = () => renderStatuses(slot, isCurrent);
  const errors = h('div', {});
  const keys = list.data.map((s) => s.key);
  const move = (i, by) => async (e) => {
    const order = [...keys];
    [order[i], order[i + by]] = [order[i + by], order[i]];
    await busy(e.currentTarget, errors, async () => {
      await api('PUT', '/v1/contact-statuses/order', { keys: order });
      announce('Order saved');
      await again();
    });
  };
  replace(slot,
    errors,
    table('Statuses, in order', [{ label: 'Label' }, { label: 'Key' }, { label: 'Default' }, { label: 'Actions' }], list.data, (s) => {
      const i = keys.indexOf(s.key);
      const rename = h('button', { type: 'button', class: 'secondary', 'aria-label': `Rename ${s.label}` }, 'Rename');
      rename.addEventListener('click', () => {
        const input = h('input', { type: 'text', value: s.label, required: true });
        const save = h('button', { type: 'submit' }, 'Save');
        const form = h('form', { class: 'row', 'aria-label': `Rename ${s.label}` }, field('New label', input), save, h('button', { type: 'button', class: 'secondary', onclick: again }, 'Cancel'));
        form.addEventListener('submit', (e) => {
          e.preventDefault();
          busy(save, errors, async () => {
            await api('PATCH', `/v1/contact-statuses/${s.key}`, { label: input.value.trim() });
            announce(`Renamed to ${input.value.trim()}`);
            await again();
          });
        });
        rename.parentElement.replaceChildren(form);
        input.focus();
      });
      return [
        s.label,
        h('code', {}, s.key),
        s.isDefault ? h('span', { class: 'badge' }, 'default') : '—',
        h('div', { class: 'actions' },
          rename,
          h('button', { type: 'button', class: 'secondary', disabled: i === 0, 'aria-label': `Move ${s.label} up`, onclick: move(i, -1) }, '↑'),
          h('button', { type: 'button', class: 'secondary', disabled: i === keys.length - 1, 'aria-label': `Move ${s.label} down`, onclick: move(i, 1) }, '↓'),
          s.isDefault ? null : h('button', {
            type: 'button', class: 'secondary', onclick: (e) => busy(e.currentTarget, errors, async () => {
              await api('PATCH', `/v1/contact-statuses/${s.key}`, { isDefault: true });
              announce(`${s.label} is now the default`);
              await again();
            }),
          }, 'Make default'),
        ),
      ];
    }),
    h('h3', {}, 'Add a status'),
    addStatusForm(again),
  );
}

function addStatusForm(again) {
  const errors = h('div', {});
  const label = h('input', { type: 'text', name: 'label', required: true });
  const isDefault = h('input', { type: 'checkbox', name: 'isDefault' });
  const add = h('button', { type: 'submit' }, 'Add status');
  const form = h('form', { 'aria-label': 'Add a status' }, h('div', { class: 'row' }, field('Label', label), h('label', { class: 'inline' }, isDefault, 'Make it the default'), add), errors);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(add, errors, async () => {
      await api('POST', '/v1/contact-statuses', { label: label.value.trim(), ...(isDefault.checked ? { isDefault: true } : {}) });
      announce(`Added ${label.value.trim()}`);
      await again();
    });
  });
  return form;
}
