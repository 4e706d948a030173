import type { ExecutorContext } from '@nx/devkit';
import { join, relative } from 'node:path';
import { rebuildCommand, verifyOutput } from '@strata/output';
import { formatSizeReport, readSizeReport, SIZE_REPORT_HTML, SIZE_REPORT_JSON, terminalColors } from '@strata/report';
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
    if (options.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return true;
    }
    process.stdout.write(formatSizeReport(report, terminalColors(), { rows: options.rows }));
    console.log(`\nTreemap and full tables: ${relative(context.root, join(dir, SIZE_REPORT_HTML))}`);
    return true;
  });
}
