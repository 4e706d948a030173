/**
 * Builds the fixture RPM repository: every spec of the chosen snapshot through an isolated
 * rpmbuild, the packages under Packages/, indexed by createrepo_c, published atomically.
 *
 * The output is a pure function of this project's files, the snapshot and the host's busybox,
 * rpmbuild and createrepo_c: building twice gives byte-identical files.
 *
 * CLI: node -r @swc-node/register tools/fixture-repo/src/build-repo.ts [--out DIR] [--snapshot N]
 *   --out       default <workspace>/dist/repos/fixture-repo
 *   --snapshot  default $STRATA_FIXTURE_SNAPSHOT, else 1
 */
import { availableParallelism } from 'node:os';
import { mkdir, readdir, rename, rm, utimes } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createrepo } from './createrepo';
import { probeHostBusybox, DEFAULT_BUSYBOX } from './host-busybox';
import { collectWorkspaceLeftovers, replaceDirectory, stagingDirFor } from '@strata/output';
import { dieWithLauncher } from '@strata/owner';
import { runPool } from '@strata/rpmbuild';
import { rpmbuild } from './rpmbuild';
import { buildsFor, HOST_BUSYBOX_VERSION, parseSnapshot, SNAPSHOT_REVISION, type Snapshot, type SpecBuild } from './specs';
import { DIST } from '@strata/plan';

export const PROJECT_ROOT = resolve(__dirname, '..');
export const WORKSPACE_ROOT = resolve(PROJECT_ROOT, '../..');
export const SPECS_DIR = join(PROJECT_ROOT, 'specs');
export const DEFAULT_OUT_DIR = join(WORKSPACE_ROOT, DIST.repos, 'fixture-repo');
/** Folder inside the repository that holds the RPM files. */
export const PACKAGES_DIR = 'Packages';

export interface BuildFixtureRepoOptions {
  outDir: string;
  snapshot: Snapshot;
  /** Static busybox binary to package (default /bin/busybox). */
  busybox?: string;
  /** Concurrent rpmbuild processes (default: the number of CPUs, at most 4). */
  jobs?: number;
  log?: (line: string) => void;
}

export interface FixtureRepo {
  outDir: string;
  snapshot: Snapshot;
  revision: number;
  /** RPM paths relative to outDir, sorted. */
  packages: string[];
  /** The baseurl to give dnf. */
  baseurl: string;
}

/** Runs `work` on every item, `jobs` at a time; after a failure starts nothing new, waits for the rest, rethrows. */
function specDefines(build: SpecBuild, busybox: { path: string; version: string }): Record<string, string> {
  const version = build.version === HOST_BUSYBOX_VERSION ? busybox.version : build.version;
  return {
    fixture_version: version,
    fixture_release: build.release,
    ...(build.epoch !== undefined ? { fixture_epoch: String(build.epoch) } : {}),
    fixture_busybox: busybox.path,
  };
}

export async function buildFixtureRepo(options: BuildFixtureRepoOptions): Promise<FixtureRepo> {
  const outDir = resolve(options.outDir);
  const { snapshot } = options;
  const log = options.log ?? (() => undefined);
  const jobs = options.jobs ?? Math.min(4, availableParallelism());
  const busybox = await probeHostBusybox(options.busybox ?? DEFAULT_BUSYBOX);

  await mkdir(dirname(outDir), { recursive: true });
  const tmp = await stagingDirFor(outDir);
  try {
    const repoDir = join(tmp, 'repo');
    const packagesDir = join(repoDir, PACKAGES_DIR);
    await mkdir(packagesDir, { recursive: true });

    const builds = buildsFor(snapshot);
    await runPool(builds, jobs, async (build, index) => {
      const specFile = join(SPECS_DIR, build.spec, `${build.spec}.spec`);
      const rpms = await rpmbuild({
        specFile,
        sourceDir: dirname(specFile),
        workDir: join(tmp, 'work', `${index}-${build.spec}`),
        defines: specDefines(build, busybox),
        sourceDateEpoch: build.date,
      });
      for (const rpm of rpms) {
        const target = join(packagesDir, basename(rpm));
        await rename(rpm, target);
        // createrepo_c stores the file's mtime in the metadata.
        await utimes(target, build.date, build.date);
        log(`built ${PACKAGES_DIR}/${basename(rpm)}`);
      }
    });

    const packages = (await readdir(packagesDir)).filter((name) => name.endsWith('.rpm')).sort();
    const revision = SNAPSHOT_REVISION[snapshot];
    await createrepo({ repoDir, revision, workDir: join(tmp, 'work') });
    await replaceDirectory(repoDir, outDir);
    log(`fixture-repo snapshot ${snapshot}: ${packages.length} packages in ${outDir}`);
    return {
      outDir,
      snapshot,
      revision,
      packages: packages.map((name) => `${PACKAGES_DIR}/${name}`),
      baseurl: `file://${outDir}`,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  // nx runs this command in a session of its own: tie it (and its rpmbuild children) to nx.
  dieWithLauncher();
  await collectWorkspaceLeftovers(WORKSPACE_ROOT, (line) => console.log(`fixture-repo: ${line}`));
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string' }, snapshot: { type: 'string' } },
    strict: true,
  });
  const repo = await buildFixtureRepo({
    outDir: values.out ?? DEFAULT_OUT_DIR,
    snapshot: parseSnapshot(values.snapshot ?? process.env.STRATA_FIXTURE_SNAPSHOT),
    log: (line) => console.log(line),
  });
  console.log(`baseurl: ${repo.baseurl}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
