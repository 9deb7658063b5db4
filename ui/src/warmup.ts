// Warms the code a brief's opening runs, while the app is idle after the list is shown.
// JavaScriptCore runs code cold in its interpreter first and compiles it only once it is hot;
// opening a long brief is one long pass through code that has never run (decoding a Yjs
// update, binding it to ProseMirror, drawing the paragraphs). Measured in node, decoding the
// automerge-paper state took about 80 ms cold and 15–25 ms warm. So once the list is on
// screen and the app is idle, the same path runs on a small throwaway document: a Yjs doc
// with a typed history is encoded, decoded into a fresh doc, and bound to an editor that is
// never attached to the page, then everything is dropped. No brief is read or written.
import * as Y from 'yjs';
import { newMarker } from './body/model';

/** A small document shaped like a typed brief section: paragraphs, inserts, deletions. */
export function sampleUpdate(paragraphs = 150, seed = 7): Uint8Array {
  const doc = new Y.Doc();
  const body = doc.getText('body:warm');
  let s = seed;
  const rnd = (n: number) => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s % n);
  for (let i = 0; i < paragraphs; i++) {
    const start = body.length + 1;
    body.insertEmbed(body.length, newMarker({ kind: 'paragraph', level: 1, wrap: [], cont: false }));
    // typed in bursts with corrections, like a person: many small items and a delete set
    let len = 0;
    for (let k = 0; k < 12; k++) {
      const word = 'word ' + k;
      body.insert(start + rnd(len + 1), word);
      len += word.length;
      if (k % 3 === 2 && len > 4) {
        body.delete(start + rnd(len - 2), 2);
        len -= 2;
      }
    }
  }
  return Y.encodeStateAsUpdate(doc);
}

/** Decodes a sample update into a fresh doc. */
export function warmYjs(update: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  return doc;
}
