/**
 * The fixture's `rpmbuild -bb`: its own _topdir (isolation itself is @strata/rpmbuild's), and
 * the macros that make the package a function of the spec and its defines only.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { REPRODUCIBLE_MACROS, runIsolatedRpmbuild } from '@strata/rpmbuild';

export interface RpmbuildRequest {
  /** Absolute path of the .spec file. */
  specFile: string;
  /** Folder the spec's SourceN: files are read from. */
  sourceDir: string;
  /** Empty folder owned by this build; everything rpmbuild writes stays inside it. */
  workDir: string;
  /** Extra macros for the spec (fixture_version, ...). */
  defines: Readonly<Record<string, string>>;
  /** Build time, and the upper bound of every file time in the payload. */
  sourceDateEpoch: number;
}

/** Macros that make the package a function of the spec and its defines only. */
export const DETERMINISM_MACROS: Readonly<Record<string, string>> = {
  ...REPRODUCIBLE_MACROS,
  vendor: 'strata',
  packager: 'strata fixture repository',
  _binary_payload: 'w19.zstdio',
};

function isolationMacros(request: RpmbuildRequest): Record<string, string> {
  const { workDir } = request;
  return {
    _topdir: join(workDir, 'topdir'),
    _builddir: join(workDir, 'topdir/BUILD'),
    _buildrootdir: join(workDir, 'topdir/BUILDROOT'),
    _rpmdir: join(workDir, 'rpms'),
    _srcrpmdir: join(workDir, 'topdir/SRPMS'),
    _sourcedir: request.sourceDir,
    _specdir: join(workDir, 'topdir/SPECS'),
  };
}

async function listRpms(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.rpm'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Builds the binary packages of one spec and returns their paths (inside workDir). */
export async function rpmbuild(request: RpmbuildRequest): Promise<string[]> {
  const { workDir } = request;
  await mkdir(join(workDir, 'rpms'), { recursive: true });
  const macros = { ...isolationMacros(request), ...DETERMINISM_MACROS, ...request.defines };
  await runIsolatedRpmbuild({ specFile: request.specFile, workDir, macros, sourceDateEpoch: request.sourceDateEpoch });
  const rpms = await listRpms(join(workDir, 'rpms'));
  if (rpms.length === 0) throw new Error(`rpmbuild ${request.specFile} produced no package`);
  return rpms;
}
