import type { TargetConfiguration } from '@nx/devkit';

/**
 * What the cache key of every cached target covers, said once: the Nx plugin turns these parts
 * into the targets' inputs, and the README's architecture table is written from the same parts,
 * so neither can drift from the other. No custom hasher, only Nx inputs, so `nx affected` and
 * the cache agree.
 */

/** One entry of a target's `inputs`, as Nx's public API types it. */
export type Input = NonNullable<TargetConfiguration['inputs']>[number];

export interface KeyPart {
  /** For people: one line of the README's table. */
  covers: string;
  inputs: Input[];
}

/** The facts about a recipe that decide its keys. */
export interface KeyFacts {
  kind: 'initrd' | 'sysext' | 'confext';
  /** An initrd's kernel: none, the build host's, or a locked package set. */
  kernel: 'none' | 'host' | 'package';
  /** Extensions: the image's file system, and whether it has (signed) verity. */
  format?: string;
  verity?: boolean;
  sign?: boolean;
  /** Workspace-relative folders of the recipe and every recipe it builds on. */
  chainDirs: string[];
  /** An initrd's UKI is signed for Secure Boot (uki.sign). */
  ukiSign?: boolean;
}

/** Per cached executor: the code it runs, as Nx inputs (codeKeyInputs of its codeClosure, or a named input holding them). */
export type CodeInputs = Record<'image' | 'modules' | 'build' | 'uki', Input[]>;

/**
 * The tools that shape the bytes, by version, called by name so that a tool earlier on PATH
 * counts: rpm, dnf and createrepo_c for layers, depmod for modules, mkfs.erofs, mksquashfs and
 * veritysetup for the extensions that use them.
 */
export const TOOL_VERSIONS = {
  install: { runtime: 'rpm --version; /usr/bin/python3 -c "import dnf; print(\'dnf\', dnf.VERSION)"; createrepo_c --version | head -1' },
  depmod: { runtime: 'depmod --version | head -1' },
  erofs: { runtime: 'mkfs.erofs -h 2>&1 | grep -m1 "^mkfs.erofs "' },
  squashfs: { runtime: 'mksquashfs -version 2>&1 | head -1' },
  verity: { runtime: 'veritysetup --version' },
  uki: { runtime: 'sha256sum /usr/lib/systemd/boot/efi/linuxx64.efi.stub 2>/dev/null || echo "no systemd-stub"; objcopy --version | head -1; sbsign --version 2>/dev/null || true' },
} as const;

/** The npm packages whose code shapes an image's bytes. */
const BUILDER_PACKAGES = { externalDependencies: ['@mongodb-js/zstd', 'yaml', 'ajv', 'execa', 'picomatch'] };

/** The code part of a cached target's key: the files its executor runs (see codeClosure) and the npm packages that shape the bytes. */
export function codeKeyInputs(files: readonly Input[]): Input[] {
  return [...files, BUILDER_PACKAGES];
}

/**
 * Nx hashes regular files only: a symbolic link in a files tree (a unit enabled in a .wants
 * folder, say) would change no key. The links of the chain's folders, with their targets, are
 * a runtime input.
 */
