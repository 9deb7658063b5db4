// "People and devices" for the open brief: the invite code with one-click copy (a new one
// single-use or valid for chosen days on request), who may sync the brief (dialogs/roster.ts), the devices
// this one has met (found on the LAN, added by address, or that dialled in), connected now or
// when last seen, and adding a device by address for networks that block multicast. Joining a
// brief someone else shared is "Join…" on the brief list (dialogs/join.ts).
import { relaysSection } from './relays';
import { api } from '../api';
import { clear, h } from '../dom';
import { relativeTime } from '../logic';
import { BriefSession } from '../screens/brief/session';
import { app } from '../state';
import { errorText } from '../sync';
import { fail, showDialog } from './dialog';
import { watchRoster } from './roster';
import type { KnownDevice } from '../types';

const HOW: Record<string, string> = { mdns: 'found on this network', dialed: 'dialled by this device', incoming: 'dialled in', manual: 'added by address' };

export function deviceRow(d: KnownDevice, now = Date.now()): HTMLElement {
  return h(
    'li',
    { 'data-device': d.device, 'data-connected': String(d.connected) },
    h('span', { class: 'device-name' }, d.name || `device ${d.device.slice(0, 12)}`),
    h('span', { class: 'muted' }, d.address || '—'),
    h('span', { class: 'muted' }, HOW[d.source] ?? d.source),
    h('span', { class: d.connected ? 'ok' : 'muted' }, d.connected ? 'connected now' : `last seen ${relativeTime(d.last_seen, now)}`),
  );
}

export async function showShare(bs: BriefSession) {
  let code: string;
  try {
    code = await api.inviteBrief(bs.id);
  } catch (e) {
    fail(e);
    return;
  }
  const field = h('input', { id: 'invite-code', type: 'text', value: code, readonly: true, spellcheck: 'false', 'aria-label': 'Invite code' });
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
  const days = h('input', { id: 'invite-days', type: 'number', min: '1', max: '365', value: '7', 'aria-label': 'Days the code stays valid' });
  const single = h('input', { id: 'invite-single', type: 'checkbox', 'aria-label': 'Single use' });
  const fresh = h('button', { id: 'new-invite' }, 'New code');
  const inviteError = h('p', { class: 'error', id: 'invite-error', hidden: true });
  fresh.addEventListener('click', async () => {
    inviteError.hidden = true;
    try {
      code = await api.inviteBrief(bs.id, { days: Number(days.value), single_use: single.checked, ask: true });
      field.value = code;
      copy.textContent = 'Copy';
      field.select();
    } catch (err) {
      inviteError.textContent = errorText(err);
      inviteError.hidden = false;
    }
  });
  const roster = h('ul', { class: 'sync-devices', id: 'roster' });
  const joining = h('p', { class: 'hint', id: 'join-state', hidden: true });
  const list = h('ul', { class: 'sync-devices', id: 'known-devices' });
  const refresh = async () => {
    try {
      const devices = await api.devices();
      clear(list);
      if (devices.length === 0) list.append(h('li', { class: 'muted' }, 'No device met yet.'));
      for (const d of devices) list.append(deviceRow(d));
    } catch (e) {
      clear(list);
      list.append(h('li', { class: 'error' }, errorText(e)));
    }
  };
  const address = h('input', { id: 'peer-address', type: 'text', placeholder: '192.168.1.20:7471', spellcheck: 'false', autocomplete: 'off', 'aria-label': 'Device address' });
  const error = h('p', { class: 'error', id: 'peer-error', hidden: true });
  const add = h(
    'form',
    { class: 'toolbar', id: 'add-peer' },
    address,
    h('button', { type: 'submit', id: 'add-peer-submit' }, 'Add device'),
  );
  add.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    try {
      await api.addPeer(address.value);
      address.value = '';
      await refresh();
    } catch (err) {
      error.textContent = errorText(err);
      error.hidden = false;
    }
  });
  showDialog(
    'People and devices',
    h(
      'div',
      { class: 'stack' },
      h('h3', {}, 'Invite a teammate'),
      h('p', { class: 'hint' }, 'A device that joins with this code asks to join; it receives nothing until a member of the brief approves it here. The code expires, and can be single-use.'),
      h('div', { class: 'toolbar' }, field, copy),
      h('div', { class: 'toolbar' }, h('label', {}, 'Valid for ', days, ' days'), h('label', {}, single, ' Single use'), fresh),
      inviteError,
      h('h3', {}, 'Who is in this brief'),
      joining,
      roster,
      h('h3', {}, 'Devices'),
      list,
      h('p', { class: 'hint' }, `This device listens on ${app.profile.listen ?? 'no address'}; teammates on the same network find it automatically. Where the network blocks that, add a device by its address:`),
      add,
      error,
      h('p', { class: 'hint' }, 'To join a brief a teammate shared, use “Join…” on the brief list.'),
      relaysSection(bs.id),
    ),
    { wide: true },
  );
  field.select();
  watchRoster(bs.id, roster, joining);
  await refresh();
}
