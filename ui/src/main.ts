// Groundwork's UI: first run, the brief list, and the brief editor. Section text is edited in
// TipTap (ProseMirror) editors bound to the UI's Yjs document, which syncs with the engine's
// document over IPC (./sync.ts). Everything structured (sign-off, decisions, concerns,
// questions) is an engine operation; the screen re-reads the brief's view after changes.
import './style.css';
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import { Editor } from '@tiptap/core';
import { sampleUpdate, warmYjs } from './warmup';
import { api } from './api';
import { h, clear, idleSteps, showToast } from './dom';
import { getCurrentWindow } from '@tauri-apps/api/window';
import { EnginePeer, errorText, type SaveState } from './sync';
import {
  concernsByRole,
  filterSections,
  firstScreen,
  sectionHeight,
  initials,
  isParkingLot,
  matchShortcut,
  personColour,
  relativeTime,
  roleSummaries,
  signoffHeadline,
  sortEntries,
  SHORTCUTS,
  type SortKey,
} from './logic';
import {
  CONCERN_KINDS,
  CONCERN_STATUSES,
  ROLES,
  ROLE_LABEL,
  ROLE_PERSON,
  type Decision,
  type EditorView,
  type LibraryEntry,
  type Profile,
  type Role,
  type TemplateInfo,
} from './types';
import { PLACEHOLDERS } from './placeholders';
import { SectionView, pressInto, sectionSchema } from './sectionview';
import { editorExtensions } from './extensions';

interface Metrics {
  listInteractiveMs?: number;
  open: { brief: string; ms: number }[];
  ack: number[];
}

declare global {
  interface Window {
    __gw: { metrics: Metrics; screen: string; session?: BriefSession; profile?: Profile; warm?: Promise<void> };
  }
}

window.__gw = { metrics: { open: [], ack: [] }, screen: 'loading' };

const root = document.getElementById('app') as HTMLElement;
let profile: Profile;
let templates: TemplateInfo[] = [];
let session: BriefSession | null = null;
/** How much of the window counts as the first screen, whose sections open as editors. The
 * benchmark's text-only reference (autopilot `text=1`) sets it to nothing. */
let firstScreenPx = () => window.innerHeight;
let listQuery = '';
let listSort: SortKey = (localStorage.getItem('gw.sort') as SortKey) || 'updated';

// ---- theme ---------------------------------------------------------------------------------

function applyTheme(theme: string | null) {
  const dark = theme ? theme === 'dark' : window.matchMedia('(prefers-color-scheme: dark)').matches;
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}
applyTheme(localStorage.getItem('gw.theme'));

function toggleTheme() {
  const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
  localStorage.setItem('gw.theme', next);
  applyTheme(next);
}

// ---- toasts and dialogs --------------------------------------------------------------------

const toasts = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
document.body.append(toasts);

function toast(message: string, kind: 'info' | 'error' = 'info') {
  showToast(toasts, message, kind, kind === 'error' ? 8000 : 5000);
}

let openDialog: { el: HTMLElement; close: () => void } | null = null;

function showDialog(title: string, body: HTMLElement, opts: { wide?: boolean; onClose?: () => void } = {}) {
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

function closeDialog() {
  const d = openDialog;
  openDialog = null;
  d?.close();
}

function fail(e: unknown) {
  toast(errorText(e), 'error');
}

// ---- first run / profile -------------------------------------------------------------------

function roleChooser(selected: Role, onPick: (r: Role) => void): HTMLElement {
  const group = h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': 'Role' });
  for (const r of ROLES) {
    const b = h(
      'button',
      {
        type: 'button',
        role: 'radio',
        'aria-checked': String(r === selected),
        'data-role': r,
        class: r === selected ? 'on' : '',
        onclick: () => {
          group.querySelectorAll('button').forEach((x) => {
            x.classList.toggle('on', x === b);
            x.setAttribute('aria-checked', String(x === b));
          });
          onPick(r);
        },
      },
      ROLE_PERSON[r],
    );
    group.append(b);
  }
  return group;
}

function profileForm(submitLabel: string, done: () => void): HTMLElement {
  let role: Role = profile.role;
  const name = h('input', {
    id: 'profile-name',
    type: 'text',
    value: profile.confirmed ? profile.name : '',
    placeholder: 'Your name',
    maxlength: 80,
    autofocus: true,
    autocomplete: 'name',
  });
  const error = h('p', { class: 'error', hidden: true });
  const form = h(
    'form',
    { class: 'stack', id: 'profile-form' },
    h('label', { for: 'profile-name' }, 'Name'),
    name,
    h('label', {}, 'Your role on briefs'),
    roleChooser(role, (r) => (role = r)),
    h('p', { class: 'hint' }, 'Your name and role are shown to teammates next to your sign-offs, concerns and decisions.'),
    error,
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit', id: 'profile-save' }, submitLabel)),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api.setProfile(name.value, role);
      profile = await api.profile();
      window.__gw.profile = profile;
      done();
    } catch (err) {
      error.hidden = false;
      error.textContent = errorText(err);
    }
  });
  return form;
}

function renderFirstRun() {
  window.__gw.screen = 'first-run';
  clear(root);
  root.append(
    h(
      'main',
      { class: 'first-run' },
      h(
        'div',
        { class: 'card welcome' },
        h('div', { class: 'logo', 'aria-hidden': 'true' }, h('span', { class: 'p' }), h('span', { class: 's' })),
        h('h1', {}, 'Welcome to Groundwork'),
        h('p', { class: 'lede' }, 'Frame the problem together before shaping the solution. First, who are you?'),
        profileForm('Continue', () => renderList()),
      ),
    ),
  );
  (document.getElementById('profile-name') as HTMLInputElement)?.focus();
}

function showProfileDialog() {
  showDialog('Your name and role', profileForm('Save', () => {
    closeDialog();
    toast(`You are ${profile.name} (${ROLE_PERSON[profile.role]})`);
    if (session) session.refreshView();
    else renderList();
  }));
}

// ---- brief list ----------------------------------------------------------------------------

