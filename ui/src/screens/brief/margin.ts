// Comment threads in the margin beside their text (issue 15, point 1): once the brief has an
// open thread, each section has a margin column (hidden in windows too narrow for it, where the
// Comments panel lists them); every open thread on words still there is a card level with its
// highlighted words
// (src/body/anchors.ts draws the highlight), pushed down when it would cover the card above.
// A card shows who commented, the start of the comment and how many replies; a click opens
// the thread in the Comments panel (reply box focused) and marks its words. The margin follows
// the text as it moves: after each edit, a view refresh, and a resize, once per frame (and
// not while a mouse button is down).
import { clear, h } from '../../dom';
import { afterPointer } from '../../pointer';
import type { CommentThread } from '../../types';
import type { BriefSession } from './session';

/** Space between two cards that would overlap (px). */
const GAP = 6;

/** The margin element of a section. */
function marginOf(bs: BriefSession, section: string): HTMLElement | null {
  return bs.el.querySelector<HTMLElement>(`[data-margin="${section}"]`);
}

function card(bs: BriefSession, t: CommentThread): HTMLElement {
  const first = t.replies[0];
  const more = t.replies.length - 1;
  const text = first?.text ?? '';
  return h(
    'button',
    {
      class: 'margin-thread',
      'data-thread': t.id,
      title: `On “${t.anchored ?? t.quote}”`,
      onclick: () => openThread(bs, t.id),
    },
    h('span', { class: 'who' }, first ? `${first.author} · ${first.role}` : ''),
    h('span', { class: 'what' }, text.length > 140 ? `${text.slice(0, 139)}…` : text),
    more > 0 ? h('span', { class: 'muted small' }, `${more} repl${more === 1 ? 'y' : 'ies'}`) : null,
  );
}

/** Shows a thread in the Comments panel, its reply box focused, its words marked. */
export function openThread(bs: BriefSession, id: string) {
  const item = bs.el.querySelector<HTMLElement>(`#threads .thread[data-thread="${id}"]`);
  item?.scrollIntoView({ block: 'nearest' });
  item?.querySelector<HTMLInputElement>('.reply-text')?.focus({ preventScroll: true });
  for (const el of bs.el.querySelectorAll('.gw-comment.active, .margin-thread.active, .thread.active')) el.classList.remove('active');
  for (const el of bs.el.querySelectorAll(`[data-thread="${id}"]`)) el.classList.add('active');
}

/** Draws every section's margin cards from the brief's view, then places them. */
export function renderMargin(bs: BriefSession) {
  const open = bs.view.comments.filter((t) => !t.resolved && t.anchored !== null);
  bs.el.querySelector('#doc')?.classList.toggle('with-margin', open.length > 0);
  for (const s of bs.view.layout) {
    const margin = marginOf(bs, s.section);
    if (!margin) continue;
    clear(margin);
    margin.append(...open.filter((t) => t.section === s.section).map((t) => card(bs, t)));
  }
  placeMargin(bs);
}

const scheduled = new WeakSet<BriefSession>();

/** Places the margin cards again on the next frame (after an edit moved the text). */
export function scheduleMargin(bs: BriefSession) {
  if (scheduled.has(bs)) return;
  scheduled.add(bs);
  requestAnimationFrame(() => {
    scheduled.delete(bs);
    // a card does not move from under a press (its click would land beside it): pointer.ts
    afterPointer('margin', () => !bs.closed && placeMargin(bs));
  });
}

/** Puts each card level with the top of its words, or right below the card above it. */
export function placeMargin(bs: BriefSession) {
  for (const margin of bs.el.querySelectorAll<HTMLElement>('[data-margin]')) {
    const cards = [...margin.querySelectorAll<HTMLElement>('.margin-thread')];
    if (cards.length === 0) continue;
    const top = margin.getBoundingClientRect().top;
    const section = margin.closest<HTMLElement>('.section');
    // the first highlighted piece of each thread's words (a section shown as text has none
    // yet), found in one pass over the section
    const words = new Map<string, HTMLElement>();
    for (const w of section?.querySelectorAll<HTMLElement>('.gw-comment[data-thread]') ?? []) {
      if (!words.has(w.dataset.thread!)) words.set(w.dataset.thread!, w);
    }
    // everything is measured before anything moves: a write between two reads would lay
    // the page out again for every card
    const want = cards.map((c) => {
      const w = words.get(c.dataset.thread!);
      return { c, y: w ? w.getBoundingClientRect().top - top : 0, height: c.offsetHeight };
    });
    want.sort((x, y) => x.y - y.y);
    let below = 0;
    const tops = want.map(({ y, height }) => {
      const at = Math.max(y, below);
      below = at + height + GAP;
      return at;
    });
    want.forEach(({ c }, i) => (c.style.top = `${Math.round(tops[i])}px`));
    // the margin is as tall as its cards need, so the last card is never cut off
    margin.style.minHeight = `${Math.ceil(below)}px`;
  }
}
