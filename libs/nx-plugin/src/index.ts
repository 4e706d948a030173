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
 * What each cached target's key covers is said once, in @strata/plan's targetKeys; this plugin
 * turns it into Nx inputs, and the README's architecture table is written from it.
 * `lock` and `fetch` are never cached: they ask the repositories what they hold today. Where a
 * package comes from (the package store, a repository, an archive, a mirror) is in no key: every
 * source is checked against the sha256 in the lock, so the bytes are the same.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DependencyType, hashArray, type CreateDependencies, type CreateNodes, type CreateNodesResult, type RawProjectGraphDependency, type TargetConfiguration } from '@nx/devkit';
import { hashObject, hashWithWorkspaceContext, PluginCache, workspaceDataDirectory } from '@nx/devkit/internal';
import { loadRecipeGraph, nearestBaseOfKind, resolveRecipe, type RecipeGraph, type ResolvedRecipe } from '@strata/recipe';
import { bootVariantsOf, inputsOf, nxOutputOf, targetKeys, type CodeInputs, type Input, type KeyFacts } from '@strata/plan';
import { CODE_INPUT_NAMES, executorClosure, executorCodeInputs, workspaceCodeBase, type NamedInputs } from './code-inputs';

export const RECIPE_GLOB = 'recipes/**/recipe.yaml';

/** Repository projects the recipe installs from, its own and those it inherits. */
function repositoryProjects(recipe: ResolvedRecipe): string[] {
  return recipe.repositories.flatMap((repo) => (repo.project ? [repo.project] : []));
}

function buildDescription(recipe: ResolvedRecipe): string {
  if (recipe.kernel !== undefined) return 'The bootable initrd: userspace layer + kernel modules archive.';
  if (recipe.kind === 'initrd') return 'The final image of the recipe.';
  const verity = recipe.output.verity ? (recipe.output.sign ? ' with a signed dm-verity hash tree' : ' with a dm-verity hash tree') : '';
  return `The ${recipe.kind} image (${recipe.output.format})${verity}.`;
}

const EXECUTORS = ['lock', 'fetch', 'image', 'modules', 'build', 'uki', 'boot-test', 'summary', 'inspect', 'size-report'];

/**
 * The code each cached executor runs, as inputs, and every library any executor of a recipe runs:
 * the recipe depends on those in the project graph, so that `nx affected` takes a recipe when its
 * code changed, and the inputs decide which of its targets really re-run.
 * nx.json holds each executor's code once, as a named input (`npm run docs` writes it): a target
 * names it while it matches the code, and lists the patterns itself when it does not. The key is
 * the same either way; naming it keeps each project a third of the size, which is what Nx
 * passes between processes, merges and writes for every recipe.
 */
function codeInputsOf(workspaceRoot: string, namedInputs: NamedInputs): CodeInputs & { 'boot-test': Input[]; libraries: string[] } {
  const code = workspaceCodeBase(workspaceRoot);
  const closures = new Map(EXECUTORS.map((executor) => [executor, executorClosure(workspaceRoot, executor, code)]));
  const of = (executor: keyof typeof CODE_INPUT_NAMES): Input[] => {
    const inputs = executorCodeInputs(executor, closures.get(executor) as ReturnType<typeof executorClosure>, code, namedInputs);
    const name = CODE_INPUT_NAMES[executor];
    return isDeepStrictEqual(namedInputs?.[name], inputs) ? [name] : inputs;
  };
  const libraries = [...new Set([...closures.values()].flatMap((closure) => closure.libraries))].sort();
  return { image: of('image'), modules: of('modules'), build: of('build'), uki: of('uki'), 'boot-test': of('boot-test'), libraries: ['@strata/nx-plugin', ...libraries] };
}

/** The facts of a recipe its keys depend on (see @strata/plan's targetKeys). */
function keyFacts(recipe: ResolvedRecipe, chainDirs: string[]): KeyFacts {
  return {
    kind: recipe.kind,
    kernel: recipe.kind !== 'initrd' || !recipe.kernel ? 'none' : recipe.kernel.package ? 'package' : 'host',
    format: recipe.output.format,
    verity: recipe.output.verity,
    sign: recipe.output.sign,
    chainDirs,
    ukiSign: recipe.uki?.sign ?? false,
  };
}