function headerBar(...middle: (HTMLElement | null)[]): HTMLElement {
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
      { class: 'avatar', id: 'profile-button', title: `${profile.name} · ${ROLE_PERSON[profile.role]} (Ctrl+,)`, onclick: showProfileDialog, style: `background:${personColour(profile.device)}` },
      initials(profile.name),
    ),
  );
}

let listSeq = 0;

async function renderList() {
  window.__gw.screen = 'list';
  if (session) {
    session.close();
    session = null;
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

async function fillList(list: HTMLElement, count: HTMLElement) {
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

function showNewBrief() {
  let template = templates[0]?.id ?? 'problem-first';
  const title = h('input', { id: 'new-title', type: 'text', placeholder: 'What problem is this about?', maxlength: 200, autofocus: true });
  const cards = h('div', { class: 'templates', role: 'radiogroup', 'aria-label': 'Template' });
  for (const t of templates) {
    const card = h(
      'button',
      {
        type: 'button',
        class: `template-card${t.id === template ? ' on' : ''}`,
        'data-template': t.id,
        role: 'radio',
        'aria-checked': String(t.id === template),
        onclick: () => {
          template = t.id;
          cards.querySelectorAll('button').forEach((b) => {
            b.classList.toggle('on', b === card);
            b.setAttribute('aria-checked', String(b === card));
          });
        },
      },
      h('strong', {}, t.label),
      h('span', { class: 'muted' }, t.sections.map(([, heading]) => heading).join(' · ')),
    );
    cards.append(card);
  }
  const error = h('p', { class: 'error', hidden: true });
  const form = h(
    'form',
    { class: 'stack' },
    h('label', { for: 'new-title' }, 'Title'),
    title,
    h('label', {}, 'Template'),
    cards,
    error,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => closeDialog() }, 'Cancel'), h('button', { class: 'primary', type: 'submit', id: 'create-brief' }, 'Create brief')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const id = await api.createBrief(title.value, template);
      closeDialog();
      await openBrief(id, true);
    } catch (err) {
      error.hidden = false;
      error.textContent = errorText(err);
    }
  });
  showDialog('New brief', form, { wide: true });
  title.focus();
}

function showImport() {
  const text = h('textarea', { id: 'import-text', rows: 12, placeholder: '# Title\n\n## Problem space\n\n### Problem statement\n\n…', spellcheck: 'false' });
  const file = h('input', { type: 'file', accept: '.md,.markdown,text/markdown,text/plain', id: 'import-file' });
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (f) text.value = await f.text();
  });
  const error = h('p', { class: 'error', hidden: true });
  const form = h(
    'form',
    { class: 'stack' },
    h('p', { class: 'hint' }, 'Choose a Markdown file, or paste Markdown. Headings that match a template’s sections fill those sections; a Groundwork export comes back whole.'),
    file,
    text,
    error,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => closeDialog() }, 'Cancel'), h('button', { class: 'primary', type: 'submit', id: 'import-submit' }, 'Import')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const id = await api.importMarkdown(text.value);
      closeDialog();
      toast('Imported');
      await openBrief(id);
    } catch (err) {
      error.hidden = false;
      error.textContent = errorText(err);
    }
  });
  showDialog('Import Markdown', form, { wide: true });
}

function showJoin() {
  const code = h('input', { id: 'join-code', type: 'text', placeholder: 'gw1…', spellcheck: 'false', autocomplete: 'off', autofocus: true });
  const error = h('p', { class: 'error', hidden: true });
  const form = h(
    'form',
    { class: 'stack' },
    h('p', { class: 'hint' }, 'Paste the invite code a teammate shared. The brief fills in as soon as a device that holds it is reachable on this network.'),
    code,
    error,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => closeDialog() }, 'Cancel'), h('button', { class: 'primary', type: 'submit', id: 'join-submit' }, 'Join')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api.joinBrief(code.value);
      closeDialog();
      toast('Joined. The brief fills in when a teammate’s device is reached.');
      renderList();
    } catch (err) {
      error.hidden = false;
      error.textContent = errorText(err);
    }
  });
  showDialog('Join a brief', form);
  code.focus();
}

function showShortcuts() {
  const table = h('table', { class: 'shortcuts' });
  for (const s of SHORTCUTS) table.append(h('tr', {}, h('td', {}, h('kbd', {}, s.keys)), h('td', {}, s.label)));
  showDialog('Keyboard shortcuts', table);
}

// ---- the brief editor ----------------------------------------------------------------------

interface Present {
  name: string;
  role: string;
  device: string;
  section: string | null;
}

const placeholder = (section: string): string => PLACEHOLDERS[section] ?? 'Write here…';

/** The attributes of a section's editor element (and of its text before that). */
function editorAttributes(section: string): Record<string, string> {
  return { 'aria-label': section, 'data-section-editor': section, spellcheck: 'true' };
}

/** Runs the code that opening a brief runs on a throwaway document while the app is idle
 * (src/warmup.ts): the first real open then runs compiled code, not cold code. */
function warmUp(): Promise<void> {
  let update: Uint8Array | null = null;
  let doc: Y.Doc | null = null;
  const decode = () => {
    update ??= sampleUpdate();
    doc?.destroy();
    doc = warmYjs(update);
  };
  const bind = () => {
    if (!doc) return;
    const editor = new Editor({ element: document.createElement('div'), extensions: editorExtensions(doc.getXmlFragment('section:warm'), '') });
    editor.destroy();
  };
  // a brief opened meanwhile warms the same code itself: the rest would only compete with it
  return idleSteps([decode, decode, bind], () => session === null).then(() => {
    doc?.destroy();
    api.metric('warm', performance.now());
  });
}

