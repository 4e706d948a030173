export * from './pe';
export * from './uki-plan';
export * from './secure-boot-signing';
export * from './assemble-uki';
