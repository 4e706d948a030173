import { chmod, copyFile, lchown, link, lstat, lutimes, mkdir, readlink, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { splitDeviceNumber } from '@strata/cpio';

/**
 * Copy the listed paths (relative, parents listed before children) from one tree to another, with
 * their type, mode, owner and modification time. Hard links among the copied files stay links.
 */
export async function copyPaths(root: string, destination: string, paths: readonly string[]): Promise<void> {
  await mkdir(destination, { recursive: true, mode: 0o755 });
  const links = new Map<string, string>();
  const directories: { path: string; mode: number; uid: number; gid: number; atime: Date; mtime: Date }[] = [];
  for (const path of paths) {
    const source = join(root, path);
    const target = join(destination, path);
    const st = await lstat(source);
    if (st.isDirectory()) {
      await mkdir(target);
      directories.push({ path: target, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, atime: st.atime, mtime: st.mtime });
      continue;
    }
    if (st.isSymbolicLink()) {
      await symlink(await readlink(source), target);
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? links.get(key) : undefined;
      if (first !== undefined) {
        await link(first, target);
        continue;
      }
      await copyFile(source, target);
      if (st.nlink > 1) links.set(key, target);
    } else if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO()) {
      const { major, minor } = splitDeviceNumber(BigInt(st.rdev));
      await execa('mknod', st.isFIFO() ? [target, 'p'] : [target, st.isCharacterDevice() ? 'c' : 'b', String(major), String(minor)]);
    } else {
      throw new Error(`${path}: sockets cannot be copied into an extension`);
    }
    // chown before chmod: changing the owner clears setuid/setgid.
    await lchown(target, st.uid, st.gid);
    if (!st.isSymbolicLink()) await chmod(target, st.mode & 0o7777);
    await lutimes(target, st.atime, st.mtime);
  }
  // Directories last and deepest first, so that writing their content does not disturb them.
  for (const dir of directories.reverse()) {
    await lchown(dir.path, dir.uid, dir.gid);
    await chmod(dir.path, dir.mode);
    await lutimes(dir.path, dir.atime, dir.mtime);
  }
}
