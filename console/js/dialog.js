import { h } from './dom.js';

/**
 * A modal confirmation (native <dialog>: focus moves into it, Escape cancels, focus returns after).
 * `lines` say exactly what will go; resolves true only on the confirm button.
 */
export function confirmDialog({ title, lines = [], confirmLabel, danger = true, extra = null }) {
  return new Promise((resolve) => {
    const previous = document.activeElement;
    const cancel = h('button', { type: 'button', class: 'secondary', value: 'cancel' }, 'Cancel');
    const ok = h('button', { type: 'submit', class: danger ? 'danger' : undefined, value: 'ok' }, confirmLabel);
    const dialog = h('dialog', { 'aria-labelledby': 'dialog-title' },
      h('form', { method: 'dialog' },
        h('h2', { id: 'dialog-title' }, title),
        lines.length ? h('ul', {}, lines.map((l) => h('li', {}, l))) : null,
        extra,
        h('div', { class: 'actions' }, ok, cancel),
      ),
    );
    cancel.addEventListener('click', () => dialog.close('cancel'));
    dialog.addEventListener('close', () => {
      dialog.remove();
      previous?.focus?.();
      resolve(dialog.returnValue === 'ok');
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus(); // the safe choice has the focus
  });
}
