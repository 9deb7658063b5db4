// Who wrote what (issue 15, point 2): with the toggle on, each section's text is coloured by
// its author, with name and role on hover. Read from the editor's own copy of the body: every
// Yjs item carries the client id that made it, and the engine says which member writes for each
// client id (`authors`, src/brief/authors.rs; `groundwork blame` prints the same). Deleted text
// and block markers are skipped; a client id no member recorded shows as "unknown".
//
// The colours are the people's caret colours (./carets.ts), translucent, so a person's caret
// and their text match; both themes have their own variant.
import { Extension } from '@tiptap/core';
import { Plugin, PluginKey, type EditorState, type Transaction } from '@tiptap/pm/state';
import { Decoration, DecorationSet, type EditorView } from '@tiptap/pm/view';
import * as Y from 'yjs';
import type { Member } from '../types';
import { bindingOf, yToPm } from './binding';
import { caretColours } from './carets';

/** Who writes for each client id, and whether the colours are shown (one state for the app). */
export const authorship = { on: false, clients: new Map<number, Member>(), onUnknown: () => {} };

/** A run of one client's characters in a body: its index and length there. */
export interface AuthorSpan {
  index: number;
  length: number;
  client: number;
}

/** The body's visible text as runs of one client each (markers and formatting count as
 * Yjs counts them, so the indexes are the body's). */
export function authorSpans(text: Y.Text): AuthorSpan[] {
  const out: AuthorSpan[] = [];
  let index = 0;
  for (let item = text._start; item; item = item.right) {
    if (item.deleted || !item.countable) continue;
    if (item.content instanceof Y.ContentString) {
      const last = out[out.length - 1];
      if (last && last.client === item.id.client && last.index + last.length === index) last.length += item.length;
      else out.push({ index, length: item.length, client: item.id.client });
    }
    index += item.length;
  }
  return out;
}

const key = new PluginKey<DecorationSet>('groundworkAuthors');

function decorate(view: EditorView): DecorationSet {
  const binding = bindingOf(view);
  if (!authorship.on || !binding) return DecorationSet.empty;
  const doc = view.state.doc;
  const decos: Decoration[] = [];
  for (const span of authorSpans(binding.text)) {
    const from = yToPm(doc, span.index);
    const to = yToPm(doc, span.index + span.length);
    if (from >= to) continue;
    const who = authorship.clients.get(span.client);
    if (!who) authorship.onUnknown();
    const c = caretColours(who?.device ?? `client-${span.client}`);
    decos.push(
      Decoration.inline(from, to, {
        class: 'gw-author',
        title: who ? `${who.name} · ${who.role}` : 'unknown author',
        'data-author': who?.name ?? '',
        style: `--author-light:${c.light.selection};--author-dark:${c.dark.selection}`,
      }),
    );
  }
  return DecorationSet.create(doc, decos);
}

/** Draws the colours again in `view` (after the toggle or the client map changed). */
export function redrawAuthors(view: EditorView) {
  if (!view.isDestroyed) view.dispatch(view.state.tr.setMeta(key, decorate(view)).setMeta('addToHistory', false));
}

export const Authors = Extension.create({
  name: 'groundworkAuthors',
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
        view: () => {
          let queued = false;
          return {
            // with the colours on, text typed or received is attributed as it lands
            update: (v, prev) => {
              if (!authorship.on || v.state.doc === prev.doc || queued) return;
              queued = true;
              queueMicrotask(() => {
                queued = false;
                redrawAuthors(v);
              });
            },
          };
        },
      }),
    ];
  },
});
