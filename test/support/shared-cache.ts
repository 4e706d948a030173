import { randomUUID } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { startCacheServer } from './cache-server';

/**
 * Vitest global setup: one shared cache server (tools/cache-server/start.sh) for each vitest
 * process of the test run (npm test starts two, one per project), as a team's CI runners share
 * one. Test files whose subject is booting or signing an image, not building it, point their
 * scratch workspaces at it (createScratchWorkspaceOnSharedCache), so the Debian distribution and
 * the layers every such file needs are built once per run and restored through Nx's remote cache
 * everywhere else. Files that count executed tasks use it, if at all, only for the setup runs
 * they do not count.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startCacheServer(`strata-test-run-${randomUUID()}`);
  project.provide('sharedCache', server.client);
  return () => server.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Nx client settings (NX_SELF_HOSTED_REMOTE_CACHE_*) of the test run's shared cache server. */
    sharedCache: Record<string, string>;
  }
}
