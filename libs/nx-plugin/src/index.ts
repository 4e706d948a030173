/**
 * strata's Nx plugin: every `recipes/<name>/recipe.yaml` is a project named <name>.
 *
 * Targets: lock -> image (the layer) -> build (the final image; for an initrd with a kernel
 * section, image + modules) -> boot-test. A sysext or confext has lock, image (what the layer adds
 * to its base, and the merged tree) and build (erofs/squashfs/directory/cpio, verity, signature);
 * no modules. An initrd-scope sysext (erofs or squashfs) on a systemd initrd with a kernel also has
 * a boot-test: that initrd boots with the extension and must merge it. Every recipe also has
 * summary, and an initrd inspect and size-report: they only read (after building what they read),
 * so they are never cached.
 *
 * What goes into the cache key of `image` and `build` (no custom hasher, only Nx inputs, so
 * `nx affected` stays exact):
 *   - the recipe's folder: recipe.yaml and its files tree (not its README.md or the lock file);
 *     symbolic links by their target, which Nx's file hasher skips,
 *   - the `packages` field of its packages.lock.json (exact NEVRAs and sha256; reformatting or
 *     the lock's provenance block does not count),
 *   - the same three of every recipe it builds on (the `^` inputs follow the base chain); a
 *     repository project (fixture-repo, debian-distro) defines `recipe` as nothing, so its
 *     sources key only its own build: the lock's sha256s already say what it produced,
 *   - the builder's own source code (libs/*), and SOURCE_DATE_EPOCH;
 *   - for `modules` and `build`: the kernels installed on the host and the kernelVersion option,
 *     and not the packages, so a kernel update rebuilds only the modules layer; with
 *     kernel.package, the `kernel` field of the lock instead of the host's kernels;
 *   - for the `build` of a signed extension: the sha256 of the certificate STRATA_VERITY_CERT names
 *     (never the key);
 *   - the versions of the tools that shape the bytes (TOOL_VERSIONS): rpm, dnf and createrepo_c for
 *     layers, depmod for modules, mkfs.erofs, mksquashfs and veritysetup for extensions.
 * `lock` and `fetch` are never cached: they ask the repositories what they hold today. Where a
 * package comes from (the package store, a repository, an archive, a mirror) is in no key: every
 * source is checked against the sha256 in the lock, so the bytes are the same.
 */
import { dirname, join, relative } from 'node:path';
import type { CreateNodes, TargetConfiguration } from 'nx/src/devkit-exports';
import { loadRecipeGraph, nearestBaseOfKind, resolveRecipe, type RecipeGraph, type ResolvedRecipe } from '@strata/recipe';

export const RECIPE_GLOB = 'recipes/**/recipe.yaml';

/** Repository projects the recipe installs from, its own and those it inherits. */
function repositoryProjects(recipe: ResolvedRecipe): string[] {
  return recipe.repositories.flatMap((repo) => (repo.project ? [repo.project] : []));
}

// The kernels on this host: a new or reinstalled kernel changes the key of the modules layer only.
const HOST_KERNELS = { runtime: 'ls -l --time-style=+%s /usr/lib/modules/*/modules.dep 2>/dev/null || true' };

/**
 * The tools that shape the bytes, by version: a new rpm, dnf or createrepo_c re-keys the layers,
 * a new depmod the modules, a new mkfs.erofs, mksquashfs or veritysetup the extensions that use it.
 * Called by name, so a tool earlier on PATH counts.
 */
const TOOL_VERSIONS = {
  install: { runtime: 'rpm --version; /usr/bin/python3 -c "import dnf; print(\'dnf\', dnf.VERSION)"; createrepo_c --version | head -1' },
  depmod: { runtime: 'depmod --version | head -1' },
  erofs: { runtime: 'mkfs.erofs -h 2>&1 | grep -m1 "^mkfs.erofs "' },
  squashfs: { runtime: 'mksquashfs -version 2>&1 | head -1' },
  verity: { runtime: 'veritysetup --version' },
};

/** The tool versions the `build` of an extension depends on: its file system, and verity when it has one. */
function extensionTools(recipe: ResolvedRecipe): { runtime: string }[] {
  const format = recipe.output.format === 'erofs' ? [TOOL_VERSIONS.erofs] : recipe.output.format === 'squashfs' ? [TOOL_VERSIONS.squashfs] : [];
  return [...format, ...(recipe.output.verity ? [TOOL_VERSIONS.verity] : [])];
}

