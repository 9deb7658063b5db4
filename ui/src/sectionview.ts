// A section shown as text until someone reaches it. An editor costs about a megabyte of the
// web process (schema, plugins, key maps, observers) before it holds any text, and most
// sessions touch a few of a brief's eleven sections. So sections below the first screen are
// drawn from their Yjs body with the editor's own schema and classes — they look the same
// and lay out the same — kept current as the document changes, and their element becomes the
// editor (ProseMirror's `mount`) the moment it is clicked, focused or jumped to.
import { getSchema } from '@tiptap/core';
import { DOMSerializer, type Node as PMNode, type Schema } from '@tiptap/pm/model';
import { TextSelection } from '@tiptap/pm/state';
import type { EditorView } from '@tiptap/pm/view';
import type * as Y from 'yjs';
import { docFromBlocks, readBlocks } from './body/model';
import { editorExtensions } from './extensions';
import { plainParagraph } from './paragraph';

/** ProseMirror's marker for a line that would otherwise collapse to no height. */
const TRAILING_BREAK = 'ProseMirror-trailingBreak';

let cached: { schema: Schema; serializer: DOMSerializer } | null = null;

/** The editor's schema, built once from its extensions (src/extensions.ts). */
export function sectionSchema(): { schema: Schema; serializer: DOMSerializer } {
  if (!cached) {
    const schema = getSchema(editorExtensions(null, ''));
    cached = { schema, serializer: DOMSerializer.fromSchema(schema) };
  }
  return cached;
}

/** Draws `body` into `el` (replacing what it held) as the editor would: the same
 * elements, `ws-plain` where the paragraph node view would set it, ProseMirror's trailing
 * break in empty text blocks, and the placeholder when the section is empty. */
export function drawSection(el: HTMLElement, body: Y.Text, schema: Schema, serializer: DOMSerializer, placeholder: string): void {
  const doc = docFromBlocks(readBlocks(body), schema);
  const out = el.ownerDocument.createDocumentFragment();
  if (isEmpty(doc)) {
    const p = el.ownerDocument.createElement('p');
    p.className = 'is-empty is-editor-empty';
    p.setAttribute('data-placeholder', placeholder);
    p.append(trailingBreak(el.ownerDocument));
    out.append(p);
  } else {
    out.append(serializer.serializeFragment(doc.content, { document: el.ownerDocument }));
    const paragraphs: PMNode[] = [];
    doc.descendants((node) => {
      if (node.type.name === 'paragraph') paragraphs.push(node);
      return !node.isTextblock;
    });
    out.querySelectorAll('p').forEach((p, i) => {
      const node = paragraphs[i];
      if (node && plainParagraph(node)) p.classList.add('ws-plain');
    });
    for (const block of out.querySelectorAll('p, h1, h2, h3, h4, h5, h6, pre')) {
      const last = block.lastChild;
      if (!last || (last instanceof Element && last.nodeName === 'BR')) block.append(trailingBreak(el.ownerDocument));
    }
  }
  el.replaceChildren(out);
}

function isEmpty(doc: PMNode): boolean {
  return doc.childCount === 0 || (doc.childCount === 1 && doc.firstChild!.isTextblock && doc.firstChild!.content.size === 0);
}

function trailingBreak(d: Document): HTMLElement {
  const br = d.createElement('br');
  br.className = TRAILING_BREAK;
  return br;
}

/** Beyond this many characters a change is not redrawn from scratch: the section becomes
 * its editor, which applies changes one by one (a peer typing into a long section would
 * otherwise cost a full redraw per frame). */
export const REDRAW_LIMIT = 20_000;

/** A section drawn as text, redrawn (once per frame at most) when its body changes. */
export class SectionView {
  readonly el: HTMLElement;
  /** Called instead of a redraw once the section holds more than REDRAW_LIMIT characters. */
  onOutgrown: (() => void) | null = null;
  private pending = false;
  private readonly redraw = () => {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      if (!this.live) return;
      if (this.onOutgrown && (this.el.textContent?.length ?? 0) > REDRAW_LIMIT) this.onOutgrown();
      else this.draw();
    });
  };
  private live = true;

  constructor(
    private readonly body: Y.Text,
    private readonly schema: { schema: Schema; serializer: DOMSerializer },
    private readonly placeholder: string,
    attributes: Record<string, string>,
  ) {
    this.el = document.createElement('div');
    this.el.className = 'tiptap ProseMirror section-text';
    for (const [k, v] of Object.entries(attributes)) this.el.setAttribute(k, v);
    // reachable by Tab like an editor; focusing it mounts the editor
    this.el.tabIndex = 0;
    this.draw();
    body.observeDeep(this.redraw);
  }

  draw() {
    drawSection(this.el, this.body, this.schema.schema, this.schema.serializer, this.placeholder);
  }

  /** Stops following the body and hands the element over (to become the editor). */
  release(): HTMLElement {
    this.live = false;
    this.body.unobserveDeep(this.redraw);
    this.el.removeAttribute('tabindex');
    this.el.classList.remove('section-text');
    return this.el;
  }
}

/** A press on text that just became `view`'s editor: the caret goes where the press was and,
 * while the button is held, the selection follows the pointer (the browser's own handling
 * lost its target when the editor replaced the text's nodes). */
export function pressInto(view: EditorView, press: PointerEvent): void {
  const at = (e: { clientX: number; clientY: number }) => view.posAtCoords({ left: e.clientX, top: e.clientY })?.pos;
  const anchor = at(press) ?? view.state.doc.content.size;
  const select = (head: number) => {
    const doc = view.state.doc;
    const clamp = (n: number) => Math.max(0, Math.min(n, doc.content.size));
    view.dispatch(view.state.tr.setSelection(TextSelection.between(doc.resolve(clamp(anchor)), doc.resolve(clamp(head)))));
  };
  view.focus();
  select(anchor);
  const move = (e: PointerEvent) => {
    const head = at(e);
    if (head !== undefined) select(head);
  };
  const up = () => {
    window.removeEventListener('pointermove', move);
    window.removeEventListener('pointerup', up);
    window.removeEventListener('pointercancel', up);
  };
  window.addEventListener('pointermove', move);
  window.addEventListener('pointerup', up);
  window.addEventListener('pointercancel', up);
}
