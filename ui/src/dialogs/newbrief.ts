// The new-brief dialog: title and template.
import { api } from '../api';
import { h } from '../dom';
import { openBrief } from '../screens/brief/session';
import { app } from '../state';
import { errorText } from '../sync';
import { closeDialog, showDialog } from './dialog';

export function showNewBrief() {
  let template = app.templates[0]?.id ?? 'problem-first';
  const title = h('input', { id: 'new-title', type: 'text', placeholder: 'What problem is this about?', maxlength: 200, autofocus: true });
  const cards = h('div', { class: 'templates', role: 'radiogroup', 'aria-label': 'Template' });
  for (const t of app.templates) {
    const card = h(
      'button',
      {
        type: 'button',
        class: `template-card${t.id === template ? ' on' : ''}`,
        'data-template': t.id,
        role: 'radio',
        'aria-checked': String(t.id === template),
        onclick: () => {
          template = t.id;
          cards.querySelectorAll('button').forEach((b) => {
            b.classList.toggle('on', b === card);
            b.setAttribute('aria-checked', String(b === card));
          });
        },
      },
      h('strong', {}, t.label),
      h('span', { class: 'muted' }, t.sections.map(([, heading]) => heading).join(' · ')),
    );
    cards.append(card);
  }
  const error = h('p', { class: 'error', hidden: true });
  const form = h(
    'form',
    { class: 'stack' },
    h('label', { for: 'new-title' }, 'Title'),
    title,
    h('label', {}, 'Template'),
    cards,
    error,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => closeDialog() }, 'Cancel'), h('button', { class: 'primary', type: 'submit', id: 'create-brief' }, 'Create brief')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const id = await api.createBrief(title.value, template);
      closeDialog();
      await openBrief(id, true);
    } catch (err) {
      error.hidden = false;
      error.textContent = errorText(err);
    }
  });
  showDialog('New brief', form, { wide: true });
  title.focus();
}

