// The brief library: the header bar, search, sort and the list of briefs.
import { api } from '../api';
import { fail } from '../dialogs/dialog';
import { showImport } from '../dialogs/import';
import { showJoin } from '../dialogs/join';
import { showNewBrief } from '../dialogs/newbrief';
import { showShortcuts } from '../dialogs/shortcuts';
import { clear, h } from '../dom';
import { Latest, initials, personColour } from '../logic';
import { app, root } from '../state';
import { toggleTheme } from '../theme';
import { type LibraryPage, type ListSort, ROLE_PERSON } from '../types';
import { openBrief, warmUp } from './brief/session';
import { BriefRows, PAGE } from './libraryrows';
import { showProfileDialog } from './firstrun';

let listQuery = '';
let listSort: ListSort = (localStorage.getItem('gw.sort') as ListSort) || 'updated';
let listLimit = PAGE;
// ---- brief list ----------------------------------------------------------------------------

export function headerBar(...middle: (HTMLElement | null)[]): HTMLElement {
  return h(
    'header',
    { class: 'appbar' },
    h('div', { class: 'brand', title: 'Groundwork' }, h('span', { class: 'logo small', 'aria-hidden': 'true' }, h('span', { class: 'p' }), h('span', { class: 's' })), h('span', {}, 'Groundwork')),
    ...middle,
    h('div', { class: 'spacer' }),
    h('button', { class: 'icon', id: 'theme-toggle', title: 'Light / dark theme (Ctrl+Shift+L)', onclick: toggleTheme }, '◐'),
    h('button', { class: 'icon', title: 'Keyboard shortcuts (Ctrl+/)', onclick: showShortcuts }, '⌨'),
    h(
      'button',
      { class: 'avatar', id: 'profile-button', title: `${app.profile.name} · ${ROLE_PERSON[app.profile.role]} (Ctrl+,)`, onclick: showProfileDialog, style: `background:${personColour(app.profile.device)}` },
      initials(app.profile.name),
    ),
  );
}

export async function renderList() {
  window.__gw.screen = 'list';
  api.rememberBrief(null).catch(() => {});
  rows?.close();
  rows = null;
  if (app.session) {
    app.session.close();
    app.session = null;
  }
  clear(root);
  const search = h('input', {
    id: 'search',
    type: 'search',
    placeholder: 'Search titles and text…  (Ctrl+K)',
    value: listQuery,
    'aria-label': 'Search briefs',
  });
  const sort = h(
    'select',
    { id: 'sort', 'aria-label': 'Sort by' },
    h('option', { value: 'updated' }, 'Last changed'),
    h('option', { value: 'created' }, 'Newest'),
    h('option', { value: 'title' }, 'Title'),
  );
  sort.value = listSort;
  const list = h('ul', { class: 'brief-list', id: 'brief-list', 'aria-label': 'Briefs' });
  const count = h('span', { class: 'muted', id: 'brief-count' });
  root.append(
    headerBar(),
    h(
      'main',
      { class: 'library' },
      h(
        'div',
        { class: 'toolbar' },
        search,
        sort,
        h('button', { id: 'join-button', onclick: showJoin, title: 'Join a brief from an invite code' }, 'Join…'),
        h('button', { id: 'import-button', onclick: showImport, title: 'Import Markdown: open a file (Ctrl+O), drop one here, or paste' }, 'Import…'),
        h('button', { class: 'primary', id: 'new-brief', onclick: showNewBrief, title: 'New brief (Ctrl+N)' }, 'New brief'),
      ),
      count,
      list,
    ),
  );
  const filler = new Latest<number>((limit) => fillList(shown, count, listQuery, limit));
  const shown = new BriefRows(list, openBrief, () => {
    listLimit += PAGE;
    filler.request(listLimit);
  });
  rows = shown;
  search.addEventListener('input', () => {
    listQuery = search.value;
    listLimit = PAGE;
    inputAt.set(listQuery, performance.now());
    filler.request(listLimit);
  });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      list.querySelector<HTMLElement>('a')?.focus();
    }
    if (e.key === 'Enter') {
      const first = list.querySelector<HTMLAnchorElement>('a');
      first?.click();
    }
  });
  sort.addEventListener('change', () => {
    listSort = sort.value as ListSort;
    localStorage.setItem('gw.sort', listSort);
    listLimit = PAGE;
    filler.request(listLimit);
  });
  listLimit = PAGE;
  // the list follows what the running peer stores from teammates (and what the CLI writes)
  // while it is shown: every 2 s it asks again, which costs one query while nothing changed
  // (src/library.rs keeps the last list by the store's fingerprint); it stops once the list
  // is no longer on screen (another list replaced it, or a brief was opened over it)
  const refresh = window.setInterval(() => {
    if (rows !== shown || !list.isConnected) window.clearInterval(refresh);
    else if (document.visibilityState === 'visible') filler.request(listLimit);
  }, REFRESH_MS);
  await fillList(shown, count, listQuery, listLimit);
  if (window.__gw.metrics.listInteractiveMs === undefined) {
    // after two frames the list is on screen, not just in the DOM
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        window.__gw.metrics.listInteractiveMs = performance.now();
        api.metric('list_interactive', performance.now());
        window.__gw.warm = warmUp();
      }),
    );
  }
  search.focus();
}

/** How often the shown list asks the engine again. */
const REFRESH_MS = 2000;

/** When each query was typed (performance.now()), until its list is on screen. */
const inputAt = new Map<string, number>();
let rows: BriefRows | null = null;

/** Asks the engine for the briefs matching `query` and shows them; a query typed since is
 * not shown over (the newer one follows). Records how long the typed query took to show. */
export async function fillList(view: BriefRows, count: HTMLElement, query: string, limit: number) {
  let page: LibraryPage;
  try {
    page = await api.listBriefs(query, listSort, limit);
  } catch (e) {
    fail(e);
    return;
  }
  if (query !== listQuery || rows !== view) return;
  const { entries, total } = page;
  count.textContent = query
    ? `${total} brief${total === 1 ? '' : 's'} match “${query}”`
    : `${total} brief${total === 1 ? '' : 's'}`;
  view.show(entries, total);
  if (entries.length === 0 && !view.list.querySelector('li.empty')) {
    view.list.append(
      h(
        'li',
        { class: 'empty' },
        query
          ? h('p', {}, 'Nothing matches. Try fewer words, or the start of a word.')
          : h('div', {}, h('p', {}, 'No briefs yet.'), h('p', { class: 'muted' }, 'Create one from a template (Ctrl+N) or import a Markdown file (Ctrl+O).')),
      ),
    );
  }
  const typed = inputAt.get(query);
  if (typed !== undefined) {
    inputAt.clear();
    // on screen after the next frame, not just in the DOM
    requestAnimationFrame(() => {
      const m = window.__gw.metrics.search;
      m.push({ q: query, ms: performance.now() - typed, rows: total });
      if (m.length > 2000) m.splice(0, m.length - 2000);
    });
  }
}
