/**
 * One isolated `rpmbuild -bb`: its own rpm database, temp folder and HOME (so neither
 * ~/.rpmmacros nor Debian's default ~/.rpmdb is read or written) and a scrubbed environment, so
 * the package depends only on the spec, the macros and SOURCE_DATE_EPOCH.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * Macros that remove everything host- or time-dependent from a built package: build time and
 * file times from SOURCE_DATE_EPOCH, a fixed build host, no brp-* scripts (strip, compress, ...),
 * no debuginfo, no build-id links. Callers add their vendor and payload compression (always a
 * single-threaded one: multi-threaded payloads are not byte-stable).
 */
export const REPRODUCIBLE_MACROS: Readonly<Record<string, string>> = {
  use_source_date_epoch_as_buildtime: '1',
  clamp_mtime_to_source_date_epoch: '1',
  source_date_epoch_from_changelog: '0',
  _buildhost: 'strata.invalid',
  _binary_filedigest_algorithm: '8',
  __os_install_post: '%{nil}',
  __arch_install_post: '%{nil}',
  debug_package: '%{nil}',
  _enable_debug_packages: '0',
  _build_id_links: 'none',
  _unpackaged_files_terminate_build: '1',
};

export interface RpmbuildRun {
  specFile: string;
  /** Empty folder owned by this build: home/, tmp/ and rpmdb/ are made inside it. */
  workDir: string;
  /** Macros for the build (_topdir, _rpmdir, determinism settings, the spec's own defines). */
  macros: Readonly<Record<string, string>>;
  /** Build time, and the upper bound of every file time in the payload. */
  sourceDateEpoch: number;
  /** rpmbuild --target, for arch-specific packages. */
  target?: string;
}

export async function runIsolatedRpmbuild(run: RpmbuildRun): Promise<void> {
  const home = join(run.workDir, 'home');
  const tmp = join(run.workDir, 'tmp');
  for (const dir of [home, tmp, join(run.workDir, 'rpmdb')]) await mkdir(dir, { recursive: true });
  const macros = { _dbpath: join(run.workDir, 'rpmdb'), _tmppath: tmp, ...run.macros };
  const args = ['-bb', ...(run.target ? ['--target', run.target] : []), ...Object.entries(macros).flatMap(([name, value]) => ['--define', `${name} ${value}`]), run.specFile];
  const result = await execa('rpmbuild', args, {
    cwd: run.workDir,
    extendEnv: false,
    env: {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: home,
      TMPDIR: tmp,
      LC_ALL: 'C',
      TZ: 'UTC',
      SOURCE_DATE_EPOCH: String(run.sourceDateEpoch),
    },
    all: true,
    reject: false,
  });
  if (result.exitCode !== 0) throw new Error(`rpmbuild ${run.specFile} failed (exit ${result.exitCode}):\n${result.all ?? ''}`);
}
