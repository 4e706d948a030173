import { resolve } from 'node:path';
import { workspaceLockedPackages } from '@strata/lock';
import { PackageStore, packageStoreDir, pruneStore, pushToMirror, verifyStore } from '@strata/package-store';
import type { Io } from './strata';

export const STORE_USAGE = `  strata store verify            re-hash every package in the package store; drop corrupted ones
  strata store prune [--keep-workspace DIR]... [--dry-run]
                                 remove packages no lock of this workspace (or of the DIRs) names
  strata store push URL          upload the packages this workspace's locks name to a mirror (HTTP PUT
                                 at URL/sha256/<hex>; STRATA_PACKAGE_MIRROR_TOKEN as bearer token)
  (the store: STRATA_PACKAGE_STORE, else $XDG_CACHE_HOME/strata/packages; the workspace: --workspace
   DIR, else the current folder)
`;

export interface StoreFlags {
  workspace?: string;
  keepWorkspaces: string[];
  dryRun: boolean;
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

async function lockedSha256s(workspace: string): Promise<Set<string>> {
  return new Set((await workspaceLockedPackages(workspace)).map((entry) => entry.pkg.sha256));
}

/** `strata store VERB ...`: verify, prune or push the package store. */
export async function storeCommand(verb: string | undefined, args: string[], flags: StoreFlags, io: Io, usage: (message: string) => Error): Promise<number> {
  const store = new PackageStore(packageStoreDir());
  const workspace = resolve(flags.workspace ?? process.cwd());
  if (verb === 'verify') {
    if (args.length > 0) throw usage('store verify takes no arguments');
    const result = await verifyStore(store);
    io.stdout.write(`${store.dir}: ${result.checked} packages, ${mb(result.bytes)}; ${result.corrupt.length} corrupted${result.corrupt.length > 0 ? ' and removed' : ''}\n`);
    for (const entry of result.corrupt) io.stdout.write(`  removed ${entry.sha256} (its content hashes to ${entry.actual}); the next build fetches it again\n`);
    return result.corrupt.length > 0 ? 1 : 0;
  }
  if (verb === 'prune') {
    if (args.length > 0) throw usage('store prune takes no arguments (other workspaces: --keep-workspace DIR)');
    const keep = await lockedSha256s(workspace);
    for (const other of flags.keepWorkspaces) for (const sha of await lockedSha256s(resolve(other))) keep.add(sha);
    const result = await pruneStore(store, keep, { dryRun: flags.dryRun });
    const workspaces = [workspace, ...flags.keepWorkspaces.map((w) => resolve(w))];
    io.stdout.write(`${store.dir}: ${flags.dryRun ? 'would remove' : 'removed'} ${result.removed.length} packages (${mb(result.bytes)}) that no lock of ${workspaces.join(', ')} names; kept ${result.kept}\n`);
    if (flags.keepWorkspaces.length === 0) {
      io.stdout.write('  strata cannot know which other checkouts share this store: name each with --keep-workspace DIR to keep what its locks use\n');
    }
    return 0;
  }
  if (verb === 'push') {
    if (args.length !== 1) throw usage('store push takes the mirror URL');
    const locked = await lockedSha256s(workspace);
    const result = await pushToMirror(store, [...locked], args[0], process.env.STRATA_PACKAGE_MIRROR_TOKEN || undefined);
    io.stdout.write(`${args[0]}: uploaded ${result.uploaded.length}, already there ${result.present.length}, not in this store ${result.notInStore.length} (of ${locked.size} packages the locks of ${workspace} name)\n`);
    if (result.notInStore.length > 0) io.stdout.write('  fetch them first: npx nx run-many -t fetch\n');
    return 0;
  }
  throw usage(verb === undefined ? 'store takes verify, prune or push' : `unknown store command "${verb}"`);
}
