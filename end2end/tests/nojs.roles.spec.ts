// The Users section without JavaScript (docs/roles.md): plain forms create a user (the
// setup token is shown once after the redirect), change the role, reset and remove.
import { test, expect } from '@playwright/test';
import { PASSWORD, unique } from './helpers';

test('users are created, changed, reset and removed without JavaScript', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.goto('/settings');
  await expect(page.getByRole('heading', { level: 2, name: 'Users' })).toBeVisible();

  const name = unique('nojs-user');
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Role', { exact: true }).selectOption('editor');
  await page.getByRole('button', { name: 'Create user' }).click();
  const token = page.getByLabel('Setup token');
  await expect(token).toHaveText(/^\S{32,}$/);
  const first = await token.textContent();
  const entry = page.getByRole('table', { name: 'Users' }).getByRole('row').filter({ hasText: name });
  await expect(entry.getByRole('combobox')).toHaveValue('editor');

  await entry.getByRole('combobox').selectOption('viewer');
  await entry.getByRole('button', { name: 'Change role' }).click();
  await expect(entry.getByRole('combobox')).toHaveValue('viewer');
  await expect(page.getByLabel('Setup token')).toHaveCount(0);

  await entry.getByRole('button', { name: 'Reset' }).click();
  await expect(page.getByLabel('Setup token')).toHaveText(/^\S{32,}$/);
  expect(await page.getByLabel('Setup token').textContent()).not.toBe(first);

  await entry.getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Users' })).toBeVisible();
  await expect(entry).toHaveCount(0);

  // The last admin stays, with the reason next to the form.
  const admin = page.getByRole('table', { name: 'Users' }).getByRole('row').filter({ hasText: /^\s*admin/ });
  await admin.getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByText(/last admin/)).toBeVisible();
});