// A signed extension is rebuilt when the signing certificate changes.
const SIGNING_CERT = { runtime: 'sha256sum "$STRATA_VERITY_CERT" 2>/dev/null || echo "no certificate"' };

function buildDescription(recipe: ResolvedRecipe): string {
  if (recipe.kernel !== undefined) return 'The bootable initrd: userspace layer + kernel modules archive.';
  if (recipe.kind === 'initrd') return 'The final image of the recipe.';
  const verity = recipe.output.verity ? (recipe.output.sign ? ' with a signed dm-verity hash tree' : ' with a dm-verity hash tree') : '';
  return `The ${recipe.kind} image (${recipe.output.format})${verity}.`;
}

/**
 * Nx hashes regular files only: a symbolic link in a files tree (a unit enabled in a .wants
 * folder, say) would not change any key. List the links of the recipe's and its bases' folders,
 * with their targets, as a runtime input.
 */
function symlinksInput(recipeDirs: string[]): { runtime: string } {
  const dirs = recipeDirs.map((dir) => `'${dir.replace(/'/g, `'\\''`)}'`).join(' ');
  return { runtime: `find ${dirs} -type l -printf '%p -> %l\\n' 2>/dev/null | LC_ALL=C sort` };
}

function recipeTargets(recipe: ResolvedRecipe, graph: RecipeGraph, chainDirs: string[]): Record<string, TargetConfiguration> {
  const hasKernel = recipe.kernel !== undefined;
  const repos = repositoryProjects(recipe);
  const repoBuilds = repos.length > 0 ? [{ target: 'build', projects: repos }] : [];
  const layerInputs = ['recipe', '^recipe', 'builder', { env: 'SOURCE_DATE_EPOCH' }, symlinksInput(chainDirs), TOOL_VERSIONS.install];
  // Where the kernel comes from: the host's /usr/lib/modules, or the kernel package set in the lock.
  const kernelInputs = recipe.kernel?.package ? [{ json: '{projectRoot}/packages.lock.json', fields: ['kernel'] }] : [HOST_KERNELS];
  const targets: Record<string, TargetConfiguration> = {
    lock: {
      executor: '@strata/nx-plugin:lock',
      cache: false,
      dependsOn: [{ target: 'lock', dependencies: true }, ...repoBuilds],
      options: {},
      metadata: { description: 'Resolve the recipe with dnf into packages.lock.json (--check only verifies it).' },
    },
    fetch: {
      executor: '@strata/nx-plugin:fetch',
      cache: false,
      dependsOn: repoBuilds,
      options: {},
      metadata: { description: 'Download every package of the recipe\'s chain (bases and kernel set included) into the package store; builds then need no network.' },
    },
    image: {
      executor: '@strata/nx-plugin:image',
      cache: true,
      dependsOn: [{ target: 'image', dependencies: true }, ...repoBuilds],
      inputs: layerInputs,
      outputs: ['{workspaceRoot}/dist/layers/{projectName}'],
      options: {},
      metadata: {
        description:
          recipe.kind === 'initrd'
            ? 'Install the locked packages on the base layer; pack the layer and the tree children build on.'
            : `Install the locked packages on the base tree; keep what the layer adds under ${recipe.kind === 'sysext' ? 'usr/ and opt/' : 'etc/'}, and the tree children build on.`,
      },
    },
    build: {
      executor: '@strata/nx-plugin:build',
      cache: true,
      dependsOn: hasKernel ? ['image', { target: 'modules', params: 'forward' }] : ['image'],
      inputs: hasKernel ? [...layerInputs, ...kernelInputs, TOOL_VERSIONS.depmod] : [...layerInputs, ...extensionTools(recipe), ...(recipe.output.sign ? [SIGNING_CERT] : [])],
      outputs: ['{workspaceRoot}/dist/images/{projectName}'],
      options: {},
      metadata: { description: buildDescription(recipe) },
    },
  };
  if (hasKernel) {
    targets.modules = {
      executor: '@strata/nx-plugin:modules',
      cache: true,
      // A kernel package is installed from the repositories, so they must be built first.
      ...(recipe.kernel?.package ? { dependsOn: repoBuilds } : {}),
      inputs: ['recipeFile', '^recipeFile', 'builder', { env: 'SOURCE_DATE_EPOCH' }, ...kernelInputs, TOOL_VERSIONS.depmod, ...(recipe.kernel?.package ? [TOOL_VERSIONS.install] : [])],
      outputs: ['{workspaceRoot}/dist/modules/{projectName}'],
      options: {},
      metadata: { description: 'Kernel modules (closure over modules.dep, softdeps, firmware) as their own archive, per kernel.' },
    };
    targets['boot-test'] = {
      executor: '@strata/nx-plugin:boot-test',
      cache: false,
      // Boots what `build` made last (its manifest names the kernel), so a build for another
      // kernel (nx build X --kernelVersion=...) is booted with that kernel.
      dependsOn: [{ target: 'build', params: 'ignore' }],
      options: {},
      metadata: { description: 'Boot the initrd in QEMU to a test root disk and wait for its marker.' },
    };
  }
  const bootInitrd = bootableInitrdOf(recipe, graph);
  if (bootInitrd) {
    targets['boot-test'] = {
      executor: '@strata/nx-plugin:boot-test',
      cache: false,
      dependsOn: [{ target: 'build', params: 'ignore' }, { target: 'build', projects: [bootInitrd], params: 'ignore' }],
      options: {},
      metadata: { description: `Boot ${bootInitrd} in QEMU with this extension in /etc/extensions; pass when the initrd's systemd-sysext merged it and the root's marker appears.` },
    };
  }
  Object.assign(targets, reportTargets(recipe));
  return targets;
}

/**
 * The initrd an initrd-scope system extension is boot-tested with: the nearest initrd it builds
 * on, when that one runs systemd (whose systemd-sysext merges it) and has a kernel, and the
 * extension is an image systemd-sysext can merge.
 */
function bootableInitrdOf(recipe: ResolvedRecipe, graph: RecipeGraph): string | undefined {
  if (recipe.kind !== 'sysext' || !recipe.extension?.scope.includes('initrd')) return undefined;
  if (recipe.output.format !== 'erofs' && recipe.output.format !== 'squashfs') return undefined;
  const initrd = nearestBaseOfKind(recipe.baseChain, graph, 'initrd');
  if (!initrd) return undefined;
  const base = resolveRecipe(initrd, graph);
  return base.kernel && /\/systemd$/.test(base.init) ? initrd : undefined;
}

/** Telling what is in the image: never cached, they only read (and build what they read first). */
function reportTargets(recipe: ResolvedRecipe): Record<string, TargetConfiguration> {
  // Nx gives a task's command-line options to every dependency reached through `params: 'forward'`
  // (build -> modules), so `inspect --json` would re-key the modules layer. The first edge that
  // reaches a task sets its options: reaching modules directly, without options, comes first.
  const afterBuild = [...(recipe.kernel ? [{ target: 'modules', params: 'ignore' as const }] : []), { target: 'build', params: 'ignore' as const }];
  const targets: Record<string, TargetConfiguration> = {
    summary: {
      executor: '@strata/nx-plugin:summary',
      cache: false,
      options: {},
      metadata: { description: 'The recipe after inheritance, with where each value came from (--json for JSON).' },
    },
  };
  if (recipe.kind === 'initrd') {
    targets.inspect = {
      executor: '@strata/nx-plugin:inspect',
      cache: false,
      dependsOn: afterBuild,
      options: {},
      metadata: { description: 'List the built image like lsinitrd, by archive segment (--json for JSON).' },
    };
    targets['size-report'] = {
      executor: '@strata/nx-plugin:size-report',
      cache: false,
      dependsOn: afterBuild,
      options: {},
      metadata: { description: 'Where the image\'s bytes go: packages, directories, largest files, files of no package, removeFiles savings.' },
    };
  }
  return targets;
}

export const createNodes: CreateNodes = [
  RECIPE_GLOB,
  (recipeFiles, _options, context) => {
    // Loading the whole graph at once lets bad bases, cycles and duplicate names fail here,
    // with the file and line, before any task runs.
    const graph = loadRecipeGraph(context.workspaceRoot, [...recipeFiles]);
    return recipeFiles.map((file) => {
      const root = dirname(file);
      const loaded = [...graph.values()].find((r) => r.file === join(context.workspaceRoot, file));
      if (!loaded) return [file, {}];
      const recipe = resolveRecipe(loaded.name, graph);
      const chainDirs = [...recipe.baseChain, recipe.name].map((name) => relative(context.workspaceRoot, graph.get(name)?.dir ?? root));
      return [
        file,
        {
          projects: {
            [root]: {
              name: recipe.name,
              root,
              projectType: 'application',
              tags: [`kind:${recipe.kind}`, 'type:recipe'],
              implicitDependencies: [...(recipe.base ? [recipe.base] : []), ...repositoryProjects(recipe)],
              metadata: { description: recipe.description ?? '' },
              targets: recipeTargets(recipe, graph, chainDirs),
            },
          },
        },
      ];
    });
  },
];
