// Paragraphs laid out on WebKit's fast path. The editor needs `white-space: pre-wrap` so that
// typed spaces show, but WebKit lays out preserved white space on a slower path: for the
// automerge-paper brief (1,173 paragraphs, 105k characters) layout took about 125 ms with
// pre-wrap and about 75 ms without (measured in WebKitGTK 2.50). Most paragraphs have no white
// space that collapsing would change — no leading or trailing space, no run of two, no tab or
// break — and those look exactly the same with `white-space: normal`. So each paragraph's
// node view marks itself `ws-plain` when that holds (style.css), and drops the mark the moment
// its text stops qualifying.
//
// Paragraphs under the selection always stay pre-wrap (`ws-edit`): with `white-space: normal`
// the browser's own editing types a no-break space where a space would collapse, which would
// change what is stored. Editing happens only at the selection, so text is always typed,
// pasted or composed into a pre-wrap paragraph.
import Paragraph from '@tiptap/extension-paragraph';
import type { Node as PMNode } from '@tiptap/pm/model';
import { Plugin, PluginKey, type EditorState } from '@tiptap/pm/state';
import { Decoration, DecorationSet } from '@tiptap/pm/view';

/** True when collapsing white space cannot change how `text` looks. Conservative: any
 * Unicode space counts, so a no-break space next to a space keeps the paragraph pre-wrap. */
export function collapsesUnchanged(text: string): boolean {
  return !/^\s|\s$|\s\s|[\t\n\r\f\v]/.test(text);
}

/** A paragraph that may be laid out with `white-space: normal`: only text inside (a hard
 * break or any other inline node keeps pre-wrap) and white space that collapsing keeps. */
export function plainParagraph(node: PMNode): boolean {
  let onlyText = true;
  node.forEach((child) => {
    if (!child.isText) onlyText = false;
  });
  return onlyText && collapsesUnchanged(node.textContent);
}

/** The paragraphs the selection touches (the caret's paragraph when it is collapsed). */
export function editedParagraphs(state: EditorState): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  const { from, to } = state.selection;
  state.doc.nodesBetween(from, to, (node, pos) => {
    if (node.type.name === 'paragraph') {
      out.push({ from: pos, to: pos + node.nodeSize });
      return false;
    }
    return true;
  });
  return out;
}

const editing = new PluginKey('ws-edit');

export const FastParagraph = Paragraph.extend({
  // A paragraph drawn for text that has no block marker of its own (src/body/model.ts): the
  // block it is read as (`attrsKey`). Flattening it writes no marker while it still is that
  // block. Never parsed from HTML or kept on a split.
  addAttributes() {
    return {
      implicit: { default: null, keepOnSplit: false, parseHTML: () => null, renderHTML: () => ({}) },
    };
  },
  addProseMirrorPlugins() {
    return [
      new Plugin({
        key: editing,
        props: {
          decorations: (state) =>
            DecorationSet.create(
              state.doc,
              editedParagraphs(state).map((r) => Decoration.node(r.from, r.to, { class: 'ws-edit' })),
            ),
        },
      }),
    ];
  },
  addNodeView() {
    return ({ node, HTMLAttributes }) => {
      const dom = document.createElement('p');
      for (const [k, v] of Object.entries(HTMLAttributes)) if (v !== null && v !== undefined) dom.setAttribute(k, String(v));
      dom.classList.toggle('ws-plain', plainParagraph(node));
      return {
        dom,
        contentDOM: dom,
        update: (next: PMNode) => {
          if (next.type !== node.type) return false;
          dom.classList.toggle('ws-plain', plainParagraph(next));
          return true;
        },
        // the mark is ours, not content: ProseMirror need not re-read the paragraph for it
        ignoreMutation: (m: { type: string; target: globalThis.Node; attributeName?: string | null }) =>
          m.type === 'attributes' && m.target === dom && m.attributeName === 'class',
      };
    };
  },
});
