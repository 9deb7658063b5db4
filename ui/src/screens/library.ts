// The brief library: the header bar, search, sort and the list of briefs.
import { api } from '../api';
import { fail } from '../dialogs/dialog';
import { showImport } from '../dialogs/import';
import { showJoin } from '../dialogs/join';
import { showNewBrief } from '../dialogs/newbrief';
import { showShortcuts } from '../dialogs/shortcuts';
import { clear, h } from '../dom';
import { type SortKey, initials, personColour, relativeTime, sortEntries } from '../logic';
import { app, root } from '../state';
import { toggleTheme } from '../theme';
import { type LibraryEntry, ROLE_PERSON } from '../types';
import { openBrief, warmUp } from './brief/session';
import { showProfileDialog } from './firstrun';

let listQuery = '';
let listSort: SortKey = (localStorage.getItem('gw.sort') as SortKey) || 'updated';
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

let listSeq = 0;

export async function renderList() {
  window.__gw.screen = 'list';
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
        h('button', { id: 'import-button', onclick: showImport, title: 'Import Markdown (Ctrl+O)' }, 'Import…'),
        h('button', { class: 'primary', id: 'new-brief', onclick: showNewBrief, title: 'New brief (Ctrl+N)' }, 'New brief'),
      ),
      count,
      list,
    ),
  );
  let timer: number | undefined;
  search.addEventListener('input', () => {
    listQuery = search.value;
    clearTimeout(timer);
    timer = window.setTimeout(() => fillList(list, count), 120);
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
    listSort = sort.value as SortKey;
    localStorage.setItem('gw.sort', listSort);
    fillList(list, count);
  });
  await fillList(list, count);
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

export async function fillList(list: HTMLElement, count: HTMLElement) {
  const seq = ++listSeq;
  let entries: LibraryEntry[];
  try {
    entries = await api.listBriefs(listQuery);
  } catch (e) {
    fail(e);
    return;
  }
  if (seq !== listSeq) return;
  entries = sortEntries(entries, listSort);
  clear(list);
  count.textContent = listQuery
    ? `${entries.length} brief${entries.length === 1 ? '' : 's'} match “${listQuery}”`
    : `${entries.length} brief${entries.length === 1 ? '' : 's'}`;
  if (entries.length === 0) {
    list.append(
      h(
        'li',
        { class: 'empty' },
        listQuery
          ? h('p', {}, 'Nothing matches. Try fewer words.')
          : h('div', {}, h('p', {}, 'No briefs yet.'), h('p', { class: 'muted' }, 'Create one from a template (Ctrl+N) or import a Markdown file (Ctrl+O).')),
      ),
    );
    return;
  }
  for (const e of entries) {
    const badges = h('div', { class: 'badges' });
    badges.append(
      h('span', { class: `badge ${e.signed === 3 ? 'ok' : e.stale ? 'warn' : ''}`, title: 'Problem sign-offs' }, `${e.signed}/3 signed${e.stale ? ` · ${e.stale} stale` : ''}`),
    );
    if (e.open_concerns) badges.append(h('span', { class: 'badge warn' }, `${e.open_concerns} open concern${e.open_concerns === 1 ? '' : 's'}`));
    if (e.joining) badges.append(h('span', { class: 'badge warn', title: 'This device asked to join; a member of the brief approves it' }, e.joining.startsWith('refused') ? 'Join refused' : 'Waiting for approval'));
    if (e.behind) badges.append(h('span', { class: 'badge warn', title: 'Devices that have not seen all of your changes' }, `${e.behind} device${e.behind === 1 ? '' : 's'} behind`));
    if (e.open_questions) badges.append(h('span', { class: 'badge' }, `${e.open_questions} question${e.open_questions === 1 ? '' : 's'}`));
    list.append(
      h(
        'li',
        {},
        h(
          'a',
          { href: '#', class: 'brief-row', 'data-id': e.id, onclick: (ev: Event) => { ev.preventDefault(); openBrief(e.id); } },
          h('div', { class: 'row-main' }, h('span', { class: 'title' }, e.title || 'Untitled'), h('span', { class: 'template' }, e.template_label)),
          h('p', { class: 'excerpt' }, e.matched || e.excerpt || h('span', { class: 'muted' }, 'No problem statement yet')),
          h('div', { class: 'row-meta' }, badges, h('time', { datetime: new Date(e.updated_at).toISOString(), title: new Date(e.updated_at).toLocaleString() }, relativeTime(e.updated_at))),
        ),
      ),
    );
  }
  list.addEventListener('keydown', (ev) => {
    const links = [...list.querySelectorAll<HTMLElement>('a')];
    const i = links.indexOf(document.activeElement as HTMLElement);
    if (ev.key === 'ArrowDown' && i < links.length - 1) { ev.preventDefault(); links[i + 1].focus(); }
    if (ev.key === 'ArrowUp') { ev.preventDefault(); if (i > 0) links[i - 1].focus(); else document.getElementById('search')?.focus(); }
  });
}

