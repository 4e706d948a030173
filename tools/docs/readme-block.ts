import { readFileSync, writeFileSync } from 'node:fs';

/** A generated block of README.md: everything between its two markers, markers included. */
export interface ReadmeBlock {
  start: string;
  end: string;
  render(): string;
}

/** Rewrite the block in place; false when it was already up to date. */
export function updateReadmeBlock(readmePath: string, block: ReadmeBlock): boolean {
  const text = readFileSync(readmePath, 'utf8');
  const start = text.indexOf(block.start);
  const end = text.indexOf(block.end);
  if (start < 0 || end < 0) throw new Error(`${readmePath}: the markers ${block.start} and ${block.end} are missing`);
  const next = `${text.slice(0, start)}${block.render()}${text.slice(end + block.end.length)}`;
  if (next === text) return false;
  writeFileSync(readmePath, next);
  return true;
}
