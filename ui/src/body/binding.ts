// Binds a ProseMirror editor to a section's body (a Y.Text in the block-marker model of
// ./model.ts). It replaces TipTap's Collaboration extension (y-prosemirror), whose XmlFragment
// shape copied a paragraph's text whenever its type changed or it was split.
//
// - Local edits: after each editor transaction, the top-level nodes that changed (by identity:
//   ProseMirror keeps unchanged nodes) are flattened before and after, the common prefix and
//   suffix are trimmed, markers whose block only changed type are edited in place (one key),
//   and what remains becomes one delete and the inserts of text runs (every mark named, absent
//   ones null) and markers. Enter is one marker inserted, Backspace at a block's start one
//   marker deleted, Ctrl+Alt+1 one key of one marker.
// - Remote edits (and undo): typing and deleting inside blocks is patched into the editor as
//   those characters (`patch`, from the Yjs event's delta); anything else, or anything after a
//   local edit that left the editor in a shape the body does not tell apart, draws the body as
//   a document again and replaces only the range where it differs, so the selection and
//   unchanged DOM stay.
// - Undo: a Y.UndoManager over this editor's own changes (Mod-z, Shift-Mod-z, Mod-y), so undo
//   never takes back a teammate's typing; a step ends 500 ms after the last edit or when the
//   caret moves without an edit.
// - Positions: `pmToY` / `yToPm` map editor positions to body indices; relative positions
//   (carets, comment anchors) are Y.RelativePosition on the body, and follow their characters
//   across splits, joins and type changes because those never move characters.
import { Extension } from '@tiptap/core';
import type { Node as PMNode, Schema } from '@tiptap/pm/model';
import { Plugin, PluginKey, type EditorState } from '@tiptap/pm/state';
import type { EditorView } from '@tiptap/pm/view';
import * as Y from 'yjs';
import { docFromBlocks, inline, linearize, marksFrom, MARKS, newMarker, NodeCache, readBlocks, writeMarker, ySize, type MarkSet, type Unit } from './model';

const key = new PluginKey('groundwork-body');
const bindings = new WeakMap<EditorView, BodyBinding>();

/** The binding of an editor view, if it has one. */
export function bindingOf(view: EditorView): BodyBinding | undefined {
  return bindings.get(view);
}

function attrsFor(marks: MarkSet): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of MARKS) out[k] = marks[k] ?? null;
  return out;
}

/** The Y.Map marker at body index `index`, walking the body's items. */
function markerAt(text: Y.Text, index: number): Y.Map<unknown> | null {
  let at = 0;
  for (let item = text._start; item; item = item.right) {
    if (item.deleted || !item.countable) continue;
    if (at === index) {
      const c = item.content;
      return c instanceof Y.ContentType && c.type instanceof Y.Map ? (c.type as Y.Map<unknown>) : null;
    }
    at += item.length;
    if (at > index) return null;
  }
  return null;
}

/** What a unit holds, regardless of marks and block type: its character, or "a marker". */
const content = (u: Unit) => ('marker' in u ? '\u0001' : u.text);

/** Restyles in place where `a` and `b` hold the same content: marker keys that differ are
 * written, text whose marks differ is formatted (absent marks as null, which removes them).
 * Nothing is deleted or inserted, so concurrent typing around it is untouched. True when it
 * wrote anything. */
function restyle(text: Y.Text, start: number, a: Unit[], b: Unit[]): boolean {
  let wrote = false;
  let at = start;
  let i = 0;
  while (i < a.length) {
    const ua = a[i];
    const ub = b[i];
    if (ua.key === ub.key) {
      at += ua.len;
      i++;
      continue;
    }
    wrote = true;
    if ('marker' in ub) {
      const m = markerAt(text, at);
      if (m) writeMarker(m, ub.marker);
      at += 1;
      i++;
      continue;
    }
    // a run of text taking the same new marks
    const marks = ub.marks;
    let len = 0;
    for (let u = b[i]; i < a.length && 'mk' in u && a[i].key !== u.key && u.mk === ub.mk; u = b[i]) len += a[i++].len;
    text.format(at, len, attrsFor(marks));
    at += len;
  }
  return wrote;
}

/** Applies the difference between two flattened ranges to the body, from index `base`:
 * the common prefix and suffix of content stay (restyled in place where only marks or block
 * types differ); what differs between them is deleted and inserted. True when that was text
 * only: characters deleted and inserted, no marker and no restyling. */
