/**
 * createrepo_c, reproducibly: one worker, no sqlite, a fixed revision that also stamps every
 * repomd.xml record. (It records each RPM's mtime: the caller sets those first.)
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

export async function createrepo(repoDir: string, revision: number, workDir: string): Promise<void> {
  const home = join(workDir, 'createrepo-home');
  await mkdir(home, { recursive: true });
  const args = ['--revision', String(revision), '--set-timestamp-to-revision', '--workers', '1', '--no-database', '--checksum', 'sha256', '--general-compress-type', 'gz', '--quiet', repoDir];
  const result = await execa('createrepo_c', args, {
    extendEnv: false,
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: home, TMPDIR: home, LC_ALL: 'C', TZ: 'UTC' },
    all: true,
    reject: false,
  });
  if (result.exitCode !== 0) throw new Error(`createrepo_c ${repoDir} failed (exit ${result.exitCode}):\n${result.all ?? ''}`);
}
