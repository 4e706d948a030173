/** The files of a package to build, in RPM terms (merged /usr paths, owner names, modes). */

export type PayloadType = 'file' | 'directory' | 'symlink' | 'hardlink';

export interface PayloadEntry {
  /** Absolute path on the installed system. */
  path: string;
  type: PayloadType;
  /** Permission bits including setuid/setgid/sticky. For a hard link: those of the file it links to. */
  mode: number;
  user: string;
  group: string;
  /** Seconds since the epoch. */
  mtime: number;
  /** Symlink target, or for a hard link the path of the file it links to. */
  target?: string;
  /** Content of a regular file. */
  data?: Buffer;
  /** A conffile: %config(noreplace). */
  config?: boolean;
}

export const directory = (path: string, mode: number, mtime: number, user = 'root', group = 'root'): PayloadEntry => ({
  path,
  type: 'directory',
  mode,
  user,
  group,
  mtime,
});

export const symlink = (path: string, target: string, mtime: number): PayloadEntry => ({
  path,
  type: 'symlink',
  mode: 0o777,
  user: 'root',
  group: 'root',
  mtime,
  target,
});

export const regularFile = (
  path: string,
  data: Buffer | string,
  mtime: number,
  options: { mode?: number; user?: string; group?: string; config?: boolean } = {},
): PayloadEntry => ({
  path,
  type: 'file',
  mode: options.mode ?? 0o644,
  user: options.user ?? 'root',
  group: options.group ?? 'root',
  mtime,
  data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data,
  ...(options.config ? { config: true } : {}),
});

/** Sorted by path (bytewise), so every listing built from it is in a stable order. */
export function sortPayload(entries: readonly PayloadEntry[]): PayloadEntry[] {
  return [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}
