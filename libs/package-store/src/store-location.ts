import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where the package store lives: STRATA_PACKAGE_STORE, else one per user shared by every checkout
 * on the machine ($XDG_CACHE_HOME/strata/packages, ~/.cache/strata/packages without it).
 */
export function packageStoreDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (env.STRATA_PACKAGE_STORE) return resolve(env.STRATA_PACKAGE_STORE);
  const cache = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(home, '.cache');
  return join(cache, 'strata', 'packages');
}

/**
 * The mirrors a missing package is fetched from: HTTP(S) stores laid out as the package store is
 * (<mirror>/sha256/<hex>). STRATA_PACKAGE_MIRRORS (separated by spaces or commas) comes first, then
 * the `packageMirrors` option of strata's plugin in nx.json.
 */
export function packageMirrors(env: NodeJS.ProcessEnv = process.env, configured: readonly string[] = []): string[] {
  const fromEnv = (env.STRATA_PACKAGE_MIRRORS ?? '').split(/[\s,]+/).filter(Boolean);
  return [...new Set([...fromEnv, ...configured].map((url) => url.replace(/\/+$/, '')))];
}
