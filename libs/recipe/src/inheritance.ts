import type { PositionTarget } from './source-map';
import type { LoadedRecipe } from './load-recipe';
import type { RecipeGraph } from './recipe-graph';
import { didYouMean } from './suggest';
import {
  DEFAULT_BASEARCH,
  DEFAULT_INIT,
  DEFAULT_KERNEL_VERSION,
  DEFAULT_ZSTD_LEVEL,
  FORMATS_BY_KIND,
  isExtensionKind,
  type Compression,
  type ExtensionScope,
  type OutputFormat,
  type Recipe,
  type RecipeKind,
  type RecipePath,
  type RecipeRepository,
  type SourcePosition,
} from './types';
import { findVariables, REPOSITORY_URL_FIELDS, type VariableName } from './variables';

/** Where something in a resolved recipe was written. */
export interface Origin {
  /** Name of the recipe that wrote it. */
  recipe: string;
  /** That recipe's file, as errors show it. */
  file: string;
  position: SourcePosition;
}

/** A package the recipe, or one of its bases, asks for. */
export interface PackageRequest extends Origin {
  spec: string;
}

/** A repository with its defaults applied and the recipe that declared it. */
export interface ResolvedRepository extends RecipeRepository, Origin {
  gpgcheck: boolean;
  enabled: boolean;
  /** Set when this repository replaces the base's repository of the same id: the base recipe's name. */
  overrides?: string;
}

export interface ResolvedRelease {
  id?: string;
  versionId?: string;
  name?: string;
  /** The value of $releasever: `releasever`, or else `versionId`. */
  releasever?: string;
  basearch: string;
  sysextLevel?: string;
}

export interface ResolvedKernel {
  version: string;
  /** The package the kernel comes from; absent: the build host's /usr/lib/modules. */
  package?: string;
  modules: string[];
  firmware: boolean;
}

export interface ResolvedOutput {
  format: OutputFormat;
  compression: Compression;
  /** The zstd level (unused when compression is "none"). */
  level: number;
  verity: boolean;
  sign: boolean;
  /** The image's budget (output.maxSize), this recipe's own: a base's budget is for the base's image. */
  maxSize?: string | number;
}

export interface ResolvedExtension {
  scope: ExtensionScope[];
  id: string;
}

/** A recipe with everything it inherits from its bases, and every default, filled in. */
export interface ResolvedUki {
  cmdline: string;
  sign: boolean;
}

export interface ResolvedRecipe {
  name: string;
  kind: RecipeKind;
  description?: string;
  /** Absolute paths of the recipe's folder and recipe.yaml. */
  dir: string;
  file: string;
  /** The file as errors show it (relative to the workspace root). */
  displayFile: string;
  /** The direct base, or null. */
  base: string | null;
  /** All bases, ROOT FIRST, without the recipe itself: for c -> b -> a, c's chain is [a, b]. */
  baseChain: string[];
  /** Field by field: each field from the nearest recipe of the chain (this one first) that sets it. */
  release: ResolvedRelease;
  /** Values of $releasever and $basearch in repository URLs. */
  variables: Partial<Record<VariableName, string>>;
  /**
   * The enabled repositories: the base's first, then this recipe's own. A repository whose id
   * is already in the base replaces the base's one in its place (a child can point "updates"
   * at a snapshot); `enabled: false` on such a replacement removes it.
   */
  repositories: ResolvedRepository[];
  /** Packages this recipe asks for: what its lock resolves. */
  ownPackages: PackageRequest[];
  /** Packages the bases ask for, root first: already in the base's lock and layer. */
  inheritedPackages: PackageRequest[];
  /** inheritedPackages then ownPackages. */
  packages: PackageRequest[];
  /** From the nearest recipe that sets it; default false. */
  weakDependencies: boolean;
  /** This recipe's own: the bases' removals were made in their own layers. */
  removePackages: string[];
  /** This recipe's own: the bases' scriptlets ran in their own layers. */
  allowScriptletFailures: string[];
  /** The globs of the whole chain, base first, each once: files a child's packages bring back are removed again. */
  removeFiles: string[];
  /** This recipe's own extra tree (absolute), or null: the bases' trees are already in their layers. */
  filesDir: string | null;
  /** From the nearest initrd of the chain that sets it; default /usr/lib/systemd/systemd. */
  init: string;
  /**
   * Initrds only: field by field from the nearest initrd of the chain that sets it, with the
   * defaults (version "host", modules ["default"], firmware true). Undefined when no initrd of
   * the chain has a kernel section, or for an extension.
   */
  kernel?: ResolvedKernel;
  /** With a kernel: the UKI's command line and whether it is signed, field by field from the nearest initrd that sets it. */
  uki?: ResolvedUki;
  /**
   * Field by field from the nearest recipe that sets it; the format only from recipes of the
   * same kind, by default "cpio" for an initrd and "erofs" for an extension.
   */
  output: ResolvedOutput;
  /** Extensions only: the scope and id of their extension-release. */
  extension?: ResolvedExtension;
  /** The recipe as written. */
  recipe: Recipe;
  /** Positions in this recipe's own file (see LoadedRecipe.position). */
  position(path: RecipePath, at?: PositionTarget): SourcePosition;
}

