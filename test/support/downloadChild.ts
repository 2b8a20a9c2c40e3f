/**
 * Runs one downloadModel in its own process, as a second VS Code window would (its own extension host):
 * `node --import tsx test/support/downloadChild.ts ID ENDPOINT CACHE_DIR`. Prints the result as JSON, or
 * `{"error": message}` and exits 1.
 */
import { downloadModel } from '../../src/models/download';

const [id, endpoint, cacheDir] = process.argv.slice(2);
downloadModel(id, { endpoint, cacheDir, env: {} }).then(
  (result) => console.log(JSON.stringify(result)),
  (err: unknown) => {
    console.log(JSON.stringify({ error: (err as Error).message }));
    process.exit(1);
  },
);
