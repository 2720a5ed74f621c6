import { api, get, withQuery } from '../api.js';
import { announce, busy, empty, errorBox, field, fmtDate, h, heading, loading, replace, table } from '../dom.js';
import { confirmDialog } from '../dialog.js';

const LIST = 50;

/** Queue counts, the failed and unidentified lists with their reasons, and replay (dry run first). */
export async function pipelinePage(root, { params, isCurrent }) {
  const account = params.get('account') ?? '';
  const status = await get(withQuery('/admin/pipeline', { account }));
  if (!isCurrent()) return;
  const again = () => pipelinePage(root, { params, isCurrent });
  const accountInput = h('input', { type: 'text', name: 'account', value: status.account, required: true, pattern: '[a-z0-9][a-z0-9_-]{0,62}' });
  const pick = h('form', { class: 'row', 'aria-label': 'Account for unidentified activities' }, field('Account (unidentified activities)', accountInput), h('button', { type: 'submit', class: 'secondary' }, 'Show'));
  pick.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/pipeline?account=${encodeURIComponent(accountInput.value.trim())}`;
  });

  const c = status.counts;
  const cards = [
    ['Waiting', c.waiting + c.prioritized], ['Active', c.active], ['Retrying (delayed)', c.delayed], ['Failed', c.failed], [`Unidentified (${status.account})`, status.unidentified], ['Completed (kept)', c.completed],
  ];
  const failedSlot = h('div', {}, loading('Loading failed activities…'));
  const unidentifiedSlot = h('div', {}, loading('Loading unidentified activities…'));
  replace(root,
    heading('Pipeline'),
    h('p', {}, 'Queue ', h('code', {}, status.queue), ' · ', h('a', { href: '/admin/queues' }, 'Open Bull Board'), h('span', { class: 'muted' }, ' (every job, its logs and data)'),
      ' · ', h('button', { type: 'button', class: 'link', onclick: again }, 'Refresh')),
    h('dl', { class: 'cards', 'aria-label': 'Counts' }, cards.map(([k, v]) => h('div', { class: 'card' }, h('dt', {}, k), h('dd', {}, String(v))))),
    h('section', { 'aria-labelledby': 'replay-title' }, h('h2', { id: 'replay-title' }, 'Replay'), replayForm(status.account, again)),
    h('section', { 'aria-labelledby': 'failed-title' }, h('h2', { id: 'failed-title' }, 'Failed activities (every account)'), failedSlot),
    h('section', { 'aria-labelledby': 'unid-title' }, h('h2', { id: 'unid-title' }, 'Unidentified activities'), pick, unidentifiedSlot),
  );
  await Promise.all([failedList(failedSlot, again), unidentifiedList(unidentifiedSlot, status.account)]);
}

async function failedList(slot, again) {
  let page;
  try {
    page = await get(withQuery('/admin/activities', { outcome: 'failed', limit: LIST }));
  } catch (err) {
    return replace(slot, errorBox(err));
  }
  if (!page.data.length) return replace(slot, empty('No failed activities.'));
  const errors = h('div', {});
  replace(slot,
    errors,
    table(`${page.count} failed${page.complete ? '' : ' (of the newest jobs scanned)'}${page.count > page.data.length ? `, newest ${page.data.length} shown` : ''}`,
      [{ label: 'Job' }, { label: 'Account' }, { label: 'Kind' }, { label: 'Failed' }, { label: 'Attempts', num: true }, { label: 'Reason' }, { label: 'Action' }], page.data, (j) => [
        h('code', {}, j.id),
        j.account,
        [j.kind, j.provider, j.type].filter(Boolean).join(' · '),
        fmtDate(j.failedAt),
        String(j.attempts),
        h('span', { class: 'mono' }, j.reason),
        h('button', {
          type: 'button', class: 'secondary', 'aria-label': `Replay ${j.id}`,
          onclick: (e) => replayWithConfirm(e.currentTarget, errors, { jobIds: [j.id] }, again),
        }, 'Replay'),
      ]),
  );
}

async function unidentifiedList(slot, account) {
  let page;
  try {
    page = await get(withQuery('/admin/activities', { outcome: 'unidentified', account, limit: LIST }));
  } catch (err) {
    return replace(slot, errorBox(err));
  }
  if (!page.data.length) return replace(slot, empty(`No unidentified activities for ${account}.`));
  replace(slot,
    table(`${page.count} unidentified in ${account}${page.count > page.data.length ? `, oldest ${page.data.length} shown` : ''}`,
      [{ label: 'Activity' }, { label: 'Type' }, { label: 'Source' }, { label: 'Received' }, { label: 'Why' }], page.data, (a) => [
        h('code', {}, a.id), a.type, a.provider ? `${a.source} (${a.provider})` : a.source, fmtDate(a.receivedAt), a.warnings.join(', ') || 'no email or phone',
      ]),
  );
}

/** Counts first (dry run), then replays exactly that selection once confirmed. */
async function replayWithConfirm(button, errors, selection, after) {
  const dry = await busy(button, errors, async () => (await api('POST', '/admin/replay', { ...selection, dryRun: true })).body);
  if (!dry) return;
  if (dry.matched === 0) {
    errors.replaceChildren(h('p', { class: 'empty' }, 'Nothing matches: no job would be replayed.'));
    return;
  }
  const ok = await confirmDialog({
    title: `Replay ${dry.matched} ${dry.matched === 1 ? 'activity' : 'activities'}?`,
    lines: [
      `${dry.failed.matched} failed ${dry.failed.matched === 1 ? 'job' : 'jobs'} go back to the queue with their attempts reset.`,
      ...(selection.includeUnidentified ? [`${dry.unidentified.matched} unidentified ${dry.unidentified.matched === 1 ? 'activity is' : 'activities are'} processed again.`] : []),
      'The worker is idempotent: anything already recorded is not recorded twice.',
    ],
    confirmLabel: `Replay ${dry.matched}`,
    danger: false,
  });
  if (!ok) return;
  const done = await busy(button, errors, async () => (await api('POST', '/admin/replay', { ...selection, dryRun: false })).body);
  if (!done) return;
  announce(`Replayed ${done.replayed} of ${done.matched}`);
  await after();
}

function replayForm(account, after) {
  const errors = h('div', {});
  const reason = h('input', { type: 'text', name: 'reason', placeholder: 'e.g. unknown_account' });
  const withUnidentified = h('input', { type: 'checkbox', name: 'includeUnidentified' });
  const go = h('button', { type: 'submit' }, 'Count, then replay…');
  const form = h('form', { 'aria-label': 'Replay failed activities' },
    h('p', { class: 'muted' }, 'Fix the cause first (create the missing account, correct a mapping), then replay. The count is shown before anything is re-enqueued.'),
    h('div', { class: 'row' }, field('Reason contains (optional)', reason), h('label', { class: 'inline' }, withUnidentified, `Also unidentified activities of ${account}`), go),
    errors,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const selection = { ...(reason.value.trim() ? { reason: reason.value.trim() } : {}), ...(withUnidentified.checked ? { includeUnidentified: true, account } : {}) };
    replayWithConfirm(go, errors, selection, after);
  });
  return form;
}
