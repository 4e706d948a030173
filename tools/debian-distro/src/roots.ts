/** The committed list of root packages (names only, never versions). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const PROJECT_ROOT = join(__dirname, '..');
export const PACKAGES_FILE = join(PROJECT_ROOT, 'packages.txt');

export function parseRoots(text: string): string[] {
  const names = text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean);
  for (const name of names) {
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(name)) throw new Error(`packages.txt: "${name}" is not a Debian package name (no versions here)`);
  }
  const duplicates = names.filter((n, i) => names.indexOf(n) !== i);
  if (duplicates.length > 0) throw new Error(`packages.txt lists ${duplicates.join(', ')} twice`);
  return names;
}

export async function readRoots(file = PACKAGES_FILE): Promise<string[]> {
  return parseRoots(await readFile(file, 'utf8'));
}
