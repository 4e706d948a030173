import { describe, expect, it } from 'vitest';
import { inset, squarify, type Rect } from './treemap';

const area = (r: Rect): number => r.w * r.h;
const overlaps = (a: Rect, b: Rect): boolean => a.x < b.x + b.w - 1e-6 && b.x < a.x + a.w - 1e-6 && a.y < b.y + b.h - 1e-6 && b.y < a.y + a.h - 1e-6;

describe('squarify', () => {
  const space: Rect = { x: 10, y: 20, w: 600, h: 400 };
  const values = [6, 6, 4, 3, 2, 2, 1];
  const placed = squarify(values.map((value, i) => ({ value, item: `item${i}` })), space);

  it('gives each item an area proportional to its value, inside the space, without overlaps', () => {
    expect(placed).toHaveLength(values.length);
    const total = values.reduce((a, b) => a + b, 0);
    for (const { item, rect } of placed) {
      const value = values[Number(item.slice(4))];
      expect(area(rect)).toBeCloseTo((value / total) * area(space), 6);
      expect(rect.x).toBeGreaterThanOrEqual(space.x - 1e-9);
      expect(rect.y).toBeGreaterThanOrEqual(space.y - 1e-9);
      expect(rect.x + rect.w).toBeLessThanOrEqual(space.x + space.w + 1e-9);
      expect(rect.y + rect.h).toBeLessThanOrEqual(space.y + space.h + 1e-9);
    }
    for (let i = 0; i < placed.length; i++) for (let j = i + 1; j < placed.length; j++) expect(overlaps(placed[i].rect, placed[j].rect), `${i} and ${j}`).toBe(false);
  });

  it('keeps rectangles close to square (the example of the paper: worst ratio under 3)', () => {
    for (const { rect } of placed) expect(Math.max(rect.w / rect.h, rect.h / rect.w)).toBeLessThan(3);
  });

  it('leaves out empty items, and lays out nothing in no space', () => {
    expect(squarify([{ value: 0, item: 'a' }, { value: 5, item: 'b' }], space).map((p) => p.item)).toEqual(['b']);
    expect(squarify([{ value: 5, item: 'a' }], { x: 0, y: 0, w: 0, h: 10 })).toEqual([]);
    expect(squarify([], space)).toEqual([]);
  });

  it('is deterministic, equal values in input order', () => {
    const items = [3, 3, 3].map((value, i) => ({ value, item: i }));
    expect(squarify(items, space).map((p) => p.item)).toEqual([0, 1, 2]);
    expect(squarify(items, space)).toEqual(squarify(items, space));
  });
});

describe('inset', () => {
  it('shrinks on every side and leaves room for a label on top', () => {
    expect(inset({ x: 0, y: 0, w: 100, h: 50 }, 2, 10)).toEqual({ x: 2, y: 12, w: 96, h: 36 });
    expect(inset({ x: 0, y: 0, w: 3, h: 3 }, 2)).toEqual({ x: 2, y: 2, w: 0, h: 0 });
  });
});
