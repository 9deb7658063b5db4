// @vitest-environment jsdom
// Redraws wait while a mouse button is down (src/pointer.ts), so the element being clicked
// is not replaced between press and release; the app e2e presses a button across a redraw.
import { describe, expect, it, vi } from 'vitest';
import { afterPointer, pointerHeld } from '../src/pointer';

const press = (type: 'mousedown' | 'mouseup' | 'mousemove', buttons = type === 'mousedown' ? 1 : 0) =>
  document.body.dispatchEvent(new MouseEvent(type, { bubbles: true, button: 0, buttons }));

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

  it('lets go when a move says the button is up though no release came (a menu took it)', () => {
    vi.useFakeTimers();
    const draw = vi.fn();
    press('mousedown');
    afterPointer('panel', draw);
    press('mousemove', 1);
    expect(pointerHeld()).toBe(true);
    press('mousemove', 0);
    vi.runAllTimers();
    expect(draw).toHaveBeenCalledTimes(1);
    vi.useRealTimers();
  });

  it('holds nothing for another button (a right click opens a menu)', () => {
    document.body.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, button: 2, buttons: 2 }));
    expect(pointerHeld()).toBe(false);
  });
});
