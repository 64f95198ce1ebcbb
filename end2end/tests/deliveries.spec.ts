// The webhook page: send a test event, the delivery log, resend, retry failed, the
// delivery page with every attempt, the charts; and the signing secret.
import { test, expect } from '@playwright/test';
import { apiCreateWebhook, apiGet, hydrated, screenshot, signIn, startReceiver, unique, type Receiver } from './helpers';

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
