// `npm run docs`: rewrite README.md's generated blocks from their sources of truth.
import { join } from 'node:path';
import { architecture } from './architecture';
import { updateReadmeBlock } from './readme-block';
import { recipeReference } from './recipe-reference';

const readme = join(__dirname, '../../README.md');
for (const [name, block] of [['recipe reference', recipeReference], ['architecture', architecture]] as const) {
  console.log(updateReadmeBlock(readme, block) ? `README.md: ${name} updated` : `README.md: ${name} already up to date`);
}
