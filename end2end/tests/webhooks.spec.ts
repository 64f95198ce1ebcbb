// The webhooks page: create with a protected header, validate against a local receiver,
// field errors, toggle, edit, delete — all through the console by role and name.
import { test, expect, type APIRequestContext } from '@playwright/test';
import { API_KEY, apiCreateWebhook, apiGet, hydrated, row, screenshot, screenshotOf, signIn, startReceiver, unique, type Receiver } from './helpers';

let receiver: Receiver;
test.beforeAll(async () => {
  receiver = await startReceiver();
});
test.afterAll(async () => {
  await receiver.close();
});
test.beforeEach(async ({ page }) => {
  await signIn(page);
  await hydrated(page);
});

/** Posts an `alert.triggered` event through the REST API. */
async function postAlert(request: APIRequestContext, project: string): Promise<void> {
  const res = await request.post('/api/v1/events', {
    headers: { Authorization: `Bearer ${API_KEY}` },
    data: { type: 'alert.triggered', object: 'alert', project, severity: 'high', data: { monitor: 'latency' } },
  });
  expect(res.status(), await res.text()).toBe(202);
}

async function apiDelete(request: APIRequestContext, path: string): Promise<void> {
  const res = await request.delete(`/api/v1${path}`, { headers: { Authorization: `Bearer ${API_KEY}` } });
  expect(res.status(), await res.text()).toBe(204);
}

