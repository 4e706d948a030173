export * from './nevra';
export * from './rpmdb';
