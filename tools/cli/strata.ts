/**
 * strata's command line, for files outside the Nx graph:
 *
 *   strata inspect FILE [--json]   list an initrd (strata's, dracut's, Debian's) like lsinitrd
 *   strata diff A B [--json]       what changed between two builds (manifest.json files or images)
 *   strata store verify|prune|push  the package store (see storeCommand)
 *
 * Run it as `npx strata ...` (package.json "bin", through tools/cli/bin.js) or as
 * `node -r @swc-node/register tools/cli/strata.ts ...` from the workspace.
 */
import { parseArgs } from 'node:util';
import { diffBuilds, formatDiff, formatListing, listImage, listingJson, loadDiffSide, wantsColor, makeColors } from '@strata/report';
import { storeCommand, STORE_USAGE } from './store-command';

const USAGE = `usage:
  strata inspect FILE [--json]   list the entries of an initrd or cpio archive (.cpio, .cpio.zst,
                                 a concatenation such as dracut's or Debian's initrd.img)
  strata diff A B [--json]       packages added, removed, upgraded and downgraded between two
                                 builds (manifest.json files or images), and for images the files
${STORE_USAGE}options:
  --json      print JSON instead of text
  --no-color  no colours (also NO_COLOR=1; colours only on a terminal anyway)
`;

export interface Io {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

export async function main(argv: readonly string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        workspace: { type: 'string' },
        'keep-workspace': { type: 'string', multiple: true },
        'dry-run': { type: 'boolean' },
      },
    });
  } catch (err) {
    io.stderr.write(`strata: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help || command === undefined || command === 'help') {
    io.stdout.write(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const colors = makeColors(!values['no-color'] && wantsColor(io.stdout));
  try {
    if (command === 'inspect') {
      if (args.length !== 1) throw new UsageError('inspect takes one FILE');
      const listing = await listImage(args[0]);
      io.stdout.write(values.json ? `${JSON.stringify(listingJson(listing), null, 2)}\n` : formatListing(listing, colors));
      return 0;
    }
    if (command === 'diff') {
      if (args.length !== 2) throw new UsageError('diff takes two builds: A B');
      const diff = diffBuilds(await loadDiffSide(args[0]), await loadDiffSide(args[1]));
      io.stdout.write(values.json ? `${JSON.stringify(diff, null, 2)}\n` : formatDiff(diff, colors));
      return 0;
    }
    if (command === 'store') {
      const [verb, ...rest] = args;
      return await storeCommand(verb, rest, { workspace: values.workspace, keepWorkspaces: values['keep-workspace'] ?? [], dryRun: values['dry-run'] === true }, io, (message) => new UsageError(message));
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`strata: ${err.message}\n${USAGE}`);
      return 2;
    }
    const error = err as NodeJS.ErrnoException;
    io.stderr.write(`strata ${command}: ${error.code === 'ENOENT' && error.path ? `no such file: ${error.path}` : error.message}\n`);
    return 1;
  }
}

class UsageError extends Error {}

if (require.main === module) {
  // `strata inspect ... | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
