import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { collectLeftovers, describeCollected, type LeftoverPlace } from '@strata/owner';
import { DIST, OUTPUT_PARENTS } from '@strata/plan';


// mkdtemp ends a name with 6 letters or digits; replaceDirectory adds ".old" to a staging folder.
const STAGING = /^\..+\.tmp-.*[A-Za-z0-9]{6}(\.old)?$/;
const SCRATCH = /-[A-Za-z0-9]{6}$/;
const TEMP = /^strata-(dnf|rpmdb|sandbox)-.*[A-Za-z0-9]{6}$/;

/** Where the builds of a workspace leave folders when they are interrupted. */
export function workspaceLeftoverPlaces(workspaceRoot: string, temp = tmpdir()): LeftoverPlace[] {
  return [
    ...OUTPUT_PARENTS.map((dir) => ({ dir: join(workspaceRoot, dir), names: STAGING })),
    { dir: join(workspaceRoot, DIST.work), names: SCRATCH },
    // The dnf helper's state folders, the sandbox's /etc and the report's rpm database copies.
    { dir: temp, names: TEMP },
  ];
}

/**
 * Removes what interrupted builds left (their owner is gone) and says how much that freed.
 * Never fails a build: collecting is housekeeping.
 */
export async function collectWorkspaceLeftovers(workspaceRoot: string, log: (line: string) => void = console.log): Promise<void> {
  try {
    const line = describeCollected(await collectLeftovers(workspaceLeftoverPlaces(workspaceRoot)), (path) => (path.startsWith(workspaceRoot) ? relative(workspaceRoot, path) : path));
    if (line) log(line);
  } catch (err) {
    log(`warning: could not collect the folders of interrupted builds: ${(err as Error).message}`);
  }
}
