// @vitest-environment jsdom
// Other people's carets and selections (src/body/carets.ts, issue 14 point 1): real editors on
// real Y.Docs, their awareness exchanged as y-protocols updates, as peers exchange them.
import { afterEach, describe, expect, it } from 'vitest';
import { Editor } from '@tiptap/core';
import { TextSelection } from '@tiptap/pm/state';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { editorExtensions } from '../src/extensions';
import { caretColours, contrast, DARK_TEXT_LUM } from '../src/body/carets';

interface Person {
  doc: Y.Doc;
  awareness: Awareness;
  editors: Map<string, Editor>;
}

const people: Person[] = [];
afterEach(() => {
  for (const p of people.splice(0)) {
    for (const e of p.editors.values()) e.destroy();
    p.awareness.destroy();
  }
  document.body.innerHTML = '';
});

function person(id: number, name: string, role: string, device: string, sections = ['problem']): Person {
  const doc = new Y.Doc();
  doc.clientID = id;
  const awareness = new Awareness(doc);
  awareness.setLocalState({ name, role, device, section: null, caret: null });
  const editors = new Map<string, Editor>();
  for (const section of sections) {
    const host = document.createElement('div');
    document.body.append(host);
    editors.set(section, new Editor({ element: host, extensions: editorExtensions(doc.getText(`body:${section}`), '', { awareness, section }) }));
  }
  const p = { doc, awareness, editors };
  people.push(p);
  return p;
}

/** Everyone gets everyone's document and awareness (what the engine relays). */
function sync() {
  for (const a of people)
    for (const b of people) {
      if (a === b) continue;
      Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(b.doc)));
      applyAwarenessUpdate(b.awareness, encodeAwarenessUpdate(a.awareness, [...a.awareness.getStates().keys()]), 'remote');
    }
}

/** Only the documents (someone types; the caret's owner says nothing meanwhile). */
function syncDocs() {
  for (const a of people) for (const b of people) if (a !== b) Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(b.doc)));
}

const flush = () => new Promise((r) => setTimeout(r, 0)); // the carets redraw in a microtask

function find(ed: Editor, s: string): number {
  let at = -1;
  ed.state.doc.descendants((n, p) => {
    if (at < 0 && n.isText && n.text!.includes(s)) at = p + n.text!.indexOf(s);
  });
  if (at < 0) throw new Error(`"${s}" not in the editor`);
  return at;
}

/** Focuses `ed` and selects; its caret is published once the transaction is through. */
async function select(ed: Editor, anchor: number, head = anchor) {
  ed.view.focus();
  ed.view.dispatch(ed.state.tr.setSelection(TextSelection.create(ed.state.doc, anchor, head)));
  await flush();
}

/** Where the caret of `device` is drawn in `ed` (an editor position), or null. */
function caretAt(ed: Editor, device: string): number | null {
  const el = ed.view.dom.querySelector<HTMLElement>(`.gw-caret[data-device="${device}"]`);
  return el ? ed.view.posAtDOM(el, 0) : null;
}

