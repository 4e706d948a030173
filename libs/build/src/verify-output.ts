import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { displayPath } from '@strata/recipe';
import { sha256File } from './build-image';

export const CHECKSUMS_FILE = 'SHA256SUMS';

/** The command that rebuilds one target's output, bypassing a cache entry that may be what broke. */
export function rebuildCommand(project: string, target: string): string {
  return `npx nx run ${project}:${target} --skip-nx-cache`;
}

/** SHA256SUMS text (as sha256sum writes it: "<hex>  <file>") -> file -> sha256; null when malformed. */
export function parseChecksums(text: string): Map<string, string> | null {
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match || isAbsolute(match[2]!) || match[2]!.split('/').includes('..')) return null;
    sums.set(match[2]!, match[1]!);
  }
  return sums.size > 0 ? sums : null;
}

/** An output folder that is not exactly what its build wrote: refused, with how to rebuild it. */
export class IncompleteOutputError extends Error {
  constructor(
    readonly dir: string,
    readonly problem: string,
    readonly rebuild: string,
    exists = true,
  ) {
    super(exists ? `${displayPath(dir)} ${problem}; refusing to read it. Rebuild it: ${rebuild}` : `${displayPath(dir)} ${problem}; build it: ${rebuild}`);
    this.name = 'IncompleteOutputError';
  }
}

/**
 * Checks an output folder against its SHA256SUMS before anything reads it: SHA256SUMS present
 * and well formed, every file it lists present with that sha256. The build writes SHA256SUMS
 * last, inside a staging folder swapped in whole, so a folder that fails this was left by an
 * interrupted Nx cache restore (which rewrites outputs in place) or changed since.
 */
export async function verifyOutput(dir: string, rebuild: string): Promise<void> {
  const text = await readFile(join(dir, CHECKSUMS_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    return null;
  });
  if (text === null) {
    const exists = await stat(dir).then(
      () => true,
      () => false,
    );
    throw new IncompleteOutputError(dir, exists ? `is incomplete: it has no ${CHECKSUMS_FILE}` : 'does not exist', rebuild, exists);
  }
  const sums = parseChecksums(text);
  if (!sums) throw new IncompleteOutputError(dir, `is incomplete: its ${CHECKSUMS_FILE} is empty or malformed`, rebuild);
  const missing: string[] = [];
  const changed: string[] = [];
  for (const [file, sha256] of sums) {
    const actual = await sha256File(join(dir, file)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      return null;
    });
    if (actual === null) missing.push(file);
    else if (actual !== sha256) changed.push(file);
  }
  const problems = [
    ...(missing.length > 0 ? [`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`] : []),
    ...(changed.length > 0 ? [`${changed.join(', ')} ${changed.length === 1 ? 'does' : 'do'} not match ${CHECKSUMS_FILE} (truncated or changed)`] : []),
  ];
  if (problems.length > 0) throw new IncompleteOutputError(dir, `is incomplete: ${problems.join('; ')}`, rebuild);
}
