import { describe, expect, it } from 'vitest';
import { findCollisions } from './collisions';
import { type EntrySummary } from './convert-deb';

const e = (path: string, type: EntrySummary['type'], mode: number, content = '', group = 'root'): EntrySummary => ({ path, type, mode, user: 'root', group, content });

describe('paths shipped by several packages', () => {
  it('allows identical folders and identical files', () => {
    expect(
      findCollisions([
        { name: 'a', entries: [e('/usr/lib/systemd', 'directory', 0o755), e('/usr/share/x', 'file', 0o644, 'h1')] },
        { name: 'b', entries: [e('/usr/lib/systemd', 'directory', 0o755), e('/usr/share/x', 'file', 0o644, 'h1')] },
      ]),
    ).toEqual([]);
  });

  it('reports folders with other modes or owners and files with other content', () => {
    expect(
      findCollisions([
        { name: 'a', entries: [e('/var/log/journal', 'directory', 0o2755, '', 'systemd-journal'), e('/usr/bin/x', 'file', 0o755, 'h1')] },
        { name: 'b', entries: [e('/var/log/journal', 'directory', 0o755), e('/usr/bin/x', 'file', 0o755, 'h2')] },
      ]),
    ).toEqual([
      '/usr/bin/x: a (file 755 root:root) vs b (file 755 root:root)',
      '/var/log/journal: a (directory 2755 root:systemd-journal) vs b (directory 755 root:root)',
    ]);
  });
});
