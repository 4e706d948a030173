import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { sha256File, withAtomicOutput, writeChecksums } from '@strata/output';
import { readPeHeaders, setPeTimestamp } from './pe';
import { secureBootKeysFromEnvironment, signEfiImage } from './secure-boot-signing';
import { normalizeCmdline, objcopyArguments, placeSections, SYSTEMD_STUB, type UkiPart, type UkiSection } from './uki-plan';

export interface AssembleUkiOptions {
  name: string;
  /** The kernel image (bzImage) and its version. */
  kernel: string;
  kernelVersion: string;
  /** The bootable initrd (userspace and modules archives, as `build` wrote it). */
  initrd: string;
  /** The .osrel text. */
  osRelease: string;
  cmdline: string;
  sign: boolean;
  /** The recipe file, for messages. */
  recipeFile: string;
  /** dist/uki/<name>: replaced whole, never left half-written. */
  outputDir: string;
  /** Scratch for the small section files. */
  workDir: string;
  sourceDateEpoch: number;
  stub?: string;
}

export interface UkiManifest {
  name: string;
  image: string;
  sha256: string;
  size: number;
  signed: boolean;
  stub: { path: string; sha256: string };
  kernelVersion: string;
  cmdline: string;
  /** Every section of the UKI, the stub's own included, with its address and size. */
  sections: { name: string; address: string; size: number; from: 'systemd-stub' | 'strata' }[];
}

async function requireStub(stub: string): Promise<void> {
  await stat(stub).catch(() => {
    throw new Error(`systemd-stub is missing at ${stub}: install Debian's systemd-boot-efi (bash tools/host/setup.sh does)`);
  });
}

/**
 * The UKI: systemd-stub with the kernel, the initrd, the command line, os-release and uname as
 * sections (placeSections), the PE timestamp set to SOURCE_DATE_EPOCH so the bytes repeat, and,
 * with sign, sbsign's signature. Writes <name>.efi, uki.json and SHA256SUMS.
 */
export async function assembleUki(options: AssembleUkiOptions): Promise<UkiManifest> {
  const stub = options.stub ?? SYSTEMD_STUB;
  await requireStub(stub);
  const keys = options.sign ? await secureBootKeysFromEnvironment(options.recipeFile) : undefined;
  await mkdir(options.workDir, { recursive: true });
  const scratch = await mkdtemp(join(options.workDir, `uki-${options.name}-`));
  try {
    const small: [UkiSection, string][] = [
      ['.osrel', options.osRelease],
      ['.cmdline', normalizeCmdline(options.cmdline)],
      ['.uname', options.kernelVersion],
    ];
    const parts: UkiPart[] = [];
    for (const [section, text] of small) {
      const file = join(scratch, section.slice(1));
      await writeFile(file, text);
      parts.push({ section, file, size: Buffer.byteLength(text) });
    }
    for (const [section, file] of [['.initrd', options.initrd], ['.linux', options.kernel]] as const) parts.push({ section, file, size: (await stat(file)).size });
    const stubBytes = await readFile(stub);
    const stubHeaders = readPeHeaders(stubBytes);
    const placed = placeSections(stubHeaders.sizeOfImage, parts);
    const image = `${options.name}.efi`;
    return await withAtomicOutput(options.outputDir, async (staging) => {
      const unsigned = join(scratch, 'unsigned.efi');
      const objcopy = await execa('objcopy', objcopyArguments(stub, placed, unsigned), { reject: false, all: true });
      if (objcopy.exitCode !== 0) throw new Error(`objcopy could not assemble the UKI: ${objcopy.all?.trim()}`);
      const bytes = await readFile(unsigned);
      setPeTimestamp(bytes, options.sourceDateEpoch);
      await writeFile(unsigned, bytes);
      const output = join(staging, image);
      if (keys) await signEfiImage(unsigned, output, keys, options.sourceDateEpoch);
      else await writeFile(output, bytes);
      const headers = readPeHeaders(await readFile(output));
      const ours = new Set<string>(placed.map((part) => part.section));
      const manifest: UkiManifest = {
        name: options.name,
        image,
        sha256: await sha256File(output),
        size: (await stat(output)).size,
        signed: keys !== undefined,
        stub: { path: stub, sha256: await sha256File(stub) },
        kernelVersion: options.kernelVersion,
        cmdline: normalizeCmdline(options.cmdline),
        sections: headers.sections.map((section) => ({
          name: section.name,
          address: `0x${section.virtualAddress.toString(16)}`,
          size: section.virtualSize,
          from: ours.has(section.name) ? 'strata' : 'systemd-stub',
        })),
      };
      await writeFile(join(staging, 'uki.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      await writeChecksums(staging);
      return manifest;
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
