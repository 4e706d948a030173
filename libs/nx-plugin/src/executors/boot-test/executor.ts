import { runExecutor, type ExecutorContext } from '@nx/devkit';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { runBootTest, runUefiBootTest, type BootTimeline } from '@strata/boot';
import { BOOT_VARIANT_NAMES, DIST, outputDirOf, isBootVariant } from '@strata/plan';
import { UKI_CERT_ENV } from '@strata/uki';
import { nearestBaseOfKind, resolveRecipe } from '@strata/recipe';
import { bootUsage, formatBootUsage, readSizeReport, renderSizeReportHtml, SIZE_REPORT_HTML, terminalColors } from '@strata/report';
import { bootProfilesOf } from '../../boot-profiles';
import { loadWorkspaceRecipes, reportErrors } from '../../workspace';

export interface BootTestOptions {
  timeout?: number;
  append?: string;
  /** The storage stack of the test root (ROOT_VARIANTS in @strata/boot). */
  root?: string;
  /** bios: QEMU loads the extracted kernel and the initrd; uefi, uefi-secure-boot: OVMF boots the recipe's UKI. */
  firmware?: 'bios' | 'uefi' | 'uefi-secure-boot';
  /** Record which files of the initrd the boot read before switch-root, and show them in a size report. */
  profile?: boolean;
}

/** Normalise the options, find the initrd that boots (an extension's nearest initrd), delegate to @strata/boot. */
export default async function bootTestExecutor(options: BootTestOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportErrors(async () => {
    const name = context.projectName as string;
    const graph = loadWorkspaceRecipes(context.root);
    const recipe = resolveRecipe(name, graph);
    const initrd = recipe.kind === 'initrd' ? name : nearestBaseOfKind(recipe.baseChain, graph, 'initrd');
    if (!initrd) throw new Error(`${name} builds on no initrd, so there is nothing to boot it with`);
    const firmware = options.firmware ?? 'bios';
    if (firmware !== 'bios') {
      if (recipe.kind !== 'initrd' || !recipe.uki) throw new Error(`--firmware=${firmware} boots the recipe's UKI, and ${name} is no initrd with a kernel`);
      if ((options.root ?? 'ext4') !== 'ext4' || options.append) throw new Error(`--firmware=${firmware} boots the UKI with its own command line (uki.cmdline in ${recipe.displayFile}): --root and --append do not apply`);
      // The UKI of this build, assembled as the uki target does (the same bytes).
      for await (const result of await runExecutor({ project: name, target: 'uki' }, {}, context)) if (!result.success) return false;
      return runUefiBootTest({
        label: name,
        uki: join(context.root, outputDirOf('uki', name), `${name}.efi`),
        firmware,
        certificate: process.env[UKI_CERT_ENV] || undefined,
        workDir: join(context.root, DIST.boot, name, firmware),
        timeoutSeconds: options.timeout ?? 180,
        workspaceRoot: context.root,
      });
    }
    const root = options.root ?? 'ext4';
    if (!isBootVariant(root)) throw new Error(`--root=${root} is not a boot variant; use one of: ${BOOT_VARIANT_NAMES.join(', ')}`);
    if (options.profile && recipe.kind !== 'initrd') throw new Error(`--profile records what ${initrd} reads at boot: run it on ${initrd} itself (npx nx run ${initrd}:boot-test --profile)`);
    const workDir = root === 'ext4' ? join(context.root, DIST.boot, name) : join(context.root, DIST.boot, name, root);
    const booted = await runBootTest({
      label: name,
      initrdName: initrd,
      imageDir: join(context.root, DIST.images, initrd),
      ...(recipe.kind === 'initrd' ? {} : { extensionImageDir: join(context.root, DIST.images, name) }),
      // Each variant has its own folder, so variants can boot side by side.
      workDir,
      kernelCacheDir: join(context.root, DIST.boot, 'kernels'),
      root,
      append: options.append,
      timeoutSeconds: options.timeout ?? 180,
      workspaceRoot: context.root,
      ...(options.profile ? { profile: true } : {}),
    });
    if (booted && options.profile) await writeProfiledReport(context.root, name, workDir);
    return booted;
  });
}

/** The size report with every profile of this build merged in, as HTML beside the boot's console, and on the terminal. */
async function writeProfiledReport(workspaceRoot: string, name: string, workDir: string): Promise<void> {
  const report = await readSizeReport(join(workspaceRoot, DIST.images, name));
  if (!report) throw new Error(`${name} has no size report to put the profile in; build it: npx nx build ${name}`);
  const usage = bootUsage(report, bootProfilesOf(workspaceRoot, name, report.sha256));
  const html = join(workDir, SIZE_REPORT_HTML);
  // This boot's phases (timeline.json beside its console), drawn above the profile.
  const timelineFile = join(workDir, 'timeline.json');
  const timeline = existsSync(timelineFile) ? [{ label: name, phases: (JSON.parse(await readFile(timelineFile, 'utf8')) as BootTimeline).phases }] : undefined;
  await writeFile(html, renderSizeReportHtml(report, { bootUsage: usage, ...(timeline ? { timeline } : {}) }));
  process.stdout.write(formatBootUsage(usage, terminalColors(), { rows: 10 }));
  console.log(`Size report with the boot profile: ${relative(workspaceRoot, html)}`);
}
