// The join-with-invite-code dialog.
import { api } from '../api';
import { h } from '../dom';
import { renderList } from '../screens/library';
import { errorText } from '../sync';
import { closeDialog, showDialog, toast } from './dialog';

export function showJoin() {
  const code = h('input', { id: 'join-code', type: 'text', placeholder: 'gw2…', spellcheck: 'false', autocomplete: 'off', autofocus: true });
  const error = h('p', { class: 'error', hidden: true });
  const form = h(
    'form',
    { class: 'stack' },
    h('p', { class: 'hint' }, 'Paste the invite code a teammate shared. Your device then asks the brief’s members; the brief fills in once one of them approves it.'),
    code,
    error,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => closeDialog() }, 'Cancel'), h('button', { class: 'primary', type: 'submit', id: 'join-submit' }, 'Join')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api.joinBrief(code.value);
      closeDialog();
      toast('Asked to join. The brief fills in once a member approves this device.');
      renderList();
    } catch (err) {
      error.hidden = false;
      error.textContent = errorText(err);
    }
  });
  showDialog('Join a brief', form);
  code.focus();
}

