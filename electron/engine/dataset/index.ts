export * from './formats.js';
export * from './scan.js';
export * from './splits.js';
export * from './featureCache.js';
export * from './record.js';
export * from './labelMap.js';
