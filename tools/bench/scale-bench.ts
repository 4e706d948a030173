/**
 * Scale benchmark: the project graph with thousands of recipes. For each N it makes a scratch
 * copy of the workspace with N generated recipes (realistic chains: profiles on the demo bases,
 * extensions on profiles, a few levels deep) and times, with no daemon (as in CI):
 *   - `nx show projects` cold: the first command of a fresh clone (no .nx/workspace-data);
 *   - `nx show projects` warm: the same command again, Nx's caches as it left them (strata's
 *     plugin then reads its projects instead of parsing every recipe);
 *   - `nx graph --file`, cold;
 *   - the affected selection after one leaf recipe changed (`nx show projects --affected`), cold;
 *   - with the Nx daemon, as on a developer's machine: `nx show projects` while the daemon holds
 *     the graph, and again after one more edit of the leaf recipe, which the daemon must take in.
 * Prints medians and the ratio to the demo workspace (N = 0 generated). Beside strata's figures it
 * times Nx's own floor for the same workspace, cold and warm: `nx show projects` with a stand-in
 * plugin that gives every recipe file a project with strata's target names and nothing else (no
 * recipe is read), so what Nx itself spends per project is apart from what strata's plugin adds.
 * Usage:
 *   npm run bench:scale [-- --runs=3 --sizes=0,1000,5000]
 */
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { median, table, writeDocSection } from './stats';

const arg = (name: string, fallback: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const ROOT = join(__dirname, '../..');
const BASES = ['initrd-busybox', 'initrd-busybox-storage', 'initrd-base', 'initrd-server'];

/** Recipe i of n: every 4th a sysext on an earlier generated profile, the rest profiles on a demo base or on each other. */
export function generatedRecipe(i: number): { name: string; yaml: string } {
  if (i % 4 === 3) return { name: `gen-sysext-${i}`, yaml: `kind: sysext\nbase: gen-initrd-${i - 1}\npackages:\n  - debug-tools\n` };
  const base = i % 4 === 0 || i < 4 ? BASES[i % BASES.length] : `gen-initrd-${i - (i % 4)}`;
  return { name: `gen-initrd-${i}`, yaml: `kind: initrd\nbase: ${base}\ndescription: generated profile ${i}\nremoveFiles:\n  - usr/share/doc/**\n` };
}

async function workspaceWith(n: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `strata-scale-${n}-`));
  const { stdout } = await execa('git', ['ls-files', '-z'], { cwd: ROOT });
  for (const file of stdout.split('\0').filter(Boolean)) await cp(join(ROOT, file), join(dir, file), { recursive: true, verbatimSymlinks: true });
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  for (let i = 0; i < n; i++) {
    const { name, yaml } = generatedRecipe(i);
    await mkdir(join(dir, 'recipes/generated', name), { recursive: true });
    await writeFile(join(dir, 'recipes/generated', name, 'recipe.yaml'), yaml);
  }
  const git = (args: string[]) => execa('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@strata.invalid', ...args], { cwd: dir });
  await git(['init', '-q', '-b', 'main']);
  await git(['add', '-A']);
  await git(['commit', '-q', '-m', 'scale']);
  return dir;
}

/** The stand-in plugin of the floor: per recipe file, a project with the same target names and only an executor each. */
const BARE_PLUGIN = `const { dirname, basename } = require('node:path');
const TARGETS = ['lock', 'fetch', 'image', 'modules', 'build', 'uki', 'boot-test', 'summary', 'inspect', 'size-report'];
exports.createNodes = ['recipes/**/recipe.yaml', (files) => files.map((file) => [file, { projects: { [dirname(file)]: {
  name: basename(dirname(file)), root: dirname(file),
  targets: Object.fromEntries(TARGETS.map((t) => [t, { executor: 'nx:noop' }])) } } }])];
`;

/** An edit of a recipe that changes no project: a comment line at its end. */
function editRecipe(file: string, comment: string): Promise<unknown> {
  return appendFile(file, `# ${comment}\n`);
}

/** Runs fn with nx.json pointing at the bare plugin instead of strata's, then puts nx.json back. */
async function withBarePlugin<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const nxJson = join(dir, 'nx.json');
  const original = await readFile(nxJson, 'utf8');
  await writeFile(join(dir, 'bare-plugin.js'), BARE_PLUGIN);
  await writeFile(nxJson, JSON.stringify({ ...JSON.parse(original), plugins: ['./bare-plugin.js'] }, null, 2));
  try {
    return await fn();
  } finally {
    await writeFile(nxJson, original);
  }
}

const ENV = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true' };
const DAEMON_ENV = { ...ENV, NX_DAEMON: 'true', CI: 'false' };

/** Times one nx command; cold: as the first command of a fresh clone, with no workspace data of Nx's or strata's plugin. */
async function timed(dir: string, args: string[], { cold, env = ENV }: { cold: boolean; env?: Record<string, string> }): Promise<number> {
  if (cold) await rm(join(dir, '.nx/workspace-data'), { recursive: true, force: true });
  const start = performance.now();
  const run = await execa(join(ROOT, 'node_modules/.bin/nx'), args, { cwd: dir, env, reject: false, all: true });
  if (run.exitCode !== 0) throw new Error(`nx ${args.join(' ')} failed in ${dir}:\n${run.all}`);
  return (performance.now() - start) / 1000;
}

