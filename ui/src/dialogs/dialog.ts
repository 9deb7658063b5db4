// Toasts, the one modal dialog at a time, and turning errors into toasts.
import { h, showToast } from '../dom';
import { errorText } from '../sync';

// ---- toasts and dialogs --------------------------------------------------------------------

export const toasts = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
document.body.append(toasts);

export function toast(message: string, kind: 'info' | 'error' = 'info') {
  showToast(toasts, message, kind, kind === 'error' ? 8000 : 5000);
}

let openDialog: { el: HTMLElement; close: () => void } | null = null;

export function showDialog(title: string, body: HTMLElement, opts: { wide?: boolean; onClose?: () => void } = {}) {
  closeDialog();
  const previous = document.activeElement as HTMLElement | null;
  const backdrop = h('div', { class: 'backdrop' });
  const box = h(
    'div',
    { class: `dialog${opts.wide ? ' wide' : ''}`, role: 'dialog', 'aria-modal': 'true', 'aria-label': title },
    h('header', {}, h('h2', {}, title), h('button', { class: 'icon', title: 'Close (Esc)', onclick: () => closeDialog() }, '×')),
    body,
  );
  backdrop.append(box);
  backdrop.addEventListener('mousedown', (e) => {
    if (e.target === backdrop) closeDialog();
  });
  document.body.append(backdrop);
  openDialog = {
    el: backdrop,
    close: () => {
      backdrop.remove();
      opts.onClose?.();
      previous?.focus?.();
    },
  };
  const first = box.querySelector<HTMLElement>('[autofocus], input, textarea, select, button.primary');
  first?.focus();
}

export function closeDialog() {
  const d = openDialog;
  openDialog = null;
  d?.close();
}

export function fail(e: unknown) {
  toast(errorText(e), 'error');
}


/** True while a dialog is open. */
export function dialogOpen(): boolean {
  return openDialog !== null;
}
