// The join-with-invite-code dialog.
import { api } from '../api';
import { h } from '../dom';
import { renderList } from '../screens/library';
import { errorText } from '../sync';
import { closeDialog, showDialog, toast } from './dialog';

export function showJoin() {
  const code = h('input', { id: 'join-code', type: 'text', placeholder: 'gw1…', spellcheck: 'false', autocomplete: 'off', autofocus: true });
  const error = h('p', { class: 'error', hidden: true });
  const form = h(
    'form',
    { class: 'stack' },
    h('p', { class: 'hint' }, 'Paste the invite code a teammate shared. The brief fills in as soon as a device that holds it is reachable on this network.'),
    code,
    error,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => closeDialog() }, 'Cancel'), h('button', { class: 'primary', type: 'submit', id: 'join-submit' }, 'Join')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api.joinBrief(code.value);
      closeDialog();
      toast('Joined. The brief fills in when a teammate’s device is reached.');
      renderList();
    } catch (err) {
      error.hidden = false;
      error.textContent = errorText(err);
    }
  });
  showDialog('Join a brief', form);
  code.focus();
}

