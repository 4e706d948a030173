import type { ExecutorContext } from '@nx/devkit';
import { join, relative } from 'node:path';
import { readFile } from 'node:fs/promises';
import { assembleExtension, assembleInitrd, sizeBudgetProblem, type Manifest, type SizedImage } from '@strata/layer';
import { collectWorkspaceLeftovers } from '@strata/output';
import { RecipeError, resolveRecipe, type RecipeGraph, type ResolvedRecipe } from '@strata/recipe';
import { SIZE_REPORT_HTML, sbomFileName, writeImageReports } from '@strata/report';
import { loadWorkspaceRecipes, reportErrors, sourceDateEpoch } from '../../workspace';
import { asImageRoot } from '../../image-root';
import { DIST } from '@strata/plan';

export interface BuildOptions {
  kernelVersion?: string;
}

async function buildExecutor(_options: BuildOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportErrors(async () => {
    const name = context.projectName as string;
    await collectWorkspaceLeftovers(context.root, (line) => console.log(`${name}: ${line}`));
    const graph = loadWorkspaceRecipes(context.root);
    const recipe = resolveRecipe(name, graph);
    if (recipe.kind !== 'initrd') return buildExtension(recipe, graph, context.root);
    const withModules = recipe.kind === 'initrd' && recipe.kernel !== undefined;
    const manifest = await assembleInitrd({
      name,
      layerDir: join(context.root, DIST.layers, name),
      modulesDir: withModules ? join(context.root, DIST.modules, name) : null,
      outputDir: join(context.root, DIST.images, name),
      // The size report and the SBOM are part of the build's output (and of its SHA256SUMS).
      addOutputs: async (imageDir, built) => {
        await checkSizeBudget(recipe, built, join(context.root, DIST.images, name), context.root);
        const modulesDir = withModules ? join(context.root, DIST.modules, name) : null;
        await writeImageReports({ workspaceRoot: context.root, graph, name, imageDir, manifest: built, layersDir: join(context.root, DIST.layers), modulesDir });
      },
    });
    const file = relative(context.root, join(context.root, DIST.images, name, manifest.image));
    const kernel = manifest.kernel ? ` + ${manifest.kernel.modules} modules of ${manifest.kernel.version}` : '';
    console.log(`${name}: ${file} ${(manifest.compressedSize / 1e6).toFixed(1)} MB${kernel}, sha256 ${manifest.sha256}`);
    const dir = relative(context.root, join(context.root, DIST.images, name));
    console.log(`  size report ${dir}/${SIZE_REPORT_HTML}, SBOM ${dir}/${sbomFileName(name)}`);
    return true;
  });
}

/**
 * output.maxSize: a build whose image is larger fails, naming what grew since the last build
 * (whose manifest is still in the output folder: the new one is only in staging), and leaves
 * the last image in place.
 */
async function checkSizeBudget(recipe: ResolvedRecipe, built: SizedImage, outputDir: string, workspaceRoot: string): Promise<void> {
  if (recipe.output.maxSize === undefined) return;
  const previousFile = join(outputDir, 'manifest.json');
  const previous = await readFile(previousFile, 'utf8').then((text) => JSON.parse(text) as SizedImage, () => undefined);
  const problem = sizeBudgetProblem(built, recipe.output.maxSize, previous ? { manifest: previous, file: relative(workspaceRoot, previousFile) } : undefined);
  if (!problem) return;
  const at = recipe.position(['output', 'maxSize'], 'value');
  throw new RecipeError(recipe.displayFile, at.line, at.column, problem, `raise output.maxSize, or take out what grew (removePackages, removeFiles); the last image and its size report stay in ${relative(workspaceRoot, outputDir)}`);
}

/** A sysext or confext: the layer's tree in the recipe's format, with verity and signature when asked. */
async function buildExtension(recipe: ResolvedRecipe, graph: RecipeGraph, workspaceRoot: string): Promise<boolean> {
  const format = recipe.output.format;
  const outputDir = join(workspaceRoot, DIST.images, recipe.name);
  const layerDir = join(workspaceRoot, DIST.layers, recipe.name);
  // A folder has no single file to checksum: a "directory" extension gets no reports.
  const withReports = format !== 'directory';
  const manifest = await assembleExtension({
    name: recipe.name,
    layerDir,
    outputDir,
    workDir: join(workspaceRoot, DIST.work),
    format,
    compression: { kind: recipe.output.compression, level: recipe.output.level },
    verity: recipe.output.verity,
    sign: recipe.output.sign,
    sourceDateEpoch: sourceDateEpoch(),
    addOutputs: withReports
      ? async (imageDir, built) => {
          await checkSizeBudget(recipe, { compressedSize: built.size, packages: built.packages }, outputDir, workspaceRoot);
          await writeImageReports({
            workspaceRoot,
            graph,
            name: recipe.name,
            imageDir,
            manifest: { recipe: built.recipe, kind: built.kind, image: built.image, sha256: built.sha256 ?? '', compressedSize: built.size, sourceDateEpoch: built.sourceDateEpoch, packages: built.packages, kernel: null },
            layersDir: join(workspaceRoot, DIST.layers),
            modulesDir: null,
            // The layer's archive holds the same tree as the image, readable without mounting it.
            extension: { entriesArchive: join(layerDir, (JSON.parse(await readFile(join(layerDir, 'manifest.json'), 'utf8')) as Manifest).image) },
          });
        }
      : undefined,
  });
  const file = relative(workspaceRoot, join(outputDir, manifest.image));
  const entries = manifest.files.filter((f) => f.type !== 'directory').length;
  const verity = manifest.verity ? `, verity root hash ${manifest.verity.rootHash}${manifest.signature ? ' (signed)' : ''}` : '';
  const sha = manifest.sha256 ? `, sha256 ${manifest.sha256}` : '';
  console.log(`${recipe.name}: ${file} (${format}, ${(manifest.size / 1e3).toFixed(1)} kB, ${entries} files)${verity}${sha}`);
  if (withReports) {
    const dir = relative(workspaceRoot, outputDir);
    console.log(`  size report ${dir}/${SIZE_REPORT_HTML}, SBOM ${dir}/${sbomFileName(recipe.name)}`);
  }
  return true;
}

export default asImageRoot(__filename, buildExecutor);
