// The concerns panel: concerns by role and the form to raise one.
import { closeDialog, showDialog } from '../../dialogs/dialog';
import { clear, h } from '../../dom';
import { concernsByRole, relativeTime } from '../../logic';
import { app } from '../../state';
import { CONCERN_KINDS, CONCERN_STATUSES, ROLES, ROLE_LABEL, type Role } from '../../types';
import { roleChooser } from '../firstrun';
import { BriefSession } from './session';

export function renderConcerns(bs: BriefSession) {
  const panel = bs.el.querySelector<HTMLElement>('#concerns')!;
  clear(panel);
  panel.append(h('div', { class: 'panel-head' }, h('h3', {}, 'Concerns'), h('button', { class: 'small', id: 'add-concern', onclick: () => showConcernForm(bs), title: 'Raise a concern (Ctrl+Shift+C)' }, '+ Raise')));
  const by = concernsByRole(bs.view.concerns);
  for (const role of ROLES) {
    const list = by[role];
    const group = h('div', { class: 'concern-group', 'data-role': role }, h('h4', {}, ROLE_LABEL[role], h('span', { class: 'muted' }, list.length ? ` · ${list.filter((c) => c.status === 'open').length} open` : ' · none')));
    for (const c of list) {
      const status = h('select', { class: 'status', 'aria-label': 'Status', 'data-concern': c.id });
      for (const [v, l] of CONCERN_STATUSES) status.append(h('option', { value: v }, l));
      status.value = c.status;
      status.addEventListener('change', () => bs.op({ op: 'set_concern_status', id: c.id, status: status.value }));
      group.append(
        h('div', { class: `concern ${c.status}`, 'data-id': c.id }, h('div', { class: 'concern-top' }, h('span', { class: 'kind' }, CONCERN_KINDS.find(([k]) => k === c.kind)?.[1] ?? c.kind), status), h('p', {}, c.text), h('span', { class: 'muted small' }, `${c.author} · ${relativeTime(Date.parse(c.created_at))}`)),
      );
    }
    panel.append(group);
  }
}

export function showConcernForm(bs: BriefSession) {
  let role: Role = app.profile.role;
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
    if (await bs.op({ op: 'add_concern', role, kind: kind.value, text: text.value })) closeDialog();
  });
  showDialog('Raise a concern', form);
  text.focus();
}
