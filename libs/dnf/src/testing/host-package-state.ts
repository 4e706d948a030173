import { lstat, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where rpm and dnf keep state on a Debian host by default: a build must leave all of it alone. */
export const HOST_RPM_STATE = [join(homedir(), '.rpmdb'), '/var/lib/rpm', '/var/lib/dnf', '/var/cache/dnf', '/var/log/dnf.log', '/var/log/dnf.librepo.log', '/var/log/dnf.rpm.log', '/var/log/hawkey.log'];

/** Path, size and mtime of everything under `roots`, for comparing before and after. */
export async function hostPackageState(roots: readonly string[] = HOST_RPM_STATE): Promise<string> {
  const lines: string[] = [];
  for (const root of roots) {
    const st = await lstat(root).catch(() => undefined);
    if (!st) {
      lines.push(`${root} absent`);
      continue;
    }
    lines.push(`${root} ${st.size} ${st.mtimeMs}`);
    if (!st.isDirectory()) continue;
    for (const entry of await readdir(root, { recursive: true })) {
      const s = await lstat(join(root, entry)).catch(() => undefined);
      lines.push(`${root}/${entry} ${s ? `${s.size} ${s.mtimeMs}` : 'vanished'}`);
    }
  }
  return lines.sort().join('\n');
}
