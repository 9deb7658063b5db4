// The keyboard map: what each shortcut does on each screen.
import { closeDialog, dialogOpen, fail } from './dialogs/dialog';
import { openMarkdownFile } from './dialogs/import';
import { toggleAuthors } from './screens/brief/authorship';
import { startComment } from './screens/brief/comments';
import { showNewBrief } from './dialogs/newbrief';
import { showShortcuts } from './dialogs/shortcuts';
import { matchShortcut } from './logic';
import { showProfileDialog } from './screens/firstrun';
import { renderList } from './screens/library';
import { showJump } from './dialogs/jump';
import { showExport } from './dialogs/export';
import { signOff } from './screens/brief/signoff';
import { showDecisionForm } from './screens/brief/decisions';
import { showConcernForm } from './screens/brief/concerns';
import { app } from './state';
import { toggleTheme } from './theme';
import { getCurrentWindow } from '@tauri-apps/api/window';

// ---- keyboard ------------------------------------------------------------------------------

document.addEventListener('keydown', (e) => {
  const action = matchShortcut(e);
  if (!action || window.__gw.screen === 'first-run') return;
  if (action === 'back') {
    if (dialogOpen()) {
      e.preventDefault();
      closeDialog();
    } else if (app.session) {
      e.preventDefault();
      const active = document.activeElement;
      // first Escape leaves the text (or a field), the next one goes back to the list
      if (active instanceof HTMLElement && active !== document.body && active.matches('.ProseMirror, input, textarea, select')) active.blur();
      else renderList();
    }
    return;
  }
  e.preventDefault();
  switch (action) {
    case 'new':
      showNewBrief();
      break;
    case 'search':
      if (app.session) renderList().then(() => document.getElementById('search')?.focus());
      else document.getElementById('search')?.focus();
      break;
    case 'import':
      void openMarkdownFile();
      break;
    case 'profile':
      showProfileDialog();
      break;
    case 'theme':
      toggleTheme();
      break;
    case 'comment':
      if (app.session) startComment(app.session);
      break;
    case 'authors':
      if (app.session) void toggleAuthors(app.session);
      break;
    case 'help':
      showShortcuts();
      break;
    case 'quit':
      getCurrentWindow().close().catch(fail);
      break;
    case 'jump':
      if (app.session) showJump(app.session);
      break;
    case 'export':
      if (app.session) showExport(app.session);
      break;
    case 'signoff':
      if (app.session) signOff(app.session);
      break;
    case 'decision':
      if (app.session) showDecisionForm(app.session);
      break;
    case 'concern':
      if (app.session) showConcernForm(app.session);
      break;
    case 'question':
      if (app.session) app.session.jumpTo('questions');
      document.getElementById('question-input')?.focus();
      break;
  }
});

