// The decision log panel and the form to log or revisit a decision.
import { api } from '../../api';
import { closeDialog, fail, showDialog, toast } from '../../dialogs/dialog';
import { clear, h } from '../../dom';
import { app } from '../../state';
import { type Decision, ROLES, ROLE_LABEL } from '../../types';
import { BriefSession } from './session';

export function renderDecisions(bs: BriefSession) {
  const box = bs.el.querySelector<HTMLElement>('#decisions')!;
  clear(box);
  box.append(h('div', { class: 'space-head' }, h('h2', {}, 'Decision log'), h('button', { id: 'add-decision', onclick: () => showDecisionForm(bs), title: 'Log a decision (Ctrl+Shift+D)' }, '+ Log a decision')));
  if (bs.view.decisions.length === 0) box.append(h('p', { class: 'muted' }, 'No decisions yet. Log what you decided, on what it rests, and what you gave up.'));
  for (const d of [...bs.view.decisions].reverse()) {
    const flagged = d.changed_since.length > 0;
    box.append(
      h(
        'article',
        { class: `decision${flagged ? ' flagged' : ''}`, 'data-id': d.id },
        h('div', { class: 'decision-top' }, h('strong', {}, d.decision), h('span', { class: 'muted small' }, `${d.date} · ${d.author}${d.decided_by.length ? ' · ' + d.decided_by.map((r) => ROLE_LABEL[r]).join(', ') : ''}`), h('button', { class: 'small', onclick: () => showDecisionForm(bs, d) }, 'Edit'), h('button', { class: 'small export-adr', title: 'Save this decision as an Architecture Decision Record (Markdown, MADR layout) for a review', onclick: () => exportAdr(bs, d) }, 'ADR')),
        flagged ? h('p', { class: 'flag', role: 'note' }, `⚠ Revisit: ${d.changed_since.map((s) => bs.heading(s)).join(', ')} changed since this was decided.`) : null,
        d.context ? h('p', {}, h('span', { class: 'label' }, 'Context '), d.context) : null,
        d.alternatives ? h('p', {}, h('span', { class: 'label' }, 'Alternatives '), d.alternatives) : null,
        d.tradeoffs ? h('p', {}, h('span', { class: 'label' }, 'Trade-offs '), d.tradeoffs) : null,
        d.rests_on.length ? h('p', { class: 'rests' }, h('span', { class: 'label' }, 'Rests on '), ...d.rests_on.map((s) => h('a', { href: '#', class: 'tag', onclick: (e: Event) => { e.preventDefault(); bs.jumpTo(s); } }, bs.heading(s)))) : null,
      ),
    );
  }
}

export function showDecisionForm(bs: BriefSession, existing?: Decision) {
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
  for (const r of ROLES) by.append(h('label', {}, h('input', { type: 'checkbox', value: r, checked: existing ? existing.decided_by.includes(r) : r === app.profile.role }), ROLE_LABEL[r]));
  const rests = h('div', { class: 'checks', id: 'decision-rests' });
  for (const s of bs.view.layout) rests.append(h('label', {}, h('input', { type: 'checkbox', value: s.section, checked: existing?.rests_on.includes(s.section) ?? false }), s.heading));
  const form = h(
    'form',
    { class: 'stack' },
    dl, decision, cl, context, al, alternatives, tl, tradeoffs,
    h('label', {}, 'Decided by'), by,
    h('label', {}, 'Rests on these sections (flagged if they change later)'), rests,
    existing && existing.changed_since.length
      ? h('p', { class: 'hint', id: 'decision-revisit' }, `Saving marks bs decision revisited: it will rest on ${existing.changed_since.map((s) => bs.heading(s)).join(', ')} as they read now.`)
      : null,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => closeDialog() }, 'Cancel'), h('button', { class: 'primary', type: 'submit', id: 'decision-save' }, existing ? 'Save decision' : 'Log decision')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const checked = (el: HTMLElement) => [...el.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);
    const body = { decision: decision.value, context: context.value, alternatives: alternatives.value, tradeoffs: tradeoffs.value, decided_by: checked(by), rests_on: checked(rests) };
    const ok = await bs.op(existing ? { op: 'edit_decision', id: existing.id, ...body } : { op: 'add_decision', ...body });
    if (ok) closeDialog();
  });
  showDialog(existing ? 'Edit decision' : 'Log a decision', form, { wide: true });
  decision.focus();
}

async function exportAdr(bs: BriefSession, d: Decision) {
  try {
    const r = await api.exportDecision(bs.id, d.id);
    if (r === null) return; // "Save as…" cancelled
    document.body.dataset.lastExport = r.path;
    toast(`ADR saved to ${r.path}`);
  } catch (e) {
    fail(e);
  }
}
