// Entry of a task worker thread: TypeScript sources are loaded through tsx, as in the main thread.
import { register } from 'tsx/esm/api';

register();
await import('./taskWorker.ts');
