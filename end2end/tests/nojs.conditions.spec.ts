// The Condition field without JavaScript: checked on save, the error rendered by the
// server beside the field, nothing saved; a valid condition is saved and shown.
import { test, expect } from '@playwright/test';
import { PASSWORD, row, unique } from './helpers';

test.beforeEach(async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Webhooks' })).toBeVisible();
});

test('a bad condition is refused on save without JavaScript', async ({ page }) => {
  const name = unique('nojs-condition');
  await page.goto('/?dialog=create');
  const dialog = page.getByRole('dialog', { name: 'Create Webhook' });
  await dialog.getByLabel('Name', { exact: true }).fill(name);
  await dialog.getByLabel('URL').fill('https://example.com/herald/nojs-condition');
  await dialog.getByRole('checkbox', { name: 'evaluation.failed' }).check();
  await dialog.getByText('Advanced').click();
  await dialog.getByLabel('Condition', { exact: true }).fill('data.score <');
  await dialog.getByRole('button', { name: 'Create' }).click();
  const again = page.getByRole('dialog', { name: 'Create Webhook' });
  await expect(again.getByLabel('Condition', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(again.locator('#err-condition')).toContainText('line 1, column 13');
  await page.goto('/');
  await expect(row(page, name)).toHaveCount(0);
});

test('a valid condition is saved without JavaScript', async ({ page }) => {
  const name = unique('nojs-condition-ok');
  await page.goto('/?dialog=create');
  const dialog = page.getByRole('dialog', { name: 'Create Webhook' });
  await dialog.getByLabel('Name', { exact: true }).fill(name);
  await dialog.getByLabel('URL').fill('https://example.com/herald/nojs-condition-ok');
  await dialog.getByRole('checkbox', { name: 'evaluation.failed' }).check();
  await dialog.getByText('Advanced').click();
  await dialog.getByLabel('Condition', { exact: true }).fill('data.score < 0.8');
  await dialog.getByLabel('Redact fields').fill('data.explanation mask');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(page).toHaveURL(/\/$/);
  await row(page, name).getByRole('link', { name }).click();
  await expect(page.getByText('data.score < 0.8')).toBeVisible();
  await expect(page.getByText('data.explanation mask')).toBeVisible();
});
