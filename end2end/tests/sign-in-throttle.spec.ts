// Login throttling (docs/security.md#login-throttling), with JavaScript: after 5 wrong
// passwords for an account the sign-in page says how long to wait. The account is one of
// this run's own, so the admin account the other specs use is never locked.
import { test, expect } from '@playwright/test';
import { hydrated, unique } from './helpers';

test('too many wrong passwords show the throttling message', async ({ page }) => {
  const user = unique('intruder');
  await page.goto('/login');
  await hydrated(page);
  const attempt = async (status: number) => {
    await page.getByLabel('Username').fill(user);
    await page.getByLabel('Password').fill('not-the-password');
    const answer = page.waitForResponse((r) => r.url().includes('/console-api/login'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect((await answer).status()).toBe(status);
  };
  for (let i = 0; i < 5; i++) {
    await attempt(401);
    await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  }
  await attempt(429);
  await expect(page.getByRole('alert')).toHaveText(/^Too many failed sign-ins\. Wait \d+ s before trying again\.$/);
});
