import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { displayPath } from '@strata/recipe';
import { CHECKSUMS_FILE, compareChecksums, parseChecksums } from './checksums';

/** The command that rebuilds one target's output, bypassing a cache entry that may be what broke. */
export function rebuildCommand(project: string, target: string): string {
  return `npx nx run ${project}:${target} --skip-nx-cache`;
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
  const { missing, changed } = await compareChecksums(dir, sums);
  const problems = [
    ...(missing.length > 0 ? [`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`] : []),
    ...(changed.length > 0 ? [`${changed.join(', ')} ${changed.length === 1 ? 'does' : 'do'} not match ${CHECKSUMS_FILE} (truncated or changed)`] : []),
  ];
  if (problems.length > 0) throw new IncompleteOutputError(dir, `is incomplete: ${problems.join('; ')}`, rebuild);
}
