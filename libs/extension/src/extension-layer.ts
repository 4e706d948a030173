/**
 * The extension side of building a layer: remember the base tree before the layer's packages go
 * in, write the extension-release file, and afterwards keep exactly what the layer added or changed
 * in the hierarchies the extension is merged into.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { resolveInRoot } from '@strata/image-root';
import type { ResolvedRecipe } from '@strata/recipe';
import { copyPaths } from './copy-paths';
import { extensionReleaseEntries, extensionReleasePath, extensionReleaseText, type ExtensionKind, type ExtensionReleaseFields } from './extension-release';
import { basePackageError, diffTrees, PACKAGE_MANAGER_PATHS, removalError, selectExtensionContent, type InstalledPackage } from './layer-diff';
import { indexDigest, indexTree, type TreeIndex } from './tree-index';

export interface ExtensionLayerPlan {
  name: string;
  release: ExtensionReleaseFields;
}

/** What the layer manifest records of an extension. */
export interface ExtensionLayerSummary {
  kind: ExtensionKind;
  /** The extension-release file, relative to the image root, and its fields. */
  releaseFile: string;
  release: Record<string, string>;
  /** Paths the layer added or changed inside the hierarchies (the extension's content), bytewise order. */
  added: string[];
  changed: string[];
  /** Paths the layer added or changed outside them: left out of the extension. */
  dropped: string[];
  /** indexDigest of the extension's tree. */
  contentDigest: string;
}

/** The extension-release fields of an extension recipe, from its release data and extension section. */
export function extensionReleaseFor(recipe: ResolvedRecipe): ExtensionReleaseFields {
  if (recipe.kind === 'initrd' || recipe.extension === undefined) throw new Error(`${recipe.name} is not an extension recipe`);
  return {
    kind: recipe.kind,
    id: recipe.extension.id,
    ...(recipe.release.versionId !== undefined ? { versionId: recipe.release.versionId } : {}),
    ...(recipe.release.sysextLevel !== undefined ? { level: recipe.release.sysextLevel } : {}),
    basearch: recipe.release.basearch,
    scope: recipe.extension.scope,
  };
}

export class ExtensionLayer {
  private constructor(
    readonly plan: ExtensionLayerPlan,
    private readonly base: TreeIndex,
    private readonly basePackages: readonly InstalledPackage[],
  ) {}

  /** Index the base tree at `root`, before anything is installed into it. */
  static async begin(plan: ExtensionLayerPlan, root: string, basePackages: readonly InstalledPackage[]): Promise<ExtensionLayer> {
    return new ExtensionLayer(plan, await indexTree(root, { exclude: PACKAGE_MANAGER_PATHS }), basePackages);
  }

  get releaseFile(): string {
    return extensionReleasePath(this.plan.release.kind, this.plan.name);
  }

  async writeRelease(root: string): Promise<void> {
    const folder = await resolveInRoot(root, dirname(this.releaseFile), { followLast: true });
    await mkdir(folder, { recursive: true, mode: 0o755 });
    const path = join(folder, basename(this.releaseFile));
    await rm(path, { force: true });
    await writeFile(path, extensionReleaseText(this.plan.release), { mode: 0o644 });
  }

  /**
   * Compare the finished tree at `root` with the base: refuse deletions and changed base packages,
   * copy what the extension holds into `destination`.
   */
  async finish(root: string, packages: readonly InstalledPackage[], destination: string): Promise<ExtensionLayerSummary> {
    const { name, release } = this.plan;
    const packageError = basePackageError(name, this.basePackages, packages);
    if (packageError) throw packageError;
    const result = await indexTree(root, { exclude: PACKAGE_MANAGER_PATHS });
    const diff = diffTrees(this.base, result);
    const removal = removalError(name, diff, this.base);
    if (removal) throw removal;
    const selected = selectExtensionContent(diff, result, release.kind);
    await copyPaths(root, destination, selected.paths);
    const changed = new Set(diff.changed);
    return {
      kind: release.kind,
      releaseFile: this.releaseFile,
      release: Object.fromEntries(extensionReleaseEntries(release)),
      added: selected.content.filter((p) => !changed.has(p)),
      changed: selected.content.filter((p) => changed.has(p)),
      dropped: selected.dropped,
      contentDigest: indexDigest(await indexTree(destination)),
    };
  }
}
