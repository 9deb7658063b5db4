// "Sync beyond this network" in the sharing dialog (issue 16): the brief's relays — a Yjs
// WebSocket server the team runs (y-websocket, y-sweet, Hocuspocus) — with who added each and
// whether this laptop uses it; adding one says first, and asks, that the server will hold the
// brief's whole text and that every member will be shown it (SYNC.md, "Relays").
import { api } from '../api';
import { clear, h } from '../dom';
import type { RelayView } from '../types';
import { errorText } from '../sync';

function row(brief: string, r: RelayView, refresh: () => Promise<void>, error: HTMLElement): HTMLElement {
  const who = r.by ? `added by ${r.by} (${r.role})${r.at ? ` · ${new Date(r.at).toLocaleDateString()}` : ''}` : 'arrives with the brief';
  const use = h('button', { class: 'use-relay' }, 'Use it here');
  use.addEventListener('click', async () => {
    try {
      await api.addRelay(brief, r.url, null, 'query');
      await refresh();
    } catch (e) {
      error.textContent = errorText(e);
      error.hidden = false;
    }
  });
  const stop = h('button', { class: 'remove-relay', title: 'Stop relaying this brief through this server, for every member' }, 'Remove');
  stop.addEventListener('click', async () => {
    try {
      await api.removeRelay(brief, r.url);
      await refresh();
    } catch (e) {
      error.textContent = errorText(e);
      error.hidden = false;
    }
  });
  return h(
    'li',
    { 'data-relay': r.url, 'data-used': String(r.used_here) },
    h('span', { class: 'relay-url' }, r.url),
    h('span', { class: 'muted small' }, who),
    h('span', { class: r.used_here ? 'ok' : 'muted' }, r.used_here ? 'used by this laptop' : 'not used by this laptop'),
    r.used_here ? null : use,
    stop,
  );
}

/** The "Sync beyond this network" part of the sharing dialog for the brief `brief`. */
export function relaysSection(brief: string): HTMLElement {
  const list = h('ul', { class: 'sync-devices', id: 'relays' });
  const error = h('p', { class: 'error', id: 'relay-error', hidden: true });
  const refresh = async () => {
    try {
      const relays = await api.relays(brief);
      clear(list);
      if (relays.length === 0) list.append(h('li', { class: 'muted' }, 'Not relayed: this brief syncs only with devices on your network.'));
      for (const r of relays) list.append(row(brief, r, refresh, error));
    } catch (e) {
      clear(list);
      list.append(h('li', { class: 'error' }, errorText(e)));
    }
  };
  const url = h('input', { id: 'relay-url', type: 'text', placeholder: 'wss://yjs.example.com/onboarding', spellcheck: 'false', autocomplete: 'off', 'aria-label': 'Relay address' }) as HTMLInputElement;
  const token = h('input', { id: 'relay-token', type: 'password', placeholder: 'Token (if the server asks for one)', autocomplete: 'off', 'aria-label': 'Token' }) as HTMLInputElement;
  const tokenIn = h('select', { id: 'relay-token-in', 'aria-label': 'Where the token goes' }, h('option', { value: 'query' }, 'in the address'), h('option', { value: 'header' }, 'in a header')) as HTMLSelectElement;
  const confirmBox = h('div', { class: 'relay-confirm', id: 'relay-confirm', hidden: true });
  const form = h('form', { class: 'toolbar', id: 'add-relay' }, url, token, tokenIn, h('button', { type: 'submit', id: 'add-relay-submit' }, 'Relay…'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    error.hidden = true;
    if (!url.value.trim()) return url.focus();
    // say what the server sees, and ask
    clear(confirmBox);
    const yes = h('button', { type: 'button', class: 'primary', id: 'relay-confirm-yes' }, 'Relay this brief');
    const no = h('button', { type: 'button', id: 'relay-confirm-no' }, 'Cancel');
    confirmBox.append(
      h('p', {}, h('strong', {}, 'The server at ', url.value.trim(), ' will hold this brief’s whole text'), ' — every section, the decision log, concerns, comments and who is in the brief — and so can anyone its token lets into the room. Every member will be shown that the brief is relayed there, and that you added it.'),
      h('div', { class: 'actions start' }, yes, no),
    );
    confirmBox.hidden = false;
    no.addEventListener('click', () => (confirmBox.hidden = true));
    yes.addEventListener('click', async () => {
      try {
        await api.addRelay(brief, url.value, token.value || null, tokenIn.value as 'query' | 'header');
        confirmBox.hidden = true;
        url.value = '';
        token.value = '';
        await refresh();
      } catch (err) {
        confirmBox.hidden = true;
        error.textContent = errorText(err);
        error.hidden = false;
      }
    });
    yes.focus();
  });
  void refresh();
  return h(
    'div',
    { class: 'stack', id: 'relay-section' },
    h('h3', {}, 'Sync beyond this network'),
    h('p', { class: 'hint' }, 'For teammates at home or in another office: relay this brief through a Yjs server your team runs (y-websocket, y-sweet, Hocuspocus). The address names the server and the room (wss://host/room).'),
    list,
    form,
    confirmBox,
    error,
  );
}
