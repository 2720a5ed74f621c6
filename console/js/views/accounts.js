import { api, get, withQuery } from '../api.js';
import { announce, busy, empty, field, fmtDate, h, heading, loading, replace, table } from '../dom.js';
import { confirmDialog } from '../dialog.js';

/** Every account (paged), and a form to create one. */
export async function accountsPage(root, { params, isCurrent }) {
  const page = await get(withQuery('/admin/accounts', { limit: 50, cursor: params.get('cursor') ?? '' }));
  if (!isCurrent()) return;
  replace(root,
    heading('Accounts'),
    page.data.length
      ? table('Accounts', [{ label: 'Account' }, { label: 'Name' }, { label: 'Default country' }, { label: 'Created' }], page.data, (a) => [
          h('a', { href: `#/accounts/${a.id}` }, a.id), a.name, a.defaultCountry, fmtDate(a.createdAt),
        ])
      : empty('No accounts.'),
    page.nextCursor ? h('p', { class: 'pager' }, h('a', { href: `#/accounts?cursor=${encodeURIComponent(page.nextCursor)}` }, 'Next page →')) : null,
    h('h2', {}, 'Create an account'),
    createAccountForm(),
  );
}

function createAccountForm() {
  const errors = h('div', {});
  const id = h('input', { type: 'text', name: 'id', pattern: '[a-z0-9][a-z0-9_-]{0,62}' });
  const name = h('input', { type: 'text', name: 'name', required: true });
  const country = h('input', { type: 'text', name: 'defaultCountry', maxlength: '2', size: '3', pattern: '[A-Za-z]{2}' });
  const create = h('button', { type: 'submit' }, 'Create account');
  const form = h('form', { 'aria-label': 'Create an account' },
    h('div', { class: 'row' }, field('Name', name), field('Id (optional)', id, 'generated when blank'), field('Default country', country, 'e.g. GB'), create), errors);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = { name: name.value.trim(), ...(id.value.trim() ? { id: id.value.trim() } : {}), ...(country.value.trim() ? { defaultCountry: country.value.trim().toUpperCase() } : {}) };
    busy(create, errors, async () => {
      const { body: created } = await api('POST', '/admin/accounts', body);
      announce(`Created account ${created.id}`);
      location.hash = `#/accounts/${created.id}`;
    });
  });
  return form;
}

