/**
 * strata's default systemd profile against dracut's generic image, same kernel, same machine, same
 * run: compressed and uncompressed size, files, kernel modules, cold and cached build time, and
 * boot time to the root's marker (median of several boots each). Prints a table with ratios and
 * writes it to docs/benchmarks.md.
 *
 * dracut (Debian's 059) is unpacked from its .deb into dist/cache/dracut and run from there, so
 * the host's initramfs tooling is left alone. Usage: npm run bench:dracut [-- --boots=3]
 */
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { bootAndWatch, cachedVmlinux, makeRootDisk, ROOT_MARKER } from '@strata/boot';
import { listArchive } from '@strata/cpio';
import { installedKernels } from '@strata/kmod';
import { median, table, writeDocSection } from './stats';

const ROOT = resolve(__dirname, '../..');
const RECIPE = process.argv.find((a) => a.startsWith('--recipe='))?.slice(9) ?? 'initrd-server';
const BOOTS = Number(process.argv.find((a) => a.startsWith('--boots='))?.slice(8) ?? '3');
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

async function bootTimes(kernel: string, initrd: string, disk: string, label: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < BOOTS; i++) {
    await makeRootDisk(disk);
    const result = await bootAndWatch({
      kernel,
      initrd,
      disks: [disk],
      append: ['root=LABEL=strata-root', 'rootfstype=ext4', 'ro'],
      marker: ROOT_MARKER,
      timeoutMs: 300_000,
      consoleLog: join(ROOT, 'dist/bench', `${label}-boot-${i}.log`),
    });
    if (!result.ok) throw new Error(`${label} did not boot: ${result.reason} (see dist/bench/${label}-boot-${i}.log)`);
    times.push(result.seconds);
  }
  return times;
}

async function main(): Promise<void> {
  const kernels = await installedKernels();
  const kver = kernels[kernels.length - 1];
  await mkdir(join(ROOT, 'dist/bench'), { recursive: true });
  await mkdir(join(ROOT, 'dist/.work'), { recursive: true });
  const cache = await mkdtemp(join(ROOT, 'dist/.work/nx-cache-'));
  const nx = (args: string[]): Promise<unknown> => execa(join(ROOT, 'node_modules/.bin/nx'), args, { cwd: ROOT, env: { ...NX_ENV, NX_CACHE_DIRECTORY: cache } });

  // strata: repositories built first (not counted), then the image layers from an empty cache.
  await nx(['run-many', '-t', 'build', '--projects=debian-distro']);
  const strataCold = await seconds(() => nx(['build', RECIPE, `--kernelVersion=${kver}`]));
  const strataCached = await seconds(() => nx(['build', RECIPE, `--kernelVersion=${kver}`]));
  await rm(cache, { recursive: true, force: true });
  const strataImage = join(ROOT, 'dist/images', RECIPE, `${RECIPE}.cpio.zst`);

  const dracutTree = await unpackDracut();
  const dracutImage = join(ROOT, 'dist/bench/dracut-generic.img');
  const dracutCold = await seconds(() => buildDracut(dracutTree, kver, dracutImage));
  const dracutAgain = await seconds(() => buildDracut(dracutTree, kver, dracutImage));

  const vmlinux = await cachedVmlinux(existsSync(`/usr/lib/modules/${kver}/vmlinuz`) ? `/usr/lib/modules/${kver}/vmlinuz` : `/boot/vmlinuz-${kver}`, join(ROOT, 'dist/boot/kernels', `vmlinux-${kver}`));
  const disk = join(ROOT, 'dist/bench/root.img');
  const strataBoots = await bootTimes(vmlinux, strataImage, disk, RECIPE);
  const dracutBoots = await bootTimes(vmlinux, dracutImage, disk, 'dracut');

  const [s, d] = [await contents(strataImage), await contents(dracutImage)];
  const [sSize, dSize] = [(await stat(strataImage)).size, (await stat(dracutImage)).size];
  const mb = (n: number): string => (n / 1e6).toFixed(1);
  const ratio = (a: number, b: number): string => (a / b).toFixed(2);
  const rows = [
    ['compressed size (MB)', mb(sSize), mb(dSize), ratio(sSize, dSize)],
    ['uncompressed file data (MB)', mb(s.bytes), mb(d.bytes), ratio(s.bytes, d.bytes)],
    ['files (archive entries)', s.files, d.files, ratio(s.files, d.files)],
    ['kernel modules (MB)', mb(s.moduleBytes), mb(d.moduleBytes), ratio(s.moduleBytes, d.moduleBytes)],
    ['cold build (s)', strataCold.toFixed(1), dracutCold.toFixed(1), ratio(strataCold, dracutCold)],
    ['cached build (s) (dracut: second run, it has no cache)', strataCached.toFixed(1), dracutAgain.toFixed(1), ratio(strataCached, dracutAgain)],
    [`boot to the root's marker (s, median of ${BOOTS})`, median(strataBoots).toFixed(1), median(dracutBoots).toFixed(1), ratio(median(strataBoots), median(dracutBoots))],
  ];
  const report = [
    `strata \`${RECIPE}\` vs dracut 059 \`--no-hostonly --compress zstd\`, kernel ${kver}, QEMU TCG, ${new Date().toISOString().slice(0, 10)}`,
    '',
    table(['', `strata ${RECIPE}`, 'dracut generic', 'ratio strata/dracut'], rows),
    '',
    `boot times (s): strata ${strataBoots.map((t) => t.toFixed(1)).join(', ')}; dracut ${dracutBoots.map((t) => t.toFixed(1)).join(', ')}`,
  ].join('\n');
  console.log(report);
  await writeDocSection(join(ROOT, 'docs/benchmarks.md'), 'bench:dracut', `## strata vs dracut\n\nCommand: \`npm run bench:dracut\`\n\n${report}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
