// Placeholder until the circular routes land (issue 5).
import type { RoutesOf } from './kit.js';

export const circularRoutes: RoutesOf = () => undefined;
