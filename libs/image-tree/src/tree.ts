import { chmod, copyFile, lstat, mkdir, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImagePathError, resolveInRoot } from '@strata/image-root';
import { anyGlobMatcher } from '@strata/glob';

/** Every path below root, relative, parents before children, bytewise order. */
export async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    const names = (await readdir(join(root, rel))).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      const path = rel ? `${rel}/${name}` : name;
      out.push(path);
      const st = await lstat(join(root, path));
      if (st.isDirectory()) await walk(path);
    }
  }
  await walk('');
  return out;
}

export interface RemovalReport {
  paths: number;
  bytes: number;
}

/** Delete what the recipe's removeFiles globs match; report what that saved. */
export async function removeMatchingFiles(root: string, globs: readonly string[]): Promise<RemovalReport> {
  const report: RemovalReport = { paths: 0, bytes: 0 };
  if (globs.length === 0) return report;
  const matches = anyGlobMatcher(globs);
  const removedDirs: string[] = [];
  for (const path of await listTree(root)) {
    if (removedDirs.some((dir) => path.startsWith(`${dir}/`))) continue;
    if (!matches(path)) continue;
    const st = await lstat(join(root, path));
    report.paths += 1;
    report.bytes += st.isFile() ? st.size : 0;
    if (st.isDirectory()) {
      for (const inner of await listTree(join(root, path))) {
        const ist = await lstat(join(root, path, inner));
        report.paths += 1;
        report.bytes += ist.isFile() ? ist.size : 0;
      }
      removedDirs.push(path);
    }
    await rm(join(root, path), { recursive: true, force: true });
  }
  return report;
}

/** Package-manager state that must never ship in an image. */
const PACKAGE_MANAGER_STATE = ['var/cache/dnf', 'var/lib/dnf', 'var/log/dnf.log', 'var/log/dnf.librepo.log', 'var/log/dnf.rpm.log', 'var/log/hawkey.log', 'var/cache/ldconfig'];
const RPM_DATABASE = ['usr/lib/sysimage/rpm', 'var/lib/rpm'];

/** Remove package-manager state; the rpm database only when no layer builds on this tree. */
export async function removePackageManagerState(root: string, options: { keepRpmDatabase: boolean }): Promise<void> {
  const paths = options.keepRpmDatabase ? PACKAGE_MANAGER_STATE : [...PACKAGE_MANAGER_STATE, ...RPM_DATABASE];
  for (const path of paths) await rm(await resolveInRoot(root, path), { recursive: true, force: true });
  // rpm leaves lock files beside the database; they differ run to run. (The -wal/-shm files are
  // folded into the database by checkpointRpmDatabase before this runs.)
  if (options.keepRpmDatabase) {
    const database = await resolveInRoot(root, RPM_DATABASE[0], { followLast: true });
    for (const name of await readdir(database).catch(() => [] as string[])) {
      if (name.startsWith('.')) await rm(join(database, name), { force: true });
    }
  }
}

/**
 * Copy the recipe's extra tree over the image; files become root-owned as in a package. Symbolic
 * links are copied as links: they point into the image, so in the recipe folder they may dangle.
 * Every destination is looked up inside the image (resolveInRoot): a link the image already holds,
 * such as var/run -> /run, leads to the image's /run, never the host's. A file or link replaces
 * whatever the image has at its own name, a link included.
 */
export async function overlayFiles(sourceDir: string, root: string): Promise<void> {
  const top = await lstat(sourceDir);
  if (top.isSymbolicLink()) {
    throw new Error(`${sourceDir} is a symbolic link (to ${await readlink(sourceDir)}); a recipe's files folder must be a real folder inside the recipe: replace the link with the files themselves`);
  }
  for (const path of await listTree(sourceDir)) {
    const from = join(sourceDir, path);
    await overlayOne(from, path, root).catch((error: Error) => {
      throw error instanceof ImagePathError ? new Error(`${from} cannot be copied into the image: ${error.message}`) : error;
    });
  }
}

async function overlayOne(from: string, path: string, root: string): Promise<void> {
  const st = await lstat(from);
  if (st.isDirectory()) {
    const to = await resolveInRoot(root, path, { followLast: true });
    const existing = await lstat(to).catch(() => null);
    if (existing && !existing.isDirectory()) throw new Error(`${from} is a folder, but the image has a file at /${path}: list ${path} in removeFiles, or rename the folder`);
    await mkdir(to, { recursive: true });
    return;
  }
  const to = await resolveInRoot(root, path);
  if ((await lstat(to).catch(() => null))?.isDirectory()) {
    throw new Error(`${from} would replace the image's folder /${path}: list ${path} in removeFiles to replace it on purpose, or put the file inside the folder`);
  }
  if (st.isSymbolicLink()) {
    await rm(to, { force: true });
    await symlink(await readlink(from), to);
  } else if (st.isFile()) {
    await rm(to, { force: true });
    await copyFile(from, to);
    await chmod(to, st.mode & 0o7777);
  } else {
    throw new Error(`${from}: only folders, files and symbolic links can be copied into an image`);
  }
}

export interface ReleaseInfo {
  id: string;
  versionId?: string;
  name?: string;
}

/** The initrd's /etc/initrd-release (os-release format), also the .osrel of its UKI. */
export function initrdReleaseText(release: ReleaseInfo, recipeName: string): string {
  const lines = [
    `NAME="${release.name ?? release.id}"`,
    `ID=${release.id}`,
    ...(release.versionId ? [`VERSION_ID=${release.versionId}`] : []),
    `PRETTY_NAME="${release.name ?? release.id} initrd (${recipeName})"`,
    `VARIANT_ID=${recipeName}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The two files that make a tree an initrd: systemd checks /etc/initrd-release; the kernel runs /init. */
export async function writeInitrdIdentity(root: string, release: ReleaseInfo, recipeName: string, init: string): Promise<void> {
  // Both names are replaced as themselves, even when the image has a link there.
  await mkdir(await resolveInRoot(root, 'etc', { followLast: true }), { recursive: true });
  const releasePath = await resolveInRoot(root, 'etc/initrd-release');
  await rm(releasePath, { force: true });
  await writeFile(releasePath, initrdReleaseText(release, recipeName));
  const initPath = await resolveInRoot(root, 'init');
  await rm(initPath, { force: true });
  await symlink(init.replace(/^\/+/, ''), initPath);
}
