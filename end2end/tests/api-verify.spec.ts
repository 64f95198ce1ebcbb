// An event ingested over HTTP reaches a receiver that verifies it with the npm
// `standardwebhooks` library (not ours): the receiver accepting it is the assertion.
// The legacy X-Herald-Signature is checked with the common one-line HMAC snippet.
import { test, expect } from '@playwright/test';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { createHmac } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

const API_KEY = process.env.HERALD_E2E_API_KEY || '';

test('a Standard Webhooks verifier accepts Herald deliveries', async ({ request }) => {
  let secret = '';
  const verdicts: { ok: boolean; reason?: string; eventId?: string }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        const payload = new Webhook(secret).verify(body, headers) as { events: { id: string }[] };
        const ts = headers['x-herald-timestamp'];
        const legacy = 'sha256=' + createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${ts}.${body}`).digest('hex');
        if (legacy !== headers['x-herald-signature']) throw new Error('X-Herald-Signature mismatch');
        verdicts.push({ ok: true, eventId: payload.events[0].id });
        res.writeHead(204).end();
      } catch (e) {
        verdicts.push({ ok: false, reason: String(e) });
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const auth = { Authorization: `Bearer ${API_KEY}` };
    const created = await request.post('/api/v1/webhooks', {
      headers: auth,
      data: { name: 'standard-webhooks-verifier', url: `http://127.0.0.1:${port}/hook`, event_types: ['evaluation.failed'] },
    });
    expect(created.status()).toBe(201);
    const hook = await created.json();
    secret = hook.secret;

    const ingested = await request.post('/api/v1/events', {
      headers: auth,
      data: { type: 'evaluation.failed', object: 'evaluation_result', project: 'patient-triage', severity: 'high',
              data: { evaluator: 'hallucination', score: 0.42, text: 'naïve – “quotes” ✓' } },
    });
    expect(ingested.status()).toBe(202);
    const eventId = (await ingested.json()).data[0].id;

    await expect.poll(() => verdicts.length, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(verdicts[0]).toEqual({ ok: true, eventId });

    const deliveries = await (await request.get(`/api/v1/webhooks/${hook.id}/deliveries`, { headers: auth })).json();
    await expect
      .poll(async () => (await (await request.get(`/api/v1/deliveries/${deliveries.data[0].id}`, { headers: auth })).json()).status)
      .toBe('succeeded');
    await request.delete(`/api/v1/webhooks/${hook.id}`, { headers: auth });
  } finally {
    server.close();
  }
});
