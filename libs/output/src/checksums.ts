/**
 * SHA256SUMS, the last file every output folder gets and the first thing read back from one:
 * written and checked here only, so that every output speaks one format (sha256sum -c reads it).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { compareBytewise } from '@strata/extension';

export const CHECKSUMS_FILE = 'SHA256SUMS';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Regular files below dir, relative, bytewise order. */
async function regularFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(join(dir, rel))).sort(compareBytewise)) {
    const path = rel ? `${rel}/${name}` : name;
    const st = await lstat(join(dir, path));
    if (st.isDirectory()) out.push(...(await regularFiles(dir, path)));
    else if (st.isFile()) out.push(path);
  }
  return out;
}

/** SHA256SUMS over every regular file below an output folder (a directory image's files too). */
export async function writeChecksums(dir: string): Promise<void> {
  const lines: string[] = [];
  for (const file of await regularFiles(dir)) if (file !== CHECKSUMS_FILE) lines.push(`${await sha256File(join(dir, file))}  ${file}`);
  await writeFile(join(dir, CHECKSUMS_FILE), `${lines.join('\n')}\n`);
}

/** SHA256SUMS text (as sha256sum writes it: "<hex>  <file>") -> file -> sha256; null when malformed. */
export function parseChecksums(text: string): Map<string, string> | null {
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match || isAbsolute(match[2]!) || match[2]!.split('/').includes('..')) return null;
    sums.set(match[2]!, match[1]!);
  }
  return sums.size > 0 ? sums : null;
}

/** The files of a folder that are missing or differ from the sums it was written with. */
export async function compareChecksums(dir: string, sums: ReadonlyMap<string, string>): Promise<{ missing: string[]; changed: string[] }> {
  const missing: string[] = [];
  const changed: string[] = [];
  for (const [file, sha256] of sums) {
    const actual = await sha256File(join(dir, file)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      return null;
    });
    if (actual === null) missing.push(file);
    else if (actual !== sha256) changed.push(file);
  }
  return { missing, changed };
}
