/**
 * Terminal text: colours (chalk, switched off when the output is not a terminal or NO_COLOR is
 * set), aligned tables and human sizes. Pure functions; the caller decides where text goes.
 */
import { Chalk, type ChalkInstance } from 'chalk';

export type Colors = ChalkInstance;

/**
 * Colour only for a terminal, never with NO_COLOR (https://no-color.org: any non-empty value).
 * FORCE_COLOR=0 also turns it off. Nx runs every task with FORCE_COLOR=true and output captured
 * for its cache, so FORCE_COLOR does not turn colour on by itself: a task whose terminal is
 * a real one still sees a TTY.
 */
export function wantsColor(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

export function makeColors(enabled: boolean): Colors {
  return new Chalk({ level: enabled ? 1 : 0 });
}

/** Colours as the process's stdout allows. */
export function terminalColors(): Colors {
  return makeColors(wantsColor());
}

/** Separates sections: Nx drops empty lines from a task's output, so a lone space stands in for one. */
export const BLANK_LINE = ' ';

/** A table cell: its text, and how to colour it once padded. */
export type Cell = string | { text: string; style?: (s: string) => string; align?: 'left' | 'right' };

function cellText(cell: Cell): string {
  return typeof cell === 'string' ? cell : cell.text;
}

/** Rows with aligned columns, two spaces apart; the last column is not padded. */
export function formatTable(rows: readonly (readonly Cell[])[], indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cellText(cell)].length)));
  return rows.map((row) => {
    const parts = row.map((cell, i) => {
      const text = cellText(cell);
      const fill = ' '.repeat(Math.max(0, widths[i] - [...text].length));
      const right = typeof cell !== 'string' && cell.align === 'right';
      const padded = i === row.length - 1 && !right ? text : right ? fill + text : text + fill;
      return typeof cell !== 'string' && cell.style ? cell.style(padded) : padded;
    });
    return `${indent}${parts.join('  ')}`.replace(/\s+$/, '');
  });
}

/** 1234567 -> "1.2 MB" (decimal units, as the build prints sizes). */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  const n = Math.abs(bytes);
  if (n < 1000) return `${sign}${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = n / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${sign}${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

/** "+1.2 MB" / "-300 B" / "0 B". */
export function formatBytesDelta(bytes: number): string {
  return bytes > 0 ? `+${formatBytes(bytes)}` : formatBytes(bytes);
}

export function percent(part: number, whole: number): string {
  return whole === 0 ? '0.0%' : `${((100 * part) / whole).toFixed(1)}%`;
}

/** "1 file", "2 files". */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Bytewise order of strings, as the image's entries are sorted. */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Text as HTML: the five characters that could end an element or an attribute, escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
}
