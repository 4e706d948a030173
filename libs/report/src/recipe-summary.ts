/**
 * What a recipe amounts to after inheritance: its base chain, the repositories and packages with
 * the recipe (file, line) that asked for each, kernel module rules, files and outputs.
 * summarizeRecipe gathers it as plain data (the --json form); formatRecipeSummary prints it.
 */
import { relative } from 'node:path';
import type { RecipeGraph, ResolvedRecipe, Recipe, SourcePosition } from '@strata/recipe';
import { BLANK_LINE, formatTable, type Cell, type Colors } from './text';
import { outputDirOf } from '@strata/plan';

/** Where a value was written: a recipe of the chain, or the built-in default. */
export interface SummaryOrigin {
  recipe: string | null;
  file?: string;
  line?: number;
  column?: number;
}

export interface SummaryValue<T> {
  value: T;
  from: SummaryOrigin;
}

export interface SummaryRepository {
  id: string;
  /** baseurl, metalink, mirrorlist or project. */
  source: 'baseurl' | 'metalink' | 'mirrorlist' | 'project';
  url: string;
  gpgcheck: boolean;
  priority?: number;
  from: SummaryOrigin;
  /** The base recipe whose repository of the same id this one replaces. */
  overrides?: string;
}

export interface SummaryPackage {
  spec: string;
  from: SummaryOrigin;
  inherited: boolean;
}

export interface SummaryModuleRule {
  rule: string;
  effect: 'include' | 'exclude';
  matches: 'default set' | 'glob' | 'module name';
}

export interface SummaryOutput {
  target: string;
  path: string;
}

export interface RecipeSummary {
  name: string;
  kind: string;
  description?: string;
  file: string;
  base: string | null;
  /** Root first, ending with the recipe itself. */
  chain: string[];
  release: Record<string, SummaryValue<string>>;
  repositories: SummaryRepository[];
  packages: SummaryPackage[];
  /** Per recipe of the chain: how many packages its lock holds (absent when not locked yet). */
  locked: { recipe: string; packages: number | null }[];
  weakDependencies: SummaryValue<boolean>;
  removePackages: string[];
  removeFiles: SummaryValue<string>[];
  /** The files/ trees copied over the image, root first: each recipe's own, in its own layer. */
  files: SummaryValue<string>[];
  init?: SummaryValue<string>;
  kernel?: {
    version: SummaryValue<string>;
    /** Where vmlinuz and the modules come from: "host", or the kernel package. */
    source: SummaryValue<string>;
    firmware: SummaryValue<boolean>;
    modules: SummaryValue<SummaryModuleRule[]>;
  };
  output: Record<string, SummaryValue<string | number | boolean>>;
  extension?: { scope: string[]; id: string };
  outputs: SummaryOutput[];
}

export interface SummaryInput {
  recipe: ResolvedRecipe;
  graph: RecipeGraph;
  workspaceRoot: string;
  /** Package count of each lock of the chain, by recipe name; missing means no lock yet. */
  lockedCounts?: ReadonlyMap<string, number>;
}

const DEFAULT: SummaryOrigin = { recipe: null };

function originAt(graph: RecipeGraph, recipe: string, path: (string | number)[]): SummaryOrigin {
  const loaded = graph.get(recipe);
  if (!loaded) return { recipe };
  const at: SourcePosition = loaded.position(path);
  return { recipe, file: loaded.displayFile, line: at.line, column: at.column };
}

/** The nearest recipe of `chain` (nearest first) whose recipe sets the value, with its position. */
function nearestWith<T>(graph: RecipeGraph, chain: readonly string[], path: (string | number)[], get: (r: Recipe) => T | undefined): SummaryOrigin {
  for (const name of chain) {
    const loaded = graph.get(name);
    if (loaded && get(loaded.recipe) !== undefined) return originAt(graph, name, path);
  }
  return DEFAULT;
}

function moduleRule(rule: string): SummaryModuleRule {
  const effect = rule.startsWith('-') ? 'exclude' : 'include';
  const body = effect === 'exclude' ? rule.slice(1) : rule;
  return { rule: body, effect, matches: body === 'default' ? 'default set' : body.includes('/') || /[*?]/.test(body) ? 'glob' : 'module name' };
}

function repositorySource(repo: ResolvedRecipe['repositories'][number]): Pick<SummaryRepository, 'source' | 'url'> {
  if (repo.project) return { source: 'project', url: repo.project };
  if (repo.baseurl) return { source: 'baseurl', url: Array.isArray(repo.baseurl) ? repo.baseurl.join(' ') : repo.baseurl };
  if (repo.metalink) return { source: 'metalink', url: repo.metalink };
  return { source: 'mirrorlist', url: repo.mirrorlist ?? '' };
}

function imageFile(recipe: ResolvedRecipe): string {
  const { format, compression } = recipe.output;
  if (format === 'cpio') return `${recipe.name}.cpio${compression === 'zstd' ? '.zst' : ''}`;
  if (format === 'directory') return `${recipe.name}/`;
  return `${recipe.name}.raw`;
}

