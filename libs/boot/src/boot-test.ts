import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { rebuildCommand, verifyOutput } from '@strata/output';
import { BOOT_VARIANTS, type BootVariantName } from '@strata/plan';
import { type ExtensionManifest, type InitrdManifest } from '@strata/layer';
import { writeCpioImage } from '@strata/extension';
import { findKernelImage } from '@strata/kmod';
import { appendUncompressedArchive } from './append-archive';
import { BOOT_PROFILE_FILE, BOOT_PROFILE_UNIT, bootProfileArchive, parseBootProfile, PROFILER_PROGRAMS, type BootProfile } from './boot-profile';
import { bootTimeline } from './boot-timeline';
import { diagnoseConsole, plainConsole } from './console-diagnosis';
import { cachedProvisionedDisks, provisionedDiskPath, provisionedTpmState, singleFileArchive } from './provision-guest';
import { copyTpmState, startSoftwareTpm } from './swtpm';
import { bootAndWatch, type BootDisk, type BootResult } from './qemu';
import { makeRootDisk, makeSystemdRootDisk, makeUsrDisk, ROOT_MARKER, type RootInit } from './root-disk';
import { EMERGENCY_ANSWER, GUEST_SERVER_ADDRESS, HIBERNATED_MARKER, RESUMED_MARKER, ROOT_LABEL, ROOT_VARIANTS, SWAP_LABEL, USR_LABEL, USR_MARKER, USR_MARKER_FILE, type ConsoleProof, type RootVariant } from './root-variants';
import { cachedVmlinux } from './vmlinux';
import { serveNetworkRoot } from './network-servers';

/**
 * A boot test, from built outputs to a verdict: the initrd (with an extension appended when one
 * is tested), the kernel it was built for, a root disk, QEMU, and what the console must show.
 */
export interface BootTestPlan {
  /** What the messages call this boot (the recipe under test). */
  label: string;
  /** The initrd that boots, and its dist/images folder. */
  initrdName: string;
  imageDir: string;
  /** dist/images/<extension> when an extension is tested with that initrd. */
  extensionImageDir?: string;
  /** Scratch and logs of this boot (dist/boot/<label>); extracted kernels are kept in kernelCacheDir. */
  workDir: string;
  kernelCacheDir: string;
  /** The storage stack the root file system is on (root-variants.ts). */
  root: BootVariantName;
  append?: string;
  timeoutSeconds: number;
  /** For paths in messages. */
  workspaceRoot: string;
  /** Record which of the initrd's files the boot read before switch-root (boot-profile.json). */
  profile?: boolean;
}

/** An initrd-scope system extension, delivered with the initrd and expected to be merged by it. */
interface ExtensionAddon {
  name: string;
  verity: boolean;
  /** An archive to append to the initrd: the image (and verity files) in /etc/extensions. */
  archive: string;
}

/** Where systemd-sysext looks, in an initrd too (/run is a fresh tmpfs there, so not /run/extensions). */
const EXTENSIONS_DIR = 'etc/extensions';

