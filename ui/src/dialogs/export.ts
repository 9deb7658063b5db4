// The export dialog (Markdown, HTML, JSON files).
import { api } from '../api';
import { h } from '../dom';
import { BriefSession } from '../screens/brief/session';
import { app } from '../state';
import { fail, showDialog, toast } from './dialog';

export function showExport(bs: BriefSession) {
  const result = h('p', { class: 'hint', id: 'export-result' }, `Files are saved in ${app.profile.export_dir}.`);
  const run = async (format: 'markdown' | 'html') => {
    try {
      const r = await api.exportBrief(bs.id, format);
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
      h('div', { class: 'actions start' }, h('button', { class: 'primary', id: 'export-markdown', onclick: () => run('markdown') }, 'Markdown'), h('button', { id: 'export-html', onclick: () => run('html') }, 'HTML')),
      result,
    ),
  );
}
