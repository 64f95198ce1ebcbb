// The settings page: API keys (shown once, listed, revoked) and the password form.
import { test, expect } from '@playwright/test';
import { PASSWORD, hydrated, screenshot, signIn, unique } from './helpers';

test.beforeEach(async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await hydrated(page);
});

test('create an API key (shown once), use it, revoke it', async ({ page, request }) => {
  const name = unique('key');
  await page.getByLabel('Key name').fill(name);
  await page.getByRole('button', { name: 'Create API key' }).click();
  const shown = page.getByLabel('New API key');
  await expect(shown).toHaveText(/^hk_/);
  const key = (await shown.textContent()) || '';
  const keys = page.getByRole('table', { name: 'API keys' });
  const entry = keys.getByRole('row').filter({ hasText: name });
  await expect(entry).toContainText(key.slice(0, 9));
  await screenshot(page, 'settings');

  const ok = await request.get('/api/v1/webhooks', { headers: { Authorization: `Bearer ${key}` } });
  expect(ok.status()).toBe(200);

  await page.reload();
  await expect(page.getByLabel('New API key')).toHaveCount(0);
  expect(await page.content()).not.toContain(key);
  await expect(keys.getByRole('row').filter({ hasText: name })).not.toContainText('—', { timeout: 10_000 });

  await hydrated(page);
  await keys.getByRole('row').filter({ hasText: name }).getByRole('button', { name: 'Revoke' }).click();
  await expect(keys.getByRole('row').filter({ hasText: name })).toHaveCount(0);
  const refused = await request.get('/api/v1/webhooks', { headers: { Authorization: `Bearer ${key}` } });
  expect(refused.status()).toBe(401);
});

test('change password checks the current one', async ({ page }) => {
  await page.getByLabel('Current password').fill('wrong-password');
  await page.getByLabel('New password', { exact: true }).fill('another-password-1');
  await page.getByLabel('Confirm new password').fill('another-password-1');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByLabel('Current password')).toHaveAccessibleDescription('is not your current password');

  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('Confirm new password').fill('something-else');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByLabel('Confirm new password')).toHaveAccessibleDescription('does not match the new password');

  // A new password takes effect: the old one no longer signs in, the new one does. The
  // test then puts the suite's password back (the tests run one at a time).
  const next = unique('pw');
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill(next);
  await page.getByLabel('Confirm new password').fill(next);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Password changed.' })).toBeVisible();

  const fresh = await page.context().browser()!.newContext();
  const other = await fresh.newPage();
  const signInWith = async (password: string) => {
    await other.goto('/login');
    await other.getByLabel('Username').fill('admin');
    await other.getByLabel('Password').fill(password);
    await other.getByRole('button', { name: 'Sign in' }).click();
  };
  await signInWith(PASSWORD);
  await expect(other.getByRole('heading', { level: 1, name: 'Webhooks' })).toHaveCount(0);
  await expect(other).toHaveURL(/\/login/);
  await signInWith(next);
  await expect(other.getByRole('heading', { level: 1, name: 'Webhooks' })).toBeVisible();
  await fresh.close();

  await page.goto('/settings');
  await hydrated(page);
  await page.getByLabel('Current password').fill(next);
  await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Confirm new password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Password changed.' })).toBeVisible();
});
