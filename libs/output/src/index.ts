export * from './atomic-output';
export * from './checksums';
export * from './leftovers';
export * from './no-space';
export * from './verify-output';
