import { readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DnfError, resolvePackages, type RepositorySpec } from '@strata/dnf';
import { ensureLockedPackages, type FetchConfig, type PackageStore, type PackageSupply, type SourceRepository } from '@strata/package-store';
import { RecipeError, resolveRecipe, substituteVariables, type RecipeGraph, type ResolvedRecipe } from '@strata/recipe';
import { DIST } from '@strata/plan';
import {
  LOCK_FILE_NAME,
  packagesDigest,
  parseLock,
  requestDigest,
  serializeLock,
  sortLockedPackages,
  toLockedPackage,
  type KernelLock,
  type LockFile,
  type LockedPackage,
  type ResolutionRequest,
} from './lockfile';

export interface LockContext {
  workspaceRoot: string;
  graph: RecipeGraph;
}

/** Where a repository that is an Nx project of this workspace publishes its output. */
export function repositoryProjectDir(workspaceRoot: string, project: string): string {
  return join(workspaceRoot, DIST.repos, project);
}

export function lockPath(recipe: Pick<ResolvedRecipe, 'dir'>): string {
  return join(recipe.dir, LOCK_FILE_NAME);
}

function displayPath(ctx: LockContext, path: string): string {
  return relative(ctx.workspaceRoot, path) || path;
}

export function lockCommand(name: string): string {
  return `npx nx run ${name}:lock`;
}

/** $releasever and $basearch of a recipe: releasever falls back to the release's versionId. */
function releaseVariables(recipe: ResolvedRecipe): { releasever: string; basearch: string } {
  return { releasever: recipe.release.releasever ?? recipe.release.versionId ?? '', basearch: recipe.release.basearch ?? 'x86_64' };
}

/** Everything dnf needs to see a recipe's repositories: the repositories, $releasever and $basearch. */
export function dnfTarget(recipe: ResolvedRecipe, workspaceRoot: string): { repositories: RepositorySpec[]; releasever: string; basearch: string } {
  return { repositories: repositoriesFor(recipe, workspaceRoot).specs, ...releaseVariables(recipe) };
}

/** The recipe's repositories as dnf sees them, and as the lock records them (workspace-independent). */
export function repositoriesFor(recipe: ResolvedRecipe, workspaceRoot: string): { specs: RepositorySpec[]; recorded: { id: string; url: string }[] } {
  const vars = releaseVariables(recipe);
  const specs: RepositorySpec[] = [];
  const recorded: { id: string; url: string }[] = [];
  for (const repo of recipe.repositories) {
    const sub = (value: string): string => substituteVariables(value, vars, repo.id);
    const list = (value: string | string[] | undefined): string[] | undefined => (value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map(sub));
    if (repo.project) {
      specs.push({ id: repo.id, baseurl: [`file://${repositoryProjectDir(workspaceRoot, repo.project)}`], gpgcheck: false });
      recorded.push({ id: repo.id, url: `project:${repo.project}` });
      continue;
    }
    const spec: RepositorySpec = {
      id: repo.id,
      baseurl: list(repo.baseurl),
      metalink: repo.metalink === undefined ? undefined : sub(repo.metalink),
      mirrorlist: repo.mirrorlist === undefined ? undefined : sub(repo.mirrorlist),
      gpgcheck: repo.gpgcheck ?? false,
      gpgkey: list(repo.gpgkey),
      priority: repo.priority,
    };
    specs.push(spec);
    recorded.push({ id: repo.id, url: spec.baseurl?.join(' ') ?? spec.metalink ?? spec.mirrorlist ?? '' });
  }
  return { specs, recorded };
}

/**
 * Where a recipe's locked packages can be fetched when the package store lacks them: its
 * repositories (at the locked location; through dnf for metalink and mirrorlist), their archives,
 * and the mirrors.
 */
export function fetchConfigFor(recipe: ResolvedRecipe, workspaceRoot: string, mirrors: string[]): FetchConfig {
  const target = dnfTarget(recipe, workspaceRoot);
  const vars = releaseVariables(recipe);
  const repositories: SourceRepository[] = target.repositories.map((spec) => {
    const archive = recipe.repositories.find((r) => r.id === spec.id)?.archive;
    return { id: spec.id, baseurl: spec.baseurl, metalink: spec.metalink, mirrorlist: spec.mirrorlist, ...(archive ? { archive: substituteVariables(archive, vars, spec.id) } : {}) };
  });
  return { repositories, mirrors, dnf: target, mirrorToken: process.env.STRATA_PACKAGE_MIRROR_TOKEN || undefined };
}

/** The package supply of a recipe: the store, where to fetch, and its lock file for messages. */
export function packageSupplyFor(recipe: ResolvedRecipe, workspaceRoot: string, store: PackageStore, mirrors: string[]): PackageSupply {
  return { store, fetch: fetchConfigFor(recipe, workspaceRoot, mirrors), origin: { recipe: recipe.name, lockFile: relative(workspaceRoot, lockPath(recipe)) } };
}

