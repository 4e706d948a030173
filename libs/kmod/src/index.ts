export * from './module-index';
export * from './select-modules';
export * from './modules-layer';
