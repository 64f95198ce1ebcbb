// The Condition and Redact fields of the webhook dialog (docs/conditions.md) with
// JavaScript: the live preview on the catalog examples, the error beside the field as
// you type, and the error on save.
import { test, expect } from '@playwright/test';
import { hydrated, row, signIn, unique } from './helpers';

test.beforeEach(async ({ page }) => {
  await signIn(page);
  await hydrated(page);
});

test('the condition previews on the catalog examples and errors show beside the field', async ({ page }) => {
  const name = unique('condition');
  await page.getByRole('button', { name: 'Create Webhook' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create Webhook' });
  await dialog.getByLabel('Name', { exact: true }).fill(name);
  await dialog.getByLabel('URL').fill('https://example.com/herald/condition');
  await dialog.getByRole('checkbox', { name: 'evaluation.failed' }).check();
  await dialog.getByText('Advanced').click();
  const condition = dialog.getByLabel('Condition', { exact: true });
  await condition.fill('data.score < 0.8');
  await dialog.getByLabel('Redact fields').fill('data.explanation mask');
  const results = dialog.locator('.condition-results');
  await expect(results).toContainText('matches the evaluation.failed example: yes');
  await expect(results).toContainText('matches the evaluation.completed example: no');
  await expect(dialog.getByLabel('Redaction preview')).toContainText('[redacted]');

  await condition.fill('data.score <');
  await expect(dialog.locator('#condition-live-error')).toContainText('line 1, column 13');

  // Saving a bad condition is refused with the error beside the field.
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(condition).toHaveAttribute('aria-invalid', 'true');
  await expect(dialog.locator('#err-condition')).toContainText('line 1, column 13');

  await condition.fill('data.score < 0.8');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(dialog).toBeHidden();
  await expect(row(page, name)).toBeVisible();
});
