export * from './formats.js';
export * from './scan.js';
export * from './splits.js';
export * from './featureCache.js';
export * from './saveScan.js';
export * from './labelMap.js';
