// Groundwork's UI entry point: starts the app on the first-run screen, the brief that was open
// when it last ended, or the brief list. Section text is edited in TipTap (ProseMirror) editors
// bound to the UI's Yjs document, which syncs with the engine's document over IPC (./sync.ts);
// everything structured is an engine operation. The screens live in ./screens, the dialogs in
// ./dialogs.
import './style.css';
import { api } from './api';
import { watchClose } from './closing';
import { watchDrops } from './drop';
import { clear, h } from './dom';
import { renderFirstRun } from './screens/firstrun';
import { openBrief } from './screens/brief/session';
import { renderList } from './screens/library';
import { app, root } from './state';
import { errorText } from './sync';
import './keyboard';

// ---- start ---------------------------------------------------------------------------------

async function start() {
  watchClose();
  watchDrops();
  try {
    [app.profile, app.templates] = await Promise.all([api.profile(), api.templates()]);
    window.__gw.profile = app.profile;
  } catch (e) {
    clear(root);
    root.append(h('main', { class: 'first-run' }, h('div', { class: 'card' }, h('h1', {}, 'Groundwork could not start'), h('p', { class: 'error' }, errorText(e)))));
    return;
  }
  if (!app.profile.confirmed) renderFirstRun();
  else {
    // the brief that was open when the app last ended opens again; else the list
    const last = await api.lastBrief().catch(() => null);
    if (last) await openBrief(last);
    else await renderList();
  }
  if (app.profile.autopilot) import('./autopilot').then((m) => m.runAutopilot(app.profile.autopilot!)).catch((e) => api.metric('autopilot_error', 0, errorText(e)));
}

start();
