import { lstat, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extractArchiveCompletely } from '@strata/cpio';
import {
  deriveHex,
  deriveUuid,
  formatVerity,
  imageFileName,
  indexDigest,
  indexTree,
  signingKeysFromEnvironment,
  signRootHash,
  lz4hcLevel,
  writeImage,
  VERITY_BLOCK_SIZE,
  VERITY_HASH,
  type EntryType,
  type ExtensionFormat,
  type ImageCompression,
  type SigningKeys,
} from '@strata/extension';
import { makeOwnedDir } from '@strata/owner';
import { withAtomicOutput } from '@strata/output';
import type { Manifest } from './build-image';
import { sha256File, writeChecksums } from '@strata/output';
import { rebuildCommand, verifyOutput } from '@strata/output';

export interface AssembleExtensionPlan {
  name: string;
  /** dist/layers/<name>: the layer's manifest and its archive of the extension's tree. */
  layerDir: string;
  /** dist/images/<name>: replaced as a whole. */
  outputDir: string;
  /** Scratch space inside the workspace. */
  workDir: string;
  format: ExtensionFormat;
  compression: ImageCompression;
  verity: boolean;
  sign: boolean;
  sourceDateEpoch: number;
  /** Where the signing key comes from; default: STRATA_VERITY_KEY and STRATA_VERITY_CERT. */
  signingKeys?: () => Promise<SigningKeys>;
  /** Writes more files (reports) beside the image before the checksums; they are part of the output. */
  addOutputs?: (stagingDir: string, manifest: ExtensionManifest) => Promise<void>;
}

export interface ExtensionFile {
  path: string;
  type: EntryType;
  mode: string;
  uid: number;
  gid: number;
  size: number;
  sha256?: string;
  target?: string;
}

export interface ExtensionManifest {
  recipe: string;
  kind: string;
  base: string | null;
  format: ExtensionFormat;
  /** The image file (or folder, for "directory"), relative to the output folder. */
  image: string;
  /** sha256 of the image file; null for a directory. */
  sha256: string | null;
  size: number;
  compression: string;
  sourceDateEpoch: number;
  /** Content identity of the tree (names, metadata, bytes), from which the UUIDs and the salt derive. */
  contentDigest: string;
  /** erofs file system UUID. */
  uuid: string | null;
  extensionRelease: { path: string; fields: Record<string, string> };
  verity: { hashFile: string; rootHash: string; rootHashFile: string; hash: string; blockSize: number; salt: string; uuid: string } | null;
  signature: { file: string; sha256: string; signed: string } | null;
  /** Every entry of the extension's tree, directories included, in bytewise order. */
  files: ExtensionFile[];
  /** The packages of the layer itself (the base's are in the base's manifest). */
  packages: Manifest['packages'];
}

function compressionName(format: ExtensionFormat, compression: ImageCompression): string {
  if (compression.kind === 'none' || format === 'directory') return 'none';
  if (format === 'erofs') return `lz4hc-${lz4hcLevel(compression.level)}`;
  return `zstd-${compression.level}`;
}

/**
 * The final image of a sysext or confext: the layer's tree written in the recipe's format, with a
 * dm-verity hash tree, root hash and signature when asked, a manifest and SHA256SUMS.
 */
export async function assembleExtension(plan: AssembleExtensionPlan): Promise<ExtensionManifest> {
  await verifyOutput(plan.layerDir, rebuildCommand(plan.name, 'image'));
  const layer: Manifest = JSON.parse(await readFile(join(plan.layerDir, 'manifest.json'), 'utf8'));
  const extension = layer.extension;
  if (!extension) throw new Error(`${plan.layerDir}/manifest.json describes no extension layer; rebuild it: npx nx run ${plan.name}:image --skip-nx-cache`);
  if (plan.verity && (plan.format === 'directory' || plan.format === 'cpio')) {
    throw new Error(`${plan.name}: dm-verity needs a file system image, but the format is "${plan.format}"; use "erofs" or "squashfs"`);
  }
  if (plan.sign && !plan.verity) throw new Error(`${plan.name}: signing signs the verity root hash, but verity is off`);
  // Fail on missing keys before any work.
  const keys = plan.sign ? await (plan.signingKeys ?? (() => signingKeysFromEnvironment()))() : null;

  const scratch = await makeOwnedDir(plan.workDir, `${plan.name}-extension-`);
  try {
    const tree = join(scratch, 'tree');
    await mkdir(tree, { mode: 0o755 });
    await extractArchiveCompletely(join(plan.layerDir, layer.image), tree, { preserveOwner: true });
    const index = await indexTree(tree);
    const contentDigest = indexDigest(index);
    if (contentDigest !== extension.contentDigest) {
      throw new Error(`${plan.name}: the layer archive does not hold the tree its manifest describes (digest ${contentDigest}, manifest ${extension.contentDigest})`);
    }

    return await withAtomicOutput(plan.outputDir, async (staging) => {
      const image = imageFileName(plan.name, plan.format, plan.compression);
      const imagePath = join(staging, image);
      const uuid = deriveUuid('strata-extension-fs', plan.name, contentDigest);
      await writeImage(plan.format, tree, imagePath, { compression: plan.compression, sourceDateEpoch: plan.sourceDateEpoch, uuid });
      const isFile = plan.format !== 'directory';
      const size = isFile ? (await lstat(imagePath)).size : [...index.values()].reduce((sum, e) => sum + e.size, 0);

      let verity: ExtensionManifest['verity'] = null;
      let signature: ExtensionManifest['signature'] = null;
      if (plan.verity) {
        const salt = deriveHex('strata-extension-verity-salt', plan.name, contentDigest);
        const verityUuid = deriveUuid('strata-extension-verity', plan.name, contentDigest);
        const hashFile = `${plan.name}.verity`;
        const rootHash = await formatVerity(imagePath, join(staging, hashFile), size, { salt, uuid: verityUuid });
        const rootHashFile = `${plan.name}.roothash`;
        await writeFile(join(staging, rootHashFile), `${rootHash}\n`);
        verity = { hashFile, rootHash, rootHashFile, hash: VERITY_HASH, blockSize: VERITY_BLOCK_SIZE, salt, uuid: verityUuid };
        if (keys) {
          const file = `${plan.name}.roothash.p7s`;
          await signRootHash(rootHash, join(staging, file), keys);
          signature = { file, sha256: await sha256File(join(staging, file)), signed: 'the root hash as hex, without a newline (what dm-verity checks)' };
        }
      }

      const files: ExtensionFile[] = [...index].map(([path, e]) => ({
        path,
        type: e.type,
        mode: e.mode.toString(8).padStart(4, '0'),
        uid: e.uid,
        gid: e.gid,
        size: e.size,
        ...(e.sha256 !== undefined ? { sha256: e.sha256 } : {}),
        ...(e.target !== undefined ? { target: e.target } : {}),
      }));
      const manifest: ExtensionManifest = {
        recipe: plan.name,
        kind: layer.kind,
        base: layer.base,
        format: plan.format,
        image,
        sha256: isFile ? await sha256File(imagePath) : null,
        size,
        compression: compressionName(plan.format, plan.compression),
        sourceDateEpoch: plan.sourceDateEpoch,
        contentDigest,
        uuid: plan.format === 'erofs' ? uuid : null,
        extensionRelease: { path: extension.releaseFile, fields: extension.release },
        verity,
        signature,
        files,
        packages: layer.packages.filter((p) => p.layer === plan.name),
      };
      await writeFile(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      await plan.addOutputs?.(staging, manifest);
      await writeChecksums(staging);
      return manifest;
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
