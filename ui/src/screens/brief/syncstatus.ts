// Sync status of the open brief: a line in the title bar ("Dana (pm) has not seen 3 of your
// changes", "Offline: your changes are stored on this laptop") and, on click, a panel with
// every device that shares the brief — whose it is, connected now or last seen when, and
// whether it has every change of yours. The figures are the engine's (src/status.rs, the
// same as `groundwork status`), refreshed every second while the brief is open.
import { clear, h, setText } from '../../dom';
import { afterPointer } from '../../pointer';
import { deviceSeen, deviceState, personColour, syncSummary } from '../../logic';
import { api } from '../../api';
import type { BriefStatus } from '../../types';

export const REFRESH_MS = 1000;

export class SyncStatus {
  readonly button: HTMLButtonElement;
  readonly panel: HTMLElement;
  private timer: number | undefined;
  private stopped = false;
  last: BriefStatus | null = null;
  /** Answers received so far (on the button as data-polls, for tests that wait for one). */
  polls = 0;

  constructor(
    private brief: string,
    private onStatus: (st: BriefStatus) => void = () => {},
  ) {
    this.button = h('button', { class: 'sync-status', id: 'sync-status', 'data-state': 'loading', 'aria-expanded': 'false', 'aria-controls': 'sync-panel', onclick: () => this.toggle() }, 'Checking devices…') as HTMLButtonElement;
    this.panel = h('section', { class: 'sync-panel', id: 'sync-panel', 'aria-label': 'Devices and sync', hidden: true });
  }

  start() {
    void this.refresh();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  toggle() {
    this.panel.hidden = !this.panel.hidden;
    this.button.setAttribute('aria-expanded', String(!this.panel.hidden));
    if (this.last) this.render(this.last);
  }

  async refresh() {
    if (this.stopped) return;
    try {
      this.render(await api.syncStatus(this.brief));
    } catch (e) {
      this.button.dataset.state = 'error';
      setText(this.button, 'Sync status unavailable');
      console.error('sync status', e);
    }
    if (!this.stopped) this.timer = window.setTimeout(() => void this.refresh(), REFRESH_MS);
  }

  render(st: BriefStatus) {
    this.last = st;
    this.button.dataset.polls = String(++this.polls);
    this.onStatus(st);
    const sum = syncSummary(st);
    this.button.dataset.state = sum.state;
    setText(this.button, sum.text);
    this.button.title = `${sum.text} — click for the devices that share this brief`;
    // someone asks to join: the Share button says so until a member decides
    const share = document.getElementById('share-button');
    if (share) {
      const n = st.asking.length;
      setText(share, n ? `Share · ${n} asking` : 'Share');
      share.dataset.asking = String(n);
      share.title = n ? `${st.asking.join(', ')} ask${n === 1 ? 's' : ''} to join — click to approve or decline` : 'People and devices: invite teammates, see and add devices';
    }
    if (!this.panel.hidden) afterPointer('sync-panel', () => this.drawPanel());
  }

  /** The panel, from the latest status (redrawn whole: not under a press, see pointer.ts). */
  private drawPanel() {
    const st = this.last;
    if (this.panel.hidden || !st) return;
    clear(this.panel);
    this.panel.append(h('h3', {}, 'Devices'));
    if (st.offline) this.panel.append(h('p', { class: 'muted', id: 'sync-offline' }, 'Offline: your changes are stored on this laptop. They go out when a device that shares this brief is reachable.'));
    if (st.devices.length === 0) {
      this.panel.append(h('p', { class: 'muted' }, 'No other device shares this brief yet. Share it to invite teammates.'));
      return;
    }
    const list = h('ul', { class: 'sync-devices' });
    for (const d of st.devices) {
      list.append(
        h(
          'li',
          { 'data-device': d.device, 'data-unseen': d.unseen === null ? '' : String(d.unseen), 'data-connected': String(d.connected) },
          h('span', { class: 'dot', style: `background:${personColour(d.device)}` }),
          h('span', { class: 'device-name' }, d.name),
          h('span', { class: `device-seen ${d.connected ? 'ok' : 'muted'}` }, deviceSeen(d)),
          h('span', { class: `device-state ${d.unseen ? 'warn' : ''}` }, deviceState(d)),
        ),
      );
    }
    this.panel.append(list, h('p', { class: 'muted small' }, `A change is one edit session: your edits to one part of the brief with no pause longer than 5 seconds. Yours here: ${st.changes}.`));
  }
}
