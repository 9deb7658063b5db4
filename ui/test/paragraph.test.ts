// Which paragraphs may be laid out with `white-space: normal` (src/paragraph.ts): only those
// that would look exactly the same.
import { describe, expect, it } from 'vitest';
import { getSchema } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import { EditorState, TextSelection } from '@tiptap/pm/state';
import { FastParagraph, collapsesUnchanged, editedParagraphs, plainParagraph } from '../src/paragraph';

describe('collapsesUnchanged', () => {
  it('accepts single spaces between words and empty text', () => {
    for (const t of ['', 'word', 'two words', 'a, b; c. (d) — e', 'ünïcödé wörds 字']) expect(collapsesUnchanged(t), t).toBe(true);
  });
  it('refuses any white space that collapsing would change', () => {
    for (const t of [' lead', 'trail ', 'two  spaces', 'tab\there', 'line\nbreak', 'cr\rhere', 'nbsp \u00a0next', '\u00a0', 'ideographic\u3000 space'])
      expect(collapsesUnchanged(t), JSON.stringify(t)).toBe(false);
  });
});

describe('plainParagraph', () => {
  const schema = getSchema([StarterKit.configure({ paragraph: false, undoRedo: false, trailingNode: false }), FastParagraph]);
  type PMNode = ReturnType<typeof schema.text>;
  const p = (content: PMNode[] | PMNode = []) => schema.node('paragraph', null, content);
  it('looks at all the text, across marks', () => {
    expect(plainParagraph(p())).toBe(true);
    expect(plainParagraph(p(schema.text('plain text')))).toBe(true);
    const bold = schema.marks.bold.create();
    expect(plainParagraph(p([schema.text('a '), schema.text('b', [bold])]))).toBe(true);
    // a space on each side of a mark boundary is a run of two on screen
    expect(plainParagraph(p([schema.text('a '), schema.text(' b', [bold])]))).toBe(false);
  });
  it('keeps pre-wrap around a hard break', () => {
    expect(plainParagraph(p([schema.text('a'), schema.nodes.hardBreak.create(), schema.text('b')]))).toBe(false);
  });
});

describe('editedParagraphs', () => {
  const schema = getSchema([StarterKit.configure({ paragraph: false, undoRedo: false, trailingNode: false }), FastParagraph]);
  const para = (t: string) => schema.node('paragraph', null, t ? [schema.text(t)] : []);
  // positions: p1 0..5 ("abc"), p2 5..7 (empty), p3 7..12 ("def")
  const doc = schema.node('doc', null, [para('abc'), para(''), para('def')]);
  const at = (from: number, to = from) => editedParagraphs(EditorState.create({ doc, selection: TextSelection.create(doc, from, to) }));
  it('is the caret paragraph when the selection is collapsed', () => {
    expect(at(1)).toEqual([{ from: 0, to: 5 }]);
    expect(at(4)).toEqual([{ from: 0, to: 5 }]);
    expect(at(6)).toEqual([{ from: 5, to: 7 }]);
    expect(at(11)).toEqual([{ from: 7, to: 12 }]);
  });
  it('is every paragraph a range touches', () => {
    expect(at(2, 9)).toEqual([
      { from: 0, to: 5 },
      { from: 5, to: 7 },
      { from: 7, to: 12 },
    ]);
  });
});
