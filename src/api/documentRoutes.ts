// Placeholder until the document routes land (issue 5).
import type { RoutesOf } from './kit.js';

export const documentRoutes: RoutesOf = () => undefined;
