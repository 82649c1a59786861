/** The experiment store's public surface: open it, use its repositories, read its plain records. */
export { openStore, Store, type OpenStoreOptions } from './store.js';
export { defaultDbPath, setUserDataDir, osUserDataDir, DB_FILE_NAME } from './dbPath.js';
export { LATEST_VERSION, migrations, type Migration } from './migrations.js';
export type { StoreClient } from './clients.js';
export * from './types.js';
