// Warms the code a brief's opening runs, while the app is idle after the list is shown.
// JavaScriptCore runs code cold in its interpreter first and compiles it only once it is hot;
// opening a long brief is one long pass through code that has never run (decoding a Yjs
// update, binding it to ProseMirror, drawing the paragraphs). Measured in node, decoding the
// automerge-paper state took about 80 ms cold and 15–25 ms warm. So once the list is on
// screen and the app is idle, the same path runs on a small throwaway document: a Yjs doc
// with a typed history is encoded, decoded into a fresh doc, and bound to an editor that is
// never attached to the page, then everything is dropped. No brief is read or written.
import * as Y from 'yjs';

/** A small document shaped like a typed brief section: paragraphs, inserts, deletions. */
export function sampleUpdate(paragraphs = 150, seed = 7): Uint8Array {
  const doc = new Y.Doc();
  const frag = doc.getXmlFragment('section:warm');
  let s = seed;
  const rnd = (n: number) => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s % n);
  for (let i = 0; i < paragraphs; i++) {
    const p = new Y.XmlElement('paragraph');
    const t = new Y.XmlText();
    p.insert(0, [t]);
    frag.insert(frag.length, [p]);
    // typed in bursts with corrections, like a person: many small items and a delete set
    for (let k = 0; k < 12; k++) {
      const at = rnd(t.length + 1);
      t.insert(at, 'word ' + k);
      if (k % 3 === 2 && t.length > 4) t.delete(rnd(t.length - 2), 2);
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
