/**
 * Globs for removeFiles, matched against paths relative to the image root ("usr/share/doc/x").
 * `**` spans directories, `*` and `?` stay within one name, `[...]` is a character class.
 * A pattern that matches a directory removes it with everything below it.
 */
export function globToRegExp(pattern: string): RegExp {
  const source = pattern.replace(/^\/+/, '');
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '*' && source[i + 1] === '*') {
      const slashAfter = source[i + 2] === '/';
      out += slashAfter ? '(?:.*/)?' : '.*';
      i += slashAfter ? 2 : 1;
    } else if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const end = source.indexOf(']', i + 1);
      if (end < 0) {
        out += '\\[';
      } else {
        out += `[${source.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else {
      out += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${out}$`);
}

export function matchesAny(path: string, patterns: readonly RegExp[]): boolean {
  return patterns.some((re) => re.test(path));
}
