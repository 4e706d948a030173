/**
 * The few facts of a PE/COFF image (an EFI program) that assembling a UKI needs, read from its
 * headers: where the image ends in memory (new sections go after it), its alignment, its
 * sections, and the two header fields a reproducible image must set (timestamp, checksum).
 */
export interface PeSection {
  name: string;
  virtualAddress: number;
  virtualSize: number;
  rawSize: number;
  /** Where the section's bytes are in the file. */
  rawOffset: number;
}

export interface PeHeaders {
  /** File offsets of the COFF TimeDateStamp and the optional header's CheckSum. */
  timestampOffset: number;
  checksumOffset: number;
  sectionAlignment: number;
  fileAlignment: number;
  sizeOfImage: number;
  sections: PeSection[];
}

const PE32_PLUS = 0x20b;

export function readPeHeaders(image: Buffer): PeHeaders {
  if (image.length < 0x40 || image.toString('latin1', 0, 2) !== 'MZ') throw new Error('not a PE image: no MZ header');
  const pe = image.readUInt32LE(0x3c);
  if (pe + 24 > image.length || image.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error('not a PE image: no PE signature');
  const sectionCount = image.readUInt16LE(pe + 6);
  const optionalSize = image.readUInt16LE(pe + 20);
  const optional = pe + 24;
  if (image.readUInt16LE(optional) !== PE32_PLUS) throw new Error('not a 64-bit PE image (PE32+)');
  const table = optional + optionalSize;
  const sections: PeSection[] = [];
  for (let i = 0; i < sectionCount; i++) {
    const at = table + i * 40;
    sections.push({
      name: image.toString('latin1', at, at + 8).replace(/\0+$/, ''),
      virtualSize: image.readUInt32LE(at + 8),
      virtualAddress: image.readUInt32LE(at + 12),
      rawSize: image.readUInt32LE(at + 16),
      rawOffset: image.readUInt32LE(at + 20),
    });
  }
  return {
    timestampOffset: pe + 8,
    checksumOffset: optional + 64,
    sectionAlignment: image.readUInt32LE(optional + 32),
    fileAlignment: image.readUInt32LE(optional + 36),
    sizeOfImage: image.readUInt32LE(optional + 56),
    sections,
  };
}

/** The PE checksum: 16-bit one's-complement-style sum of the file without its checksum field, plus the length. */
export function peChecksum(image: Buffer, checksumOffset: number): number {
  let sum = 0;
  for (let i = 0; i < image.length; i += 2) {
    if (i === checksumOffset || i === checksumOffset + 2) continue;
    const word = i + 1 < image.length ? image.readUInt16LE(i) : image[i];
    sum += word;
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return (sum + image.length) >>> 0;
}

/**
 * objcopy stamps the time it ran into the COFF header: set a fixed timestamp instead (the
 * build's SOURCE_DATE_EPOCH), and the checksum that goes with the new bytes. Changes the buffer.
 */
export function setPeTimestamp(image: Buffer, epochSeconds: number): void {
  const { timestampOffset, checksumOffset } = readPeHeaders(image);
  image.writeUInt32LE(epochSeconds >>> 0, timestampOffset);
  image.writeUInt32LE(peChecksum(image, checksumOffset), checksumOffset);
}
