// Who may sync the open brief, in the People and devices dialog: devices asking to join (with
// Approve and Decline), approved devices (with Remove), removed ones, and this device's own
// join while no member approved it. Approving and removing travel in the brief to every
// member's device (src/brief/roster.rs; SYNC.md, "Joining" and "Removing a device").
import { api } from '../api';
import { clear, h, setText } from '../dom';
import { relativeTime } from '../logic';
import { errorText } from '../sync';
import type { Access, RosterEntry } from '../types';

const STATE: Record<string, string> = { asking: 'asks to join', approved: 'member', removed: 'removed — keeps what it had before, receives nothing new' };

function row(brief: string, e: RosterEntry, me: string, refresh: () => void, now: number): HTMLElement {
  const who = `${e.name || 'Someone'}’s device`;
  const act = (label: string, cls: string, run: () => Promise<void>) => {
    const b = h('button', { class: cls, 'data-device': e.device }, label);
    b.addEventListener('click', async () => {
      b.setAttribute('disabled', '');
      try {
        await run();
      } catch (err) {
        b.textContent = errorText(err);
      }
      refresh();
    });
    return b;
  };
  const actions: HTMLElement[] = [];
  if (e.state === 'asking') {
    actions.push(act('Approve', 'primary approve', () => api.approveDevice(brief, e.device)));
    actions.push(act('Decline', 'decline', () => api.removeDevice(brief, e.device)));
  } else if (e.state === 'approved' && e.device !== me) {
    actions.push(
      act('Remove', 'danger remove', async () => {
        const ok = window.confirm(
          `Remove ${who} from this brief? It keeps what it already has, and receives nothing made from now on. The brief gets a new secret, handed to the other devices.`,
        );
        if (ok) await api.removeDevice(brief, e.device);
      }),
    );
  }
  return h(
    'li',
    { 'data-device': e.device, 'data-state': e.state },
    h('span', { class: 'device-name' }, e.state === 'asking' ? `${who} asks to join` : who, e.device === me ? ' (this device)' : ''),
    h('span', { class: 'muted' }, e.role),
    h('span', { class: e.state === 'asking' ? 'warn' : 'muted' }, `${STATE[e.state] ?? e.state} · ${relativeTime(e.at, now)}`),
    h('span', { class: 'actions' }, ...actions),
  );
}

/** Fills `list` (and `joining`) from the brief's access; returns how many devices ask. */
export function renderRoster(brief: string, a: Access, list: HTMLElement, joining: HTMLElement, refresh: () => void, now = Date.now()): number {
  clear(list);
  joining.hidden = a.joining == null;
  setText(joining, a.joining ? `This device is joining: ${a.joining}.` : '');
  if (a.roster.length === 0) list.append(h('li', { class: 'muted' }, 'Nobody else yet.'));
  for (const e of a.roster) list.append(row(brief, e, a.me, refresh, now));
  return a.roster.filter((e) => e.state === 'asking').length;
}

/** Keeps the roster in `list` current while it is on screen (a request shows up live). */
export function watchRoster(brief: string, list: HTMLElement, joining: HTMLElement) {
  let timer = 0;
  let shown = '';
  const refresh = async () => {
    window.clearTimeout(timer);
    if (!list.isConnected && timer !== 0) return;
    try {
      const a = await api.access(brief);
      // redrawn only when something changed: a button under the pointer stays put
      const now = JSON.stringify(a);
      if (now !== shown) {
        shown = now;
        renderRoster(brief, a, list, joining, () => {
          shown = '';
          void refresh();
        });
      }
    } catch (e) {
      clear(list);
      list.append(h('li', { class: 'error' }, errorText(e)));
    }
    timer = window.setTimeout(() => void refresh(), 1000);
  };
  void refresh();
}
