export * from './code-closure';
export * from './dist-layout';
export * from './target-keys';
export * from './layer-plan';
export * from './boot-variants';
