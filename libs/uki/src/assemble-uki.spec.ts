import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleUki, type UkiManifest } from './assemble-uki';
import { readPeHeaders } from './pe';
import { UKI_CERT_ENV, UKI_KEY_ENV, verifyEfiSignature } from './secure-boot-signing';

// Real objcopy, systemd-stub, sbsign and sbverify; the kernel and initrd are stand-in bytes
// (objcopy and the signature do not look inside them; the boot tests use real ones).
describe('assembleUki', () => {
  let dir: string;
  let key: string;
  let certificate: string;
  const saved = { key: process.env[UKI_KEY_ENV], cert: process.env[UKI_CERT_ENV] };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-uki-'));
    key = join(dir, 'db.key');
    certificate = join(dir, 'db.crt');
    await execa('openssl', ['req', '-new', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=strata uki test/', '-keyout', key, '-out', certificate]);
    await writeFile(join(dir, 'vmlinuz'), Buffer.alloc(300_000, 0x4b));
    await writeFile(join(dir, 'initrd.cpio.zst'), Buffer.alloc(500_001, 0x49));
  });
  afterAll(async () => {
    process.env[UKI_KEY_ENV] = saved.key;
    process.env[UKI_CERT_ENV] = saved.cert;
    if (saved.key === undefined) delete process.env[UKI_KEY_ENV];
    if (saved.cert === undefined) delete process.env[UKI_CERT_ENV];
    await rm(dir, { recursive: true, force: true });
  });

  const assemble = (out: string, sign: boolean): Promise<UkiManifest> =>
    assembleUki({
      name: 'test-initrd',
      kernel: join(dir, 'vmlinuz'),
      kernelVersion: '6.1.0-test',
      initrd: join(dir, 'initrd.cpio.zst'),
      osRelease: 'NAME="Test"\nID=test\n',
      cmdline: ' root=LABEL=r  ro\nconsole=ttyS0 ',
      sign,
      recipeFile: 'recipes/test-initrd/recipe.yaml',
      outputDir: join(dir, out),
      workDir: join(dir, 'work'),
      sourceDateEpoch: 1_700_000_000,
    });

  it('puts every part in its own section, readable back from the PE headers, with the stub\'s own sections kept', async () => {
    const manifest = await assemble('unsigned', false);
    const bytes = await readFile(join(dir, 'unsigned', 'test-initrd.efi'));
    const sections = readPeHeaders(bytes).sections;
    const named = (name: string) => sections.find((s) => s.name === name);
    expect(named('.linux')?.virtualSize).toBe(300_000);
    expect(named('.initrd')?.virtualSize).toBe(500_001);
    const text = (name: string) => bytes.subarray(named(name)!.rawOffset, named(name)!.rawOffset + named(name)!.virtualSize).toString();
    expect(text('.cmdline')).toBe('root=LABEL=r ro console=ttyS0');
    expect(text('.uname')).toBe('6.1.0-test');
    expect(text('.osrel')).toContain('ID=test');
    expect(manifest.sections.filter((s) => s.from === 'systemd-stub').map((s) => s.name)).toEqual(expect.arrayContaining(['.text', '.sbat']));
    expect(manifest.signed).toBe(false);
    expect(await readFile(join(dir, 'unsigned', 'SHA256SUMS'), 'utf8')).toContain(`${manifest.sha256}  test-initrd.efi`);
  });

  it('signs with the key from the environment: sbverify accepts it, and the same inputs give the same bytes', async () => {
    process.env[UKI_KEY_ENV] = key;
    process.env[UKI_CERT_ENV] = certificate;
    const first = await assemble('signed-1', true);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a second later: the signing time must not show
    const second = await assemble('signed-2', true);
    expect(first.signed).toBe(true);
    expect(second.sha256).toBe(first.sha256);
    expect((await verifyEfiSignature(join(dir, 'signed-1', 'test-initrd.efi'), certificate)).ok).toBe(true);
    // Another certificate does not verify it.
    const other = join(dir, 'other.crt');
    await execa('openssl', ['req', '-new', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=other/', '-keyout', join(dir, 'other.key'), '-out', other]);
    expect((await verifyEfiSignature(join(dir, 'signed-1', 'test-initrd.efi'), other)).ok).toBe(false);
  });

  it('without the key, fails naming the recipe and both variables, and writes nothing', async () => {
    delete process.env[UKI_KEY_ENV];
    delete process.env[UKI_CERT_ENV];
    await expect(assemble('no-key', true)).rejects.toThrow(
      /recipes\/test-initrd\/recipe\.yaml signs its UKI \(uki\.sign: true\), but STRATA_UKI_KEY and STRATA_UKI_CERT are not set/,
    );
    await expect(readFile(join(dir, 'no-key', 'test-initrd.efi'))).rejects.toThrow(/ENOENT/);
  });
});