class BriefSession {
  readonly id: string;
  readonly doc = new Y.Doc();
  readonly awareness: Awareness;
  peer!: EnginePeer;
  editor = 0;
  view!: EditorView;
  editors = new Map<string, Editor>();
  /** Sections below the first screen, shown as text until reached (src/sectionview.ts). */
  texts = new Map<string, SectionView>();
  el!: HTMLElement;
  private viewTimer: number | undefined;
  private viewKey = '';
  /** Kept across re-renders so a half-typed question survives a change from elsewhere. */
  private questionInput = h('input', { id: 'question-input', type: 'text', placeholder: 'Ask a question… (Enter)', 'aria-label': 'New question' });
  private closed = false;
  /** Resolves once the opened brief has been laid out and painted. */
  readonly painted: Promise<void>;
  private resolvePainted!: () => void;
  /** Resolves once every section is on screen (editors and text). */
  readonly shown: Promise<void>;
  private resolveShown!: () => void;
  /** Sections whose editors mount after the first paint, in page order. */
  private pending: string[] = [];
  private openedAt = 0;
  saveEl = h('span', { class: 'save-state', id: 'save-state', 'data-state': 'saved' }, 'Saved');
  presenceEl = h('div', { class: 'presence', id: 'presence' });

  constructor(id: string) {
    this.id = id;
    this.awareness = new Awareness(this.doc);
    this.painted = new Promise((done) => (this.resolvePainted = done));
    this.shown = new Promise((done) => (this.resolveShown = done));
  }

