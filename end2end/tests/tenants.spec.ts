// Tenants and the tenant portal in Chromium (docs/tenants.md, docs/portal.md): two
// tenants with a webhook each; an event for A reaches only A's receiver; A's portal (opened
// from a single-use link, also inside an iframe of another page) lists only A's webhook,
// has no Settings, and answers "not found" for B's webhook and delivery; the link works
// once, and not after it expires; an admin switches the list between tenants. (Every
// server function in a portal session is tests/console_roles.rs.)
import { test, expect, type APIRequestContext } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_KEY, apiCreateWebhook, apiGet, hydrated, row, screenshot, signIn, startReceiver, unique } from './helpers';

const auth = { Authorization: `Bearer ${API_KEY}` };

async function tenant(request: APIRequestContext, id: string): Promise<void> {
  const res = await request.post('/api/v1/tenants', { headers: auth, data: { id, name: `${id} Corp` } });
  expect(res.status(), await res.text()).toBe(201);
}

async function portalLink(request: APIRequestContext, id: string, extra: Record<string, unknown> = {}): Promise<{ url: string; expires_at: string }> {
  const res = await request.post(`/api/v1/tenants/${id}/portal-links`, { headers: auth, data: extra });
  expect(res.status(), await res.text()).toBe(201);
  return await res.json();
}

async function postEvent(request: APIRequestContext, body: Record<string, unknown>): Promise<string> {
  const res = await request.post('/api/v1/events', { headers: auth, data: body });
  expect(res.status(), await res.text()).toBe(202);
  return (await res.json()).data[0].id;
}

test('a tenant portal shows only its tenant, has no settings and opens once', async ({ page, request, browser }) => {
  const [a, b] = [unique('acme'), unique('globex')];
  await tenant(request, a);
  await tenant(request, b);
  const [ra, rb] = [await startReceiver(), await startReceiver()];
  const hookA = unique('a-hook');
  const hookB = unique('b-hook');
  await apiCreateWebhook(request, { tenant: a, name: hookA, url: ra.url, event_types: ['*'] });
  const wb = await apiCreateWebhook(request, { tenant: b, name: hookB, url: rb.url, event_types: ['*'] });

  // An event for A reaches A's receiver only; B's own event gives B a delivery to probe.
  await postEvent(request, { tenant: a, type: 'run.completed', data: { n: 1 } });
  const bEvent = await postEvent(request, { tenant: b, type: 'run.completed', data: { n: 2 } });
  await expect.poll(() => ra.requests.length).toBe(1);
  await expect.poll(() => rb.requests.length).toBe(1);
  expect(JSON.parse(ra.requests[0].body).events[0].data.run.n).toBe(1);
  const bDelivery = (await apiGet(request, `/events/${bEvent}`)).deliveries[0].id;

  // A's portal, from its link, with the platform's title.
  const link = await portalLink(request, a, { title: 'Acme Evals', accent: '#0f766e' });
  await page.goto(link.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Webhooks' })).toBeVisible();
  await hydrated(page);
  await expect(page.getByRole('link', { name: 'Acme Evals' })).toBeVisible();
  await expect(row(page, hookA)).toBeVisible();
  await expect(page.getByText(hookB)).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Settings' })).toHaveCount(0);
  await expect(page.getByLabel('Tenant')).toHaveCount(0);
  await screenshot(page, 'portal-webhooks');

  // B's ids through A's portal: not found.
  await page.goto(`/webhooks/${wb.id}`);
  await expect(page.getByText('webhook not found.')).toBeVisible();
  await page.goto(`/deliveries/${bDelivery}`);
  await expect(page.getByText(/not found\./)).toBeVisible();
  await page.goto('/settings');
  await expect(page.getByText('Settings are not part of the portal.')).toBeVisible();

  // The link works once: another browser gets "expired".
  const other = await browser.newContext();
  const second = await other.newPage();
  const res = await second.goto(link.url);
  expect(res?.status()).toBe(404);
  await expect(second.getByRole('heading', { name: 'This link has expired' })).toBeVisible();
  await other.close();
  await ra.close();
  await rb.close();
});

test('the portal works inside an iframe of another page', async ({ page, request }) => {
  const a = unique('framed');
  await tenant(request, a);
  const hook = unique('framed-hook');
  await apiCreateWebhook(request, { tenant: a, name: hook, url: 'https://example.com/framed', event_types: ['*'] });
  const link = await portalLink(request, a, { title: 'Framed Evals' });
  // The platform's page, on another port: HERALD_PORTAL_FRAME_ANCESTORS allows it.
  const host = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>Platform</title><h1>Platform</h1>
      <iframe src="${link.url}" title="Webhooks" style="width:100%;height:40rem;border:0"></iframe>`);
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  const { port } = host.address() as AddressInfo;
  await page.goto(`http://127.0.0.1:${port}/`);
  const frame = page.frameLocator('iframe[title="Webhooks"]');
  await expect(frame.getByRole('heading', { level: 1, name: 'Webhooks' })).toBeVisible();
  await expect(frame.getByRole('link', { name: hook, exact: true })).toBeVisible();
  // A second page inside the frame keeps the session (the cookie is sent in the frame).
  await frame.getByRole('link', { name: hook, exact: true }).click();
  await expect(frame.getByRole('heading', { level: 1, name: hook })).toBeVisible();
  await screenshot(page, 'portal-in-iframe');
  await new Promise<void>((resolve) => host.close(() => resolve()));
});

test('a portal link does not open after it expires', async ({ page, request }) => {
  test.setTimeout(120_000);
  const a = unique('late');
  await tenant(request, a);
  const link = await portalLink(request, a, { expires_in: 60 });
  const expires = Date.parse(link.expires_at);
  // The shortest lifetime is a minute: wait until the server's expiry time has passed.
  await expect.poll(() => Date.now() > expires + 1000, { timeout: 75_000, intervals: [1000] }).toBe(true);
  const res = await page.goto(link.url);
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'This link has expired' })).toBeVisible();
});

test('an admin switches the webhook list between tenants', async ({ page, request }) => {
  const a = unique('switch');
  await tenant(request, a);
  const hook = unique('switch-hook');
  await apiCreateWebhook(request, { tenant: a, name: hook, url: 'https://example.com/switch', event_types: ['*'] });
  await signIn(page);
  await hydrated(page);
  await expect(page.getByText(hook)).toHaveCount(0);
  await page.getByLabel('Tenant').fill(a);
  await page.getByRole('button', { name: 'Switch' }).click();
  await expect(row(page, hook)).toBeVisible();
  await expect(page.getByLabel('Tenant')).toHaveValue(a);
  await screenshot(page, 'tenant-switcher');
  // Back to the default tenant for the other specs.
  await page.getByLabel('Tenant').fill('default');
  await page.getByRole('button', { name: 'Switch' }).click();
  await expect(page.getByText(hook)).toHaveCount(0);
});