/** The resolved recipe as plain data, every inherited value with the recipe that set it. Pure. */
export function summarizeRecipe(input: SummaryInput): RecipeSummary {
  const { recipe, graph } = input;
  const nearestFirst = [recipe.name, ...[...recipe.baseChain].reverse()];
  const initrds = nearestFirst.filter((n) => graph.get(n)?.recipe.kind === 'initrd');
  const sameKind = nearestFirst.filter((n) => graph.get(n)?.recipe.kind === recipe.kind);
  const fromOrigin = (o: { recipe: string; file: string; position: SourcePosition }): SummaryOrigin => ({ recipe: o.recipe, file: o.file, line: o.position.line, column: o.position.column });

  const release: Record<string, SummaryValue<string>> = {};
  for (const [key, value] of Object.entries(recipe.release)) {
    if (value === undefined) continue;
    let from = nearestWith(graph, nearestFirst, ['release', key], (r) => (r.release as Record<string, unknown> | undefined)?.[key]);
    // releasever falls back to versionId.
    if (from.recipe === null && key === 'releasever') from = nearestWith(graph, nearestFirst, ['release', 'versionId'], (r) => r.release?.versionId);
    release[key] = { value: String(value), from };
  }

  const removeFiles: SummaryValue<string>[] = recipe.removeFiles.map((glob) => {
    const owner = [...nearestFirst].reverse().find((n) => graph.get(n)?.recipe.removeFiles?.includes(glob)) as string;
    const index = graph.get(owner)?.recipe.removeFiles?.indexOf(glob) ?? 0;
    return { value: glob, from: originAt(graph, owner, ['removeFiles', index]) };
  });

  const outputKeys = ['format', 'compression', 'level', 'verity', 'sign'] as const;
  const output: Record<string, SummaryValue<string | number | boolean>> = {};
  for (const key of outputKeys) {
    if (key === 'level' && recipe.output.compression === 'none') continue;
    const chain = key === 'format' ? sameKind : nearestFirst;
    output[key] = { value: recipe.output[key], from: nearestWith(graph, chain, ['output', key], (r) => r.output?.[key]) };
  }

  const outputs: SummaryOutput[] = [{ target: 'image', path: `${outputDirOf('image', recipe.name)}/` }];
  if (recipe.kernel) outputs.push({ target: 'modules', path: `${outputDirOf('modules', recipe.name)}/` });
  outputs.push({ target: 'build', path: `${outputDirOf('build', recipe.name)}/${imageFile(recipe)}` });

  return {
    name: recipe.name,
    kind: recipe.kind,
    ...(recipe.description !== undefined ? { description: recipe.description } : {}),
    file: recipe.displayFile,
    base: recipe.base,
    chain: [...recipe.baseChain, recipe.name],
    release,
    repositories: recipe.repositories.map((repo) => ({
      id: repo.id,
      ...repositorySource(repo),
      gpgcheck: repo.gpgcheck,
      ...(repo.priority !== undefined ? { priority: repo.priority } : {}),
      from: fromOrigin(repo),
      ...(repo.overrides ? { overrides: repo.overrides } : {}),
    })),
    packages: recipe.packages.map((p) => ({ spec: p.spec, from: fromOrigin(p), inherited: p.recipe !== recipe.name })),
    locked: [...recipe.baseChain, recipe.name].map((name) => ({ recipe: name, packages: input.lockedCounts?.get(name) ?? null })),
    weakDependencies: { value: recipe.weakDependencies, from: nearestWith(graph, nearestFirst, ['weakDependencies'], (r) => r.weakDependencies) },
    removePackages: recipe.removePackages,
    removeFiles,
    files: [...recipe.baseChain, recipe.name].flatMap((name) => {
      const dir = graph.get(name)?.filesDir;
      return dir ? [{ value: relative(input.workspaceRoot, dir) || '.', from: { recipe: name, file: graph.get(name)?.displayFile } }] : [];
    }),
    ...(recipe.kind === 'initrd' ? { init: { value: recipe.init, from: nearestWith(graph, initrds, ['init'], (r) => r.init) } } : {}),
    ...(recipe.kernel
      ? {
          kernel: {
            version: { value: recipe.kernel.version, from: nearestWith(graph, initrds, ['kernel', 'version'], (r) => r.kernel?.version) },
            source: recipe.kernel.package
              ? { value: `package ${recipe.kernel.package}`, from: nearestWith(graph, initrds, ['kernel', 'package'], (r) => r.kernel?.package) }
              : { value: 'host', from: DEFAULT },
            firmware: { value: recipe.kernel.firmware, from: nearestWith(graph, initrds, ['kernel', 'firmware'], (r) => r.kernel?.firmware) },
            modules: { value: recipe.kernel.modules.map(moduleRule), from: nearestWith(graph, initrds, ['kernel', 'modules'], (r) => r.kernel?.modules) },
          },
        }
      : {}),
    output,
    ...(recipe.extension ? { extension: { scope: recipe.extension.scope, id: recipe.extension.id } } : {}),
    outputs,
  };
}

