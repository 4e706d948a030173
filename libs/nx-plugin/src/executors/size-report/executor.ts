import type { ExecutorContext } from '@nx/devkit';
import { join, relative } from 'node:path';
import { rebuildCommand, verifyOutput } from '@strata/output';
import { bootUsage, formatBootUsage, formatSizeReport, readSizeReport, SIZE_REPORT_HTML, SIZE_REPORT_JSON, terminalColors } from '@strata/report';
import { bootProfilesOf } from '../../boot-profiles';
import { reportErrors } from '../../workspace';
import { DIST } from '@strata/plan';

export interface SizeReportOptions {
  json?: boolean;
  rows?: number;
}

/** Prints the size report the build wrote beside the image. */
export default async function sizeReportExecutor(options: SizeReportOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportErrors(async () => {
    const name = context.projectName as string;
    const dir = join(context.root, DIST.images, name);
    await verifyOutput(dir, rebuildCommand(name, 'build'));
    const report = await readSizeReport(dir);
    if (!report) throw new Error(`${relative(context.root, join(dir, SIZE_REPORT_JSON))} does not exist; build the image: npx nx build ${name}`);
    // What the boot read, from the profiles of this build (boot-test --profile), if any.
    const profiles = bootProfilesOf(context.root, name, report.sha256);
    const usage = profiles.length > 0 ? bootUsage(report, profiles) : undefined;
    if (options.json) {
      process.stdout.write(`${JSON.stringify(usage ? { ...report, bootUsage: usage } : report, null, 2)}\n`);
      return true;
    }
    process.stdout.write(formatSizeReport(report, terminalColors(), { rows: options.rows }));
    if (usage) process.stdout.write(`\n${formatBootUsage(usage, terminalColors(), { rows: options.rows })}`);
    else console.log(`\nWhich of these files a boot reads: npx nx run ${name}:boot-test --profile`);
    console.log(`\nTreemap and full tables: ${relative(context.root, join(dir, SIZE_REPORT_HTML))}`);
    return true;
  });
}
