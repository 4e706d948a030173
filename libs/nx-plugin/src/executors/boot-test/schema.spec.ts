import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOOT_VARIANT_NAMES } from '@strata/plan';

describe('boot-test schema', () => {
  it('offers exactly the boot variants of the plan as --root', () => {
    const schema = JSON.parse(readFileSync(join(__dirname, 'schema.json'), 'utf8'));
    expect(schema.properties.root.enum).toEqual(BOOT_VARIANT_NAMES);
  });
});
