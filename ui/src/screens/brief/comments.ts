// The comments panel (issue 15, point 1): every thread of the brief, filtered by open/resolved,
// role and tag (problem or solution), each with the words it is on — or "on deleted text" with
// its quote — its replies, a reply box, resolve/reopen, its tag, and one click to turn it into
// a concern or an open question. "Comment" (Ctrl+Alt+M) starts a thread on the words selected
// in a section. The threads' words are highlighted in the editors (../../body/anchors.ts), and
// each open thread also sits in the margin beside its words (./margin.ts).
import { drawAnchors } from '../../body/anchors';
import { pmToY } from '../../body/binding';
import { closeDialog, showDialog, toast } from '../../dialogs/dialog';
import { clear, h } from '../../dom';
import { CONCERN_KINDS, type CommentThread } from '../../types';
import { renderMargin } from './margin';
import type { BriefSession } from './session';

const filters = { status: 'open', role: '', tag: '' };

/** Starts a thread on the words selected in the focused section editor. */
export function startComment(bs: BriefSession) {
  const found = [...bs.editors.entries()].find(([, e]) => e.view.hasFocus() || !e.state.selection.empty);
  if (!found || found[1].state.selection.empty) {
    toast('Select the words to comment on first', 'error');
    return;
  }
  const [section, editor] = found;
  const { from, to } = editor.state.selection;
  const doc = editor.state.doc;
  const index = pmToY(doc, from);
  const len = pmToY(doc, to) - index;
  const quote = doc.textBetween(from, to, '\n');
  const text = h('textarea', { id: 'comment-text', rows: 4, placeholder: 'Your comment' }) as HTMLTextAreaElement;
  const form = h(
    'form',
    { class: 'stack' },
    h('blockquote', { class: 'quote' }, quote),
    text,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => closeDialog() }, 'Cancel'), h('button', { class: 'primary', type: 'submit', id: 'comment-submit' }, 'Comment')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!text.value.trim()) return text.focus();
    if (await bs.op({ op: 'add_comment', section, index, len, text: text.value })) closeDialog();
  });
  showDialog('Comment', form);
  text.focus();
}

function thread(bs: BriefSession, t: CommentThread): HTMLElement {
  const reply = h('input', { class: 'reply-text', placeholder: 'Reply… (Enter)', 'aria-label': 'Reply' }) as HTMLInputElement;
  reply.addEventListener('keydown', async (e) => {
    if (e.key === 'Enter' && reply.value.trim()) {
      e.preventDefault();
      const text = reply.value;
      reply.value = '';
      if (!(await bs.op({ op: 'reply_comment', thread: t.id, text }))) reply.value = text;
    }
  });
  const kind = h('select', { class: 'to-concern', 'aria-label': 'Turn into a concern' }, h('option', { value: '' }, '→ Concern…'), ...CONCERN_KINDS.map(([k, label]) => h('option', { value: k }, label)));
  kind.addEventListener('change', () => {
    if ((kind as HTMLSelectElement).value) void bs.op({ op: 'comment_to_entry', thread: t.id, kind: (kind as HTMLSelectElement).value });
  });
  const tag = h('select', { class: 'tag', 'aria-label': 'Problem or solution' }, h('option', { value: 'problem', selected: t.tag === 'problem' }, 'problem'), h('option', { value: 'solution', selected: t.tag === 'solution' }, 'solution'));
  tag.addEventListener('change', () => void bs.op({ op: 'tag_comment', thread: t.id, tag: (tag as HTMLSelectElement).value }));
  const on = t.anchored !== null ? h('button', { class: 'link on', onclick: () => bs.jumpTo(t.section) }, `“${t.anchored}”`) : h('span', { class: 'on deleted' }, `on deleted text: “${t.quote}”`);
  return h(
    'li',
    { class: `thread${t.resolved ? ' resolved' : ''}`, 'data-thread': t.id, 'data-state': t.resolved ? 'resolved' : 'open', 'data-deleted': String(t.anchored === null) },
    h('div', { class: 'thread-head' }, h('span', { class: 'muted small' }, bs.heading(t.section)), tag),
    on,
    h('ul', { class: 'replies' }, ...t.replies.map((r) => h('li', {}, h('strong', {}, `${r.author} · ${r.role}`), ' ', r.text))),
    t.linked ? h('p', { class: 'muted small linked' }, t.linked.startsWith('concern:') ? 'Turned into a concern' : 'Turned into a question') : null,
    reply,
    h(
      'div',
      { class: 'actions start' },
      h('button', { class: 'resolve', onclick: () => void bs.op({ op: 'resolve_comment', thread: t.id, resolved: !t.resolved }) }, t.resolved ? 'Reopen' : 'Resolve'),
      t.linked ? null : kind,
      t.linked ? null : h('button', { class: 'to-question', onclick: () => void bs.op({ op: 'comment_to_entry', thread: t.id }) }, '→ Question'),
    ),
  );
}

export function renderComments(bs: BriefSession) {
  const panel = bs.el.querySelector<HTMLElement>('#comments');
  if (!panel) return;
  const focused = document.activeElement;
  if (focused instanceof HTMLInputElement && panel.contains(focused) && focused.value) return; // typing a reply
  clear(panel);
  const all = bs.view.comments;
  const open = all.filter((t) => !t.resolved).length;
  const select = (name: keyof typeof filters, options: [string, string][]) => {
    const s = h('select', { 'data-filter': name, 'aria-label': name }, ...options.map(([v, l]) => h('option', { value: v, selected: filters[name] === v }, l))) as HTMLSelectElement;
    s.addEventListener('change', () => {
      filters[name] = s.value;
      renderComments(bs);
    });
    return s;
  };
  const shown = all.filter(
    (t) =>
      (filters.status === 'all' || (filters.status === 'open') === !t.resolved) &&
      (!filters.tag || t.tag === filters.tag) &&
      (!filters.role || t.replies[0]?.role === filters.role),
  );
  panel.append(
    h('div', { class: 'panel-head' }, h('h3', {}, 'Comments', h('span', { class: 'muted' }, ` · ${open} open`)), h('button', { id: 'comment-button', title: 'Comment on the selected words (Ctrl+Alt+M)', onclick: () => startComment(bs) }, '+ Comment')),
    h(
      'div',
      { class: 'filters' },
      select('status', [
        ['open', 'Open'],
        ['resolved', 'Resolved'],
        ['all', 'All'],
      ]),
      select('role', [
        ['', 'Any role'],
        ['pm', 'PM'],
        ['engineer', 'Engineer'],
        ['designer', 'Designer'],
      ]),
      select('tag', [
        ['', 'Problem and solution'],
        ['problem', 'Problem'],
        ['solution', 'Solution'],
      ]),
    ),
    h('ul', { class: 'threads', id: 'threads' }, ...shown.map((t) => thread(bs, t))),
  );
  for (const [section, e] of bs.editors) drawAnchors(e.view, section, all);
  renderMargin(bs);
}
