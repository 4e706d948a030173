/**
 * README.md's architecture section, generated: the libraries and their one concern come from
 * each libs/<name>/project.json, and the table of what every cached target's key covers comes
 * from @strata/plan's targetKeys, the same parts the Nx plugin turns into inputs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { outputDirOf, targetKeys, type KeyFacts, type KeyPart } from '@strata/plan';
import { executorClosure } from '../../libs/nx-plugin/src/code-inputs';
import type { ReadmeBlock } from './readme-block';

const ROOT = join(__dirname, '../..');
const START = '<!-- architecture:start (generated from libs/*/project.json and @strata/plan by `npm run docs`) -->';
const END = '<!-- architecture:end -->';

const PIPELINE = [
  'A recipe goes through the folders in this order:',
  '',
  '1. **`libs/recipe`** loads `recipes/<name>/recipe.yaml` against the schema and resolves its base chain; **`libs/nx-plugin`** makes each recipe an Nx project whose targets and inputs come from **`libs/plan`**.',
  '2. **`lock`** (`libs/lock`, `libs/dnf`) resolves it with dnf into the canonical `packages.lock.json`; **`libs/package-store`** keeps every locked package by sha256.',
  '3. **`image`** (`libs/layer`) extracts the base\'s tree (`libs/cpio`), installs exactly the locked packages with dnf and rpm in the sandbox (`libs/sandbox`), runs the recipe\'s tree steps (`libs/image-tree`, resolving every path inside the root with `libs/image-root`, matching with `libs/glob`) and packs the layer into its output folder (`libs/output`).',
  '4. **`modules`** (`libs/kmod`) packs the kernel modules and firmware an initrd asks for; **`build`** puts the final image together, an initrd or an extension (`libs/extension`), with its reports (`libs/report`).',
  '5. **`uki`** (`libs/uki`) makes an initrd with a kernel a unified kernel image, signed for Secure Boot when asked; **`boot-test`** (`libs/boot`) boots it in QEMU.',
].join('\n');

function libraries(): string[] {
  const rows: string[] = [];
  for (const name of readdirSync(join(ROOT, 'libs')).sort()) {
    let config: { name: string; metadata?: { description?: string } };
    try {
      config = JSON.parse(readFileSync(join(ROOT, 'libs', name, 'project.json'), 'utf8'));
    } catch {
      continue;
    }
    rows.push(`| \`libs/${name}\` | \`${config.name}\` | ${config.metadata?.description ?? ''} |`);
  }
  return rows;
}

function codeOf(executor: string): string {
  return executorClosure(ROOT, executor).libraries.map((lib) => `\`${lib.replace('@strata/', '')}\``).join(', ');
}

const NO_CODE = { image: [], modules: [], build: [], uki: [] };

export function renderArchitecture(): string {
  const initrd = (kernel: KeyFacts['kernel']): KeyFacts => ({ kind: 'initrd', kernel, chainDirs: [] });
  const extension = (format: string, verity: boolean, sign: boolean): KeyFacts => ({ kind: 'sysext', kernel: 'none', format, verity, sign, chainDirs: [] });
  const host = targetKeys(initrd('host'), NO_CODE);
  const packaged = targetKeys(initrd('package'), NO_CODE);
  const columns: [string, KeyPart[]][] = [
    ['`image`', host.image],
    ['`modules` (host kernel)', host.modules ?? []],
    ['`modules` (`kernel.package`)', packaged.modules ?? []],
    ['`build`, initrd', host.build],
    ['`uki` (signed)', targetKeys({ ...initrd('host'), ukiSign: true }, NO_CODE).uki ?? []],
    ['`build`, erofs extension with signed verity', targetKeys(extension('erofs', true, true), NO_CODE).build],
    ['`build`, squashfs extension', targetKeys(extension('squashfs', false, false), NO_CODE).build],
  ];
  const lines = [...new Set(columns.flatMap(([, parts]) => parts.map((part) => part.covers)))];
  const matrix = [
    `| the key covers | ${columns.map(([name]) => name).join(' | ')} |`,
    `| --- |${columns.map(() => ' :-: |').join('')}`,
    ...lines.map((line) => `| ${line} | ${columns.map(([, parts]) => (parts.some((part) => part.covers === line) ? '✓' : '')).join(' | ')} |`),
  ];
  const outputs = [
    '| target | output | libraries its executor runs |',
    '| --- | --- | --- |',
    ...(['image', 'modules', 'build', 'uki'] as const).map((target) => `| \`${target}\` | \`${outputDirOf(target, '<recipe>')}\` | ${codeOf(target)} |`),
  ];
  return [
    START,
    '',
    PIPELINE,
    '',
    'One concern per library:',
    '',
    '| folder | project | concern |',
    '| --- | --- | --- |',
    ...libraries(),
    '',
    "What each cached target's key covers (each library is an Nx project; a target is keyed on the `source` of exactly the libraries its executor imports, so editing `libs/boot` re-keys no image):",
    '',
    ...matrix,
    '',
    "The code part is held once in nx.json, as one named input per executor (`strata-code-image`, `strata-code-build` and so on), which `npm run docs` writes from the executors' imports. A target names it while it matches the code and lists the files itself when it does not, so the key is right either way; naming it keeps each recipe's project small, which is what Nx passes between processes, merges and writes once per recipe.",
    '',
    ...outputs,
    '',
    'Never cached: `lock` and `fetch` ask the repositories what they hold today, `boot-test` must really boot, and `summary`, `inspect` and `size-report` only read what the build made.',
    '',
    END,
  ].join('\n');
}

export const architecture: ReadmeBlock = { start: START, end: END, render: renderArchitecture };
