/**
 * gpgcheck with real signatures: the fixture repository's RPMs signed with rpmsign (a throwaway
 * gpg key), indexed again with createrepo_c, and a recipe that installs from it with gpgcheck.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchWorkspace, type ScratchWorkspace } from './support/scratch-workspace';

const STATIC = ['--output-style=static'];

/** A gpg home with one RSA signing key, and the key exported for rpm. */
async function makeKey(dir: string, name: string): Promise<{ home: string; publicKey: string }> {
  const home = join(dir, `gnupg-${name}`);
  await mkdir(home, { mode: 0o700 });
  const env = { GNUPGHOME: home };
  await execa('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', `${name} <${name}@strata.invalid>`, 'rsa2048', 'sign', 'never'], { env });
  const publicKey = join(dir, `${name}.asc`);
  const { stdout } = await execa('gpg', ['--armor', '--export', `${name}@strata.invalid`], { env });
  await writeFile(publicKey, `${stdout}\n`);
  return { home, publicKey };
}

function recipeText(repo: string, key: string | null): string {
  return [
    'kind: initrd',
    'description: Installs from a signed repository',
    'release:',
    '  id: strata-fixture',
    '  versionId: "1"',
    'repositories:',
    '  - id: signed',
    `    baseurl: file://${repo}`,
    ...(key ? ['    gpgcheck: true', `    gpgkey: file://${key}`] : []),
    'packages:',
    '  - tzdata-lite',
    '',
  ].join('\n');
}

describe('gpgcheck against real rpm signatures', () => {
  let ws: ScratchWorkspace;
  let dir: string;
  let signedRepo: string;
  let unsignedRepo: string;
  let signer: { home: string; publicKey: string };
  let stranger: { home: string; publicKey: string };
  const recipeFile = (): string => join(ws.root, 'recipes/initrd-signed/recipe.yaml');

  beforeAll(async () => {
    ws = await createScratchWorkspace('strata-signed-');
    dir = await mkdtemp(join(tmpdir(), 'strata-gpg-'));
    const built = await ws.nx(['run', 'fixture-repo:build', ...STATIC]);
    expect(built.exitCode, built.all).toBe(0);
    unsignedRepo = join(ws.root, 'dist/repos/fixture-repo');
    signer = await makeKey(dir, 'signer');
    stranger = await makeKey(dir, 'stranger');
    signedRepo = join(dir, 'signed-repo');
    await cp(unsignedRepo, signedRepo, { recursive: true });
    await rm(join(signedRepo, 'repodata'), { recursive: true });
    const rpms = (await readdir(join(signedRepo, 'Packages'))).map((f) => join(signedRepo, 'Packages', f));
    // Debian's rpm names gpg2 as its signer; gpg is the same program here.
    await execa('rpmsign', ['--addsign', '--define', '_gpg_name signer', '--define', `_gpg_path ${signer.home}`, '--define', '__gpg /usr/bin/gpg', ...rpms]);
    await execa('createrepo_c', ['--quiet', signedRepo]);
    await mkdir(join(ws.root, 'recipes/initrd-signed'));
  }, 300_000);
  afterAll(async () => {
    await ws?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('installs packages signed by the repository\'s gpgkey', async () => {
    await writeFile(recipeFile(), recipeText(signedRepo, signer.publicKey));
    const lock = await ws.nx(['run', 'initrd-signed:lock', ...STATIC]);
    expect(lock.exitCode, lock.all).toBe(0);
    const run = await ws.nx(['run', 'initrd-signed:image', ...STATIC]);
    expect(run.exitCode, run.all).toBe(0);
    const manifest = JSON.parse(await readFile(join(ws.root, 'dist/layers/initrd-signed/manifest.json'), 'utf8'));
    expect(manifest.packages.map((p: { nevra: string }) => p.nevra)).toEqual(['tzdata-lite-2:2023c-1.noarch']);
    // The key checked the files; it is not left in the image's rpm database as a gpg-pubkey package.
    expect(manifest.packages.some((p: { nevra: string }) => p.nevra.startsWith('gpg-pubkey'))).toBe(false);
  });

  it('refuses packages signed by another key, naming the package and the key', async () => {
    await writeFile(recipeFile(), recipeText(signedRepo, stranger.publicKey));
    const run = await ws.nx(['run', 'initrd-signed:image', ...STATIC]);
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(new RegExp(`tzdata-lite-2:2023c-1\\.noarch from repository signed fails the signature check against its gpgkey \\(file://${stranger.publicKey}\\): .*SIGNATURES NOT OK`));
    await expect(readFile(join(ws.root, 'dist/layers/initrd-signed/manifest.json'), 'utf8')).resolves.toContain('tzdata-lite');
  });

  it('refuses unsigned packages when the recipe asks for gpgcheck', async () => {
    await writeFile(recipeFile(), recipeText(unsignedRepo, signer.publicKey));
    const relock = await ws.nx(['run', 'initrd-signed:lock', ...STATIC]);
    expect(relock.exitCode, relock.all).toBe(0);
    const run = await ws.nx(['run', 'initrd-signed:image', ...STATIC]);
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(/tzdata-lite-2:2023c-1\.noarch from repository signed fails the signature check against its gpgkey .*SIGNATURES NOT OK/);
  });

  it('without gpgcheck the unsigned repository installs', async () => {
    await writeFile(recipeFile(), recipeText(unsignedRepo, null));
    const run = await ws.nx(['run', 'initrd-signed:image', ...STATIC]);
    expect(run.exitCode, run.all).toBe(0);
  });
});
