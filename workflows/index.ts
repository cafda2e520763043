export { escalatedVisit } from './escalatedVisit.js';
export { unitYearLedger } from './unitYearLedger.js';
