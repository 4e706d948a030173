/**
 * A reader for the tar streams inside a .deb (ustar, GNU long names, pax headers), enough to
 * recreate every member exactly: type, permission bits, owner names, mtime, link target, data.
 */

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'directory' | 'char' | 'block' | 'fifo';

export interface TarEntry {
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
  /** File content (empty for everything but regular files). */
  data: Buffer;
}

const BLOCK = 512;

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'directory',
  '6': 'fifo',
};

function cString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

/** Octal, or GNU base-256 when the high bit of the first byte is set. */
function numeric(block: Buffer, start: number, length: number): number {
  const field = block.subarray(start, start + length);
  if (field[0]! & 0x80) {
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = cString(block, start, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function checksumOk(block: Buffer): boolean {
  const stored = numeric(block, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return sum === stored;
}

/** pax records: "LEN key=value\n" repeated. */
function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space < 0) break;
    const length = parseInt(data.subarray(offset, space).toString('ascii'), 10);
    if (!Number.isFinite(length) || length <= 0) throw new Error('corrupt pax header');
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    offset += length;
  }
  return records;
}

export function parseTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    if (!checksumOk(header)) throw new Error(`tar header checksum mismatch at offset ${offset}`);
    const size = numeric(header, 124, 12);
    const typeflag = String.fromCharCode(header[156]!);
    const dataStart = offset + BLOCK;
    const data = archive.subarray(dataStart, dataStart + size);
    if (data.length !== size) throw new Error('truncated tar archive');
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (typeflag === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    if (typeflag === 'K') {
      longLink = cString(data, 0, data.length);
      continue;
    }
    if (typeflag === 'x') {
      pax = parsePax(data);
      continue;
    }
    if (typeflag === 'g') continue;
    const type = TYPES[typeflag];
    if (!type) throw new Error(`unsupported tar member type "${typeflag}"`);

    const magic = header.subarray(257, 263).toString('latin1');
    const prefix = magic === 'ustar\0' ? cString(header, 345, 155) : '';
    const shortName = cString(header, 0, 100);
    const name = pax.get('path') ?? longName ?? (prefix ? `${prefix}/${shortName}` : shortName);
    const linkname = pax.get('linkpath') ?? longLink ?? cString(header, 157, 100);
    const mtime = pax.has('mtime') ? Math.floor(Number(pax.get('mtime'))) : numeric(header, 136, 12);
    entries.push({
      name,
      type,
      mode: numeric(header, 100, 8) & 0o7777,
      uid: pax.has('uid') ? Number(pax.get('uid')) : numeric(header, 108, 8),
      gid: pax.has('gid') ? Number(pax.get('gid')) : numeric(header, 116, 8),
      uname: pax.get('uname') ?? cString(header, 265, 32),
      gname: pax.get('gname') ?? cString(header, 297, 32),
      mtime,
      linkname,
      data: type === 'file' ? data : Buffer.alloc(0),
    });
    longName = undefined;
    longLink = undefined;
    pax = new Map();
  }
  return entries;
}
