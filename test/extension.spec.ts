import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractArchive, listArchive } from '@strata/cpio';
import { indexTree } from '@strata/extension';
import { createScratchWorkspace, type ScratchWorkspace } from './support/scratch-workspace';

const STATIC = ['--output-style=static'];

/** Extensions only the tests need, beside the demo recipes (sysext-storage, sysext-debug, confext-editor). */
const TEST_RECIPES: Record<string, string> = {
  // squashfs with a signed verity root hash.
  'sysext-signed': 'kind: sysext\nbase: initrd-busybox\npackages: [editor-tiny]\noutput:\n  format: squashfs\n  verity: true\n  sign: true\n',
  // An extension of an extension, as a plain directory.
  'sysext-zoneinfo': 'kind: sysext\nbase: sysext-storage\npackages: [tzdata-lite]\noutput:\n  format: directory\n',
  // A cpio archive to append to the base initrd.
  'sysext-appended': 'kind: sysext\nbase: initrd-busybox\npackages: [libdemo]\noutput:\n  format: cpio\n',
  // Declares another OS, and another release of this one: systemd-sysext must not merge them.
  'sysext-otheros': 'kind: sysext\nbase: initrd-busybox\npackages: [libdemo]\nextension:\n  id: otheros\n',
  'sysext-nextrelease': 'kind: sysext\nbase: initrd-busybox\npackages: [libdemo]\nrelease:\n  versionId: "2"\n',
  // editor-full ships /etc/editor-full.conf, which a sysext cannot hold: a warning, not silence.
  'sysext-config': 'kind: sysext\nbase: initrd-busybox\npackages: [editor-full]\n',
  // Refused: deletes files of the base, removes a package of the base.
  'sysext-deletes': 'kind: sysext\nbase: initrd-busybox\npackages: [editor-tiny]\nremoveFiles: ["usr/bin/vi", "usr/lib/initrd/**"]\n',
  'sysext-erases': 'kind: sysext\nbase: initrd-busybox\npackages: [editor-tiny]\nremovePackages: [initrd-init]\n',
};
const GOOD = ['sysext-storage', 'sysext-debug', 'confext-editor', 'sysext-signed', 'sysext-zoneinfo', 'sysext-appended', 'sysext-otheros', 'sysext-nextrelease', 'sysext-config'];

/** Files and symlinks (not directories) of an index, in order. */
function nonDirectories(index: Map<string, { type: string }>): string[] {
  return [...index].filter(([, e]) => e.type !== 'directory').map(([p]) => p);
}

