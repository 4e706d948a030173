/**
 * The Nx runtime input of debian-distro:build: what the Debian mirror serves today for the roots
 * of packages.txt. Refreshes the private apt lists (apt only fetches what changed), resolves the
 * closure and prints the sha256 of its sorted name=version list, so a point release or a
 * security update of any package in the closure gives a new cache key, and nothing else does.
 *
 * Never fails (a failing runtime input would fail every Nx run): when the mirror cannot be
 * reached it uses the lists of the last update, and without any it prints "unavailable".
 *
 * CLI: node -r @swc-node/register tools/debian-distro/src/mirror-state.ts [--cache DIR]
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveClosure, type ResolvedPackage } from './apt';
import { aptStateFor, DEFAULT_CACHE_DIR, refreshLists } from './build-distro';
import { readRoots } from './roots';

export function closureDigest(closure: readonly ResolvedPackage[]): string {
  const lines = closure.map((p) => `${p.name}=${p.version} ${p.arch}\n`).sort();
  return createHash('sha256').update(lines.join('')).digest('hex');
}

export async function mirrorState(cacheDir: string): Promise<string> {
  const state = await aptStateFor(cacheDir);
  await refreshLists(state, (line) => console.error(line));
  const closure = await resolveClosure(state, await readRoots());
  return `debian closure sha256:${closureDigest(closure)} (${closure.length} packages)`;
}

if (require.main === module) {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { cache: { type: 'string' } }, strict: true });
  mirrorState(resolve(values.cache ?? DEFAULT_CACHE_DIR))
    .then((line) => console.log(line))
    .catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      console.error(message);
      console.log(`debian closure unavailable: ${message.split('\n')[0]}`);
    });
}