test('create a webhook with a protected header', async ({ page, request }) => {
  const name = unique('create');
  const secretValue = unique('Bearer token');
  await page.getByRole('button', { name: 'Create Webhook' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create Webhook' });
  await dialog.getByLabel('Name', { exact: true }).fill(name);
  await dialog.getByLabel('URL').fill(receiver.url + '?token=abc123');
  await dialog.getByLabel('Description').fill('Failures of the triage experiment');
  await dialog.getByRole('checkbox', { name: 'evaluation.failed' }).check();
  await dialog.getByRole('checkbox', { name: 'alert.triggered' }).check();
  await expect(dialog.getByRole('switch', { name: 'Active' })).toBeChecked();
  // A filled row counts without pressing "Add header".
  await dialog.getByRole('textbox', { name: 'Header name' }).fill('Authorization');
  await dialog.getByRole('textbox', { name: 'Header value' }).fill(secretValue);
  await dialog.getByRole('checkbox', { name: 'Protected' }).check();
  await dialog.getByRole('button', { name: 'Add header' }).click();
  await dialog.getByRole('textbox', { name: 'Header name' }).nth(1).fill('X-Team');
  await dialog.getByRole('textbox', { name: 'Header value' }).nth(1).fill('ml-platform');
  await screenshotOf(dialog, 'create-dialog');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(dialog).toBeHidden();
  const r = row(page, name);
  await expect(r).toBeVisible();
  await expect(r).toContainText('evaluation.failed');
  // Secrets in the URL's query string are masked in the list.
  await expect(r).toContainText('?token=•••');
  await expect(r).not.toContainText('abc123');
  await expect(r.getByRole('switch', { name: 'Active' })).toHaveAttribute('aria-checked', 'true');
  expect(await page.content()).not.toContain(secretValue);
  await screenshot(page, 'webhooks');

  // In the edit dialog the protected value shows as hidden.
  await r.getByRole('button', { name: 'Actions' }).click();
  await r.getByRole('menuitem', { name: 'Edit' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit Webhook' });
  await expect(edit.getByLabel('Name', { exact: true })).toHaveValue(name);
  await expect(edit.getByRole('textbox', { name: 'Header name' }).first()).toHaveValue('Authorization');
  const hidden = edit.getByLabel('Header value').first();
  await expect(hidden).toHaveValue('');
  await expect(hidden).toHaveAttribute('placeholder', /Hidden/);
  await expect(edit.getByRole('checkbox', { name: 'Protected' }).first()).toBeChecked();
  await expect(edit.getByLabel('Header value').nth(1)).toHaveValue('ml-platform');
  expect(await page.content()).not.toContain(secretValue);

  // Herald delivers with the protected value typed into the dialog.
  const before = receiver.requests.length;
  await postAlert(request, 'create-protected');
  const mine = () => receiver.requests.slice(before).filter((r) => r.url.includes('token=abc123'));
  await expect.poll(() => mine().length, { timeout: 15_000 }).toBe(1);
  expect(mine()[0].headers['x-herald-event-type']).toBe('alert.triggered');
  expect(mine()[0].headers['authorization']).toBe(secretValue);
  expect(mine()[0].headers['x-team']).toBe('ml-platform');
  // So that later tests' events do not reach this receiver through it.
  const listed = await apiGet(request, '/webhooks?limit=200');
  const created = listed.data.find((w: { name: string }) => w.name === name);
  await apiDelete(request, `/webhooks/${created.id}`);
});

test('remove a header in the edit dialog: it is no longer stored or sent', async ({ page, request }) => {
  const name = unique('remove');
  const path = `?case=${name}`;
  const { id } = await apiCreateWebhook(request, {
    name,
    url: receiver.url + path,
    event_types: ['alert.triggered'],
    headers: [
      { key: 'X-Keep', value: 'kept' },
      { key: 'X-Drop', value: 'dropped' },
      { key: 'X-Also', value: 'also-kept' },
    ],
  });
  const mine = () => receiver.requests.filter((r) => r.url.endsWith(path));
  await postAlert(request, 'remove-before');
  await expect.poll(() => mine().length, { timeout: 15_000 }).toBe(1);
  expect(mine()[0].headers['x-drop']).toBe('dropped');

  await page.reload();
  await hydrated(page);
  const r = row(page, name);
  await r.getByRole('button', { name: 'Actions' }).click();
  await r.getByRole('menuitem', { name: 'Edit' }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit Webhook' });
  const names = dialog.getByRole('textbox', { name: 'Header name' });
  await expect(names.nth(1)).toHaveValue('X-Drop');
  await dialog.getByRole('button', { name: 'Remove header' }).nth(1).click();
  await expect(names.nth(1)).toHaveValue('X-Also');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();

  const stored = await apiGet(request, `/webhooks/${id}`);
  expect(stored.headers).toEqual([
    { key: 'X-Keep', value: 'kept', protected: false },
    { key: 'X-Also', value: 'also-kept', protected: false },
  ]);
  await postAlert(request, 'remove-after');
  await expect.poll(() => mine().length, { timeout: 15_000 }).toBe(2);
  const after = mine()[1].headers;
  expect(after['x-drop']).toBeUndefined();
  expect(after['x-keep']).toBe('kept');
  expect(after['x-also']).toBe('also-kept');
  await apiDelete(request, `/webhooks/${id}`);
});

test('validate webhook shows the request sent and the response', async ({ page }) => {
  const before = receiver.requests.length;
  receiver.answer(200, '{"hello":"from the receiver"}');
  await page.getByRole('button', { name: 'Create Webhook' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create Webhook' });
  await dialog.getByLabel('URL').fill(receiver.url);
  await dialog.getByRole('textbox', { name: 'Header name' }).fill('Authorization');
  await dialog.getByRole('textbox', { name: 'Header value' }).fill('Token validate-me');
  await dialog.getByRole('checkbox', { name: 'Protected' }).check();
  await dialog.getByRole('button', { name: 'Validate webhook' }).click();
  const result = dialog.getByRole('status', { name: 'Test result' });
  await expect(result).toContainText('Delivered: HTTP 200');
  await expect(result).toContainText(`POST ${receiver.url}`);
  await expect(result.getByRole('table', { name: 'Request headers' })).toContainText('webhook-signature');
  await expect(result.getByRole('table', { name: 'Request headers' })).toContainText('••••••');
  await expect(result.getByLabel('Request body')).toContainText('webhook.test');
  await expect(result.getByLabel('Response body')).toContainText('from the receiver');
  await expect.poll(() => receiver.requests.length).toBe(before + 1);
  const got = receiver.requests[before];
  expect(got.headers['authorization']).toBe('Token validate-me');
  expect(got.headers['x-herald-event-type']).toBe('webhook.test');
  await screenshotOf(dialog, 'validate');

  // An unreachable target shows the error instead of a response.
  await dialog.getByLabel('URL').fill('http://127.0.0.1:1/nothing-here');
  await dialog.getByRole('button', { name: 'Validate webhook' }).click();
  await expect(result).toContainText('Failed (connect)');
  // Nothing was saved by validating.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('dialog')).toBeHidden();
});

test('field errors appear next to their fields and nothing is saved', async ({ page }) => {
  const name = unique('invalid');
  await page.getByRole('button', { name: 'Create Webhook' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create Webhook' });
  await dialog.getByLabel('Name', { exact: true }).fill(name);
  await dialog.getByLabel('URL').fill('ftp://example.com/hook');
  await dialog.getByRole('textbox', { name: 'Header name' }).fill('Content-Type');
  await dialog.getByRole('textbox', { name: 'Header value' }).fill('text/plain');
  await dialog.getByText('Advanced').click();
  await dialog.getByLabel('Timeout (ms)').fill('100');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(dialog.getByRole('alert').first()).toContainText('Nothing was saved');
  const url = dialog.getByLabel('URL');
  await expect(url).toHaveAttribute('aria-invalid', 'true');
  const describedBy = await url.getAttribute('aria-describedby');
  await expect(page.locator(`#${describedBy}`)).not.toBeEmpty();
  await expect(dialog.getByRole('textbox', { name: 'Header name' })).toHaveAccessibleDescription(/set by Herald/);
  await expect(dialog.getByLabel('Timeout (ms)')).toHaveAccessibleDescription(/between 1000 and 30000/);
  await expect(dialog.locator('#err-event_types')).toContainText('choose at least one event type');
  // What was typed is still there.
  await expect(dialog.getByLabel('Name', { exact: true })).toHaveValue(name);
  await screenshotOf(dialog, 'create-errors');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(row(page, name)).toHaveCount(0);
});

test('the template preview renders through the chosen format', async ({ page }) => {
  await page.getByRole('button', { name: 'Create Webhook' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create Webhook' });
  await dialog.getByText('Advanced').click();
  await dialog.getByLabel('Format').selectOption('slack');
  await dialog.getByLabel('Template event type').selectOption('alert.triggered');
  const preview = dialog.getByLabel('Preview', { exact: true });
  await expect(preview).toContainText('"blocks"');
  await dialog.getByLabel('Template', { exact: true }).fill('Heads up: {{type | upper}} in {{project}}');
  await expect(preview).toContainText('Heads up: ALERT.TRIGGERED');
  await screenshotOf(dialog.locator('details'), 'template-preview');
  await dialog.getByLabel('Template', { exact: true }).fill('Broken {{type');
  await expect(dialog.locator('.template-preview')).toContainText('line 1');
});

test('the console reads well on a phone', async ({ page, request }) => {
  await apiCreateWebhook(request, { name: unique('phone'), url: receiver.url + '?key=hidden', event_types: ['alert.triggered', 'alert.resolved'] });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
  expect(await fits()).toBe(true);
  await screenshot(page, 'phone-webhooks');
  await page.getByRole('button', { name: 'Create Webhook' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create Webhook' });
  await expect(dialog.getByLabel('Name', { exact: true })).toBeVisible();
  expect(await fits()).toBe(true);
  await screenshotOf(dialog, 'phone-create-dialog');
});

test('toggle Active, and the state persists', async ({ page, request }) => {
  const name = unique('toggle');
  await apiCreateWebhook(request, { name, url: receiver.url, event_types: ['*'] });
  await page.reload();
  await hydrated(page);
  const active = row(page, name).getByRole('switch', { name: 'Active' });
  await expect(active).toHaveAttribute('aria-checked', 'true');
  await active.click();
  await expect(active).toHaveAttribute('aria-checked', 'false');
  await page.reload();
  await expect(row(page, name).getByRole('switch', { name: 'Active' })).toHaveAttribute('aria-checked', 'false');
  await row(page, name).getByRole('switch', { name: 'Active' }).click();
  await expect(row(page, name).getByRole('switch', { name: 'Active' })).toHaveAttribute('aria-checked', 'true');
});

test('edit a webhook; an untouched protected header is kept', async ({ page, request }) => {
  const name = unique('edit');
  await apiCreateWebhook(request, {
    name,
    url: receiver.url,
    event_types: ['evaluation.failed'],
    headers: [{ key: 'Authorization', value: 'Token kept-value', protected: true }],
  });
  await page.reload();
  await hydrated(page);
  const r = row(page, name);
  await r.getByRole('button', { name: 'Actions' }).click();
  await r.getByRole('menuitem', { name: 'Edit' }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit Webhook' });
  const renamed = `${name}-renamed`;
  await dialog.getByLabel('Name', { exact: true }).fill(renamed);
  await dialog.getByRole('checkbox', { name: 'alert.resolved' }).check();
  await screenshotOf(dialog, 'edit-dialog');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  const edited = row(page, renamed);
  await expect(edited).toContainText('alert.resolved');

  // The kept protected value is still sent.
  const before = receiver.requests.length;
  await edited.getByRole('button', { name: 'Actions' }).click();
  await edited.getByRole('menuitem', { name: 'Send test event' }).click();
  const test = page.getByRole('dialog', { name: 'Send test event' });
  await test.getByLabel('Event type').selectOption('evaluation.failed');
  await test.getByRole('button', { name: 'Send test event' }).click();
  await expect(test.getByRole('status', { name: 'Test result' })).toContainText('Delivered: HTTP 200');
  await expect.poll(() => receiver.requests.length).toBe(before + 1);
  expect(receiver.requests[before].headers['authorization']).toBe('Token kept-value');
  expect(receiver.requests[before].headers['x-herald-event-type']).toBe('evaluation.failed');
});

test('delete asks for confirmation', async ({ page, request }) => {
  const name = unique('delete');
  await apiCreateWebhook(request, { name, url: receiver.url, event_types: ['*'] });
  await page.reload();
  await hydrated(page);
  const r = row(page, name);
  await r.getByRole('button', { name: 'Actions' }).click();
  await r.getByRole('menuitem', { name: 'Delete' }).click();
  let dialog = page.getByRole('dialog', { name: 'Delete webhook' });
  await expect(dialog).toContainText(name);
  await screenshotOf(dialog, 'delete-dialog');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(row(page, name)).toBeVisible();

  await r.getByRole('button', { name: 'Actions' }).click();
  await r.getByRole('menuitem', { name: 'Delete' }).click();
  dialog = page.getByRole('dialog', { name: 'Delete webhook' });
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expect(dialog).toBeHidden();
  await expect(row(page, name)).toHaveCount(0);
  await page.reload();
  await expect(row(page, name)).toHaveCount(0);
});
