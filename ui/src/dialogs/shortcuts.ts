// The keyboard shortcuts dialog.
import { h } from '../dom';
import { SHORTCUTS } from '../logic';
import { showDialog } from './dialog';

export function showShortcuts() {
  const table = h('table', { class: 'shortcuts' });
  for (const s of SHORTCUTS) table.append(h('tr', {}, h('td', {}, h('kbd', {}, s.keys)), h('td', {}, s.label)));
  showDialog('Keyboard shortcuts', table);
}

