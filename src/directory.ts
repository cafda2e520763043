// The unit directory: units, their leaders and contacts, and the district petition office's supervisors.
import { z } from 'zod';
import { type LeaderRole } from './domain.js';

export const CHANNELS = ['sms', 'email', 'wecom', 'dingtalk', 'outbox'] as const;
export type Channel = (typeof CHANNELS)[number];

/** districtLeader: the district's leaders, told of every step of a priority assigned case (挂牌督办, 联名信 ≥ 50). */
export const PERSON_ROLES = ['principal', 'inCharge', 'contact', 'supervisor', 'districtLeader'] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, dot, dash or underscore');

export const personSchema = z
  .object({
    id,
    name: z.string().min(1).max(50),
    role: z.enum(PERSON_ROLES),
    title: z.string().max(50).optional(),
    phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +8613800000000').optional(),
    email: z.string().email().optional(),
    channels: z.array(z.enum(CHANNELS)).min(1).default(['outbox']),
  })
  .strict();
export type Person = z.infer<typeof personSchema>;

export const unitSchema = z
  .object({
    id,
    name: z.string().min(1).max(100),
    people: z.array(personSchema).min(1),
  })
  .strict()
  .refine((u) => u.people.some((p) => p.role === 'principal' || p.role === 'inCharge'), {
    message: 'needs a principal leader or a leader in charge',
    path: ['people'],
  });
export type Unit = z.infer<typeof unitSchema>;

export const directorySchema = z
  .object({
    office: z
      .object({
        id,
        name: z.string().min(1).max(100),
        /** 文号 of the office's 催办单 / 督办单: {year} and {number} are filled in, e.g. 五信督〔{year}〕{number}号 → 五信督〔2026〕12号. */
        documentNumberFormat: z
          .string()
          .min(1)
          .max(40)
          .refine((f) => f.includes('{year}') && f.includes('{number}'), 'must contain {year} and {number}')
          .default('〔{year}〕{number}号'),
        /** Who receives the quarterly circular by e-mail; empty: the supervisors who have an e-mail address. */
        circularRecipients: z.array(z.string().email()).max(50).default([]),
      })
      .strict(),
    units: z.array(unitSchema).min(1),
    supervisors: z.array(personSchema.extend({ role: z.literal('supervisor') })).min(1),
    districtLeaders: z.array(personSchema.extend({ role: z.literal('districtLeader') })).max(50).optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    const seen = new Set<string>();
    d.units.forEach((u, i) => {
      if (seen.has(u.id)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['units', i, 'id'], message: `duplicate unit id ${u.id}` });
      seen.add(u.id);
    });
  });
export type Directory = z.infer<typeof directorySchema>;

/** What a case keeps of its unit: ids and roles of the leaders who may report arrival, no contacts. */
export interface UnitSnapshot {
  id: string;
  name: string;
  leaders: { id: string; role: LeaderRole }[];
}

export function findUnit(directory: Directory, unitId: string): Unit | undefined {
  return directory.units.find((u) => u.id === unitId);
}

export function unitSnapshot(unit: Unit): UnitSnapshot {
  const leaders: UnitSnapshot['leaders'] = [];
  for (const p of unit.people) if (p.role === 'principal' || p.role === 'inCharge') leaders.push({ id: p.id, role: p.role });
  return { id: unit.id, name: unit.name, leaders };
}
