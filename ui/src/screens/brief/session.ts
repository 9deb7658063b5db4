// The brief editor screen: one BriefSession per open brief — its Yjs document and the engine peer
// it syncs with, the section editors (mounted lazily), the save state, and the panels (./signoff,
// ./concerns, ./questions, ./decisions, ./presence).
import { EngineLink } from '../../enginelink';
import { api } from '../../api';
import { blockLengths } from '../../body/model';
import { fail, toast } from '../../dialogs/dialog';
import { showExport } from '../../dialogs/export';
import { authorsButton } from './authorship';
import { SinceBanner } from './since';
import { showHistory } from '../../dialogs/history';
import { showShare } from '../../dialogs/share';
import { clear, h, idleSteps, setText } from '../../dom';
import { afterPointer } from '../../pointer';
import { editorExtensions } from '../../extensions';
import { Coalescer, firstScreen, isParkingLot, personColour, sectionHeight, sectionHeightAtLeast } from '../../logic';
import { PLACEHOLDERS } from '../../placeholders';
import { SectionView, pressInto, sectionSchema } from '../../sectionview';
import { app, root } from '../../state';
import { EnginePeer, type SaveState } from '../../sync';
import { type EditorView } from '../../types';
import { sampleUpdate, warmYjs } from '../../warmup';
import { headerBar, renderList } from '../library';
import { renderConcerns } from './concerns';
import { renderDecisions } from './decisions';
import { renderPresence } from './presence';
import { SyncStatus } from './syncstatus';
import { ReceiptBanner } from './receipt';
import type { Part } from '../../types';
import { renderQuestions } from './questions';
import { renderComments } from './comments';
import { scheduleMargin } from './margin';
import { drawAnchors } from '../../body/anchors';
import { renderSignoff, renderWeighedIn } from './signoff';
import { Editor } from '@tiptap/core';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';

/** "Saved" says when, once per acknowledged edit: one formatter, not one per call. */
const clockTime = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

// ---- the brief editor ----------------------------------------------------------------------

export interface Present {
  name: string;
  role: string;
  device: string;
  section: string | null;
}

export const placeholder = (section: string): string => PLACEHOLDERS[section] ?? 'Write here…';

/** The attributes of a section's editor element (and of its text before that). */
export function editorAttributes(section: string): Record<string, string> {
  return { 'aria-label': section, 'data-section-editor': section, spellcheck: 'true' };
}

/** Runs the code that opening a brief runs on a throwaway document while the app is idle
 * (src/warmup.ts): the first real open then runs compiled code, not cold code. */
export function warmUp(): Promise<void> {
  let update: Uint8Array | null = null;
  let doc: Y.Doc | null = null;
  const decode = () => {
    update ??= sampleUpdate();
    doc?.destroy();
    doc = warmYjs(update);
  };
  const bind = () => {
    if (!doc) return;
    const editor = new Editor({ element: document.createElement('div'), extensions: editorExtensions(doc.getText('body:warm'), '') });
    editor.destroy();
  };
  // a brief opened meanwhile warms the same code itself: the rest would only compete with it
  return idleSteps([decode, decode, bind], () => app.session === null).then(() => {
    doc?.destroy();
    api.metric('warm', performance.now());
  });
}

