/** One .deb -> one .rpm, and what the distribution-wide steps need to know about it. */
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, utimes } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Alternative } from './alternatives';
import { readDeb } from './deb-archive';
import { planPackage, type PackagePlan } from './package-plan';
import { type PayloadEntry } from './payload';
import { buildRpm } from './rpmbuild';
import { nevra } from './spec-file';

/** A payload entry reduced to what decides whether two packages may both ship its path. */
export interface EntrySummary {
  path: string;
  type: PayloadEntry['type'];
  mode: number;
  user: string;
  group: string;
  /** sha256 of the content, the symlink target, or the hard link's file. */
  content: string;
}

export interface BuiltPackage {
  name: string;
  nevra: string;
  /** File name inside the Packages folder. */
  rpmFile: string;
  sourceDateEpoch: number;
  entries: EntrySummary[];
  notes: string[];
  /** Files the distribution-wide steps read (sysusers.d, base-passwd's masters), by path. */
  files: Map<string, string>;
}

/** Files of a package the setup package is made from. */
export function isAccountSource(path: string): boolean {
  return /^\/usr\/lib\/sysusers\.d\/[^/]+\.conf$/.test(path) || /^\/usr\/share\/base-passwd\/(passwd|group)\.master$/.test(path);
}

function summarize(entry: PayloadEntry): EntrySummary {
  const content =
    entry.type === 'file'
      ? createHash('sha256').update(entry.data ?? Buffer.alloc(0)).digest('hex')
      : (entry.target ?? '');
  return { path: entry.path, type: entry.type, mode: entry.mode, user: entry.user, group: entry.group, content };
}

/** Builds `plan` in `workDir`, moves the RPM into `packagesDir` with its mtime set to the plan's date. */
export async function buildPlan(plan: PackagePlan, packagesDir: string, workDir: string): Promise<BuiltPackage> {
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  try {
    const rpm = await buildRpm({ plan, workDir });
    const target = join(packagesDir, basename(rpm));
    await rename(rpm, target);
    // createrepo_c stores the file's mtime in the metadata.
    await utimes(target, plan.sourceDateEpoch, plan.sourceDateEpoch);
    const files = new Map<string, string>();
    for (const e of plan.payload) if (e.type === 'file' && isAccountSource(e.path)) files.set(e.path, (e.data ?? Buffer.alloc(0)).toString('utf8'));
    return {
      name: plan.name,
      nevra: nevra(plan),
      rpmFile: basename(rpm),
      sourceDateEpoch: plan.sourceDateEpoch,
      entries: plan.payload.map(summarize),
      notes: plan.notes,
      files,
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

export interface ConvertRequest {
  deb: string;
  skeleton: ReadonlyMap<string, PayloadEntry>;
  alternatives: readonly Alternative[];
  packagesDir: string;
  workDir: string;
}

export async function convertDeb(request: ConvertRequest): Promise<BuiltPackage> {
  const plan = planPackage(await readDeb(request.deb), { skeleton: request.skeleton, alternatives: request.alternatives });
  return buildPlan(plan, request.packagesDir, request.workDir);
}
