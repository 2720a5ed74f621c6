import { signIn } from '../api.js';
import { busy, field, h, heading } from '../dom.js';

export function signInPage({ onSignedIn }) {
  const errors = h('div', {});
  const keyInput = h('input', { id: 'api-key', name: 'apiKey', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const keyButton = h('button', { type: 'submit' }, 'Sign in with API key');
  const keyForm = h('form', { 'aria-labelledby': 'op-title' },
    h('h2', { id: 'op-title' }, 'Account operator'),
    h('p', { class: 'muted' }, 'The API key npm start printed (also in .data/api-key), or any key of your account.'),
    field('API key', keyInput),
    h('p', {}, keyButton),
  );
  keyForm.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(keyButton, errors, async () => {
      await signIn({ apiKey: keyInput.value.trim() });
      onSignedIn();
    });
  });

  const passwordInput = h('input', { id: 'admin-password', name: 'adminPassword', type: 'password', autocomplete: 'current-password', required: true });
  const adminButton = h('button', { type: 'submit', class: 'secondary' }, 'Sign in as admin');
  const adminForm = h('form', { 'aria-labelledby': 'admin-title' },
    h('h2', { id: 'admin-title' }, 'Admin'),
    h('p', { class: 'muted' }, 'The ADMIN_PASSWORD of this deployment: pipeline, replay, accounts and API keys.'),
    field('Admin password', passwordInput),
    h('p', {}, adminButton),
  );
  adminForm.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(adminButton, errors, async () => {
      await signIn({ adminPassword: passwordInput.value });
      onSignedIn();
    });
  });

  return h('div', { class: 'signin' }, heading('Sign in to the console'), errors, keyForm, adminForm);
}
