// A section's body as the editor sees it (document schema 2; ARCHITECTURE.md, and src/body/ in
// the engine, which reads and writes the very same shape).
//
// A section is one Y.Text. Each block starts with a block marker — an embedded Y.Map whose keys
// say what the block is: `block` (paragraph, heading, code, rule), `level` (headings), `wrap`
// (the quotes and list items around it, outermost first, "/"-separated) and `cont` (it continues
// the list item of the block before instead of starting a new one). The characters after a
// marker, up to the next, are the block's text; marks are the text's formatting attributes; a
// "\n" in a paragraph is a hard break. Enter inserts one marker, Backspace at a block's start
// deletes one, a type change edits one marker's keys: text is never copied, so a teammate's
// concurrent typing keeps its place and its block.
//
// This file converts between that sequence and ProseMirror: `readBlocks` + `docFromBlocks` draw
// a body, `linearize` flattens a ProseMirror document into the same sequence (the binding diffs
// two of those to know what a local edit changed). Reading is total: text before the first
// marker, or after a rule, is a paragraph marked `implicit` (it has no marker of its own, so
// flattening it writes none); an embed that is not a marker is one placeholder character.
import * as Y from 'yjs';
import type { Mark, Node as PMNode, Schema } from '@tiptap/pm/model';

export type Kind = 'paragraph' | 'heading' | 'code' | 'rule';
export type Wrap = 'quote' | 'bullet' | 'ordered';
export interface BlockAttrs {
  kind: Kind;
  level: number;
  wrap: Wrap[];
  cont: boolean;
}
/** The marks a body's text can carry (the editor schema's names). */
export const MARKS = ['bold', 'italic', 'code', 'link', 'strike', 'underline'] as const;
/** Deepest `wrap` path read. */
export const MAX_WRAP = 16;
/** What an embed that is not a block marker shows as (it keeps its one position). */
export const OBJECT = '\uFFFC';

const KINDS = new Set<string>(['paragraph', 'heading', 'code', 'rule']);
const WRAPS = new Set<string>(['quote', 'bullet', 'ordered']);

export type MarkSet = Record<string, Record<string, unknown>>;
export interface Run {
  text: string;
  marks: MarkSet;
}
export interface Block {
  attrs: BlockAttrs;
  runs: Run[];
  /** No marker of its own (text before the first marker, or after a rule): it reads as a
   * paragraph in the rule's containers. */
  implicit: boolean;
}

export function readMarker(m: Y.Map<unknown>): BlockAttrs {
  const block = m.get('block');
  const kind = (typeof block === 'string' && KINDS.has(block) ? block : 'paragraph') as Kind;
  const lv = m.get('level');
  const level = typeof lv === 'number' && Number.isFinite(lv) ? Math.min(6, Math.max(1, Math.trunc(lv))) : 1;
  const w = m.get('wrap');
  const wrap = (typeof w === 'string' ? w.split('/').filter((x) => WRAPS.has(x)).slice(0, MAX_WRAP) : []) as Wrap[];
  return { kind, level, wrap, cont: m.get('cont') === true };
}

/** A marker's keys, in the engine's order (`BlockAttrs::entries`). */
export function markerEntries(a: BlockAttrs): [string, unknown][] {
  const out: [string, unknown][] = [['block', a.kind]];
  if (a.kind === 'heading') out.push(['level', Math.min(6, Math.max(1, a.level))]);
  if (a.wrap.length) out.push(['wrap', a.wrap.join('/')]);
  if (a.cont) out.push(['cont', true]);
  return out;
}

/** Makes marker `m` say `a`, writing only the keys that differ (concurrent changes to the
 * other keys survive). */
export function writeMarker(m: Y.Map<unknown>, a: BlockAttrs): void {
  const want = new Map(markerEntries(a));
  for (const key of ['block', 'level', 'wrap', 'cont']) {
    const w = want.get(key);
    const h = m.get(key);
    if (w === undefined) {
      if (h !== undefined) m.delete(key);
    } else if (h !== w) m.set(key, w);
  }
}

export function newMarker(a: BlockAttrs): Y.Map<unknown> {
  return new Y.Map(markerEntries(a));
}

export function attrsKey(a: BlockAttrs): string {
  return `${a.kind}|${a.kind === 'heading' ? a.level : 1}|${a.wrap.join('/')}|${a.cont ? 1 : 0}`;
}

export function marksFrom(attributes: Record<string, unknown> | undefined): MarkSet {
  const out: MarkSet = {};
  if (!attributes) return out;
  for (const k of MARKS) {
    const v = attributes[k];
    if (v === null || v === undefined) continue;
    out[k] = typeof v === 'object' ? (v as Record<string, unknown>) : {};
  }
  return out;
}

export function marksKey(marks: MarkSet): string {
  const names = Object.keys(marks).sort();
  return names.length ? JSON.stringify(names.map((n) => [n, marks[n]])) : '';
}