export class BriefSession {
  readonly id: string;
  readonly doc = new Y.Doc();
  readonly awareness: Awareness;
  peer!: EnginePeer;
  editor = 0;
  /** The open editor's link to the engine, once connected. */
  private link: EngineLink | null = null;
  view!: EditorView;
  editors = new Map<string, Editor>();
  /** Sections below the first screen, shown as text until reached (src/sectionview.ts). */
  texts = new Map<string, SectionView>();
  el!: HTMLElement;
  /** Re-reads the view (sign-offs, decisions…) after changes, also while peers keep typing. */
  private viewRefresh = new Coalescer(() => void this.refreshView(), 250);
  viewKey = '';
  /** Kept across re-renders so a half-typed question survives a change from elsewhere. */
  questionInput = h('input', { id: 'question-input', type: 'text', placeholder: 'Ask a question… (Enter)', 'aria-label': 'New question' });
  closed = false;
  /** Resolves once the opened brief has been laid out and painted. */
  readonly painted: Promise<void>;
  resolvePainted!: () => void;
  /** Resolves once every section is on screen (editors and text). */
  readonly shown: Promise<void>;
  resolveShown!: () => void;
  /** Sections whose editors mount after the first paint, in page order. */
  pending: string[] = [];
  /** The comments (panel, highlighted words, margin cards) are drawn once the opened brief
   * is painted: with hundreds of threads they cost more than the text (issue 15). */
  commentsShown = false;
  openedAt = 0;
  /** Notes how far opening got (the `brief_open` metric's detail); a no-op once open. */
  mark: (step: string) => void = () => {};
  saveEl = h('span', { class: 'save-state', id: 'save-state', 'data-state': 'saved' }, 'Saved');
  presenceEl = h('div', { class: 'presence', id: 'presence' });
  readonly sync: SyncStatus;
  readonly receipt: ReceiptBanner;
  readonly since: SinceBanner;
  /** Opened and shown: closing it marks it seen (./since.ts). */
  private looked = false;

  constructor(id: string) {
    this.id = id;
    this.receipt = new ReceiptBanner(id, (p) => this.partLabel(p), (t) => this.jumpTo(t));
    this.since = new SinceBanner(id, (s) => this.heading(s), (s) => this.jumpTo(s));
    this.sync = new SyncStatus(id, (st) => this.receipt.render(st.receipt));
    this.awareness = new Awareness(this.doc);
    this.painted = new Promise((done) => (this.resolvePainted = done));
    this.shown = new Promise((done) => (this.resolveShown = done));
  }

