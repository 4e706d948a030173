import { describe, expect, it } from 'vitest';
import { foldedField, parseConffiles, parseControl, parseControlParagraphs, parseDescription, requiredField } from './control';

const CONTROL = `Package: mawk
Version: 1.3.4.20200120-3.1
Architecture: amd64
Multi-Arch: foreign
Pre-Depends: libc6 (>= 2.34)
Depends: foo,
 bar (>= 1)
Provides: awk
Description: Pattern scanning and text processing language
 Mawk is an interpreter for the AWK Programming Language.
 .
 The AWK language is useful for manipulation of data files.
`;

describe('control files', () => {
  it('reads fields case-insensitively with continuation lines', () => {
    const control = parseControl(CONTROL);
    expect(requiredField(control, 'package')).toBe('mawk');
    expect(requiredField(control, 'VERSION')).toBe('1.3.4.20200120-3.1');
    expect(foldedField(control, 'Depends')).toBe('foo, bar (>= 1)');
    expect(foldedField(control, 'Recommends')).toBe('');
    expect(() => requiredField(control, 'Essential')).toThrow(/without Essential/);
  });

  it('splits the description into synopsis and body, " ." lines being empty lines', () => {
    const description = parseDescription(parseControl(CONTROL).get('description'));
    expect(description.summary).toBe('Pattern scanning and text processing language');
    expect(description.body).toBe('Mawk is an interpreter for the AWK Programming Language.\n\nThe AWK language is useful for manipulation of data files.');
    expect(parseDescription(undefined)).toEqual({ summary: '', body: '' });
  });

  it('reads several paragraphs (deb822 sources, Packages indexes) and refuses malformed ones', () => {
    const paragraphs = parseControlParagraphs('Types: deb\nURIs: http://a/debian\n\n# comment\nTypes: deb-src\nURIs: http://b\n');
    expect(paragraphs.map((p) => p.get('types'))).toEqual(['deb', 'deb-src']);
    expect(() => parseControl('a: 1\n\nb: 2\n')).toThrow(/exactly one paragraph/);
    expect(() => parseControl(' continuation\n')).toThrow(/continuation without a field/);
    expect(() => parseControl('no colon here\n')).toThrow(/expected "Field: value"/);
    expect(() => parseControl('a: 1\nA: 2\n')).toThrow(/given twice/);
  });

  it('reads conffiles, skipping those flagged remove-on-upgrade', () => {
    expect(parseConffiles('/etc/a\n/etc/b c\nremove-on-upgrade /etc/old\n\n')).toEqual(['/etc/a', '/etc/b c']);
  });
});
