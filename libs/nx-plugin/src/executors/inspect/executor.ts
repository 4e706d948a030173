import type { ExecutorContext } from 'nx/src/devkit-exports';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { formatListing, listImage, listingJson, terminalColors } from '@strata/report';
import { IMAGES_DIR, reportErrors } from '../../workspace';

export interface InspectOptions {
  json?: boolean;
}

export default async function inspectExecutor(options: InspectOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportErrors(async () => {
    const name = context.projectName as string;
    const dir = join(context.root, IMAGES_DIR, name);
    const manifest = await readFile(join(dir, 'manifest.json'), 'utf8').then(
      (text) => JSON.parse(text) as { image: string },
      () => {
        throw new Error(`${name} is not built yet (no ${relative(context.root, dir)}/manifest.json); build it: npx nx build ${name}`);
      },
    );
    const listing = await listImage(join(dir, manifest.image));
    listing.file = relative(context.root, listing.file);
    process.stdout.write(options.json ? `${JSON.stringify(listingJson(listing), null, 2)}\n` : formatListing(listing, terminalColors()));
    return true;
  });
}
