// The warm-up (src/warmup.ts) runs the opening path on a throwaway document: its sample is a
// real typed history that decodes to the same content, and its steps run in order even when
// one fails.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readBlocks } from '../src/body/model';
import { idleSteps } from '../src/dom';
import { sampleUpdate, warmYjs } from '../src/warmup';

describe('warm-up', () => {
  it('decodes a typed history with deletions into the same paragraphs', () => {
    const update = sampleUpdate(20, 3);
    const doc = warmYjs(update);
    const body = doc.getText('body:warm');
    const blocks = readBlocks(body);
    expect(blocks.length).toBe(20);
    const again = readBlocks(warmYjs(update).getText('body:warm'));
    expect(again).toEqual(blocks);
    // it has a delete set: what was typed and then removed is gone
    expect(blocks[0].runs[0].text.length).toBeGreaterThan(0);
    expect(Y.decodeUpdate(update).ds.clients.size).toBeGreaterThan(0);
  });
  it('runs every step in order, past a failing one', async () => {
    const ran: number[] = [];
    await idleSteps([
      () => ran.push(1),
      () => {
        throw new Error('step failed');
      },
      () => ran.push(3),
    ]);
    expect(ran).toEqual([1, 3]);
  });
  it('stops once it is told to', async () => {
    const ran: number[] = [];
    await idleSteps([() => ran.push(1), () => ran.push(2), () => ran.push(3)], () => ran.length < 2);
    expect(ran).toEqual([1, 2]);
  });
});
