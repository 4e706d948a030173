import { access, copyFile } from 'node:fs/promises';
import { execa } from 'execa';

export const UKI_KEY_ENV = 'STRATA_UKI_KEY';
export const UKI_CERT_ENV = 'STRATA_UKI_CERT';

export interface SecureBootKeys {
  /** PEM private key. */
  key: string;
  /** PEM certificate of that key (enrolled in the firmware's db). */
  certificate: string;
}

/** The Secure Boot key and certificate named by the environment; a clear error when either is missing. */
export async function secureBootKeysFromEnvironment(asker = 'the recipe', env: NodeJS.ProcessEnv = process.env): Promise<SecureBootKeys> {
  const key = env[UKI_KEY_ENV];
  const certificate = env[UKI_CERT_ENV];
  const missing = [!key ? UKI_KEY_ENV : null, !certificate ? UKI_CERT_ENV : null].filter(Boolean);
  if (missing.length > 0) {
    throw new Error(
      `${asker} signs its UKI (uki.sign: true), but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: ` +
        `set ${UKI_KEY_ENV} to the path of the PEM private key and ${UKI_CERT_ENV} to the path of its PEM certificate, ` +
        'the one enrolled in the firmware\'s db (keep both outside the repository)',
    );
  }
  for (const [name, path] of [[UKI_KEY_ENV, key], [UKI_CERT_ENV, certificate]] as const) {
    await access(path as string).catch(() => {
      throw new Error(`${name} names ${path}, which cannot be read`);
    });
  }
  return { key: key as string, certificate: certificate as string };
}

/** faketime's absolute (frozen) time for an epoch, in UTC: "1970-01-01 00:00:00". */
export function frozenTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}

/**
 * sbsign: an Authenticode signature for the firmware, in a new file. sbsign always writes the
 * signing time into the signature's attributes; it runs under faketime frozen at the build's
 * SOURCE_DATE_EPOCH, so the same image and key give the same bytes (firmware ignores that time).
 */
export async function signEfiImage(input: string, output: string, keys: SecureBootKeys, sourceDateEpoch: number): Promise<void> {
  // -f: libfaketime's own format, where an absolute time stays frozen. Without it, faketime
  // starts the clock there and lets it run, so a slow signing could cross into the next second.
  const result = await execa('faketime', ['-f', frozenTime(sourceDateEpoch), 'sbsign', '--key', keys.key, '--cert', keys.certificate, '--output', output, input], {
    reject: false,
    all: true,
    env: { TZ: 'UTC' },
  });
  if (result.exitCode !== 0) throw new Error(`sbsign failed for ${input}: ${result.all?.trim() || `exit ${result.exitCode}`}`);
}

/** The same image without its signature (sbattach --remove), as an unsigned build would be. */
export async function withoutSignature(signed: string, output: string): Promise<void> {
  await copyFile(signed, output);
  const result = await execa('sbattach', ['--remove', output], { reject: false, all: true });
  if (result.exitCode !== 0) throw new Error(`sbattach --remove failed for ${signed}: ${result.all?.trim()}`);
}

/** sbverify: whether the image carries a valid signature by the certificate. */
export async function verifyEfiSignature(image: string, certificate: string): Promise<{ ok: boolean; output: string }> {
  const result = await execa('sbverify', ['--cert', certificate, image], { reject: false, all: true });
  return { ok: result.exitCode === 0, output: result.all?.trim() ?? '' };
}
