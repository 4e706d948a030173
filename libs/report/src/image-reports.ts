/**
 * The reports written beside every built image (an initrd, or an extension in a file format):
 * size-report.json and size-report.html, and the SPDX SBOM <name>.spdx.json. Reads the image, the layer's tree (for the rpm database), the
 * modules archive, the layer manifests and the locks of the chain; the work is in the pure
 * modules next to this one.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listArchive } from '@strata/cpio';
import type { Manifest } from '@strata/layer';
import { readLock, repositoriesFor } from '@strata/lock';
import { resolveRecipe, type RecipeGraph } from '@strata/recipe';
import { ownershipFromTree } from './ownership';
import { buildSbom, type SbomLayer, type SpdxDocument } from './sbom';
import { renderSizeReportHtml } from './size-report-html';
import { buildSizeReport, type ModuleGaps, type SizeReport } from './size-report';

export const SIZE_REPORT_JSON = 'size-report.json';
export const SIZE_REPORT_HTML = 'size-report.html';

export function sbomFileName(name: string): string {
  return `${name}.spdx.json`;
}

/** What the reports need of the final image's manifest. */
export type ImageManifest = Pick<Manifest, 'recipe' | 'kind' | 'image' | 'sha256' | 'compressedSize' | 'sourceDateEpoch' | 'packages'> & {
  kernel?: { version: string; image: string; sha256: string; source?: 'host' | string[] } | null;
};

export interface ImageReportsInput {
  workspaceRoot: string;
  graph: RecipeGraph;
  name: string;
  /** The folder holding the image and its manifest (the build's staging folder). */
  imageDir: string;
  manifest: ImageManifest;
  /** dist/layers: each layer's manifest.json and tree.cpio.zst. */
  layersDir: string;
  /** The recipe's dist/modules folder, when the image has a modules archive. */
  modulesDir: string | null;
  /**
   * Extensions: the image holds only what its own layer adds, and it is a file system image, so
   * its entries are read from the layer's archive of the same tree, and only that layer counts.
   */
  extension?: { entriesArchive: string };
}

export interface ImageReports {
  sizeReport: SizeReport;
  sbom: SpdxDocument;
  files: string[];
}

async function readJson<T>(path: string): Promise<T | undefined> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  return text === undefined ? undefined : (JSON.parse(text) as T);
}

async function toolName(workspaceRoot: string): Promise<string> {
  const pkg = await readJson<{ version?: string }>(join(workspaceRoot, 'package.json'));
  return `strata-${pkg?.version ?? '0'}`;
}

/** Repository id -> base URL, for the repositories of one recipe that name one (not a project, metalink or mirror list). */
function baseUrls(name: string, graph: RecipeGraph, workspaceRoot: string): Map<string, string | null> {
  const recipe = resolveRecipe(name, graph);
  const { specs } = repositoriesFor(recipe, workspaceRoot);
  return new Map(recipe.repositories.map((repo, i) => [repo.id, repo.project ? null : (specs[i]?.baseurl?.[0] ?? null)]));
}

/** The gaps modules.json records (a modules archive built before they were recorded has none). */
function moduleGaps(modules: (Partial<ModuleGaps> & { missingFirmwareByModule?: ModuleGaps['missingFirmware'] }) | undefined): ModuleGaps | undefined {
  if (!modules) return undefined;
  return { missingFirmware: modules.missingFirmwareByModule ?? [], undoneExcludes: modules.undoneExcludes ?? [] };
}

export async function computeImageReports(input: ImageReportsInput): Promise<{ sizeReport: SizeReport; sbom: SpdxDocument }> {
  const { manifest, name } = input;
  const recipe = resolveRecipe(name, input.graph);
  const chain = input.extension ? [name] : [...recipe.baseChain, name];

  const entries = await listArchive(input.extension?.entriesArchive ?? join(input.imageDir, manifest.image));
  const ownership = await ownershipFromTree(join(input.layersDir, name, 'tree.cpio.zst'));
  const kernel =
    manifest.kernel && input.modulesDir
      ? {
          version: manifest.kernel.version,
          paths: new Set((await listArchive(join(input.modulesDir, manifest.kernel.image))).map((e) => e.name)),
          gaps: moduleGaps(await readJson<Partial<ModuleGaps> & { missingFirmwareByModule?: ModuleGaps['missingFirmware'] }>(join(input.modulesDir, 'modules.json'))),
        }
      : undefined;
  const removed = [];
  for (const layer of chain) {
    const layerManifest = await readJson<Manifest>(join(input.layersDir, layer, 'manifest.json'));
    if (layerManifest) removed.push({ layer, ...layerManifest.removedByRemoveFiles });
  }
  const sizeReport = buildSizeReport({
    recipe: name,
    image: manifest.image,
    sha256: manifest.sha256,
    compressedSize: manifest.compressedSize,
    entries,
    ownership,
    packages: manifest.packages,
    kernel,
    removed,
  });

  const layers: SbomLayer[] = [];
  for (const layer of chain) {
    const lock = await readLock(resolveRecipe(layer, input.graph));
    if (lock) layers.push({ layer, packages: lock.packages, repositories: baseUrls(layer, input.graph, input.workspaceRoot) });
  }
  const sbom = buildSbom({
    recipe: name,
    kind: manifest.kind,
    image: manifest.image,
    imageSha256: manifest.sha256,
    sourceDateEpoch: manifest.sourceDateEpoch,
    packages: manifest.packages,
    layers,
    purlNamespace: recipe.release.id ?? 'strata',
    kernel: manifest.kernel ? { version: manifest.kernel.version, sha256: manifest.kernel.sha256, image: manifest.kernel.image, source: manifest.kernel.source } : null,
    tool: await toolName(input.workspaceRoot),
  });
  return { sizeReport, sbom };
}

/** Compute the reports and write them into imageDir. */
export async function writeImageReports(input: ImageReportsInput): Promise<ImageReports> {
  const { sizeReport, sbom } = await computeImageReports(input);
  const files = [SIZE_REPORT_JSON, SIZE_REPORT_HTML, sbomFileName(input.name)];
  await writeFile(join(input.imageDir, SIZE_REPORT_JSON), `${JSON.stringify(sizeReport, null, 2)}\n`);
  await writeFile(join(input.imageDir, SIZE_REPORT_HTML), renderSizeReportHtml(sizeReport));
  await writeFile(join(input.imageDir, sbomFileName(input.name)), `${JSON.stringify(sbom, null, 2)}\n`);
  return { sizeReport, sbom, files };
}

export async function readSizeReport(imageDir: string): Promise<SizeReport | undefined> {
  return readJson<SizeReport>(join(imageDir, SIZE_REPORT_JSON));
}
