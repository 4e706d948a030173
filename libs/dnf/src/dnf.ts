import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { makeOwnedDir } from '@strata/owner';

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

async function callHelper<T>(request: Record<string, unknown>, options: { verbose?: boolean } = {}): Promise<T> {
  // Named after this process, so a later build collects it if this one is killed.
  const stateDir = await makeOwnedDir(tmpdir(), 'strata-dnf-');
  try {
    const installroot = (request.installroot as string | undefined) ?? join(stateDir, 'root');
    const result = await execa(PYTHON, [HELPER], {
      input: JSON.stringify({ ...request, installroot, stateDir, verbose: options.verbose === true }),
      reject: false,
      stderr: options.verbose ? 'inherit' : 'pipe',
      env: { LC_ALL: 'C.UTF-8' },
    });
    let answer: { error?: { kind: string; message: string } & Record<string, unknown> } & Record<string, unknown>;
    try {
      answer = JSON.parse(result.stdout);
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
export function installLockedPackages(request: InstallRequest, options: { verbose?: boolean } = {}): Promise<{ installed: string[] }> {
  return callHelper({ command: 'install', ...request }, options);
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
