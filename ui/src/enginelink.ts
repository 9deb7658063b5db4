// An open editor's link to the engine: the loopback WebSocket of src/frontend/socket.rs, whose
// module doc is the wire. This document's y-sync messages go out numbered, each answered once
// stored (or with why not); the engine's messages come back in batches. A WebSocket keeps
// order, so a message need not wait for the previous one's answer; and a message arriving is
// an event with bytes, never a script to evaluate (ARCHITECTURE.md, "IPC").
import { MessageError, parseBatch } from './sync';

const KIND_MESSAGES = 0;
const KIND_STORED = 1;
const KIND_FAILED = 2;

/** Message `seq` was refused or could not be stored, with the engine's reason. */
export class NotStoredError extends Error {}
/** The link closed (the engine stopped, or the editor was closed). */
export class LinkClosedError extends Error {}

export class EngineLink {
  private ws: WebSocket;
  private seq = 0;
  private waiting = new Map<number, { stored: () => void; failed: (e: Error) => void }>();
  private closed: LinkClosedError | null = null;

  private constructor(ws: WebSocket, onMessage: (bytes: Uint8Array) => void) {
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (e: MessageEvent) => {
      if (!(e.data instanceof ArrayBuffer)) return;
      try {
        this.receive(new Uint8Array(e.data), onMessage);
      } catch (err) {
        console.error('engine link', err);
      }
    };
    ws.onclose = () => this.end(new LinkClosedError('the link to the engine closed'));
  }

  /** Connects editor `editor` at `url` (the `editor_socket` command's); resolves once open. */
  static connect(url: string, editor: number, onMessage: (bytes: Uint8Array) => void): Promise<EngineLink> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url}&editor=${editor}`);
      ws.onopen = () => resolve(new EngineLink(ws, onMessage));
      ws.onerror = () => reject(new LinkClosedError('could not reach the engine'));
    });
  }

  /** Sends one y-sync message; resolves once what it changed is stored. */
  send(message: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(this.closed);
    this.seq = (this.seq + 1) >>> 0;
    const seq = this.seq;
    const out = new Uint8Array(4 + message.length);
    new DataView(out.buffer).setUint32(0, seq, true);
    out.set(message, 4);
    return new Promise((stored, failed) => {
      this.waiting.set(seq, { stored, failed });
      this.ws.send(out);
    });
  }

  /** Closes the link; what was sent and not answered is reported as not stored. */
  close(): void {
    this.ws.close();
    this.end(new LinkClosedError('the editor was closed'));
  }

  private end(why: LinkClosedError) {
    this.closed ??= why;
    for (const w of this.waiting.values()) w.failed(this.closed);
    this.waiting.clear();
  }

  private receive(bytes: Uint8Array, onMessage: (bytes: Uint8Array) => void) {
    if (bytes.length === 0) throw new MessageError('an empty message from the engine');
    const kind = bytes[0];
    if (kind === KIND_MESSAGES) {
      for (const m of parseBatch(bytes.subarray(1))) onMessage(m);
      return;
    }
    if (kind !== KIND_STORED && kind !== KIND_FAILED) throw new MessageError(`unknown message kind ${kind} from the engine`);
    if (bytes.length < 5) throw new MessageError('an answer without its sequence number');
    const seq = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1, true);
    const w = this.waiting.get(seq);
    if (!w) throw new MessageError(`an answer to message ${seq}, which is not waiting`);
    this.waiting.delete(seq);
    if (kind === KIND_STORED) w.stored();
    else w.failed(new NotStoredError(new TextDecoder().decode(bytes.subarray(5))));
  }
}
