import type { ExecutorContext } from '@nx/devkit';
import { join } from 'node:path';
import { execa } from 'execa';
import { mappedRootCommand, needsMappedRoot, requireMappedRoot } from '@strata/sandbox';
import { reportErrors } from './workspace';

export type Executor<O> = (options: O, context: ExecutorContext) => Promise<{ success: boolean }>;

/** What the child needs of Nx's context: the executors read nothing else. */
export type ImageRootContext = Pick<ExecutorContext, 'root' | 'cwd' | 'isVerbose' | 'projectName' | 'targetName' | 'configurationName' | 'nxJsonConfiguration'>;

export interface ImageRootRequest {
  /** The executor's module; its default export is the `asImageRoot` wrapper. */
  module: string;
  options: unknown;
  context: ImageRootContext;
}

const ENTRY = join(__dirname, 'image-root-entry.ts');

/** An ordinary user's PATH, with the sbin folders root's PATH has. */
export function withSbin(path: string): string {
  const dirs = path.split(':').filter(Boolean);
  for (const sbin of ['/usr/local/sbin', '/usr/sbin', '/sbin']) if (!dirs.includes(sbin)) dirs.push(sbin);
  return dirs.join(':');
}

/**
 * Executors that write image trees (rpm gives their files owners, the archive records them) run
 * as root over those trees. As root, the executor runs here. For an ordinary user it runs in a
 * child process that is root of a user namespace mapping the user's subordinate ids, so the image
 * comes out as a root build makes it; Nx sees one task, with the child's output and exit status.
 */
export function asImageRoot<O>(module: string, executor: Executor<O>): Executor<O> {
  return async (options, context) => {
    if (!needsMappedRoot()) return executor(options, context);
    return reportErrors(async () => {
      requireMappedRoot();
      const request: ImageRootRequest = {
        module,
        options,
        context: {
          root: context.root,
          cwd: context.cwd,
          isVerbose: context.isVerbose,
          projectName: context.projectName,
          targetName: context.targetName,
          configurationName: context.configurationName,
          nxJsonConfiguration: context.nxJsonConfiguration,
        },
      };
      const [file, ...args] = mappedRootCommand([process.execPath, '-r', require.resolve('@swc-node/register'), ENTRY]);
      const child = await execa(file, args, {
        input: JSON.stringify(request),
        stdout: 'inherit',
        stderr: 'inherit',
        cwd: context.root,
        reject: false,
        env: {
          // Root's PATH: the image tools (modinfo, depmod, mkfs.erofs, veritysetup) live in sbin.
          PATH: withSbin(process.env.PATH ?? '/usr/bin:/bin'),
          // swc's loader checks that no other user can replace its cached binary. In the namespace
          // the host's root-owned folders show as the overflow id, so it cannot tell; this
          // process has just loaded the same cached binary with the check on.
          SWC_NATIVE_BINDING_CACHE_SKIP_SECURITY_CHECK: '1',
        },
      });
      if (child.exitCode === 0) return true;
      // The child has said what failed; unshare says so itself when the namespace cannot be made.
      if (child.exitCode !== 1) throw new Error(`the build in the user namespace ended with ${child.signal ?? `exit status ${child.exitCode}`}`);
      return false;
    });
  };
}
