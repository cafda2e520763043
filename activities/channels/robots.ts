// WeCom (企业微信) and DingTalk (钉钉) group robots: one post per recipient, who is @-mentioned by phone.
import { createHmac } from 'node:crypto';
import type { Channel as ChannelName } from '../../src/directory.js';
import { maskPersonalData } from '../../src/log.js';
import { renderChat } from '../../src/notifications.js';
import { PermanentDeliveryError, TransientDeliveryError, type DeliveryChannel, type OutgoingMessage, type SendReceipt } from './types.js';

export interface WecomConfig {
  /** https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=… */
  webhookUrl: string;
  timeoutMs?: number;
}

export interface DingtalkConfig {
  /** https://oapi.dingtalk.com/robot/send?access_token=… */
  webhookUrl: string;
  /** The robot's 加签 secret (SEC…); without it the robot must be protected by keywords or IP. */
  secret?: string;
  timeoutMs?: number;
}

/** DingTalk's signature: base64(HMAC-SHA256(key = secret, timestamp + "\n" + secret)), URL-encoded as `sign`. */
export function dingtalkSign(secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

export function dingtalkSignedUrl(webhookUrl: string, secret: string, timestamp = Date.now()): string {
  const url = new URL(webhookUrl);
  url.searchParams.set('timestamp', String(timestamp));
  url.searchParams.set('sign', dingtalkSign(secret, timestamp)); // URLSearchParams percent-encodes + / =
  return url.toString();
}

/** Robot errcodes that mean "too fast / busy": retried. Any other non-zero errcode cannot succeed by retrying. */
const TRANSIENT_ERRCODES: Record<'wecom' | 'dingtalk', Set<number>> = {
  wecom: new Set([-1, 45009, 45033]),
  dingtalk: new Set([-1, 130101, 130102]),
};

async function postJson(channel: 'wecom' | 'dingtalk', url: string, body: unknown, timeoutMs: number): Promise<SendReceipt> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new TransientDeliveryError(channel, `${channel} robot unreachable: ${maskPersonalData(err instanceof Error ? err.message : String(err))}`);
  }
  const raw = await res.text();
  if (res.status === 429 || res.status >= 500) throw new TransientDeliveryError(channel, `${channel} robot HTTP ${res.status}`, res.status);
  if (res.status >= 400) throw new PermanentDeliveryError(channel, `${channel} robot HTTP ${res.status}`, res.status);
  let answer: { errcode?: number; errmsg?: string };
  try {
    answer = JSON.parse(raw) as { errcode?: number; errmsg?: string };
  } catch {
    throw new TransientDeliveryError(channel, `${channel} robot answered HTTP ${res.status} without JSON`);
  }
  const code = answer.errcode ?? 0;
  if (code === 0) return {};
  const text = `${channel} robot errcode ${code}: ${maskPersonalData(answer.errmsg ?? '')}`;
  if (TRANSIENT_ERRCODES[channel].has(code)) throw new TransientDeliveryError(channel, text, code);
  throw new PermanentDeliveryError(channel, text, code);
}

/** Robots @-mention by the mobile number as the platform knows it: mainland numbers without +86. */
export function robotMobile(phone: string): string {
  return phone.startsWith('+86') ? phone.slice(3) : phone;
}

function robotChannel(name: ChannelName & ('wecom' | 'dingtalk'), post: (m: OutgoingMessage) => Promise<SendReceipt>): DeliveryChannel {
  return { name, canReach: () => true, send: post };
}

export function createWecomChannel(config: WecomConfig): DeliveryChannel {
  return robotChannel('wecom', (m) =>
    postJson(
      'wecom',
      config.webhookUrl,
      { msgtype: 'text', text: { content: renderChat(m.request, m.context), ...(m.recipient.phone ? { mentioned_mobile_list: [robotMobile(m.recipient.phone)] } : {}) } },
      config.timeoutMs ?? 10_000,
    ),
  );
}

export function createDingtalkChannel(config: DingtalkConfig): DeliveryChannel {
  return robotChannel('dingtalk', (m) =>
    postJson(
      'dingtalk',
      config.secret ? dingtalkSignedUrl(config.webhookUrl, config.secret) : config.webhookUrl,
      {
        msgtype: 'text',
        text: { content: renderChat(m.request, m.context) },
        at: { atMobiles: m.recipient.phone ? [robotMobile(m.recipient.phone)] : [], isAtAll: false },
      },
      config.timeoutMs ?? 10_000,
    ),
  );
}
