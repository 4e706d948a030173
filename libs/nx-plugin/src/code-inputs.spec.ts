import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CreateNodesContextV2, CreateNodesResult, NxJsonConfiguration } from '@nx/devkit';
import { codeClosure } from '@strata/plan';
import { executorClosure, workspaceCodeBase } from './code-inputs';
import { createNodes } from './index';
import { findRecipeFiles } from './workspace';

const ROOT = resolve(__dirname, '../../..');

describe('the code in the keys', () => {
  it('an image layer is keyed on the code that builds it, and not on the boot harness', () => {
    const image = executorClosure(ROOT, 'image');
    expect(image.libraries).toEqual(expect.arrayContaining(['@strata/layer', '@strata/image-tree', '@strata/cpio', '@strata/dnf', '@strata/sandbox']));
    expect(image.libraries).not.toContain('@strata/boot');
    expect(image.files).toContain('libs/nx-plugin/src/image-root-entry.ts');
    expect(image.files.filter((f) => f.includes('/executors/'))).toEqual(['libs/nx-plugin/src/executors/image/executor.ts', 'libs/nx-plugin/src/executors/image/schema.json']);
    expect(executorClosure(ROOT, 'boot-test').libraries).toContain('@strata/boot');
  });

  // Their targets are written in project.json, so a test keeps them up to date with their code.
  it.each(['fixture-repo', 'debian-distro'])("the %s repository's build is keyed on every library its command runs", (project) => {
    const config = JSON.parse(readFileSync(join(ROOT, 'tools', project, 'project.json'), 'utf8')) as { implicitDependencies: string[]; targets: { build: { inputs: unknown[]; options: { command: string } } } };
    const entry = /tools\/\S+\.ts/.exec(config.targets.build.options.command)?.[0] as string;
    const code = workspaceCodeBase(ROOT);
    const libraries = new Map([...code.libraries, [`tools/${project}`, `tools/${project}`]]);
    const { libraries: runs } = codeClosure(entry, { ...code, libraries });
    expect(config.targets.build.inputs, `tools/${project}/project.json: list these libraries in its build's source input`).toContainEqual({ input: 'source', projects: runs });
    // And depends on them, so that `nx affected` takes it when they change.
    expect(config.implicitDependencies, `tools/${project}/project.json: list these libraries in implicitDependencies`).toEqual(runs);
  });
});

describe("the targets' code inputs", () => {
  const nxJson = JSON.parse(readFileSync(join(ROOT, 'nx.json'), 'utf8')) as Omit<NxJsonConfiguration, 'namedInputs'> & { namedInputs: Record<string, unknown[]> };
  const imageInputs = async (namedInputs: Record<string, unknown[]>): Promise<unknown[]> => {
    const results = (await createNodes[1](findRecipeFiles(ROOT), {}, { workspaceRoot: ROOT, nxJsonConfiguration: { ...nxJson, namedInputs } } as CreateNodesContextV2)) as [string, CreateNodesResult][];
    const [, result] = results.find(([file]) => file === 'recipes/initrd-server/recipe.yaml') as [string, CreateNodesResult];
    return Object.values(result.projects ?? {})[0]?.targets?.image?.inputs ?? [];
  };

  it("name nx.json's input while it matches the code, and list its patterns when it does not", async () => {
    expect(await imageInputs(nxJson.namedInputs)).toContain('strata-code-image');
    const stale = { ...nxJson.namedInputs, 'strata-code-image': nxJson.namedInputs['strata-code-image'].slice(1) };
    const inline = await imageInputs(stale);
    expect(inline).not.toContain('strata-code-image');
    expect(inline).toEqual(expect.arrayContaining(nxJson.namedInputs['strata-code-image']));
  });
});
