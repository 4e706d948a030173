import { copyFile, open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** Nothing at that URL (404, a missing file): the next place is tried. */
export class NotThere extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotThere';
  }
}

// A package download that makes no progress for this long has failed; the next place is tried.
const STALL_MS = 60_000;

/** Fetch a file:// or http(s):// URL into `file`. Throws NotThere when there is nothing at the URL. */
export async function fetchUrl(url: string, file: string, headers: Record<string, string> = {}): Promise<void> {
  const parsed = new URL(url);
  if (parsed.protocol === 'file:') {
    await copyFile(fileURLToPath(parsed), file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new NotThere('no such file');
      throw err;
    });
    return;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`cannot fetch ${url}: only file://, http:// and https:// URLs are supported`);
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), STALL_MS);
  try {
    const response = await fetch(url, { headers, signal: controller.signal, redirect: 'follow' });
    if (response.status === 404 || response.status === 410) throw new NotThere(`HTTP ${response.status}`);
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    const out = await open(file, 'w');
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        clearTimeout(timer);
        timer = setTimeout(() => controller.abort(), STALL_MS);
        await out.write(chunk);
      }
    } finally {
      await out.close();
    }
  } catch (err) {
    if (controller.signal.aborted) throw new Error(`no data for ${STALL_MS / 1000} s`);
    if (err instanceof NotThere) throw err;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(cause?.code ?? cause?.message ?? (err as Error).message);
  } finally {
    clearTimeout(timer);
  }
}
