export * from './resolve-in-root';
