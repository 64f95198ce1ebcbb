// The main flows with JavaScript disabled: sign in, create, toggle, delete — real forms
// posted to the server functions, dialogs opened by links.
import { test, expect } from '@playwright/test';
import { PASSWORD, row, screenshot, unique } from './helpers';

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Webhooks' })).toBeVisible();
});

test('sign in with a wrong password shows the error', async ({ page }) => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
});

test('create, toggle and delete without JavaScript', async ({ page }) => {
  const name = unique('nojs');
  await page.getByRole('button', { name: 'Create Webhook' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create Webhook' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Name', { exact: true }).fill(name);
  await dialog.getByLabel('URL').fill('https://example.com/herald/nojs');
  await dialog.getByRole('checkbox', { name: 'evaluation.completed' }).check();
  await dialog.getByRole('textbox', { name: 'Header name' }).fill('Authorization');
  await dialog.getByRole('textbox', { name: 'Header value' }).fill('nojs-protected-value');
  await dialog.getByRole('checkbox', { name: 'Protected' }).check();
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(page).toHaveURL(/\/$/);
  const r = row(page, name);
  await expect(r).toContainText('evaluation.completed');
  expect(await page.content()).not.toContain('nojs-protected-value');
  await screenshot(page, 'nojs-webhooks');

  await r.getByRole('switch', { name: 'Active' }).click();
  await expect(row(page, name).getByRole('switch', { name: 'Active' })).toHaveAttribute('aria-checked', 'false');
  await page.reload();
  await expect(row(page, name).getByRole('switch', { name: 'Active' })).toHaveAttribute('aria-checked', 'false');

  await row(page, name).getByRole('button', { name: 'Actions' }).click();
  await row(page, name).getByRole('menuitem', { name: 'Delete' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete webhook' });
  await expect(confirm).toContainText(name);
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(row(page, name)).toHaveCount(0);
});

test('field errors show without JavaScript and nothing is saved', async ({ page }) => {
  const name = unique('nojs-bad');
  await page.goto('/?dialog=create');
  const dialog = page.getByRole('dialog', { name: 'Create Webhook' });
  await dialog.getByLabel('Name', { exact: true }).fill(name);
  await dialog.getByLabel('URL').fill('not a url');
  await dialog.getByRole('checkbox', { name: 'alert.triggered' }).check();
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('dialog', { name: 'Create Webhook' }).getByLabel('URL')).toHaveAttribute('aria-invalid', 'true');
  await page.goto('/');
  await expect(row(page, name)).toHaveCount(0);
});
