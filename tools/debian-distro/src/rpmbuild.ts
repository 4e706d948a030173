/**
 * Builds one RPM from a PackagePlan: writes the payload into a build root, the spec beside it,
 * and runs an isolated `rpmbuild -bb` (own _topdir, rpm database, HOME and TMPDIR; scrubbed
 * environment; no %prep/%build/%install, so the prepared build root is packaged as it is).
 */
import { chmod, link, lutimes, mkdir, readdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { REPRODUCIBLE_MACROS, runIsolatedRpmbuild } from '@strata/rpmbuild';
import { type PackagePlan } from './package-plan';
import { renderSpec, rpmFileName } from './spec-file';

/** Macros that make the package a function of the plan alone. */
export const RPMBUILD_MACROS: Readonly<Record<string, string>> = {
  ...REPRODUCIBLE_MACROS,
  vendor: 'Debian (repackaged by strata)',
  packager: 'strata debian-distro',
  distribution: 'Debian',
  // zstd level 3, one thread: level 19 takes twice as long for 15% less.
  _binary_payload: 'w3.zstdio',
  _missing_doc_files_terminate_build: '1',
};

function rootPath(root: string, path: string): string {
  return join(root, path);
}

/** Recreates the payload under `root` with its modes and times (owners come from %attr). */
export async function writeBuildRoot(root: string, plan: PackagePlan): Promise<void> {
  await mkdir(root, { recursive: true });
  const entries = plan.payload;
  for (const e of entries) {
    const path = rootPath(root, e.path);
    if (e.type === 'directory') {
      await mkdir(path, { recursive: true });
      await chmod(path, e.mode);
    } else if (e.type === 'file') {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, e.data ?? Buffer.alloc(0));
      await chmod(path, e.mode);
    } else if (e.type === 'symlink') {
      await mkdir(dirname(path), { recursive: true });
      await symlink(e.target!, path);
    }
  }
  for (const e of entries) {
    if (e.type !== 'hardlink') continue;
    await mkdir(dirname(rootPath(root, e.path)), { recursive: true });
    await link(rootPath(root, e.target!), rootPath(root, e.path));
  }
  for (const e of entries) {
    if (e.type === 'file' || e.type === 'hardlink') await utimes(rootPath(root, e.path), e.mtime, e.mtime);
    else if (e.type === 'symlink') await lutimes(rootPath(root, e.path), e.mtime, e.mtime);
  }
  // Folders last, deepest first: writing into a folder changes its mtime.
  const folders = entries.filter((e) => e.type === 'directory').sort((a, b) => b.path.length - a.path.length);
  for (const e of folders) await utimes(rootPath(root, e.path), e.mtime, e.mtime);
}

export interface BuildRpmRequest {
  plan: PackagePlan;
  /** Empty folder owned by this build. */
  workDir: string;
}

/** Builds the package and returns the path of the .rpm (inside workDir). */
export async function buildRpm({ plan, workDir }: BuildRpmRequest): Promise<string> {
  const buildRoot = join(workDir, 'buildroot');
  const rpmDir = join(workDir, 'rpms');
  await mkdir(rpmDir, { recursive: true });
  await writeBuildRoot(buildRoot, plan);
  const specFile = join(workDir, `${plan.name}.spec`);
  await writeFile(specFile, renderSpec(plan));

  const macros: Record<string, string> = {
    _topdir: join(workDir, 'topdir'),
    _builddir: join(workDir, 'topdir/BUILD'),
    _rpmdir: rpmDir,
    _srcrpmdir: join(workDir, 'topdir/SRPMS'),
    _specdir: workDir,
    _sourcedir: workDir,
    buildroot: buildRoot,
    ...RPMBUILD_MACROS,
  };
  await runIsolatedRpmbuild({ specFile, workDir, macros, sourceDateEpoch: plan.sourceDateEpoch, target: plan.arch === 'noarch' ? undefined : plan.arch });
  const built = await readdir(join(rpmDir, plan.arch));
  if (built.length !== 1 || built[0] !== rpmFileName(plan)) {
    throw new Error(`rpmbuild of ${plan.name} gave ${built.join(', ') || 'nothing'}, expected ${rpmFileName(plan)}`);
  }
  return join(rpmDir, plan.arch, built[0]);
}
