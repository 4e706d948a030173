/**
 * The zstd level of an initrd against what it costs at boot. Takes a built image (its archives,
 * one zstd frame each, as the build writes them), recompresses every frame at each level with the
 * same compressor the build uses, and boots each variant under QEMU TCG with the same kernel and
 * test root. The levels alternate within each round, so a busy moment of the machine lands on all
 * of them. Per level: the image's size, the time to compress it on this machine, when the kernel
 * finished unpacking it ("Freeing initrd memory", seconds since the kernel started) and the time
 * to the root's marker. zstd picks the window from the level (and never larger than a frame's
 * content), so the levels cover the windows too; 20 and above are zstd's "ultra" windows.
 * Usage: npm run bench:zstd [-- --recipe=initrd-server --levels=3,9,15,19,22 --rounds=3]
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { cachedVmlinux, type BootTimeline } from '@strata/boot';
import { ByteReader, compressEachPiece, decompressZstdFrames } from '@strata/cpio';
import { installedKernels } from '@strata/kmod';
import { bootOnce } from './boot-once';
import { median, table, writeDocSection } from './stats';

const ROOT = resolve(__dirname, '../..');
const arg = (name: string, fallback: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

async function recompress(frames: readonly Buffer[], level: number): Promise<{ image: Buffer; seconds: number }> {
  const start = performance.now();
  const out: Buffer[] = [];
  for await (const frame of compressEachPiece((async function* () {
    yield* frames;
  })(), level)) out.push(frame);
  return { image: Buffer.concat(out), seconds: (performance.now() - start) / 1000 };
}

function unpackedAt(timeline: BootTimeline): number | undefined {
  return timeline.phases.find((p) => p.phase === 'initrd unpacked')?.at;
}

async function main(): Promise<void> {
  const recipe = arg('recipe', 'initrd-server');
  const levels = arg('levels', '3,9,15,19,22').split(',').map(Number);
  const rounds = Number(arg('rounds', '3'));
  const source = join(ROOT, 'dist/images', recipe, `${recipe}.cpio.zst`);
  if (!existsSync(source)) throw new Error(`${source} does not exist: build it first with \`npx nx build ${recipe}\``);
  const manifest = JSON.parse(await readFile(join(ROOT, 'dist/images', recipe, 'manifest.json'), 'utf8')) as { compression: string };
  const frames: Buffer[] = [];
  for await (const frame of decompressZstdFrames(ByteReader.fromBuffer(await readFile(source)))) frames.push(frame);
  const uncompressed = frames.reduce((sum, f) => sum + f.length, 0);

  const dir = join(ROOT, 'dist/bench/zstd');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const variants: { level: number; file: string; bytes: number; compressSeconds: number; boots: BootTimeline[] }[] = [];
  for (const level of levels) {
    const { image, seconds } = await recompress(frames, level);
    const file = join(dir, `${recipe}-zstd-${level}.cpio.zst`);
    await writeFile(file, image);
    variants.push({ level, file, bytes: image.length, compressSeconds: seconds, boots: [] });
    console.log(`level ${level}: ${(image.length / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s`);
  }

  const [kver] = (await installedKernels()).slice(-1);
  const vmlinuz = existsSync(`/usr/lib/modules/${kver}/vmlinuz`) ? `/usr/lib/modules/${kver}/vmlinuz` : `/boot/vmlinuz-${kver}`;
  const kernel = await cachedVmlinux(vmlinuz, join(ROOT, 'dist/boot/kernels', `vmlinux-${kver}`));
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) {
      const timeline = await bootOnce({ kernel, initrd: variant.file, disk: join(dir, 'root.img'), consoleLog: join(dir, `zstd-${variant.level}-boot-${round}.log`) });
      variant.boots.push(timeline);
      console.log(`round ${round + 1}, level ${variant.level}: unpacked at ${unpackedAt(timeline)?.toFixed(2)} s, marker after ${timeline.total.toFixed(1)} s`);
    }
  }

  const reference = variants[0];
  const rows = variants.map((v) => {
    const unpacked = v.boots.flatMap((b) => unpackedAt(b) ?? []);
    return [
      String(v.level),
      `${(v.bytes / 1e6).toFixed(1)} (${(v.bytes / reference.bytes).toFixed(2)})`,
      v.compressSeconds.toFixed(1),
      unpacked.length > 0 ? `${median(unpacked).toFixed(2)} (${Math.min(...unpacked).toFixed(2)}-${Math.max(...unpacked).toFixed(2)})` : '-',
      median(v.boots.map((b) => b.total)).toFixed(1),
    ];
  });
  const report = [
    `\`${recipe}\` (built at ${manifest.compression}), ${(uncompressed / 1e6).toFixed(1)} MB in ${frames.length} frames, recompressed per frame; kernel ${kver}, QEMU TCG, ${new Date().toISOString().slice(0, 10)}.`,
    `Medians of ${rounds} boots per level, the levels in turn within each round; size ratio to level ${reference.level}.`,
    '',
    table(['zstd level', 'image (MB)', 'compress (s, one run)', 'initrd unpacked at (s), median (min-max)', 'root marker (s), median'], rows),
  ].join('\n');
  console.log(`\n${report}`);
  await writeDocSection(join(ROOT, 'docs/benchmarks.md'), 'bench:zstd', `## zstd level against boot\n\nCommand: \`npm run bench:zstd\`\n\n${report}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
