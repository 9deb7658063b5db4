// @vitest-environment jsdom
// The body binding's two directions on their own (src/body/binding.ts):
// - a teammate's typing is patched into the editor as characters (not by drawing the whole
//   body again) and gives exactly what drawing the body gives, including code blocks, hard
//   breaks, marks and the paragraph a new section starts with (no marker of its own);
// - Enter in that first paragraph (at its start, in its middle) writes the markers that keep
//   both halves, so a teammate's next keystroke does not join them again.
import { afterEach, describe, expect, it } from 'vitest';
import { Editor } from '@tiptap/core';
import { TextSelection } from '@tiptap/pm/state';
import * as Y from 'yjs';
import { editorExtensions } from '../src/extensions';
import { BodyBinding } from '../src/body/binding';
import { docFromBlocks, readBlocks } from '../src/body/model';

/** Every editor a test made: destroyed after it, or ProseMirror's DOM observer can fire a
 * timer after the test environment is gone ("document is not defined", seen once in CI). */
const made: Editor[] = [];
afterEach(() => {
  for (const e of made.splice(0)) e.destroy();
});

function pair() {
  const docs = [new Y.Doc(), new Y.Doc()];
  docs.forEach((d, i) => (d.clientID = 20 + i));
  const editors = docs.map((d) => new Editor({ element: document.createElement('div'), extensions: editorExtensions(d.getText('body:problem'), '') }));
  made.push(...editors);
  // every change reaches the other document at once, one update per transaction
  docs.forEach((d, i) => d.on('update', (u: Uint8Array, origin: unknown) => origin !== 'net' && Y.applyUpdate(docs[1 - i], u, 'net')));
  return { docs, editors };
}

const drawn = (ed: Editor, d: Y.Doc) => docFromBlocks(readBlocks(d.getText('body:problem')), ed.schema);
const at = (ed: Editor, pos: number) => ed.view.dispatch(ed.state.tr.setSelection(TextSelection.create(ed.state.doc, pos)));

describe('the body binding', () => {
  it('patches a teammate’s typing in, as drawing the body would show it', () => {
    const { docs, editors } = pair();
    const [ana, ben] = editors;
    ana.commands.setContent('<p>New <strong>admins</strong> quit</p><pre><code>let x = 1;</code></pre><ul><li><p>step 3</p></li></ul>');
    expect(ben.state.doc.eq(drawn(ben, docs[1]))).toBe(true);
    const before = BodyBinding.patched;
    const cases: [string, (ed: Editor) => void][] = [
      ['typing plain', (ed) => ed.commands.insertContentAt(2, 'X')],
      ['typing into bold', (ed) => ed.chain().setTextSelection(8).insertContent('Y').run()],
      ['a hard break', (ed) => ed.chain().setTextSelection(4).setHardBreak().run()],
      ['typing in code', (ed) => ed.chain().setTextSelection(ed.state.doc.child(0).nodeSize + 3).insertContent('\n2').run()],
      ['typing in a list item', (ed) => ed.chain().setTextSelection(ed.state.doc.content.size - 4).insertContent('Z').run()],
      ['deleting a word', (ed) => ed.commands.deleteRange({ from: 2, to: 5 })],
    ];
    for (const [what, edit] of cases) {
      const n = BodyBinding.patched;
      edit(ana);
      expect(BodyBinding.patched, what).toBe(n + 1);
      expect(ben.state.doc.toJSON(), what).toEqual(drawn(ben, docs[1]).toJSON());
      expect(ben.state.doc.toJSON(), what).toEqual(ana.state.doc.toJSON());
    }
    // a type change is a marker's key: drawn, not patched
    const n = BodyBinding.patched;
    ana.chain().setTextSelection(3).toggleHeading({ level: 2 }).run();
    expect(BodyBinding.patched).toBe(n);
    expect(ben.state.doc.toJSON()).toEqual(ana.state.doc.toJSON());
    expect(BodyBinding.patched).toBeGreaterThan(before);
  });

  it('keeps Enter in a new section’s first paragraph when a teammate types next', () => {
    for (const split of ['start', 'middle']) {
      const { docs, editors } = pair();
      const [ana, ben] = editors;
      ana.commands.focus();
      ana.commands.insertContent('New admins quit');
      // the first paragraph of an empty section has no marker of its own
      expect(docs[0].getText('body:problem').toDelta().length, split).toBe(1);
      at(ana, split === 'start' ? 1 : 5);
      ana.commands.splitBlock();
      expect(ana.state.doc.childCount, split).toBe(2);
      expect(drawn(ana, docs[0]).childCount, split).toBe(2);
      // Ben types at the end; Ana still sees her two paragraphs, and so does Ben
      at(ben, ben.state.doc.content.size - 1);
      ben.commands.insertContent('!');
      for (const ed of [ana, ben]) {
        expect(ed.state.doc.childCount, split).toBe(2);
        expect(ed.state.doc.textContent, split).toBe('New admins quit!');
      }
    }
  });
});
