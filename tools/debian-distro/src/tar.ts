/**
 * A reader for the tar streams inside a .deb (ustar, GNU long names, pax headers), enough to
 * recreate every member exactly: type, permission bits, owner names, mtime, link target, data.
 * tar-stream parses; members come one at a time with their content as a stream, so an archive
 * never has to be in memory whole.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, type EntryType, type Headers } from 'tar-stream';

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'directory' | 'char' | 'block' | 'fifo';

/** A member's header, as the archive states it (pax records over the ustar fields). */
export interface TarHeader {
  /** The member name as stored ("./usr/bin/x"). */
  name: string;
  type: TarEntryType;
  /** Permission bits including setuid, setgid and sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Seconds since the epoch. */
  mtime: number;
  /** Symlink target, or the member a hard link refers to. */
  linkname: string;
}

/** A member while the archive is read: its content streams, chunk by chunk, once. */
export interface TarMember extends TarHeader {
  /** Content bytes (0 for everything but regular files). */
  size: number;
  /** What the reader does not consume before asking for the next member is skipped. */
  body: AsyncIterable<Buffer>;
}

/** A member read whole. */
export interface TarEntry extends TarHeader {
  /** File content (empty for everything but regular files). */
  data: Buffer;
}

/** An archive in memory, or its bytes as they arrive (a child's stdout, say). */
export type TarSource = Buffer | AsyncIterable<Buffer>;

const TYPES: Partial<Record<EntryType, TarEntryType>> = {
  file: 'file',
  'contiguous-file': 'file',
  link: 'hardlink',
  symlink: 'symlink',
  'character-device': 'char',
  'block-device': 'block',
  directory: 'directory',
  fifo: 'fifo',
};

function headerOf(headers: Headers): TarHeader {
  const type = headers.type === null ? undefined : TYPES[headers.type];
  if (!type) throw new Error(`unsupported tar member type ${JSON.stringify(headers.type)} (${headers.name})`);
  // tar-stream applies a pax header's path, linkpath and size; the other records are ours to apply.
  const pax = headers.pax ?? {};
  const number = (key: string, fallback: number): number => (pax[key] !== undefined ? Number(pax[key]) : fallback);
  return {
    name: headers.name,
    type,
    mode: headers.mode & 0o7777,
    uid: number('uid', headers.uid),
    gid: number('gid', headers.gid),
    uname: pax.uname ?? headers.uname,
    gname: pax.gname ?? headers.gname,
    mtime: Math.floor(number('mtime', headers.mtime.getTime() / 1000)),
    linkname: headers.linkname ?? '',
  };
}

/** The next event that may change what a member's stream can give: data, its end, or the archive failing. */
function nextEvent(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const event of ['readable', 'end', 'close']) stream.off(event, done);
      resolve();
    };
    for (const event of ['readable', 'end', 'close']) stream.on(event, done);
  });
}

/**
 * A member's content, read with read() rather than the stream's own iterator: leaving that
 * iterator early destroys the stream, and tar-stream then destroys the whole archive.
 */
async function* chunksOf(stream: Readable, state: { ended: boolean; closed: boolean }, failed: () => Promise<never>): AsyncGenerator<Buffer> {
  for (;;) {
    const chunk = stream.read() as Buffer | null;
    if (chunk !== null) {
      yield chunk;
      continue;
    }
    if (state.ended) return;
    if (state.closed) await failed();
    await nextEvent(stream);
  }
}

/** The members of a tar archive, one at a time, each with its content as a stream. */
export async function* readTar(source: TarSource): AsyncGenerator<TarMember> {
  const parser = extract({ allowUnknownFormat: true });
  const pending: { headers: Headers; stream: Readable; next: () => void }[] = [];
  let failure: Error | undefined;
  let done = false;
  let wake: (() => void) | undefined;
  const signal = (): void => {
    wake?.();
    wake = undefined;
  };
  parser.on('entry', (headers, stream, next) => {
    pending.push({ headers, stream, next });
    signal();
  });
  // tar-stream may report one failure more than once; the first is the one that counts.
  parser.on('error', (err: Error) => {
    failure ??= err;
  });
  const settled = pipeline(Buffer.isBuffer(source) ? [source] : source, parser).then(
    () => {
      done = true;
      signal();
    },
    (err: Error) => {
      failure ??= err;
      done = true;
      signal();
    },
  );
  const failed = async (): Promise<never> => {
    await settled;
    throw new Error(`unreadable tar archive: ${failure?.message ?? 'a member ended early'}`);
  };
  try {
    for (;;) {
      while (pending.length === 0 && !done) await new Promise<void>((resolve) => (wake = resolve));
      if (failure) await failed();
      const entry = pending.shift();
      if (!entry) return;
      const state = { ended: false, closed: false };
      entry.stream.once('end', () => (state.ended = true));
      entry.stream.once('close', () => (state.closed = true));
      const body = chunksOf(entry.stream, state, failed);
      yield { ...headerOf(entry.headers), size: entry.headers.size, body };
      for await (const chunk of body) void chunk;
      entry.next();
    }
  } finally {
    // A reader that stops early stops the archive too (and, through the pipeline, its source).
    if (!done) parser.destroy();
    await settled;
  }
}

/** Every member of a tar archive with its content; for archives whose files are all wanted. */
export async function parseTar(source: TarSource): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  for await (const { size: _size, body, ...header } of readTar(source)) {
    const chunks: Buffer[] = [];
    for await (const chunk of body) if (header.type === 'file') chunks.push(chunk);
    entries.push({ ...header, data: Buffer.concat(chunks) });
  }
  return entries;
}
