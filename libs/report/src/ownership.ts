/**
 * Which package owns each path, from the rpm database inside a layer's tree.cpio.zst (the tree
 * children build on keeps it; the image does not). Only the database is unpacked, into a
 * temporary root that rpm then queries.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { readArchiveFile } from '@strata/cpio';
import { makeOwnedDir } from '@strata/owner';

export const RPMDB_DIR = 'usr/lib/sysimage/rpm';

/** One line per file of every installed package: NEVRA, then the absolute path. */
const QUERY_FORMAT = '[%{=NEVRA}\\t%{FILENAMES}\\n]';

/**
 * path (relative, as in the image) -> owning NEVRAs, sorted. A path two packages both own (usually
 * a shared folder) lists both; the size report charges its bytes to the first.
 */
export type Ownership = Map<string, string[]>;

/** Parse the query output (pure, for tests). */
export function parseOwnership(output: string): Ownership {
  const owners: Ownership = new Map();
  for (const line of output.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const nevra = line.slice(0, tab);
    const path = line.slice(tab + 1).replace(/^\/+/, '');
    if (path === '' || path === '(none)') continue;
    const list = owners.get(path);
    if (!list) owners.set(path, [nevra]);
    else if (!list.includes(nevra)) list.push(nevra);
  }
  for (const list of owners.values()) list.sort();
  return owners;
}

/** Ask rpm who owns what in the tree archive's database; empty when the tree has none. */
export async function ownershipFromTree(treeArchive: string): Promise<Ownership> {
  const root = await makeOwnedDir(tmpdir(), 'strata-rpmdb-');
  try {
    let found = false;
    for await (const entry of readArchiveFile(treeArchive, { withData: (e) => e.name.startsWith(`${RPMDB_DIR}/`) && e.type === 'file' })) {
      if (!entry.data) continue;
      const target = join(root, entry.name);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, entry.data);
      found = true;
    }
    if (!found) return new Map();
    const { stdout, stderr } = await execa('rpm', ['--root', root, '--define', `_dbpath /${RPMDB_DIR}`, '-qa', '--qf', QUERY_FORMAT], { env: { HOME: root } });
    // rpm reports a bad query format on stderr and still exits 0.
    if (/^error:/m.test(stderr)) throw new Error(`rpm could not list the files of ${treeArchive}: ${stderr.trim()}`);
    return parseOwnership(stdout);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
