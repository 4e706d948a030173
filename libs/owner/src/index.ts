export * from './process-owner';
export * from './owned-dir';
export * from './leftovers';
export * from './launcher';
