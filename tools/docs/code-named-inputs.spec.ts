import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nxJsonWithCodeInputs } from './code-named-inputs';

const ROOT = join(__dirname, '../..');

describe("nx.json's code inputs", () => {
  it('hold the code every executor runs now: run `npm run docs` after changing what a library imports', () => {
    expect(readFileSync(join(ROOT, 'nx.json'), 'utf8')).toBe(nxJsonWithCodeInputs(ROOT));
  });
});
