/**
 * The layout of dist/, said once. One folder per cached target and recipe, so that Nx restores
 * each from its cache on its own; scratch space beside them, never in an output.
 */
export const DIST = {
  /** Repository projects' RPM repositories: dist/repos/<project>. */
  repos: 'dist/repos',
  /** `image`: the layer's archive, the tree children build on, manifest: dist/layers/<recipe>. */
  layers: 'dist/layers',
  /** `modules`: the kernel modules archive per kernel: dist/modules/<recipe>. */
  modules: 'dist/modules',
  /** `build`: the image a user ships, with its reports: dist/images/<recipe>. */
  images: 'dist/images',
  /** `uki`: the unified kernel image, its manifest and SHA256SUMS: dist/uki/<recipe>. */
  uki: 'dist/uki',
  /** `boot-test`: the last boot's console log and disks: dist/boot/<recipe>. */
  boot: 'dist/boot',
  /** Downloads kept between builds (the Debian mirror's files, dracut for the benchmark). */
  cache: 'dist/cache',
  /** Trees being assembled; a build removes what a killed one left. */
  work: 'dist/.work',
} as const;

/** Folders whose children are outputs, each swapped in whole (see atomic output). */
export const OUTPUT_PARENTS: readonly string[] = [DIST.repos, DIST.layers, DIST.modules, DIST.images, DIST.uki];

export type CachedTarget = 'image' | 'modules' | 'build' | 'uki';

const OUTPUT_OF: Record<CachedTarget, string> = { image: DIST.layers, modules: DIST.modules, build: DIST.images, uki: DIST.uki };

/** A cached target's output folder, relative to the workspace. */
export function outputDirOf(target: CachedTarget, recipe: string): string {
  return `${OUTPUT_OF[target]}/${recipe}`;
}

/** The same, as Nx writes a target's `outputs`. */
export function nxOutputOf(target: CachedTarget): string {
  return `{workspaceRoot}/${OUTPUT_OF[target]}/{projectName}`;
}