/** Pack the built extension image, with its verity and signature files, as etc/extensions/<file>. */
async function extensionArchive(name: string, dir: string, work: string): Promise<ExtensionAddon> {
  await verifyOutput(dir, rebuildCommand(name, 'build'));
  const manifest: ExtensionManifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  if (manifest.format !== 'erofs' && manifest.format !== 'squashfs') {
    throw new Error(`${name} is a "${manifest.format}" extension; systemd-sysext merges erofs or squashfs images, so only those are boot-tested`);
  }
  const files = [manifest.image, manifest.verity?.hashFile, manifest.verity?.rootHashFile, manifest.signature?.file].filter((f): f is string => f !== undefined);
  await mkdir(work, { recursive: true });
  const tree = await mkdtemp(join(work, 'extension-'));
  try {
    await mkdir(join(tree, EXTENSIONS_DIR), { recursive: true });
    for (const file of files) await copyFile(join(dir, file), join(tree, EXTENSIONS_DIR, file));
    const archive = join(work, `${name}.extension.cpio`);
    await writeCpioImage(tree, archive, { compression: { kind: 'none', level: 0 }, sourceDateEpoch: 0 });
    return { name, archive, verity: manifest.verity !== null };
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}

/**
 * What the console must show when systemd-sysext in the initrd merged the extension; with verity,
 * also the kernel's dm-verity target at work (systemd-sysext reads the side files by itself).
 */
export function extensionMergeProblem(console: string, extension: string, verity: boolean): string | undefined {
  const quoted = `'${extension}'`;
  const using = console.split('\n').find((line) => /Using extensions /.test(line) && line.includes(quoted));
  if (!using) return `systemd-sysext in the initrd did not use ${quoted}`;
  if (!/Merged extensions into '\/usr'/.test(console)) return `systemd-sysext in the initrd did not merge into /usr`;
  if (verity && !/device-mapper: verity/.test(console)) return `${quoted} has a verity hash tree, but the initrd did not open it through dm-verity`;
  return undefined;
}

/** Fold the console's own reasons (devices waited for, units failed) into the failure message. */
function withDiagnosis(reason: string, console: string): string {
  const found = diagnoseConsole(console);
  return found.length > 0 ? `${reason}; the console says: ${found.join('; ')}` : reason;
}

/** The first proof of the variant that the console does not show. */
export function missingProof(console: string, proofs: ConsoleProof[]): string | undefined {
  const plain = plainConsole(console);
  const missing = proofs.find((proof) => !proof.pattern.test(plain));
  return missing ? `the console does not show that ${missing.proves} (no line matching ${missing.pattern})` : undefined;
}

/** The resume proof: the token hibernated with comes back in the resumed system. */
export function resumeProblem(first: string, second: string): string | undefined {
  const token = first.match(new RegExp(`${HIBERNATED_MARKER} ([0-9a-f-]{36})`))?.[1];
  if (!token) return `the first boot never hibernated (no "${HIBERNATED_MARKER} <token>" line)`;
  const resumed = second.match(new RegExp(`${RESUMED_MARKER} ([0-9a-f-]{36})`))?.[1];
  if (!resumed) return /PM: Image not found|PM: hibernation: Image not found/.test(second) ? 'the kernel found no hibernation image on the swap disk' : `the second boot did not resume (no "${RESUMED_MARKER}" line)`;
  if (resumed !== token) return `the resumed system has token ${resumed}, not ${token}: it booted afresh`;
  return undefined;
}

/** What a boot of the plan needs, prepared once: the kernel, the initrd, the root's init. */
interface PreparedBoot {
  plan: BootTestPlan;
  variant: RootVariant;
  addon?: ExtensionAddon;
  kernel: string;
  /** The initrd as built (provisioning boots it), and what boots (with the appended archives). */
  builtInitrd: string;
  initrd: string;
  rootImage: string;
  init: RootInit;
  manifest: InitrdManifest;
}

/** Boot the plan's initrd to the root's marker; false (having said why) when it does not get there. */
export async function runBootTest(plan: BootTestPlan): Promise<boolean> {
  const boot = await prepareBoot(plan);
  const { variant, init } = boot;
  if (!variant.network) return await bootAndJudge(boot, await attachDisks(boot), []);
  // A network root: no disk; the server runs for the whole test, on 127.0.0.1 only.
  const served = await serveNetworkRoot(variant.network, plan.workDir, init);
  console.log(`${plan.label}: the root is served by ${served.server.label}, forwarded to the guest's ${GUEST_SERVER_ADDRESS}:${variant.network.guestPort} (QEMU user network, restrict=on)`);
  try {
    return await bootAndJudge(boot, [], served.qemuArgs);
  } finally {
    await served.server.stop();
  }
}

async function prepareBoot(plan: BootTestPlan): Promise<PreparedBoot> {
  const { label, initrdName, imageDir, workDir: work } = plan;
  const variant = ROOT_VARIANTS[plan.root];
  const addon = plan.extensionImageDir ? await extensionArchive(label, plan.extensionImageDir, work) : undefined;
  await verifyOutput(imageDir, rebuildCommand(initrdName, 'build'));
  const manifest: InitrdManifest = JSON.parse(await readFile(join(imageDir, 'manifest.json'), 'utf8'));
  if (!manifest.kernel) throw new Error(`${initrdName} has no kernel modules layer (no "kernel" section in its recipe), so it cannot boot a disk`);
  await mkdir(work, { recursive: true });
  // The kernel image built with the initrd (kernel.package), else the host's kernel of that version.
  const vmlinuz = manifest.kernel.vmlinuz ? join(imageDir, manifest.kernel.vmlinuz) : await findKernelImage('/', manifest.kernel.version);
  const kernelCacheName = manifest.kernel.vmlinuz ? `vmlinux-${manifest.kernel.version}-${initrdName}` : `vmlinux-${manifest.kernel.version}`;
  // The extracted vmlinux (PVH) skips the bzImage's decompression. With a TPM device, though, the
  // PVH path leaves the guest's ACPI tables overwritten (no TPM2 table, "ACPI: Interpreter
  // disabled"), so TPM variants boot the bzImage itself, whose ACPI tables are intact.
  const kernel = variant.tpm ? vmlinuz : await cachedVmlinux(vmlinuz, join(plan.kernelCacheDir, kernelCacheName));
  const builtInitrd = join(imageDir, manifest.image);
  let initrd = builtInitrd;
  if (addon || variant.initrdFile || plan.profile) {
    // The kernel unpacks concatenated archives in turn: what they carry lands in the same root.
    const combined = join(work, 'initrd.img');
    await pipeline(createReadStream(initrd), createWriteStream(combined));
    if (addon) await appendUncompressedArchive(combined, addon.archive);
    if (variant.initrdFile) await appendUncompressedArchive(combined, await singleFileArchive(variant.initrdFile.path, variant.initrdFile.content, variant.initrdFile.mode));
    if (plan.profile) await appendUncompressedArchive(combined, await bootProfileArchive());
    initrd = combined;
  }
  const rootImage = join(work, 'root.img');
  const init: RootInit = variant.rootInit === 'hibernate-then-marker'
    ? { kind: 'hibernate', swapLabel: SWAP_LABEL, hibernated: HIBERNATED_MARKER, resumed: RESUMED_MARKER }
    : variant.rootInit === 'show-usr'
      ? { kind: 'show-usr', markerFile: USR_MARKER_FILE }
      : variant.rootInit === 'show-network'
        ? { kind: 'show-network' }
        : { kind: 'marker' };
  return { plan, variant, ...(addon ? { addon } : {}), kernel, builtInitrd, initrd, rootImage, init, manifest };
}

/** The disks of a local root: the root image, or the provisioned stack; a /usr or swap disk. */
async function attachDisks({ plan, variant, kernel, builtInitrd, rootImage, init }: PreparedBoot): Promise<BootDisk[]> {
  const { label, workDir: work } = plan;
  const makeRoot = variant.rootInit === 'systemd-then-poweroff'
    ? () => makeSystemdRootDisk(rootImage, { initrd: builtInitrd, label: ROOT_LABEL })
    : () => makeRootDisk(rootImage, { label: ROOT_LABEL, init });
  let disks: BootDisk[] = [{ file: rootImage }];
  if (variant.provision) {
    // Provisioned in a QEMU guest by the built initrd's own tools (no device-mapper on the host).
    const dir = join(work, 'disks');
    const busybox = createHash('sha256').update(await readFile('/bin/busybox')).digest('hex');
    const provision = await cachedProvisionedDisks(variant, {
      kernel,
      initrd: builtInitrd,
      rootImage,
      dir,
      rootKey: `${variant.rootInit ?? 'marker'} ${JSON.stringify(init)} busybox ${busybox}`,
      makeRoot,
    });
    console.log(provision.cached
      ? `${label}: ${variant.name} disks unchanged (${relative(plan.workspaceRoot, dir)})`
      : `${label}: provisioned the ${variant.name} disks in ${provision.seconds?.toFixed(1)} s (${relative(plan.workspaceRoot, dir)})`);
    const attached = variant.bootDisks ?? variant.provision.disks.map((disk) => disk.name);
    // snapshot: a boot never changes the provisioned disks (a degraded array would record it).
    disks = attached.map((name) => ({ file: provisionedDiskPath(dir, name), snapshot: true }));
  } else {
    await makeRoot();
  }
  if (variant.usrDisk) {
    const usr = join(work, 'usr.img');
    await makeUsrDisk(usr, USR_LABEL, USR_MARKER_FILE, USR_MARKER);
    disks.push({ file: usr, snapshot: true });
  }
  if (variant.swap) {
    const swap = join(work, 'swap.img');
    await rm(swap, { force: true });
    await (await open(swap, 'w')).close();
    await truncate(swap, 512 * 1024 * 1024);
    await execa('mkswap', ['-L', SWAP_LABEL, swap]);
    disks.push({ file: swap });
  }
  return disks;
}

/** Boot (twice for resume, again with another TPM for luks-tpm2) and judge the console. */
async function bootAndJudge({ plan, variant, addon, kernel, initrd, manifest }: PreparedBoot, disks: BootDisk[], networkArgs: string[]): Promise<boolean> {
  const { label, initrdName, workDir: work } = plan;
  const consoleLog = join(work, 'console.log');
  const boot = async (marker: string, log: string, untilPowerOff = false, otherTpm = false): Promise<BootResult> => {
    // The provisioned TPM, copied: the boot may change its state, the next boot starts from the same.
    // otherTpm: a new, empty TPM instead, which holds nothing the volume was sealed to.
    const tpmRun = join(work, 'tpm-run');
    await rm(tpmRun, { recursive: true, force: true });
    if (variant.tpm && !otherTpm) await copyTpmState(provisionedTpmState(join(work, 'disks')), tpmRun);
    const tpm = variant.tpm ? await startSoftwareTpm(tpmRun) : undefined;
    try {
      // Without the sealed key, systemd-cryptsetup's TPM2 errors are expected: only the prompt counts.
      return await bootOnce(marker, log, untilPowerOff, [...(tpm?.qemuArgs ?? []), ...networkArgs], otherTpm ? [/Kernel panic - not syncing/] : variant.failurePatterns);
    } finally {
      await tpm?.stop();
    }
  };
  const bootOnce = (marker: string, log: string, untilPowerOff: boolean, qemuArgs: string[], failurePatterns: RegExp[] | undefined) =>
    bootAndWatch({
      qemuArgs,
      kernel,
      initrd,
      disks,
      // journald echoes the journal to the console, timestamped: systemd-sysext's lines, the
      // variant's proofs untruncated (the status lines are cut to the console's width) and the
      // milestones of the timeline.
      append: [...variant.append, 'ro', 'systemd.journald.forward_to_console=1', ...(plan.append ? plan.append.split(/\s+/).filter(Boolean) : [])],
      marker,
      untilPowerOff,
      ...(failurePatterns ? { failurePatterns } : {}),
      responses: variant.responses,
      timeoutMs: plan.timeoutSeconds * 1000,
      quietTimeoutMs: 60_000,
      consoleLog: log,
    });
  let result: BootResult;
  let problem: string | undefined;
  if (variant.rootInit === 'hibernate-then-marker') {
    const first = await boot(HIBERNATED_MARKER, join(work, 'console-hibernate.log'), true);
    if (!first.ok) {
      result = first;
    } else {
      result = await boot(ROOT_MARKER, consoleLog);
      problem = result.ok ? resumeProblem(first.console, result.console) : undefined;
    }
  } else {
    // A systemd root powers off through the exit initrd after its marker: wait for all of it.
    result = await boot(variant.marker ?? ROOT_MARKER, consoleLog, variant.rootInit === 'systemd-then-poweroff');
  }
  let lockedElsewhere = '';
  if (result.ok && variant.tpm && !missingProof(result.console, variant.proofs)) {
    // The control: the same disk with another TPM must stay locked and fall back to the passphrase.
    const otherLog = join(work, 'console-other-tpm.log');
    const other = await boot('Please enter passphrase for disk', otherLog, false, true);
    if (!other.ok) problem = `with another TPM the volume did not fall back to asking for the passphrase (${other.reason}; console: ${relative(plan.workspaceRoot, otherLog)})`;
    else lockedElsewhere = `; with another TPM it stayed locked and asked for the passphrase (${relative(plan.workspaceRoot, otherLog)})`;
  }
  const used = plan.profile && result.ok ? parseBootProfile(result.console) : undefined;
  problem = !result.ok
    ? withDiagnosis(result.reason, result.console)
    : problem ?? missingProof(result.console, variant.proofs) ?? (addon ? extensionMergeProblem(result.console, addon.name, addon.verity) : undefined);
  if (!problem && plan.profile && !used) problem = `the boot profile's list (${BOOT_PROFILE_UNIT}, before switch-root) did not appear whole on the console`;
  if (problem) {
    const lines = result.console.split('\n');
    // For an extension, systemd-sysext's own lines say why; otherwise the end of the log does.
    const shown = addon && result.ok ? lines.filter((line) => /sysext|extension|verity/i.test(line)) : lines.slice(-25);
    console.error(`${label}: boot FAILED after ${result.seconds.toFixed(1)} s: ${problem}\n--- ${addon && result.ok ? 'systemd-sysext lines' : 'last console lines'} (full log: ${relative(plan.workspaceRoot, consoleLog)}) ---\n${shown.join('\n')}`);
    return false;
  }
  // The phases of a boot that ended on the root's marker (not one that hibernated or powered off after it).
  if ((variant.marker ?? ROOT_MARKER) === ROOT_MARKER && variant.rootInit !== 'hibernate-then-marker' && variant.rootInit !== 'systemd-then-poweroff') {
    const timeline = bootTimeline(result.console, ROOT_MARKER, result.seconds);
    const timelineFile = join(work, 'timeline.json');
    await writeFile(timelineFile, `${JSON.stringify(timeline, null, 2)}\n`);
    console.log(`${label}: timeline (${relative(plan.workspaceRoot, timelineFile)}): ${timeline.phases.map((p) => `${p.phase} +${p.took.toFixed(1)} s`).join(', ')}`);
  }
  if (used) {
    const profile: BootProfile = { image: manifest.image, sha256: manifest.sha256, variant: plan.root, used, profilerOwn: PROFILER_PROGRAMS };
    const profileFile = join(work, BOOT_PROFILE_FILE);
    await writeFile(profileFile, `${JSON.stringify(profile, null, 2)}\n`);
    console.log(`${label}: boot profile (${relative(plan.workspaceRoot, profileFile)}): ${used.length} files of the initrd read before switch-root`);
  }
  const what = addon ? `${initrdName} with ${addon.name} merged by its systemd-sysext, ` : '';
  const where = variant.marker === EMERGENCY_ANSWER
    ? 'to the emergency shell, which answered'
    : variant.rootInit === 'hibernate-then-marker'
      ? 'from hibernation back to the same running root'
      : variant.rootInit === 'systemd-then-poweroff'
        ? "to the systemd root's marker, and powered off through the exit initrd,"
        : "to the root's marker";
  const stack = plan.root === 'ext4' ? '' : ` (root: ${BOOT_VARIANTS[plan.root].summary})`;
  console.log(`${label}: booted ${what}${where} in ${result.seconds.toFixed(1)} s${stack} (console: ${relative(plan.workspaceRoot, consoleLog)})${lockedElsewhere}`);
  return true;
}
