// @vitest-environment jsdom
// Redraws wait while a mouse button is down (src/pointer.ts), so the element being clicked
// is not replaced between press and release; the app e2e presses a button across a redraw.
import { describe, expect, it, vi } from 'vitest';
import { afterPointer, pointerHeld } from '../src/pointer';

const press = (type: 'mousedown' | 'mouseup') => document.body.dispatchEvent(new MouseEvent(type, { bubbles: true }));

describe('afterPointer', () => {
  it('draws at once when no button is down', () => {
    const draw = vi.fn();
    afterPointer('part', draw);
    expect(draw).toHaveBeenCalledTimes(1);
  });

  it('holds draws during a press and runs the latest per part after the release', () => {
    vi.useFakeTimers();
    const first = vi.fn();
    const latest = vi.fn();
    const other = vi.fn();
    press('mousedown');
    expect(pointerHeld()).toBe(true);
    afterPointer('panel', first);
    afterPointer('panel', latest);
    afterPointer('header', other);
    expect([first, latest, other].map((f) => f.mock.calls.length)).toEqual([0, 0, 0]);
    press('mouseup');
    // the click the release makes comes first
    expect(latest).not.toHaveBeenCalled();
    vi.runAllTimers();
    expect([first, latest, other].map((f) => f.mock.calls.length)).toEqual([0, 1, 1]);
    vi.useRealTimers();
  });
});
