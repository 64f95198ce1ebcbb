// The first test: the server-rendered page hydrates, and a hydrated control works in place
// (client-side, without a full page load).
import { test, expect } from '@playwright/test';
import { apiCreateWebhook, hydrated, signIn, screenshot, startReceiver, unique } from './helpers';

test('the console hydrates and opens a dialog in place', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await signIn(page);
  await hydrated(page);
  // A marker on the window survives only if no full page load happens.
  await page.evaluate(() => ((window as any).__heraldMarker = 'still-here'));
  await page.getByRole('button', { name: 'Create Webhook' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create Webhook' });
  await expect(dialog).toBeVisible();
  await expect(page).toHaveURL(/\?dialog=create$/);
  expect(await page.evaluate(() => (window as any).__heraldMarker)).toBe('still-here');
  await expect(dialog.getByLabel('Name', { exact: true })).toBeFocused();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect(await page.evaluate(() => (window as any).__heraldMarker)).toBe('still-here');
  expect(errors).toEqual([]);
});

test('pages without a session lead to the sign-in page', async ({ page, request }) => {
  for (const path of ['/', '/settings', '/webhooks/wh_missing', '/deliveries/dlv_missing', '/?dialog=create']) {
    await page.goto(path);
    await expect(page).toHaveURL(/\/login$/);
  }
  const res = await request.get('/settings', { headers: { Accept: 'text/html' }, maxRedirects: 0 });
  expect([302, 303]).toContain(res.status());
  expect(res.headers()['location']).toBe('/login');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await screenshot(page, 'login');
});

test('a wrong password is refused; sign out ends the session', async ({ page }) => {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  await expect(page).toHaveURL(/\/login/);

  await signIn(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
});

test('every page and dialog hydrates without errors, and client-side navigation works', async ({ page, request }) => {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${page.url()} ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${page.url()} pageerror: ${e.message}`));
  const receiver = await startReceiver();
  const name = unique('pages');
  const { id } = await apiCreateWebhook(request, {
    name,
    url: receiver.url,
    event_types: ['alert.*'],
    format: 'slack',
    templates: { 'alert.triggered': 'Alert {{type}}' },
    headers: [{ key: 'Authorization', value: 'Token x', protected: true }],
  });
  await signIn(page);
  await page.goto(`/webhooks/${id}`);
  await hydrated(page);
  await page.getByRole('region', { name: 'Send test event' }).getByRole('button', { name: 'Send test event' }).click();
  await expect(page.getByRole('status', { name: 'Test result' })).toContainText('Delivered');
  const delivery = await page.getByRole('table', { name: 'Deliveries' }).getByRole('link').first().getAttribute('href');
  for (const path of ['/', `/?edit=${id}`, `/?test=${id}`, `/?delete=${id}`, '/?dialog=create', `/webhooks/${id}`, delivery || '/', '/settings']) {
    await page.goto(path);
    await hydrated(page);
  }
  // Client-side navigation through the pages.
  await page.goto('/');
  await hydrated(page);
  await page.evaluate(() => ((window as any).__heraldMarker = 'same-document'));
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
  await page.getByRole('link', { name, exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Delivery log' })).toBeVisible();
  await page.getByRole('table', { name: 'Deliveries' }).getByRole('link').first().click();
  await expect(page.getByRole('heading', { name: /Attempt 1/ })).toBeVisible();
  expect(await page.evaluate(() => (window as any).__heraldMarker)).toBe('same-document');
  // The edit form of a templated webhook shows the override and its live preview.
  await page.goto(`/?edit=${id}`);
  await hydrated(page);
  const dialog = page.getByRole('dialog', { name: 'Edit Webhook' });
  await dialog.getByText('Advanced').click();
  await expect(dialog.getByLabel('Template', { exact: true })).toHaveValue('Alert {{type}}');
  await expect(dialog.getByLabel('Preview', { exact: true })).toContainText('Alert alert.triggered');
  await expect(dialog.getByRole('checkbox', { name: 'alert.*' })).toBeChecked();
  expect(problems.filter((p) => !p.includes('[DOM]'))).toEqual([]);
  await receiver.close();
});
