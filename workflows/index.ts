export { escalatedVisit } from './escalatedVisit.js';
export { unitYearLedger } from './unitYearLedger.js';
export { documentRegister } from './documentRegister.js';
export { quarterlyCircular } from './quarterlyCircular.js';
export { circular } from './quarterlyCircular.js';
export { assignedCase } from './assignedCase.js';
export { monthlyObligation } from './monthlyObligation.js';
export { monthlyRound } from './monthlyRound.js';
