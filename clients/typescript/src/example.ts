// A tiny consumer of the generated types, calling every operation of the
// Orders API through openapi-fetch. It is only type-checked (`npm run
// typecheck`, and tests/contract/typescript_test.go), never run: a change to
// api.yaml that would break a TypeScript consumer makes it fail to compile.
import createClient from "openapi-fetch";

import type { components, paths } from "./api.js";

export type Order = components["schemas"]["Order"];
export type OrderPage = components["schemas"]["OrderPage"];
export type Problem = components["schemas"]["Problem"];

// Every orders operation wants an access token of the stack's Cognito user
// pool. A browser app signs its user in through the pool's web client
// (authorization code with PKCE, with a library such as oidc-client-ts)
// and hands the access token here; the middleware sends it on every
// request. getToken is called per request, so a refreshed token is used.
export function ordersClient(baseUrl: string, getToken: () => Promise<string>) {
  const client = createClient<paths>({ baseUrl });
  client.use({
    async onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${await getToken()}`);
      return request;
    },
  });
  return client;
}

type Client = ReturnType<typeof ordersClient>;

// Reads every field of an order with its type spelled out, so a renamed,
// removed or retyped property does not compile.
export function describeOrder(order: Order): string {
  const id: string = order.id;
  const name: string = order.name;
  const itemCount: number = order.item_count;
  const createdAt: Date = new Date(order.created_at);
  const premium: boolean = order.premium;
  return `${id}: ${itemCount} item(s) for ${name} at ${createdAt.toISOString()}${premium ? " (premium)" : ""}`;
}

export function describeProblem(problem: Problem): string {
  const title: string = problem.title;
  const status: number = problem.status;
  const invalid: string[] = (problem.errors ?? []).map(
    (e) => `${e.pointer ?? e.parameter ?? "request"}: ${e.detail}`,
  );
  return [`${status} ${title}`, problem.detail, ...invalid].filter(Boolean).join("; ");
}

// POST /api/orders
export async function createOrder(client: Client, customerName: string, items: number): Promise<Order> {
  const { data, error, response } = await client.POST("/api/orders", {
    params: { header: { "Idempotency-Key": crypto.randomUUID() } },
    body: { customer_name: customerName, order_item_count: items },
  });
  if (error) {
    throw new Error(`create failed: ${error.status} ${error.title}`);
  }
  if (response.headers.get("Idempotent-Replayed") === "true") {
    console.log(`replayed ${data.id}`);
  }
  const premium: boolean = data.premium;
  console.log(describeOrder(data), premium);
  return data;
}

// GET /api/orders: one page; pass the previous page's next_token for the next.
export async function listOrders(client: Client, limit: number, nextToken?: string): Promise<OrderPage> {
  const { data, error } = await client.GET("/api/orders", {
    params: { query: nextToken === undefined ? { limit } : { limit, next_token: nextToken } },
  });
  if (error) {
    throw new Error(describeProblem(error));
  }
  return data;
}

// Every order, following next_token until it is null (the last page).
export async function listAllOrders(client: Client, limit = 10): Promise<Order[]> {
  const all: Order[] = [];
  let nextToken: string | undefined;
  do {
    const page = await listOrders(client, limit, nextToken);
    const orders: Order[] = page.orders;
    const next: string | null = page.next_token;
    all.push(...orders);
    nextToken = next ?? undefined;
  } while (nextToken !== undefined);
  return all;
}

// GET /api/orders/{orderId}; undefined when there is no such order.
export async function getOrder(client: Client, orderId: string): Promise<Order | undefined> {
  const { data, error, response } = await client.GET("/api/orders/{orderId}", {
    params: { path: { orderId } },
  });
  if (error) {
    if (response.status === 404) {
      return undefined;
    }
    const title: string = error.title;
    const status: number = error.status;
    throw new Error(`get failed: ${status} ${title}`);
  }
  const name: string = data.name;
  const itemCount: number = data.item_count;
  const createdAt: string = data.created_at;
  console.log(`${data.id} ${name} ${itemCount} ${createdAt} ${data.premium}`);
  return data;
}

// DELETE /api/orders/{orderId}; returns the deleted order's id.
export async function deleteOrder(client: Client, orderId: string): Promise<string> {
  const { data, error } = await client.DELETE("/api/orders/{orderId}", {
    params: { path: { orderId } },
  });
  if (error) {
    throw new Error(describeProblem(error));
  }
  return data.order_id;
}