/** Read the lock of a recipe, or undefined when there is none yet. */
export async function readLock(recipe: ResolvedRecipe): Promise<LockFile | undefined> {
  const file = lockPath(recipe);
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  return text === undefined ? undefined : parseLock(text, file);
}

/** All packages of the base chain (root first), each with the layer that locked it. */
export async function chainPackages(recipe: ResolvedRecipe, ctx: LockContext): Promise<{ layer: string; pkg: LockedPackage }[]> {
  const out: { layer: string; pkg: LockedPackage }[] = [];
  for (const baseName of recipe.baseChain) {
    const base = resolveRecipe(baseName, ctx.graph);
    const lock = await readLock(base);
    if (!lock) throw new Error(`${displayPath(ctx, lockPath(base))} does not exist: the base "${baseName}" of "${recipe.name}" is not locked yet; run: ${lockCommand(baseName)}`);
    for (const pkg of lock.packages) out.push({ layer: baseName, pkg });
  }
  return out;
}

async function resolutionRequest(recipe: ResolvedRecipe, ctx: LockContext): Promise<ResolutionRequest & { basePackages: LockedPackage[] }> {
  const basePackages = (await chainPackages(recipe, ctx)).map((entry) => entry.pkg);
  return {
    request: recipe.ownPackages.map((p) => p.spec),
    weakDependencies: recipe.weakDependencies,
    baseLock: recipe.base ? packagesDigest(basePackages) : null,
    repositories: repositoriesFor(recipe, ctx.workspaceRoot).recorded,
    kernel: recipe.kernel?.package ?? null,
    basePackages,
  };
}

export type LockState = { fresh: true; lock: LockFile } | { fresh: false; reason: string };

/** Is the committed lock still the resolution of the recipe as written? (No repository is asked.) */
export async function checkLock(name: string, ctx: LockContext): Promise<LockState> {
  const recipe = resolveRecipe(name, ctx.graph);
  const file = displayPath(ctx, lockPath(recipe));
  const lock = await readLock(recipe);
  if (!lock) return { fresh: false, reason: `${file} does not exist; create it with: ${lockCommand(name)}` };
  const digest = requestDigest(await resolutionRequest(recipe, ctx));
  if (lock.resolvedFrom.digest !== digest) {
    const why = lock.base !== recipe.base ? `the recipe's base changed from ${lock.base ?? 'none'} to ${recipe.base ?? 'none'}` : 'the recipe\'s packages, repositories or its base\'s lock changed since it was written';
    return { fresh: false, reason: `${file} is stale for ${displayPath(ctx, recipe.file)}: ${why}; refresh it with: ${lockCommand(name)}` };
  }
  return { fresh: true, lock };
}

function samePackages(a: readonly LockedPackage[], b: readonly LockedPackage[]): boolean {
  return packagesDigest(a) === packagesDigest(b);
}

/** Turn a dnf failure into an error that points at the recipe line responsible. */
function explain(err: unknown, recipe: ResolvedRecipe, ctx: LockContext): Error {
  if (!(err instanceof DnfError)) return err as Error;
  const file = recipe.file;
  const searched = recipe.repositories.map((r) => r.id).join(', ');
  if (err.kind === 'no-package') {
    const spec = String(err.details.spec);
    const own = recipe.ownPackages.find((p) => p.spec === spec);
    const at = own?.position ?? recipe.position(['packages']);
    return new RecipeError(own?.file ?? file, at.line, at.column, `package "${spec}" matches nothing in the repositories searched (${searched})`, 'check the spelling, or add the repository that provides it under "repositories"');
  }
  if (err.kind === 'repository') {
    const id = /repo '([^']+)'/.exec(err.message)?.[1];
    const repo = recipe.repositories.find((r) => r.id === id);
    const at = repo?.position ?? recipe.position(['repositories']);
    return new RecipeError(repo?.file ?? file, at.line, at.column, `repository ${id ? `"${id}" ` : ''}cannot be read: ${err.message.split('\n')[0]}`, 'check its baseurl/metalink, the network, or build the repository project first');
  }
  if (err.kind === 'base-missing') {
    return new Error(`${displayPath(ctx, file)}: ${err.message}; relock the base chain first: ${lockCommand(recipe.baseChain[recipe.baseChain.length - 1] ?? recipe.name)}`);
  }
  return new Error(`${displayPath(ctx, file)}: dnf could not resolve the packages: ${err.message}`);
}

function sameKernel(a: KernelLock | undefined, b: KernelLock | undefined): boolean {
  if (!a || !b) return a === b;
  return a.request === b.request && samePackages(a.packages, b.packages);
}

