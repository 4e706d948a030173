import { appendFileSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { aptUpdate, debFileName, hasLists, hostDebianMirrors, parseSourcesFile, parseSourcesList, prepareAptState, renderSources } from './apt';
import { closureDigest } from './mirror-state';

const SOURCES = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Enabled: no
`;

const scratch = mkdtempSync(join(tmpdir(), 'strata-apt-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('host mirror entries', () => {
  it('reads enabled deb entries of deb822 files', () => {
    expect(parseSourcesFile(SOURCES)).toEqual([
      {
        uris: ['http://deb.debian.org/debian'],
        suites: ['bookworm', 'bookworm-updates'],
        components: ['main'],
        signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg',
      },
    ]);
  });

  it('reads one-line entries with options', () => {
    expect(parseSourcesList('deb [arch=amd64 signed-by=/k.gpg] http://m/debian bookworm main contrib # x\ndeb-src http://m/debian bookworm main\n#deb http://old/debian buster main\n')).toEqual([
      { uris: ['http://m/debian'], suites: ['bookworm'], components: ['main', 'contrib'], signedBy: '/k.gpg' },
    ]);
  });

  it('keeps only Debian mirrors, from .list and .sources files, in file-name order', async () => {
    const dir = join(scratch, 'sources.list.d');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(scratch, 'sources.list'), 'deb http://security.debian.org/debian-security bookworm-security main\n');
    writeFileSync(join(dir, 'debian.sources'), SOURCES);
    writeFileSync(join(dir, 'nodesource.sources'), 'Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\nComponents: main\n');
    writeFileSync(join(dir, 'other.list.disabled'), 'deb http://x/debian bookworm main\n');
    const mirrors = await hostDebianMirrors([join(scratch, 'sources.list'), dir]);
    expect(mirrors.map((m) => m.uris[0])).toEqual(['http://security.debian.org/debian-security', 'http://deb.debian.org/debian']);
    expect(renderSources(mirrors)).toBe(
      'Types: deb\nURIs: http://security.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\n\n' +
        'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n',
    );
    await expect(hostDebianMirrors([join(dir, 'nodesource.sources')])).rejects.toThrow(/no Debian mirror/);
  });
});

describe('closure', () => {
  it('names .debs as apt does, quoting the epoch colon', () => {
    expect(debFileName({ name: 'bsdutils', version: '1:2.38.1-5+deb12u3', arch: 'amd64' })).toBe('bsdutils_1%3a2.38.1-5+deb12u3_amd64.deb');
  });

  it('digests the name=version list independently of order, and changes with any version', () => {
    const a = { name: 'a', version: '1.0-1', arch: 'amd64' };
    const b = { name: 'b', version: '2.0-1', arch: 'all' };
    expect(closureDigest([a, b])).toBe(closureDigest([b, a]));
    expect(closureDigest([a, b])).not.toBe(closureDigest([a, { ...b, version: '2.0-1+deb12u1' }]));
  });
});

describe('an unreachable mirror', () => {
  it('is told apart from other update failures (the integration test skips on it)', async () => {
    const state = await prepareAptState(join(scratch, 'state'), join(scratch, 'archives'));
    // Nothing listens on the discard port of the loopback address.
    writeFileSync(join(state.dir, 'etc/sources.list.d/debian.sources'), renderSources([{ uris: ['http://127.0.0.1:9/debian'], suites: ['bookworm'], components: ['main'] }]));
    appendFileSync(state.config, 'Acquire::Retries "0";\n');
    const update = await aptUpdate(state);
    expect(update.ok).toBe(false);
    expect(update.unreachable, update.output).toBe(true);
    expect(await hasLists(state)).toBe(false);
  });
});

describe('a full file system', () => {
  it('fails apt at once, naming the folder and the file system, instead of waiting', async () => {
    const small = join(scratch, 'small');
    mkdirSync(small);
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=30m', 'tmpfs', small]);
    try {
      const state = await prepareAptState(join(small, 'apt'), join(small, 'archives'));
      const started = Date.now();
      await expect(aptUpdate(state)).rejects.toThrow(
        new RegExp(`^only \\d+\\.\\d MB free on the file system mounted at ${small} \\(31\\.5 MB in all\\), and ${small}/apt needs at least 128\\.0 MB for apt's package lists and \\.debs; free space there`),
      );
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await execa('umount', [small]);
    }
  });
});
