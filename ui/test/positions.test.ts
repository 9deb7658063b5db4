// @vitest-environment jsdom
// Relative positions (carets, selections, comment anchors) on a section's body follow their
// character across a teammate's split, join and block-type change (issue 12, point 3): those
// edits move no character, so a Y.RelativePosition made through the binding still finds it.
// And undo, through the binding's UndoManager, takes back only one's own edits.
import { describe, expect, it } from 'vitest';
import { Editor } from '@tiptap/core';
import { TextSelection } from '@tiptap/pm/state';
import * as Y from 'yjs';
import { editorExtensions } from '../src/extensions';
import { bindingOf, pmToY, yToPm, yToPmAll } from '../src/body/binding';

function pair() {
  const docs = [new Y.Doc(), new Y.Doc()];
  docs.forEach((d, i) => (d.clientID = 10 + i));
  const editors = docs.map((d) => new Editor({ element: document.createElement('div'), extensions: editorExtensions(d.getText('body:problem'), '') }));
  const sync = () => {
    for (const [a, b] of [
      [0, 1],
      [1, 0],
    ])
      Y.applyUpdate(docs[b], Y.encodeStateAsUpdate(docs[a], Y.encodeStateVector(docs[b])));
  };
  return { docs, editors, sync };
}

/** The editor position just before the first occurrence of `s`. */
function find(ed: Editor, s: string): number {
  let at = -1;
  ed.state.doc.descendants((n, p) => {
    if (at < 0 && n.isText && n.text!.includes(s)) at = p + n.text!.indexOf(s);
  });
  return at;
}

const charAt = (ed: Editor, pos: number) => ed.state.doc.textBetween(pos, pos + 1);

describe('relative positions through the body binding', () => {
  it('follow their characters across a split, a join and a type change made by someone else', () => {
    const { editors, sync } = pair();
    const [ana, ben] = editors;
    ana.commands.setContent('<p>New admins quit at step 3.</p><p>Half never return.</p>');
    sync();
    const binding = bindingOf(ana.view)!;
    const anchors = ['quit', 'step', 'Half', 'return'].map((w) => ({ w, rel: binding.relative(find(ana, w)) }));
    const select = (ed: Editor, pos: number) => ed.view.dispatch(ed.state.tr.setSelection(TextSelection.create(ed.state.doc, pos)));
    // Ben splits before "quit", joins the two paragraphs, makes the first a heading
    select(ben, find(ben, 'quit'));
    ben.commands.splitBlock();
    select(ben, find(ben, 'Half'));
    ben.commands.joinBackward();
    select(ben, find(ben, 'New'));
    ben.commands.toggleHeading({ level: 1 });
    sync();
    expect(ana.state.doc.firstChild!.type.name).toBe('heading');
    expect(ana.state.doc.childCount).toBe(2);
    for (const { w, rel } of anchors) {
      const pos = binding.absolute(rel);
      expect(pos).not.toBeNull();
      expect(charAt(ana, pos!)).toBe(w[0]);
      expect(ana.state.doc.textBetween(pos!, pos! + w.length)).toBe(w);
    }
    for (const e of editors) e.destroy();
  });

  it('map editor positions to body indices and back', () => {
    const { editors } = pair();
    const [ana] = editors;
    ana.commands.setContent('<h2>Why</h2><ul><li><p>no guide</p></li><li><p>slow SSO</p></li></ul><p>end</p>');
    const doc = ana.state.doc;
    doc.descendants((node, pos) => {
      if (!node.isTextblock) return true;
      for (let k = 0; k <= node.content.size; k++) expect(yToPm(doc, pmToY(doc, pos + 1 + k))).toBe(pos + 1 + k);
      return false;
    });
    for (const e of editors) e.destroy();
  });

  it('map many body indices at once as one at a time', () => {
    const { editors } = pair();
    const [ana] = editors;
    ana.commands.setContent('<h2>Why</h2><ul><li><p>no guide</p></li><li><p>slow SSO</p></li></ul><hr><p></p><p>end</p>');
    const doc = ana.state.doc;
    const end = pmToY(doc, doc.content.size);
    // every index (and some past the end), shuffled, repeated
    const indexes = [...Array(end + 4).keys(), 3, 0, end];
    for (let i = indexes.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [indexes[i], indexes[j]] = [indexes[j], indexes[i]];
    }
    expect(yToPmAll(doc, indexes)).toEqual(indexes.map((i) => yToPm(doc, i)));
    expect(yToPmAll(doc, [])).toEqual([]);
    for (const e of editors) e.destroy();
  });

  it("undo takes back one's own typing, never a teammate's", () => {
    const { editors, sync } = pair();
    const [ana, ben] = editors;
    ana.commands.setContent('<p>New admins quit.</p>');
    sync();
    const end = (ed: Editor) => find(ed, 'quit.') + 'quit.'.length;
    ana.view.dispatch(ana.state.tr.insertText(' Ana', end(ana)));
    bindingOf(ana.view)!.undo.stopCapturing();
    ben.view.dispatch(ben.state.tr.insertText(' Ben', end(ben)));
    sync();
    expect(ana.state.doc.textContent).toContain('Ana');
    expect(ana.state.doc.textContent).toContain('Ben');
    bindingOf(ana.view)!.undo.undo();
    sync();
    for (const ed of editors) {
      expect(ed.state.doc.textContent).not.toContain('Ana');
      expect(ed.state.doc.textContent).toContain(' Ben');
    }
    bindingOf(ana.view)!.undo.redo();
    sync();
    for (const ed of editors) expect(ed.state.doc.textContent.split('Ana').length).toBe(2);
    for (const e of editors) e.destroy();
  });
});
