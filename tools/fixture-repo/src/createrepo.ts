/**
 * Index a folder of RPMs with createrepo_c, reproducibly: one worker, a fixed revision that is
 * also the timestamp of every metadata record, no sqlite databases. createrepo_c records each
 * RPM file's mtime, so the caller sets those first.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

export interface CreaterepoRequest {
  repoDir: string;
  /** Unix time: stored as the repository revision and as every repomd.xml timestamp. */
  revision: number;
  /** Scratch folder for HOME and TMPDIR. */
  workDir: string;
}

export async function createrepo(request: CreaterepoRequest): Promise<void> {
  const home = join(request.workDir, 'createrepo-home');
  await mkdir(home, { recursive: true });
  const args = [
    '--revision', String(request.revision),
    '--set-timestamp-to-revision',
    '--workers', '1',
    '--no-database',
    '--checksum', 'sha256',
    '--general-compress-type', 'gz',
    '--quiet',
    request.repoDir,
  ];
  const result = await execa('createrepo_c', args, {
    extendEnv: false,
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: home, TMPDIR: home, LC_ALL: 'C', TZ: 'UTC' },
    all: true,
    reject: false,
  });
  if (result.exitCode !== 0) {
    throw new Error(`createrepo_c ${request.repoDir} failed (exit ${result.exitCode}):\n${result.all ?? ''}`);
  }
}
