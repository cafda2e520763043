import { defineLevelScenarios } from './levelScenarios.js';

// 到市: 8 h (seed 二(四)); reminders 2 h and 1 h before; 督办 +4 h; deduction +8 h; reminders every 2 h ×6.
defineLevelScenarios({ level: 'city', reminders: [6, 7], deadline: 8, supervise: 12, deduction: 20, overdueReminders: [10, 12, 14, 16, 18, 20], points: 2 });
