/**
 * Build benchmark on the fixture graph, in a scratch copy of the workspace:
 *   - cold build of every recipe (empty Nx cache), no-op rebuild (all cached), rebuild after one
 *     leaf's lock changes;
 *   - packing throughput of strata's cpio writer + zstd against
 *     `find | sort | cpio -o -H newc --reproducible | zstd` on the same tree, same level, same run.
 * Prints medians of several runs and the ratios. Usage: npm run bench:build [-- --runs=3 --tree=DIR]
 */
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import { compressEachPiece, packDirectorySegments } from '@strata/cpio';
import { installedKernels } from '@strata/kmod';
import { createScratchWorkspace } from '../../test/support/scratch-workspace';
import { median, table, timeRuns, writeDocSection } from './stats';

// The busybox profiles on the embedded fixture repository: no network, a graph with depth and width.
const FIXTURE_GRAPH = '--projects=initrd-busybox*';

const arg = (name: string, fallback: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

async function graphFigures(runs: number): Promise<(string | number)[][]> {
  const cold: number[] = [];
  const noop: number[] = [];
  const leaf: number[] = [];
  for (let i = 0; i < runs; i++) {
    const ws = await createScratchWorkspace('strata-bench-');
    try {
      const must = async (args: string[], env: Record<string, string> = {}): Promise<number> => {
        const start = performance.now();
        const run = await ws.nx(args, env);
        if (run.exitCode !== 0) throw new Error(`nx ${args.join(' ')} failed:\n${run.all}`);
        return (performance.now() - start) / 1000;
      };
      await must(['run', 'fixture-repo:build']);
      cold.push(await must(['run-many', '-t', 'build', FIXTURE_GRAPH]));
      noop.push(await must(['run-many', '-t', 'build', FIXTURE_GRAPH]));
      await must(['run', 'initrd-busybox-debug:lock'], { STRATA_FIXTURE_SNAPSHOT: '2' });
      leaf.push(await must(['run-many', '-t', 'build', FIXTURE_GRAPH], { STRATA_FIXTURE_SNAPSHOT: '2' }));
    } finally {
      await ws.dispose();
    }
  }
  const m = median(cold);
  return [
    ['cold build, all recipes (empty cache)', median(cold).toFixed(1), '1.00'],
    ['no-op rebuild (all cached)', median(noop).toFixed(1), (median(noop) / m).toFixed(2)],
    ['rebuild after one leaf lock changed', median(leaf).toFixed(1), (median(leaf) / m).toFixed(2)],
  ];
}

async function packFigures(tree: string, runs: number, level: number): Promise<{ rows: (string | number)[][]; bytes: number }> {
  const out = join(tmpdir(), `strata-bench-${process.pid}.cpio.zst`);
  const ours = await timeRuns(runs, () =>
    pipeline(Readable.from(compressEachPiece(packDirectorySegments(tree, { sourceDateEpoch: 0 }), level)), createWriteStream(out)),
  );
  const oursSize = (await stat(out)).size;
  const gnuScript = `cd "$1" && find . -mindepth 1 -printf '%P\\n' | LC_ALL=C sort | cpio -o -H newc --reproducible --quiet | zstd -q -${level} -T1 -c > "$2"`;
  const gnu = await timeRuns(runs, () => execa('sh', ['-c', gnuScript, 'sh', tree, out]));
  const gnuSize = (await stat(out)).size;
  await rm(out, { force: true });
  const { stdout } = await execa('du', ['-sb', tree]);
  const bytes = Number(stdout.split('\t')[0]);
  const mbps = (s: number): string => (bytes / 1e6 / s).toFixed(0);
  return {
    bytes,
    rows: [
      [`strata writer + zstd -${level} (frames per 32 MiB archive)`, median(ours).toFixed(2), mbps(median(ours)), (oursSize / 1e6).toFixed(1), '1.00'],
      [`find \\| sort \\| cpio --reproducible \\| zstd -${level} -T1`, median(gnu).toFixed(2), mbps(median(gnu)), (gnuSize / 1e6).toFixed(1), (median(gnu) / median(ours)).toFixed(2)],
    ],
  };
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '3'));
  const kernels = await installedKernels();
  const tree = arg('tree', kernels.length > 0 ? `/usr/lib/modules/${kernels[kernels.length - 1]}/kernel` : '/usr/share');
  const level = Number(arg('level', '3'));
  const graph = table(['fixture graph (4 busybox initrds + repository)', 'seconds', 'ratio to cold'], await graphFigures(runs));
  const pack = await packFigures(tree, runs, level);
  const report = [
    `${runs} runs each, medians, ${new Date().toISOString().slice(0, 10)}`,
    '',
    graph,
    '',
    `packing ${tree} (${(pack.bytes / 1e6).toFixed(0)} MB of files), zstd level ${level}:`,
    '',
    table(['packer', 'seconds', 'MB/s', 'output MB', 'time ratio (GNU / strata)'], pack.rows),
  ].join('\n');
  console.log(report);
  await writeDocSection(join(__dirname, '../../docs/benchmarks.md'), 'bench:build', `## Builds and packing\n\nCommand: \`npm run bench:build\`\n\n${report}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
