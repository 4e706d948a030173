/**
 * Reading one side of a diff from disk: a manifest.json, or an image file (with the manifest
 * beside it, when there is one, for the package list).
 */
import { readFile, access } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { DiffSide } from './diff';
import { listImage } from './read-image';

interface ManifestLike {
  recipe?: string;
  image?: string;
  compressedSize?: number;
  packages?: { nevra: string; installSize: number }[];
}

async function readManifest(path: string): Promise<ManifestLike> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: not a readable manifest (${(err as Error).message})`);
  }
  const manifest = value as ManifestLike;
  if (!manifest || typeof manifest !== 'object' || !Array.isArray(manifest.packages)) throw new Error(`${path}: not a strata manifest (no "packages" list)`);
  return manifest;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** A manifest.json gives packages; an image gives entries, and packages from the manifest beside it. */
export async function loadDiffSide(path: string): Promise<DiffSide> {
  if (path.endsWith('.json')) {
    const manifest = await readManifest(path);
    return { label: path, packages: manifest.packages, ...(manifest.compressedSize !== undefined ? { compressedSize: manifest.compressedSize } : {}) };
  }
  const listing = await listImage(path);
  const beside = join(dirname(path), 'manifest.json');
  const manifest = (await exists(beside)) ? await readManifest(beside) : undefined;
  const matches = manifest && (manifest.image === undefined || manifest.image === basename(path));
  return {
    label: path,
    entries: listing.entries,
    compressedSize: listing.fileSize,
    ...(matches && manifest?.packages ? { packages: manifest.packages } : {}),
  };
}
