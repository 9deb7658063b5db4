// @vitest-environment jsdom
// The title bar's sync status and Share button are refreshed every second: a refresh that
// changes nothing must leave their text nodes alone, or WebKit drops a click pressed on one
// of them while it happens (src/dom.ts `setText`; the app e2e presses Share across a refresh).
import { describe, expect, it } from 'vitest';
import { setText } from '../src/dom';
import { SyncStatus } from '../src/screens/brief/syncstatus';
import type { BriefStatus } from '../src/types';

const status = (asking: string[] = []): BriefStatus => ({ changes: 3, devices: [], offline: true, receipt: null, asking });

describe('setText', () => {
  it('keeps the text node when the text is the same, replaces the text when not', () => {
    const b = document.createElement('button');
    b.textContent = 'Share';
    const node = b.firstChild;
    setText(b, 'Share');
    expect(b.firstChild).toBe(node);
    setText(b, 'Share · 1 asking');
    expect(b.textContent).toBe('Share · 1 asking');
  });
});

describe('SyncStatus.render', () => {
  it('leaves the status and Share buttons untouched when nothing changed', () => {
    const share = document.createElement('button');
    share.id = 'share-button';
    share.textContent = 'Share';
    document.body.append(share);
    const s = new SyncStatus('brief');
    document.body.append(s.button);
    s.render(status());
    const [statusText, shareText] = [s.button.firstChild, share.firstChild];
    s.render(status());
    expect(s.button.firstChild).toBe(statusText);
    expect(share.firstChild).toBe(shareText);
    s.render(status(['Sam']));
    expect(share.textContent).toBe('Share · 1 asking');
    share.remove();
    s.button.remove();
  });
});