function recipeTargets(recipe: ResolvedRecipe, graph: RecipeGraph, chainDirs: string[], code: ReturnType<typeof codeInputsOf>, ships: (path: string) => boolean): Record<string, TargetConfiguration> {
  const hasKernel = recipe.kernel !== undefined;
  const repos = repositoryProjects(recipe);
  const repoBuilds = repos.length > 0 ? [{ target: 'build', projects: repos }] : [];
  const keys = targetKeys(keyFacts(recipe, chainDirs), code);
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
      inputs: inputsOf(keys.image),
      outputs: [nxOutputOf('image')],
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
      inputs: inputsOf(keys.build),
      outputs: [nxOutputOf('build')],
      options: {},
      metadata: { description: buildDescription(recipe) },
    },
  };
  if (hasKernel) {
    targets.uki = {
      executor: '@strata/nx-plugin:uki',
      cache: true,
      // --kernelVersion reaches build and modules: a UKI for another kernel (kernel-install).
      dependsOn: [{ target: 'build', params: 'forward' }],
      inputs: inputsOf(keys.uki ?? []),
      outputs: [nxOutputOf('uki')],
      options: {},
      metadata: { description: `The unified kernel image: systemd-stub + kernel + this initrd + uki.cmdline${recipe.uki?.sign ? ', signed with sbsign for Secure Boot' : ''}.` },
    };
    targets.modules = {
      executor: '@strata/nx-plugin:modules',
      cache: true,
      // A kernel package is installed from the repositories, so they must be built first.
      ...(recipe.kernel?.package ? { dependsOn: repoBuilds } : {}),
      inputs: inputsOf(keys.modules ?? []),
      outputs: [nxOutputOf('modules')],
      options: {},
      metadata: { description: 'Kernel modules (closure over modules.dep, softdeps, firmware) as their own archive, per kernel.' },
    };
    targets['boot-test'] = {
      executor: '@strata/nx-plugin:boot-test',
      cache: false,
      // Boots what `build` made last (its manifest names the kernel), so a build for another
      // kernel (nx build X --kernelVersion=...) is booted with that kernel.
      dependsOn: [{ target: 'build', params: 'ignore' }],
      // Never cached (a boot must really run); the inputs say what code it runs.
      inputs: code['boot-test'],
      options: {},
      // One configuration per storage stack this initrd's packages can assemble: boot-test:luks.
      configurations: Object.fromEntries(bootVariantsOf(recipe, ships).map((variant) => [variant, { root: variant }])),
      metadata: { description: 'Boot the initrd in QEMU to a test root disk and wait for its marker; each configuration puts the root on another storage stack.' },
    };
  }
  const bootInitrd = bootableInitrdOf(recipe, graph);
  if (bootInitrd) {
    targets['boot-test'] = {
      executor: '@strata/nx-plugin:boot-test',
      cache: false,
      dependsOn: [{ target: 'build', params: 'ignore' }, { target: 'build', projects: [bootInitrd], params: 'ignore' }],
      inputs: code['boot-test'],
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

/** Where createNodes leaves a recipe's edges for createDependencies: its base, its repositories and this plugin. */
const EDGES_METADATA = 'strataDependsOn';
const PLUGIN_PROJECT = '@strata/nx-plugin';

/**
 * The libraries the plugin's executors run, by workspace, as createNodes last found them (or read
 * from its cache): createDependencies links the plugin's project to them.
 */
const executorLibraries = new Map<string, string[]>();

/**
 * A recipe's edges, as explicit dependencies rather than implicitDependencies: Nx expands each
 * project's implicitDependencies as patterns against every project (Object.keys of the whole
 * graph per project), which is quadratic in the number of recipes: 2.2 s of 7.2 at 5,000 recipes.
 * A recipe links to this plugin only, and the plugin to the libraries its executors run: `nx
 * affected` follows edges transitively, so a change in any of them still takes every recipe,
 * with one edge per recipe instead of one per recipe and library.
 */
export const createDependencies: CreateDependencies = (_options, context) => {
  const edges: RawProjectGraphDependency[] = [];
  for (const [source, project] of Object.entries(context.projects)) {
    const targets = project.metadata?.[EDGES_METADATA];
    if (!Array.isArray(targets)) continue;
    for (const target of targets) if (target !== source && context.projects[target]) edges.push({ source, target, type: DependencyType.implicit });
  }
  if (context.projects[PLUGIN_PROJECT]) {
    const libraries = executorLibraries.get(context.workspaceRoot) ?? codeInputsOf(context.workspaceRoot, context.nxJsonConfiguration.namedInputs).libraries;
    for (const target of libraries) if (target !== PLUGIN_PROJECT && context.projects[target]) edges.push({ source: PLUGIN_PROJECT, target, type: DependencyType.implicit });
  }
  return edges;
};

/** Every recipe file's projects, and the libraries the executors run (for createDependencies). */
function recipeNodes(recipeFiles: readonly string[], workspaceRoot: string, namedInputs: NamedInputs): { results: [string, CreateNodesResult][]; libraries: string[] } {
  // Loading the whole graph at once lets bad bases, cycles and duplicate names fail here,
  // with the file and line, before any task runs.
  const graph = loadRecipeGraph(workspaceRoot, [...recipeFiles]);
  const code = codeInputsOf(workspaceRoot, namedInputs);
  // One lookup per file: with thousands of recipes, a search per file would be quadratic.
  const byFile = new Map([...graph.values()].map((r) => [r.file, r]));
  const results = recipeFiles.map((file): [string, CreateNodesResult] => {
    const root = dirname(file);
    const loaded = byFile.get(join(workspaceRoot, file));
    if (!loaded) return [file, {}];
    const recipe = resolveRecipe(loaded.name, graph);
    const chainDirs = [...recipe.baseChain, recipe.name].map((name) => relative(workspaceRoot, graph.get(name)?.dir ?? root));
    return [
      file,
      {
        projects: {
          [root]: {
            name: recipe.name,
            root,
            projectType: 'application',
            tags: [`kind:${recipe.kind}`, 'type:recipe'],
            // The edges (base, repositories, this plugin) are made by createDependencies above.
            metadata: { description: recipe.description ?? '', [EDGES_METADATA]: [...(recipe.base ? [recipe.base] : []), ...repositoryProjects(recipe), PLUGIN_PROJECT] },
            targets: recipeTargets(recipe, graph, chainDirs, code, (path) => chainDirs.some((dir) => existsSync(join(workspaceRoot, dir, 'files', path)))),
          },
        },
      },
    ];
  });
  return { results, libraries: code.libraries };
}

export const createNodes: CreateNodes = [
  RECIPE_GLOB,
  async (recipeFiles, options, context) => {
    // The projects depend on the recipes, their files, the libraries, the plugin's options and
    // nx.json's named inputs (as given, which is nx.json unless a caller passes another).
    // A recipe's files folder may lie anywhere in the workspace, so the key is every file Nx
    // tracks: a repeated command with nothing edited reads the projects instead of parsing each
    // recipe again. NX_CACHE_PROJECT_GRAPH=false turns the cache off, as for Nx's own plugins.
    const cachePath = join(workspaceDataDirectory, 'strata-projects.json');
    const key = hashArray([await hashWithWorkspaceContext(context.workspaceRoot, ['**/*']), hashObject(options ?? {}), hashArray([...recipeFiles]), hashObject(context.nxJsonConfiguration.namedInputs ?? {})]);
    const cached = new PluginCache(cachePath).get(key) as ReturnType<typeof recipeNodes> | undefined;
    const nodes = cached ?? recipeNodes(recipeFiles, context.workspaceRoot, context.nxJsonConfiguration.namedInputs);
    executorLibraries.set(context.workspaceRoot, nodes.libraries);
    // One entry: the workspace as it is now.
    if (!cached) new PluginCache(cachePath, { [key]: nodes }).writeToDisk();
    return nodes.results;
  },
];