function where(from: SummaryOrigin): string {
  if (from.recipe === null) return '';
  return from.file ? `${from.file}:${from.line}` : from.recipe;
}

/** The summary as text for a terminal: sections of aligned columns, origins dimmed. */
export function formatRecipeSummary(s: RecipeSummary, c: Colors): string {
  const out: string[] = [];
  const heading = (text: string): void => {
    out.push(BLANK_LINE, c.bold.underline(text));
  };
  const dim = (text: string): Cell => ({ text, style: c.dim });
  const by = (from: SummaryOrigin, self = s.name): Cell => {
    if (from.recipe === null) return { text: 'default', style: c.dim };
    return { text: from.recipe, style: from.recipe === self ? c.green : c.yellow };
  };

  out.push(`${c.bold.cyan(s.name)}  ${c.magenta(s.kind)}${s.description ? `  ${s.description}` : ''}`);
  out.push(...formatTable([
    ['recipe', s.file],
    ['chain', s.chain.map((n, i) => (i === s.chain.length - 1 ? c.bold(n) : n)).join(c.dim(' → '))],
  ], '  '));

  heading('Release');
  const release = Object.entries(s.release).map(([key, v]): Cell[] => [key, v.value, by(v.from), dim(where(v.from))]);
  out.push(...(release.length > 0 ? formatTable(release, '  ') : ['  (none)']));

  heading(`Repositories (${s.repositories.length})`);
  out.push(
    ...formatTable(
      s.repositories.map((r): Cell[] => [
        { text: r.id, style: c.bold },
        `${r.source} ${r.url}${r.gpgcheck ? ' (gpgcheck)' : ''}${r.priority !== undefined ? ` priority ${r.priority}` : ''}`,
        by(r.from),
        dim(`${where(r.from)}${r.overrides ? `, replaces ${r.overrides}'s` : ''}`),
      ]),
      '  ',
    ),
  );

  const lockedTotal = s.locked.every((l) => l.packages !== null) ? s.locked.reduce((sum, l) => sum + (l.packages ?? 0), 0) : null;
  const lockedText = lockedTotal === null ? 'not all locked' : `${lockedTotal} locked`;
  heading(`Packages (${s.packages.length} requested, ${lockedText})`);
  out.push(...formatTable(s.packages.map((p): Cell[] => [{ text: p.spec, style: p.inherited ? undefined : c.bold }, by(p.from), dim(where(p.from))]), '  '));
  out.push(
    ...formatTable(
      [['locked', s.locked.map((l) => `${l.recipe} ${l.packages === null ? c.red('(no lock)') : l.packages}`).join(', ')], ['weak dependencies', `${s.weakDependencies.value ? 'yes' : 'no'} ${c.dim(`(${where(s.weakDependencies.from) || 'default'})`)}`]],
      '  ',
    ),
  );
  if (s.removePackages.length > 0) out.push(`  removePackages  ${s.removePackages.join(', ')}`);

  if (s.kernel) {
    const k = s.kernel;
    heading('Kernel modules');
    out.push(
      ...formatTable(
        [
          ['source', k.source.value, by(k.source.from), dim(where(k.source.from))],
          ['version', k.version.value, by(k.version.from), dim(where(k.version.from))],
          ['firmware', k.firmware.value ? 'yes' : 'no', by(k.firmware.from), dim(where(k.firmware.from))],
          ['rules', `${k.modules.value.length} rules, later ones win`, by(k.modules.from), dim(where(k.modules.from))],
        ],
        '  ',
      ),
    );
    out.push(
      ...formatTable(
        k.modules.value.map((r): Cell[] => [{ text: r.effect === 'include' ? '+' : '-', style: r.effect === 'include' ? c.green : c.red }, r.rule, dim(r.matches)]),
        '    ',
      ),
    );
  }

  heading('Files');
  const files: Cell[][] = s.removeFiles.map((f) => ['removeFiles', f.value, by(f.from), dim(where(f.from))]);
  if (s.init) files.push(['init', s.init.value, by(s.init.from), dim(where(s.init.from))]);
  for (const f of s.files) files.push(['files', `${f.value}/`, by(f.from), dim(f.from.file ?? '')]);
  if (s.files.length === 0) files.push(['files', c.dim('(none)')]);
  out.push(...formatTable(files, '  '));

  heading('Output');
  out.push(...formatTable(Object.entries(s.output).map(([key, v]): Cell[] => [key, String(v.value), by(v.from), dim(where(v.from))]), '  '));
  if (s.extension) out.push(...formatTable([['scope', s.extension.scope.join(', ')], ['extension id', s.extension.id]], '  '));
  out.push(...formatTable(s.outputs.map((o): Cell[] => [{ text: `nx run ${s.name}:${o.target}`, style: c.dim }, o.path]), '  '));
  return `${out.join('\n')}\n`;
}
