// The export dialog: Markdown, PDF (laid out by the engine, src/pdf) or HTML, saved through "Save as…" (src-tauri/src/files.rs).
import { api } from '../api';
import { h } from '../dom';
import { BriefSession } from '../screens/brief/session';
import { app } from '../state';
import { fail, showDialog, toast } from './dialog';

export function showExport(bs: BriefSession) {
  const where = app.profile.export_dir ? `Files are saved in ${app.profile.export_dir}.` : 'Choose where to save it; the folder you used last is offered first.';
  const result = h('p', { class: 'hint', id: 'export-result' }, where);
  const run = async (format: 'markdown' | 'html' | 'pdf') => {
    try {
      const r = await api.exportBrief(bs.id, format);
      if (r === null) return; // "Save as…" cancelled
      result.textContent = `Exported to ${r.path}`;
      result.dataset.path = r.path;
      toast(`Exported to ${r.path}`);
    } catch (e) {
      fail(e);
    }
  };
  showDialog(
    'Export',
    h(
      'div',
      { class: 'stack' },
      h('div', { class: 'actions start' }, h('button', { class: 'primary', id: 'export-markdown', onclick: () => run('markdown') }, 'Markdown'), h('button', { id: 'export-pdf', onclick: () => run('pdf') }, 'PDF'), h('button', { id: 'export-html', onclick: () => run('html') }, 'HTML')),
      result,
    ),
  );
}