/** One account: its API keys (create, shown once; revoke) and its webhook secrets per provider. */
export async function accountPage(root, { arg: id, isCurrent }) {
  replace(root, loading());
  const [account, keys, secrets] = await Promise.all([get(`/admin/accounts/${id}`), get(`/admin/accounts/${id}/api-keys`), get(`/admin/accounts/${id}/webhook-secrets`)]);
  if (!isCurrent()) return;
  const again = () => accountPage(root, { arg: id, isCurrent });
  const shown = h('div', { 'aria-live': 'polite', id: 'shown-once' });
  const errors = h('div', {});
  replace(root,
    h('p', {}, h('a', { href: '#/accounts' }, '← Accounts')),
    heading(`Account ${account.name}`),
    h('dl', { class: 'facts' }, [['Id', h('code', {}, account.id)], ['Default country', account.defaultCountry], ['Default status', account.defaultStatus], ['Created', fmtDate(account.createdAt)]].map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    shown,
    h('section', { 'aria-labelledby': 'keys-title' },
      h('h2', { id: 'keys-title' }, 'API keys'),
      errors,
      keys.data.length
        ? table('API keys, oldest first', [{ label: 'Label' }, { label: 'Id' }, { label: 'Created' }, { label: 'Expires' }, { label: 'Last used' }, { label: 'Action' }], keys.data, (k) => [
            k.label + (k.expired ? ' (expired)' : ''),
            h('code', {}, k.id),
            fmtDate(k.createdAt),
            k.expiresAt ? fmtDate(k.expiresAt) : 'never',
            fmtDate(k.lastUsedAt),
            h('button', { type: 'button', class: 'danger', 'aria-label': `Revoke ${k.label}`, onclick: (e) => revoke(e.currentTarget, errors, id, k, again) }, 'Revoke…'),
          ])
        : empty('No API keys: create one below.'),
      h('h3', {}, 'Create an API key'),
      createKeyForm(id, shown, again),
    ),
    h('section', { 'aria-labelledby': 'secrets-title' },
      h('h2', { id: 'secrets-title' }, 'Webhook signing secrets'),
      h('p', { class: 'muted' }, 'Secrets are never shown again after they are set. A new secret replaces the old one, which keeps verifying for 24 hours.'),
      table('Webhook secrets per provider', [{ label: 'Provider' }, { label: 'Secret' }, { label: 'Set' }, { label: 'Previous valid until' }, { label: 'Action' }], secrets.data, (s) => [
        s.provider,
        s.source === 'provider' ? 'its own' : s.source === 'account' ? 'the account-wide WEBHOOK_SECRET' : h('span', { class: 'badge warn' }, 'none: refused'),
        fmtDate(s.rotatedAt ?? s.createdAt),
        fmtDate(s.previousExpiresAt),
        h('button', { type: 'button', class: 'secondary', 'aria-label': `New secret for ${s.provider}`, onclick: (e) => newSecret(e.currentTarget, errors, id, s, shown) }, 'New secret…'),
      ]),
    ),
  );
}

async function revoke(button, errors, account, key, again) {
  const ok = await confirmDialog({
    title: `Revoke the key “${key.label}”?`,
    lines: [`Key ${key.id} stops working on every API process within 5 seconds, and console sessions signed in with it end.`, 'Integrations using it get 401 until they get a new key.'],
    confirmLabel: 'Revoke key',
  });
  if (!ok) return;
  await busy(button, errors, async () => {
    await api('DELETE', `/admin/accounts/${account}/api-keys/${key.id}`);
    announce(`Revoked ${key.label}`);
    await again();
  });
}

function createKeyForm(account, shown, again) {
  const errors = h('div', {});
  const label = h('input', { type: 'text', name: 'label', required: true, maxlength: '100' });
  const expires = h('input', { type: 'date', name: 'expiresAt' });
  const create = h('button', { type: 'submit' }, 'Create key');
  const form = h('form', { 'aria-label': 'Create an API key' }, h('div', { class: 'row' }, field('Label', label, 'what uses it, e.g. zapier'), field('Expires (optional)', expires), create), errors);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = { label: label.value.trim(), ...(expires.value ? { expiresAt: new Date(`${expires.value}T00:00:00Z`).toISOString() } : {}) };
    busy(create, errors, async () => {
      const { body: created } = await api('POST', `/admin/accounts/${account}/api-keys`, body);
      await again();
      // The page was drawn again: the slot to show the key in is the new one.
      showOnce(document.getElementById('shown-once') ?? shown, `New API key “${created.label}”`, created.key);
    });
  });
  return form;
}

async function newSecret(button, errors, account, s, shown) {
  const ok = await confirmDialog({
    title: `New webhook secret for ${s.provider}?`,
    lines: ['A new secret is generated and shown once.', 'The current one keeps verifying for 24 hours, time to paste the new one into the provider.'],
    confirmLabel: 'Generate secret',
    danger: false,
  });
  if (!ok) return;
  await busy(button, errors, async () => {
    const { body } = await api('PUT', `/admin/accounts/${account}/webhook-secrets/${s.provider}`);
    showOnce(shown, `New ${s.provider} webhook secret`, body.secret);
  });
}

/** A secret is in the answer once: show it with a way to select it, and say it will not come back. */
function showOnce(slot, title, secret) {
  const value = h('input', { type: 'text', readonly: true, value: secret, class: 'mono', size: '60', 'aria-label': title, id: 'shown-secret' });
  replace(slot, h('div', { class: 'secret', role: 'region', 'aria-label': title },
    h('h2', {}, title),
    h('p', {}, 'Copy it now: it is shown only this once.'),
    value,
    h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: () => slot.replaceChildren() }, 'Done, hide it')),
  ));
  value.focus();
  value.select();
}
