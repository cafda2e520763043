import { defineLevelScenarios } from './levelScenarios.js';

// 到区: 3 h (seed 二(四)); reminders 1 h and 30 min before; 督办 +2 h; deduction +4 h; hourly reminders ×6.
defineLevelScenarios({ level: 'district', reminders: [2, 2.5], deadline: 3, supervise: 5, deduction: 9, overdueReminders: [4, 5, 6, 7, 8, 9], points: 1 });
