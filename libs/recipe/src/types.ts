/**
 * The recipe as written in recipe.yaml. recipe.schema.json is the definition of the format;
 * these types mirror it (recipe-schema.spec.ts checks that both list the same keys).
 */

export type RecipeKind = 'initrd' | 'sysext' | 'confext';
export type OutputFormat = 'cpio' | 'erofs' | 'squashfs' | 'directory';
export type Compression = 'zstd' | 'none';
export type ExtensionScope = 'initrd' | 'system' | 'portable';

export interface RecipeRelease {
  id?: string;
  versionId?: string;
  name?: string;
  releasever?: string;
  basearch?: string;
  sysextLevel?: string;
}

export interface RecipeRepository {
  id: string;
  baseurl?: string | string[];
  metalink?: string;
  mirrorlist?: string;
  project?: string;
  /** URL template of a store that keeps every build ({name} {epoch} {version} {release} {arch} {nevra} {sha256}). */
  archive?: string;
  gpgcheck?: boolean;
  gpgkey?: string | string[];
  priority?: number;
  enabled?: boolean;
}

export interface RecipeKernel {
  version?: string;
  package?: string;
  modules?: string[];
  firmware?: boolean;
}

export interface RecipeOutput {
  format?: OutputFormat;
  compression?: Compression;
  level?: number;
  verity?: boolean;
  sign?: boolean;
  maxSize?: string | number;
}

export interface RecipeExtension {
  scope?: ExtensionScope[];
  id?: string;
}

export interface Recipe {
  kind: RecipeKind;
  description?: string;
  base?: string;
  release?: RecipeRelease;
  repositories?: RecipeRepository[];
  packages?: string[];
  weakDependencies?: boolean;
  removePackages?: string[];
  allowScriptletFailures?: string[];
  removeFiles?: string[];
  files?: string;
  init?: string;
  kernel?: RecipeKernel;
  uki?: RecipeUki;
  output?: RecipeOutput;
  extension?: RecipeExtension;
}

/** The unified kernel image of an initrd with a kernel (the `uki` target). */
export interface RecipeUki {
  cmdline?: string;
  sign?: boolean;
}

/** A path into a recipe: mapping keys and list indexes, e.g. ['repositories', 0, 'baseurl']. */
export type RecipePath = readonly (string | number)[];

/** 1-based line and column in a recipe file. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** Image formats each kind of recipe can produce; the first is the default. */
export const FORMATS_BY_KIND: Readonly<Record<RecipeKind, readonly OutputFormat[]>> = {
  initrd: ['cpio', 'directory'],
  sysext: ['erofs', 'squashfs', 'directory', 'cpio'],
  confext: ['erofs', 'squashfs', 'directory', 'cpio'],
};

export const DEFAULT_INIT = '/usr/lib/systemd/systemd';
export const DEFAULT_BASEARCH = 'x86_64';
export const DEFAULT_ZSTD_LEVEL = 19;
export const DEFAULT_KERNEL_VERSION = 'host';
export const DEFAULT_FILES_DIR = 'files';

export function isExtensionKind(kind: RecipeKind): boolean {
  return kind === 'sysext' || kind === 'confext';
}
