// The webhook page: send a test event, the delivery log, resend, retry failed, the
// delivery page with every attempt, the charts; and the signing secret.
import { test, expect, type APIRequestContext } from '@playwright/test';
import { API_KEY, apiCreateWebhook, apiGet, hydrated, screenshot, signIn, startReceiver, unique, type Receiver } from './helpers';

let receiver: Receiver;
test.beforeAll(async () => {
  receiver = await startReceiver();
});
test.afterAll(async () => {
  await receiver.close();
});
test.beforeEach(async ({ page }) => {
  receiver.answer(200, '{"received":true}');
  await signIn(page);
});

test('send a test event, see it in the delivery log, resend it', async ({ page, request }) => {
  const name = unique('log');
  const { id } = await apiCreateWebhook(request, {
    name,
    url: receiver.url,
    event_types: ['*'],
    headers: [{ key: 'X-Api-Key', value: 'masked-in-the-log', protected: true }],
  });
  await page.goto(`/webhooks/${id}`);
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(name);
  const before = receiver.requests.length;

  const testCard = page.getByRole('region', { name: 'Send test event' });
  await testCard.getByLabel('Event type').selectOption('evaluation.failed');
  await testCard.getByRole('button', { name: 'Send test event' }).click();
  await expect(testCard.getByRole('status', { name: 'Test result' })).toContainText('Delivered: HTTP 200');
  await expect.poll(() => receiver.requests.length).toBe(before + 1);
  const first = receiver.requests[before];
  expect(first.headers['x-herald-event-type']).toBe('evaluation.failed');
  expect(first.headers['x-api-key']).toBe('masked-in-the-log');

  const log = page.getByRole('table', { name: 'Deliveries' });
  const entry = log.getByRole('row').filter({ hasText: 'evaluation.failed' });
  await expect(entry).toHaveCount(1);
  await expect(entry).toContainText('succeeded');
  await expect(entry).toContainText('200');
  await expect(entry.getByRole('cell').nth(4)).toHaveText('1');
  await screenshot(page, 'webhook');

  await entry.getByRole('button', { name: 'Resend' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Resent' })).toContainText('attempt 2 succeeded');
  await expect(entry.getByRole('cell').nth(4)).toHaveText('2');
  await expect.poll(() => receiver.requests.length).toBe(before + 2);
  // Same idempotency key on the resend.
  expect(receiver.requests[before + 1].headers['webhook-id']).toBe(first.headers['webhook-id']);

  // The delivery page shows every attempt; the protected value is masked.
  await entry.getByRole('link').click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Delivery');
  await expect(page.getByRole('article')).toHaveCount(2);
  const latest = page.getByRole('article').first();
  await expect(latest.getByRole('heading', { name: /Attempt 2/ })).toBeVisible();
  const reqHeaders = latest.getByRole('table', { name: 'Request headers of attempt 2' });
  await expect(reqHeaders.getByRole('row', { name: /X-Api-Key/ })).toContainText('••••••');
  await expect(latest.getByRole('table', { name: 'Response headers of attempt 2' })).toContainText('content-type');
  await expect(latest).toContainText('"received": true');
  expect(await page.content()).not.toContain('masked-in-the-log');
  await screenshot(page, 'delivery');
});

test('the delivery log filters by status and event type', async ({ page, request }) => {
  const { id } = await apiCreateWebhook(request, { name: unique('filters'), url: receiver.url, event_types: ['*'] });
  await page.goto(`/webhooks/${id}`);
  await hydrated(page);
  const testCard = page.getByRole('region', { name: 'Send test event' });
  await testCard.getByLabel('Event type').selectOption('alert.triggered');
  await testCard.getByRole('button', { name: 'Send test event' }).click();
  await expect(testCard.getByRole('status', { name: 'Test result' })).toContainText('Delivered');
  receiver.answer(400, '{"error":"bad"}');
  await testCard.getByLabel('Event type').selectOption('run.completed');
  await testCard.getByRole('button', { name: 'Send test event' }).click();
  await expect(testCard.getByRole('status', { name: 'Test result' })).toContainText('Failed: HTTP 400');
  const log = page.getByRole('table', { name: 'Deliveries' });
  await expect(log.getByRole('row')).toHaveCount(3);

  await page.getByLabel('Status').selectOption('failed');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/status=failed/);
  await expect(log.getByRole('row')).toHaveCount(2);
  await expect(log).toContainText('run.completed');

  await page.getByLabel('Status').selectOption('');
  await page.getByLabel('Event type', { exact: true }).last().selectOption('alert.triggered');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(log.getByRole('row')).toHaveCount(2);
  await expect(log).toContainText('alert.triggered');
});

test('retry failed re-queues a failed delivery', async ({ page, request }) => {
  const { id } = await apiCreateWebhook(request, { name: unique('retry'), url: receiver.url, event_types: ['*'] });
  receiver.answer(400, '{"error":"not yet"}');
  await page.goto(`/webhooks/${id}`);
  await hydrated(page);
  const before = receiver.requests.length;
  const testCard = page.getByRole('region', { name: 'Send test event' });
  await testCard.getByRole('button', { name: 'Send test event' }).click();
  await expect(testCard.getByRole('status', { name: 'Test result' })).toContainText('Failed: HTTP 400');
  const log = page.getByRole('table', { name: 'Deliveries' });
  await expect(log.getByRole('row').nth(1)).toContainText('failed');
  await expect.poll(() => receiver.requests.length).toBe(before + 1);

  receiver.answer(200, '{"received":true}');
  const retry = page.getByRole('region', { name: 'Retry failed' });
  await expect(retry.getByLabel('Since (UTC)')).not.toHaveValue('');
  await retry.getByRole('button', { name: 'Retry failed' }).click();
  await expect(retry.getByRole('status')).toHaveText('Re-queued 1 failed delivery.');
  await expect.poll(() => receiver.requests.length, { timeout: 20_000 }).toBe(before + 2);
  expect(receiver.requests[before + 1].headers['webhook-id']).toBe(receiver.requests[before].headers['webhook-id']);
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(log.getByRole('row').nth(1)).toContainText('succeeded', { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });

  // Nothing failed is left to retry.
  await retry.getByRole('button', { name: 'Retry failed' }).click();
  await expect(retry.getByRole('status')).toHaveText('Re-queued 0 failed deliveries.');
});

/** Posts events through the REST API; answers their ids. */
async function postEvents(request: APIRequestContext, type: string, projects: string[]): Promise<string[]> {
  const events = projects.map((project) => ({ type, object: type.split('.')[0], project, severity: 'high', data: { project } }));
  const res = await request.post('/api/v1/events', { headers: { Authorization: `Bearer ${API_KEY}` }, data: { events } });
  expect(res.status(), await res.text()).toBe(202);
  return (await res.json()).data.map((e: { id: string }) => e.id);
}

/** The webhook's deliveries, newest first, through the REST API. */
async function deliveriesOf(request: APIRequestContext, webhookId: string): Promise<any[]> {
  return (await apiGet(request, `/webhooks/${webhookId}/deliveries?limit=200`)).data;
}

/** `2026-11-22T08:00:05` (UTC, seconds) for a `datetime-local` field. */
function localUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

test('retry failed re-queues only the failures before "Until"', async ({ page, request }) => {
  const rx = await startReceiver();
  try {
    rx.answer(400, '{"error":"down"}');
    const { id } = await apiCreateWebhook(request, {
      name: unique('window'),
      url: rx.url,
      event_types: ['alert.triggered'],
      retry: { max_retries: 0, backoff: 'fixed', initial_delay_ms: 1000, max_delay_ms: 1000 },
    });
    await postEvents(request, 'alert.triggered', ['window-inside']);
    await expect.poll(async () => (await deliveriesOf(request, id)).map((d) => d.status), { timeout: 15_000 }).toEqual(['failed']);
    const inside = (await deliveriesOf(request, id))[0];
    // The window ends on the next whole second after the first failure; the second one
    // is created at or after it.
    const until = Math.floor(Date.parse(inside.created_at) / 1000) * 1000 + 1000;
    await expect.poll(() => Date.now() > until, { timeout: 5_000 }).toBe(true);
    await postEvents(request, 'alert.triggered', ['window-outside']);
    await expect.poll(async () => (await deliveriesOf(request, id)).map((d) => d.status), { timeout: 15_000 }).toEqual(['failed', 'failed']);
    const outside = (await deliveriesOf(request, id))[0];
    expect(Date.parse(outside.created_at)).toBeGreaterThanOrEqual(until);
    expect(rx.requests.length).toBe(2);

    rx.answer(200, '{"received":true}');
    await page.goto(`/webhooks/${id}`);
    await hydrated(page);
    const retry = page.getByRole('region', { name: 'Retry failed' });
    await retry.getByLabel('Until (UTC)').fill(localUtc(until));
    await retry.getByRole('button', { name: 'Retry failed' }).click();
    await expect(retry.getByRole('status')).toHaveText('Re-queued 1 failed delivery.');
    await expect.poll(async () => (await apiGet(request, `/deliveries/${inside.id}`)).status, { timeout: 20_000 }).toBe('succeeded');
    expect(rx.requests.length).toBe(3);
    expect(rx.requests[2].body).toContain('window-inside');
    const left = await apiGet(request, `/deliveries/${outside.id}`);
    expect(left.status).toBe('failed');
    expect(left.attempts).toHaveLength(1);

    // Without "Until" the rest of the window is retried too.
    await retry.getByLabel('Until (UTC)').fill('');
    await retry.getByRole('button', { name: 'Retry failed' }).click();
    await expect(retry.getByRole('status')).toHaveText('Re-queued 1 failed delivery.');
    await expect.poll(async () => (await apiGet(request, `/deliveries/${outside.id}`)).status, { timeout: 20_000 }).toBe('succeeded');
  } finally {
    await rx.close();
  }
});

test('resend of a batched delivery from its page: the same events again, none stranded', async ({ page, request }) => {
  test.setTimeout(120_000);
  const rx = await startReceiver();
  try {
    const { id } = await apiCreateWebhook(request, {
      name: unique('batched'),
      url: rx.url,
      event_types: ['run.completed'],
      batch: { max_events: 5, max_wait_ms: 10_000 },
    });
    const received = () => rx.requests.map((r) => (JSON.parse(r.body).events as { id: string }[]).map((e) => e.id));
    // Two events wait in an open batch (5 events or 10 s).
    const first = await postEvents(request, 'run.completed', ['batch-0', 'batch-1']);
    const [open] = await deliveriesOf(request, id);
    expect(open.event_ids).toEqual(first);
    await page.goto(`/deliveries/${open.id}`);
    await hydrated(page);
    await expect(page.getByText('No attempts yet; the delivery is queued.')).toBeVisible();
    await page.getByRole('button', { name: 'Resend' }).click();
    await expect(page.getByRole('article')).toHaveCount(1);
    expect(rx.requests.length).toBe(1);
    expect(received()[0]).toEqual(first);

    // Twelve more events: every one arrives; none joins the resent batch and stays there.
    const more = await postEvents(request, 'run.completed', Array.from({ length: 12 }, (_, i) => `batch-${i + 2}`));
    const all = [...first, ...more].sort();
    await expect
      .poll(() => [...new Set(received().flat())].sort(), { timeout: 40_000 })
      .toEqual(all);
    await expect
      .poll(async () => (await deliveriesOf(request, id)).filter((d) => d.status !== 'succeeded').length, { timeout: 15_000 })
      .toBe(0);
    expect((await apiGet(request, `/deliveries/${open.id}`)).event_ids).toEqual(first);

    // Resending the delivered batch sends the same events again.
    const before = rx.requests.length;
    await page.reload();
    await hydrated(page);
    await page.getByRole('button', { name: 'Resend' }).click();
    await expect(page.getByRole('article')).toHaveCount(2);
    expect(rx.requests.length).toBe(before + 1);
    expect(received()[before]).toEqual(first);
    expect(rx.requests[before].headers['webhook-id']).toBe(rx.requests[0].headers['webhook-id']);
  } finally {
    await rx.close();
  }
});

test('the charts show the last 24 hours', async ({ page, request }) => {
  const { id } = await apiCreateWebhook(request, { name: unique('charts'), url: receiver.url, event_types: ['*'] });
  await page.goto(`/webhooks/${id}`);
  await expect(page.getByRole('img', { name: /No attempts in the last 24 hours/ })).toBeVisible();
  await hydrated(page);
  await page.getByRole('region', { name: 'Send test event' }).getByRole('button', { name: 'Send test event' }).click();
  await expect(page.getByRole('status', { name: 'Test result' })).toContainText('Delivered');
  await page.reload();
  await expect(page.getByRole('img', { name: '1 of 1 attempts succeeded (100%) in the last 24 hours.' })).toBeVisible();
  await expect(page.getByRole('img', { name: /Latency per hour/ })).toBeVisible();
});

test('reveal and rotate the signing secret', async ({ page, request }) => {
  const created = await apiCreateWebhook(request, { name: unique('secret'), url: receiver.url, event_types: ['*'] });
  await page.goto(`/webhooks/${created.id}`);
  await hydrated(page);
  const secret = page.getByLabel('Secret value');
  await expect(secret).toContainText('••••');
  expect(await page.content()).not.toContain(created.secret);

  await page.getByRole('button', { name: 'Reveal secret' }).click();
  await expect(secret).toHaveText(created.secret);

  await page.getByRole('button', { name: 'Rotate secret' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Secret rotated' })).toBeVisible();
  await expect(secret).toContainText('••••');
  await page.getByRole('button', { name: 'Reveal secret' }).click();
  await expect(secret).toHaveText(/^whsec_[^•]+$/);
  const rotated = (await secret.textContent()) || '';
  expect(rotated).not.toBe(created.secret);
  const fromApi = await apiGet(request, `/webhooks/${created.id}/secret`);
  expect(JSON.stringify(fromApi)).toContain(rotated);
});
