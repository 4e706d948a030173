/**
 * How a UKI is laid out, as systemd-stub 252 documents it (man systemd-stub): the stub, then one
 * PE section per part, each at its own page-aligned address after the stub's image, the kernel
 * last. Debian 12 has no ukify, so binutils' objcopy adds the sections; this is the pure plan.
 */
export const SYSTEMD_STUB = '/usr/lib/systemd/boot/efi/linuxx64.efi.stub';

/** The sections strata adds, in order. The stub's own .sbat (systemd's SBAT entry) stays as it is. */
export const UKI_SECTIONS = ['.osrel', '.cmdline', '.uname', '.initrd', '.linux'] as const;
export type UkiSection = (typeof UKI_SECTIONS)[number];

export interface UkiPart {
  section: UkiSection;
  /** The file objcopy reads the section's bytes from. */
  file: string;
  size: number;
}

export interface PlacedPart extends UkiPart {
  /** Where the section is loaded, relative to the image base (the stub's base is 0). */
  address: number;
}

/** Sections start on page boundaries: the kernel and initrd are handed on from where they are loaded. */
export const SECTION_ALIGNMENT = 4096;

const alignUp = (value: number, alignment: number): number => Math.ceil(value / alignment) * alignment;

/** Each part at the next aligned address after the stub's image, in the order of UKI_SECTIONS. */
export function placeSections(stubSizeOfImage: number, parts: readonly UkiPart[]): PlacedPart[] {
  const bySection = new Map(parts.map((part) => [part.section, part]));
  for (const part of parts) if (!UKI_SECTIONS.includes(part.section)) throw new Error(`${part.section} is not a UKI section strata writes`);
  if (bySection.size !== parts.length) throw new Error('a UKI section is given twice');
  for (const needed of ['.linux', '.initrd'] as const) if (!bySection.has(needed)) throw new Error(`a UKI needs a ${needed} section`);
  let address = alignUp(stubSizeOfImage, SECTION_ALIGNMENT);
  const placed: PlacedPart[] = [];
  for (const section of UKI_SECTIONS) {
    const part = bySection.get(section);
    if (!part) continue;
    placed.push({ ...part, address });
    address = alignUp(address + Math.max(part.size, 1), SECTION_ALIGNMENT);
  }
  return placed;
}

/** objcopy's arguments: add every section at its address, from the stub to the output. */
export function objcopyArguments(stub: string, placed: readonly PlacedPart[], output: string): string[] {
  return [
    ...placed.flatMap((part) => ['--add-section', `${part.section}=${part.file}`, '--change-section-vma', `${part.section}=0x${part.address.toString(16)}`]),
    stub,
    output,
  ];
}

/** The kernel command line as the stub reads it: one line, no trailing newline. */
export function normalizeCmdline(cmdline: string): string {
  return cmdline.trim().split(/\s+/).filter(Boolean).join(' ');
}
