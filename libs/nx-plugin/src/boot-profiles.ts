import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOOT_PROFILE_FILE, type BootProfile } from '@strata/boot';
import { DIST } from '@strata/plan';

/**
 * The boot profiles recorded for this build of an initrd (boot-test --profile), from every variant's
 * folder under dist/boot/<name>. A profile of another build (another sha256) says nothing of this
 * one, so it is left out.
 */
export function bootProfilesOf(workspaceRoot: string, name: string, sha256: string): BootProfile[] {
  const dir = join(workspaceRoot, DIST.boot, name);
  if (!existsSync(dir)) return [];
  const folders = [dir, ...readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name))];
  return folders.flatMap((folder) => {
    const file = join(folder, BOOT_PROFILE_FILE);
    if (!existsSync(file)) return [];
    const profile = JSON.parse(readFileSync(file, 'utf8')) as BootProfile;
    return profile.sha256 === sha256 && Array.isArray(profile.used) ? [profile] : [];
  });
}
