// The UI's Yjs document as one more peer of the engine's document. It speaks the y-sync
// protocol (sync step 1/2, update, awareness) as bytes, over any transport: in the app that
// is Tauri IPC; in unit tests, another in-memory peer. Local updates are sent at once and
// counted until the engine acknowledges them as stored.
import * as Y from 'yjs';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';

export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;

/** Sends one y-sync message; resolves when the other side has stored what it changed. */
export type Send = (message: Uint8Array) => Promise<void>;

export type SaveState =
  | { kind: 'saved'; at: number }
  | { kind: 'saving'; pending: number }
  | { kind: 'error'; message: string };

export interface PeerOptions {
  /** Called on every change of the save state. */
  onSaveState?: (s: SaveState) => void;
  /** Called with the milliseconds from a local edit to its acknowledgement. */
  onAck?: (ms: number) => void;
  now?: () => number;
}

export class MessageError extends Error {}

export function encodeUpdateMessage(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_SYNC);
  syncProtocol.writeUpdate(e, update);
  return encoding.toUint8Array(e);
}

export function encodeStep1(doc: Y.Doc): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_SYNC);
  syncProtocol.writeSyncStep1(e, doc);
  return encoding.toUint8Array(e);
}

export function encodeAwareness(awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
  return encoding.toUint8Array(e);
}

/** Update messages sent without an acknowledgement yet, at most; later ones wait, merged. */
export const MAX_IN_FLIGHT = 8;

export class EnginePeer {
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness;
  private send: Send;
  private opts: PeerOptions;
  private pending = 0;
  /** Updates waiting for the message in flight to be acknowledged, with when each was made. */
  private queue: { update: Uint8Array; at: number }[] = [];
  /** Update messages sent and not yet acknowledged. */
  private inFlight = 0;
  private state: SaveState;
  /** Called on the next change of the save state (`whenStored`). */
  private stateWaiters: (() => void)[] = [];
  private destroyed = false;
  /** Resolves once the other side's whole state (a sync step 2) has been applied. */
  readonly synced: Promise<void>;
  private resolveSynced!: () => void;
  /** The other side's whole state (its first sync step 2) has been applied. */
  private hasState = false;
  private onUpdate: (update: Uint8Array, origin: unknown) => void;
  private onAwareness: (
    change: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ) => void;

  constructor(doc: Y.Doc, awareness: awarenessProtocol.Awareness, send: Send, opts: PeerOptions = {}) {
    this.doc = doc;
    this.awareness = awareness;
    this.send = send;
    this.opts = opts;
    this.state = { kind: 'saved', at: this.now() };
    this.synced = new Promise((r) => (this.resolveSynced = r));
    this.onUpdate = (update, origin) => {
      if (origin === this || this.destroyed) return;
      this.enqueue(update);
    };
    this.onAwareness = ({ added, updated, removed }, origin) => {
      if (origin === this || this.destroyed) return;
      const changed = added.concat(updated, removed);
      this.send(encodeAwareness(this.awareness, changed)).catch(() => {
        /* presence is best effort */
      });
    };
    doc.on('update', this.onUpdate);
    awareness.on('update', this.onAwareness);
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : performance.now();
  }

  get saveState(): SaveState {
    return this.state;
  }

  private setState(s: SaveState) {
    this.state = s;
    this.opts.onSaveState?.(s);
    for (const w of this.stateWaiters.splice(0)) w();
  }

  /** Resolves true once every local edit made so far is acknowledged as stored; false when a
   * send fails first, or after `ms`. Edits a failed send left queued are sent again first:
   * closing the window is when that matters. */
  whenStored(ms: number): Promise<boolean> {
    let awaitRetry = this.state.kind === 'error' && this.queue.length > 0 && !this.destroyed;
    if (awaitRetry) this.retry();
    return new Promise((done) => {
      const timer = setTimeout(() => done(false), ms);
      const check = () => {
        if (this.pending === 0) {
          clearTimeout(timer);
          done(true);
        } else if (this.state.kind === 'error' && !awaitRetry) {
          clearTimeout(timer);
          done(false);
        } else {
          awaitRetry = false;
          this.stateWaiters.push(check);
        }
      };
      check();
    });
  }

  /** Local edits not yet acknowledged as stored. */
  get unstored(): number {
    return this.pending;
  }

  /** Updates go out at once, in order, without waiting for the previous one's acknowledgement
   * (the transport keeps their order: the engine applies them as they come); past
   * `MAX_IN_FLIGHT` unacknowledged messages, later updates queue and leave merged as one.
   * Order matters (the engine refuses an update that depends on one it has not seen), and
   * merging keeps a burst (a paste, a fast typist on a slow disk) to a few messages. */
  private enqueue(update: Uint8Array) {
    this.queue.push({ update, at: this.now() });
    this.pending += 1;
    if (this.state.kind !== 'error') this.setState({ kind: 'saving', pending: this.pending });
    this.pump();
  }

  private pump() {
    if (this.inFlight >= MAX_IN_FLIGHT || this.queue.length === 0 || this.destroyed) return;
    const batch = this.queue.splice(0);
    const update = batch.length === 1 ? batch[0].update : Y.mergeUpdates(batch.map((b) => b.update));
    this.inFlight += 1;
    this.send(encodeUpdateMessage(update)).then(
      () => {
        this.inFlight -= 1;
        this.pending -= batch.length;
        const t = this.now();
        for (const b of batch) this.opts.onAck?.(t - b.at);
        if (this.pending === 0) this.setState({ kind: 'saved', at: Date.now() });
        else if (this.state.kind !== 'error' || this.queue.length === 0) this.setState({ kind: 'saving', pending: this.pending });
        this.pump();
      },
      (err: unknown) => {
        this.inFlight -= 1;
        // Keep the updates: they are retried with the next edit or by `retry()` (the engine
        // takes an update it already has as a no-op).
        this.queue.unshift(...batch);
        this.setState({ kind: 'error', message: errorText(err) });
      },
    );
  }

