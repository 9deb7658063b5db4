// The rows of the brief list: one element per brief, kept while the brief shows the same. The
// engine sends a page of the list at a time (sorted, with the total); when the window scrolls
// near the last row, the next page is asked for. A library of thousands moves and redraws a
// few screens a keystroke, not every brief.
import { h } from '../dom';
import { relativeTime } from '../logic';
import type { LibraryEntry } from '../types';

/** Briefs asked for at a time: a few screens' worth. */
export const PAGE = 60;

/** What a row shows: a row is drawn again only when it changes. */
function rowKey(e: LibraryEntry): string {
  return JSON.stringify(e) + relativeTime(e.updated_at);
}

export class BriefRows {
  private rows = new Map<string, { key: string; el: HTMLElement }>();
  private entries: LibraryEntry[] = [];
  private total = 0;
  private readonly sentinel = h('li', { class: 'more', 'aria-hidden': 'true' });
  private readonly observer: IntersectionObserver;

  constructor(
    readonly list: HTMLElement,
    private readonly open: (id: string) => void,
    private readonly more: () => void,
  ) {
    this.observer = new IntersectionObserver((seen) => {
      if (seen.some((s) => s.isIntersecting)) this.grow();
    }, { rootMargin: '600px' });
    this.observer.observe(this.sentinel);
    list.addEventListener('keydown', (ev) => {
      const links = [...list.querySelectorAll<HTMLElement>('a')];
      const i = links.indexOf(document.activeElement as HTMLElement);
      if (ev.key === 'ArrowDown' && i < links.length - 1) {
        ev.preventDefault();
        links[i + 1].focus();
        if (i + 1 >= links.length - 5) this.grow();
      }
      if (ev.key === 'ArrowUp') {
        ev.preventDefault();
        if (i > 0) links[i - 1].focus();
        else document.getElementById('search')?.focus();
      }
    });
  }

  /** Shows these entries, in this order: the first of `total`. */
  show(entries: LibraryEntry[], total: number) {
    // the same page again (the list's refresh while nothing changed): nothing to redraw,
    // and the row in focus keeps it
    if (total === this.total && entries.length === this.entries.length && entries.every((e, i) => this.rows.get(e.id)?.key === rowKey(e) && this.entries[i].id === e.id)) return;
    this.entries = entries;
    this.total = total;
    this.draw();
  }

  /** How many rows are in the page now. */
  get drawn(): number {
    return this.entries.length;
  }

  private asked = -1;
  private grow() {
    // once per page: the next show() brings it
    if (this.entries.length >= this.total || this.asked === this.entries.length) return;
    this.asked = this.entries.length;
    this.more();
  }

  private draw() {
    const els: HTMLElement[] = [];
    const keep = new Map<string, { key: string; el: HTMLElement }>();
    for (const e of this.entries) {
      const key = rowKey(e);
      const old = this.rows.get(e.id);
      const row = old && old.key === key ? old : { key, el: this.row(e) };
      keep.set(e.id, row);
      els.push(row.el);
    }
    this.rows = keep;
    if (this.entries.length < this.total) els.push(this.sentinel);
    this.asked = -1;
    this.list.replaceChildren(...els);
  }

  private row(e: LibraryEntry): HTMLElement {
    const badges = h('div', { class: 'badges' });
    badges.append(
      h('span', { class: `badge ${e.signed === 3 ? 'ok' : e.stale ? 'warn' : ''}`, title: 'Problem sign-offs' }, `${e.signed}/3 signed${e.stale ? ` · ${e.stale} stale` : ''}`),
    );
    if (e.changed) badges.append(h('span', { class: 'badge news', 'data-changed': String(e.changed), title: 'Changed by others since you last had this brief open' }, `${e.changed} section${e.changed === 1 ? '' : 's'} changed since you last looked`));
    if (e.open_concerns) badges.append(h('span', { class: 'badge warn' }, `${e.open_concerns} open concern${e.open_concerns === 1 ? '' : 's'}`));
    if (e.joining) badges.append(h('span', { class: 'badge warn', title: 'This device asked to join; a member of the brief approves it' }, e.joining.startsWith('refused') ? 'Join refused' : 'Waiting for approval'));
    if (e.behind) badges.append(h('span', { class: 'badge warn', title: 'Devices that have not seen all of your changes' }, `${e.behind} device${e.behind === 1 ? '' : 's'} behind`));
    if (e.open_questions) badges.append(h('span', { class: 'badge' }, `${e.open_questions} question${e.open_questions === 1 ? '' : 's'}`));
    return h(
      'li',
      {},
      h(
        'a',
        { href: '#', class: 'brief-row', 'data-id': e.id, onclick: (ev: Event) => { ev.preventDefault(); this.open(e.id); } },
        h('div', { class: 'row-main' }, h('span', { class: 'title' }, e.title || 'Untitled'), h('span', { class: 'template' }, e.template_label)),
        h('p', { class: 'excerpt' }, e.matched || e.excerpt || h('span', { class: 'muted' }, 'No problem statement yet')),
        h('div', { class: 'row-meta' }, badges, h('time', { datetime: new Date(e.updated_at).toISOString(), title: new Date(e.updated_at).toLocaleString() }, relativeTime(e.updated_at))),
      ),
    );
  }

  /** Stops watching the scroll (the list screen is left). */
  close() {
    this.observer.disconnect();
  }
}