function symlinksInput(recipeDirs: readonly string[]): Input {
  const dirs = recipeDirs.map((dir) => `'${dir.replace(/'/g, `'\\''`)}'`).join(' ');
  return { runtime: `find ${dirs} -type l -printf '%p -> %l\\n' 2>/dev/null | LC_ALL=C sort` };
}

function recipeParts(facts: KeyFacts): KeyPart[] {
  return [
    { covers: "the recipe's folder (recipe.yaml, files/; links by their target), not its README or lock", inputs: ['recipe', symlinksInput(facts.chainDirs)] },
    { covers: "the `packages` of its lock: exact NEVRAs and sha256s, so a repository's rebuild that gives the same packages re-keys nothing", inputs: [] },
    { covers: 'the same of every recipe it builds on', inputs: ['^recipe'] },
    { covers: 'SOURCE_DATE_EPOCH', inputs: [{ env: 'SOURCE_DATE_EPOCH' }] },
  ];
}

function codePart(code: Input[]): KeyPart {
  return { covers: "the code its executor runs: the libraries it imports (their `source`) and the plugin's own files it reaches; the zstd, yaml, ajv, execa and picomatch packages", inputs: code };
}

function kernelParts(facts: KeyFacts): KeyPart[] {
  if (facts.kernel === 'package') return [{ covers: 'the `kernel` section of its lock', inputs: [{ json: '{projectRoot}/packages.lock.json', fields: ['kernel'] }] }];
  // A new or reinstalled kernel re-keys the modules layer only.
  return [
    // Name, size and time only: not ls -l's link count or owner's name, which change with no new
    // kernel (a hard link to the file elsewhere, a passwd lookup that fails).
    { covers: "the build host's kernels (/usr/lib/modules/*/modules.dep: names, sizes, times)", inputs: [{ runtime: "stat -c '%n %s %Y' /usr/lib/modules/*/modules.dep 2>/dev/null || true" }] },
    // The firmware the modules ask for comes from the host too: a firmware update re-keys the modules.
    { covers: "the build host's firmware folder (/usr/lib/firmware: names, sizes, times, links)", inputs: [{ runtime: "find /usr/lib/firmware -printf '%P %s %T@ %l\\n' 2>/dev/null | LC_ALL=C sort | sha256sum" }] },
  ];
}

const INSTALL_TOOLS: KeyPart = { covers: 'the versions of rpm, dnf and createrepo_c', inputs: [TOOL_VERSIONS.install] };
const DEPMOD: KeyPart = { covers: 'the version of depmod', inputs: [TOOL_VERSIONS.depmod] };

function extensionParts(facts: KeyFacts): KeyPart[] {
  const parts: KeyPart[] = [];
  if (facts.format === 'erofs') parts.push({ covers: 'the version of mkfs.erofs', inputs: [TOOL_VERSIONS.erofs] });
  if (facts.format === 'squashfs') parts.push({ covers: 'the version of mksquashfs', inputs: [TOOL_VERSIONS.squashfs] });
  if (facts.verity) parts.push({ covers: 'the version of veritysetup', inputs: [TOOL_VERSIONS.verity] });
  // Never the key itself: only the certificate it signs for.
  if (facts.sign) parts.push({ covers: 'the sha256 of the certificate STRATA_VERITY_CERT names', inputs: [{ runtime: 'sha256sum "$STRATA_VERITY_CERT" 2>/dev/null || echo "no certificate"' }] });
  return parts;
}

function ukiParts(facts: KeyFacts): KeyPart[] {
  const parts: KeyPart[] = [{ covers: 'the sha256 of systemd-stub (systemd-boot-efi), the versions of objcopy and sbsign; uki.cmdline is in recipe.yaml', inputs: [TOOL_VERSIONS.uki] }];
  if (facts.ukiSign) parts.push({ covers: 'the sha256 of the certificate STRATA_UKI_CERT names', inputs: [{ runtime: 'sha256sum "$STRATA_UKI_CERT" 2>/dev/null || echo "no certificate"' }] });
  return parts;
}

/** The key of every cached target of a recipe, part by part. */
export function targetKeys(facts: KeyFacts, code: CodeInputs): { image: KeyPart[]; modules?: KeyPart[]; build: KeyPart[]; uki?: KeyPart[] } {
  const layer = [...recipeParts(facts), INSTALL_TOOLS];
  const image = [...layer, codePart(code.image)];
  if (facts.kind !== 'initrd' || facts.kernel === 'none') return { image, build: [...layer, codePart(code.build), ...extensionParts(facts)] };
  const modules: KeyPart[] = [
    { covers: 'recipe.yaml of the recipe and of every recipe it builds on (the kernel section), not its packages', inputs: ['recipeFile', '^recipeFile'] },
    { covers: 'SOURCE_DATE_EPOCH', inputs: [{ env: 'SOURCE_DATE_EPOCH' }] },
    codePart(code.modules),
    ...kernelParts(facts),
    DEPMOD,
    ...(facts.kernel === 'package' ? [INSTALL_TOOLS] : []),
  ];
  const build = [...layer, codePart(code.build), ...kernelParts(facts), DEPMOD];
  // The UKI holds the build's image and kernel: its key is the build's, its own code and tools.
  const uki = [...layer, ...kernelParts(facts), DEPMOD, codePart(code.uki), ...ukiParts(facts)];
  return { image, modules, build, uki };
}

/** The Nx inputs of a key. */
export function inputsOf(parts: readonly KeyPart[]): Input[] {
  return parts.flatMap((part) => part.inputs);
}
