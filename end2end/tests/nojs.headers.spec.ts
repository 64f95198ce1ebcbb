// The webhook form's own buttons with JavaScript disabled: "Add header", "Remove header"
// and "Validate webhook" post the form, the server keeps it as a one-shot draft and the
// dialog comes back as typed (a protected value must be typed again); "Create" saves.
import { test, expect, type Locator, type Page } from '@playwright/test';
import { API_KEY, PASSWORD, apiGet, startReceiver, unique } from './helpers';

test.beforeEach(async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Webhooks' })).toBeVisible();
});

function createDialog(page: Page): Locator {
  return page.getByRole('dialog', { name: 'Create Webhook' });
}

test('add, remove and validate headers without JavaScript, then create', async ({ page, request }) => {
  const receiver = await startReceiver();
  try {
    const name = unique('nojs-headers');
    const secret = unique('Bearer nojs-secret');
    await page.goto('/?dialog=create');
    let dialog = createDialog(page);
    await dialog.getByLabel('Name', { exact: true }).fill(name);
    await dialog.getByLabel('URL').fill(receiver.url);
    await dialog.getByRole('checkbox', { name: 'alert.triggered' }).check();
    const names = () => createDialog(page).getByRole('textbox', { name: 'Header name' });
    const values = () => createDialog(page).getByLabel('Header value');
    await names().first().fill('X-Team');
    await values().first().fill('ml-platform');

    // "Add header" posts the form; it comes back with one more row and nothing saved.
    await dialog.getByRole('button', { name: 'Add header' }).click();
    dialog = createDialog(page);
    await expect(names()).toHaveCount(2);
    await expect(dialog.getByLabel('Name', { exact: true })).toHaveValue(name);
    await expect(dialog.getByLabel('URL')).toHaveValue(receiver.url);
    await expect(dialog.getByRole('checkbox', { name: 'alert.triggered' })).toBeChecked();
    await expect(names().first()).toHaveValue('X-Team');
    await expect(values().first()).toHaveValue('ml-platform');
    await names().nth(1).fill('X-Drop');
    await values().nth(1).fill('gone');
    await dialog.getByRole('button', { name: 'Add header' }).click();
    await expect(names()).toHaveCount(3);
    await names().nth(2).fill('Authorization');
    await values().nth(2).fill(secret);
    await createDialog(page).getByRole('checkbox', { name: 'Protected' }).nth(2).check();

    // "Remove header" on the second row: the others stay; the protected value typed
    // before is not kept anywhere, so its row asks for it again.
    await createDialog(page).getByRole('button', { name: 'Remove header' }).nth(1).click();
    dialog = createDialog(page);
    await expect(names()).toHaveCount(3);
    await expect(names().nth(0)).toHaveValue('X-Team');
    await expect(names().nth(1)).toHaveValue('Authorization');
    await expect(names().nth(2)).toHaveValue('');
    await expect(dialog.getByRole('checkbox', { name: 'Protected' }).nth(1)).toBeChecked();
    await expect(values().nth(1)).toHaveValue('');
    await expect(values().nth(1)).toHaveAttribute('placeholder', 'Type the value again');
    expect(await page.content()).not.toContain(secret);
    expect(page.url()).not.toContain('nojs-secret');

    // "Validate webhook" sends the form's headers and shows the answer in the dialog.
    await values().nth(1).fill(secret);
    const before = receiver.requests.length;
    await dialog.getByRole('button', { name: 'Validate webhook' }).click();
    dialog = createDialog(page);
    const result = dialog.getByRole('status', { name: 'Test result' });
    await expect(result).toContainText('Delivered: HTTP 200');
    await expect(result).toContainText(`POST ${receiver.url}`);
    expect(receiver.requests.length).toBe(before + 1);
    const validated = receiver.requests[before].headers;
    expect(validated['x-herald-event-type']).toBe('webhook.test');
    expect(validated['authorization']).toBe(secret);
    expect(validated['x-team']).toBe('ml-platform');
    expect(validated['x-drop']).toBeUndefined();
    expect(await page.content()).not.toContain(secret);
    await expect(dialog.getByLabel('Name', { exact: true })).toHaveValue(name);
    await expect(values().nth(1)).toHaveAttribute('placeholder', 'Type the value again');
    // Nothing was saved by any of these buttons.
    const listed = await apiGet(request, '/webhooks?limit=200');
    expect(listed.data.map((w: { name: string }) => w.name)).not.toContain(name);

    await values().nth(1).fill(secret);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('link', { name, exact: true })).toBeVisible();
    expect(await page.content()).not.toContain(secret);

    const all = await apiGet(request, '/webhooks?limit=200');
    const saved = all.data.find((w: { name: string }) => w.name === name);
    expect(saved.headers).toEqual([
      { key: 'X-Team', value: 'ml-platform', protected: false },
      { key: 'Authorization', value: null, protected: true },
    ]);

    // The saved webhook sends the protected value typed last.
    const sent = receiver.requests.length;
    const ingested = await request.post('/api/v1/events', {
      headers: { Authorization: `Bearer ${API_KEY}` },
      data: { type: 'alert.triggered', object: 'alert', project: 'nojs', severity: 'high', data: { monitor: 'drift' } },
    });
    expect(ingested.status(), await ingested.text()).toBe(202);
    await expect.poll(() => receiver.requests.length, { timeout: 15_000 }).toBe(sent + 1);
    expect(receiver.requests[sent].headers['authorization']).toBe(secret);
    expect(receiver.requests[sent].headers['x-drop']).toBeUndefined();
  } finally {
    await receiver.close();
  }
});

test('Enter in a field still means Create without JavaScript', async ({ page, request }) => {
  const name = unique('nojs-enter');
  await page.goto('/?dialog=create');
  const dialog = createDialog(page);
  await dialog.getByLabel('Name', { exact: true }).fill(name);
  await dialog.getByLabel('URL').fill('https://example.com/herald/enter');
  await dialog.getByRole('checkbox', { name: 'alert.triggered' }).check();
  await dialog.getByRole('textbox', { name: 'Header name' }).fill('X-Enter');
  await dialog.getByLabel('Header value').fill('1');
  await dialog.getByLabel('Header value').press('Enter');
  await expect(page).toHaveURL(/\/$/);
  const all = await apiGet(request, '/webhooks?limit=200');
  const saved = all.data.find((w: { name: string }) => w.name === name);
  expect(saved.headers).toEqual([{ key: 'X-Enter', value: '1', protected: false }]);
});
