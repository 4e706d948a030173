export * from './lockfile';
export * from './lock-recipe';
