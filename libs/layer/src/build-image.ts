import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { compressEachPiece, extractArchiveCompletely, packDirectorySegments, type DeviceNode } from '@strata/cpio';
import { DnfError, scriptletFailureMessage, type RepositorySpec, type ScriptletFailure } from '@strata/dnf';
import { installFromStore, type PackageSupply } from '@strata/package-store';
import { ExtensionLayer, type ExtensionLayerPlan, type ExtensionLayerSummary } from '@strata/extension';
import type { LockedPackage } from '@strata/lock';
import { makeOwnedDir } from '@strata/owner';
import { withAtomicOutput } from '@strata/output';
import { sha256File, writeChecksums } from '@strata/output';
import { explainNoSpace } from '@strata/output';
import { rebuildCommand, verifyOutput } from '@strata/output';
import { queryPackagedDeviceNodes, readOwnerIds, selectDeviceNodes } from '@strata/image-tree';
import { checkpointRpmDatabase, erasePackages, queryInstalled, type InstalledPackage } from '@strata/rpm';
import { listTree, overlayFiles, removeMatchingFiles, removePackageManagerState, writeInitrdIdentity, type ReleaseInfo, type RemovalReport } from '@strata/image-tree';

/** Everything a build needs, already resolved from the recipe, its lock and its base. */
export interface BuildPlan {
  name: string;
  kind: 'initrd' | 'sysext' | 'confext';
  base: string | null;
  /** dist/images/<name>: replaced as a whole when the build succeeds. */
  outputDir: string;
  /** The base's output folder, holding the tree this layer starts from. */
  baseOutputDir: string | null;
  /** Scratch space inside the workspace (the tree is assembled there). */
  workDir: string;
  packages: LockedPackage[];
  /** NEVRA -> the recipe whose lock holds it, for the manifest. */
  layerOf: Map<string, string>;
  repositories: RepositorySpec[];
  /** The package store the locked packages are installed from, and where to fetch what it lacks. */
  supply: PackageSupply;
  releasever: string;
  basearch: string;
  removePackages: string[];
  /** Packages (or package:%scriptlet) of this layer whose failing scriptlets only warn. */
  allowScriptletFailures?: string[];
  removeFiles: string[];
  filesDir: string | null;
  init: string;
  release: ReleaseInfo;
  /** Extensions: the image holds only what the layer adds under the extension's hierarchies. */
  extension?: ExtensionLayerPlan;
  compression: { kind: 'zstd' | 'none'; level: number };
  sourceDateEpoch: number;
  verbose?: boolean;
  /** Called at the start of each phase, for progress output. */
  onPhase?: (phase: string) => void;
}

export interface Manifest {
  recipe: string;
  kind: string;
  base: string | null;
  image: string;
  sha256: string;
  compression: string;
  uncompressedSize: number;
  compressedSize: number;
  fileCount: number;
  sourceDateEpoch: number;
  removedByRemoveFiles: RemovalReport;
  packages: { nevra: string; installSize: number; layer: string }[];
  /** Extensions: what the layer added, changed and left out, and its extension-release. */
  extension?: ExtensionLayerSummary;
}

/** The tree children build on: includes the rpm database, so dnf sees the base's packages. */
export const TREE_ARCHIVE = 'tree.cpio.zst';

export function imageFileName(plan: Pick<BuildPlan, 'name' | 'compression'>): string {
  return plan.compression.kind === 'zstd' ? `${plan.name}.cpio.zst` : `${plan.name}.cpio`;
}

// Written in ./checksums; still exported here for the modules that import them from this one.
export { sha256File, writeChecksums };

/** Count the bytes that pass, to report the uncompressed size without a second pass. */
async function* counted(source: AsyncIterable<Buffer>, counter: { bytes: number }): AsyncIterable<Buffer> {
  for await (const chunk of source) {
    counter.bytes += chunk.length;
    yield chunk;
  }
}

export async function writeArchive(root: string, file: string, compression: BuildPlan['compression'], sourceDateEpoch: number, devices: readonly DeviceNode[] = []): Promise<number> {
  const counter = { bytes: 0 };
  // Whole archives of bounded size, one zstd frame each: the kernel decodes one frame per archive.
  const cpio = counted(packDirectorySegments(root, { sourceDateEpoch, devices }), counter);
  const body = compression.kind === 'zstd' ? compressEachPiece(cpio, compression.level) : cpio;
  await explainNoSpace(file, () => pipeline(Readable.from(body), createWriteStream(file)));
  return counter.bytes;
}