describe('system and configuration extensions through nx', () => {
  let ws: ScratchWorkspace;
  let scratch: string;
  let signingEnv: Record<string, string>;
  const images = (name: string, file = ''): string => join(ws.root, 'dist/images', name, file);
  const layers = (name: string, file = ''): string => join(ws.root, 'dist/layers', name, file);
  const manifestOf = async (name: string) => JSON.parse(await readFile(images(name, 'manifest.json'), 'utf8'));
  let firstBuild: Record<string, string>;
  let firstOutput = '';

  /** What reproducibility is judged on: the image bytes, the verity root hash and the signature. */
  const fingerprints = async (): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const name of ['sysext-storage', 'sysext-debug', 'confext-editor', 'sysext-signed', 'sysext-zoneinfo', 'sysext-appended']) {
      const manifest = await manifestOf(name);
      out[`${name} image`] = manifest.sha256 ?? manifest.contentDigest;
      if (manifest.verity) out[`${name} roothash`] = (await readFile(images(name, `${name}.roothash`), 'utf8')).trim();
      if (manifest.signature) out[`${name} p7s`] = manifest.signature.sha256;
    }
    return out;
  };

  beforeAll(async () => {
    ws = await createScratchWorkspace('strata-ext-');
    scratch = await mkdtemp(join(tmpdir(), 'strata-ext-keys-'));
    // A throw-away signing key, outside the workspace.
    const key = join(scratch, 'verity.key');
    const cert = join(scratch, 'verity.crt');
    await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=strata test verity key']);
    signingEnv = { STRATA_VERITY_KEY: key, STRATA_VERITY_CERT: cert };
    for (const [name, text] of Object.entries(TEST_RECIPES)) {
      await mkdir(join(ws.root, 'recipes', name), { recursive: true });
      await writeFile(join(ws.root, 'recipes', name, 'recipe.yaml'), text);
    }
    const lock = await ws.nx(['run-many', '-t', 'lock', `--projects=${Object.keys(TEST_RECIPES).join(',')}`, ...STATIC]);
    expect(lock.exitCode, lock.all).toBe(0);
    await ws.commitAll('test extensions');
  });
  afterAll(async () => {
    await ws?.dispose();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('builds the demo and test extensions; those of the busybox initrd have no modules or boot-test target', async () => {
    const shown = await ws.nx(['show', 'project', 'sysext-storage', '--json']);
    expect(shown.exitCode, shown.all).toBe(0);
    const project = JSON.parse(shown.all.slice(shown.all.indexOf('{')));
    expect(Object.keys(project.targets)).toEqual(expect.arrayContaining(['build', 'image', 'lock']));
    expect(Object.keys(project.targets)).not.toEqual(expect.arrayContaining(['modules']));
    expect(Object.keys(project.targets)).not.toEqual(expect.arrayContaining(['boot-test']));
    expect(project.tags).toContain('kind:sysext');

    const started = performance.now();
    const run = await ws.nx(['run-many', '-t', 'build', `--projects=${GOOD.join(',')}`, ...STATIC], signingEnv);
    expect(run.exitCode, run.all).toBe(0);
    firstOutput = run.all;
    console.log(`built ${GOOD.length} extensions and their base in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    firstBuild = await fingerprints();
  });

  it('holds exactly what the layer adds under usr/, plus the extension-release file', async () => {
    // The layer's additions, from the base's tree and the merged tree (both with the rpm database).
    const names = async (archive: string): Promise<Map<string, string>> => new Map((await listArchive(archive)).map((e) => [e.name, e.type]));
    const base = await names(layers('initrd-busybox', 'tree.cpio.zst'));
    const merged = await names(layers('sysext-storage', 'tree.cpio.zst'));
    const additions = [...merged]
      .filter(([name, type]) => !base.has(name) && type !== 'directory' && /^(usr|opt)\//.test(name) && !name.startsWith('usr/lib/sysimage/rpm/'))
      .map(([name]) => name)
      .sort();
    expect(additions).toEqual(['usr/bin/storage-list', 'usr/bin/storage-wait', 'usr/lib/extension-release.d/extension-release.sysext-storage']);

    // What the erofs image holds, read back by erofs-utils' own extractor.
    const extracted = join(scratch, 'sysext-storage');
    await execa('fsck.erofs', [`--extract=${extracted}`, images('sysext-storage', 'sysext-storage.raw')]);
    const index = await indexTree(extracted);
    expect(nonDirectories(index)).toEqual(additions);
    expect([...index.keys()].filter((p) => !/^(usr|opt)(\/|$)/.test(p))).toEqual([]);
    expect(index.get('usr/bin/storage-list')).toMatchObject({ type: 'file', mode: 0o755, uid: 0, gid: 0 });
    expect(await readFile(join(extracted, 'usr/lib/extension-release.d/extension-release.sysext-storage'), 'utf8')).toBe(
      'ID=strata-fixture\nVERSION_ID=1\nARCHITECTURE=x86-64\nSYSEXT_SCOPE=initrd\n',
    );
    const manifest = await manifestOf('sysext-storage');
    expect(manifest.files.filter((f: { type: string }) => f.type !== 'directory').map((f: { path: string }) => f.path)).toEqual(additions);
    expect(manifest.packages.map((p: { nevra: string }) => p.nevra)).toEqual(['storage-tools-1.0-1.noarch']);
    const sums = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: images('sysext-storage') });
    expect(sums.stdout).toMatch(/sysext-storage\.raw: OK/);
  });

  it('an extension of an extension holds only its own additions; a confext only etc/', async () => {
    const zoneinfo = await indexTree(images('sysext-zoneinfo', 'sysext-zoneinfo'));
    expect(nonDirectories(zoneinfo)).toEqual([
      'usr/lib/extension-release.d/extension-release.sysext-zoneinfo',
      'usr/share/zoneinfo/Etc/UTC',
      'usr/share/zoneinfo/UTC',
      'usr/share/zoneinfo/tzdata-lite.version',
    ]);
    const confext = (await manifestOf('confext-editor')).files.filter((f: { type: string }) => f.type !== 'directory').map((f: { path: string }) => f.path);
    expect(confext).toEqual(['etc/editor-full.conf', 'etc/extension-release.d/extension-release.confext-editor']);
    const extracted = join(scratch, 'confext-editor');
    await execa('fsck.erofs', [`--extract=${extracted}`, images('confext-editor', 'confext-editor.raw')]);
    expect(await readFile(join(extracted, 'etc/extension-release.d/extension-release.confext-editor'), 'utf8')).toBe(
      'ID=strata-fixture\nVERSION_ID=1\nARCHITECTURE=x86-64\nCONFEXT_SCOPE=initrd\n',
    );
  });

  it('warns about what a sysext cannot hold, and refuses layers that delete from their base', async () => {
    expect(firstOutput).toMatch(/sysext-config: warning: left out of the sysext, which holds only usr\/ and opt\/: etc\/editor-full\.conf/);
    const files = (await manifestOf('sysext-config')).files.map((f: { path: string }) => f.path);
    expect(files).toContain('usr/bin/editor-full');
    expect(files.filter((p: string) => p.startsWith('etc'))).toEqual([]);

    const deletes = await ws.nx(['build', 'sysext-deletes', ...STATIC]);
    expect(deletes.exitCode).not.toBe(0);
    expect(deletes.all).toMatch(/sysext-deletes: the layer deletes 2 path\(s\) of its base: usr\/bin\/vi, usr\/lib\/initrd\/init\./);
    const erases = await ws.nx(['build', 'sysext-erases', ...STATIC]);
    expect(erases.exitCode).not.toBe(0);
    expect(erases.all).toMatch(/sysext-erases: the layer changes packages of its base: initrd-init-1\.0-1\.noarch removed/);
  });

  it('systemd-dissect reads the images and their extension-release', async () => {
    for (const [name, fstype] of [
      ['sysext-storage', 'erofs'],
      ['sysext-signed', 'squashfs'],
    ]) {
      const { stdout } = await execa('systemd-dissect', ['--json=short', images(name, `${name}.raw`)]);
      const dissected = JSON.parse(stdout);
      expect(dissected.mounts.map((m: { fstype: string }) => m.fstype), name).toEqual([fstype]);
      expect(dissected.extensionRelease, name).toEqual(expect.arrayContaining(['ID=strata-fixture', 'VERSION_ID=1', 'ARCHITECTURE=x86-64', 'SYSEXT_SCOPE=initrd']));
      expect(dissected.useInitRDExtension, name).toBe(true);
      expect(dissected.useSystemExtension, name).toBe(false);
    }
  });

  describe('systemd-sysext merge in a private mount namespace', () => {
    let root: string;
    beforeAll(async () => {
      // The base initrd's tree. systemd 252 reads os-release, which a systemd initrd has beside
      // initrd-release; the busybox initrd has only the latter.
      root = join(scratch, 'root');
      await extractArchive(layers('initrd-busybox', 'tree.cpio.zst'), root);
      await copyFile(join(root, 'etc/initrd-release'), join(root, 'etc/os-release'));
      await mkdir(join(root, 'var/lib/extensions'), { recursive: true });
    });

    /** Put exactly these extensions in place and merge; what usr/ shows while merged, and systemd-sysext's words. */
    const merge = async (extensions: [string, string][], env: Record<string, string>): Promise<{ files: string[]; output: string; mounts: string }> => {
      const dir = join(root, 'var/lib/extensions');
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir);
      for (const [source, name] of extensions) await cp(source, join(dir, name), { recursive: true, verbatimSymlinks: true });
      const script = [
        'set -e',
        'root="$1"',
        // Nothing leaks to the host: /run (where systemd-sysext keeps its state) is a private tmpfs,
        // and the root is its own mount, shared only with the namespaces systemd-sysext makes.
        'mount -t tmpfs tmpfs /run',
        'mount --bind "$root" "$root"',
        'mount --make-rshared "$root"',
        'systemd-sysext merge --root="$root" 2>&1 || echo "systemd-sysext merge failed: $?"',
        'echo "--- mounts"',
        'findmnt -n -l -R -o TARGET,FSTYPE "$root" | sed "s|^$root||"',
        'echo "--- files"',
        'cd "$root" && find usr -mindepth 1 ! -type d | sort',
      ].join('\n');
      const { stdout } = await execa('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', root], { env });
      const [output, rest] = stdout.split('\n--- mounts\n');
      const [mounts, files] = rest.split('\n--- files\n');
      return { output, mounts, files: files.split('\n').filter(Boolean) };
    };

    it('merges an erofs image and a directory extension of it over the initrd\'s usr/', async () => {
      const merged = await merge(
        [
          [images('sysext-storage', 'sysext-storage.raw'), 'sysext-storage.raw'],
          [images('sysext-zoneinfo', 'sysext-zoneinfo'), 'sysext-zoneinfo'],
        ],
        { SYSTEMD_IN_INITRD: '1' },
      );
      expect(merged.output).toMatch(/Merged extensions into/);
      expect(merged.mounts).toMatch(/^\/usr\s+overlay$/m);
      expect(merged.files).toEqual(expect.arrayContaining(['usr/bin/busybox', 'usr/bin/storage-list', 'usr/bin/storage-wait', 'usr/share/zoneinfo/UTC']));
      // Nothing stays merged once the namespace is gone.
      await expect(readFile(join(root, 'usr/bin/storage-list'))).rejects.toThrow();
    });

    it('does not merge an extension for another OS or another release, or an initrd extension outside an initrd', async () => {
      const refused = await merge(
        [
          [images('sysext-otheros', 'sysext-otheros.raw'), 'sysext-otheros.raw'],
          [images('sysext-nextrelease', 'sysext-nextrelease.raw'), 'sysext-nextrelease.raw'],
        ],
        { SYSTEMD_IN_INITRD: '1' },
      );
      expect(refused.output).toMatch(/No suitable extensions found \(2 ignored due to incompatible/);
      expect(refused.mounts).not.toMatch(/overlay/);
      expect(refused.files).not.toContain('usr/lib/libdemo/libdemo.sh');

      const outsideInitrd = await merge([[images('sysext-storage', 'sysext-storage.raw'), 'sysext-storage.raw']], { SYSTEMD_IN_INITRD: '0' });
      expect(outsideInitrd.mounts).not.toMatch(/overlay/);
      expect(outsideInitrd.files).not.toContain('usr/bin/storage-list');
    });
  });

  it('verity: the root hash matches, a changed byte fails veritysetup verify', async () => {
    const manifest = await manifestOf('sysext-debug');
    const rootHash = (await readFile(images('sysext-debug', 'sysext-debug.roothash'), 'utf8')).trim();
    expect(rootHash).toBe(manifest.verity.rootHash);
    const verify = (image: string) => execa('veritysetup', ['verify', image, images('sysext-debug', 'sysext-debug.verity'), rootHash], { reject: false });
    expect((await verify(images('sysext-debug', 'sysext-debug.raw'))).exitCode).toBe(0);
    const tampered = Buffer.from(await readFile(images('sysext-debug', 'sysext-debug.raw')));
    tampered[tampered.length - 100] ^= 0x20;
    await writeFile(join(scratch, 'tampered.raw'), tampered);
    expect((await verify(join(scratch, 'tampered.raw'))).exitCode).not.toBe(0);
  });

  it('signing: the p7s verifies against the certificate with openssl, and a missing key is a clear error', async () => {
    const rootHash = (await readFile(images('sysext-signed', 'sysext-signed.roothash'), 'utf8')).trim();
    await writeFile(join(scratch, 'roothash'), rootHash);
    const cert = signingEnv.STRATA_VERITY_CERT;
    const verify = await execa(
      'openssl',
      ['smime', '-verify', '-binary', '-inform', 'der', '-in', images('sysext-signed', 'sysext-signed.roothash.p7s'), '-content', join(scratch, 'roothash'), '-certfile', cert, '-nointern', '-CAfile', cert, '-purpose', 'any'],
      { reject: false, all: true },
    );
    expect(verify.exitCode, String(verify.all)).toBe(0);
    expect(String(verify.all)).toMatch(/Verification successful/);
    // The key never lands in an output.
    const outputs = await execa('grep', ['-rl', 'PRIVATE KEY', images('sysext-signed'), layers('sysext-signed')], { reject: false });
    expect(outputs.stdout).toBe('');

    const unsigned = await ws.nx(['run', 'sysext-signed:build', '--skip-nx-cache', '--excludeTaskDependencies', ...STATIC], { STRATA_VERITY_KEY: '', STRATA_VERITY_CERT: '' });
    expect(unsigned.exitCode).not.toBe(0);
    expect(unsigned.all).toMatch(/output\.sign.*STRATA_VERITY_KEY and STRATA_VERITY_CERT are not set/);
  });

  it('a cpio extension appended to the base initrd unpacks over it', async () => {
    const combined = join(scratch, 'combined.cpio.zst');
    await writeFile(combined, Buffer.concat([await readFile(layers('initrd-busybox', 'initrd-busybox.cpio.zst')), await readFile(images('sysext-appended', 'sysext-appended.cpio.zst'))]));
    const unpacked = join(scratch, 'combined');
    await extractArchive(combined, unpacked);
    const index = await indexTree(unpacked);
    expect(index.get('usr/bin/busybox')?.type).toBe('file');
    expect(index.get('usr/lib/libdemo/libdemo.sh')?.type).toBe('file');
    expect(index.get('usr/lib/extension-release.d/extension-release.sysext-appended')?.type).toBe('file');
  });

  it('two clean builds give the same image bytes, verity root hashes and signatures', async () => {
    await rm(join(ws.root, 'dist/layers'), { recursive: true, force: true });
    await rm(join(ws.root, 'dist/images'), { recursive: true, force: true });
    const started = performance.now();
    const run = await ws.nx(['run-many', '-t', 'build', '--projects=sysext-storage,sysext-debug,confext-editor,sysext-signed,sysext-zoneinfo,sysext-appended', '--skip-nx-cache', ...STATIC], signingEnv);
    expect(run.exitCode, run.all).toBe(0);
    console.log(`clean rebuild of 6 extensions and their base in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    expect(await fingerprints()).toEqual(firstBuild);
    console.log(JSON.stringify(firstBuild, null, 2));
  });
});
