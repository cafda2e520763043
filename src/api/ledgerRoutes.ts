// Placeholder until the ledger routes land (issue 5).
import type { RoutesOf } from './kit.js';

export const ledgerRoutes: RoutesOf = () => undefined;
