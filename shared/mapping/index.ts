export * from './profile';
export * from './numbers';
export * from './dates';
export * from './apply';
export * from './validate';
export * from './fingerprint';
export * from './hash';
export * from './text';
export { where, rowError } from './messages';
