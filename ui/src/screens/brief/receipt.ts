// The merge receipt of the open brief: what arrived from others after being apart (a
// reconnect, or relayed later through another peer) — the parts changed elsewhere, those
// changed on both sides (marked for review, with who), sign-offs that went stale and decisions
// whose sections changed. Each item jumps to its part; the receipt stays until dismissed.
// The engine keeps it (src/brief/receipt.rs); it comes with the sync status.
import { clear, h } from '../../dom';
import { partTarget, receiptLine } from '../../logic';
import { api } from '../../api';
import { ROLE_LABEL } from '../../types';
import type { MergeReceipt, Part } from '../../types';

export class ReceiptBanner {
  readonly el: HTMLElement;
  private shown = '';

  constructor(
    private brief: string,
    private label: (p: Part) => string,
    private jump: (target: string) => void,
  ) {
    this.el = h('section', { class: 'merge-receipt', id: 'merge-receipt', 'aria-label': 'What merged while apart', hidden: true });
  }

  render(r: MergeReceipt | null) {
    const key = JSON.stringify(r);
    if (key === this.shown) return;
    this.shown = key;
    clear(this.el);
    this.el.hidden = !r;
    if (!r) return;
    const list = h('ul', {});
    for (const item of r.items) {
      list.append(
        h(
          'li',
          { 'data-part': partTarget(item.part), 'data-both': String(item.both), class: item.both ? 'review' : '' },
          h('button', { class: 'link', onclick: () => this.jump(partTarget(item.part)) }, receiptLine(item, this.label)),
        ),
      );
    }
    for (const role of r.stale_signoffs)
      list.append(h('li', { 'data-stale': role }, h('button', { class: 'link', onclick: () => this.jump('weighed-in') }, `${ROLE_LABEL[role]} sign-off went stale`)));
    for (const d of r.flagged_decisions)
      list.append(
        h('li', { 'data-decision': d.id }, h('button', { class: 'link', onclick: () => this.jump('decisions') }, `Decision “${d.decision}” rests on changed ${d.sections.map((s) => this.label({ kind: 'section', section: s })).join(', ')}`)),
      );
    this.el.append(
      h('div', { class: 'receipt-head' }, h('strong', {}, 'Merged while you were apart'), h('button', { id: 'dismiss-receipt', onclick: () => void this.dismiss() }, 'Dismiss')),
      list,
    );
  }

  async dismiss() {
    try {
      await api.dismissReceipt(this.brief);
      this.render(null);
    } catch (e) {
      console.error('dismiss receipt', e);
    }
  }
}
