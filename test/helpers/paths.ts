import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (this file runs from dist/test/helpers/). */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
