import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { freePort } from './nginx';
import { REPO_ROOT } from './scratch-workspace';

export interface CacheServer {
  url: string;
  /** Where nginx keeps the entries: v1/cache/<hash> and mirror/sha256/<hex>. */
  dataDir: string;
  /** The Nx client settings that use it. */
  client: Record<string, string>;
  stop(): Promise<void>;
}

/** tools/cache-server/start.sh (Debian's nginx) on a free port of 127.0.0.1, with its data in a temporary folder. */
export async function startCacheServer(token: string): Promise<CacheServer> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-cache-server-'));
  const listen = `127.0.0.1:${await freePort()}`;
  const url = `http://${listen}`;
  const server = execa('bash', [join(REPO_ROOT, 'tools/cache-server/start.sh')], {
    env: { STRATA_CACHE_TOKEN: token, STRATA_CACHE_DIR: join(dir, 'data'), STRATA_CACHE_LISTEN: listen },
    reject: false,
    all: true,
  });
  for (let i = 0; !(await fetch(`${url}/`).then(() => true, () => false)); i++) {
    if (i > 100 || server.exitCode !== null) throw new Error(`the cache server did not start:\n${(await server).all}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    dataDir: join(dir, 'data'),
    client: { NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url, NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token },
    stop: async () => {
      server.kill('SIGTERM');
      await server;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
