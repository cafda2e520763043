// policy.monthlyObligation's schema lives with the rest of the policy (src/policy.ts); re-exported for the duty.
export { monthlyObligationPolicySchema, type MonthlyObligationPolicy } from '../policy.js';
