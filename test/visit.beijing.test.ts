import { defineLevelScenarios } from './levelScenarios.js';

// 进京: 24 h (seed 二(四)); reminders 12, 4 and 1 h before; 督办 +12 h; deduction +24 h; reminders every 4 h ×6.
defineLevelScenarios({ level: 'beijing', reminders: [12, 20, 23], deadline: 24, supervise: 36, deduction: 60, overdueReminders: [28, 32, 36, 40, 44, 48], points: 3 });
