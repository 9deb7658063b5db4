// The open-questions panel.
import { clear, h } from '../../dom';
import { BriefSession } from './session';

export function renderQuestions(bs: BriefSession) {
  const panel = bs.el.querySelector<HTMLElement>('#questions')!;
  clear(panel);
  const input = bs.questionInput;
  if (!input.dataset.wired) {
    input.dataset.wired = '1';
    input.addEventListener('keydown', async (e) => {
      if (e.key === 'Enter' && input.value.trim()) {
        e.preventDefault();
        const text = input.value;
        input.value = '';
        if (!(await bs.op({ op: 'add_question', text }))) input.value = text;
        input.focus();
      }
    });
  }
  const hadFocus = document.activeElement === input;
  const open = bs.view.questions.filter((q) => !q.resolved);
  const done = bs.view.questions.filter((q) => q.resolved);
  panel.append(h('h3', {}, 'Open questions', h('span', { class: 'muted' }, ` · ${open.length}`)), input);
  const list = h('ul', { class: 'questions' });
  for (const q of [...open, ...done]) {
    const box = h('input', { type: 'checkbox', checked: q.resolved, 'aria-label': 'Resolved', 'data-question': q.id });
    box.addEventListener('change', () => bs.op({ op: 'resolve_question', id: q.id, resolved: box.checked }));
    list.append(h('li', { class: q.resolved ? 'resolved' : '' }, h('label', {}, box, h('span', {}, q.text)), h('span', { class: 'muted small' }, q.author)));
  }
  panel.append(list);
  if (hadFocus) input.focus();
}