  async open(): Promise<void> {
    const started = performance.now();
    this.openedAt = started;
    let editor: number | null = null;
    const early: Uint8Array[] = [];
    const marks: Record<string, number> = {};
    const mark = (k: string) => (marks[k] = Math.round(performance.now() - started));
    this.peer = new EnginePeer(
      this.doc,
      this.awareness,
      (m) => (editor === null ? Promise.reject(new Error('not attached')) : api.sync(editor, m)),
      {
        onSaveState: (s) => this.showSave(s),
        onAck: (ms) => {
          window.__gw.metrics.ack.push(ms);
          if (window.__gw.metrics.ack.length > 10000) window.__gw.metrics.ack.shift();
        },
      },
    );
    const deliver = (bytes: Uint8Array) => {
      if (marks.received === undefined) mark('received');
      try {
        this.peer.receive(bytes);
      } catch (e) {
        console.error('engine message', e);
      }
    };
    // the view (sign-offs, decisions…) is read while the document state arrives
    const view = api.op(this.id, { op: 'view' });
    view.catch(() => undefined); // awaited below; a failure is reported there
    const opened = await api.openBrief(this.id, this.doc.clientID, (bytes) => (editor === null ? early.push(bytes) : deliver(bytes)));
    mark('attached');
    editor = opened.editor;
    this.editor = editor;
    // what came with the reply was sent first; the channel carries only what followed
    opened.messages.forEach(deliver);
    early.splice(0).forEach(deliver);
    await this.peer.synced;
    mark('synced');
    this.view = await view;
    mark('view');
    this.awareness.setLocalState({
      name: profile.name,
      role: profile.role,
      device: profile.device,
      section: null,
      user: { name: profile.name, color: personColour(profile.device) },
    });
    this.render();
    mark('rendered');
    this.doc.on('update', () => this.scheduleView());
    this.awareness.on('change', () => this.renderPresence());
    // editable = on screen: measured after the next two frames (layout and paint included)
    requestAnimationFrame(() => {
      mark('frame');
      requestAnimationFrame(() => {
        const ms = performance.now() - started;
        window.__gw.metrics.open.push({ brief: this.id, ms });
        api.metric('brief_open', ms, JSON.stringify(marks));
        if (!this.pending.length) this.allShown();
        this.resolvePainted();
      });
    });
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.viewTimer);
    for (const e of this.editors.values()) e.destroy();
    for (const t of this.texts.values()) t.release();
    this.peer?.destroy();
    if (this.editor) api.closeBrief(this.editor).catch(() => {});
    this.awareness.destroy();
  }

  scheduleView() {
    clearTimeout(this.viewTimer);
    this.viewTimer = window.setTimeout(() => this.refreshView(), 250);
  }

  async refreshView() {
    if (this.closed) return;
    try {
      this.setView(await api.op(this.id, { op: 'view' }));
    } catch (e) {
      fail(e);
    }
  }

  /** Structured edits on their way to the engine (`storeEverything` waits for them). */
  private ops = new Set<Promise<boolean>>();

  op(op: Record<string, unknown>): Promise<boolean> {
    const done = api.op(this.id, op).then(
      (v) => {
        this.setView(v);
        return true;
      },
      (e) => {
        fail(e);
        return false;
      },
    );
    this.ops.add(done);
    done.finally(() => this.ops.delete(done));
    return done;
  }

  /** Before the window closes: commits what is being typed in a field (the title commits on
   * `change`, which leaving the field fires), then waits until the engine has stored every
   * structured edit and every text edit, for at most `ms`. True when nothing is left. */
  async storeEverything(ms: number): Promise<boolean> {
    const active = document.activeElement;
    if (active instanceof HTMLElement && active.matches('input, textarea')) active.blur();
    const opsStored = (await Promise.all([...this.ops])).every(Boolean);
    return (this.peer ? await this.peer.whenStored(ms) : true) && opsStored;
  }

  /** Local text edits not stored yet. */
  get unstored(): number {
    return this.peer?.unstored ?? 0;
  }

  setView(v: EditorView) {
    if (this.closed) return;
    // re-render only what a change touched: most refreshes (after typing) change nothing
    const key = JSON.stringify(v);
    if (key === this.viewKey) return;
    this.viewKey = key;
    this.view = v;
    this.renderStructured();
  }

  showSave(s: SaveState) {
    this.saveEl.dataset.state = s.kind;
    if (s.kind === 'saved') {
      this.saveEl.textContent = 'Saved';
      this.saveEl.title = `Stored on this device at ${new Date(s.at).toLocaleTimeString()}`;
      this.scheduleView();
    } else if (s.kind === 'saving') {
      this.saveEl.textContent = 'Saving…';
      this.saveEl.title = '';
    } else {
      this.saveEl.textContent = 'Not saved';
      this.saveEl.title = s.message;
      toast(`Could not save: ${s.message}`, 'error');
    }
  }

  // -- layout --

  render() {
    clear(root);
    const title = h('input', { class: 'title-input', id: 'brief-title', value: this.view.title, 'aria-label': 'Brief title', maxlength: 200 });
    const commitTitle = () => {
      if (title.value.trim() && title.value.trim() !== this.view.title) this.op({ op: 'set_title', title: title.value });
      else title.value = this.view.title;
    };
    title.addEventListener('change', commitTitle);
    title.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        title.blur();
      }
    });
    const problem = this.view.layout.filter((s) => s.problem_space);
    const solution = this.view.layout.filter((s) => !s.problem_space);
    const nav = h(
      'nav',
      { class: 'outline', 'aria-label': 'Sections' },
      h('h3', { class: 'space-label problem' }, 'Problem space'),
      ...problem.map((s) => this.navLink(s.section, s.heading)),
      h('h3', { class: 'space-label solution', id: 'nav-solution-label' }, 'Solution space'),
      ...solution.map((s) => this.navLink(s.section, s.heading)),
      h('h3', { class: 'space-label' }, 'Record'),
      this.navLink('decisions', 'Decision log'),
      this.navLink('concerns', 'Concerns'),
      this.navLink('questions', 'Open questions'),
    );
    const problemSpace = h(
      'section',
      { class: 'space problem-space', id: 'problem-space', 'aria-label': 'Problem space' },
      h('div', { class: 'space-head' }, h('h2', {}, 'Problem space'), h('p', { class: 'muted' }, 'What is wrong, for whom, how we know, and what “better” means. Agree on this first.')),
      h('div', { class: 'signoff-bar', id: 'signoff-bar' }),
      ...problem.map((s) => this.sectionBlock(s.section, s.heading)),
    );
    const solutionSpace = h(
      'section',
      { class: 'space solution-space', id: 'solution-space', 'aria-label': 'Solution space' },
      h('div', { class: 'space-head' }, h('h2', { id: 'solution-heading' }, 'Solution space'), h('p', { class: 'muted', id: 'solution-note' })),
      ...solution.map((s) => this.sectionBlock(s.section, s.heading)),
    );
    const decisions = h('section', { class: 'record', id: 'decisions', 'aria-label': 'Decision log' });
    const side = h(
      'aside',
      { class: 'side' },
      h('section', { class: 'panel', id: 'weighed-in', 'aria-label': 'Who has weighed in' }),
      h('section', { class: 'panel', id: 'concerns', 'aria-label': 'Concerns' }),
      h('section', { class: 'panel', id: 'questions', 'aria-label': 'Open questions' }),
    );
    this.el = h(
      'div',
      { class: 'brief-screen' },
      headerBar(
        h('button', { class: 'back', id: 'back', title: 'All briefs (Esc)', onclick: () => renderList() }, '← Briefs'),
        title,
        h('span', { class: 'template-tag' }, this.view.template_label),
        this.saveEl,
        this.presenceEl,
        h('button', { id: 'share-button', onclick: () => this.showShare(), title: 'Invite teammates on this network' }, 'Share'),
        h('button', { id: 'export-button', onclick: () => this.showExport(), title: 'Export (Ctrl+E)' }, 'Export'),
      ),
      h('div', { class: 'refused-banner', id: 'refused-banner', role: 'alert', hidden: true }),
      h('div', { class: 'brief-body' }, nav, h('main', { class: 'doc', id: 'doc' }, problemSpace, solutionSpace, decisions), side),
    );
    // Editors mount while the screen is out of layout: ProseMirror measures the page after
    // building a document, and a measurement per editor would lay out a big brief many times.
    // Sections below the first screen are drawn as text right after the first paint and
    // become editors when reached (click, focus, jump): src/sectionview.ts.
    this.el.style.display = 'none';
    root.append(this.el);
    const { now, later } = firstScreen(this.view.layout.map((s) => ({ section: s.section, size: this.sectionSize(s.section) })), firstScreenPx());
    for (const s of now) this.mountEditor(s.section);
    for (const s of later) this.deferEditor(s.section);
    this.el.style.display = '';
    this.renderStructured();
    this.renderPresence();
    window.__gw.screen = 'brief';
  }

  navLink(id: string, label: string): HTMLElement {
    return h('a', { href: '#', 'data-target': id, onclick: (e: Event) => { e.preventDefault(); this.jumpTo(id); } }, label);
  }

  sectionBlock(section: string, heading: string): HTMLElement {
    return h(
      'div',
      { class: 'section', id: `section-${section}`, 'data-section': section },
      h('div', { class: 'section-head' }, h('h3', {}, heading), h('span', { class: 'here', 'data-here': section })),
      h('div', { class: 'editor', 'data-editor': section }),
    );
  }

  /** About how tall a section is drawn (logic.ts `sectionHeight`). */
  sectionSize(section: string): number {
    const lengths = this.doc.getXmlFragment(`section:${section}`).toArray().map((block) => {
      const first = block instanceof Y.XmlElement ? block.get(0) : block;
      return first instanceof Y.XmlText ? first.length : 0;
    });
    return sectionHeight(lengths);
  }

  /** The element a section's text or editor goes into. */
  editorHost(section: string): HTMLElement | null {
    return this.el.querySelector<HTMLElement>(`[data-editor="${section}"]`);
  }

  /** Shows a section as text once the browser is idle after the first paint; reaching it
   * (click, focus, jump) makes it the editor. */
  deferEditor(section: string) {
    const host = this.editorHost(section);
    if (!host) return;
    // clicked before its text was drawn
    const early = () => {
      if (this.closed || this.editors.has(section) || this.texts.has(section)) return;
      this.mountEditor(section);
      this.editors.get(section)?.commands.focus('end');
    };
    host.addEventListener('pointerdown', early, { once: true });
    this.pending.push(section);
    if (this.pending.length === 1) this.painted.then(() => this.showPending());
  }

  /** Draws the deferred sections as text, one per idle slice, in page order. */
  showPending() {
    const steps = this.pending.splice(0).map((section) => () => this.showText(section));
    idleSteps(steps, () => !this.closed, 200).then(() => {
      if (!this.closed) this.allShown();
    });
  }

  /** Every section is on screen: the first screen as editors, the rest as text that becomes
   * an editor when reached. */
  allShown() {
    api.metric('brief_all_sections', performance.now() - this.openedAt);
    this.resolveShown();
  }

  showText(section: string) {
    const host = this.editorHost(section);
    if (!host || this.editors.has(section) || this.texts.has(section)) return;
    const text = new SectionView(this.doc.getXmlFragment(`section:${section}`), sectionSchema(), placeholder(section), editorAttributes(section));
    // the press found the text's nodes, which the editor replaces as it takes over: the
    // browser cannot place the caret in them, so the editor puts it where the press was and
    // follows a drag from there (src/sectionview.ts `pressInto`)
    text.el.addEventListener('pointerdown', (e) => {
      if (this.editors.has(section) || e.button !== 0) return;
      this.mountEditor(section);
      const editor = this.editors.get(section);
      if (!editor) return;
      e.preventDefault();
      pressInto(editor.view, e);
    });
    text.el.addEventListener('focus', () => {
      if (this.editors.has(section)) return;
      this.mountEditor(section);
      this.editors.get(section)?.commands.focus('start');
    });
    // a long section changed from elsewhere: its editor applies changes one by one
    text.onOutgrown = () => this.mountEditor(section);
    host.append(text.el);
    this.texts.set(section, text);
  }

  mountEditor(section: string) {
    const host = this.editorHost(section);
    if (!host || this.editors.has(section)) return;
    const text = this.texts.get(section);
    this.texts.delete(section);
    // ProseMirror's `mount`: the shown text's element becomes the editor, in place
    const element = text ? ({ mount: text.release() } as unknown as HTMLElement) : host;
    const editor = new Editor({
      element,
      extensions: editorExtensions(this.doc.getXmlFragment(`section:${section}`), placeholder(section)),
      editorProps: { attributes: editorAttributes(section) },
      onFocus: () => this.awareness.setLocalStateField('section', section),
    });
    this.editors.set(section, editor);
  }

  jumpTo(target: string) {
    const el = document.getElementById(`section-${target}`) ?? document.getElementById(target);
    el?.scrollIntoView({ block: 'start', behavior: 'smooth' });
    if (this.view.layout.some((s) => s.section === target)) this.mountEditor(target);
    const ed = this.editors.get(target);
    if (ed) ed.commands.focus('end');
    else el?.querySelector<HTMLElement>('input, textarea, button')?.focus();
  }

  // -- structured parts --

  renderStructured() {
    if (!this.el) return;
    const v = this.view;
    const title = this.el.querySelector<HTMLInputElement>('#brief-title');
    if (title && document.activeElement !== title) title.value = v.title;
    this.renderSignoff();
    // changes from a newer version's schema were refused: say so on the brief, in plain words
    const refused = this.el.querySelector<HTMLElement>('#refused-banner')!;
    refused.hidden = !v.refused;
    refused.textContent = v.refused ?? '';
    const parking = isParkingLot(v);
    const sol = this.el.querySelector('#solution-space')!;
    sol.classList.toggle('parking-lot', parking);
    this.el.querySelector('#solution-heading')!.textContent = parking ? 'Parking lot — solution ideas' : 'Solution space';
    this.el.querySelector('#nav-solution-label')!.textContent = parking ? 'Parking lot' : 'Solution space';
    this.el.querySelector('#solution-note')!.textContent = parking
      ? 'The problem is not signed off by every role yet. Park ideas here; shape them once PM, Engineering and Design agree on the problem.'
      : 'The problem is agreed. Shape the solution: options, approach, risks and trade-offs.';
    this.renderDecisions();
    this.renderWeighedIn();
    this.renderConcerns();
    this.renderQuestions();
  }

  renderSignoff() {
    const bar = this.el.querySelector<HTMLElement>('#signoff-bar')!;
    clear(bar);
    const roles = roleSummaries(this.view);
    const chips = h('div', { class: 'chips' });
    for (const r of roles) {
      const so = r.signoff;
      const tip = so
        ? r.state === 'stale'
          ? `${so.name} signed, then the problem changed: ${so.changed_sections.map((s) => this.heading(s)).join(', ')}`
          : `${so.name} signed on ${new Date(so.signed_at).toLocaleString()}`
        : 'Not signed yet';
      chips.append(
        h(
          'span',
          { class: `chip ${r.state}`, 'data-role': r.role, 'data-state': r.state, title: tip },
          h('span', { class: 'dot', 'aria-hidden': 'true' }),
          h('strong', {}, ROLE_LABEL[r.role]),
          ' ',
          r.state === 'signed' ? `signed by ${so!.name}` : r.state === 'stale' ? `stale — ${so!.name}’s sign-off predates changes` : 'pending',
        ),
      );
    }
    const mine = roles.find((r) => r.role === profile.role)!;
    const label = mine.state === 'signed' ? `Signed as ${ROLE_PERSON[profile.role]}` : mine.state === 'stale' ? `Sign again as ${ROLE_PERSON[profile.role]}` : `Sign off as ${ROLE_PERSON[profile.role]}`;
    bar.append(
      h('div', { class: 'signoff-head' }, h('strong', { id: 'signoff-headline' }, signoffHeadline(this.view)), h('button', { class: mine.state === 'signed' ? '' : 'primary', id: 'sign-off', disabled: mine.state === 'signed', title: 'Sign off the problem (Ctrl+Shift+Enter)', onclick: () => this.signOff() }, label)),
      chips,
    );
    const stale = roles.filter((r) => r.state === 'stale');
    if (stale.length) {
      bar.append(h('p', { class: 'stale-note' }, `The problem changed after ${stale.map((r) => ROLE_LABEL[r.role]).join(' and ')} signed: ${[...new Set(stale.flatMap((r) => r.signoff!.changed_sections))].map((s) => this.heading(s)).join(', ')}.`));
    }
  }

  async signOff() {
    if (await this.op({ op: 'sign_off', role: profile.role })) toast(`Signed off the problem as ${ROLE_PERSON[profile.role]}`);
  }

  heading(section: string): string {
    return this.view.layout.find((l) => l.section === section)?.heading ?? section;
  }

  renderWeighedIn() {
    const panel = this.el.querySelector<HTMLElement>('#weighed-in')!;
    clear(panel);
    panel.append(h('h3', {}, 'Who has weighed in'));
    for (const r of roleSummaries(this.view)) {
      panel.append(h('p', { class: `weigh ${r.weighedIn ? 'yes' : 'no'}`, 'data-role': r.role }, h('span', { class: 'dot', 'aria-hidden': 'true' }), r.line));
    }
  }

  renderConcerns() {
    const panel = this.el.querySelector<HTMLElement>('#concerns')!;
    clear(panel);
    panel.append(h('div', { class: 'panel-head' }, h('h3', {}, 'Concerns'), h('button', { class: 'small', id: 'add-concern', onclick: () => this.showConcernForm(), title: 'Raise a concern (Ctrl+Shift+C)' }, '+ Raise')));
    const by = concernsByRole(this.view.concerns);
    for (const role of ROLES) {
      const list = by[role];
      const group = h('div', { class: 'concern-group', 'data-role': role }, h('h4', {}, ROLE_LABEL[role], h('span', { class: 'muted' }, list.length ? ` · ${list.filter((c) => c.status === 'open').length} open` : ' · none')));
      for (const c of list) {
        const status = h('select', { class: 'status', 'aria-label': 'Status', 'data-concern': c.id });
        for (const [v, l] of CONCERN_STATUSES) status.append(h('option', { value: v }, l));
        status.value = c.status;
        status.addEventListener('change', () => this.op({ op: 'set_concern_status', id: c.id, status: status.value }));
        group.append(
          h('div', { class: `concern ${c.status}`, 'data-id': c.id }, h('div', { class: 'concern-top' }, h('span', { class: 'kind' }, CONCERN_KINDS.find(([k]) => k === c.kind)?.[1] ?? c.kind), status), h('p', {}, c.text), h('span', { class: 'muted small' }, `${c.author} · ${relativeTime(Date.parse(c.created_at))}`)),
        );
      }
      panel.append(group);
    }
  }

  showConcernForm() {
    let role: Role = profile.role;
    const kind = h('select', { id: 'concern-kind' });
    for (const [k, l] of CONCERN_KINDS) kind.append(h('option', { value: k }, l));
    const text = h('textarea', { id: 'concern-text', rows: 4, placeholder: 'What worries you, and why?', autofocus: true });
    const form = h(
      'form',
      { class: 'stack' },
      h('label', {}, 'Raised as'),
      roleChooser(role, (r) => (role = r)),
      h('label', { for: 'concern-kind' }, 'Kind'),
      kind,
      h('label', { for: 'concern-text' }, 'Concern'),
      text,
      h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => closeDialog() }, 'Cancel'), h('button', { class: 'primary', type: 'submit', id: 'concern-save' }, 'Raise concern')),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (await this.op({ op: 'add_concern', role, kind: kind.value, text: text.value })) closeDialog();
    });
    showDialog('Raise a concern', form);
    text.focus();
  }

  renderQuestions() {
    const panel = this.el.querySelector<HTMLElement>('#questions')!;
    clear(panel);
    const input = this.questionInput;
    if (!input.dataset.wired) {
      input.dataset.wired = '1';
      input.addEventListener('keydown', async (e) => {
        if (e.key === 'Enter' && input.value.trim()) {
          e.preventDefault();
          const text = input.value;
          input.value = '';
          if (!(await this.op({ op: 'add_question', text }))) input.value = text;
          input.focus();
        }
      });
    }
    const hadFocus = document.activeElement === input;
    const open = this.view.questions.filter((q) => !q.resolved);
    const done = this.view.questions.filter((q) => q.resolved);
    panel.append(h('h3', {}, 'Open questions', h('span', { class: 'muted' }, ` · ${open.length}`)), input);
    const list = h('ul', { class: 'questions' });
    for (const q of [...open, ...done]) {
      const box = h('input', { type: 'checkbox', checked: q.resolved, 'aria-label': 'Resolved', 'data-question': q.id });
      box.addEventListener('change', () => this.op({ op: 'resolve_question', id: q.id, resolved: box.checked }));
      list.append(h('li', { class: q.resolved ? 'resolved' : '' }, h('label', {}, box, h('span', {}, q.text)), h('span', { class: 'muted small' }, q.author)));
    }
    panel.append(list);
    if (hadFocus) input.focus();
  }

  renderDecisions() {
    const box = this.el.querySelector<HTMLElement>('#decisions')!;
    clear(box);
    box.append(h('div', { class: 'space-head' }, h('h2', {}, 'Decision log'), h('button', { id: 'add-decision', onclick: () => this.showDecisionForm(), title: 'Log a decision (Ctrl+Shift+D)' }, '+ Log a decision')));
    if (this.view.decisions.length === 0) box.append(h('p', { class: 'muted' }, 'No decisions yet. Log what you decided, on what it rests, and what you gave up.'));
    for (const d of [...this.view.decisions].reverse()) {
      const flagged = d.changed_since.length > 0;
      box.append(
        h(
          'article',
          { class: `decision${flagged ? ' flagged' : ''}`, 'data-id': d.id },
          h('div', { class: 'decision-top' }, h('strong', {}, d.decision), h('span', { class: 'muted small' }, `${d.date} · ${d.author}${d.decided_by.length ? ' · ' + d.decided_by.map((r) => ROLE_LABEL[r]).join(', ') : ''}`), h('button', { class: 'small', onclick: () => this.showDecisionForm(d) }, 'Edit')),
          flagged ? h('p', { class: 'flag', role: 'note' }, `⚠ Revisit: ${d.changed_since.map((s) => this.heading(s)).join(', ')} changed since this was decided.`) : null,
          d.context ? h('p', {}, h('span', { class: 'label' }, 'Context '), d.context) : null,
          d.alternatives ? h('p', {}, h('span', { class: 'label' }, 'Alternatives '), d.alternatives) : null,
          d.tradeoffs ? h('p', {}, h('span', { class: 'label' }, 'Trade-offs '), d.tradeoffs) : null,
          d.rests_on.length ? h('p', { class: 'rests' }, h('span', { class: 'label' }, 'Rests on '), ...d.rests_on.map((s) => h('a', { href: '#', class: 'tag', onclick: (e: Event) => { e.preventDefault(); this.jumpTo(s); } }, this.heading(s)))) : null,
        ),
      );
    }
  }

  showDecisionForm(existing?: Decision) {
    const field = (id: string, label: string, value: string, rows: number) => {
      const t = h('textarea', { id, rows, value });
      t.value = value;
      return [h('label', { for: id }, label), t] as const;
    };
    const [dl, decision] = field('decision-text', 'Decision', existing?.decision ?? '', 2);
    const [cl, context] = field('decision-context', 'Context', existing?.context ?? '', 2);
    const [al, alternatives] = field('decision-alternatives', 'Alternatives considered', existing?.alternatives ?? '', 2);
    const [tl, tradeoffs] = field('decision-tradeoffs', 'Trade-offs', existing?.tradeoffs ?? '', 2);
    const by = h('div', { class: 'checks', id: 'decision-by' });
    for (const r of ROLES) by.append(h('label', {}, h('input', { type: 'checkbox', value: r, checked: existing ? existing.decided_by.includes(r) : r === profile.role }), ROLE_LABEL[r]));
    const rests = h('div', { class: 'checks', id: 'decision-rests' });
    for (const s of this.view.layout) rests.append(h('label', {}, h('input', { type: 'checkbox', value: s.section, checked: existing?.rests_on.includes(s.section) ?? false }), s.heading));
    const form = h(
      'form',
      { class: 'stack' },
      dl, decision, cl, context, al, alternatives, tl, tradeoffs,
      h('label', {}, 'Decided by'), by,
      h('label', {}, 'Rests on these sections (flagged if they change later)'), rests,
      existing && existing.changed_since.length
        ? h('p', { class: 'hint', id: 'decision-revisit' }, `Saving marks this decision revisited: it will rest on ${existing.changed_since.map((s) => this.heading(s)).join(', ')} as they read now.`)
        : null,
      h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => closeDialog() }, 'Cancel'), h('button', { class: 'primary', type: 'submit', id: 'decision-save' }, existing ? 'Save decision' : 'Log decision')),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const checked = (el: HTMLElement) => [...el.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);
      const body = { decision: decision.value, context: context.value, alternatives: alternatives.value, tradeoffs: tradeoffs.value, decided_by: checked(by), rests_on: checked(rests) };
      const ok = await this.op(existing ? { op: 'edit_decision', id: existing.id, ...body } : { op: 'add_decision', ...body });
      if (ok) closeDialog();
    });
    showDialog(existing ? 'Edit decision' : 'Log a decision', form, { wide: true });
    decision.focus();
  }

  showExport() {
    const result = h('p', { class: 'hint', id: 'export-result' }, `Files are saved in ${profile.export_dir}.`);
    const run = async (format: 'markdown' | 'html') => {
      try {
        const r = await api.exportBrief(this.id, format);
        result.textContent = `Exported to ${r.path}`;
        result.dataset.path = r.path;
        toast(`Exported to ${r.path}`);
      } catch (e) {
        fail(e);
      }
    };
    showDialog(
      'Export',
      h(
        'div',
        { class: 'stack' },
        h('div', { class: 'actions start' }, h('button', { class: 'primary', id: 'export-markdown', onclick: () => run('markdown') }, 'Markdown'), h('button', { id: 'export-html', onclick: () => run('html') }, 'HTML')),
        result,
      ),
    );
  }

  async showShare() {
    let code: string;
    try {
      code = await api.inviteBrief(this.id);
    } catch (e) {
      fail(e);
      return;
    }
    const field = h('input', { id: 'invite-code', type: 'text', value: code, readonly: true, spellcheck: 'false' });
    const copy = h('button', { class: 'primary', id: 'copy-invite' }, 'Copy');
    copy.addEventListener('click', async () => {
      field.select();
      try {
        await navigator.clipboard.writeText(code);
      } catch {
        document.execCommand('copy');
      }
      copy.textContent = 'Copied';
    });
    showDialog(
      'Share this brief',
      h(
        'div',
        { class: 'stack' },
        h('p', { class: 'hint' }, 'Anyone with this code can read and edit the brief when their device meets yours on the local network (no server involved). Share it only with teammates.'),
        h('div', { class: 'toolbar' }, field, copy),
        h('p', { class: 'hint' }, `This device listens on ${profile.listen ?? 'no address'}; teammates find it automatically on the LAN.`),
      ),
    );
    field.select();
  }

  showJump() {
    const items = [
      ...this.view.layout.map((s) => ({ id: s.section, heading: s.heading, space: s.problem_space ? 'Problem' : 'Solution' })),
      { id: 'decisions', heading: 'Decision log', space: 'Record' },
      { id: 'concerns', heading: 'Concerns', space: 'Record' },
      { id: 'questions', heading: 'Open questions', space: 'Record' },
    ];
    const input = h('input', { id: 'jump-input', type: 'text', placeholder: 'Section…', autofocus: true });
    const list = h('ul', { class: 'jump-list', role: 'listbox' });
    let shown = items;
    let active = 0;
    const draw = () => {
      clear(list);
      shown.forEach((it, i) => list.append(h('li', { class: i === active ? 'active' : '', role: 'option', 'aria-selected': String(i === active), onmousedown: (e: Event) => { e.preventDefault(); go(it.id); } }, it.heading, h('span', { class: 'muted small' }, ` ${it.space}`))));
    };
    const go = (id: string) => {
      closeDialog();
      this.jumpTo(id);
    };
    input.addEventListener('input', () => {
      shown = filterSections(items, input.value);
      active = 0;
      draw();
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown') { e.preventDefault(); active = Math.min(active + 1, shown.length - 1); draw(); }
      if (e.key === 'ArrowUp') { e.preventDefault(); active = Math.max(active - 1, 0); draw(); }
      if (e.key === 'Enter' && shown[active]) { e.preventDefault(); go(shown[active].id); }
    });
    draw();
    showDialog('Jump to', h('div', { class: 'stack' }, input, list));
    input.focus();
  }

  renderPresence() {
    if (!this.el) return;
    const others = new Map<string, Present>();
    for (const [cid, st] of this.awareness.getStates()) {
      if (cid === this.doc.clientID) continue;
      const p = st as Partial<Present>;
      if (!p.name || !p.device || p.device === profile.device) continue;
      const prev = others.get(p.device);
      if (!prev || (!prev.section && p.section)) others.set(p.device, { name: p.name, role: p.role ?? '', device: p.device, section: p.section ?? null });
    }
    clear(this.presenceEl);
    for (const p of others.values()) {
      this.presenceEl.append(h('span', { class: 'avatar small', title: `${p.name} (${p.role})${p.section ? ' — in ' + this.heading(p.section) : ''}`, style: `background:${personColour(p.device)}` }, initials(p.name)));
    }
    this.el.querySelectorAll<HTMLElement>('[data-here]').forEach((el) => {
      const here = [...others.values()].filter((p) => p.section === el.dataset.here);
      el.textContent = here.map((p) => p.name).join(', ');
      el.style.color = here[0] ? personColour(here[0].device) : '';
    });
  }
}

