export * from './nevra';
