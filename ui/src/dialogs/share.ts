// The share dialog: invite codes and this device's address.
import { api } from '../api';
import { h } from '../dom';
import { BriefSession } from '../screens/brief/session';
import { app } from '../state';
import { fail, showDialog } from './dialog';

export async function showShare(bs: BriefSession) {
  let code: string;
  try {
    code = await api.inviteBrief(bs.id);
  } catch (e) {
    fail(e);
    return;
  }
  const field = h('input', { id: 'invite-code', type: 'text', value: code, readonly: true, spellcheck: 'false' });
  const copy = h('button', { class: 'primary', id: 'copy-invite' }, 'Copy');
  copy.addEventListener('click', async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(code);
    } catch {
      document.execCommand('copy');
    }
    copy.textContent = 'Copied';
  });
  showDialog(
    'Share bs brief',
    h(
      'div',
      { class: 'stack' },
      h('p', { class: 'hint' }, 'Anyone with bs code can read and edit the brief when their device meets yours on the local network (no server involved). Share it only with teammates.'),
      h('div', { class: 'toolbar' }, field, copy),
      h('p', { class: 'hint' }, `This device listens on ${app.profile.listen ?? 'no address'}; teammates find it automatically on the LAN.`),
    ),
  );
  field.select();
}
