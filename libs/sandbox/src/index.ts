export * from './sandbox';
export * from './mapped-root';
