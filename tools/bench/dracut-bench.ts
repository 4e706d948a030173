/**
 * strata's default systemd profile against dracut's generic image, same kernel, same machine, same
 * run: compressed and uncompressed size, files, kernel modules, cold and cached build time, and
 * boot time to the root's marker. The two sides alternate (strata, dracut, strata, dracut...) for
 * builds and for boots, so a busy moment of the machine lands on both; the table gives medians
 * and the spread (min-max) of each side, and the ratio of the medians. Writes docs/benchmarks.md.
 *
 * dracut (Debian's 059) is unpacked from its .deb into dist/cache/dracut and run from there, so
 * the host's initramfs tooling is left alone. Usage: npm run bench:dracut [-- --rounds=5]
 */
import { cp, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { cachedVmlinux, type BootTimeline } from '@strata/boot';
import { listArchive } from '@strata/cpio';
import { renderTimelineChart, type ChartedBoot } from '@strata/report';
import { installedKernels } from '@strata/kmod';
import { bootOnce as bootAndTime } from './boot-once';
import { median, table, writeDocSection } from './stats';

const ROOT = resolve(__dirname, '../..');
const RECIPE = process.argv.find((a) => a.startsWith('--recipe='))?.slice(9) ?? 'initrd-server';
const ROUNDS = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? '5');
const NX_ENV = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

async function unpackDracut(): Promise<string> {
  const dir = join(ROOT, 'dist/cache/dracut');
  const tree = join(dir, 'root');
  if (!existsSync(join(tree, 'usr/bin/dracut'))) {
    await mkdir(dir, { recursive: true });
    await execa('apt-get', ['download', 'dracut', 'dracut-core'], { cwd: dir });
    const { stdout } = await execa('sh', ['-c', 'ls *.deb'], { cwd: dir });
    for (const deb of stdout.split('\n')) await execa('dpkg-deb', ['-x', deb, tree], { cwd: dir });
  }
  return tree;
}

