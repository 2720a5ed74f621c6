import { loadSession, onSignedOut, session, signOut } from './api.js';
import { announce, errorBox, h, replace } from './dom.js';
import { accountPage, accountsPage } from './views/accounts.js';
import { contactPage } from './views/contact.js';
import { contactsPage } from './views/contacts.js';
import { pipelinePage } from './views/pipeline.js';
import { settingsPage } from './views/settings.js';
import { signInPage } from './views/signin.js';

// Hash routes: the server serves one page; each view reads the API itself.
const routes = [
  { pattern: /^\/contacts$/, kind: 'operator', view: contactsPage },
  { pattern: /^\/contacts\/(ct_[0-9a-f]{28})$/, kind: 'operator', view: contactPage },
  { pattern: /^\/settings$/, kind: 'operator', view: settingsPage },
  { pattern: /^\/pipeline$/, kind: 'admin', view: pipelinePage },
  { pattern: /^\/accounts$/, kind: 'admin', view: accountsPage },
  { pattern: /^\/accounts\/([a-z0-9][a-z0-9_-]{0,62})$/, kind: 'admin', view: accountPage },
];

const main = document.getElementById('main');
let renderCount = 0;

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  return { path, params: new URLSearchParams(query) };
}

function home() {
  return session.current?.kind === 'admin' ? '#/pipeline' : '#/contacts';
}

function updateChrome() {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  const out = document.getElementById('sign-out');
  const s = session.current;
  nav.hidden = !s;
  out.hidden = !s;
  who.textContent = s ? (s.kind === 'admin' ? 'Signed in as admin' : `Account ${s.account}`) : '';
  for (const li of nav.querySelectorAll('li')) li.hidden = !s || li.dataset.for !== s.kind;
  const { path } = parseHash();
  for (const a of nav.querySelectorAll('a')) {
    const target = a.getAttribute('href').slice(1);
    if (path === target || path.startsWith(target + '/')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function render() {
  const mine = ++renderCount;
  updateChrome();
  const { path, params } = parseHash();
  if (!session.current) {
    if (path !== '/signin') return void location.replace('#/signin');
    replace(main, signInPage({ onSignedIn: () => location.replace(home()) }));
    document.title = 'Sign in · contactflow console';
    return focusTitle();
  }
  const route = routes.find((r) => r.pattern.test(path));
  if (!route || route.kind !== session.current.kind) return void location.replace(home());
  const match = route.pattern.exec(path);
  const container = h('div', {});
  replace(main, container);
  try {
    await route.view(container, { params, arg: match[1], isCurrent: () => mine === renderCount });
  } catch (err) {
    if (mine === renderCount) replace(container, errorBox(err));
  }
  if (mine !== renderCount) return;
  const title = container.querySelector('h1')?.textContent ?? 'Console';
  document.title = `${title} · contactflow console`;
  focusTitle();
}

function focusTitle() {
  (document.getElementById('page-title') ?? main).focus({ preventScroll: false });
}

document.getElementById('sign-out').addEventListener('click', async () => {
  try {
    await signOut();
  } catch {
    // The session may already be gone; the page shows the sign-in either way.
  }
  announce('Signed out');
  location.hash = '#/signin';
  render();
});

onSignedOut(() => {
  announce('Your session ended: sign in again');
  location.hash = '#/signin';
});

window.addEventListener('hashchange', render);

(async () => {
  try {
    await loadSession();
  } catch (err) {
    replace(main, errorBox(err));
    return;
  }
  if (session.current && parseHash().path === '/signin') location.replace(home());
  render();
})();
