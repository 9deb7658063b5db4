// @vitest-environment jsdom
// A section shown as text (src/sectionview.ts) must look like its editor, follow the document,
// and become the editor in place.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Editor } from '@tiptap/core';
import { SectionView, drawSection, sectionSchema } from '../src/sectionview';
import { editorExtensions } from '../src/extensions';

const schema = sectionSchema();

/** Fills a body the way the editor would: through an editor bound to it. */
function written(html: string): { doc: Y.Doc; fragment: Y.Text } {
  const doc = new Y.Doc();
  const fragment = doc.getText('body:problem');
  const editor = new Editor({ element: document.createElement('div'), extensions: editorExtensions(fragment, '') });
  editor.commands.setContent(html, { parseOptions: { preserveWhitespace: true } });
  editor.destroy();
  return { doc, fragment };
}

/** What matters for the eye and for layout: elements, text, the fast-layout mark. */
function shape(el: Element): string {
  const walk = (n: Node): string => {
    if (n.nodeType === 3) return JSON.stringify(n.textContent);
    if (!(n instanceof Element)) return '';
    const tag = n.nodeName.toLowerCase();
    const mark = n.classList.contains('ws-plain') ? '.plain' : '';
    const br = n.classList.contains('ProseMirror-trailingBreak') ? '.trailing' : '';
    return `${tag}${mark}${br}(${[...n.childNodes].map(walk).join(',')})`;
  };
  return [...el.childNodes].map(walk).join(',');
}

const SAMPLE =
  '<h2>Heading</h2><p>plain words</p><p>Two  spaces</p><p></p><p>a <strong>bold</strong> and <em>em</em> <code>code</code></p>' +
  '<ul><li><p>one</p></li><li><p>two</p></li></ul><blockquote><p>quoted</p></blockquote><p>line<br>break</p>';

describe('drawSection', () => {
  it('draws what the editor draws', () => {
    const { fragment } = written(SAMPLE);
    const text = document.createElement('div');
    drawSection(text, fragment, schema.schema, schema.serializer, 'Write here…');
    const host = document.createElement('div');
    const editor = new Editor({ element: host, extensions: editorExtensions(fragment, 'Write here…') });
    // the paragraph under the caret is pre-wrap in the editor (ws-edit); compare the rest
    const editorShape = shape(editor.view.dom);
    editor.destroy();
    expect(shape(text)).toBe(editorShape);
    expect(text.querySelectorAll('p.ws-plain').length).toBeGreaterThan(2);
    expect(text.querySelector('p:nth-of-type(2)')?.classList.contains('ws-plain')).toBe(false);
  });

  it('shows the placeholder when the section is empty', () => {
    const text = document.createElement('div');
    drawSection(text, new Y.Doc().getText('body:risks'), schema.schema, schema.serializer, 'What could go wrong?');
    const p = text.querySelector('p.is-editor-empty');
    expect(p?.getAttribute('data-placeholder')).toBe('What could go wrong?');
    expect(p?.querySelector('br.ProseMirror-trailingBreak')).not.toBeNull();
  });
});

describe('SectionView', () => {
  it('follows changes to its body, then becomes the editor in place', async () => {
    const { doc, fragment } = written('<p>first</p>');
    const view = new SectionView(fragment, schema, 'Write here…', { 'data-section-editor': 'problem', 'aria-label': 'problem' });
    expect(view.el.textContent).toBe('first');
    expect(view.el.tabIndex).toBe(0);

    // a change from elsewhere (another peer) is drawn on the next frame
    const remote = new Y.Doc();
    Y.applyUpdate(remote, Y.encodeStateAsUpdate(doc));
    const editor2 = new Editor({ element: document.createElement('div'), extensions: editorExtensions(remote.getText('body:problem'), '') });
    editor2.commands.insertContentAt(editor2.state.doc.content.size, '<p>second</p>');
    editor2.destroy();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(remote));
    await new Promise((r) => requestAnimationFrame(r));
    expect([...view.el.querySelectorAll('p')].map((p) => p.textContent)).toEqual(['first', 'second']);

    const el = view.release();
    const editor = new Editor({ element: { mount: el } as unknown as HTMLElement, extensions: editorExtensions(fragment, '') });
    expect(editor.view.dom).toBe(el);
    expect(el.getAttribute('contenteditable')).toBe('true');
    expect(el.getAttribute('data-section-editor')).toBe('problem');
    expect([...el.querySelectorAll('p')].map((p) => p.textContent)).toEqual(['first', 'second']);
    // released: later changes are the editor's business, not redrawn over it
    editor.commands.insertContentAt(editor.state.doc.content.size, '<p>third</p>');
    await new Promise((r) => requestAnimationFrame(r));
    expect([...el.querySelectorAll('p')].map((p) => p.textContent)).toEqual(['first', 'second', 'third']);
    expect(fragment.toDelta().filter((op: { insert: unknown }) => op.insert instanceof Y.Map).length).toBe(3);
    editor.destroy();
  });
});

describe('SectionView of a long section', () => {
  it('hands over to the editor on a change instead of redrawing everything', async () => {
    const long = Array.from({ length: 300 }, (_, i) => `<p>paragraph ${i} ${'x'.repeat(80)}</p>`).join('');
    const { doc, fragment } = written(long);
    const view = new SectionView(fragment, schema, '', {});
    let outgrown = 0;
    view.onOutgrown = () => outgrown++;
    const before = view.el.querySelectorAll('p').length;
    doc.transact(() => fragment.insertEmbed(0, new Y.Map([['block', 'paragraph']])));
    await new Promise((r) => requestAnimationFrame(r));
    expect(outgrown).toBe(1);
    expect(view.el.querySelectorAll('p').length).toBe(before);
  });
});