  /** Sends again whatever a failed send left queued. */
  retry(): void {
    this.pump();
  }

  /** Handles one message from the other side; replies go out through `send`. */
  receive(bytes: Uint8Array): void {
    if (this.destroyed) return;
    let kind: number;
    const decoder = decoding.createDecoder(bytes);
    try {
      kind = decoding.readVarUint(decoder);
    } catch {
      throw new MessageError('empty or truncated message');
    }
    if (kind === MESSAGE_SYNC) {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      let sub: number;
      if (!fitsDeclaredLength(bytes)) throw new MessageError('truncated sync message');
      if (this.stepOneCoversUs(bytes)) return;
      // The first state is the whole document. With an 'update' listener on the document,
      // Yjs encodes everything a transaction applied once more for the event, and ours
      // ignores what this peer applies (its own origin): for the automerge-paper brief that
      // was a third of opening it. Nothing else listens before the first state (no editor
      // is bound to a document that is not synced), so ours is off while it is applied.
      const first = !this.hasState && isStep2(bytes);
      if (first) this.doc.off('update', this.onUpdate);
      try {
        sub = syncProtocol.readSyncMessage(decoder, encoder, this.doc, this);
      } catch (e) {
        throw new MessageError(`bad sync message: ${errorText(e)}`);
      } finally {
        if (first) this.doc.on('update', this.onUpdate);
      }
      // lib0 reads past the end of a truncated buffer without complaint: check by position
      if (decoder.pos > bytes.length) throw new MessageError('truncated sync message');
      if (sub === syncProtocol.messageYjsSyncStep2) {
        this.hasState = true;
        this.resolveSynced();
      }
      if (encoding.length(encoder) > 1) {
        // a sync step 2 reply: its payload is an update, and it goes in order with ours
        const reply = decoding.createDecoder(encoding.toUint8Array(encoder));
        decoding.readVarUint(reply);
        decoding.readVarUint(reply);
        const update = decoding.readVarUint8Array(reply);
        if (update.length > 2) this.enqueue(update);
      }
    } else if (kind === MESSAGE_AWARENESS) {
      try {
        awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this);
      } catch (e) {
        throw new MessageError(`bad awareness message: ${errorText(e)}`);
      }
    } else {
      throw new MessageError(`unknown message type ${kind}`);
    }
  }

  /** True for a sync step 1 whose state vector already holds everything in our document.
   * Its answer would carry no content, only the whole delete set (slow to build for a long
   * history); deletions made here are already on their way through the update queue. */
  private stepOneCoversUs(bytes: Uint8Array): boolean {
    let theirs: Map<number, number>;
    try {
      const d = decoding.createDecoder(bytes);
      decoding.readVarUint(d);
      if (decoding.readVarUint(d) !== syncProtocol.messageYjsSyncStep1) return false;
      theirs = Y.decodeStateVector(decoding.readVarUint8Array(d));
    } catch {
      return false; // not a readable step 1: the full handling reports it
    }
    for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(this.doc))) {
      if ((theirs.get(client) ?? 0) < clock) return false;
    }
    return true;
  }

  /** Withdraws our presence and stops listening. */
  destroy(): void {
    if (this.destroyed) return;
    // the other side withdraws our presence when we detach; nothing more is sent
    this.destroyed = true;
    awarenessProtocol.removeAwarenessStates(this.awareness, [this.doc.clientID], 'local');
    this.doc.off('update', this.onUpdate);
    this.awareness.off('update', this.onAwareness);
  }
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}

/** True for a sync step 2 message (the other side's state, or what we lack of it). */
function isStep2(bytes: Uint8Array): boolean {
  try {
    const d = decoding.createDecoder(bytes);
    return decoding.readVarUint(d) === MESSAGE_SYNC && decoding.readVarUint(d) === syncProtocol.messageYjsSyncStep2;
  } catch {
    return false;
  }
}

/** True when a sync message's payload (after type and subtype) is as long as it declares:
 * lib0 would otherwise hand a short slice to Yjs. */
export function fitsDeclaredLength(bytes: Uint8Array): boolean {
  try {
    const d = decoding.createDecoder(bytes);
    decoding.readVarUint(d);
    decoding.readVarUint(d);
    const len = decoding.readVarUint(d);
    return d.pos + len <= bytes.length;
  } catch {
    return false;
  }
}

/** The `open_brief` reply (src-tauri/src/commands.rs `open_reply`): the editor id as a u64
 * little-endian, then messages framed as in `parseBatch`. */
export function parseOpenReply(reply: ArrayBuffer | Uint8Array): { editor: number; messages: Uint8Array[] } {
  const bytes = reply instanceof Uint8Array ? reply : new Uint8Array(reply);
  if (bytes.length < 8) throw new MessageError(`open reply of ${bytes.length} bytes is too short`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const high = view.getUint32(4, true);
  if (high >= 0x200000) throw new MessageError('editor id out of range');
  const editor = high * 0x100000000 + view.getUint32(0, true);
  return { editor, messages: parseBatch(bytes.subarray(8)) };
}

/** A batch of engine messages (src/frontend/socket.rs): each one a u32 little-endian length,
 * then its bytes. */
export function parseBatch(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const messages: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw new MessageError('engine messages: truncated length');
    const n = view.getUint32(at, true);
    at += 4;
    if (at + n > bytes.length) throw new MessageError(`engine messages: a message of ${n} bytes runs past the end`);
    messages.push(bytes.subarray(at, at + n));
    at += n;
  }
  return messages;
}
