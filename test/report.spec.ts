/**
 * Telling the user what is in an image, end to end in a scratch copy of the workspace: the build
 * writes the size report and SBOM, the summary/inspect/size-report targets print them, the HTML
 * draws in headless Chromium, `strata diff` compares builds (also across a repository update),
 * the recipe generator writes and locks a recipe, and kernel-install hands our initrd to a boot
 * loader layout in a temporary folder.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listArchive } from '@strata/cpio';
import { chromiumView } from './support/chromium';
import { createScratchWorkspace, type ScratchWorkspace } from './support/scratch-workspace';
import { spdxProblems } from './support/spdx';

const STATIC = ['--output-style=static'];
const PROFILE = 'initrd-busybox-storage';

/** The JSON document a target printed between Nx's own lines. */
function printedJson(output: string): unknown {
  const start = output.search(/^[[{]/m);
  const end = Math.max(output.lastIndexOf('\n}'), output.lastIndexOf('\n]'));
  return JSON.parse(output.slice(start, end + 2));
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** A listing of folders the tests must not change, to compare before and after. */
async function snapshotOf(paths: string[]): Promise<string> {
  const lines: string[] = [];
  for (const path of paths) {
    for (const name of (await readdir(path).catch(() => [] as string[])).sort()) {
      const st = await stat(join(path, name)).catch(() => undefined);
      lines.push(`${path}/${name} ${st?.size ?? '-'} ${st?.mtimeMs ?? '-'}`);
    }
  }
  return lines.join('\n');
}

describe('what is in an image', () => {
  let ws: ScratchWorkspace;
  let build: string;
  const images = (name: string, file = ''): string => join(ws.root, 'dist/images', name, file);
  const manifestOf = async (name: string): Promise<{ image: string; sha256: string; packages: { nevra: string }[]; kernel: { version: string } }> =>
    JSON.parse(await readFile(images(name, 'manifest.json'), 'utf8'));

  beforeAll(async () => {
    ws = await createScratchWorkspace('strata-report-');
    const run = await ws.nx(['build', PROFILE, ...STATIC]);
    expect(run.exitCode, run.all).toBe(0);
    build = run.all;
  });
  afterAll(() => ws?.dispose());

  it('build writes the size report and the SBOM beside the image (in SHA256SUMS), quietly off a terminal', async () => {
    expect(build).toContain(`size report dist/images/${PROFILE}/size-report.html, SBOM dist/images/${PROFILE}/${PROFILE}.spdx.json`);
    // Not a terminal: no phase lines, one summary line per layer.
    expect(build).not.toMatch(/: (base|install|compress) \d+\.\d s$/m);
    expect(build).toMatch(new RegExp(`^${PROFILE}: dist/layers/${PROFILE}/${PROFILE}\\.cpio\\.zst .* sha256 [0-9a-f]{64}$`, 'm'));
    const sums = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: images(PROFILE) });
    expect(sums.stdout.split('\n').sort()).toEqual([`${PROFILE}.cpio.zst: OK`, `${PROFILE}.spdx.json: OK`, 'manifest.json: OK', 'size-report.html: OK', 'size-report.json: OK']);
  });

  it('summary shows the recipe after inheritance, with where each value came from; --json as data', async () => {
    const text = await ws.nx(['run', `${PROFILE}:summary`, ...STATIC]);
    expect(text.exitCode, text.all).toBe(0);
    expect(text.all).not.toMatch(/\u001b\[/);
    expect(text.all).toContain(`  chain   initrd-busybox → ${PROFILE}`);
    expect(text.all).toMatch(/^ {2}fixture +project fixture-repo +initrd-busybox +recipes\/initrd-busybox\/recipe\.yaml:\d+$/m);
    expect(text.all).toMatch(new RegExp(`^ {2}busybox +initrd-busybox +recipes/initrd-busybox/recipe\\.yaml:\\d+$`, 'm'));
    expect(text.all).toMatch(new RegExp(`^ {2}storage-tools +${PROFILE} +recipes/${PROFILE}/recipe\\.yaml:7$`, 'm'));
    expect(text.all).toMatch(/^Packages \(5 requested, 5 locked\)$/m);
    expect(text.all).toMatch(/^ {4}- +kernel\/fs\/btrfs\/\*\* +glob$/m);
    expect(text.all).toMatch(/^ {2}removeFiles +usr\/share\/doc\/\*\* +initrd-busybox +recipes\/initrd-busybox\/recipe\.yaml:\d+$/m);

    const json = await ws.nx(['run', `${PROFILE}:summary`, '--json', ...STATIC]);
    expect(json.exitCode, json.all).toBe(0);
    const summary = printedJson(json.all) as { chain: string[]; packages: { spec: string; from: { recipe: string } }[]; kernel: { modules: { from: { recipe: string } } }; locked: { recipe: string; packages: number }[] };
    expect(summary.chain).toEqual(['initrd-busybox', PROFILE]);
    expect(summary.packages.map((p) => [p.spec, p.from.recipe])).toEqual([
      ['filesystem', 'initrd-busybox'],
      ['busybox', 'initrd-busybox'],
      ['initrd-init', 'initrd-busybox'],
      ['storage-tools', PROFILE],
      ['tzdata-lite', PROFILE],
    ]);
    expect(summary.kernel.modules.from.recipe).toBe(PROFILE);
    expect(summary.locked).toEqual([{ recipe: 'initrd-busybox', packages: 3 }, { recipe: PROFILE, packages: 2 }]);
  });

  it('inspect lists the built image by archive, like lsinitrd', async () => {
    const manifest = await manifestOf(PROFILE);
    const run = await ws.nx(['run', `${PROFILE}:inspect`, ...STATIC]);
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(/== archive 0 \(zstd stream at byte 0\): \d+ entries, .* — userspace/);
    expect(run.all).toMatch(/== archive 1 \(zstd stream at byte 0\): \d+ entries, .* — kernel modules/);
    expect(run.all).toMatch(/^#0 {2}-rwxr-xr-x +1 +root +root +\d+ +1970-01-01 00:00 +usr\/bin\/busybox$/m);
    expect(run.all).toMatch(/^#0 {2}lrwxrwxrwx +1 +root +root +\d+ +1970-01-01 00:00 +init -> usr\/lib\/initrd\/init$/m);
    expect(run.all).toContain(`usr/lib/modules/${manifest.kernel.version}/modules.dep`);

    const json = await ws.nx(['run', `${PROFILE}:inspect`, '--json', ...STATIC]);
    expect(json.exitCode, json.all).toBe(0);
    // --json reaches no build task: nothing is rebuilt.
    expect(json.all).toMatch(new RegExp(`^> nx run ${PROFILE}:modules +\\[(local cache|existing outputs match the cache, left as is)\\]$`, 'm'));
    const listing = printedJson(json.all) as { entries: { name: string; archive: number }[]; segments: { compression: string }[] };
    const direct = await listArchive(images(PROFILE, manifest.image));
    expect(listing.entries.map((e) => [e.archive, e.name])).toEqual(direct.map((e) => [e.archive, e.name]));
    expect(listing.segments.map((s) => s.compression)).toEqual(['zstd']);
  });

  it('size-report prints where the bytes go; the HTML page draws its treemap in headless Chromium', async () => {
    const manifest = await manifestOf(PROFILE);
    const run = await ws.nx(['run', `${PROFILE}:size-report`, ...STATIC]);
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(new RegExp(`^ {2}kernel modules ${manifest.kernel.version.replace(/\./g, '\\.')} +\\(modules\\) +\\d+ +[\\d.]+ MB +\\d+\\.\\d%$`, 'm'));
    expect(run.all).toMatch(/^ {2}busybox-[^ ]+\.x86_64 +initrd-busybox +1 +[\d.]+ MB +\d+\.\d% +[\d.]+ MB$/m);
    expect(run.all).toMatch(/^ {2}etc\/initrd-release +file +\d+ B$/m);
    expect(run.all).toMatch(/^removeFiles saved 0 B in 0 paths$/m);
    expect(run.all).toContain(`Treemap and full tables: dist/images/${PROFILE}/size-report.html`);

    const report = JSON.parse(await readFile(images(PROFILE, 'size-report.json'), 'utf8'));
    expect(report.owners.find((o: { owner: string }) => o.owner.startsWith('storage-tools-'))).toMatchObject({ kind: 'package', layer: PROFILE, files: 2 });
    expect(report.unowned.map((u: { path: string }) => u.path)).toEqual(['etc/initrd-release', 'etc/modules-load.d/strata-boot.conf']);

    const { dom, screenshot: png } = await chromiumView(images(PROFILE, 'size-report.html'), 'size-report.png');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(20_000);
    const body = /<body[^>]*>/.exec(dom)?.[0] ?? '';
    const drawn = Number(/data-treemap-rects="(\d+)"/.exec(body)?.[1]);
    const expected = Number(/data-treemap-expected="(\d+)"/.exec(body)?.[1]);
    expect(body).toContain('data-treemap-ready="true"');
    expect(drawn).toBeGreaterThan(100);
    expect(drawn).toBe(expected);
  });

  it('the SBOM is valid SPDX 2.3: one package per NEVRA with the locked sha256 and a purl', async () => {
    const manifest = await manifestOf(PROFILE);
    const sbom = JSON.parse(await readFile(images(PROFILE, `${PROFILE}.spdx.json`), 'utf8'));
    expect(spdxProblems(sbom)).toEqual([]);
    expect(sbom.documentNamespace).toBe(`https://strata.invalid/spdx/${PROFILE}-${manifest.sha256}`);
    expect(sbom.creationInfo.created).toBe('1970-01-01T00:00:00Z');
    const locks = await Promise.all(['initrd-busybox', PROFILE].map(async (n) => JSON.parse(await readFile(join(ws.root, 'recipes', n, 'packages.lock.json'), 'utf8')).packages));
    const rpms = sbom.packages.filter((p: { SPDXID: string }) => p.SPDXID.startsWith('SPDXRef-RPM-'));
    expect(rpms).toHaveLength(manifest.packages.length);
    for (const locked of locks.flat() as { name: string; sha256: string; location: string }[]) {
      const p = rpms.find((r: { name: string }) => r.name === locked.name);
      expect(p.checksums).toEqual([{ algorithm: 'SHA256', checksumValue: locked.sha256 }]);
      expect(p.sourceInfo).toBe(`repository "fixture", ${locked.location}`);
    }
    expect(rpms.find((r: { name: string }) => r.name === 'tzdata-lite').externalRefs[0].referenceLocator).toBe('pkg:rpm/strata-fixture/tzdata-lite@2023c-1?arch=noarch&epoch=2');
  });

  it('an extension gets a size report and an SBOM of what it adds, not of its base', async () => {
    const run = await ws.nx(['build', 'sysext-debug', ...STATIC]);
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toContain('size report dist/images/sysext-debug/size-report.html, SBOM dist/images/sysext-debug/sysext-debug.spdx.json');
    const sums = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: images('sysext-debug') });
    expect(sums.stdout.split('\n').sort()).toEqual([
      'manifest.json: OK', 'size-report.html: OK', 'size-report.json: OK', 'sysext-debug.raw: OK', 'sysext-debug.roothash: OK', 'sysext-debug.spdx.json: OK', 'sysext-debug.verity: OK',
    ]);
    const manifest = JSON.parse(await readFile(images('sysext-debug', 'manifest.json'), 'utf8'));
    const lock = JSON.parse(await readFile(join(ws.root, 'recipes/sysext-debug/packages.lock.json'), 'utf8'));
    const sbom = JSON.parse(await readFile(images('sysext-debug', 'sysext-debug.spdx.json'), 'utf8'));
    expect(spdxProblems(sbom)).toEqual([]);
    expect(sbom.documentNamespace).toBe(`https://strata.invalid/spdx/sysext-debug-${manifest.sha256}`);
    const rpms = sbom.packages.filter((p: { SPDXID: string }) => p.SPDXID.startsWith('SPDXRef-RPM-')).map((p: { name: string }) => p.name).sort();
    expect(rpms).toEqual(lock.packages.map((p: { name: string }) => p.name).sort());
    const report = JSON.parse(await readFile(images('sysext-debug', 'size-report.json'), 'utf8'));
    const files = manifest.files.filter((f: { type: string }) => f.type === 'file');
    expect(report.totals.files).toBe(files.length);
    expect(report.totals.bytes).toBe(files.reduce((sum: number, f: { size: number }) => sum + f.size, 0));
  });

  it('re-assembling the image gives the same reports, byte for byte', async () => {
    const before = await readFile(images(PROFILE, 'SHA256SUMS'), 'utf8');
    const run = await ws.nx(['run', `${PROFILE}:build`, '--skip-nx-cache', '--exclude-task-dependencies', ...STATIC]);
    expect(run.exitCode, run.all).toBe(0);
    expect(await readFile(images(PROFILE, 'SHA256SUMS'), 'utf8')).toBe(before);
  });

  /** kernel-install confined to a scratch folder: its configuration, $BOOT and temporary files. */
  const kernelInstallSetting = async (scratch: string, layout: 'bls' | 'uki', machineId: string, plugins: string) => {
    for (const dir of ['conf', 'boot', 'tmp']) await mkdir(join(scratch, dir), { recursive: true });
    await writeFile(join(scratch, 'conf/install.conf'), `layout=${layout}\ninitrd_generator=strata\n`);
    return {
      TMPDIR: join(scratch, 'tmp'),
      KERNEL_INSTALL_CONF_ROOT: join(scratch, 'conf'),
      BOOT_ROOT: join(scratch, 'boot'),
      MACHINE_ID: machineId,
      KERNEL_INSTALL_PLUGINS: plugins,
      STRATA_WORKSPACE: ws.root,
      STRATA_RECIPE: PROFILE,
      STRATA_KERNEL_INSTALL_CONF: join(scratch, 'conf/strata.conf'),
    };
  };

  it('kernel-install add builds the initrd into a boot loader layout in a temporary folder, and nothing else changes', async () => {
    const manifest = await manifestOf(PROFILE);
    const kernel = manifest.kernel.version;
    const scratch = await mkdtemp(join(tmpdir(), 'strata-kernel-install-'));
    const watched = ['/boot', '/etc/kernel', '/etc/kernel/install.d', '/usr/lib/kernel/install.d', '/efi', '/boot/efi', '/etc/strata'];
    const before = await snapshotOf(watched);
    try {
      const machineId = '0123456789abcdef0123456789abcdef';
      // Our plugin, and systemd's own that copies staged initrds into the entry and writes it.
      const env = await kernelInstallSetting(scratch, 'bls', machineId, `${join(ws.root, 'tools/kernel-install/50-strata.install')} /usr/lib/kernel/install.d/90-loaderentry.install`);
      await writeFile(join(scratch, 'conf/cmdline'), 'root=LABEL=strata-root ro\n');
      const add = await execa('kernel-install', ['add', kernel, `/boot/vmlinuz-${kernel}`], { env, reject: false, all: true });
      expect(add.exitCode, add.all).toBe(0);
      const entryDir = join(scratch, 'boot', machineId, kernel);
      expect(add.all).toMatch(new RegExp(`^strata: ${PROFILE} for ${kernel.replace(/\./g, '\\.')} -> .*/kernel-install\\.staging\\.[^/]+/initrd \\(\\d+ bytes\\)$`, 'm'));
      expect(await sha256(join(entryDir, 'initrd'))).toBe(manifest.sha256);
      const entry = await readFile(join(scratch, 'boot/loader/entries', `${machineId}-${kernel}.conf`), 'utf8');
      expect(entry).toContain(`initrd     ${entryDir}/initrd`);
      expect(entry).toContain('options    root=LABEL=strata-root ro');

      // Settings from the configuration file when the environment has none.
      await writeFile(env.STRATA_KERNEL_INSTALL_CONF, `STRATA_WORKSPACE=${ws.root}\nSTRATA_RECIPE=no-such-recipe\n`);
      const fromFile = await execa('kernel-install', ['add', kernel, `/boot/vmlinuz-${kernel}`], { env: { ...env, STRATA_RECIPE: '', STRATA_WORKSPACE: '' }, reject: false, all: true });
      expect(fromFile.exitCode).not.toBe(0);
      expect(fromFile.all).toContain(`strata: building no-such-recipe for ${kernel} failed:`);

      const remove = await execa('kernel-install', ['remove', kernel], { env, reject: false, all: true });
      expect(remove.exitCode, remove.all).toBe(0);
      await expect(stat(entryDir)).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    expect(await snapshotOf(watched)).toBe(before);
  });

  it('kernel-install add with layout=uki installs the recipe\'s UKI for that kernel as a type #2 entry, and remove deletes it', async () => {
    const kernel = (await manifestOf(PROFILE)).kernel.version;
    const scratch = await mkdtemp(join(tmpdir(), 'strata-kernel-install-uki-'));
    const watched = ['/boot', '/etc/kernel', '/efi', '/boot/efi', '/etc/strata'];
    const before = await snapshotOf(watched);
    try {
      const machineId = 'fedcba9876543210fedcba9876543210';
      const env = await kernelInstallSetting(scratch, 'uki', machineId, join(ws.root, 'tools/kernel-install/50-strata.install'));
      const add = await execa('kernel-install', ['add', kernel, `/boot/vmlinuz-${kernel}`], { env, reject: false, all: true });
      expect(add.exitCode, add.all).toBe(0);
      const installed = join(scratch, 'boot/EFI/Linux', `${machineId}-${kernel}.efi`);
      expect(add.all).toContain(`strata: ${PROFILE} UKI for ${kernel} -> ${installed} (`);
      const uki = JSON.parse(await readFile(join(ws.root, 'dist/uki', PROFILE, 'uki.json'), 'utf8'));
      expect(uki.kernelVersion).toBe(kernel);
      expect(await sha256(installed)).toBe(uki.sha256);
      const remove = await execa('kernel-install', ['remove', kernel], { env, reject: false, all: true });
      expect(remove.exitCode, remove.all).toBe(0);
      await expect(stat(installed)).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    expect(await snapshotOf(watched)).toBe(before);
  });

  it('nx g recipe writes a valid recipe on a base and locks it; wrong kinds are refused', async () => {
    const sysext = await ws.nx(['g', '@strata/nx-plugin:recipe', 'sysext-tools', '--base=initrd-busybox', '--kind=sysext', '--packages=debug-tools', '--no-interactive']);
    expect(sysext.exitCode, sysext.all).toBe(0);
    expect(sysext.all).toContain('CREATE recipes/sysext-tools/recipe.yaml');
    expect(sysext.all).toMatch(/sysext-tools: wrote recipes\/sysext-tools\/packages\.lock\.json \(\d+ packages\)/);
    expect(await readFile(join(ws.root, 'recipes/sysext-tools/recipe.yaml'), 'utf8')).toContain('kind: sysext\nbase: initrd-busybox\npackages:\n  - debug-tools\n');
    const lock = JSON.parse(await readFile(join(ws.root, 'recipes/sysext-tools/packages.lock.json'), 'utf8'));
    expect(lock.packages.map((p: { name: string }) => p.name)).toContain('debug-tools');
    const check = await ws.nx(['run', 'sysext-tools:lock', '--check']);
    expect(check.exitCode, check.all).toBe(0);

    const refused = await ws.nx(['g', '@strata/nx-plugin:recipe', 'initrd-bad', '--base=sysext-tools', '--kind=initrd', '--no-interactive']);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.all).toContain('an initrd cannot be based on "sysext-tools", which is a sysext: an initrd builds on another initrd');
    await expect(stat(join(ws.root, 'recipes/initrd-bad'))).rejects.toThrow(/ENOENT/);
    const unknown = await ws.nx(['g', '@strata/nx-plugin:recipe', 'initrd-bad', '--base=initrd-busyboks', '--no-interactive']);
    expect(unknown.all).toMatch(/unknown base "initrd-busyboks"/);
  });

  it('strata diff tells what a child recipe adds, and what removeFiles saved shows in its size report', async () => {
    const gen = await ws.nx(['g', '@strata/nx-plugin:recipe', 'initrd-docs', `--base=${PROFILE}`, '--packages=storage-tools-doc', '--description=Storage initrd with the storage tools documentation', '--no-interactive']);
    expect(gen.exitCode, gen.all).toBe(0);
    const run = await ws.nx(['build', 'initrd-docs', ...STATIC]);
    expect(run.exitCode, run.all).toBe(0);
    const report = JSON.parse(await readFile(images('initrd-docs', 'size-report.json'), 'utf8'));
    // The base's usr/share/doc/** glob removes the documentation the child's package brings.
    expect(report.removeFiles.layers).toEqual([
      { layer: 'initrd-busybox', paths: 0, bytes: 0 },
      { layer: PROFILE, paths: 0, bytes: 0 },
      { layer: 'initrd-docs', paths: 2, bytes: expect.any(Number) },
    ]);
    expect(report.removeFiles.bytes).toBeGreaterThan(0);

    const a = images(PROFILE, `${PROFILE}.cpio.zst`);
    const b = images('initrd-docs', 'initrd-docs.cpio.zst');
    const diff = await execa(process.execPath, [join(ws.root, 'tools/cli/bin.js'), 'diff', a, b], { cwd: ws.root, reject: false });
    expect(diff.exitCode, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('packages: 1 added, 0 removed, 0 upgraded, 0 downgraded, 5 unchanged; installed size +');
    expect(diff.stdout).toMatch(/^ {2}\+ {2}added {2}storage-tools-doc-1\.0-1\.noarch +\+\d+ B$/m);
    expect(diff.stdout).toMatch(/^files: \d+ added, 0 removed, \d+ changed, \d+ unchanged$/m);
  });

  it('strata diff shows the upgrade a repository update brings, old -> new NEVRA', async () => {
    const before = await mkdtemp(join(tmpdir(), 'strata-before-'));
    try {
      await cp(images(PROFILE), before, { recursive: true });
      const snapshot2 = { STRATA_FIXTURE_SNAPSHOT: '2' };
      const lock = await ws.nx(['run', `${PROFILE}:lock`, ...STATIC], snapshot2);
      expect(lock.exitCode, lock.all).toBe(0);
      // --verbose shows the phases and dnf's own account of what it installs.
      const run = await ws.nx(['build', PROFILE, '--verbose', ...STATIC], snapshot2);
      expect(run.exitCode, run.all).toBe(0);
      expect(run.all).toMatch(new RegExp(`^ {2}${PROFILE}: install \\d+\\.\\d s$`, 'm'));
      expect(run.all).toMatch(/^Transaction Summary$/m);
      expect(run.all).toMatch(/^ storage-tools +noarch +1\.0-2 +fixture /m);
      const diff = await execa(process.execPath, [join(ws.root, 'tools/cli/bin.js'), 'diff', join(before, 'manifest.json'), images(PROFILE, `${PROFILE}.cpio.zst`)], { cwd: ws.root, reject: false });
      expect(diff.exitCode, diff.stderr).toBe(0);
      expect(diff.stdout).toMatch(/^packages: 0 added, 0 removed, 1 upgraded, 0 downgraded, 4 unchanged; installed size [+-]?\d+ B$/m);
      expect(diff.stdout).toMatch(/^ {2}↑ {2}upgraded {2}storage-tools 1\.0-1 → 1\.0-2 \(noarch\) +[+-]?\d+ B$/m);
      const json = await execa(process.execPath, [join(ws.root, 'tools/cli/bin.js'), 'diff', '--json', join(before, `${PROFILE}.cpio.zst`), images(PROFILE, `${PROFILE}.cpio.zst`)], { cwd: ws.root });
      expect(JSON.parse(json.stdout).packages).toEqual([expect.objectContaining({ name: 'storage-tools', change: 'upgraded', from: 'storage-tools-1.0-1.noarch', to: 'storage-tools-1.0-2.noarch' })]);
    } finally {
      await rm(before, { recursive: true, force: true });
    }
  });
});