describe('carets', () => {
  it("show another person's caret, labelled, at their character, following it as others type", async () => {
    const ana = person(1, 'Ana Lima', 'pm', 'dev-ana');
    const ben = person(2, 'Ben Okafor', 'engineer', 'dev-ben');
    const anaEd = ana.editors.get('problem')!;
    const benEd = ben.editors.get('problem')!;
    anaEd.commands.setContent('<p>New admins quit at step 3.</p><p>Half never return.</p>');
    sync();
    await select(benEd, find(benEd, 'quit'));
    sync();
    await flush();
    const el = anaEd.view.dom.querySelector<HTMLElement>('.gw-caret[data-device="dev-ben"]')!;
    expect(el).not.toBeNull();
    expect(el.dataset.label).toBe('Ben Okafor · engineer');
    expect(el.textContent).toBe(''); // the label is not part of the text
    expect(caretAt(anaEd, 'dev-ben')).toBe(find(anaEd, 'quit'));
    expect(anaEd.view.dom.querySelector('.gw-caret[data-device="dev-ana"]')).toBeNull(); // not one's own
    // Ana types before it and splits the paragraph before it: the caret stays on "quit"
    anaEd.commands.insertContentAt(1, 'All ');
    anaEd.view.dispatch(anaEd.state.tr.split(find(anaEd, 'admins')));
    syncDocs();
    await flush();
    expect(caretAt(anaEd, 'dev-ben')).toBe(find(anaEd, 'quit'));
    // Ben types: his caret moves with his typing
    benEd.commands.insertContent('really ');
    await flush();
    sync();
    await flush();
    expect(anaEd.getText()).toContain('really quit');
    expect(caretAt(anaEd, 'dev-ben')).toBe(find(anaEd, 'quit'));
  });

  it('show a selection over exactly the selected text, and nothing for a caret in another section', async () => {
    const ana = person(1, 'Ana Lima', 'pm', 'dev-ana', ['problem', 'affected']);
    const ben = person(2, 'Ben Okafor', 'engineer', 'dev-ben', ['problem', 'affected']);
    ana.editors.get('problem')!.commands.setContent('<p>New admins quit at step 3.</p>');
    ana.editors.get('affected')!.commands.setContent('<p>Admins of new workspaces.</p>');
    sync();
    const benEd = ben.editors.get('problem')!;
    await select(benEd, find(benEd, 'quit'), find(benEd, 'quit') + 'quit at'.length);
    sync();
    await flush();
    const sel = [...ana.editors.get('problem')!.view.dom.querySelectorAll('.gw-caret-selection')].map((e) => e.textContent).join('');
    expect(sel).toBe('quit at');
    expect(ana.editors.get('affected')!.view.dom.querySelector('.gw-caret')).toBeNull();
    // Ben moves to the other section: his caret leaves the first and shows in the second
    const benAff = ben.editors.get('affected')!;
    await select(benAff, find(benAff, 'workspaces'));
    sync();
    await flush();
    expect(ana.editors.get('problem')!.view.dom.querySelector('.gw-caret')).toBeNull();
    expect(caretAt(ana.editors.get('affected')!, 'dev-ben')).toBe(find(ana.editors.get('affected')!, 'workspaces'));
  });

  it('go when their person leaves, and draw a hostile name as text only', async () => {
    const ana = person(1, 'Ana Lima', 'pm', 'dev-ana');
    const eve = person(3, '<img src=x onerror="window.__pwned=1">', '"><b>x</b>', 'dev-eve');
    ana.editors.get('problem')!.commands.setContent('<p>New admins quit.</p>');
    sync();
    await select(eve.editors.get('problem')!, 3);
    sync();
    await flush();
    const dom = ana.editors.get('problem')!.view.dom;
    expect(dom.querySelector('img, b')).toBeNull();
    expect(dom.querySelector<HTMLElement>('.gw-caret')!.dataset.label).toBe('<img src=x onerror="window.__pwned=1"> · "><b>x</b>');
    // a malformed position from a peer draws nothing and breaks nothing
    applyAwarenessUpdate(ana.awareness, encodeAwarenessUpdate(eve.awareness, [3]), 'remote');
    const bad = new Awareness(new Y.Doc());
    bad.clientID = 9;
    bad.setLocalState({ name: 'Mal', role: 'pm', device: 'dev-mal', caret: { section: 'problem', anchor: { item: 'nonsense' }, head: 7 } });
    applyAwarenessUpdate(ana.awareness, encodeAwarenessUpdate(bad, [9]), 'remote');
    await flush();
    expect(dom.querySelector('.gw-caret[data-device="dev-mal"]')).toBeNull();
    expect(dom.querySelector('.gw-caret[data-device="dev-eve"]')).not.toBeNull();
    bad.destroy();
    // Eve closes the brief: her state is removed, her caret goes
    eve.editors.get('problem')!.destroy();
    eve.editors.clear();
    eve.awareness.setLocalState(null);
    applyAwarenessUpdate(ana.awareness, encodeAwarenessUpdate(eve.awareness, [3]), 'remote');
    await flush();
    expect(dom.querySelector('.gw-caret')).toBeNull();
  });

  it('withdraw one’s own caret when the editor loses the focus to another field', async () => {
    const ana = person(1, 'Ana Lima', 'pm', 'dev-ana');
    const ed = ana.editors.get('problem')!;
    ed.commands.setContent('<p>New admins quit.</p>');
    await select(ed, 3);
    const caret = () => (ana.awareness.getLocalState() as { caret: { section: string } | null }).caret;
    expect(caret()?.section).toBe('problem');
    const input = document.createElement('input');
    document.body.append(input);
    input.focus();
    await flush();
    expect(caret()).toBeNull();
  });
});

describe('caret colours', () => {
  const lum = (hex: string) => {
    const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  it('are the same for a device everywhere, and readable in both themes for every hue', () => {
    expect(caretColours('dev-ana')).toEqual(caretColours('dev-ana'));
    const hues = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const c = caretColours(`device-${i}-${(i * 2654435761) >>> 0}`);
      hues.add(c.hue);
      // label text: white on the light theme's colour, near-black on the dark theme's (AA, 4.5:1)
      expect(contrast(c.light.lum, 1)).toBeGreaterThanOrEqual(4.5);
      expect(contrast(c.dark.lum, DARK_TEXT_LUM)).toBeGreaterThanOrEqual(4.5);
      // the caret bar against each theme's page (non-text contrast, 3:1): style.css --bg
      expect(contrast(c.light.lum, lum('#f6f5f2'))).toBeGreaterThanOrEqual(3);
      expect(contrast(c.dark.lum, lum('#17181a'))).toBeGreaterThanOrEqual(3);
    }
    expect(hues.size).toBeGreaterThan(300); // people are told apart by hue
  });
});