async function openBrief(id: string, focusFirst = false) {
  if (session) session.close();
  window.__gw.screen = 'opening';
  const s = new BriefSession(id);
  session = s;
  window.__gw.session = s;
  try {
    await s.open();
    if (focusFirst) s.jumpTo(s.view.layout[0]?.section ?? 'problem');
  } catch (e) {
    fail(e);
    session = null;
    renderList();
  }
}

// ---- keyboard ------------------------------------------------------------------------------

document.addEventListener('keydown', (e) => {
  const action = matchShortcut(e);
  if (!action || window.__gw.screen === 'first-run') return;
  if (action === 'back') {
    if (openDialog) {
      e.preventDefault();
      closeDialog();
    } else if (session) {
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
      if (session) renderList().then(() => document.getElementById('search')?.focus());
      else document.getElementById('search')?.focus();
      break;
    case 'import':
      showImport();
      break;
    case 'profile':
      showProfileDialog();
      break;
    case 'theme':
      toggleTheme();
      break;
    case 'help':
      showShortcuts();
      break;
    case 'quit':
      getCurrentWindow().close().catch(fail);
      break;
    case 'jump':
      session?.showJump();
      break;
    case 'export':
      session?.showExport();
      break;
    case 'signoff':
      session?.signOff();
      break;
    case 'decision':
      session?.showDecisionForm();
      break;
    case 'concern':
      session?.showConcernForm();
      break;
    case 'question':
      if (session) session.jumpTo('questions');
      document.getElementById('question-input')?.focus();
      break;
  }
});

// ---- closing -------------------------------------------------------------------------------

/** How long closing waits for edits still on their way; the shell's own limit for an answer
 * is longer (5 s, src-tauri/src/closing.rs). */
const CLOSE_WAIT_MS = 3000;
/** The window is being held open while the person decides (a second request closes it). */
let closeHeld = false;

/** The window closes once everything typed is stored: what is on its way is waited for; what
 * cannot be stored keeps the window open and says so (src-tauri/src/closing.rs). */
function watchClose() {
  getCurrentWindow()
    .onCloseRequested(async (event) => {
      if (closeHeld || !session) return;
      if (await session.storeEverything(CLOSE_WAIT_MS)) return;
      event.preventDefault();
      closeHeld = true;
      api.holdClose().catch(() => {});
      showUnstored(session);
    })
    .catch((e) => console.warn('close requests', e));
}

function showUnstored(s: BriefSession) {
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

// ---- start ---------------------------------------------------------------------------------

async function start() {
  watchClose();
  try {
    [profile, templates] = await Promise.all([api.profile(), api.templates()]);
    window.__gw.profile = profile;
  } catch (e) {
    clear(root);
    root.append(h('main', { class: 'first-run' }, h('div', { class: 'card' }, h('h1', {}, 'Groundwork could not start'), h('p', { class: 'error' }, errorText(e)))));
    return;
  }
  if (!profile.confirmed) renderFirstRun();
  else await renderList();
  if (profile.autopilot) runAutopilot(profile.autopilot).catch((e) => api.metric('autopilot_error', 0, errorText(e)));
}

/** Benchmark mode (GROUNDWORK_AUTOPILOT=open=<id>;type=<n>;every=<ms>[;settle=1][;text=1]):
 * opens a brief (with `settle`, once the list is shown and the app idle, as a person would)
 * and types into its first section through the editor, the same path a keystroke takes. With
 * `text=1` every section is shown as text and no editor mounts (nothing is typed): the
 * benchmark's reference for what showing the brief costs without an editor. */
async function runAutopilot(spec: string) {
  const opts = Object.fromEntries(spec.split(';').map((kv) => kv.split('=') as [string, string]));
  if (!opts.open) return;
  if (opts.text) firstScreenPx = () => 0;
  if (opts.settle) {
    // like a person: the list is on screen and the app idle before the click
    while (!window.__gw.warm) await new Promise((r) => requestAnimationFrame(r));
    await window.__gw.warm;
  }
  await openBrief(opts.open);
  const s = session;
  if (!s) return;
  await s.painted; // a person cannot type before the brief is on screen
  if (opts.text) {
    await s.shown;
    await new Promise((r) => setTimeout(r, 500));
    api.metric('autopilot_done', 0, '[]');
    return;
  }
  const section = s.view.layout[0].section;
  const ed = s.editors.get(section)!;
  ed.commands.focus('start');
  const n = Number(opts.type ?? 0);
  const every = Number(opts.every ?? 20);
  const before = window.__gw.metrics.ack.length;
  for (let i = 0; i < n; i++) {
    ed.commands.insertContent(String.fromCharCode(97 + (i % 26)));
    await new Promise((r) => setTimeout(r, every));
  }
  await new Promise((r) => setTimeout(r, 500));
  const acks = window.__gw.metrics.ack.slice(before);
  api.metric('autopilot_done', acks.length, JSON.stringify(acks));
}

start();
