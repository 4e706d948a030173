import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { sha256File } from '@strata/output';
import { bootAndWatch } from './qemu';

/** Debian's OVMF (package ovmf) and systemd-boot (systemd-boot-efi). */
export const OVMF = {
  code: '/usr/share/OVMF/OVMF_CODE_4M.fd',
  secureBootCode: '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd',
  /** No keys enrolled: Secure Boot is in setup mode. */
  emptyVars: '/usr/share/OVMF/OVMF_VARS_4M.fd',
} as const;
export const SYSTEMD_BOOT = '/usr/lib/systemd/boot/efi/systemd-bootx64.efi';

/** The host tools a UEFI boot test runs, and the Debian package of each. */
const UEFI_TOOLS: [string, string][] = [
  [OVMF.code, 'ovmf'],
  [OVMF.secureBootCode, 'ovmf'],
  [SYSTEMD_BOOT, 'systemd-boot-efi'],
  ['/usr/sbin/mkfs.vfat', 'dosfstools'],
  ['/usr/bin/mcopy', 'mtools'],
  ['/usr/bin/cert-to-efi-sig-list', 'efitools'],
  ['/usr/bin/sign-efi-sig-list', 'efitools'],
  ['/usr/bin/sbattach', 'sbsigntool'],
];

/** Fail, naming what to install, when a tool of the UEFI boot test is missing. */
export async function requireUefiTools(): Promise<void> {
  const missing: [string, string][] = [];
  for (const [path, pkg] of UEFI_TOOLS) if (!(await stat(path).then(() => true, () => false))) missing.push([path, pkg]);
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))];
    throw new Error(`a UEFI boot test needs ${missing.map(([path]) => path).join(', ')}: install ${packages.join(' ')} (bash tools/host/setup.sh does)`);
  }
}

/**
 * An EFI system partition image: FAT on the whole disk (OVMF reads it without a partition
 * table), made with mkfs.vfat and mtools, so no mount or loop device. files: [path on the ESP, source].
 */
export async function makeEsp(image: string, files: [string, string][]): Promise<void> {
  let bytes = 0;
  for (const [, source] of files) bytes += (await stat(source)).size;
  const sizeKiB = Math.ceil((bytes * 1.1 + 8 * 1024 * 1024) / 1024);
  await rm(image, { force: true });
  await execa('mkfs.vfat', ['-C', '-n', 'ESP', image, String(sizeKiB)]);
  const dirs = new Set<string>();
  for (const [path] of files) {
    const parts = path.split('/').filter(Boolean).slice(0, -1);
    parts.forEach((_, i) => dirs.add(parts.slice(0, i + 1).join('/')));
  }
  for (const dir of [...dirs].sort()) await execa('mmd', ['-i', image, `::/${dir}`]);
  for (const [path, source] of files) await execa('mcopy', ['-i', image, source, `::/${path.replace(/^\//, '')}`]);
}

/** The GUID that owns the test's signature lists (any fixed one will do). */
const OWNER_GUID = '5e1f3a0c-0000-4000-8000-57a7a0000001';

/**
 * An OVMF variable store with Secure Boot enforcing and the given certificate in db, the test's
 * own throwaway PK and KEK above it. systemd-boot enrols the keys (loader.conf
 * `secure-boot-enroll force`, keys in /loader/keys/strata) while the firmware is in setup mode,
 * and resets. Kept in dir while the certificate, systemd-boot and OVMF are the same.
 */
export async function enrolledSecureBootVars(dir: string, dbCertificate: string): Promise<{ vars: string; enrolled: boolean }> {
  await mkdir(dir, { recursive: true });
  const vars = join(dir, 'OVMF_VARS.enrolled.fd');
  const keyFile = `${vars}.key`;
  const key = createHash('sha256')
    .update([await sha256File(dbCertificate), await sha256File(SYSTEMD_BOOT), await sha256File(OVMF.secureBootCode), await sha256File(OVMF.emptyVars)].join('\n'))
    .digest('hex');
  if ((await readFile(keyFile, 'utf8').catch(() => '')).trim() === key && (await stat(vars).then(() => true, () => false))) return { vars, enrolled: false };
  await rm(keyFile, { force: true });
  const keys = join(dir, 'keys');
  await rm(keys, { recursive: true, force: true });
  await mkdir(keys);
  for (const name of ['PK', 'KEK']) {
    await execa('openssl', ['req', '-new', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', `/CN=strata boot test ${name}/`, '-keyout', join(keys, `${name}.key`), '-out', join(keys, `${name}.crt`)]);
  }
  await copyFile(dbCertificate, join(keys, 'db.crt'));
  for (const name of ['PK', 'KEK', 'db']) await execa('cert-to-efi-sig-list', ['-g', OWNER_GUID, join(keys, `${name}.crt`), join(keys, `${name}.esl`)]);
  // PK signs itself and KEK; KEK signs db.
  for (const [name, signer] of [['PK', 'PK'], ['KEK', 'PK'], ['db', 'KEK']]) {
    await execa('sign-efi-sig-list', ['-k', join(keys, `${signer}.key`), '-c', join(keys, `${signer}.crt`), name, join(keys, `${name}.esl`), join(keys, `${name}.auth`)]);
  }
  const loaderConf = join(keys, 'loader.conf');
  await writeFile(loaderConf, 'secure-boot-enroll force\ntimeout 0\n');
  const esp = join(dir, 'enroll-esp.img');
  await makeEsp(esp, [
    ['EFI/BOOT/BOOTX64.EFI', SYSTEMD_BOOT],
    ['loader/loader.conf', loaderConf],
    ...(['PK', 'KEK', 'db'].map((name) => [`loader/keys/strata/${name}.auth`, join(keys, `${name}.auth`)]) as [string, string][]),
  ]);
  const temp = `${vars}.tmp-${process.pid}`;
  await copyFile(OVMF.emptyVars, temp);
  try {
    const result = await bootAndWatch({
      firmware: { code: OVMF.secureBootCode, vars: temp, secureBoot: true },
      disks: [esp],
      append: [],
      marker: 'Enrolling secure boot keys from directory',
      // systemd-boot resets once the keys are in: QEMU (-no-reboot) exits.
      untilPowerOff: true,
      failurePatterns: [/Failed to enroll.*/i, /Error.*enroll.*/i, /failed to load Boot\d+.*/],
      timeoutMs: 120_000,
      consoleLog: join(dir, 'enroll.log'),
    });
    if (!result.ok) throw new Error(`enrolling the Secure Boot keys with systemd-boot failed: ${result.reason} (console: ${join(dir, 'enroll.log')})`);
    await copyFile(temp, vars);
    await writeFile(keyFile, `${key}\n`);
    return { vars, enrolled: true };
  } finally {
    await rm(temp, { force: true });
    await rm(esp, { force: true });
  }
}
