// What a section's editor is made of: one list, used by the editors, by the text a section
// shows until it is reached (its schema, src/sectionview.ts) and, unattached, by the warm-up.
import StarterKit from '@tiptap/starter-kit';
import Collaboration from '@tiptap/extension-collaboration';
import { Placeholder } from '@tiptap/extensions';
import type * as Y from 'yjs';
import { FastParagraph } from './paragraph';

export function editorExtensions(fragment: Y.XmlFragment, placeholder: string) {
  return [
    StarterKit.configure({ undoRedo: false, trailingNode: false, paragraph: false, link: { openOnClick: false } }),
    FastParagraph,
    Collaboration.configure({ fragment }),
    Placeholder.configure({ placeholder }),
  ];
}