/** The blocks of a body, in order. */
export function readBlocks(text: Y.Text): Block[] {
  const out: Block[] = [];
  for (const op of text.toDelta() as { insert: unknown; attributes?: Record<string, unknown> }[]) {
    if (op.insert instanceof Y.Map) {
      out.push({ attrs: readMarker(op.insert), runs: [], implicit: false });
      continue;
    }
    const s = typeof op.insert === 'string' ? op.insert : OBJECT;
    const last = out[out.length - 1];
    if (!last || last.attrs.kind === 'rule') {
      const wrap = last ? last.attrs.wrap : [];
      out.push({ attrs: { kind: 'paragraph', level: 1, wrap, cont: wrap.some((x) => x !== 'quote') }, runs: [], implicit: true });
    }
    const block = out[out.length - 1];
    const marks = marksFrom(op.attributes);
    const prev = block.runs[block.runs.length - 1];
    if (prev && marksKey(prev.marks) === marksKey(marks)) prev.text += s;
    else block.runs.push({ text: s, marks });
  }
  return out;
}

function markList(schema: Schema, marks: MarkSet): readonly Mark[] {
  let set: readonly Mark[] = [];
  for (const [name, attrs] of Object.entries(marks)) {
    const type = schema.marks[name];
    if (type) set = type.create(attrs).addToSet(set);
  }
  return set;
}

/** Runs of text as inline nodes: their marks, and "\n" a hard break when `breaks`. */
export function inline(schema: Schema, runs: Run[], breaks: boolean): PMNode[] {
  const out: PMNode[] = [];
  for (const r of runs) {
    const marks = markList(schema, r.marks);
    const parts = breaks ? r.text.split('\n') : [r.text];
    parts.forEach((part, i) => {
      if (i > 0) out.push(schema.nodes.hardBreak.create());
      if (part) out.push(schema.text(part, marks));
    });
  }
  return out;
}

function textblock(schema: Schema, b: Block): PMNode {
  const n = schema.nodes;
  switch (b.attrs.kind) {
    case 'heading':
      return n.heading.create({ level: b.attrs.level }, inline(schema, b.runs, true));
    case 'code': {
      const code = b.runs.map((r) => r.text).join('');
      return n.codeBlock.create(null, code ? schema.text(code) : null);
    }
    case 'rule':
      return n.horizontalRule.create();
    default:
      return n.paragraph.create({ implicit: b.implicit ? attrsKey(b.attrs) : null }, inline(schema, b.runs, true));
  }
}

interface Frame {
  wrap: Wrap;
  items: PMNode[][];
}

function container(schema: Schema, f: Frame): PMNode {
  const n = schema.nodes;
  if (f.wrap === 'quote') return n.blockquote.create(null, f.items.flat());
  const list = f.wrap === 'ordered' ? n.orderedList : n.bulletList;
  return list.create(
    null,
    f.items.filter((i) => i.length).map((i) => n.listItem.create(null, i)),
  );
}

/** Blocks as a ProseMirror document: consecutive blocks share a container while their `wrap`
 * paths share it; a block under a list starts the next item of its innermost list unless it
 * is `cont` (the same grouping as the engine's `body::outline`). */
/** Text block nodes of an earlier drawing, by what they hold: drawing the body again after a
 * change reuses the nodes of the blocks it did not touch, so ProseMirror compares them by
 * identity (`findDiffStart`) and keeps their DOM. */
export class NodeCache {
  private prev = new Map<string, PMNode>();
  private next = new Map<string, PMNode>();
  get(schema: Schema, b: Block): PMNode {
    let sig = `${b.implicit ? 1 : 0}\u0002${attrsKey(b.attrs)}`;
    for (const r of b.runs) sig += `\u0002${marksKey(r.marks)}\u0003${r.text}`;
    const node = this.next.get(sig) ?? this.prev.get(sig) ?? textblock(schema, b);
    this.next.set(sig, node);
    return node;
  }
  /** Ends a drawing: only what it used is kept for the next. */
  done(): void {
    this.prev = this.next;
    this.next = new Map();
  }
}

export function docFromBlocks(blocks: Block[], schema: Schema, cache?: NodeCache): PMNode {
  const root: PMNode[] = [];
  const stack: Frame[] = [];
  const push = (node: PMNode) => {
    const f = stack[stack.length - 1];
    if (!f) root.push(node);
    else f.items[f.items.length - 1].push(node);
  };
  const close = () => {
    const f = stack.pop()!;
    push(container(schema, f));
  };
  for (const b of blocks) {
    const path = b.attrs.wrap;
    let keep = 0;
    while (keep < stack.length && keep < path.length && stack[keep].wrap === path[keep]) keep++;
    let list = -1;
    for (let i = path.length - 1; i >= 0; i--) if (path[i] !== 'quote') { list = i; break; }
    const newItem = list >= 0 && !b.attrs.cont;
    if (newItem) keep = Math.min(keep, list + 1);
    while (stack.length > keep) close();
    if (newItem && keep === list + 1) stack[list].items.push([]);
    while (keep < path.length) stack.push({ wrap: path[keep++], items: [[]] });
    push(cache ? cache.get(schema, b) : textblock(schema, b));
  }
  while (stack.length) close();
  if (!root.length) root.push(schema.nodes.paragraph.create({ implicit: attrsKey({ kind: 'paragraph', level: 1, wrap: [], cont: false }) }));
  cache?.done();
  return schema.nodes.doc.create(null, root);
}

