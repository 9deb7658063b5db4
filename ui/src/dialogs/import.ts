// Importing Markdown: "Open…" through the platform's file dialog (the shell reads the file,
// src-tauri/src/files.rs), a file dropped onto the window (./drop.ts), or Markdown pasted into
// the import dialog.
import { api } from '../api';
import { h } from '../dom';
import { openBrief } from '../screens/brief/session';
import { errorText } from '../sync';
import { closeDialog, fail, showDialog, toast } from './dialog';

/** "Open…": the platform's dialog; the chosen file becomes a new brief, which opens. */
export async function openMarkdownFile() {
  try {
    const id = await api.openMarkdown();
    if (id === null) return; // cancelled
    closeDialog();
    toast('Imported');
    await openBrief(id);
  } catch (e) {
    fail(e);
  }
}

/** Markdown text (pasted or dropped) imported as a new brief, which opens. */
export async function importText(markdown: string) {
  const id = await api.importMarkdown(markdown);
  closeDialog();
  toast('Imported');
  await openBrief(id);
}

export function showImport() {
  const text = h('textarea', { id: 'import-text', rows: 12, placeholder: '# Title\n\n## Problem space\n\n### Problem statement\n\n…', spellcheck: 'false' });
  const error = h('p', { class: 'error', hidden: true });
  const form = h(
    'form',
    { class: 'stack' },
    h('p', { class: 'hint' }, 'Open a Markdown file (or drop one onto the window), or paste Markdown. Headings that match a template’s sections fill those sections; a Groundwork export comes back whole.'),
    h('div', { class: 'actions start' }, h('button', { type: 'button', id: 'import-open', class: 'primary', onclick: () => void openMarkdownFile() }, 'Open file…  (Ctrl+O)')),
    text,
    error,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => closeDialog() }, 'Cancel'), h('button', { type: 'submit', id: 'import-submit' }, 'Import pasted text')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await importText(text.value);
    } catch (err) {
      error.hidden = false;
      error.textContent = errorText(err);
    }
  });
  showDialog('Import Markdown', form, { wide: true });
}
