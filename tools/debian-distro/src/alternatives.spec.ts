import { describe, expect, it } from 'vitest';
import { chooseAlternatives, parseAlternatives } from './alternatives';

const MAWK_POSTINST = `#! /bin/sh
set -e
if [ "$1" = "configure" ]; then
        update-alternatives --install /usr/bin/awk awk /usr/bin/mawk 5 \\
            --slave /usr/share/man/man1/awk.1.gz awk.1.gz /usr/share/man/man1/mawk.1.gz \\
            --slave /usr/bin/nawk nawk /usr/bin/mawk \\
            --slave /usr/share/man/man1/nawk.1.gz nawk.1.gz /usr/share/man/man1/mawk.1.gz
fi
`;

describe('update-alternatives calls in postinst', () => {
  it('reads the master link and its slaves across continuation lines', () => {
    const { alternatives, skipped } = parseAlternatives(MAWK_POSTINST);
    expect(skipped).toEqual([]);
    expect(alternatives).toEqual([
      {
        link: '/usr/bin/awk',
        name: 'awk',
        path: '/usr/bin/mawk',
        priority: 5,
        slaves: [
          { link: '/usr/share/man/man1/awk.1.gz', name: 'awk.1.gz', path: '/usr/share/man/man1/mawk.1.gz' },
          { link: '/usr/bin/nawk', name: 'nawk', path: '/usr/bin/mawk' },
          { link: '/usr/share/man/man1/nawk.1.gz', name: 'nawk.1.gz', path: '/usr/share/man/man1/mawk.1.gz' },
        ],
      },
    ]);
  });

  it('stops at the end of the shell command and skips what needs variables', () => {
    const script = [
      'update-alternatives --install \\',
      '    /usr/share/man/man7/builtins.7.gz \\',
      '    builtins.7.gz \\',
      '    /usr/share/man/man7/bash-builtins.7.gz \\',
      '    10 \\',
      '  || true',
      'update-alternatives --quiet --install /usr/bin/pager pager /bin/more 50 >/dev/null',
      'update-alternatives --install /usr/bin/x x /usr/bin/$impl 10',
      'update-alternatives --remove awk /usr/bin/mawk',
    ].join('\n');
    const { alternatives, skipped } = parseAlternatives(script);
    expect(alternatives.map((a) => [a.name, a.link, a.path, a.priority, a.slaves.length])).toEqual([
      ['builtins.7.gz', '/usr/share/man/man7/builtins.7.gz', '/usr/share/man/man7/bash-builtins.7.gz', 10, 0],
      ['pager', '/usr/bin/pager', '/bin/more', 50, 0],
    ]);
    expect(skipped).toEqual(['update-alternatives --install /usr/bin/x x /usr/bin/$impl 10']);
  });

  it('picks the highest priority, then the smaller package name', () => {
    const alt = (name: string, priority: number) => ({ name, link: `/usr/bin/${name}`, path: `/usr/bin/${name}.x`, priority, slaves: [] });
    const chosen = chooseAlternatives([
      { packageName: 'mawk', alternative: alt('awk', 5) },
      { packageName: 'gawk', alternative: alt('awk', 10) },
      { packageName: 'zpager', alternative: alt('pager', 50) },
      { packageName: 'apager', alternative: alt('pager', 50) },
    ]);
    expect(chosen.get('awk')!.packageName).toBe('gawk');
    expect(chosen.get('pager')!.packageName).toBe('apager');
  });
});
