// The UI's sync peer against another y-sync peer in memory: they converge, updates leave in
// order without waiting for acks (merged past the in-flight limit), acknowledgements drive the save state, and bad
// bytes are typed errors.
import { describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { EnginePeer, MAX_IN_FLIGHT, MessageError, encodeStep1, parseBatch, parseOpenReply, type SaveState } from '../src/sync';

/** The update an update message carries. */
function readUpdate(message: Uint8Array): Uint8Array {
  const d = decoding.createDecoder(message);
  decoding.readVarUint(d);
  decoding.readVarUint(d);
  return decoding.readVarUint8Array(d);
}

/** Two peers joined by queues that the test drains by hand (no timers, no sleeps). */
function pair() {
  const a = new Y.Doc();
  const b = new Y.Doc();
  const toB: { bytes: Uint8Array; ack: () => void }[] = [];
  const toA: { bytes: Uint8Array; ack: () => void }[] = [];
  const states: SaveState[] = [];
  const acks: number[] = [];
  let clock = 0;
  const pa = new EnginePeer(a, new Awareness(a), (m) => new Promise<void>((ack) => toB.push({ bytes: m, ack })), {
    onSaveState: (s) => states.push(s),
    onAck: (ms) => acks.push(ms),
    now: () => clock,
  });
  const pb = new EnginePeer(b, new Awareness(b), (m) => new Promise<void>((ack) => toA.push({ bytes: m, ack })));
  const flush = async () => {
    for (let i = 0; i < 50 && (toA.length || toB.length); i++) {
      for (const m of toB.splice(0)) {
        pb.receive(m.bytes);
        m.ack();
      }
      for (const m of toA.splice(0)) {
        pa.receive(m.bytes);
        m.ack();
      }
      await Promise.resolve();
      await Promise.resolve();
    }
  };
  return { a, b, pa, pb, toB, toA, states, acks, flush, tick: (ms: number) => (clock += ms) };
}

describe('EnginePeer', () => {
  it('syncs two documents from a step 1 and keeps them converged', async () => {
    const p = pair();
    p.b.getText('t').insert(0, 'engine text');
    p.pa.receive(encodeStep1(p.b)); // A answers with what B lacks (nothing yet)
    p.pb.receive(encodeStep1(p.a)); // B answers A with its state
    await p.flush();
    expect(p.a.getText('t').toString()).toBe('engine text');
    p.a.getText('t').insert(0, '>> ');
    p.b.getText('t').insert(p.b.getText('t').length, ' <<');
    await p.flush();
    expect(p.a.getText('t').toString()).toBe('>> engine text <<');
    expect(p.b.getText('t').toString()).toBe(p.a.getText('t').toString());
  });

  it('answers a step 1 only when the other side lacks something', async () => {
    const p = pair();
    p.b.getText('t').insert(0, 'engine text');
    p.b.getText('t').delete(0, 7); // a long history leaves a delete set behind
    p.pb.receive(encodeStep1(p.a));
    await p.flush();
    expect(p.a.getText('t').toString()).toBe('text');
    // A holds nothing B lacks: no reply, not even the delete set
    p.pa.receive(encodeStep1(p.b));
    expect(p.toB.length).toBe(0);
    // a side that lacks A's content (an empty document) gets it in the answer
    p.pa.receive(encodeStep1(new Y.Doc()));
    expect(p.toB.length).toBe(1);
    const fresh = new Y.Doc();
    const peer = new EnginePeer(fresh, new Awareness(fresh), () => Promise.resolve());
    peer.receive(p.toB[0].bytes);
    expect(fresh.getText('t').toString()).toBe('text');
  });

  it('sends each edit at once and in order, merging only past the in-flight limit, and counts acks', async () => {
    const p = pair();
    const t = p.a.getText('t');
    t.insert(0, 'a');
    t.insert(1, 'b');
    t.insert(2, 'c');
    expect(p.toB.length).toBe(3); // none waits for an earlier one's ack
    expect(p.states.at(-1)).toEqual({ kind: 'saving', pending: 3 });
    p.tick(5);
    await p.flush();
    expect(p.b.getText('t').toString()).toBe('abc');
    expect(p.acks.length).toBe(3);
    expect(p.states.at(-1)?.kind).toBe('saved');
    // a burst: MAX_IN_FLIGHT messages go, the rest wait and leave as one
    for (let i = 0; i < MAX_IN_FLIGHT + 3; i++) t.insert(t.length, String(i % 10));
    expect(p.toB.length).toBe(MAX_IN_FLIGHT);
    const first = p.toB.shift()!;
    p.pb.receive(first.bytes);
    first.ack();
    await Promise.resolve();
    await Promise.resolve();
    expect(p.toB.length).toBe(MAX_IN_FLIGHT); // the three queued ones, merged into one message
    await p.flush();
    expect(p.b.getText('t').toString()).toBe(t.toString());
    expect(p.acks.length).toBe(3 + MAX_IN_FLIGHT + 3);
    expect(p.states.at(-1)?.kind).toBe('saved');
  });

  it('keeps updates after a failed send and sends them again', async () => {
    const a = new Y.Doc();
    let fail = true;
    const sent: Uint8Array[] = [];
    const states: SaveState[] = [];
    const peer = new EnginePeer(a, new Awareness(a), async (m) => {
      if (fail) throw { kind: 'storage', message: 'disk full' };
      sent.push(m);
    }, { onSaveState: (s) => states.push(s) });
    a.getText('t').insert(0, 'kept');
    await Promise.resolve();
    await Promise.resolve();
    expect(states.at(-1)).toEqual({ kind: 'error', message: 'disk full' });
    fail = false;
    peer.retry();
    await Promise.resolve();
    await Promise.resolve();
    expect(sent.length).toBe(1);
    const b = new Y.Doc();
    // the message is [0 sync][2 update][len][update]
    const payload = sent[0].slice(3);
    Y.applyUpdate(b, payload);
    expect(b.getText('t').toString()).toBe('kept');
    expect(states.at(-1)?.kind).toBe('saved');
  });

  it('tells when every edit so far is stored (closing waits on it)', async () => {
    const p = pair();
    expect(await p.pa.whenStored(1000)).toBe(true); // nothing pending
    p.a.getText('t').insert(0, 'last words');
    let stored: boolean | undefined;
    p.pa.whenStored(60_000).then((v) => (stored = v));
    await Promise.resolve();
    expect(stored).toBeUndefined(); // still in flight
    expect(p.pa.unstored).toBe(1);
    await p.flush();
    await Promise.resolve();
    expect(stored).toBe(true);
    expect(p.b.getText('t').toString()).toBe('last words');
  });

  it('says false when storing fails, after sending the kept edits once more', async () => {
    const a = new Y.Doc();
    let failures = 2;
    const peer = new EnginePeer(a, new Awareness(a), async () => {
      if (failures-- > 0) throw { kind: 'storage', message: 'disk full' };
    });
    a.getText('t').insert(0, 'kept');
    await Promise.resolve();
    await Promise.resolve();
    expect(peer.saveState.kind).toBe('error');
    // the retry fails too: false, and the edit is still counted as unstored
    expect(await peer.whenStored(60_000)).toBe(false);
    expect(peer.unstored).toBe(1);
    // the disk has room again: the retry stores it
    expect(await peer.whenStored(60_000)).toBe(true);
    expect(peer.unstored).toBe(0);
  });

  it('gives up after the time it was given', async () => {
    vi.useFakeTimers();
    try {
      const a = new Y.Doc();
      const peer = new EnginePeer(a, new Awareness(a), () => new Promise<void>(() => {})); // never acknowledged
      a.getText('t').insert(0, 'stuck');
      const stored = peer.whenStored(3000);
      vi.advanceTimersByTime(3000);
      expect(await stored).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects garbage with typed errors and stays usable', async () => {
    const p = pair();
    for (const bad of [new Uint8Array([]), new Uint8Array([7]), new Uint8Array([0, 2, 200, 1]), new Uint8Array([1, 5, 1, 2])]) {
      expect(() => p.pa.receive(bad)).toThrow(MessageError);
    }
    p.a.getText('t').insert(0, 'still fine');
    await p.flush();
    expect(p.b.getText('t').toString()).toBe('still fine');
  });

  it('does not echo what it received back to the sender', async () => {
    const p = pair();
    p.b.getText('t').insert(0, 'from b');
    await p.flush();
    expect(p.a.getText('t').toString()).toBe('from b');
    expect(p.toB.length).toBe(0);
  });

  it('applies the first state without encoding it again for an update event, and still sends local edits', async () => {
    const engine = new Y.Doc();
    engine.getText('t').insert(0, 'a long history');
    const ui = new Y.Doc();
    const sent: Uint8Array[] = [];
    const peer = new EnginePeer(ui, new Awareness(ui), async (m) => void sent.push(m));
    const events: string[] = [];
    const emit = ui.emit.bind(ui);
    ui.emit = (name, args) => {
      events.push(name);
      return emit(name, args);
    };
    // the engine hands its whole state as a sync step 2 (src/peer/messages.rs `attach`)
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0);
    syncProtocol.writeSyncStep2(e, engine);
    peer.receive(encoding.toUint8Array(e));
    await peer.synced;
    expect(ui.getText('t').toString()).toBe('a long history');
    expect(events).not.toContain('update');
    // the listener is back: an edit made here goes to the engine
    ui.getText('t').insert(0, '> ');
    await Promise.resolve();
    expect(sent.length).toBe(1);
    Y.applyUpdate(engine, readUpdate(sent[0]));
    expect(engine.getText('t').toString()).toBe('> a long history');
  });

  it('relays presence, and sends nothing once destroyed', async () => {
    const p = pair();
    p.pa.awareness.setLocalState({ name: 'Ana', role: 'pm', section: 'problem' });
    await p.flush();
    expect(p.pb.awareness.getStates().get(p.a.clientID)).toMatchObject({ name: 'Ana' });
    p.pa.destroy();
    p.a.getText('t').insert(0, 'after close');
    expect(p.toB.length).toBe(0);
  });
});

describe('open reply', () => {
  const frame = (editor: number, msgs: number[][]) => {
    const out = [editor & 0xff, (editor >> 8) & 0xff, (editor >> 16) & 0xff, editor >>> 24, 0, 0, 0, 0];
    for (const m of msgs) out.push(m.length & 0xff, (m.length >> 8) & 0xff, 0, 0, ...m);
    return new Uint8Array(out);
  };
  it('reads the editor and each message', () => {
    const r = parseOpenReply(frame(258, [[7, 8, 9], [], [1]]).buffer);
    expect(r.editor).toBe(258);
    expect(r.messages.map((m) => [...m])).toEqual([[7, 8, 9], [], [1]]);
    expect(parseOpenReply(frame(3, [])).messages).toEqual([]);
  });
  it('refuses short or overrunning replies with a typed error', () => {
    expect(() => parseOpenReply(new Uint8Array([1, 2, 3]))).toThrow(MessageError);
    const bad = frame(1, [[1, 2, 3]]);
    expect(() => parseOpenReply(bad.subarray(0, bad.length - 1))).toThrow(MessageError);
    expect(() => parseOpenReply(frame(1, [[1]]).subarray(0, 10))).toThrow(MessageError);
    const huge = new Uint8Array(8);
    huge[7] = 0xff;
    expect(() => parseOpenReply(huge)).toThrow(MessageError);
  });
  it('reads a batch of later messages the same way, from any offset of its buffer', () => {
    const reply = frame(9, [[4], [5, 6], []]);
    expect(parseBatch(reply.subarray(8)).map((m) => [...m])).toEqual([[4], [5, 6], []]);
    expect(parseBatch(new Uint8Array(0))).toEqual([]);
    expect(() => parseBatch(reply.subarray(8, 14))).toThrow(MessageError);
    expect(() => parseBatch(new Uint8Array([1, 0]))).toThrow(MessageError);
  });
});
