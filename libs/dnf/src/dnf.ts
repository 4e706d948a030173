import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { makeOwnedDir } from '@strata/owner';
import { runSandboxed } from '@strata/sandbox';

/** A repository as dnf gets it: URLs already substituted and absolute. */
export interface RepositorySpec {
  id: string;
  baseurl?: string[];
  metalink?: string;
  mirrorlist?: string;
  gpgcheck?: boolean;
  gpgkey?: string[];
  priority?: number;
}

/** One package exactly as the repository metadata describes it. */
export interface ResolvedPackage {
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  sha256: string;
  size: number;
  installSize: number;
  repository: string;
  location: string;
}

export interface RepositoryRevision {
  id: string;
  revision: string | null;
}

interface CommonRequest {
  repositories: RepositorySpec[];
  releasever: string;
  basearch: string;
  weakDependencies?: boolean;
}

export interface ResolveRequest extends CommonRequest {
  /** Capabilities or package specs the layer asks for. */
  packages: string[];
  /** The base layer's locked packages: the solver must keep them exactly. */
  basePackages: ResolvedPackage[];
}

export interface InstallRequest extends CommonRequest {
  /** Root to install into; it may already hold a base layer with its rpm database. */
  installroot: string;
  packages: ResolvedPackage[];
  /** Packages (or package:%scriptlet) whose failing scriptlets only warn (recipe's allowScriptletFailures). */
  allowScriptletFailures?: string[];
  /** Host folders the install reads besides its repositories' own (the package store the local repositories link into). */
  readablePaths?: string[];
}

/** A scriptlet that failed during an install, as rpm reported it. */
export interface ScriptletFailure {
  package: string | null;
  scriptlet: string | null;
  output: string;
  message: string;
}

/** A failure reported by dnf, classified so callers can explain it. */
export class DnfError extends Error {
  constructor(
    readonly kind: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DnfError';
  }
}

const HELPER = join(__dirname, 'strata_dnf.py');
// The distribution's python has the dnf bindings; a python3 earlier on PATH may not.
const PYTHON = '/usr/bin/python3';

/**
 * Keys the sandbox can read without a network: file:// keys are made visible where they are,
 * http(s) keys are fetched first into the state folder.
 */
async function localKeys(repositories: RepositorySpec[], stateDir: string): Promise<{ repositories: RepositorySpec[]; paths: string[] }> {
  const paths: string[] = [];
  const out: RepositorySpec[] = [];
  for (const repo of repositories) {
    const keys: string[] = [];
    for (const [index, url] of (repo.gpgkey ?? []).entries()) {
      if (url.startsWith('file://')) {
        paths.push(fileURLToPath(url));
        keys.push(url);
        continue;
      }
      const file = join(stateDir, `key-${repo.id}-${index}.asc`);
      const answer = await fetch(url).catch((err: Error) => {
        throw new DnfError('gpgkey', `cannot read the gpgkey ${url} of repository ${repo.id}: ${err.message}`);
      });
      if (!answer.ok) throw new DnfError('gpgkey', `cannot read the gpgkey ${url} of repository ${repo.id}: HTTP ${answer.status}`);
      await writeFile(file, Buffer.from(await answer.arrayBuffer()));
      keys.push(pathToFileURL(file).href);
    }
    out.push(repo.gpgkey ? { ...repo, gpgkey: keys } : repo);
  }
  return { repositories: out, paths };
}

/** The folders of file:// baseurls: a local repository is read where it is. */
function repositoryPaths(repositories: RepositorySpec[]): string[] {
  return repositories.flatMap((repo) => (repo.baseurl ?? []).filter((url) => url.startsWith('file://')).map((url) => fileURLToPath(url)));
}

/**
 * Run the helper. An install works on an image root, so it runs in the sandbox (libs/sandbox):
 * its own mount, network and pid namespaces, the image root with /proc and /dev, strata's rpm
 * macros and nothing else of the host; scriptlets run there too.
 */