/** Build one layer: base tree + locked packages -> image, tree for children, manifest, SHA256SUMS. */
export async function buildLayer(plan: BuildPlan): Promise<Manifest> {
  const phase = plan.onPhase ?? (() => undefined);
  // Named after this process: a later build removes it if this one is killed.
  const scratch = await makeOwnedDir(plan.workDir, `${plan.name}-`);
  const root = join(scratch, 'root');
  try {
    phase('base');
    await mkdir(root, { mode: 0o755 });
    let carriedDevices: DeviceNode[] = [];
    if (plan.baseOutputDir) {
      // A base half restored from the Nx cache must not become part of this layer.
      await verifyOutput(plan.baseOutputDir, rebuildCommand(plan.base ?? basename(plan.baseOutputDir), 'image'));
      carriedDevices = (await extractArchiveCompletely(join(plan.baseOutputDir, TREE_ARCHIVE), root, { deviceNodes: 'record' })).devices;
    }
    const installedBefore = plan.baseOutputDir ? await queryInstalled(root) : [];
    const extension = plan.extension ? await ExtensionLayer.begin(plan.extension, root, installedBefore) : null;

    phase('install');
    process.env.SOURCE_DATE_EPOCH = String(plan.sourceDateEpoch);
    if (plan.packages.length > 0) {
      const { toleratedScriptletFailures } = await installFromStore(
        { installroot: root, packages: plan.packages, repositories: plan.repositories, releasever: plan.releasever, basearch: plan.basearch, allowScriptletFailures: plan.allowScriptletFailures },
        { ...plan.supply, scratchDir: scratch, verbose: plan.verbose },
      ).catch((err: unknown) => {
        if (err instanceof DnfError && err.kind === 'scriptlet') {
          const recipeFile = join(dirname(plan.supply.origin.lockFile), 'recipe.yaml');
          throw new Error(scriptletFailureMessage(plan.name, recipeFile, err.details.failures as ScriptletFailure[]));
        }
        throw err;
      });
      for (const failure of toleratedScriptletFailures) console.warn(`${plan.name}: warning: ${failure.message} (allowed by allowScriptletFailures)${failure.output ? `:\n${failure.output.trimEnd()}` : ''}`);
    }
    await erasePackages(root, plan.removePackages);

    phase('files');
    const removed = await removeMatchingFiles(root, plan.removeFiles);
    if (plan.filesDir) await overlayFiles(plan.filesDir, root);
    if (plan.kind === 'initrd') await writeInitrdIdentity(root, plan.release, plan.name, plan.init);
    if (extension) await extension.writeRelease(root);
    const installed: InstalledPackage[] = await queryInstalled(root);
    const devices = selectDeviceNodes({
      carried: carriedDevices,
      packaged: await queryPackagedDeviceNodes(root),
      installedBefore: new Set(installedBefore.map((p) => p.nevra)),
      removeFiles: plan.removeFiles,
      owners: await readOwnerIds(root),
    });
    await checkpointRpmDatabase(root);

    return await withAtomicOutput(plan.outputDir, async (staging) => {
      phase('pack');
      await removePackageManagerState(root, { keepRpmDatabase: true });
      await writeArchive(root, join(staging, TREE_ARCHIVE), { kind: 'zstd', level: 3 }, plan.sourceDateEpoch, devices);
      await removePackageManagerState(root, { keepRpmDatabase: false });
      // An extension's image is only what it adds to its base; the tree above keeps everything.
      const extensionRoot = join(scratch, 'extension');
      const extensionSummary = extension ? await extension.finish(root, installed, extensionRoot) : undefined;
      const imageRoot = extension ? extensionRoot : root;
      const fileCount = (await listTree(imageRoot)).length + (extension ? 0 : devices.length);

      phase('compress');
      const image = imageFileName(plan);
      // An extension's hierarchies hold no device nodes; an initrd's image is the whole tree.
      const uncompressedSize = await writeArchive(imageRoot, join(staging, image), plan.compression, plan.sourceDateEpoch, extension ? [] : devices);
      const sha256 = await sha256File(join(staging, image));
      const manifest: Manifest = {
        recipe: plan.name,
        kind: plan.kind,
        base: plan.base,
        image,
        sha256,
        compression: plan.compression.kind === 'zstd' ? `zstd-${plan.compression.level}` : 'none',
        uncompressedSize,
        compressedSize: (await stat(join(staging, image))).size,
        fileCount,
        sourceDateEpoch: plan.sourceDateEpoch,
        removedByRemoveFiles: removed,
        packages: installed.map((p) => ({ nevra: p.nevra, installSize: p.installSize, layer: plan.layerOf.get(p.nevra) ?? 'unlocked' })),
        ...(extensionSummary ? { extension: extensionSummary } : {}),
      };
      await writeFile(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      await writeChecksums(staging);
      return manifest;
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
