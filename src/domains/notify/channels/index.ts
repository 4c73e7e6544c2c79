import { sendEmail } from './email.js';
import { sendSlack } from './slack.js';
import { sendTeams } from './teams.js';
import { sendSms, sendVoice } from './twilio.js';
import type { Channel } from './types.js';
import { sendWebhook } from './webhook.js';

export const CHANNELS: Record<string, Channel> = {
  email: sendEmail,
  webhook: sendWebhook,
  slack: sendSlack,
  teams: sendTeams,
  sms: sendSms,
  voice: sendVoice,
};
