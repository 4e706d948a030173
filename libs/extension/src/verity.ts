/**
 * dm-verity for extension images: a hash tree beside the image (<name>.verity), its root hash
 * (<name>.roothash) and optionally a PKCS#7 signature of the root hash (<name>.roothash.p7s). These
 * are the side files systemd-dissect and systemd-sysext look for next to <name>.raw.
 */
import { access, chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface VerityOptions {
  /** Hex salt; derived from the content so that the hash tree is reproducible. */
  salt: string;
  /** UUID of the verity superblock; derived for the same reason. */
  uuid: string;
  blockSize?: number;
}

export const VERITY_HASH = 'sha256';
export const VERITY_BLOCK_SIZE = 4096;

export function verityFormatArguments(image: string, hashFile: string, options: VerityOptions): string[] {
  const block = options.blockSize ?? VERITY_BLOCK_SIZE;
  return [
    'format',
    image,
    hashFile,
    `--hash=${VERITY_HASH}`,
    `--data-block-size=${block}`,
    `--hash-block-size=${block}`,
    `--salt=${options.salt}`,
    `--uuid=${options.uuid}`,
  ];
}

/** The root hash from `veritysetup format`'s report. */
export function parseRootHash(report: string): string {
  const match = /^Root hash:\s*([0-9a-f]+)\s*$/im.exec(report);
  if (!match) throw new Error(`veritysetup did not report a root hash:\n${report}`);
  return match[1].toLowerCase();
}

/** Write the hash tree of `image` to `hashFile`; returns the root hash (hex). */
export async function formatVerity(image: string, hashFile: string, imageSize: number, options: VerityOptions): Promise<string> {
  const block = options.blockSize ?? VERITY_BLOCK_SIZE;
  if (imageSize % block !== 0) throw new Error(`${image}: ${imageSize} bytes is not a whole number of ${block}-byte verity blocks`);
  const { stdout } = await execa('veritysetup', verityFormatArguments(image, hashFile, options));
  await chmod(hashFile, 0o644);
  return parseRootHash(stdout);
}

/** `veritysetup verify`: resolves when the image matches its hash tree and root hash. */
export async function verifyVerity(image: string, hashFile: string, rootHash: string): Promise<boolean> {
  const result = await execa('veritysetup', ['verify', image, hashFile, rootHash], { reject: false });
  return result.exitCode === 0;
}

export interface SigningKeys {
  /** PEM private key. */
  key: string;
  /** PEM certificate of that key. */
  certificate: string;
}

export const SIGNING_KEY_ENV = 'STRATA_VERITY_KEY';
export const SIGNING_CERT_ENV = 'STRATA_VERITY_CERT';

/** The signing key and certificate named by the environment; a clear error when either is missing. */
export async function signingKeysFromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<SigningKeys> {
  const key = env[SIGNING_KEY_ENV];
  const certificate = env[SIGNING_CERT_ENV];
  const missing = [!key ? SIGNING_KEY_ENV : null, !certificate ? SIGNING_CERT_ENV : null].filter(Boolean);
  if (missing.length > 0) {
    throw new Error(
      `the recipe signs its verity root hash (output.sign), but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: ` +
        `set ${SIGNING_KEY_ENV} to the path of the PEM private key and ${SIGNING_CERT_ENV} to the path of its PEM certificate ` +
        '(keep both outside the repository)',
    );
  }
  for (const [name, path] of [
    [SIGNING_KEY_ENV, key],
    [SIGNING_CERT_ENV, certificate],
  ] as const) {
    await access(path as string).catch(() => {
      throw new Error(`${name} names ${path}, which cannot be read`);
    });
  }
  return { key: key as string, certificate: certificate as string };
}

/**
 * openssl smime: a detached PKCS#7 signature in DER, without the certificate (-nocerts) and
 * without signed attributes (-noattr, so no signing time: the signature is reproducible for a
 * deterministic key type such as RSA), of the content as given (-binary).
 */
export function signArguments(content: string, output: string, keys: SigningKeys): string[] {
  return ['smime', '-sign', '-nocerts', '-noattr', '-binary', '-md', 'sha256', '-in', content, '-inkey', keys.key, '-signer', keys.certificate, '-outform', 'der', '-out', output];
}

/**
 * Sign the root hash as the kernel checks it (dm-verity's root_hash_sig_key_desc): the hex string
 * without a newline.
 */
export async function signRootHash(rootHash: string, output: string, keys: SigningKeys): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-sign-'));
  try {
    const content = join(dir, 'roothash');
    await writeFile(content, rootHash);
    await execa('openssl', signArguments(content, output, keys), { stdin: 'ignore' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
