// Console users with roles (docs/roles.md): an admin creates a viewer in Settings (the
// setup token is shown once), the viewer signs in with it, chooses a password, and sees
// the webhooks read-only: no Create, no Active switch, no Actions, no secret, no resend;
// in Settings only their account, no API keys and no Users. (That the server refuses a
// viewer's calls is tests/console_roles.rs.)
import { test, expect } from '@playwright/test';
import { apiCreateWebhook, hydrated, row, screenshot, signIn, unique } from './helpers';

test('an admin creates a viewer who sees no mutating control', async ({ page, request, browser }) => {
  const hook = unique('roles-hook');
  await apiCreateWebhook(request, {
    name: hook, url: 'https://example.com/herald/roles', event_types: ['*'],
  });

  // The admin creates the viewer; the setup token is shown once.
  await signIn(page);
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Users' })).toBeVisible();
  await hydrated(page);
  const name = unique('viewer');
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Role', { exact: true }).selectOption('viewer');
  await page.getByRole('button', { name: 'Create user' }).click();
  const shown = page.getByLabel('Setup token');
  await expect(shown).toHaveText(/^\S{32,}$/);
  const token = (await shown.textContent()) || '';
  const users = page.getByRole('table', { name: 'Users' });
  await expect(users.getByRole('row').filter({ hasText: name })).toContainText('setup pending');
  await screenshot(page, 'settings-users');
  await page.reload();
  await expect(page.getByLabel('Setup token')).toHaveCount(0);
  expect(await page.content()).not.toContain(token);

  // The viewer signs in with the token and chooses a password.
  const context = await browser.newContext();
  const viewer = await context.newPage();
  const problems: string[] = [];
  viewer.on('console', (m) => { if (m.type() === 'error') problems.push(`${viewer.url()}: ${m.text()}`); });
  viewer.on('pageerror', (e) => problems.push(`${viewer.url()} pageerror: ${e.message}`));
  await viewer.goto('/login');
  await viewer.getByLabel('Username').fill(name);
  await viewer.getByLabel('Password').fill(token);
  await viewer.getByRole('button', { name: 'Sign in' }).click();
  await expect(viewer.getByRole('heading', { level: 1, name: 'Choose your password' })).toBeVisible();
  await viewer.getByLabel('New password', { exact: true }).fill('viewer-password-1');
  await viewer.getByLabel('Confirm new password').fill('viewer-password-1');
  await viewer.getByRole('button', { name: 'Save password' }).click();
  await expect(viewer.getByRole('heading', { level: 1, name: 'Webhooks' })).toBeVisible();
  await hydrated(viewer);

  // The header says who and which role.
  await expect(viewer.locator('header .who')).toContainText(name);
  await expect(viewer.locator('header .who')).toContainText('viewer');

  // The list, read-only.
  const entry = row(viewer, hook);
  await expect(entry).toBeVisible();
  await expect(viewer.getByRole('link', { name: 'Create Webhook' })).toHaveCount(0);
  await expect(viewer.getByRole('switch')).toHaveCount(0);
  await expect(entry.getByText('Actions')).toHaveCount(0);
  await expect(entry).toContainText('On');
  await screenshot(viewer, 'viewer-webhooks');

  // The webhook page: settings and log, no controls.
  await entry.getByRole('link', { name: hook, exact: true }).click();
  await expect(viewer.getByRole('heading', { level: 1 })).toContainText(hook);
  await hydrated(viewer);
  for (const control of ['Edit', 'Reveal secret', 'Rotate secret', 'Resend']) {
    await expect(viewer.getByRole('button', { name: control, exact: true })).toHaveCount(0);
  }
  await expect(viewer.getByRole('heading', { name: 'Send test event' })).toHaveCount(0);
  await expect(viewer.getByRole('heading', { name: 'Retry failed' })).toHaveCount(0);

  // Settings: the account only.
  await viewer.getByRole('link', { name: 'Settings' }).click();
  await expect(viewer.getByRole('heading', { level: 2, name: 'Account' })).toBeVisible();
  await expect(viewer.getByRole('heading', { name: 'API keys' })).toHaveCount(0);
  await expect(viewer.getByRole('heading', { name: 'Users' })).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: 'Create API key' })).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: 'Change password' })).toBeVisible();
  await screenshot(viewer, 'viewer-settings');
  expect(problems, 'every page hydrates for a viewer').toEqual([]);

  await context.close();
});
