import type { PackagesUnavailableError } from './ensure-packages';

/** Who asked for the packages: the message names the recipe, its lock, and the command out. */
export interface PackageOrigin {
  recipe: string;
  /** The lock file, relative to the workspace. */
  lockFile: string;
}

const SHOWN = 10;

/**
 * The error for packages that are nowhere: the recipe and its lock, the missing NEVRAs, every
 * place searched and what each said, and the two ways out.
 */
export function unavailableMessage(error: PackagesUnavailableError, origin: PackageOrigin): string {
  const { missing, config, storeDir } = error;
  const lines = [`${origin.recipe}: ${missing.length} package${missing.length === 1 ? '' : 's'} of ${origin.lockFile} can be found nowhere:`];
  for (const { pkg, attempts } of missing.slice(0, SHOWN)) {
    lines.push(`  ${pkg.nevra} (sha256 ${pkg.sha256})`);
    lines.push(`    package store: ${storeDir}/sha256/${pkg.sha256}: not there`);
    for (const { source, outcome } of attempts) {
      const where = source.kind === 'repository-metadata' ? `${source.via} (through dnf)` : source.url;
      const label = source.kind === 'repository' || source.kind === 'repository-metadata' ? `repository ${source.repository}` : source.kind === 'archive' ? `archive of ${source.repository}` : 'mirror';
      lines.push(`    ${label}: ${where}: ${outcome}`);
    }
  }
  if (missing.length > SHOWN) lines.push(`  … and ${missing.length - SHOWN} more`);
  const archives = config.repositories.filter((r) => r.archive).map((r) => r.id);
  lines.push(
    `Searched: the package store (${storeDir}, set by STRATA_PACKAGE_STORE), the repositories ${config.repositories.map((r) => r.id).join(', ') || '(none)'} at the locked locations, ` +
      `${archives.length > 0 ? `the archives of ${archives.join(', ')}` : 'no archive (none declared: repositories[].archive)'}, ` +
      `${config.mirrors.length > 0 ? `the mirrors ${config.mirrors.join(', ')}` : 'no mirror (none configured: STRATA_PACKAGE_MIRRORS, or packageMirrors in nx.json)'}.`,
  );
  lines.push('Two ways out:');
  lines.push(`  - move the lock to what the repositories hold today: npx nx run ${origin.recipe}:lock`);
  lines.push('  - or make a mirror that holds these packages available: STRATA_PACKAGE_MIRRORS=<url> (a package store served over HTTP; a machine that has them seeds one with: npx strata store push <url>)');
  return lines.join('\n');
}
