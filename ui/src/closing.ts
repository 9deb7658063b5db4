// Closing the window: waiting for edits on their way, and asking about unstored ones.
import { api } from './api';
import { closeDialog, showDialog } from './dialogs/dialog';
import { h } from './dom';
import { BriefSession } from './screens/brief/session';
import { app } from './state';
import { getCurrentWindow } from '@tauri-apps/api/window';

// ---- closing -------------------------------------------------------------------------------

/** How long closing waits for edits still on their way; the shell's own limit for an answer
 * is longer (5 s, src-tauri/src/closing.rs). */
export const CLOSE_WAIT_MS = 3000;
/** The window is being held open while the person decides (a second request closes it). */
let closeHeld = false;

/** The window closes once everything typed is stored: what is on its way is waited for; what
 * cannot be stored keeps the window open and says so (src-tauri/src/closing.rs). */
export function watchClose() {
  getCurrentWindow()
    .onCloseRequested(async (event) => {
      if (closeHeld || !app.session) return;
      if (await app.session.storeEverything(CLOSE_WAIT_MS)) return;
      event.preventDefault();
      closeHeld = true;
      api.holdClose().catch(() => {});
      showUnstored(app.session);
    })
    .catch((e) => console.warn('close requests', e));
}

export function showUnstored(s: BriefSession) {
  const why = () => {
    const state = s.peer?.saveState;
    return state?.kind === 'error' ? state.message : 'the engine has not confirmed storing it';
  };
  const n = s.unstored;
  const what = n > 1 ? `${n} edits are` : 'An edit is';
  const note = h('p', { id: 'unstored-why' }, `${what} not stored yet (${why()}). Closing now would lose ${n > 1 ? 'them' : 'it'}.`);
  const retry = async () => {
    if (await s.storeEverything(CLOSE_WAIT_MS)) await getCurrentWindow().destroy();
    else note.textContent = `Still not stored (${why()}).`;
  };
  showDialog(
    'Not everything is stored',
    h(
      'div',
      { class: 'stack', id: 'unstored' },
      note,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', id: 'unstored-close', onclick: () => getCurrentWindow().destroy() }, 'Close anyway'),
        h('button', { type: 'button', id: 'unstored-retry', onclick: () => void retry() }, 'Try again'),
        h('button', { type: 'button', class: 'primary', id: 'unstored-keep', onclick: () => closeDialog() }, 'Keep editing'),
      ),
    ),
    { onClose: () => (closeHeld = false) },
  );
}

