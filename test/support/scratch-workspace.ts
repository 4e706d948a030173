import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type Result } from 'execa';
import { inject } from 'vitest';

/** What a command printed (stdout and stderr interleaved) and how it ended. */
export interface CommandOutput {
  exitCode: number;
  all: string;
}

export const REPO_ROOT = resolve(__dirname, '../..');

/** A throw-away copy of this repository (tracked files plus work in progress), as its own git repo. */
export interface ScratchWorkspace {
  root: string;
  /** Run nx in the workspace; `wrap` goes before it (for example ['unshare', '--net', '--']). */
  nx(args: string[], env?: Record<string, string>, wrap?: string[]): Promise<CommandOutput>;
  /** Any command in the workspace, with the environment nx gets (a script of tools/ci, say). */
  run(command: string, args: string[], env?: Record<string, string>): Promise<CommandOutput>;
  /** This workspace's own package store (STRATA_PACKAGE_STORE of its nx runs, unless overridden). */
  packageStore: string;
  git(args: string[]): Promise<Result>;
  commitAll(message: string): Promise<void>;
  dispose(): Promise<void>;
}

const NX_ENV = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_SKIP_NX_CACHE: '', CI: 'true', FORCE_COLOR: '0' };

export interface ScratchOptions {
  /** Added to the environment of every command (the shared cache's client settings, say). */
  env?: Record<string, string>;
}

export async function createScratchWorkspace(prefix = 'strata-ws-', options: ScratchOptions = {}): Promise<ScratchWorkspace> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const { stdout } = await execa('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO_ROOT });
  for (const file of stdout.split('\0').filter(Boolean)) {
    await cp(join(REPO_ROOT, file), join(root, file), { recursive: true, verbatimSymlinks: true }).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      await rm(join(root, file), { force: true });
    });
  }
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  const git = (args: string[]): Promise<Result> => execa('git', ['-c', 'user.name=strata-test', '-c', 'user.email=test@strata.invalid', ...args], { cwd: root });
  await git(['init', '-q', '-b', 'main']);
  const workspace: ScratchWorkspace = {
    root,
    git,
    packageStore: `${root}-package-store`,
    nx: async (args, env = {}, wrap = []) => {
      const nx = join(REPO_ROOT, 'node_modules/.bin/nx');
      const [command, ...rest] = [...wrap, nx, ...args];
      const result = await execa(command, rest, { cwd: root, env: { ...NX_ENV, STRATA_PACKAGE_STORE: `${root}-package-store`, ...options.env, ...env }, reject: false, all: true });
      return { exitCode: result.exitCode ?? -1, all: String(result.all ?? '') };
    },
    run: async (command, args, env = {}) => {
      const result = await execa(command, args, { cwd: root, env: { ...NX_ENV, STRATA_PACKAGE_STORE: `${root}-package-store`, ...options.env, ...env }, reject: false, all: true });
      return { exitCode: result.exitCode ?? -1, all: String(result.all ?? '') };
    },
    commitAll: async (message) => {
      await git(['add', '-A']);
      await git(['commit', '-q', '--allow-empty', '-m', message]);
    },
    dispose: async () => {
      await rm(root, { recursive: true, force: true });
      await rm(`${root}-package-store`, { recursive: true, force: true });
    },
  };
  await workspace.commitAll('scratch copy');
  return workspace;
}

/**
 * A scratch workspace whose Nx runs also use the test run's shared cache server (see
 * shared-cache.ts): for files that boot or sign images and do not count which tasks ran.
 */
export function createScratchWorkspaceOnSharedCache(): Promise<ScratchWorkspace> {
  return createScratchWorkspace('strata-ws-', { env: inject('sharedCache') });
}

/**
 * A copy of a recipe under a new name with YAML appended to it. Its lock is the original's with
 * the name changed, so the appended keys must be ones that do not change what is locked.
 */
export async function copyRecipe(ws: ScratchWorkspace, from: string, to: string, appendYaml: string): Promise<void> {
  await cp(join(ws.root, 'recipes', from), join(ws.root, 'recipes', to), { recursive: true });
  const recipe = join(ws.root, 'recipes', to, 'recipe.yaml');
  await writeFile(recipe, `${await readFile(recipe, 'utf8')}${appendYaml}`);
  const lock = join(ws.root, 'recipes', to, 'packages.lock.json');
  await writeFile(lock, (await readFile(lock, 'utf8')).replace(`"recipe": "${from}"`, `"recipe": "${to}"`));
}
