import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, suggest } from './suggest';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['packages', 'pakages', 1],
    ['packages', 'pakcages', 1],
    ['base', 'bsae', 1],
    ['release', 'releases', 1],
    ['abc', 'xyz', 3],
  ])('%j -> %j = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('suggest', () => {
  const keys = ['kind', 'description', 'base', 'release', 'repositories', 'packages', 'weakDependencies', 'removePackages', 'removeFiles', 'files', 'init', 'kernel', 'output', 'extension'];

  it('finds the intended key of a typo', () => {
    expect(suggest('pakages', keys)).toBe('packages');
    expect(suggest('knd', keys)).toBe('kind');
    expect(suggest('repositores', keys)).toBe('repositories');
    expect(suggest('removefiles', keys)).toBe('removeFiles');
    expect(suggest('remove-packages', keys)).toBe('removePackages');
    expect(suggest('Kernel', keys)).toBe('kernel');
  });

  it('suggests nothing when nothing is close', () => {
    expect(suggest('url', keys)).toBeUndefined();
    expect(suggest('modules', keys)).toBeUndefined();
    expect(suggest('xyz', [])).toBeUndefined();
  });

  it('allows more edits in longer words: 1 up to 4 characters, 2 up to 8, then 3', () => {
    expect(suggest('kd', ['kind'])).toBeUndefined();
    expect(suggest('kid', ['kind'])).toBe('kind');
    expect(suggest('outptt', ['output'])).toBe('output');
    expect(suggest('depsweak', ['weakdeps'])).toBeUndefined();
    expect(suggest('wakDepndncies', ['weakDependencies'])).toBe('weakDependencies');
    expect(suggest('pkgs', ['packages'])).toBeUndefined();
    expect(suggest('pakages', ['packages'], 0)).toBeUndefined();
  });

  it('prefers the closest candidate, then the first listed', () => {
    expect(suggest('initrdd', ['initrd', 'initrds'])).toBe('initrd');
    expect(suggest('ab', ['ac', 'ad'])).toBe('ac');
    expect(suggest('file', ['files', 'init'])).toBe('files');
  });

  it('never suggests the word itself', () => {
    expect(suggest('kind', ['kind'])).toBeUndefined();
  });

  it('formats the hint', () => {
    expect(didYouMean('pakages', keys)).toBe('did you mean "packages"?');
    expect(didYouMean('zzz', keys)).toBeUndefined();
  });
});
