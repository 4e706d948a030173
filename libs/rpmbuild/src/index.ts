export * from './pool';
export * from './run-rpmbuild';
