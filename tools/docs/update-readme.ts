// `npm run docs`: rewrite README.md's generated blocks and nx.json's code inputs from their sources of truth.
import { join } from 'node:path';
import { architecture } from './architecture';
import { updateCodeNamedInputs } from './code-named-inputs';
import { updateReadmeBlock } from './readme-block';
import { recipeReference } from './recipe-reference';

const root = join(__dirname, '../..');
const readme = join(root, 'README.md');
for (const [name, block] of [['recipe reference', recipeReference], ['architecture', architecture]] as const) {
  console.log(updateReadmeBlock(readme, block) ? `README.md: ${name} updated` : `README.md: ${name} already up to date`);
}
console.log(updateCodeNamedInputs(root) ? "nx.json: the executors' code inputs updated" : "nx.json: the executors' code inputs already up to date");
