// Builds DOM nodes from data without innerHTML, so no value from the API can become markup.

/** h('button', { class: 'x', onclick: fn }, 'text', child) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'value' || name === 'checked' || name === 'selected') el[name] = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

export function fmtDate(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function fmtValue(v) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

/** A table with a caption, headers, and one row per item; `label` feeds the phone-width layout. */
export function table(caption, columns, rows, rowOf, { hideCaption = false } = {}) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'stack' },
      // Hidden (still read out) where the section's heading already says the same.
      h('caption', { class: hideCaption ? 'visually-hidden' : undefined }, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : undefined }, c.label)))),
      h('tbody', {}, rows.map((r) => {
        const cells = rowOf(r);
        return h('tr', {}, cells.map((cell, i) => h('td', { 'data-label': columns[i].label, class: columns[i].num ? 'num' : undefined }, cell)));
      })),
    ),
  );
}

export function loading(what = 'Loading…') {
  return h('p', { class: 'loading', 'aria-busy': 'true' }, what);
}

export function empty(text) {
  return h('p', { class: 'empty' }, text);
}

export function errorBox(err) {
  const lines = err?.problem?.errors?.map((e) => `${e.path}: ${e.message}`) ?? [];
  return h('div', { role: 'alert', class: 'notice error' }, h('strong', {}, 'Error: '), err?.message ?? String(err), lines.length ? h('ul', {}, lines.map((l) => h('li', {}, l))) : null);
}

/** Announces a short outcome ("Saved") in the polite live region. */
export function announce(text) {
  const status = document.getElementById('status');
  status.textContent = text;
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => (status.textContent = ''), 6000);
}

/** The page's heading, focused so keyboard and screen-reader users start at the new page. */
export function heading(text) {
  return h('h1', { tabindex: '-1', id: 'page-title' }, text);
}

/** A form field: label wrapping its control. */
export function field(label, control, hint) {
  return h('label', {}, label, control, hint ? h('span', { class: 'muted' }, hint) : null);
}

/** Runs `work` with the button disabled, showing errors in `errorSlot`. */
export async function busy(button, errorSlot, work) {
  button.disabled = true;
  errorSlot?.replaceChildren();
  try {
    return await work();
  } catch (err) {
    if (errorSlot) errorSlot.replaceChildren(errorBox(err));
    else announce(err.message);
    return undefined;
  } finally {
    button.disabled = false;
  }
}