/**
 * The kernel package with everything it requires, resolved on an empty root: the modules layer
 * installs exactly this set into a scratch root to take vmlinuz and the modules from it.
 */
async function lockKernelPackage(recipe: ResolvedRecipe, spec: string, ctx: LockContext): Promise<KernelLock> {
  try {
    const resolved = await resolvePackages({ ...dnfTarget(recipe, ctx.workspaceRoot), packages: [spec], basePackages: [], weakDependencies: false });
    return { request: spec, packages: sortLockedPackages(resolved.packages.map(toLockedPackage)) };
  } catch (err) {
    if (err instanceof DnfError && err.kind === 'no-package') {
      // kernel.package may be inherited: point at the recipe that wrote it.
      const owner = [recipe.name, ...[...recipe.baseChain].reverse()].map((n) => ctx.graph.get(n)).find((l) => l?.recipe.kernel?.package !== undefined);
      const at = (owner ?? recipe).position(['kernel', 'package'], 'value');
      throw new RecipeError(owner?.displayFile ?? recipe.file, at.line, at.column, `kernel package "${spec}" matches nothing in the repositories searched (${recipe.repositories.map((r) => r.id).join(', ')})`, 'name a package that ships /usr/lib/modules/<version> (Debian: linux-image-amd64, Fedora: kernel-core), or remove kernel.package to use the build host\'s kernel');
    }
    throw explain(err, recipe, ctx);
  }
}

export interface LockResult {
  file: string;
  changed: boolean;
  lock: LockFile;
}

/**
 * Resolve the recipe with dnf and write its lock; the file is rewritten only when the result differs.
 * With a package supply, every locked package is then kept in the package store (fetched while the
 * repositories still hold it), so that the lock outlives them.
 */
export async function lockRecipe(name: string, ctx: LockContext, supply?: PackageSupply): Promise<LockResult> {
  const result = await writeRecipeLock(name, ctx);
  if (supply) await ensureLockedPackages([...result.lock.packages, ...(result.lock.kernel?.packages ?? [])], supply);
  return result;
}

async function writeRecipeLock(name: string, ctx: LockContext): Promise<LockResult> {
  const recipe = resolveRecipe(name, ctx.graph);
  const request = await resolutionRequest(recipe, ctx);
  let resolved;
  try {
    resolved = await resolvePackages({
      ...dnfTarget(recipe, ctx.workspaceRoot),
      packages: request.request,
      basePackages: request.basePackages,
      weakDependencies: recipe.weakDependencies,
    });
  } catch (err) {
    throw explain(err, recipe, ctx);
  }
  const baseNevras = new Set(request.basePackages.map((p) => p.nevra));
  const all = resolved.packages.map(toLockedPackage);
  const baseNames = new Map(request.basePackages.map((p) => [p.name, p.nevra]));
  const changedBase = all.filter((p) => !baseNevras.has(p.nevra) && baseNames.has(p.name));
  if (changedBase.length > 0) {
    throw new Error(`${displayPath(ctx, recipe.file)}: the layer would replace packages of its base: ${changedBase.map((p) => `${baseNames.get(p.name)} -> ${p.nevra}`).join(', ')}; a layer can only add packages, so move the change into the base recipe`);
  }
  const packages = all.filter((p) => !baseNevras.has(p.nevra));
  const kernel = recipe.kernel?.package ? await lockKernelPackage(recipe, recipe.kernel.package, ctx) : undefined;
  const revisions = new Map(resolved.repositories.map((r) => [r.id, r.revision]));
  const lock: LockFile = {
    lockVersion: 1,
    recipe: recipe.name,
    base: recipe.base,
    resolvedFrom: {
      digest: requestDigest(request),
      request: request.request,
      weakDependencies: request.weakDependencies,
      baseLock: request.baseLock,
      repositories: request.repositories.map((r) => ({ ...r, revision: revisions.get(r.id) ?? null })),
    },
    packages,
    ...(kernel ? { kernel } : {}),
  };
  const file = lockPath(recipe);
  // An unreadable lock is what `lock` exists to replace: say so, and write a good one.
  const previous = await readLock(recipe).catch((err: Error) => {
    console.warn(`${displayPath(ctx, file)}: replacing a lock that cannot be read (${err.message.split('\n')[0]})`);
    return undefined;
  });
  // A lock that still describes the same resolution stays byte for byte as it is, even when the
  // repository has new metadata: only layers whose packages change get a new lock.
  if (previous && previous.recipe === lock.recipe && previous.base === lock.base && previous.resolvedFrom.digest === lock.resolvedFrom.digest && samePackages(previous.packages, packages) && sameKernel(previous.kernel, kernel)) {
    return { file, changed: false, lock: previous };
  }
  const text = serializeLock(lock);
  const temp = `${file}.tmp-${process.pid}`;
  await writeFile(temp, text);
  await rename(temp, file);
  return { file, changed: true, lock };
}
