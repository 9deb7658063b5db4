// Comment threads' words highlighted in a section's editor (issue 15, point 1). Where a thread
// lies comes with the engine's view (`range`, a body index and length, computed from the
// thread's Yjs relative positions, src/brief/comments.rs); between two views the highlight
// moves with the edits (the decoration set is mapped through each transaction).
import { Extension } from '@tiptap/core';
import { Plugin, PluginKey, type EditorState, type Transaction } from '@tiptap/pm/state';
import { Decoration, DecorationSet, type EditorView } from '@tiptap/pm/view';
import type { CommentThread } from '../types';
import { yToPmAll } from './binding';

const key = new PluginKey<DecorationSet>('groundworkAnchors');

/** Draws the open threads of `section` in `view` (called when the brief's view changes). */
export function drawAnchors(view: EditorView, section: string, threads: CommentThread[]) {
  if (view.isDestroyed) return;
  const doc = view.state.doc;
  const decos: Decoration[] = [];
  const shown = threads.filter((t) => t.section === section && !t.resolved && t.range);
  // both ends of every thread in one walk over the section's blocks
  const at = yToPmAll(doc, shown.flatMap((t) => [t.range![0], t.range![0] + t.range![1]]));
  shown.forEach((t, i) => {
    const [from, to] = [at[2 * i], at[2 * i + 1]];
    if (from < to) decos.push(Decoration.inline(from, to, { class: 'gw-comment', 'data-thread': t.id, title: `${t.replies[0]?.author ?? ''}: ${t.replies[0]?.text ?? ''}` }));
  });
  view.dispatch(view.state.tr.setMeta(key, DecorationSet.create(doc, decos)).setMeta('addToHistory', false));
}

export const Anchors = Extension.create({
  name: 'groundworkAnchors',
  addProseMirrorPlugins() {
    return [
      new Plugin<DecorationSet>({
        key,
        state: {
          init: () => DecorationSet.empty,
          apply: (tr: Transaction, set: DecorationSet) => {
            const fresh = tr.getMeta(key) as DecorationSet | undefined;
            if (fresh) return fresh;
            return tr.docChanged ? set.map(tr.mapping, tr.doc) : set;
          },
        },
        props: { decorations: (state: EditorState) => key.getState(state) },
      }),
    ];
  },
});