export function applyDiff(text: Y.Text, base: number, a: Unit[], b: Unit[]): boolean {
  let p = 0;
  while (p < a.length && p < b.length && content(a[p]) === content(b[p])) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && content(a[a.length - 1 - s]) === content(b[b.length - 1 - s])) s++;
  let textOnly = !restyle(text, base, a.slice(0, p), b.slice(0, p));
  let offset = base;
  for (let i = 0; i < p; i++) offset += a[i].len;
  let removed = 0;
  for (let i = p; i < a.length - s; i++) {
    removed += a[i].len;
    if ('marker' in a[i]) textOnly = false;
  }
  if (removed) text.delete(offset, removed);
  let at = offset;
  let i = p;
  const end = b.length - s;
  while (i < end) {
    const u = b[i];
    if ('marker' in u) {
      textOnly = false;
      text.insertEmbed(at, newMarker(u.marker));
      at += 1;
      i++;
      continue;
    }
    let run = '';
    for (let v = b[i]; i < end && 'mk' in v && v.mk === u.mk; v = b[i]) {
      run += v.text;
      i++;
    }
    text.insert(at, run, attrsFor(u.marks));
    at += run.length;
  }
  if (restyle(text, at, a.slice(a.length - s), b.slice(b.length - s))) textOnly = false;
  return textOnly && (p < a.length || p < b.length);
}

/** Writes what changed from document `a` to document `b` into the body. `given`: it gave a
 * paragraph drawn without a marker its marker (the binding then clears its `implicit`).
 * `textOnly`: it deleted and inserted characters and nothing else, so `b` is still exactly
 * what drawing the body gives when `a` was (anything else may leave the editor showing an
 * equivalent shape the body does not distinguish, say two quotes in a row for one). */
export function writeChange(text: Y.Text, a: PMNode, b: PMNode): { given: boolean; textOnly: boolean } {
  // an empty body is drawn as one empty paragraph without a marker, which stands for nothing
  if (blank(a)) {
    const all = blank(b) ? [] : linearize(b);
    applyDiff(text, 0, [], all);
    return { given: all.some((u) => 'given' in u), textOnly: false };
  }
  const na = a.childCount;
  const nb = b.childCount;
  let i = 0;
  while (i < na && i < nb && a.child(i) === b.child(i)) i++;
  let ea = na;
  let eb = nb;
  while (ea > i && eb > i && a.child(ea - 1) === b.child(eb - 1)) {
    ea--;
    eb--;
  }
  let base = 0;
  for (let k = 0; k < i; k++) base += ySize(a.child(k));
  const after = blank(b) ? [] : linearize(b, i, eb);
  const textOnly = applyDiff(text, base, linearize(a, i, ea), after);
  return { given: after.some((u) => 'given' in u), textOnly };
}

/** A document that is one empty paragraph drawn without a marker: an empty body. */
function blank(doc: PMNode): boolean {
  const only = doc.childCount === 1 ? doc.firstChild! : null;
  return only !== null && only.type.name === 'paragraph' && !!only.attrs.implicit && only.content.size === 0;
}

/** Whether a text block has a marker in the body (an implicit paragraph that is still the
 * block it is read as has none). Positions are mapped in a document drawn from the body, where
 * that holds exactly for paragraphs marked implicit. */
function hasMarker(node: PMNode): boolean {
  return !(node.type.name === 'paragraph' && node.attrs.implicit);
}

/** Walks the text blocks (and rules) of a document drawn from the body, in order, with each
 * one's position, its body index and its length in the body (marker included); stops when
 * `visit` returns true. */
function eachBlock(doc: PMNode, visit: (node: PMNode, at: number, y: number, marker: number) => boolean): number {
  let y = 0;
  let done = false;
  doc.descendants((node, at) => {
    if (done) return false;
    if (!node.isTextblock && node.type.name !== 'horizontalRule') return true;
    const marker = hasMarker(node) ? 1 : 0;
    if (visit(node, at, y, marker)) done = true;
    else y += marker + node.content.size;
    return false;
  });
  return y;
}

/** Body index of editor position `pos` (inside a text block: its character; elsewhere: the
 * start of the next block's text). */
export function pmToY(doc: PMNode, pos: number): number {
  let found = -1;
  const end = eachBlock(doc, (node, at, y, marker) => {
    if (pos < at || pos > at + node.nodeSize - 1) return false;
    found = y + marker + Math.max(0, Math.min(pos - at - 1, node.content.size));
    return true;
  });
  return found >= 0 ? found : end;
}

/** Editor position of body index `index`. An index at a marker maps to the end of the
 * block before it (the caret after the last character stays in its block), the first marker
 * to the start of the first block. */
export function yToPm(doc: PMNode, index: number): number {
  let found = -1;
  eachBlock(doc, (node, at, y, marker) => {
    if (index < y || index > y + marker + node.content.size) return false;
    found = at + 1 + Math.max(0, Math.min(index - y - marker, node.content.size));
    return true;
  });
  return found >= 0 ? found : doc.content.size;
}

