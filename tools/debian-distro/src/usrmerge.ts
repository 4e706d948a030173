/**
 * Merged /usr: what Debian ships in /bin, /sbin, /lib and /lib64 is installed under /usr, and
 * the `filesystem` package owns the four top-level symlinks, as on Fedora.
 */
import { posix } from 'node:path';

/** Top-level directory -> where its content goes. */
export const MERGED_DIRECTORIES: Readonly<Record<string, string>> = {
  '/bin': '/usr/bin',
  '/sbin': '/usr/sbin',
  '/lib': '/usr/lib',
  '/lib64': '/usr/lib64',
};

/** An archive member name ("./usr/bin/x", "./usr/", ".") as an absolute, normalized path ("/" for the root). */
export function archivePath(name: string): string {
  const path = posix.normalize(`/${name.replace(/^\.\//, '').replace(/^\.$/, '')}`);
  return path.length > 1 ? path.replace(/\/+$/, '') : '/';
}

/** Where an absolute path lands on a merged-/usr system. */
export function usrMergePath(path: string): string {
  for (const [from, to] of Object.entries(MERGED_DIRECTORIES)) {
    if (path === from) return to;
    if (path.startsWith(`${from}/`)) return `${to}${path.slice(from.length)}`;
  }
  return path;
}

/**
 * The target a symlink needs once the link (and maybe its target) moved under /usr.
 * Absolute targets are written in their merged form; a relative target is kept when neither the
 * link nor what it points to moved, else recomputed from the link's new folder.
 */
export function usrMergeSymlinkTarget(linkPath: string, target: string): string {
  if (target.startsWith('/')) return usrMergePath(posix.normalize(target));
  const pointsTo = posix.normalize(posix.join(posix.dirname(linkPath), target));
  const newLink = usrMergePath(linkPath);
  const newTarget = usrMergePath(pointsTo);
  if (newLink === linkPath && newTarget === pointsTo) return target;
  const relative = posix.relative(posix.dirname(newLink), newTarget);
  return relative === '' ? '.' : relative;
}
