/**
 * Package store benchmark: the install step of one layer, three ways, alternated in one run:
 *   - straight from the repository, fenced to the lock (how builds installed before the store),
 *   - from the package store when it already holds every package (local repositories of links),
 *   - from an empty store (every package fetched from the repository, checked, kept, then installed).
 * Prints medians, spread and the ratios to the first. Usage:
 *   npm run bench:store [-- --runs=5 --recipe=initrd-base]
 * The recipe's repository must be built (npx nx run <recipe>:fetch builds it); the default is
 * initrd-base when the Debian-derived distribution is built, else initrd-busybox.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { installLockedPackages } from '@strata/dnf';
import { dnfTarget, packageSupplyFor, readLock } from '@strata/lock';
import { installFromStore, PackageStore } from '@strata/package-store';
import { resolveRecipe } from '@strata/recipe';
import { loadWorkspaceRecipes } from '../../libs/nx-plugin/src/workspace';
import { median, table, writeDocSection } from './stats';

const arg = (name: string, fallback: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const workspaceRoot = join(__dirname, '../..');

async function main(): Promise<void> {
  const runs = Number(arg('runs', '5'));
  const name = arg('recipe', existsSync(join(workspaceRoot, 'dist/repos/debian-distro/repodata')) ? 'initrd-base' : 'initrd-busybox');
  const recipe = resolveRecipe(name, loadWorkspaceRecipes(workspaceRoot));
  const lock = await readLock(recipe);
  if (!lock) throw new Error(`${name} has no lock`);
  if (recipe.base) throw new Error(`${name} builds on ${recipe.base}: pick a recipe without a base, so that each install starts from an empty root`);
  const target = dnfTarget(recipe, workspaceRoot);
  const scratch = await mkdtemp(join(workspaceRoot, 'dist/.bench-store-'));
  const fullStore = new PackageStore(join(scratch, 'full-store'));
  const supply = (store: PackageStore) => packageSupplyFor(recipe, workspaceRoot, store, []);
  process.env.SOURCE_DATE_EPOCH = '0';
  const sides: Record<string, number[]> = { repository: [], 'store full': [], 'store empty': [] };
  try {
    // Fill the full store once, outside the timings.
    await installFromStore({ ...target, installroot: join(scratch, 'warm'), packages: lock.packages }, { ...supply(fullStore), scratchDir: join(scratch, 'warm-scratch') });
    for (let run = 0; run < runs; run++) {
      for (const side of Object.keys(sides)) {
        const dir = join(scratch, `run-${run}-${side.replace(' ', '-')}`);
        await mkdir(join(dir, 'root'), { recursive: true });
        const start = performance.now();
        if (side === 'repository') {
          await installLockedPackages({ ...target, installroot: join(dir, 'root'), packages: lock.packages });
        } else {
          const store = side === 'store full' ? fullStore : new PackageStore(join(dir, 'store'));
          await installFromStore({ ...target, installroot: join(dir, 'root'), packages: lock.packages }, { ...supply(store), scratchDir: dir });
        }
        sides[side].push((performance.now() - start) / 1000);
        await rm(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const base = median(sides.repository);
  const mb = lock.packages.reduce((sum, p) => sum + p.size, 0) / 1e6;
  const rows = Object.entries(sides).map(([side, seconds]) => [side, median(seconds).toFixed(2), `${Math.min(...seconds).toFixed(2)}–${Math.max(...seconds).toFixed(2)}`, (median(seconds) / base).toFixed(2)]);
  const report = [
    `${name}: install ${lock.packages.length} locked packages (${mb.toFixed(1)} MB) into an empty root; ${runs} runs of each side, alternated, ${new Date().toISOString().slice(0, 10)}`,
    '',
    table(['install from', 'median s', 'spread s', 'ratio to repository'], rows),
  ].join('\n');
  console.log(report);
  await writeDocSection(join(workspaceRoot, 'docs/benchmarks.md'), 'bench:store', `## Package store\n\nCommand: \`npm run bench:store\`\n\n${report}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