function lookup(name: string, graph: RecipeGraph, from?: LoadedRecipe): LoadedRecipe {
  const found = graph.get(name);
  if (found) return found;
  if (from) throw from.errorAt(['base'], `unknown base "${name}": no recipe has that name`, didYouMean(name, graph.keys()), 'value');
  const hint = didYouMean(name, graph.keys());
  throw new Error(`no recipe is named "${name}"${hint ? `; ${hint}` : ''}`);
}

/** The recipe and its bases, NEAREST FIRST: [c, b, a]. */
function chainOf(name: string, graph: RecipeGraph): LoadedRecipe[] {
  const chain = [lookup(name, graph)];
  const seen = new Set([name]);
  for (let current = chain[0]; current.recipe.base !== undefined; ) {
    const base = lookup(current.recipe.base, graph, current);
    if (seen.has(base.name)) {
      const cycle = chain.slice(chain.findIndex((r) => r.name === base.name)).map((r) => r.name);
      throw current.errorAt(['base'], `the bases form a cycle: ${[...cycle, base.name].join(' -> ')}`);
    }
    seen.add(base.name);
    chain.push(base);
    current = base;
  }
  return chain;
}

/** The value of the nearest recipe (chain nearest first) that defines it. */
function nearest<T>(chain: readonly LoadedRecipe[], get: (recipe: Recipe) => T | undefined): T | undefined {
  for (const loaded of chain) {
    const value = get(loaded.recipe);
    if (value !== undefined) return value;
  }
  return undefined;
}

function origin(loaded: LoadedRecipe, path: RecipePath): Origin {
  return { recipe: loaded.name, file: loaded.displayFile, position: loaded.position(path) };
}

function resolveRepositories(rootFirst: readonly LoadedRecipe[]): ResolvedRepository[] {
  const list: ResolvedRepository[] = [];
  for (const loaded of rootFirst) {
    (loaded.recipe.repositories ?? []).forEach((repo, index) => {
      const resolved: ResolvedRepository = { ...repo, gpgcheck: repo.gpgcheck ?? false, enabled: repo.enabled ?? true, ...origin(loaded, ['repositories', index]) };
      const existing = list.findIndex((r) => r.id === repo.id);
      if (existing < 0) list.push(resolved);
      else list[existing] = { ...resolved, overrides: list[existing].recipe };
    });
  }
  return list.filter((r) => r.enabled);
}


