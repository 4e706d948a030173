import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatVerity, parseRootHash, signArguments, signingKeysFromEnvironment, signRootHash, verifyVerity, verityFormatArguments } from './verity';

describe('verity options', () => {
  it('formats with sha256, 4 KiB blocks and the derived salt and UUID', () => {
    expect(verityFormatArguments('/i.raw', '/i.verity', { salt: 'ab', uuid: 'u' })).toEqual([
      'format',
      '/i.raw',
      '/i.verity',
      '--hash=sha256',
      '--data-block-size=4096',
      '--hash-block-size=4096',
      '--salt=ab',
      '--uuid=u',
    ]);
  });

  it('reads the root hash from veritysetup\'s report', () => {
    expect(parseRootHash('Hash algorithm:  \tsha256\nRoot hash:      \t374C500F\nHash device size: \t8192 [bytes]\n')).toBe('374c500f');
    expect(() => parseRootHash('nothing')).toThrow(/did not report a root hash/);
  });

  it('signs detached, DER, without certificates or signed attributes', () => {
    expect(signArguments('/rh', '/rh.p7s', { key: '/k.pem', certificate: '/c.pem' })).toEqual([
      'smime', '-sign', '-nocerts', '-noattr', '-binary', '-md', 'sha256', '-in', '/rh', '-inkey', '/k.pem', '-signer', '/c.pem', '-outform', 'der', '-out', '/rh.p7s',
    ]);
  });

  it('says which environment variable is missing', async () => {
    await expect(signingKeysFromEnvironment({})).rejects.toThrow(/STRATA_VERITY_KEY and STRATA_VERITY_CERT are not set: set STRATA_VERITY_KEY to the path/);
    await expect(signingKeysFromEnvironment({ STRATA_VERITY_KEY: '/k' })).rejects.toThrow(/but STRATA_VERITY_CERT is not set/);
    await expect(signingKeysFromEnvironment({ STRATA_VERITY_KEY: '/nonexistent/k', STRATA_VERITY_CERT: '/nonexistent/c' })).rejects.toThrow(/STRATA_VERITY_KEY names \/nonexistent\/k, which cannot be read/);
  });
});

describe('verity and signing (veritysetup, openssl)', () => {
  let dir: string;
  const image = (): string => join(dir, 'image.raw');
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-verity-'));
    await writeFile(image(), Buffer.alloc(5 * 4096, 7));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('gives the same hash tree and root hash twice, and verify catches a changed byte', async () => {
    const options = { salt: 'aa'.repeat(32), uuid: '3807505d-26dc-8510-93f8-5a353833404b' };
    const first = await formatVerity(image(), join(dir, 'a.verity'), 5 * 4096, options);
    const second = await formatVerity(image(), join(dir, 'b.verity'), 5 * 4096, options);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(second).toBe(first);
    expect((await readFile(join(dir, 'a.verity'))).equals(await readFile(join(dir, 'b.verity')))).toBe(true);
    expect(await verifyVerity(image(), join(dir, 'a.verity'), first)).toBe(true);
    const tampered = Buffer.from(await readFile(image()));
    tampered[3 * 4096 + 17] ^= 1;
    await writeFile(join(dir, 'tampered.raw'), tampered);
    expect(await verifyVerity(join(dir, 'tampered.raw'), join(dir, 'a.verity'), first)).toBe(false);
    await expect(formatVerity(image(), join(dir, 'c.verity'), 5 * 4096 + 1, options)).rejects.toThrow(/not a whole number of 4096-byte verity blocks/);
  });

  it('signs the root hash so that openssl smime -verify accepts it with the certificate, and only that text', async () => {
    const key = join(dir, 'key.pem');
    const certificate = join(dir, 'cert.pem');
    await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', certificate, '-days', '1', '-subj', '/CN=strata throw-away test key']);
    const rootHash = 'ab'.repeat(32);
    await signRootHash(rootHash, join(dir, 'roothash.p7s'), { key, certificate });
    await writeFile(join(dir, 'content'), rootHash);
    const verify = (content: string) =>
      execa('openssl', ['smime', '-verify', '-binary', '-inform', 'der', '-in', join(dir, 'roothash.p7s'), '-content', content, '-certfile', certificate, '-nointern', '-CAfile', certificate, '-purpose', 'any'], {
        reject: false,
        stdout: 'ignore',
      });
    expect((await verify(join(dir, 'content'))).exitCode).toBe(0);
    await writeFile(join(dir, 'other'), `${rootHash}\n`);
    expect((await verify(join(dir, 'other'))).exitCode).not.toBe(0);
  });
});
