// Placeholder until the recipe plugin lands.
import type { CreateNodes } from 'nx/src/devkit-exports';
export const createNodes: CreateNodes = ['recipes/*/recipe.yaml', () => []];
