// Who wrote what, read from a body's Yjs items: runs of one client each, at the body's indexes,
// the same on every replica; deleted text and markers are not anyone's text.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { authorSpans } from '../src/body/authors';

const sync = (a: Y.Doc, b: Y.Doc) => Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));

describe('authorSpans', () => {
  it('attributes each run to the client that typed it, on every replica', () => {
    const ana = new Y.Doc();
    ana.clientID = 11;
    const ben = new Y.Doc();
    ben.clientID = 22;
    const ta = ana.getText('body:problem');
    ta.insertEmbed(0, new Y.Map());
    ta.insert(1, 'New admins quit.');
    sync(ana, ben);
    const tb = ben.getText('body:problem');
    tb.insert(1 + 'New admins '.length, 'often ');
    tb.delete(1, 4); // "New " deleted by Ben: nobody's text now
    sync(ben, ana);
    const spans = authorSpans(ta);
    // toString leaves the marker out: the body's index 1 is the string's 0
    const text = ta.toString();
    expect(spans.map((s) => [s.client, text.slice(s.index - 1, s.index - 1 + s.length)])).toEqual([
      [11, 'admins '],
      [22, 'often '],
      [11, 'quit.'],
    ]);
    expect(authorSpans(tb)).toEqual(spans);
  });
});
