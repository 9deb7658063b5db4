// The Markdown import dialog.
import { api } from '../api';
import { h } from '../dom';
import { openBrief } from '../screens/brief/session';
import { errorText } from '../sync';
import { closeDialog, showDialog, toast } from './dialog';

export function showImport() {
  const text = h('textarea', { id: 'import-text', rows: 12, placeholder: '# Title\n\n## Problem space\n\n### Problem statement\n\n…', spellcheck: 'false' });
  const file = h('input', { type: 'file', accept: '.md,.markdown,text/markdown,text/plain', id: 'import-file' });
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (f) text.value = await f.text();
  });
  const error = h('p', { class: 'error', hidden: true });
  const form = h(
    'form',
    { class: 'stack' },
    h('p', { class: 'hint' }, 'Choose a Markdown file, or paste Markdown. Headings that match a template’s sections fill those sections; a Groundwork export comes back whole.'),
    file,
    text,
    error,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => closeDialog() }, 'Cancel'), h('button', { class: 'primary', type: 'submit', id: 'import-submit' }, 'Import')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const id = await api.importMarkdown(text.value);
      closeDialog();
      toast('Imported');
      await openBrief(id);
    } catch (err) {
      error.hidden = false;
      error.textContent = errorText(err);
    }
  });
  showDialog('Import Markdown', form, { wide: true });
}

