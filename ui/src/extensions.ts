// What a section's editor is made of: one list, used by the editors, by the text a section
// shows until it is reached (its schema, src/sectionview.ts) and, unattached, by the warm-up.
// The body binding (src/body/binding.ts) replaces TipTap's Collaboration extension; list items
// may hold any block (`block+`), so every sequence of block markers has a document.
import StarterKit from '@tiptap/starter-kit';
import { ListItem } from '@tiptap/extension-list';
import { Placeholder } from '@tiptap/extensions';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { Anchors } from './body/anchors';
import { Authors } from './body/authors';
import { BodySync } from './body/binding';
import { Carets } from './body/carets';
import { FastParagraph } from './paragraph';

const BodyListItem = ListItem.extend({ content: 'block+' });

/** A section editor's extensions; with `carets`, it shows the others' carets from that
 * awareness and publishes its own, as the caret of `section`. */
export function editorExtensions(text: Y.Text | null, placeholder: string, carets?: { awareness: Awareness; section: string }) {
  return [
    StarterKit.configure({ undoRedo: false, trailingNode: false, paragraph: false, listItem: false, link: { openOnClick: false } }),
    FastParagraph,
    BodyListItem,
    BodySync.configure({ text }),
    Authors,
    Anchors,
    Placeholder.configure({ placeholder }),
    ...(carets ? [Carets.configure(carets)] : []),
  ];
}
