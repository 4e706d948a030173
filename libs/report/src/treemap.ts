/**
 * Squarified treemap layout (Bruls, Huizing and van Wijk, 2000): rectangles whose areas are
 * proportional to their values, laid out in rows along the shorter side of the space left,
 * a row growing while that keeps its worst aspect ratio from getting worse. Pure.
 */

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Placed<T> {
  item: T;
  rect: Rect;
}

/** The worst aspect ratio of a row of areas laid along a side of the given length. */
function worstRatio(row: readonly number[], side: number): number {
  const sum = row.reduce((a, b) => a + b, 0);
  const max = Math.max(...row);
  const min = Math.min(...row);
  const s2 = side * side;
  const sum2 = sum * sum;
  return Math.max((s2 * max) / sum2, sum2 / (s2 * min));
}

/**
 * Lay out items (values > 0; others are left out) in `rect`, largest first. Ties keep the input
 * order, so equal inputs give equal layouts.
 */
export function squarify<T>(items: readonly { value: number; item: T }[], rect: Rect): Placed<T>[] {
  const sorted = items.filter((i) => i.value > 0).map((i, index) => ({ ...i, index })).sort((a, b) => b.value - a.value || a.index - b.index);
  const total = sorted.reduce((sum, i) => sum + i.value, 0);
  if (sorted.length === 0 || rect.w <= 0 || rect.h <= 0) return [];
  const scale = (rect.w * rect.h) / total;
  const areas = sorted.map((i) => i.value * scale);
  const placed: Placed<T>[] = [];
  let { x, y, w, h } = rect;
  let i = 0;
  while (i < sorted.length) {
    const side = Math.min(w, h);
    const row = [areas[i]];
    let worst = worstRatio(row, side);
    let j = i + 1;
    while (j < sorted.length) {
      const next = worstRatio([...row, areas[j]], side);
      if (next > worst) break;
      row.push(areas[j]);
      worst = next;
      j += 1;
    }
    const rowArea = row.reduce((a, b) => a + b, 0);
    const last = j === sorted.length;
    if (w >= h) {
      // A column on the left, as tall as the space.
      const colW = last ? w : rowArea / h;
      let yy = y;
      row.forEach((area, k) => {
        const rh = k === row.length - 1 ? y + h - yy : area / colW;
        placed.push({ item: sorted[i + k].item, rect: { x, y: yy, w: colW, h: rh } });
        yy += rh;
      });
      x += colW;
      w -= colW;
    } else {
      // A row at the top, as wide as the space.
      const rowH = last ? h : rowArea / w;
      let xx = x;
      row.forEach((area, k) => {
        const rw = k === row.length - 1 ? x + w - xx : area / rowH;
        placed.push({ item: sorted[i + k].item, rect: { x: xx, y, w: rw, h: rowH } });
        xx += rw;
      });
      y += rowH;
      h -= rowH;
    }
    i = j;
  }
  return placed;
}

/** The rectangle shrunk by `pad` on every side and by `top` more at the top (room for a label). */
export function inset(rect: Rect, pad: number, top = 0): Rect {
  return { x: rect.x + pad, y: rect.y + pad + top, w: Math.max(0, rect.w - 2 * pad), h: Math.max(0, rect.h - 2 * pad - top) };
}
