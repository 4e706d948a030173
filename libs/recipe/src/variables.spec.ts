import { describe, expect, it } from 'vitest';
import { findVariables, substituteVariables, VariableError } from './variables';

const values = { releasever: '40', basearch: 'x86_64' };

describe('substituteVariables', () => {
  it('replaces $releasever and $basearch, bare or in braces', () => {
    expect(substituteVariables('https://dl.example/$releasever/Everything/$basearch/os/', values)).toBe('https://dl.example/40/Everything/x86_64/os/');
    expect(substituteVariables('https://dl.example/f${releasever}-${basearch}/', values)).toBe('https://dl.example/f40-x86_64/');
    expect(substituteVariables('repo=fedora-$releasever&arch=$basearch', values)).toBe('repo=fedora-40&arch=x86_64');
    expect(substituteVariables('$basearch$releasever', values)).toBe('x86_6440');
  });

  it('leaves text without variables, and a lone "$", as it is', () => {
    expect(substituteVariables('https://dl.example/os/', values)).toBe('https://dl.example/os/');
    expect(substituteVariables('price: 5 $ /month$', values)).toBe('price: 5 $ /month$');
  });

  it('a bare name runs to the first character that cannot be part of it', () => {
    expect(() => substituteVariables('$releasever_x', values)).toThrow('unknown variable "$releasever_x"');
    expect(substituteVariables('${releasever}_x', values)).toBe('40_x');
  });

  it('an unknown variable is an error naming it (and the repository)', () => {
    expect(() => substituteVariables('https://x/$arch/', values, 'fedora')).toThrow(
      new VariableError('unknown variable "$arch" in repository "fedora" ("https://x/$arch/"); known variables: $releasever, $basearch', 'arch', 10),
    );
    try {
      substituteVariables('https://x/${contentdir}/', values);
    } catch (err) {
      expect(err).toBeInstanceOf(VariableError);
      expect((err as VariableError).variable).toBe('contentdir');
      expect((err as VariableError).message).toBe('unknown variable "$contentdir" ("https://x/${contentdir}/"); known variables: $releasever, $basearch');
    }
  });

  it('a known variable without a value is an error too', () => {
    expect(() => substituteVariables('https://x/$releasever/', { basearch: 'x86_64' }, 'fedora')).toThrow('no value for "$releasever" in repository "fedora" ("https://x/$releasever/")');
  });

  it('rejects an unterminated or empty ${...}', () => {
    expect(() => substituteVariables('https://x/${basearch', values)).toThrow('"${" without its closing "}" in "https://x/${basearch"');
    expect(() => substituteVariables('https://x/${}', values)).toThrow('invalid variable name "${}" in "https://x/${}"');
  });
});

describe('findVariables', () => {
  it('lists references with their place', () => {
    expect(findVariables('a$releasever/${basearch}')).toEqual([
      { name: 'releasever', index: 1, length: 11 },
      { name: 'basearch', index: 13, length: 11 },
    ]);
  });
});