/**
 * `nx show projects` through a daemon started cold: once the daemon holds the graph, and once more
 * after an edit of the leaf recipe. Each answer is waited for in full, so the edit's figure includes
 * the daemon taking the change in (its file watcher, createNodes again, the new graph).
 */
async function timedWithDaemon(dir: string, leaf: string): Promise<{ held: number; edited: number }> {
  await rm(join(dir, '.nx/workspace-data'), { recursive: true, force: true });
  const nx = (args: string[]) => execa(join(ROOT, 'node_modules/.bin/nx'), args, { cwd: dir, env: DAEMON_ENV });
  try {
    await nx(['show', 'projects']);
    const held = await timed(dir, ['show', 'projects'], { cold: false, env: DAEMON_ENV });
    await editRecipe(leaf, 'another leaf edit');
    const edited = await timed(dir, ['show', 'projects'], { cold: false, env: DAEMON_ENV });
    return { held, edited };
  } finally {
    await nx(['daemon', '--stop']);
  }
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '3'));
  const sizes = arg('sizes', '0,1000,5000').split(',').map(Number);
  type Figures = { show: number; warm: number; graph: number; affected: number; daemonHeld: number; daemonEdited: number; floor: number; floorWarm: number };
  const results: ({ n: number } & Figures)[] = [];
  for (const n of sizes) {
    const dir = await workspaceWith(n);
    try {
      const samples: Record<keyof Figures, number[]> = { show: [], warm: [], graph: [], affected: [], daemonHeld: [], daemonEdited: [], floor: [], floorWarm: [] };
      // A leaf change: the last generated recipe, or a demo leaf.
      const leaf = n > 0 ? join(dir, 'recipes/generated', generatedRecipe(n - 1).name, 'recipe.yaml') : join(dir, 'recipes/sysext-debug/recipe.yaml');
      await editRecipe(leaf, 'a leaf edit');
      for (let r = 0; r < runs; r++) {
        samples.show.push(await timed(dir, ['show', 'projects'], { cold: true }));
        samples.warm.push(await timed(dir, ['show', 'projects'], { cold: false }));
        samples.graph.push(await timed(dir, ['graph', `--file=${join(dir, 'graph.json')}`], { cold: true }));
        samples.affected.push(await timed(dir, ['show', 'projects', '--affected', '--uncommitted'], { cold: true }));
        const daemon = await timedWithDaemon(dir, leaf);
        samples.daemonHeld.push(daemon.held);
        samples.daemonEdited.push(daemon.edited);
        await withBarePlugin(dir, async () => {
          samples.floor.push(await timed(dir, ['show', 'projects'], { cold: true }));
          samples.floorWarm.push(await timed(dir, ['show', 'projects'], { cold: false }));
        });
      }
      const figures = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Figures;
      results.push({ n, ...figures });
      console.log(`N=${n}: ${Object.entries(figures).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ')}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const base = results[0];
  const demo = 14;
  const cell = (r: (typeof results)[number], key: keyof Figures): string => `${r[key].toFixed(2)} s (${(r[key] / base[key]).toFixed(2)})`;
  const rows = results.map((r) => [
    r.n === 0 ? `${demo} (the demo recipes)` : `${demo} + ${r.n}`,
    cell(r, 'show'),
    cell(r, 'warm'),
    cell(r, 'graph'),
    cell(r, 'affected'),
    `${cell(r, 'daemonHeld')}, after an edit ${cell(r, 'daemonEdited')}`,
    `${cell(r, 'floor')}, warm ${cell(r, 'floorWarm')}`,
  ]);
  const body = [
    '## Scale (`npm run bench:scale`)',
    '',
    `Medians of ${runs} runs, no daemon (as in CI) except in the daemon column; ratio to the demo workspace`,
    'in brackets. Cold is the first command of a fresh clone (no `.nx/workspace-data`); warm is the same',
    "command again, with the caches Nx and strata's plugin left (the plugin then reads its projects instead",
    "of parsing every recipe). The daemon column is a developer's machine: `nx show projects` while the",
    'daemon holds the graph, and after one more edit of a leaf recipe, which the daemon takes in first.',
    "The last column is Nx's floor: `nx show projects` on the same workspace with a stand-in plugin",
    "that gives each recipe a project with strata's ten target names and nothing else, reading no recipe.",
    '',
    table(['recipes', 'nx show projects, cold', 'nx show projects, warm', 'nx graph --file', 'affected after one leaf change', 'with the daemon: nx show projects', 'Nx floor: nx show projects, bare targets'], rows),
  ].join('\n');
  console.log(`\n${body}`);
  await writeDocSection(join(ROOT, 'docs/benchmarks.md'), 'scale', body);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
