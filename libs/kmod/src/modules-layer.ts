import { access, copyFile, mkdir, readFile, readdir, rm, stat, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { runSandboxed } from '@strata/sandbox';
import { moduleName, parseModuleIndex, type ModuleIndex } from './module-index';
import { selectModules, type ModuleSelection } from './select-modules';

/** ENOENT means "not there"; every other error (permissions, I/O) is a real failure. */
function unlessMissing<T>(fallback: T): (err: NodeJS.ErrnoException) => T {
  return (err) => {
    if (err.code === 'ENOENT') return fallback;
    throw err;
  };
}

/** The kernel versions a modules directory offers, newest last (the "host" kernel is the newest). */
export async function installedKernels(modulesRoot = '/usr/lib/modules'): Promise<string[]> {
  const entries = await readdir(modulesRoot).catch(unlessMissing([] as string[]));
  const withDep = [];
  for (const name of entries) {
    if (await readFile(join(modulesRoot, name, 'modules.dep'), 'utf8').then(() => true, () => false)) withDep.push(name);
  }
  return withDep.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

export async function readModuleIndex(kernelDir: string): Promise<ModuleIndex> {
  const read = (name: string): Promise<string> => readFile(join(kernelDir, name), 'utf8').catch(unlessMissing(''));
  return parseModuleIndex({ dep: await read('modules.dep'), softdep: await read('modules.softdep'), alias: await read('modules.alias'), builtin: await read('modules.builtin') });
}

/**
 * Write the module indexes (modules.dep, .alias, .softdep, ...) of root/usr/lib/modules/<version>.
 * depmod looks under <root>/lib/modules; a tree that has only usr/ gets lib -> usr/lib meanwhile.
 */
export async function runDepmod(root: string, kernelVersion: string): Promise<void> {
  const libLink = join(root, 'lib');
  const madeLink = await symlink('usr/lib', libLink).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return false; // the tree has its own /lib
      throw err;
    },
  );
  try {
    // In the sandbox: the host's /etc/depmod.d must not shape the image's module indexes.
    await runSandboxed({ writable: [root], sourceDateEpoch: 0 }, ['depmod', '-b', root, kernelVersion]);
  } finally {
    if (madeLink) await rm(libLink);
  }
}

/** The kernel versions a package tree ships (folders under usr/lib/modules), indexed or not. */
export async function shippedKernels(root: string): Promise<string[]> {
  const entries = await readdir(join(root, 'usr/lib/modules'), { withFileTypes: true }).catch(unlessMissing([]));
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/**
 * The kernel image of a version below root ("/" for the build host): next to the modules
 * (Fedora, and Debian's kernel-install layout) or in /boot (Debian's packages).
 */
export async function findKernelImage(root: string, kernelVersion: string): Promise<string> {
  const candidates = [join(root, 'usr/lib/modules', kernelVersion, 'vmlinuz'), join(root, 'boot', `vmlinuz-${kernelVersion}`)];
  for (const path of candidates) {
    if (await access(path).then(() => true, () => false)) return path;
  }
  throw new Error(`no kernel image for ${kernelVersion} (looked at ${candidates.join(', ')})`);
}

/** Files depmod needs besides the modules themselves. */
const KERNEL_METADATA = ['modules.order', 'modules.builtin', 'modules.builtin.modinfo'];

export interface ModulesLayer extends ModuleSelection {
  kernelVersion: string;
  firmware: string[];
  missingFirmware: string[];
  /** The modules that declare firmware the firmware folder lacks, each with those files (by module name). */
  missingFirmwareByModule: { module: string; files: string[] }[];
}

/**
 * The firmware each module declares, from one modinfo run over all of them: its output is a
 * block per module, "filename: <path>" first, then its fields ("firmware: <file>").
 */
export function parseModinfoFirmware(output: string): Map<string, string[]> {
  const byModule = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of output.split('\n')) {
    const field = line.match(/^(filename|firmware):\s+(\S+)/);
    if (!field) continue;
    if (field[1] === 'filename') byModule.set(moduleName(field[2]), (current = []));
    else current?.push(field[2]);
  }
  return byModule;
}

/**
 * The kernel's firmware loader tries a name as it is, then compressed with zstd, then with xz
 * (CONFIG_FW_LOADER_COMPRESS): Debian's firmware packages ship many files only compressed. The
 * name found (relative to `firmwareRoot`), or null.
 */
export async function findFirmware(firmwareRoot: string, name: string): Promise<string | null> {
  for (const candidate of [name, `${name}.zst`, `${name}.xz`]) {
    const found = await stat(join(firmwareRoot, candidate)).then(
      (st) => st.isFile(),
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT' && err.code !== 'ENOTDIR') throw err;
        return false;
      },
    );
    if (found) return candidate;
  }
  return null;
}

/**
 * Copy the selected modules (closed over their dependencies) and the firmware they ask for into
 * root/usr/lib/modules/<version>, then let depmod write indexes for exactly that set.
 */
export async function assembleModulesLayer(options: { root: string; kernelVersion: string; rules: readonly string[]; modulesRoot?: string; firmwareRoot?: string; firmware?: boolean }): Promise<ModulesLayer> {
  const modulesRoot = options.modulesRoot ?? '/usr/lib/modules';
  const source = join(modulesRoot, options.kernelVersion);
  const index = await readModuleIndex(source);
  if (index.deps.size === 0) throw new Error(`no kernel modules for ${options.kernelVersion} in ${source} (modules.dep missing); kernels available: ${(await installedKernels(modulesRoot)).join(', ') || 'none'}`);
  const selection = selectModules(index, options.rules);
  const target = join(options.root, 'usr/lib/modules', options.kernelVersion);
  for (const path of selection.modules) {
    await mkdir(dirname(join(target, path)), { recursive: true });
    await copyFile(join(source, path), join(target, path));
  }
  // Not every kernel ships every metadata file (modules.builtin.modinfo is newer): only absence is fine.
  for (const name of KERNEL_METADATA) await copyFile(join(source, name), join(target, name)).catch(unlessMissing(undefined));
  const firmware: string[] = [];
  const missingFirmware: string[] = [];
  const missingFirmwareByModule: ModulesLayer['missingFirmwareByModule'] = [];
  if (options.firmware !== false && selection.modules.length > 0) {
    const firmwareRoot = options.firmwareRoot ?? '/usr/lib/firmware';
    const { stdout } = await execa('modinfo', selection.modules.map((m) => join(source, m)));
    const declared = parseModinfoFirmware(stdout);
    for (const file of [...new Set([...declared.values()].flat())].sort()) {
      const found = await findFirmware(firmwareRoot, file);
      if (!found) {
        missingFirmware.push(file);
        continue;
      }
      const to = join(options.root, 'usr/lib/firmware', found);
      await mkdir(dirname(to), { recursive: true });
      await copyFile(join(firmwareRoot, found), to);
      firmware.push(found);
    }
    const missing = new Set(missingFirmware);
    for (const [module, files] of [...declared].sort(([a], [b]) => a.localeCompare(b))) {
      const lacking = files.filter((file) => missing.has(file));
      if (lacking.length > 0) missingFirmwareByModule.push({ module, files: lacking });
    }
  }
  await runDepmod(options.root, options.kernelVersion);
  return { kernelVersion: options.kernelVersion, ...selection, firmware, missingFirmware, missingFirmwareByModule };
}