  async open(): Promise<void> {
    const started = performance.now();
    this.openedAt = started;
    let linkTo!: (l: EngineLink) => void;
    let linkFailed!: (e: unknown) => void;
    const linked = new Promise<EngineLink>((ok, fail) => ((linkTo = ok), (linkFailed = fail)));
    linked.catch(() => undefined); // each send reports it
    const marks: Record<string, number> = {};
    const mark = (k: string) => (marks[k] = Math.round(performance.now() - started));
    this.mark = mark;
    this.peer = new EnginePeer(
      this.doc,
      this.awareness,
      // sends wait for the link, in the order they were made (then-callbacks run in order)
      (m) => linked.then((l) => l.send(m)),
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
    // The engine takes commands in order: attaching first hands the document state over
    // without waiting for the view (sign-offs, decisions, comments…), which the engine reads
    // while this side applies the state. Later messages come over the editor's link, which
    // connects once the reply's own are delivered below (enginelink.ts).
    const attaching = api.openBrief(this.id, this.doc.clientID);
    const socket = api.editorSocket();
    const view = api.op(this.id, { op: 'view' });
    view.catch(() => undefined); // awaited below; a failure is reported there
    socket.catch(() => undefined); // reported through the sends
    const opened = await attaching;
    mark('attached');
    this.editor = opened.editor;
    opened.messages.forEach(deliver);
    socket
      .then((url) => EngineLink.connect(url, opened.editor, deliver))
      .then((l) => {
        this.link = l;
        if (this.closed) l.close();
        linkTo(l);
      }, linkFailed);
    await this.peer.synced;
    mark('synced');
    this.view = await view;
    mark('view');
    this.awareness.setLocalState({
      name: app.profile.name,
      role: app.profile.role,
      device: app.profile.device,
      section: null,
      caret: null, // ../../body/carets.ts: { section, anchor, head } while an editor has the focus
      user: { name: app.profile.name, color: personColour(app.profile.device) },
    });
    this.render();
    mark('rendered');
    void this.painted.then(() => this.showComments());
    this.looked = true;
    void this.since.load();
    this.doc.on('update', () => {
      this.scheduleView();
      // an edit moves text: the margin's cards follow their words
      scheduleMargin(this);
    });
    window.addEventListener('resize', this.onResize);
    this.awareness.on('change', () => {
      renderPresence(this);
      this.mountWhereCarets();
    });
    // editable = on screen: measured after the next two frames (layout and paint included)
    requestAnimationFrame(() => {
      mark('frame');
      requestAnimationFrame(() => {
        const ms = performance.now() - started;
        window.__gw.metrics.open.push({ brief: this.id, ms });
        api.metric('brief_open', ms, JSON.stringify(marks));
        this.mark = () => {};
        if (!this.pending.length) this.allShown();
        this.resolvePainted();
      });
    });
  }

  private readonly onResize = () => scheduleMargin(this);

  close() {
    if (this.closed) return;
    this.closed = true;
    window.removeEventListener('resize', this.onResize);
    this.viewRefresh.cancel();
    this.sync.stop();
    for (const e of this.editors.values()) e.destroy();
    for (const t of this.texts.values()) t.release();
    this.peer?.destroy();
    if (this.editor) api.closeBrief(this.editor).catch(() => {});
    this.link?.close();
    // closing the brief: its person has seen it as it is now
    if (this.looked) api.markSeen(this.id).catch(() => {});
    this.awareness.destroy();
  }

  scheduleView() {
    this.viewRefresh.schedule();
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
  ops = new Set<Promise<boolean>>();

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
    // not under a press: the button being clicked would be replaced and the click lost
    afterPointer('structured', () => !this.closed && this.renderStructured());
  }

  showSave(s: SaveState) {
    this.saveEl.dataset.state = s.kind;
    if (s.kind === 'saved') {
      setText(this.saveEl, 'Saved');
      this.saveEl.title = `Stored on this device at ${clockTime.format(s.at)}`;
      this.scheduleView();
    } else if (s.kind === 'saving') {
      setText(this.saveEl, 'Saving…');
      this.saveEl.title = '';
    } else {
      setText(this.saveEl, 'Not saved');
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
      h('section', { class: 'panel', id: 'comments', 'aria-label': 'Comments' }),
    );
    this.el = h(
      'div',
      { class: 'brief-screen' },
      headerBar(
        h('button', { class: 'back', id: 'back', title: 'All briefs (Esc)', onclick: () => renderList() }, '← Briefs'),
        title,
        h('span', { class: 'template-tag' }, this.view.template_label),
        this.saveEl,
        this.sync.button,
        this.presenceEl,
        h('button', { id: 'share-button', onclick: () => showShare(this), title: 'People and devices: invite teammates, see and add devices' }, 'Share'),
        authorsButton(this),
        h('button', { id: 'history-button', onclick: () => void showHistory(this), title: 'History: versions, what changed since, restore' }, 'History'),
        h('button', { id: 'export-button', onclick: () => showExport(this), title: 'Export (Ctrl+E)' }, 'Export'),
      ),
      h('div', { class: 'refused-banner', id: 'refused-banner', role: 'alert', hidden: true }),
      this.sync.panel,
      this.receipt.el,
      this.since.el,
      h('div', { class: 'brief-body' }, nav, h('main', { class: 'doc', id: 'doc' }, problemSpace, solutionSpace, decisions), side),
    );
    // Editors mount while the screen is out of layout: ProseMirror measures the page after
    // building a document, and a measurement per editor would lay out a big brief many times.
    // Sections below the first screen are drawn as text right after the first paint and
    // become editors when reached (click, focus, jump): src/sectionview.ts.
    this.el.style.display = 'none';
    root.append(this.el);
    // a long section's length alone says it fills the screen: its blocks are read when its
    // editor draws them, not twice
    const { now, later } = firstScreen(this.view.layout, app.firstScreenPx(), (s, left) => {
      const least = sectionHeightAtLeast(this.doc.getText(`body:${s.section}`).length);
      return least >= left ? least : this.sectionSize(s.section);
    });
    this.mark('sized');
    for (const s of now) this.mountEditor(s.section);
    this.mark('mounted');
    for (const s of later) this.deferEditor(s.section);
    this.el.style.display = '';
    this.renderStructured();
    this.mark('structured');
    renderPresence(this);
    this.sync.start();
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
      h('div', { class: 'section-body' }, h('div', { class: 'editor', 'data-editor': section }), h('div', { class: 'margin', 'data-margin': section, 'aria-label': 'Comments beside this section' })),
    );
  }

