// Shared helpers for the console's end-to-end tests: signing in, waiting for hydration,
// a local receiver (the server allows 127.0.0.0/8), REST API setup, screenshots.
import { expect, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const PASSWORD = 'e2e-password-123';
export const API_KEY = process.env.HERALD_E2E_API_KEY || '';

/** A unique, readable name for this run. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Signs in through the form and waits for the webhooks page. */
export async function signIn(page: Page): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Webhooks' })).toBeVisible();
}

/** Waits until the browser app has hydrated the server-rendered page. */
export async function hydrated(page: Page): Promise<void> {
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

/** A screenshot of one element, whole: a dialog scrolls inside the viewport, so the
 *  viewport grows to fit it for the shot. */
export async function screenshotOf(locator: Locator, name: string): Promise<void> {
  const page = locator.page();
  const size = page.viewportSize() || { width: 1280, height: 720 };
  const height = await locator.evaluate((el) => el.getBoundingClientRect().height);
  await page.setViewportSize({ width: size.width, height: Math.max(size.height, Math.ceil(height) + 160) });
  await locator.screenshot({ path: `test-results/screenshots/${name}.png` });
  await page.setViewportSize(size);
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** The status code (and body) of the next answers. */
  answer(status: number, body?: string): void;
  close(): Promise<void>;
}

/** An HTTP receiver on 127.0.0.1 and a free port that records every request. */
export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let status = 200;
  let reply = '{"received":true}';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method || '', url: req.url || '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    answer(s: number, body?: string) {
      status = s;
      if (body !== undefined) reply = body;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Creates a webhook through the REST API (faster setup than the dialog). */
export async function apiCreateWebhook(request: APIRequestContext, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const res = await request.post('/api/v1/webhooks', { headers: { Authorization: `Bearer ${API_KEY}` }, data: body });
  expect(res.status(), await res.text()).toBe(201);
  return await res.json();
}

export async function apiGet(request: APIRequestContext, path: string): Promise<any> {
  const res = await request.get(`/api/v1${path}`, { headers: { Authorization: `Bearer ${API_KEY}` } });
  expect(res.status(), await res.text()).toBe(200);
  return await res.json();
}

/** The table row of the webhook named `name`. */
export function row(page: Page, name: string) {
  return page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
}