async function callHelper<T>(request: Record<string, unknown>, options: { verbose?: boolean; sandboxed?: boolean; readablePaths?: string[] } = {}): Promise<T> {
  // Named after this process, so a later build collects it if this one is killed.
  const stateDir = await makeOwnedDir(tmpdir(), 'strata-dnf-');
  try {
    const installroot = (request.installroot as string | undefined) ?? join(stateDir, 'root');
    let input: Record<string, unknown> = { ...request, installroot, stateDir, verbose: options.verbose === true };
    const run = { input: '', reject: false, stderr: options.verbose ? ('inherit' as const) : ('pipe' as const) };
    let result;
    if (options.sandboxed) {
      // The sandbox mounts the root where it is: it must exist first.
      await mkdir(installroot, { recursive: true });
      const keys = await localKeys(request.repositories as RepositorySpec[], stateDir);
      input = { ...input, repositories: keys.repositories };
      const readOnly = [dirname(HELPER), ...repositoryPaths(keys.repositories), ...keys.paths, ...(options.readablePaths ?? [])];
      const sourceDateEpoch = Number(process.env.SOURCE_DATE_EPOCH ?? 0) || 0;
      result = await runSandboxed({ imageRoot: installroot, readOnly, writable: [stateDir], sourceDateEpoch }, [PYTHON, HELPER], { ...run, input: JSON.stringify(input) });
    } else {
      result = await execa(PYTHON, [HELPER], { ...run, input: JSON.stringify(input), env: { LC_ALL: 'C.UTF-8' } });
    }
    let answer: { error?: { kind: string; message: string } & Record<string, unknown> } & Record<string, unknown>;
    try {
      answer = JSON.parse(String(result.stdout));
    } catch {
      throw new DnfError('helper', `the dnf helper failed (exit ${result.exitCode}): ${String(result.stderr ?? '').trim().split('\n').slice(-5).join('\n')}`);
    }
    if (answer.error) {
      const { kind, message, ...details } = answer.error;
      throw new DnfError(kind, message, details);
    }
    return answer as T;
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** Resolve a request with dnf's own solver, on top of the base layer's locked set. */
export function resolvePackages(request: ResolveRequest): Promise<{ packages: ResolvedPackage[]; repositories: RepositoryRevision[] }> {
  return callHelper({ command: 'resolve', ...request });
}

/** Install exactly the locked packages, fenced so that nothing else can come in. */
export function installLockedPackages(request: InstallRequest, options: { verbose?: boolean } = {}): Promise<{ installed: string[]; toleratedScriptletFailures: ScriptletFailure[] }> {
  const { readablePaths, ...rest } = request;
  return callHelper({ command: 'install', ...rest }, { ...options, sandboxed: true, readablePaths });
}

export interface DownloadRequest extends CommonRequest {
  /** Locked packages (nevra as the lock writes it). */
  packages: Pick<ResolvedPackage & { nevra: string }, 'name' | 'epoch' | 'version' | 'release' | 'arch' | 'nevra'>[];
  /** Where the files go, as <nevra>.rpm. */
  destDir: string;
}

/**
 * Download the packages the repositories' metadata still lists, through dnf (which reads metalinks
 * and mirror lists). Packages the metadata no longer lists are missing from the answer.
 */
export function downloadPackages(request: DownloadRequest): Promise<{ downloaded: Record<string, string> }> {
  return callHelper({ command: 'download', ...request });
}

/** The message for scriptlets that failed an install: package, scriptlet, output, and the way to tolerate it. */
export function scriptletFailureMessage(layer: string, recipeFile: string, failures: ScriptletFailure[]): string {
  const lines = failures.map((f) => {
    const what = f.package ? `the ${f.scriptlet} scriptlet of ${f.package} failed` : f.message;
    const output = f.output.trim() ? `\n    ${f.output.trim().split('\n').join('\n    ')}` : ' (it printed nothing)';
    return `${layer}: ${what}:${output}`;
  });
  const names = failures.filter((f) => f.package).map((f) => `"${f.package}:${f.scriptlet}"`);
  if (names.length > 0) lines.push(`  to build on regardless, list ${[...new Set(names)].join(', ')} under allowScriptletFailures in ${recipeFile}`);
  return lines.join('\n');
}
