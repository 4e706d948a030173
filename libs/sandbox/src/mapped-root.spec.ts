import { describe, expect, it } from 'vitest';
import { mappedRootCommand, mappedRootProblems, requireMappedRoot, subordinateRange, type MappedRootFacts } from './mapped-root';

const ready: MappedRootFacts = {
  user: { name: 'builder', id: 1001, gid: 1001 },
  subuid: 'other:100000:65536\nbuilder:165536:65536\n',
  subgid: '1001:165536:65536\n',
  newuidmap: true,
  newgidmap: true,
  maxUserNamespaces: 15000,
  unprivilegedUsernsClone: 1,
  apparmorRestrictsUserns: null,
};

describe('subordinateRange', () => {
  it('finds the first range of the user, by name or by uid', () => {
    expect(subordinateRange(ready.subuid as string, { name: 'builder', id: 1001 })).toEqual({ start: 165536, count: 65536 });
    expect(subordinateRange(ready.subgid as string, { name: 'builder', id: 1001 })).toEqual({ start: 165536, count: 65536 });
    expect(subordinateRange('builder:x:65536\nbuilderx:1:2\n', { name: 'builder', id: 1001 })).toBeNull();
  });
});

describe('mappedRootProblems', () => {
  it('has nothing to say about a host that is ready', () => {
    expect(mappedRootProblems(ready)).toEqual([]);
    expect(() => requireMappedRoot(ready)).not.toThrow();
  });

  it('names each missing piece with the command that configures it', () => {
    const problems = mappedRootProblems({ ...ready, subuid: '', subgid: null, newgidmap: false, unprivilegedUsernsClone: 0, maxUserNamespaces: 0, apparmorRestrictsUserns: 1 });
    expect(problems).toEqual([
      expect.stringContaining('apt-get install uidmap'),
      '/etc/subuid gives builder no subordinate ids; as root, run: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 builder',
      expect.stringMatching(/^\/etc\/subgid gives builder no subordinate ids/),
      expect.stringContaining('sysctl -w user.max_user_namespaces='),
      expect.stringContaining('sysctl -w kernel.unprivileged_userns_clone=1'),
      expect.stringContaining('kernel.apparmor_restrict_unprivileged_userns=0'),
    ]);
  });

  it('refuses a range too small for every owner a package can name', () => {
    expect(mappedRootProblems({ ...ready, subuid: 'builder:100000:1000\n' })).toEqual([expect.stringMatching(/^\/etc\/subuid gives builder 1000 subordinate ids, and a build needs 65536.*usermod --add-subuids/)]);
  });

  it('throws one message that lists every problem and the way out', () => {
    expect(() => requireMappedRoot({ ...ready, subuid: '' })).toThrow(/^building as builder \(uid 1001\) needs a user namespace[\s\S]*\n {2}- \/etc\/subuid gives builder no subordinate ids[\s\S]*\(or build as root\)$/);
  });
});

describe('mappedRootCommand', () => {
  it('maps the caller to root and its subordinate ids above it', () => {
    expect(mappedRootCommand(['node', 'x.js'])).toEqual(['/usr/bin/unshare', '--user', '--map-root-user', '--map-auto', '--', 'node', 'x.js']);
  });
});