async function buildDracut(tree: string, kernel: string, out: string): Promise<void> {
  const work = await mkdtemp(join(ROOT, 'dist/.work/dracut-'));
  try {
    await mkdir(join(work, 'conf.d'));
    await execa('bash', [join(tree, 'usr/bin/dracut'), '--conf', '/dev/null', '--confdir', join(work, 'conf.d'), '--no-hostonly', '--compress', 'zstd', '--kver', kernel, '--tmpdir', work, '--force', out], {
      env: { dracutbasedir: join(tree, 'usr/lib/dracut') },
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function contents(image: string): Promise<{ files: number; bytes: number; moduleBytes: number }> {
  const entries = await listArchive(image);
  let bytes = 0;
  let moduleBytes = 0;
  for (const e of entries) {
    bytes += e.size;
    if (/\.ko(\.(xz|zst|gz))?$/.test(e.name)) moduleBytes += e.size;
  }
  return { files: entries.length, bytes, moduleBytes };
}

async function bootOnce(kernel: string, initrd: string, disk: string, log: string): Promise<BootTimeline> {
  return bootAndTime({ kernel, initrd, disk, consoleLog: join(ROOT, 'dist/bench', log) });
}

/** Per milestone, the median time it was reached on each side ("-" where a side never shows it). */
function timelineRows(strata: readonly BootTimeline[], dracut: readonly BootTimeline[]): string[][] {
  // "kernel started" is at 0 by definition: show how long it took to get there instead.
  const at = (timelines: readonly BootTimeline[], phase: string): number[] => timelines.flatMap((t) => t.phases.filter((p) => p.phase === phase).map((p) => (phase === 'kernel started' ? p.took : p.at)));
  const phases = [...new Set([...strata, ...dracut].flatMap((t) => t.phases.map((p) => p.phase)))];
  return phases.map((phase) => {
    const [s, d] = [at(strata, phase), at(dracut, phase)];
    const shown = (values: number[]): string => (values.length > 0 ? median(values).toFixed(2) : '-');
    return [phase, shown(s), shown(d), s.length > 0 && d.length > 0 && median(d) > 0 ? (median(s) / median(d)).toFixed(2) : ''];
  });
}

/** "14.2 (13.9-15.1)": the median and the spread. */
function spread(values: readonly number[]): string {
  return `${median(values).toFixed(1)} (${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)})`;
}

async function main(): Promise<void> {
  const kernels = await installedKernels();
  const kver = kernels[kernels.length - 1];
  await mkdir(join(ROOT, 'dist/bench'), { recursive: true });
  await mkdir(join(ROOT, 'dist/.work'), { recursive: true });
  const cache = await mkdtemp(join(ROOT, 'dist/.work/nx-cache-'));
  const nx = (args: string[]): Promise<unknown> => execa(join(ROOT, 'node_modules/.bin/nx'), args, { cwd: ROOT, env: { ...NX_ENV, NX_CACHE_DIRECTORY: cache } });

  // Repositories first (not counted), and dracut unpacked; then the rounds, each side in turn.
  // A cold build starts from a cache that holds the repository's build and nothing else: dracut
  // reads the host's files, and strata's repository is built once per distribution snapshot,
  // not per image, so neither side counts it.
  await nx(['run-many', '-t', 'build', '--projects=debian-distro']);
  const repositoriesOnly = `${cache}-repositories`;
  await rm(repositoriesOnly, { recursive: true, force: true });
  await cp(cache, repositoriesOnly, { recursive: true });
  const dracutTree = await unpackDracut();
  const strataImage = join(ROOT, 'dist/images', RECIPE, `${RECIPE}.cpio.zst`);
  const dracutImage = join(ROOT, 'dist/bench/dracut-generic.img');
  const times = { strataCold: [] as number[], strataCached: [] as number[], dracutCold: [] as number[], dracutAgain: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    // strata cold: no layer of the chain in the Nx cache, so every one is built again.
    await rm(cache, { recursive: true, force: true });
    await cp(repositoriesOnly, cache, { recursive: true });
    times.strataCold.push(await seconds(() => nx(['build', RECIPE, `--kernelVersion=${kver}`])));
    times.dracutCold.push(await seconds(() => buildDracut(dracutTree, kver, dracutImage)));
    times.strataCached.push(await seconds(() => nx(['build', RECIPE, `--kernelVersion=${kver}`])));
    times.dracutAgain.push(await seconds(() => buildDracut(dracutTree, kver, dracutImage)));
  }
  await rm(cache, { recursive: true, force: true });
  await rm(repositoriesOnly, { recursive: true, force: true });

  const vmlinux = await cachedVmlinux(existsSync(`/usr/lib/modules/${kver}/vmlinuz`) ? `/usr/lib/modules/${kver}/vmlinuz` : `/boot/vmlinuz-${kver}`, join(ROOT, 'dist/boot/kernels', `vmlinux-${kver}`));
  const disk = join(ROOT, 'dist/bench/root.img');
  const strataTimelines: BootTimeline[] = [];
  const dracutTimelines: BootTimeline[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    strataTimelines.push(await bootOnce(vmlinux, strataImage, disk, `${RECIPE}-boot-${round}.log`));
    dracutTimelines.push(await bootOnce(vmlinux, dracutImage, disk, `dracut-boot-${round}.log`));
  }
  const strataBoots = strataTimelines.map((t) => t.total);
  const dracutBoots = dracutTimelines.map((t) => t.total);

  const [s, d] = [await contents(strataImage), await contents(dracutImage)];
  const [sSize, dSize] = [(await stat(strataImage)).size, (await stat(dracutImage)).size];
  const mb = (n: number): string => (n / 1e6).toFixed(1);
  const ratio = (a: number, b: number): string => (a / b).toFixed(2);
  const rows = [
    ['compressed size (MB)', mb(sSize), mb(dSize), ratio(sSize, dSize)],
    ['uncompressed file data (MB)', mb(s.bytes), mb(d.bytes), ratio(s.bytes, d.bytes)],
    ['files (archive entries)', s.files, d.files, ratio(s.files, d.files)],
    ['kernel modules (MB)', mb(s.moduleBytes), mb(d.moduleBytes), ratio(s.moduleBytes, d.moduleBytes)],
    [`cold build (s), median (min-max) of ${ROUNDS}`, spread(times.strataCold), spread(times.dracutCold), ratio(median(times.strataCold), median(times.dracutCold))],
    ['cached build (s) (dracut: a second run, it has no cache)', spread(times.strataCached), spread(times.dracutAgain), ratio(median(times.strataCached), median(times.dracutAgain))],
    [`boot to the root's marker (s), median (min-max) of ${ROUNDS}`, spread(strataBoots), spread(dracutBoots), ratio(median(strataBoots), median(dracutBoots))],
  ];
  const report = [
    `strata \`${RECIPE}\` vs dracut 059 \`--no-hostonly --compress zstd\`, kernel ${kver}, QEMU TCG, ${new Date().toISOString().slice(0, 10)}`,
    '',
    table(['', `strata ${RECIPE}`, 'dracut generic', 'ratio strata/dracut'], rows),
    '',
    `Boot timeline: the median second (since the kernel started) each milestone was reached; "kernel started" is the time before it (QEMU, firmware, loading).`,
    '',
    table(['milestone', `strata ${RECIPE}`, 'dracut generic', 'ratio'], timelineRows(strataTimelines, dracutTimelines)),
    '',
    'The median time of each phase, as a chart: ![boot timeline, strata against dracut](boot-timeline.svg)',
    '',
    `Each side in turn, ${ROUNDS} rounds. Boots (s): strata ${strataBoots.map((t) => t.toFixed(1)).join(', ')}; dracut ${dracutBoots.map((t) => t.toFixed(1)).join(', ')}. Cold builds (s): strata ${times.strataCold.map((t) => t.toFixed(1)).join(', ')}; dracut ${times.dracutCold.map((t) => t.toFixed(1)).join(', ')}.`,
  ].join('\n');
  // The same medians as a chart, beside the table.
  const chartBoot = (label: string, timelines: readonly BootTimeline[]): ChartedBoot => ({
    label,
    phases: [...new Set(timelines.flatMap((t) => t.phases.map((p) => p.phase)))].map((phase) => ({ phase, took: median(timelines.flatMap((t) => t.phases.filter((p) => p.phase === phase).map((p) => p.took))) })),
  });
  await writeFile(join(ROOT, 'docs/boot-timeline.svg'), `${renderTimelineChart([chartBoot(`strata ${RECIPE}`, strataTimelines), chartBoot('dracut generic', dracutTimelines)])}\n`);
  console.log(report);
  await writeDocSection(join(ROOT, 'docs/benchmarks.md'), 'bench:dracut', `## strata vs dracut\n\nCommand: \`npm run bench:dracut\`\n\n${report}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