  /** About how tall a section is drawn (logic.ts `sectionHeight`). */
  sectionSize(section: string): number {
    return sectionHeight(blockLengths(this.doc.getText(`body:${section}`)));
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
    const text = new SectionView(this.doc.getText(`body:${section}`), sectionSchema(), placeholder(section), editorAttributes(section));
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
      extensions: editorExtensions(this.doc.getText(`body:${section}`), placeholder(section), { awareness: this.awareness, section }),
      editorProps: { attributes: editorAttributes(section) },
      onFocus: () => this.awareness.setLocalStateField('section', section),
    });
    this.editors.set(section, editor);
    // its threads' words, and the margin's cards level with them
    if (this.commentsShown) {
      drawAnchors(editor.view, section, this.view.comments);
      scheduleMargin(this);
    }
  }

  /** A section shown as text becomes its editor when someone's caret enters it, so their
   * caret shows (src/body/carets.ts draws carets in editors). */
  mountWhereCarets() {
    for (const [cid, st] of this.awareness.getStates()) {
      const section = cid === this.doc.clientID ? null : (st as { caret?: { section?: unknown } | null }).caret?.section;
      if (typeof section === 'string' && !this.editors.has(section) && this.view.layout.some((s) => s.section === section)) this.mountEditor(section);
    }
  }

  /** A part of the brief as the person knows it: the section's heading in this template. */
  partLabel(p: Part): string {
    switch (p.kind) {
      case 'section':
        return this.heading(p.section);
      case 'title':
        return 'Title';
      case 'decisions':
        return 'Decision log';
      case 'concerns':
        return 'Concerns';
      case 'questions':
        return 'Open questions';
      case 'signoffs':
        return 'Sign-off';
    }
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
    renderSignoff(this);
    // changes from a newer version's schema were refused: say so on the brief, in plain words
    const refused = this.el.querySelector<HTMLElement>('#refused-banner')!;
    refused.hidden = !v.refused;
    setText(refused, v.refused ?? '');
    const parking = isParkingLot(v);
    const sol = this.el.querySelector('#solution-space')!;
    sol.classList.toggle('parking-lot', parking);
    setText(this.el.querySelector('#solution-heading')!, parking ? 'Parking lot — solution ideas' : 'Solution space');
    setText(this.el.querySelector('#nav-solution-label')!, parking ? 'Parking lot' : 'Solution space');
    setText(
      this.el.querySelector('#solution-note')!,
      parking
        ? 'The problem is not signed off by every role yet. Park ideas here; shape them once PM, Engineering and Design agree on the problem.'
        : 'The problem is agreed. Shape the solution: options, approach, risks and trade-offs.',
    );
    renderDecisions(this);
    renderWeighedIn(this);
    renderConcerns(this);
    renderQuestions(this);
    if (this.commentsShown) renderComments(this);
  }

  /** Draws the comments for the first time (once the opened brief is painted). */
  showComments() {
    if (this.closed || this.commentsShown || !this.el) return;
    this.commentsShown = true;
    renderComments(this);
    api.metric('brief_comments', performance.now() - this.openedAt, String(this.view.comments.length));
  }

  heading(section: string): string {
    return this.view.layout.find((l) => l.section === section)?.heading ?? section;
  }

}

export async function openBrief(id: string, focusFirst = false) {
  if (app.session) app.session.close();
  window.__gw.screen = 'opening';
  const s = new BriefSession(id);
  app.session = s;
  window.__gw.session = s;
  try {
    await s.open();
    api.rememberBrief(id).catch(() => {});
    if (focusFirst) s.jumpTo(s.view.layout[0]?.section ?? 'problem');
  } catch (e) {
    fail(e);
    app.session = null;
    renderList();
  }
}

