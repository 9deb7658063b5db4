// "Since you last looked" (issue 15, point 4): when a brief opens, the sections other people
// changed since this device's person last had it open are marked — a banner naming them (who,
// how much), a badge on each section's heading — and "Show changes" lists exactly those
// changes word by word. "Mark as seen" clears it; closing the brief marks it seen too. The
// engine decides from what this device had then (a yrs snapshot), never from clocks, and this
// device's own edits never count (src/brief/since.rs).
import { api } from '../../api';
import { fail, showDialog } from '../../dialogs/dialog';
import { clear, h } from '../../dom';
import type { SectionChange } from '../../types';

export class SinceBanner {
  readonly el: HTMLElement;

  constructor(
    private brief: string,
    private heading: (section: string) => string,
    private jump: (section: string) => void,
  ) {
    this.el = h('section', { class: 'since-banner', id: 'since-banner', 'aria-label': 'Since you last looked', hidden: true });
  }

  async load() {
    try {
      this.render(await api.sinceLooked(this.brief));
    } catch (e) {
      console.error('since you last looked', e);
    }
  }

  render(changes: SectionChange[]) {
    clear(this.el);
    for (const b of document.querySelectorAll('.since-badge')) b.remove();
    this.el.hidden = changes.length === 0;
    if (changes.length === 0) return;
    const n = changes.length;
    const list = h(
      'ul',
      {},
      ...changes.map((c) =>
        h('li', { 'data-section': c.section }, h('button', { class: 'link', onclick: () => this.jump(c.section) }, `${this.heading(c.section)} — ${c.by.join(', ')} (+${c.inserted} −${c.deleted})`)),
      ),
    );
    this.el.append(
      h(
        'div',
        { class: 'receipt-head' },
        h('strong', {}, `${n} section${n === 1 ? '' : 's'} changed since you last looked`),
        h('span', {}, h('button', { id: 'since-show', onclick: () => this.show(changes) }, 'Show changes'), h('button', { id: 'since-seen', onclick: () => void this.seen() }, 'Mark as seen')),
      ),
      list,
    );
    for (const c of changes) {
      const head = document.querySelector(`#section-${c.section} .section-head`);
      head?.append(h('span', { class: 'since-badge', 'data-section': c.section, title: `Changed by ${c.by.join(', ')} since you last looked` }, `changed by ${c.by.map((b) => b.replace(/ \(.*\)$/, '')).join(', ')}`));
    }
  }

  show(changes: SectionChange[]) {
    showDialog(
      'Since you last looked',
      h(
        'div',
        { class: 'history-diff', id: 'since-diff' },
        ...changes.map((c) =>
          h(
            'section',
            { class: 'diff-section', 'data-section': c.section },
            h('div', { class: 'diff-head' }, h('strong', {}, this.heading(c.section)), h('span', { class: 'who' }, c.by.join(', '))),
            h('p', { class: 'diff-text' }, ...c.ops.map((o) => (o.op === 'insert' ? h('ins', {}, o.text) : o.op === 'delete' ? h('del', {}, o.text) : document.createTextNode(o.text)))),
          ),
        ),
      ),
      { wide: true },
    );
  }

  async seen() {
    try {
      await api.markSeen(this.brief);
      this.render([]);
    } catch (e) {
      fail(e);
    }
  }
}
