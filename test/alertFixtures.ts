// The alert tests' fake Twilio account and unit directory, without vitest: the crash test's worker process imports them.
import type { Directory } from '../src/directory.js';

export const TWILIO_SID = 'AC' + 'a1b2c3d4'.repeat(4);
export const TWILIO_TOKEN = 'test-auth-token-0123456789abcdef';
export const TWILIO_FROM = '+15017122661';
/** Twilio's documented magic number for "invalid To" (error 21211). */
export const INVALID_NUMBER = '+15005550001';

/** A unit whose three people are reached by SMS and e-mail on the local peers, and one supervisor by e-mail. */
export function alertDirectory(overrides: { phones?: Partial<Record<'zhang' | 'wang' | 'chen', string>> } = {}): Directory {
  const phones = { zhang: '+8613800000101', wang: '+8613800000102', chen: '+8613800000103', ...overrides.phones };
  return {
    office: { id: 'wuli-xfb', name: '五里乡信访办', documentNumberFormat: '〔{year}〕{number}号', circularRecipients: [] },
    units: [
      {
        id: 'wuli-gov',
        name: '五里乡人民政府',
        people: [
          { id: 'wuli-gov-zhang', name: '张建国', role: 'principal', title: '乡长', phone: phones.zhang, email: 'zhang.jianguo@wuli.example.cn', channels: ['sms', 'email'] },
          { id: 'wuli-gov-wang', name: '王立新', role: 'inCharge', title: '副乡长', phone: phones.wang, email: 'wang.lixin@wuli.example.cn', channels: ['sms', 'email'] },
          { id: 'wuli-gov-chen', name: '陈晓燕', role: 'contact', title: '信访专干', phone: phones.chen, email: 'chen.xiaoyan@wuli.example.cn', channels: ['email'] },
        ],
      },
      {
        id: 'dongcun',
        name: '东村村委会',
        people: [
          // Reachable only by SMS, on a number Twilio refuses: nobody can reach him.
          { id: 'dongcun-sun', name: '孙德福', role: 'principal', title: '村支书', phone: INVALID_NUMBER, channels: ['sms'] },
          { id: 'dongcun-zhou', name: '周红', role: 'contact', title: '村文书', email: 'zhou.hong@wuli.example.cn', channels: ['email'] },
        ],
      },
    ],
    supervisors: [{ id: 'xfb-li', name: '李卫东', role: 'supervisor', title: '督查科科长', phone: '+8613800000901', email: 'li.weidong@xfb.example.cn', channels: ['email'] }],
  };
}