/** `yToPm` of many body indexes in one walk over the blocks (a section with hundreds of
 * comment highlights would walk it once per end otherwise); the results in the given order. */
export function yToPmAll(doc: PMNode, indexes: number[]): number[] {
  const order = indexes.map((_, i) => i).sort((a, b) => indexes[a] - indexes[b]);
  const out: number[] = new Array(indexes.length).fill(doc.content.size);
  let next = 0;
  eachBlock(doc, (node, at, y, marker) => {
    // an index at a block's end belongs to that block, as in yToPm (the first match)
    while (next < order.length && indexes[order[next]] <= y + marker + node.content.size) {
      const index = indexes[order[next]];
      if (index >= y) out[order[next]] = at + 1 + Math.max(0, Math.min(index - y - marker, node.content.size));
      next++;
    }
    return next >= order.length;
  });
  return out;
}

/** Where body range `index`..`index + len` lies in `doc` (drawn from the body): inside one
 * text block's text (not before its marker), as the editor position of `index`, whether the
 * block is code or implicit (no marker), and its text's length; null when it is not inside
 * one (a rule, across a boundary). Within a block, body and editor offsets agree: a
 * character, a hard break ("\n") and an inline object are one unit in both. */
function textRange(doc: PMNode, index: number, len: number): { pos: number; code: boolean; implicit: boolean; size: number } | null {
  let out: { pos: number; code: boolean; implicit: boolean; size: number } | null = null;
  eachBlock(doc, (node, at, y, marker) => {
    if (index > y + marker + node.content.size) return false;
    if (node.isTextblock && index >= y + marker && index + len <= y + marker + node.content.size)
      out = { pos: at + 1 + index - y - marker, code: node.type.name === 'codeBlock', implicit: marker === 0, size: node.content.size };
    return true;
  });
  return out;
}

/** Inserted body text as the editor's inline nodes, as drawing the body makes them: the
 * marks its attributes name (none in code), "\n" a hard break outside code. */
function inlineText(schema: Schema, text: string, attributes: Record<string, unknown> | undefined, code: boolean): PMNode[] {
  if (code) return text ? [schema.text(text)] : [];
  return inline(schema, [{ text, marks: marksFrom(attributes) }], true);
}

export class BodyBinding {
  readonly undo: Y.UndoManager;
  private applying = false;
  /** The editor shows exactly what drawing the body gives (false after a local edit that was
   * more than typing or deleting characters, until the next drawing). */
  private drawn = false;
  private readonly nodes = new NodeCache();
  private readonly observer = (events: Y.YEvent<Y.AbstractType<unknown>>[], tr: Y.Transaction) => {
    if (tr.origin === this) return;
    const before = this.view.state.doc;
    let patched = false;
    try {
      patched = this.patch(events);
    } catch (e) {
      // content the editor's schema refuses there (from a peer, say): drawn instead
      console.warn('remote change not patched', e);
    }
    if (!patched) this.draw();
    else if (BodyBinding.checkPatches) {
      const want = docFromBlocks(readBlocks(this.text), this.view.state.schema);
      if (!want.eq(this.view.state.doc))
        throw new Error(`a patched remote change ${JSON.stringify((events[0] as Y.YTextEvent).delta)} on ${before} gave ${this.view.state.doc}; drawing the body gives ${want}`);
    }
  };

  constructor(
    private readonly view: EditorView,
    readonly text: Y.Text,
  ) {
    this.undo = new Y.UndoManager(text, { trackedOrigins: new Set([this]), captureTimeout: 500 });
    text.observeDeep(this.observer);
    bindings.set(view, this);
    this.draw();
  }

  /** Redraws the editor from the body, replacing only where they differ. */
  draw(): void {
    const state = this.view.state;
    const next = docFromBlocks(readBlocks(this.text), state.schema, this.nodes);
    const cur = state.doc;
    this.drawn = true;
    const start = cur.content.findDiffStart(next.content);
    if (start === null) return;
    let { a: endA, b: endB } = cur.content.findDiffEnd(next.content)!;
    const overlap = start - Math.min(endA, endB);
    if (overlap > 0) {
      endA += overlap;
      endB += overlap;
    }
    const tr = state.tr.replace(start, endA, next.slice(start, endB)).setMeta(key, 'body').setMeta('addToHistory', false);
    this.applying = true;
    try {
      this.view.dispatch(tr);
    } finally {
      this.applying = false;
    }
  }