/** One element of a body's sequence: a block marker, or one character (a code point) of text
 * with its marks. `len` is its length in the Y.Text (UTF-16 units). */
export type Unit =
  /** `given`: the marker of a paragraph drawn without one, now another block */
  | { marker: BlockAttrs; key: string; len: 1; given?: true }
  /** `mk`: the marks' key (`marksKey`), the part of `key` after the character */
  | { text: string; marks: MarkSet; key: string; mk: string; len: number };

const KIND_OF: Record<string, Kind> = { paragraph: 'paragraph', heading: 'heading', codeBlock: 'code', horizontalRule: 'rule' };

function markSetOf(marks: readonly Mark[]): MarkSet {
  const out: MarkSet = {};
  for (const m of marks) if ((MARKS as readonly string[]).includes(m.type.name)) out[m.type.name] = { ...m.attrs };
  return out;
}

interface Level {
  wrap: Wrap;
  started: boolean;
}

/** Whether the next block read starts the body or follows a rule: the only places a
 * paragraph without a marker is read from its text (readBlocks). */
interface Open {
  open: boolean;
}

function flatten(node: PMNode, path: Level[], out: Unit[], at: Open): void {
  const name = node.type.name;
  const kind = KIND_OF[name];
  if (kind) {
    let cont = false;
    for (let i = path.length - 1; i >= 0; i--) {
      if (path[i].wrap !== 'quote') {
        cont = path[i].started;
        path[i].started = true;
        break;
      }
    }
    const marker: BlockAttrs = { kind, level: kind === 'heading' ? Number(node.attrs.level) || 1 : 1, wrap: path.map((l) => l.wrap), cont };
    const key = attrsKey(marker);
    // a paragraph without a marker still being the block it is read as writes none; one
    // that became another block (wrapped in a list, say) gets its marker now
    // (or that is empty, or no longer first or after a rule: it is read without a marker only
    // from text there, and Enter splitting one copies its attributes to both halves)
    if (name === 'paragraph' && node.attrs.implicit) {
      if (node.attrs.implicit !== key || node.content.size === 0 || !at.open) out.push({ marker, key: '\u0001' + key, len: 1, given: true });
    } else out.push({ marker, key: '\u0001' + key, len: 1 });
    at.open = kind === 'rule';
    node.forEach((child) => {
      if (child.isText) {
        const marks = kind === 'code' ? {} : markSetOf(child.marks);
        const mk = marksKey(marks);
        for (const c of child.text!) out.push({ text: c, marks, key: c + '\u0000' + mk, mk, len: c.length });
      } else if (child.type.name === 'hardBreak') out.push({ text: '\n', marks: {}, key: '\n\u0000', mk: '', len: 1 });
      else out.push({ text: OBJECT, marks: {}, key: OBJECT + '\u0000', mk: '', len: 1 });
    });
    return;
  }
  if (name === 'blockquote') {
    path.push({ wrap: 'quote', started: false });
    node.forEach((c) => flatten(c, path, out, at));
    path.pop();
    return;
  }
  if (name === 'bulletList' || name === 'orderedList') {
    const level: Level = { wrap: name === 'orderedList' ? 'ordered' : 'bullet', started: false };
    path.push(level);
    node.forEach((item) => {
      level.started = false;
      item.forEach((c) => flatten(c, path, out, at));
    });
    path.pop();
    return;
  }
  node.forEach((c) => flatten(c, path, out, at));
}

/** Top-level nodes `from`..`to` of `doc` as the body's sequence. */
export function linearize(doc: PMNode, from = 0, to = doc.childCount): Unit[] {
  const out: Unit[] = [];
  const at: Open = { open: from === 0 || lastBlock(doc.child(from - 1)).type.name === 'horizontalRule' };
  for (let i = from; i < to; i++) flatten(doc.child(i), [], out, at);
  return out;
}

/** The last text block or rule in `node` (itself, when it is one). */
function lastBlock(node: PMNode): PMNode {
  let n = node;
  while (!n.isTextblock && n.type.name !== 'horizontalRule' && n.lastChild) n = n.lastChild;
  return n;
}

const sizes = new WeakMap<PMNode, number>();

/** Length in the Y.Text of one top-level node (cached: nodes are immutable). */
export function ySize(node: PMNode): number {
  let n = sizes.get(node);
  if (n === undefined) {
    n = 0;
    const units: Unit[] = [];
    flatten(node, [], units, { open: true });
    for (const u of units) n += u.len;
    sizes.set(node, n);
  }
  return n;
}

/** The length of each block's text, in order (how tall a section is drawn, logic.ts). */
export function blockLengths(text: Y.Text): number[] {
  return readBlocks(text).map((b) => b.runs.reduce((n, r) => n + r.text.length, 0));
}
