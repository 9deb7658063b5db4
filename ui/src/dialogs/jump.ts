// The jump-to-section dialog.
import { clear, h } from '../dom';
import { filterSections } from '../logic';
import { BriefSession } from '../screens/brief/session';
import { closeDialog, showDialog } from './dialog';

export function showJump(bs: BriefSession) {
  const items = [
    ...bs.view.layout.map((s) => ({ id: s.section, heading: s.heading, space: s.problem_space ? 'Problem' : 'Solution' })),
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
    bs.jumpTo(id);
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