  /** A remote change that only typed or deleted text inside blocks, applied to the editor as
   * those characters (O(change) instead of drawing the body again, which on a long section is
   * most of a teammate's keystroke reaching the screen); false, having done nothing, for
   * anything else: markers added, removed or edited, formatting, embeds, a range that crosses
   * a block boundary. */
  private patch(events: Y.YEvent<Y.AbstractType<unknown>>[]): boolean {
    if (!this.drawn || events.length !== 1 || events[0].target !== this.text) return false;
    const state = this.view.state;
    const tr = state.tr;
    const schema = state.schema;
    let index = 0;
    for (const op of (events[0] as Y.YTextEvent).delta) {
      if (op.retain !== undefined) {
        if (op.attributes) return false;
        index += op.retain;
        continue;
      }
      const n = op.delete ?? (typeof op.insert === 'string' ? op.insert.length : -1);
      if (n < 0) return false;
      const block = textRange(tr.doc, index, op.delete ?? 0);
      if (!block) return false;
      if (op.delete !== undefined) {
        // an implicit paragraph left empty is no block at all (it is read only from text)
        if (block.implicit && n === block.size) return false;
        tr.delete(block.pos, block.pos + n);
        continue;
      }
      const inserted = inlineText(schema, op.insert as string, op.attributes, block.code);
      if (inserted.length) tr.insert(block.pos, inserted);
      index += n;
    }
    if (!tr.docChanged) return true;
    this.applying = true;
    try {
      this.view.dispatch(tr.setMeta(key, 'body').setMeta('addToHistory', false));
    } finally {
      this.applying = false;
    }
    BodyBinding.patched++;
    return true;
  }

  /** Tests set this: every patched remote change is checked against drawing the body. */
  static checkPatches = false;
  /** Remote changes applied by `patch` (tests see the fast path taken). */
  static patched = 0;

  /** After an editor transaction: writes a local change into the body. */
  update(prev: EditorState): void {
    if (this.applying) return;
    const a = prev.doc;
    const b = this.view.state.doc;
    if (a === b) {
      // the caret moved without an edit (a click, the arrows): what is typed next is a new
      // undo step, as in any editor, however soon it follows
      if (!prev.selection.eq(this.view.state.selection)) this.undo.stopCapturing();
      return;
    }
    let written = { given: false, textOnly: false };
    this.text.doc!.transact(() => (written = writeChange(this.text, a, b)), this);
    // the next remote change is patched in only while the editor shows the body exactly
    if (!written.textOnly) this.drawn = false;
    if (written.given) this.clearImplicit();
  }

  /** Paragraphs that were drawn without a marker and now have one: no longer implicit. */
  private clearImplicit(): void {
    const state = this.view.state;
    const want = docFromBlocks(readBlocks(this.text), state.schema);
    if (want.content.size !== state.doc.content.size) return;
    const tr = state.tr;
    state.doc.descendants((node, pos) => {
      if (node.type.name !== 'paragraph' || !node.attrs.implicit) return !node.isTextblock;
      const there = want.nodeAt(pos);
      if (there && there.type === node.type && there.attrs.implicit !== node.attrs.implicit) tr.setNodeMarkup(pos, null, { ...node.attrs, implicit: there.attrs.implicit });
      return false;
    });
    if (!tr.docChanged) return;
    this.applying = true;
    try {
      this.view.dispatch(tr.setMeta(key, 'body').setMeta('addToHistory', false));
    } finally {
      this.applying = false;
    }
  }

  /** A relative position for editor position `pos` (follows its character). */
  relative(pos: number): Y.RelativePosition {
    return Y.createRelativePositionFromTypeIndex(this.text, pmToY(this.view.state.doc, pos));
  }

  /** The editor position a relative position points at now, if its character survives. */
  absolute(rel: Y.RelativePosition): number | null {
    const abs = Y.createAbsolutePositionFromRelativePosition(rel, this.text.doc!);
    if (!abs || abs.type !== this.text) return null;
    return yToPm(this.view.state.doc, abs.index);
  }

  destroy(): void {
    this.text.unobserveDeep(this.observer);
    this.undo.destroy();
    bindings.delete(this.view);
  }
}

/** The editor extension: binds to `text` (none: the schema only, as for drawing text). */
export const BodySync = Extension.create<{ text: Y.Text | null }>({
  name: 'groundworkBody',
  addOptions() {
    return { text: null };
  },
  addProseMirrorPlugins() {
    const text = this.options.text;
    if (!text) return [];
    return [
      new Plugin({
        key,
        view: (view) => {
          const binding = new BodyBinding(view, text);
          return { update: (_v, prev) => binding.update(prev), destroy: () => binding.destroy() };
        },
      }),
    ];
  },
  addKeyboardShortcuts() {
    const run = (what: 'undo' | 'redo') => () => {
      const b = bindings.get(this.editor.view);
      if (!b) return false;
      if (what === 'undo') b.undo.undo();
      else b.undo.redo();
      return true;
    };
    return { 'Mod-z': run('undo'), 'Shift-Mod-z': run('redo'), 'Mod-y': run('redo') };
  },
});
