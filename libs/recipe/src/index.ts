export * from './types';
export { RecipeError, RecipeErrors, recipeErrorsOf, formatRecipeError, displayPath } from './errors';
export { suggest, didYouMean, editDistance, maxSuggestionDistance } from './suggest';
export { substituteVariables, findVariables, KNOWN_VARIABLES, REPOSITORY_URL_FIELDS, VariableError, type VariableName, type VariableReference } from './variables';
export { recipeSchema, validateRecipeData, type SchemaNode } from './schema';
export type { PositionTarget } from './source-map';
export { loadRecipeFile, parseRecipe, RECIPE_FILE_NAME, type LoadedRecipe, type LoadRecipeOptions, type ParseRecipeOptions } from './load-recipe';
export { loadRecipeGraph, buildRecipeGraph, nearestBaseOfKind, BASE_KINDS, type RecipeGraph } from './recipe-graph';
export {
  resolveRecipe,
  type ResolvedRecipe,
  type ResolvedRelease,
  type ResolvedRepository,
  type ResolvedKernel,
  type ResolvedOutput,
  type ResolvedExtension,
  type PackageRequest,
  type Origin,
} from './inheritance';
