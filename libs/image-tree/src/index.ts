export * from './tree';
export * from './device-nodes';
