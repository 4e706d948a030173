import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchWorkspaceOnSharedCache, type ScratchWorkspace } from './support/scratch-workspace';

// The generic, centrally signed image end to end: the uki target makes one EFI program of
// systemd-stub, the locked kernel and the initrd, sbsign signs it with a key from the
// environment, and OVMF with Secure Boot enforcing boots it, and refuses it unsigned or changed.
describe('nx run initrd-distro-kernel:uki, and boot-test --firmware=uefi-secure-boot', () => {
  let ws: ScratchWorkspace;
  let keys: string;
  let signing: Record<string, string>;
  const uki = () => join(ws.root, 'dist/uki/initrd-distro-kernel/initrd-distro-kernel.efi');
  const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

  beforeAll(async () => {
    ws = await createScratchWorkspaceOnSharedCache();
    // The keys live outside the workspace, as they would on a signing host.
    keys = await mkdtemp(join(tmpdir(), 'strata-sb-keys-'));
    await execa('openssl', ['req', '-new', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=strata test db/', '-keyout', join(keys, 'db.key'), '-out', join(keys, 'db.crt')]);
    signing = { STRATA_UKI_KEY: join(keys, 'db.key'), STRATA_UKI_CERT: join(keys, 'db.crt') };
    const lock = await ws.nx(['run-many', '-t', 'lock', '--projects=initrd-base,initrd-server,initrd-distro-kernel', '--output-style=static']);
    expect(lock.exitCode, lock.all).toBe(0);
  }, 900_000);
  afterAll(async () => {
    await ws?.dispose();
    await rm(keys, { recursive: true, force: true });
  });

  it('without a signing key, fails naming the recipe and the two variables, and writes no UKI', async () => {
    const run = await ws.nx(['run', 'initrd-distro-kernel:uki', '--output-style=static'], { STRATA_UKI_KEY: '', STRATA_UKI_CERT: '' });
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(/recipes\/initrd-distro-kernel\/recipe\.yaml signs its UKI \(uki\.sign: true\), but STRATA_UKI_KEY and STRATA_UKI_CERT are not set/);
    await expect(readFile(uki())).rejects.toThrow(/ENOENT/);
  }, 900_000);

  it('writes the signed UKI, which sbverify accepts, with every section reported, and a clean rebuild gives the same bytes', async () => {
    const run = await ws.nx(['run', 'initrd-distro-kernel:uki', '--output-style=static'], signing);
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(/initrd-distro-kernel: dist\/uki\/initrd-distro-kernel\/initrd-distro-kernel\.efi [\d.]+ MB, signed for Secure Boot, sha256 [0-9a-f]{64}/);
    for (const section of ['.sbat', '.osrel', '.cmdline', '.uname', '.initrd', '.linux']) expect(run.all).toMatch(new RegExp(`^  \\${section}\\s+0x[0-9a-f]+\\s+\\d+ bytes$`, 'm'));
    const verify = await execa('sbverify', ['--cert', signing.STRATA_UKI_CERT, uki()], { reject: false, all: true });
    expect(verify.exitCode, verify.all).toBe(0);
    const manifest = JSON.parse(await readFile(join(ws.root, 'dist/uki/initrd-distro-kernel/uki.json'), 'utf8'));
    expect(manifest.cmdline).toBe('root=LABEL=strata-root ro console=ttyS0 panic=-1');
    // The initrd in the UKI is the build's image, byte for byte.
    const image = join(ws.root, 'dist/images/initrd-distro-kernel/initrd-distro-kernel.cpio.zst');
    expect(manifest.sections.find((s: { name: string }) => s.name === '.initrd').size).toBe((await readFile(image)).length);
    const first = await sha256(uki());
    await rm(join(ws.root, 'dist/uki'), { recursive: true, force: true });
    const again = await ws.nx(['run', 'initrd-distro-kernel:uki', '--skip-nx-cache', '--output-style=static'], signing);
    expect(again.exitCode, again.all).toBe(0);
    expect(await sha256(uki())).toBe(first);
  }, 900_000);

  it('with Secure Boot enforcing and only the signing certificate in db, the signed UKI boots and the unsigned and changed ones are refused', async () => {
    const run = await ws.nx(['run', 'initrd-distro-kernel:boot-test', '--firmware=uefi-secure-boot', '--output-style=static'], signing);
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(/initrd-distro-kernel: enrolled a PK, a KEK and db = .*db\.crt with systemd-boot/);
    expect(run.all).toMatch(/initrd-distro-kernel: booted the signed UKI with Secure Boot enforcing to the root's marker in [\d.]+ s/);
    expect(run.all).toMatch(/the firmware refused the unsigned UKI \("failed to load Boot\d+ .*: Access Denied"/);
    expect(run.all).toMatch(/and the tampered UKI \("failed to load Boot\d+ .*: (Access Denied|Security Violation)"/);
    const dir = join(ws.root, 'dist/boot/initrd-distro-kernel/uefi-secure-boot');
    const signed = await readFile(join(dir, 'console.log'), 'utf8');
    expect(signed).toMatch(/EFI stub: UEFI Secure Boot is enabled/);
    expect(signed).toMatch(/Kernel is locked down from EFI Secure Boot/);
    expect(signed).toMatch(/Command line: root=LABEL=strata-root ro console=ttyS0 panic=-1/);
    expect(signed).toMatch(/STRATA-ROOT-REACHED/);
    for (const refused of ['console-unsigned.log', 'console-tampered.log']) {
      const text = await readFile(join(dir, refused), 'utf8');
      expect(text).not.toMatch(/Linux version/);
      expect(text).not.toMatch(/STRATA-ROOT-REACHED/);
    }
  }, 900_000);

  it('under plain UEFI the same UKI boots from the ESP', async () => {
    const run = await ws.nx(['run', 'initrd-distro-kernel:boot-test', '--firmware=uefi', '--excludeTaskDependencies', '--output-style=static'], signing);
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(/initrd-distro-kernel: booted the UKI under UEFI \(OVMF\) to the root's marker in [\d.]+ s/);
    const console = await readFile(join(ws.root, 'dist/boot/initrd-distro-kernel/uefi/console.log'), 'utf8');
    expect(console).toMatch(/BdsDxe: starting Boot\d+/);
    expect(console).not.toMatch(/Secure boot enabled/);
  }, 600_000);
});
