export * from './dnf';
