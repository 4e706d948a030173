import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { peChecksum, readPeHeaders, setPeTimestamp } from './pe';
import { SYSTEMD_STUB } from './uki-plan';

describe('readPeHeaders', () => {
  const stub = readFileSync(SYSTEMD_STUB);

  it('reads systemd-stub\'s sections and where its image ends, as objdump does', () => {
    const headers = readPeHeaders(stub);
    const objdump = execFileSync('objdump', ['-h', SYSTEMD_STUB], { encoding: 'utf8' });
    for (const section of headers.sections) {
      expect(objdump).toMatch(new RegExp(`\\s${section.name.replace('.', '\\.')}\\s+${section.virtualSize.toString(16).padStart(8, '0')}\\s+${section.virtualAddress.toString(16).padStart(16, '0')}`));
    }
    expect(headers.sections.map((s) => s.name)).toEqual(expect.arrayContaining(['.text', '.sbat', '.sdmagic']));
    const objdumpP = execFileSync('objdump', ['-p', SYSTEMD_STUB], { encoding: 'utf8' });
    expect(objdumpP).toMatch(new RegExp(`SizeOfImage\\s+0*${headers.sizeOfImage.toString(16)}\\b`));
  });

  it('refuses what is not a 64-bit PE image', () => {
    expect(() => readPeHeaders(Buffer.from('#!/bin/sh\n'.padEnd(128, ' ')))).toThrow(/no MZ header/);
  });
});

describe('setPeTimestamp', () => {
  it('sets the timestamp and a checksum that matches the bytes, as objdump reads them', () => {
    const copy = Buffer.from(readFileSync(SYSTEMD_STUB));
    setPeTimestamp(copy, 1_700_000_000);
    const { timestampOffset, checksumOffset } = readPeHeaders(copy);
    expect(copy.readUInt32LE(timestampOffset)).toBe(1_700_000_000);
    expect(copy.readUInt32LE(checksumOffset)).toBe(peChecksum(copy, checksumOffset));
    const again = Buffer.from(copy);
    setPeTimestamp(again, 1_700_000_000);
    expect(again.equals(copy)).toBe(true);
  });
});
