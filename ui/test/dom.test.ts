// @vitest-environment jsdom
// Notices (src/dom.ts `showToast`): a burst never grows over the screen, repeats do not stack.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TOASTS_SHOWN, showToast } from '../src/dom';

const shown = (stack: HTMLElement) => [...stack.children].map((c) => c.textContent);

describe('showToast', () => {
  afterEach(() => vi.useRealTimers());

  it('keeps only the newest few', () => {
    const stack = document.createElement('div');
    for (let i = 1; i <= 5; i++) showToast(stack, `notice ${i}`, 'info', 5000);
    expect(TOASTS_SHOWN).toBe(3);
    expect(shown(stack)).toEqual(['notice 3', 'notice 4', 'notice 5']);
  });

  it('shows a repeated message once, as the newest', () => {
    const stack = document.createElement('div');
    showToast(stack, 'Exported', 'info', 5000);
    showToast(stack, 'Saved', 'info', 5000);
    showToast(stack, 'Exported', 'info', 5000);
    expect(shown(stack)).toEqual(['Saved', 'Exported']);
  });

  it('goes away after its time', () => {
    vi.useFakeTimers();
    const stack = document.createElement('div');
    const t = showToast(stack, 'Could not export', 'error', 8000);
    expect(t.className).toBe('toast error');
    vi.advanceTimersByTime(7999);
    expect(shown(stack)).toEqual(['Could not export']);
    vi.advanceTimersByTime(1);
    expect(shown(stack)).toEqual([]);
  });
});
