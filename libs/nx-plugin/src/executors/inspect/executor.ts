import type { ExecutorContext } from '@nx/devkit';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { rebuildCommand, verifyOutput } from '@strata/output';
import { formatListing, listImage, listingJson, terminalColors } from '@strata/report';
import { reportErrors } from '../../workspace';
import { DIST } from '@strata/plan';

export interface InspectOptions {
  json?: boolean;
}

export default async function inspectExecutor(options: InspectOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportErrors(async () => {
    const name = context.projectName as string;
    const dir = join(context.root, DIST.images, name);
    await verifyOutput(dir, rebuildCommand(name, 'build'));
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { image: string };
    const listing = await listImage(join(dir, manifest.image));
    listing.file = relative(context.root, listing.file);
    process.stdout.write(options.json ? `${JSON.stringify(listingJson(listing), null, 2)}\n` : formatListing(listing, terminalColors()));
    return true;
  });
}
