import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Resolve @strata/* the same way TypeScript does: tsconfig.base.json is the single list of libraries.
const { compilerOptions } = JSON.parse(readFileSync(resolve(__dirname, 'tsconfig.base.json'), 'utf8'));
const alias = Object.fromEntries(
  Object.entries(compilerOptions.paths as Record<string, string[]>).map(([name, [target]]) => [name, resolve(__dirname, target)]),
);

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['libs/*/src/**/*.spec.ts', 'tools/**/*.spec.ts', 'test/**/*.spec.ts'],
    exclude: ['**/node_modules/**', 'dist/**', '.nx/**'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
