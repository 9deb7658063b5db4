// Other people's carets and selections in a section's editor (issue 14, point 1), and this
// editor's own caret published for them.
//
// Awareness carries one caret per person, in the field `caret`: `{ section, anchor, head }`,
// anchor and head being Y.RelativePosition (as JSON) on the section's body. The app has one
// editor per section, so the section says which editor draws it; the stock y-prosemirror caret
// plugin assumes one shared type per document and could not tell. Relative positions point at
// characters, so a caret stays on its character while others type around it, and, because
// splits, joins and type changes move no character (./model.ts), across those too.
//
// A caret is a widget decoration (a thin bar in the person's colour, labelled "name · role"),
// a selection an inline decoration in the same colour, translucent. Colours come from the device
// key (`caretColours`), the same on every peer, with a light-theme and a dark-theme variant
// that each keep the label readable (WCAG AA contrast with its text, tested).
import { Extension } from '@tiptap/core';
import { Plugin, PluginKey, type EditorState, type Transaction } from '@tiptap/pm/state';
import { Decoration, DecorationSet, type EditorView } from '@tiptap/pm/view';
import type { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { bindingOf } from './binding';

/** The awareness field a caret travels in. */
export interface Caret {
  section: string;
  anchor: unknown;
  head: unknown;
}

/** What a caret shows of its person: read from their awareness state, hostile text. */
interface Person {
  name: string;
  role: string;
  device: string;
}

/** sRGB relative luminance (WCAG 2) of an HSL colour. */
function luminance(h: number, s: number, l: number): number {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * f(0) + 0.7152 * f(8) + 0.0722 * f(4);
}

/** WCAG contrast ratio of two luminances. */
export function contrast(a: number, b: number): number {
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

export interface CaretColours {
  hue: number;
  /** Light theme: a dark colour, white label text; `selection` is it translucent. */
  light: { solid: string; selection: string; lum: number };
  /** Dark theme: a light colour, near-black label text. */
  dark: { solid: string; selection: string; lum: number };
}

const SAT = 0.7;
/** Label text: white on the light theme's caret colour, this near-black on the dark one's. */
export const DARK_TEXT_LUM = luminance(0, 0, 0.08);

/** A device's caret colours: its hue from the device key (as the avatars'), the lightness the
 * darkest (dark theme) or lightest (light theme) that still gives its label AA contrast. */
export function caretColours(device: string): CaretColours {
  let h = 0;
  for (let i = 0; i < device.length; i++) h = (h * 31 + device.charCodeAt(i)) >>> 0;
  const hue = h % 360;
  let lo = 0.5;
  while (lo > 0.2 && contrast(luminance(hue, SAT, lo), 1) < 4.6) lo -= 0.01;
  let hi = 0.5;
  while (hi < 0.85 && contrast(luminance(hue, SAT, hi), DARK_TEXT_LUM) < 4.6) hi += 0.01;
  const variant = (l: number) => {
    const pct = Math.round(l * 100);
    return { solid: `hsl(${hue} ${SAT * 100}% ${pct}%)`, selection: `hsl(${hue} ${SAT * 100}% ${pct}% / 0.28)`, lum: luminance(hue, SAT, pct / 100) };
  };
  return { hue, light: variant(lo), dark: variant(hi) };
}

/** The carets drawn, and whether an edit replaced the spot of one of them since. */
interface Drawn {
  set: DecorationSet;
  stale: boolean;
}

const key = new PluginKey<Drawn>('groundwork-carets');

/** The colour variables a caret's elements read (style.css picks the theme's). */
const colourVars = (c: CaretColours) => `--caret-light:${c.light.solid};--caret-dark:${c.dark.solid};--caret-sel-light:${c.light.selection};--caret-sel-dark:${c.dark.selection}`;

function caretWidget(p: Person, colours: CaretColours, clientID: number): HTMLElement {
  const bar = document.createElement('span');
  bar.className = 'gw-caret';
  bar.dataset.client = String(clientID);
  bar.dataset.device = p.device;
  bar.contentEditable = 'false';
  bar.setAttribute('style', colourVars(colours));
  // the label is drawn by CSS from this attribute (`content: attr(data-label)`), so it is
  // never part of the text (copy, textContent) and a member's name, hostile text, is only
  // ever text, never markup
  bar.dataset.label = p.role ? `${p.name} · ${p.role}` : p.name;
  return bar;
}

/** The decorations for every other person's caret in `section`, from the awareness states. */
function decorate(view: EditorView, awareness: Awareness, section: string): DecorationSet {
  const binding = bindingOf(view);
  if (!binding) return DecorationSet.empty;
  const doc = view.state.doc;
  const size = doc.content.size;
  const decos: Decoration[] = [];
  const clamp = (n: number) => Math.max(1, Math.min(n, size));
  for (const [clientID, st] of awareness.getStates()) {
    if (clientID === awareness.clientID) continue;
    const s = st as { caret?: Caret | null; name?: unknown; role?: unknown; device?: unknown };
    const c = s.caret;
    if (!c || c.section !== section || typeof s.device !== 'string' || typeof s.name !== 'string') continue;
    let anchor: number | null = null;
    let head: number | null = null;
    try {
      anchor = binding.absolute(Y.createRelativePositionFromJSON(c.anchor));
      head = binding.absolute(Y.createRelativePositionFromJSON(c.head));
    } catch {
      continue; // a malformed position from a peer draws nothing
    }
    if (anchor === null || head === null) continue;
    anchor = clamp(anchor);
    head = clamp(head);
    const person: Person = { name: s.name, role: typeof s.role === 'string' ? s.role : '', device: s.device };
    const colours = caretColours(person.device);
    const from = Math.min(anchor, head);
    const to = Math.max(anchor, head);
    if (from < to)
      decos.push(
        Decoration.inline(from, to, { class: 'gw-caret-selection', style: colourVars(colours), 'data-client': String(clientID) }, { inclusiveStart: false, inclusiveEnd: false }),
      );
    decos.push(Decoration.widget(head, () => caretWidget(person, colours, clientID), { key: `caret-${clientID}-${person.device}-${person.name}-${person.role}`, side: 1 }));
  }
  return DecorationSet.create(doc, decos);
}

/** This editor's caret as awareness carries it. */
function ownCaret(view: EditorView, section: string): Caret | null {
  const binding = bindingOf(view);
  if (!binding) return null;
  const { anchor, head } = view.state.selection;
  return { section, anchor: Y.relativePositionToJSON(binding.relative(anchor)), head: Y.relativePositionToJSON(binding.relative(head)) };
}

/** Draws the others' carets in this section's editor and publishes its own while focused. */
export const Carets = Extension.create<{ awareness: Awareness | null; section: string }>({
  name: 'groundworkCarets',
  addOptions() {
    return { awareness: null, section: '' };
  },
  addProseMirrorPlugins() {
    const { awareness, section } = this.options;
    if (!awareness) return [];
    let published = '';
    const publish = (view: EditorView) => {
      const caret = view.hasFocus() ? ownCaret(view, section) : null;
      const json = JSON.stringify(caret);
      const mine = (awareness.getLocalState() as { caret?: Caret | null } | null)?.caret;
      // another editor of this brief may hold the caret now: only clear what is ours
      if (!caret && (!mine || mine.section !== section)) return;
      if (json === published && JSON.stringify(mine ?? null) === json) return;
      published = json;
      awareness.setLocalStateField('caret', caret);
    };
    let publishing = false;
    const publishLater = (view: EditorView) => {
      if (publishing) return;
      publishing = true;
      queueMicrotask(() => {
        publishing = false;
        if (!view.isDestroyed) publish(view);
      });
    };
    return [
      new Plugin<Drawn>({
        key,
        state: {
          init: (): Drawn => ({ set: DecorationSet.empty, stale: false }),
          apply: (tr: Transaction, drawn: Drawn): Drawn => {
            const fresh = tr.getMeta(key) as DecorationSet | undefined;
            if (fresh) return { set: fresh, stale: false };
            if (!tr.docChanged) return drawn;
            // carets move with the edit; one whose spot the edit replaced is drawn again from
            // its relative position (the binding redraws a remote change as one replaced range)
            const stale = drawn.stale || drawn.set.find().some((d) => tr.mapping.mapResult(d.from).deleted || tr.mapping.mapResult(d.to).deleted);
            return { set: drawn.set.map(tr.mapping, tr.doc), stale };
          },
        },
        props: {
          decorations: (state: EditorState) => key.getState(state)?.set,
          handleDOMEvents: {
            focus: (view) => {
              publish(view);
              return false;
            },
            blur: (view) => {
              // after the blur the view no longer has focus: its caret is withdrawn
              queueMicrotask(() => publish(view));
              return false;
            },
          },
        },
        view: (view) => {
          let destroyed = false;
          let queued = false;
          const redraw = () => {
            queued = false;
            if (destroyed) return;
            view.dispatch(view.state.tr.setMeta(key, decorate(view, awareness, section)).setMeta('addToHistory', false));
          };
          // drawn again from the relative positions, outside the update that asked for it: when
          // someone's caret changed, or an edit replaced where one was drawn
          const later = () => {
            if (queued) return;
            queued = true;
            queueMicrotask(redraw);
          };
          const onChange = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
            if ([...added, ...updated, ...removed].some((c) => c !== awareness.clientID)) later();
          };
          awareness.on('change', onChange);
          later();
          return {
            update: (v, prev) => {
              if (key.getState(v.state)?.stale) later();
              // once every plugin saw this transaction: the body binding writes the body in its
              // own update, and the caret's relative position must be made against that body
              if (v.state.selection !== prev.selection || v.state.doc !== prev.doc) publishLater(v);
            },
            destroy: () => {
              destroyed = true;
              awareness.off('change', onChange);
              const mine = (awareness.getLocalState() as { caret?: Caret | null } | null)?.caret;
              if (mine && mine.section === section) awareness.setLocalStateField('caret', null);
            },
          };
        },
      }),
    ];
  },
});
