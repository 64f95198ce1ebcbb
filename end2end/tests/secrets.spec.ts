// Protected header values and signing secrets never appear in any HTML the server sends:
// neither in the rendered DOM nor in the raw responses of every page and dialog.
import { test, expect } from '@playwright/test';
import { apiCreateWebhook, hydrated, signIn, startReceiver, unique } from './helpers';

test('protected values and the secret are never in page HTML', async ({ page, request }) => {
  const receiver = await startReceiver();
  const protectedValue = unique('pv-never-shown');
  const created = await apiCreateWebhook(request, {
    name: unique('leak'),
    url: receiver.url,
    event_types: ['*'],
    format: 'envelope',
    headers: [
      { key: 'Authorization', value: protectedValue, protected: true },
      { key: 'X-Visible', value: 'plain-value', protected: false },
    ],
  });
  await signIn(page);
  // Make a delivery so the log and the delivery page have content.
  await page.goto(`/webhooks/${created.id}`);
  await hydrated(page);
  await page.getByRole('region', { name: 'Send test event' }).getByRole('button', { name: 'Send test event' }).click();
  await expect(page.getByRole('status', { name: 'Test result' })).toContainText('Delivered');
  expect(receiver.requests.at(-1)?.headers['authorization']).toBe(protectedValue);
  expect(await page.content()).not.toContain(protectedValue);
  const deliveryHref = await page.getByRole('table', { name: 'Deliveries' }).getByRole('link').first().getAttribute('href');

  const paths = [
    '/',
    `/?edit=${created.id}`,
    `/?test=${created.id}`,
    `/?delete=${created.id}`,
    '/?dialog=create',
    `/webhooks/${created.id}`,
    deliveryHref || '/',
    '/settings',
  ];
  for (const path of paths) {
    await page.goto(path);
    const dom = await page.content();
    expect(dom, path).not.toContain(protectedValue);
    expect(dom, path).not.toContain(created.secret);
    // The raw HTML as sent (page.request shares the session cookie).
    const raw = await page.request.get(path, { headers: { Accept: 'text/html' } });
    expect(raw.status(), path).toBe(200);
    const html = await raw.text();
    expect(html, path).not.toContain(protectedValue);
    expect(html, path).not.toContain(created.secret);
  }
  // The edit form shows the plain header but not the protected one.
  await page.goto(`/?edit=${created.id}`);
  await expect(page.getByRole('dialog', { name: 'Edit Webhook' }).getByLabel('Header value').nth(1)).toHaveValue('plain-value');
  await receiver.close();
});
