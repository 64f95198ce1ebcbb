// Login throttling without JavaScript: the form posts, the redirect shows the message.
// The account is one of this run's own, so the admin account is never locked.
import { test, expect } from '@playwright/test';
import { unique } from './helpers';

test('too many wrong passwords show the throttling message without JavaScript', async ({ page }) => {
  const user = unique('intruder-nojs');
  for (let i = 0; i < 6; i++) {
    await page.goto('/login');
    await page.getByLabel('Username').fill(user);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toBeVisible();
  }
  await expect(page.getByRole('alert')).toHaveText(/^Too many failed sign-ins\. Wait \d+ s before trying again\.$/);
});