/** Every repository URL must have a value for the variables it uses. */
function checkVariables(repositories: readonly ResolvedRepository[], variables: Partial<Record<VariableName, string>>, graph: RecipeGraph): void {
  for (const repo of repositories) {
    const loaded = graph.get(repo.recipe) as LoadedRecipe;
    const index = (loaded.recipe.repositories ?? []).findIndex((r) => r.id === repo.id);
    for (const field of REPOSITORY_URL_FIELDS) {
      const value = repo[field];
      const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
      values.forEach((text, item) => {
        for (const ref of findVariables(text)) {
          if (variables[ref.name as VariableName] !== undefined) continue;
          const path: RecipePath = Array.isArray(value) ? ['repositories', index, field, item] : ['repositories', index, field];
          throw loaded.errorAt(
            path,
            `repository "${repo.id}" uses $${ref.name}, but no recipe of the chain sets ${ref.name === 'releasever' ? '"release.releasever" or "release.versionId"' : `"release.${ref.name}"`}`,
            `set it under "release" in this recipe or in its base`,
            'value',
          );
        }
      });
    }
  }
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/**
 * Resolve a recipe of the graph against its bases. Pure: it reads only the graph, and throws a
 * RecipeError when a repository URL uses a variable no recipe of the chain gives a value.
 */
export function resolveRecipe(name: string, graph: RecipeGraph): ResolvedRecipe {
  const chain = chainOf(name, graph);
  const [self] = chain;
  const rootFirst = [...chain].reverse();
  const kind = self.recipe.kind;
  const initrds = chain.filter((r) => r.recipe.kind === 'initrd');
  const sameKind = chain.filter((r) => r.recipe.kind === kind);

  const field = <K extends keyof NonNullable<Recipe['release']>>(key: K): NonNullable<Recipe['release']>[K] | undefined => nearest(chain, (r) => r.release?.[key]);
  const versionId = field('versionId');
  const release: ResolvedRelease = {
    id: field('id'),
    versionId,
    name: field('name'),
    releasever: field('releasever') ?? versionId,
    basearch: field('basearch') ?? DEFAULT_BASEARCH,
    sysextLevel: field('sysextLevel'),
  };
  for (const key of Object.keys(release) as (keyof ResolvedRelease)[]) if (release[key] === undefined) delete release[key];
  const variables: Partial<Record<VariableName, string>> = { basearch: release.basearch };
  if (release.releasever !== undefined) variables.releasever = release.releasever;

  const repositories = resolveRepositories(rootFirst);
  checkVariables(repositories, variables, graph);

  const requests = (loaded: LoadedRecipe): PackageRequest[] => (loaded.recipe.packages ?? []).map((spec, index) => ({ spec, ...origin(loaded, ['packages', index]) }));
  const ownPackages = requests(self);
  const inheritedPackages = rootFirst.slice(0, -1).flatMap(requests);

  let kernel: ResolvedKernel | undefined;
  if (kind === 'initrd' && initrds.some((r) => r.recipe.kernel !== undefined)) {
    const kernelPackage = nearest(initrds, (r) => r.kernel?.package);
    kernel = {
      version: nearest(initrds, (r) => r.kernel?.version) ?? DEFAULT_KERNEL_VERSION,
      ...(kernelPackage ? { package: kernelPackage } : {}),
      modules: [...(nearest(initrds, (r) => r.kernel?.modules) ?? ['default'])],
      firmware: nearest(initrds, (r) => r.kernel?.firmware) ?? true,
    };
  }

  const uki: ResolvedUki | undefined = kernel
    ? { cmdline: nearest(initrds, (r) => r.uki?.cmdline) ?? '', sign: nearest(initrds, (r) => r.uki?.sign) ?? false }
    : undefined;

  const output: ResolvedOutput = {
    format: nearest(sameKind, (r) => r.output?.format) ?? FORMATS_BY_KIND[kind][0],
    compression: nearest(chain, (r) => r.output?.compression) ?? 'zstd',
    level: nearest(chain, (r) => r.output?.level) ?? DEFAULT_ZSTD_LEVEL,
    verity: nearest(chain, (r) => r.output?.verity) ?? false,
    sign: nearest(chain, (r) => r.output?.sign) ?? false,
    ...(self.recipe.output?.maxSize !== undefined ? { maxSize: self.recipe.output.maxSize } : {}),
  };

  let extension: ResolvedExtension | undefined;
  if (isExtensionKind(kind)) {
    // The nearest extension that sets a scope, else what the chain is merged into.
    let scope: ExtensionScope[] | undefined;
    for (const loaded of chain) {
      if (!isExtensionKind(loaded.recipe.kind)) {
        scope = ['initrd'];
        break;
      }
      scope = loaded.recipe.extension?.scope;
      if (scope) break;
    }
    extension = {
      scope: [...(scope ?? ['system'])],
      id: nearest(sameKind, (r) => r.extension?.id) ?? release.id ?? '_any',
    };
  }

  return {
    name: self.name,
    kind,
    ...(self.recipe.description !== undefined ? { description: self.recipe.description } : {}),
    dir: self.dir,
    file: self.file,
    displayFile: self.displayFile,
    base: self.recipe.base ?? null,
    baseChain: rootFirst.slice(0, -1).map((r) => r.name),
    release,
    variables,
    repositories,
    ownPackages,
    inheritedPackages,
    packages: [...inheritedPackages, ...ownPackages],
    weakDependencies: nearest(chain, (r) => r.weakDependencies) ?? false,
    removePackages: [...(self.recipe.removePackages ?? [])],
    allowScriptletFailures: [...(self.recipe.allowScriptletFailures ?? [])],
    removeFiles: unique(rootFirst.flatMap((r) => r.recipe.removeFiles ?? [])),
    filesDir: self.filesDir,
    init: nearest(initrds, (r) => r.init) ?? DEFAULT_INIT,
    ...(kernel ? { kernel } : {}),
    ...(uki ? { uki } : {}),
    output,
    ...(extension ? { extension } : {}),
    recipe: self.recipe,
    position: (path, at) => self.position(path, at),
  };
}
