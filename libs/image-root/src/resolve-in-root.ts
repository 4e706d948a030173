import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** As many links as Linux follows in one lookup before it answers ELOOP. */
const MAX_LINKS = 40;

/** A path inside an image that cannot be resolved there: a link loop. */
export class ImagePathError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'ImagePathError';
  }
}

async function lstatOrNull(path: string) {
  return lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
    throw error;
  });
}

/**
 * The host path of `path` in the image tree at `root`, looked up the way the image itself will see
 * it once it is the root file system (chroot semantics, as openat2's RESOLVE_IN_ROOT): every
 * symbolic link on the way is followed inside the tree, an absolute target starts again at `root`,
 * and ".." never climbs above it. A link in the image (the filesystem package's var/run -> /run, a
 * recipe's etc -> /etc) therefore leads a write to the image's own /run or /etc, never the host's.
 *
 * The last component is followed only with `followLast` (a folder to write into); without it a link
 * there is returned as itself, for the caller to replace.
 */
export async function resolveInRoot(root: string, path: string, options: { followLast?: boolean } = {}): Promise<string> {
  const pending = path.split('/');
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const component = pending.shift() as string;
    if (component === '' || component === '.') continue;
    if (component === '..') {
      resolved.pop();
      continue;
    }
    const isLast = pending.every((rest) => rest === '' || rest === '.');
    const candidate = join(root, ...resolved, component);
    const st = isLast && !options.followLast ? null : await lstatOrNull(candidate);
    if (st?.isSymbolicLink()) {
      if (++links > MAX_LINKS) {
        throw new ImagePathError(path, `${path}: the image's symbolic links loop (more than ${MAX_LINKS} on the way, at /${[...resolved, component].join('/')})`);
      }
      const target = await readlink(candidate);
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...target.split('/'));
      continue;
    }
    resolved.push(component);
  }
  return join(root, ...resolved);
}
