import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { SYSTEM } from '../../src/core/actor.js';
import { ManualClock } from '../../src/core/clock.js';
import { transaction } from '../../src/core/uow.js';
import { cancelNotifications, notifyUser, notifyUsers, type NotifySpec } from '../../src/domains/notify/notify.js';
import { forEachDatabase, startTestApp, type TestApp } from '../support/app.js';
import { pdTrigger, seedService } from '../alerts/support.js';

interface Hit { path: string; headers: http.IncomingHttpHeaders; body: string }

forEachDatabase('notifications', (kind) => {
  let t: TestApp;
  const clock = new ManualClock('2026-11-22T12:00:00.000Z');
  const hits: Hit[] = [];
  const mails: string[] = [];
  /** Per path: statuses to answer with, in order (then 200). */
  const script = new Map<string, number[]>();
  let receiver: http.Server;
  let smtp: SMTPServer;
  let base = '';
  let keys: Record<string, string>;

  before(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        hits.push({ path: req.url!, headers: req.headers, body });
        const status = script.get(req.url!)?.shift() ?? 200;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: 'SM1', status: status === 200 ? 'queued' : 'error' }));
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, cb) {
        let raw = '';
        stream.on('data', (c) => (raw += c));
        stream.on('end', () => {
          mails.push(raw);
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    t = await startTestApp(kind, {
      clock,
      config: {
        outboundAllowlist: ['127.0.0.0/8'],
        publicUrl: 'https://ballast.example',
        smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
        smtpFrom: 'Ballast <ballast@example.com>',
        twilioUrl: `${base}/twilio`,
        twilioAccountSid: 'AC123',
        twilioAuthToken: 'tok',
        twilioFrom: '+15550001111',
      },
    });
    ({ keys } = await seedService(t));
  });
  after(async () => {
    await t.close();
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
    await new Promise<void>((r) => smtp.close(() => r()));
  });

  const notify = (spec: Partial<NotifySpec> & { userId: string; dedupeKey: string }) =>
    transaction({ deps: t.app.deps, actor: SYSTEM }, (uow) => notifyUser(uow, { urgency: 'high', subject: 'Disk full', text: 'db-1 is at 99%', ...spec }));
  const log = async (userId: string) => (await t.request('GET', `/api/v1/notifications?user=${userId}&limit=500`)).body.data as any[];
  const addCm = async (user: { id: string; token: string }, type: string, address: string) => {
    const r = await t.request('POST', `/api/v1/users/${user.id}/contact-methods`, { token: user.token, body: { type, address } });
    assert.equal(r.status, 201, r.text);
    return r.body;
  };
  const trigger = async (dedup: string) => {
    await t.request('POST', '/v2/enqueue', { token: null, body: pdTrigger(keys.pagerduty!, dedup) });
    const list = await t.request('GET', '/api/v1/alerts?limit=500');
    return list.body.data.find((a: any) => a.dedup_key === dedup).group_id as string;
  };

  test('contact methods and rules: own or admin, validated, audited, secret shown once', async () => {
    const u = await t.user();
    const other = await t.user();
    const wh = await addCm(u, 'webhook', `${base}/hook/crud`);
    assert.match(wh.signing_secret, /^whsec_/);
    const list = await t.request('GET', `/api/v1/users/${u.id}/contact-methods`, { token: u.token });
    assert.equal(list.body.data.length, 1);
    assert.equal(list.body.data[0].signing_secret, undefined);
    assert.equal((await t.request('GET', `/api/v1/users/${u.id}/contact-methods`, { token: other.token })).status, 403);
    assert.equal((await t.request('GET', `/api/v1/users/${u.id}/contact-methods`)).status, 200);
    assert.equal((await t.request('POST', `/api/v1/users/${u.id}/contact-methods`, { token: u.token, body: { type: 'sms', address: '555' } })).status, 400);
    assert.equal((await t.request('POST', `/api/v1/users/${u.id}/contact-methods`, { token: u.token, body: { type: 'slack', address: 'ftp://x' } })).status, 400);
    const patched = await t.request('PATCH', `/api/v1/contact-methods/${wh.id}`, { token: u.token, body: { label: 'pager bridge' } });
    assert.equal(patched.body.label, 'pager bridge');
    assert.equal((await t.request('PATCH', `/api/v1/contact-methods/${wh.id}`, { token: other.token, body: { label: 'x' } })).status, 403);
    const rule = await t.request('POST', `/api/v1/users/${u.id}/notification-rules`, { token: u.token, body: { contact_method_id: wh.id, urgency: 'high', delay_minutes: 5 } });
    assert.equal(rule.status, 201, rule.text);
    assert.equal((await t.request('GET', `/api/v1/users/me/notification-rules`, { token: u.token })).body.data.length, 1);
    assert.equal((await t.request('DELETE', `/api/v1/notification-rules/${rule.body.id}`, { token: other.token })).status, 403);
    assert.equal((await t.request('DELETE', `/api/v1/notification-rules/${rule.body.id}`, { token: u.token })).status, 204);
    assert.equal((await t.request('DELETE', `/api/v1/contact-methods/${wh.id}`, { token: u.token })).status, 204);
    const audit = await t.app.deps.db.selectFrom('audit_log').select('action').where('target_id', '=', wh.id).execute();
    assert.deepEqual(audit.map((a) => a.action).sort(), ['contact_method.create', 'contact_method.delete', 'contact_method.update']);
  });

  test('every channel speaks its protocol; email carries a signed link that acknowledges without login', async () => {
    const u = await t.user({ teams: { payments: 'responder' } });
    await addCm(u, 'email', u.email);
    const wh = await addCm(u, 'webhook', `${base}/hook/wh`);
    await addCm(u, 'slack', `${base}/hook/slack`);
    await addCm(u, 'teams', `${base}/hook/teams`);
    await addCm(u, 'sms', '+15557654321');
    await addCm(u, 'voice', '+15557654322');
    const groupId = await trigger('notify-channels');
    hits.length = 0;
    mails.length = 0;
    assert.equal(await notify({ userId: u.id, dedupeKey: `g:${groupId}`, alertGroupId: groupId }), 6);
    await t.app.engine.drain();

    const entries = await log(u.id);
    assert.equal(entries.length, 6);
    for (const e of entries) {
      assert.equal(e.status, 'sent', JSON.stringify(e));
      assert.equal(e.attempts, 1);
      assert.equal(typeof e.latency_ms, 'number');
      assert.equal(e.alert_group_id, groupId);
    }
    assert.ok(entries.find((e) => e.channel === 'email').target.includes('***@example.com'));

    const whHit = hits.find((h) => h.path === '/hook/wh')!;
    const sig = String(whHit.headers['x-ballast-signature']);
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig)!;
    assert.ok(m, sig);
    assert.equal(Number(m[1]), Math.floor(clock.now().getTime() / 1000));
    const expected = crypto.createHmac('sha256', wh.signing_secret).update(`${m[1]}.${whHit.body}`).digest('hex');
    assert.equal(m[2], expected);
    const whBody = JSON.parse(whHit.body);
    assert.match(whBody.links.acknowledge, /^https:\/\/ballast\.example\/act\//);

    const slack = JSON.parse(hits.find((h) => h.path === '/hook/slack')!.body);
    assert.match(slack.text, /Disk full/);
    assert.ok(slack.blocks.some((b: any) => b.type === 'actions'));
    const teams = JSON.parse(hits.find((h) => h.path === '/hook/teams')!.body);
    assert.equal(teams['@type'], 'MessageCard');
    assert.ok(teams.potentialAction.some((a: any) => a.name === 'Acknowledge'));

    const smsHit = hits.find((h) => h.path === '/twilio/2010-04-01/Accounts/AC123/Messages.json')!;
    assert.equal(smsHit.headers.authorization, `Basic ${Buffer.from('AC123:tok').toString('base64')}`);
    assert.equal(smsHit.headers['content-type'], 'application/x-www-form-urlencoded');
    const form = new URLSearchParams(smsHit.body);
    assert.equal(form.get('To'), '+15557654321');
    assert.equal(form.get('From'), '+15550001111');
    assert.match(form.get('Body')!, /Disk full/);
    const call = new URLSearchParams(hits.find((h) => h.path === '/twilio/2010-04-01/Accounts/AC123/Calls.json')!.body);
    assert.match(call.get('Twiml')!, /^<Response><Say>Ballast alert\. Disk full/);

    assert.equal(mails.length, 1);
    const mail = mails[0]!.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    assert.match(mail, new RegExp(`To: ${u.email}`));
    const link = /https:\/\/ballast\.example(\/act\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(mail)!;
    assert.ok(link, 'email contains a signed link');
    const path = link[1]!;
    const page = await t.request('GET', path, { token: null });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    assert.equal((await t.request('GET', `/api/v1/alert-groups/${groupId}`)).body.status, 'triggered', 'GET alone changes nothing');

    const tampered = path.slice(0, -3) + (path.endsWith('AAA') ? 'BBB' : 'AAA');
    assert.equal((await t.request('POST', tampered, { token: null })).status, 403);
    const apiErr = await t.request('POST', '/act/garbage', { token: null });
    assert.equal(apiErr.status, 403);
    assert.equal(typeof apiErr.body.error.code, 'string', 'API clients get the JSON error shape');
    const htmlErr = await t.request('GET', '/act/garbage', { token: null, headers: { accept: 'text/html' } });
    assert.equal(htmlErr.status, 403);
    assert.match(htmlErr.headers.get('content-type')!, /text\/html/, 'people following the link get a page');

    const done = await t.request('POST', path, { token: null });
    assert.equal(done.status, 200, done.text);
    const group = (await t.request('GET', `/api/v1/alert-groups/${groupId}`)).body;
    assert.equal(group.status, 'acknowledged');
    const audit = await t.app.deps.db.selectFrom('audit_log').select(['actor_id']).where('target_id', '=', groupId).where('action', '=', 'alert_group.acknowledge').executeTakeFirstOrThrow();
    assert.equal(audit.actor_id, u.id);
  });

  test('expired link and disabled user are refused', async () => {
    const u = await t.user({ teams: { payments: 'responder' } });
    await addCm(u, 'webhook', `${base}/hook/exp`);
    const groupId = await trigger('notify-expiry');
    hits.length = 0;
    await notify({ userId: u.id, dedupeKey: `g:${groupId}`, alertGroupId: groupId });
    await t.app.engine.drain();
    const links = JSON.parse(hits.find((h) => h.path === '/hook/exp')!.body).links;
    const path = new URL(links.resolve).pathname;
    await t.app.deps.db.updateTable('users').set({ disabled: 1 }).where('id', '=', u.id).execute();
    assert.equal((await t.request('POST', path, { token: null })).status, 403);
    await t.app.deps.db.updateTable('users').set({ disabled: 0 }).where('id', '=', u.id).execute();
    const saved = clock.now();
    clock.advance(25 * 3600_000);
    try {
      assert.equal((await t.request('POST', path, { token: null })).status, 410);
      assert.equal((await t.request('GET', path, { token: null })).status, 410);
    } finally {
      clock.set(saved);
    }
    assert.equal((await t.request('POST', path, { token: null })).status, 200);
    assert.equal((await t.request('GET', `/api/v1/alert-groups/${groupId}`)).body.status, 'resolved');
  });

  test('failures retry with backoff, then fall over to the next contact method', async () => {
    const u = await t.user();
    const flaky = await addCm(u, 'webhook', `${base}/hook/flaky`);
    const dead = await addCm(u, 'slack', `${base}/hook/dead`);
    const backup = await addCm(u, 'teams', `${base}/hook/backup`);
    for (const cm of [flaky, dead]) {
      await t.request('POST', `/api/v1/users/${u.id}/notification-rules`, { token: u.token, body: { contact_method_id: cm.id, urgency: 'high', delay_minutes: 0 } });
    }
    script.set('/hook/flaky', [500]);
    script.set('/hook/dead', [500, 502, 503]);
    hits.length = 0;
    assert.equal(await notify({ userId: u.id, dedupeKey: 'retry-1' }), 2);
    await t.app.engine.drain();
    let entries = await log(u.id);
    assert.deepEqual(entries.map((e) => [e.channel, e.status, e.attempts]).sort(), [['slack', 'pending', 1], ['webhook', 'pending', 1]]);
    // Backoff: nothing is due until a second has passed.
    await t.app.engine.drain();
    assert.equal(hits.length, 2);
    clock.advance(1000);
    await t.app.engine.drain();
    entries = await log(u.id);
    const wh = entries.find((e) => e.channel === 'webhook');
    assert.equal(wh.status, 'sent');
    assert.equal(wh.attempts, 2);
    assert.equal(wh.attempt_log.length, 2);
    assert.equal(wh.attempt_log[0].provider_status, '500');
    clock.advance(2000);
    await t.app.engine.drain();
    entries = await log(u.id);
    const slack = entries.find((e) => e.channel === 'slack');
    assert.equal(slack.status, 'failed');
    assert.equal(slack.attempts, 3);
    assert.equal(slack.provider_status, '503');
    const fb = entries.find((e) => e.channel === 'teams');
    assert.ok(fb, 'fell over to the next contact method');
    assert.equal(fb.status, 'sent');
    assert.equal(fb.contact_method_id, backup.id);
    assert.equal(hits.filter((h) => h.path === '/hook/dead').length, 3);
  });

  test('more than 5 messages a minute to one contact method fold into one summary', async () => {
    const u = await t.user();
    const cm = await addCm(u, 'slack', `${base}/hook/busy`);
    hits.length = 0;
    for (let i = 0; i < 8; i++) await notify({ userId: u.id, dedupeKey: `burst-${i}`, subject: `Alert ${i}` });
    await t.app.engine.drain();
    let entries = await log(u.id);
    assert.equal(entries.filter((e) => e.status === 'sent').length, 5);
    assert.equal(entries.filter((e) => e.status === 'suppressed').length, 3);
    assert.equal(hits.filter((h) => h.path === '/hook/busy').length, 5);
    clock.advance(60_000);
    await t.app.engine.drain();
    entries = await log(u.id);
    const summary = entries.find((e) => /3 more notifications/.test(e.subject));
    assert.ok(summary, JSON.stringify(entries.map((e) => e.subject)));
    assert.equal(summary.status, 'sent');
    assert.equal(summary.contact_method_id, cm.id);
    for (const e of entries.filter((x) => x.status === 'suppressed')) assert.equal(e.folded_into, summary.id);
    const last = JSON.parse(hits.filter((h) => h.path === '/hook/busy').at(-1)!.body);
    // Jobs due at the same instant run in any order: the summary names exactly the held-back ones.
    for (const e of entries.filter((x) => x.status === 'suppressed')) assert.ok(last.blocks[1].text.text.includes(`- ${e.subject}`), e.subject);
  });

  test('a page storm in one call: each user paged once per key, disabled users skipped, all delivered in one batch', async () => {
    const users = [await t.user(), await t.user(), await t.user()];
    for (const [i, u] of users.entries()) await addCm(u, 'webhook', `${base}/hook/storm-${i}`);
    await t.request('PATCH', `/api/v1/users/${users[2]!.id}`, { body: { disabled: true } });
    hits.length = 0;
    const spec = (u: { id: string }, key: string): NotifySpec => ({ userId: u.id, urgency: 'high', subject: `Storm ${key}`, text: 'many at once', dedupeKey: key });
    const scheduled = await transaction({ deps: t.app.deps, actor: SYSTEM }, (uow) =>
      notifyUsers(uow, [spec(users[0]!, 'storm-a'), spec(users[1]!, 'storm-a'), spec(users[0]!, 'storm-a'), spec(users[0]!, 'storm-b'), spec(users[2]!, 'storm-a')]),
    );
    assert.equal(scheduled, 3, 'user 0 twice (two keys), user 1 once; the repeated spec and the disabled user add nothing');
    assert.deepEqual(await t.app.engine.drain(), { claimed: 3, done: 3, failed: 0 });
    const paths = hits.map((h) => h.path).filter((p) => p.startsWith('/hook/storm-')).sort();
    assert.deepEqual(paths, ['/hook/storm-0', '/hook/storm-0', '/hook/storm-1']);
    assert.deepEqual((await log(users[0]!.id)).map((e) => e.status), ['sent', 'sent']);
    assert.deepEqual(await log(users[2]!.id), []);
  });

  test('cancellation stops pending pages; acknowledged groups are not paged', async () => {
    const u = await t.user({ teams: { payments: 'responder' } });
    const cm = await addCm(u, 'webhook', `${base}/hook/later`);
    await t.request('POST', `/api/v1/users/${u.id}/notification-rules`, { token: u.token, body: { contact_method_id: cm.id, urgency: 'high', delay_minutes: 5 } });
    const g1 = await trigger('notify-cancel-1');
    const g2 = await trigger('notify-cancel-2');
    await notify({ userId: u.id, dedupeKey: `g:${g1}`, alertGroupId: g1 });
    await notify({ userId: u.id, dedupeKey: `g:${g2}`, alertGroupId: g2 });
    // Idempotent while pending.
    assert.equal(await notify({ userId: u.id, dedupeKey: `g:${g1}`, alertGroupId: g1 }), 0);
    assert.equal(await transaction({ deps: t.app.deps, actor: SYSTEM }, (uow) => cancelNotifications(uow, { alertGroupId: g1 })), 1);
    await t.request('POST', `/api/v1/alert-groups/${g2}/acknowledge`);
    hits.length = 0;
    clock.advance(5 * 60_000);
    await t.app.engine.drain();
    assert.equal(hits.filter((h) => h.path === '/hook/later').length, 0);
    const entries = await log(u.id);
    assert.deepEqual(entries.map((e) => e.status).sort(), ['cancelled', 'cancelled']);
    const byGroup = await t.request('GET', `/api/v1/notifications?alert_group_id=${g1}`);
    assert.equal(byGroup.body.data.length, 1);
  });

  test('test endpoint sends now and returns the log entry; private targets are refused by the SSRF guard', async () => {
    const u = await t.user();
    const other = await t.user();
    const ok = await addCm(u, 'webhook', `${base}/hook/test`);
    const r = await t.request('POST', `/api/v1/contact-methods/${ok.id}/test`, { token: u.token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'sent');
    assert.equal(r.body.provider_status, '200');
    const meta = await addCm(u, 'webhook', 'http://169.254.169.254/latest/meta-data/');
    const blocked = await t.request('POST', `/api/v1/contact-methods/${meta.id}/test`, { token: u.token });
    assert.equal(blocked.body.status, 'failed');
    assert.equal(blocked.body.provider_status, 'outbound_blocked');
    assert.equal((await t.request('POST', `/api/v1/contact-methods/${ok.id}/test`, { token: other.token })).status, 403);
    assert.equal((await t.request('GET', `/api/v1/notifications?user=${u.id}`, { token: other.token })).status, 403);
    const own = await t.request('GET', `/api/v1/notifications`, { token: u.token });
    assert.equal(own.body.data.length, 2);
  });
});
