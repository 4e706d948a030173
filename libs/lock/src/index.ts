export * from './lockfile';
export * from './lock-recipe';
export * from './workspace-locks';
