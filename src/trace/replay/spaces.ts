// Address spaces: defined once in the model (src/model/space.ts); this path stays for its importers.
export { type Space, SPACES, isSpace, spaceTitle } from '../../model/space.js';
