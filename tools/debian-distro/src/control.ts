/**
 * Debian control data (deb822): paragraphs of "Field: value" lines, continuation lines start
 * with a space or tab. Field names are case-insensitive.
 */

export type ControlParagraph = ReadonlyMap<string, string>;

/** Parses every paragraph of a deb822 text; keys are lower-cased, values keep their continuation lines. */
export function parseControlParagraphs(text: string): ControlParagraph[] {
  const paragraphs: Map<string, string>[] = [];
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') {
      current = undefined;
      lastKey = undefined;
      return;
    }
    if (line.startsWith('#')) return;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!current || lastKey === undefined) throw new Error(`control line ${index + 1}: continuation without a field`);
      current.set(lastKey, `${current.get(lastKey)}\n${line}`);
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`control line ${index + 1}: expected "Field: value", got "${line}"`);
    const key = line.slice(0, colon).trim().toLowerCase();
    if (!current) {
      current = new Map();
      paragraphs.push(current);
    }
    if (current.has(key)) throw new Error(`control line ${index + 1}: field "${key}" given twice`);
    current.set(key, line.slice(colon + 1).trim());
    lastKey = key;
  });
  return paragraphs;
}

/** The single paragraph of a binary package's control file. */
export function parseControl(text: string): ControlParagraph {
  const paragraphs = parseControlParagraphs(text);
  if (paragraphs.length !== 1) throw new Error(`a control file has exactly one paragraph, found ${paragraphs.length}`);
  return paragraphs[0]!;
}

export function requiredField(control: ControlParagraph, field: string): string {
  const value = control.get(field.toLowerCase());
  if (value === undefined || value === '') throw new Error(`control file without ${field}`);
  return value;
}

/** A field whose continuation lines are only line folding (Depends, Provides, ...): one line. */
export function foldedField(control: ControlParagraph, field: string): string {
  return (control.get(field.toLowerCase()) ?? '').replace(/\s*\n\s*/g, ' ').trim();
}

export interface Description {
  summary: string;
  /** The extended description as plain text: paragraphs separated by empty lines. */
  body: string;
}

/** Splits Description into its synopsis and extended text (" ." lines are empty lines). */
export function parseDescription(value: string | undefined): Description {
  const [first = '', ...rest] = (value ?? '').split('\n');
  const body = rest
    .map((line) => line.replace(/^[ \t]/, ''))
    .map((line) => (line.trim() === '.' ? '' : line.replace(/\s+$/, '')))
    .join('\n')
    .trim();
  return { summary: first.trim(), body };
}

/** conffiles: one absolute path per line, optionally preceded by a flag (remove-on-upgrade). */
export function parseConffiles(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .flatMap((line) => {
      if (line.startsWith('/')) return [line];
      const space = line.indexOf(' ');
      const flag = space < 0 ? line : line.slice(0, space);
      // A conffile to remove on upgrade is not shipped any more.
      if (flag === 'remove-on-upgrade') return [];
      return space < 0 ? [] : [line.slice(space + 1).trim()];
    });
}
