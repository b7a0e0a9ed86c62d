import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { ConfigurationError, createJobStatusHandler, HopperError, JobValidationError, type JobRecords } from "@hopper/core";
import { SendWelcomeEmail } from "./jobs.js";

const maxBodyBytes = 16 * 1024;

/**
 * POST /signups {"userId","locale"} → 202 {"jobId"} with `Location: /jobs/{id}`: the email is
 * sent by a worker, later. GET /jobs/{id} answers the job's record until it succeeded, then
 * 303 See Other to the user it welcomed (the 202 pattern, over `hopper.jobs`).
 */
export function createAppServer(jobs: JobRecords): Server {
  const jobStatus = createJobStatusHandler({ jobs, resultUrl: (record) => `/users/${encodeURIComponent((record.result as { userId: string }).userId)}` });
  return createServer((request, response) => {
    const answered = request.method === "GET" && request.url?.startsWith("/jobs/") ? jobStatus.node(request, response) : handle(request, response);
    answered.catch((error: unknown) => {
      const status = ConfigurationError.isInstance(error) || JobValidationError.isInstance(error) ? 400 : 500;
      reply(response, status, { error: HopperError.isInstance(error) ? error.message : "internal error" });
    });
  });
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== "POST" || request.url !== "/signups") return reply(response, 404, { error: "POST /signups, GET /jobs/{id}" });
  const body = await readJson(request);
  if (typeof body?.userId !== "string" || (body.locale !== undefined && typeof body.locale !== "string")) {
    return reply(response, 400, { error: 'send {"userId": string, "locale"?: string}' });
  }
  const jobId = await SendWelcomeEmail.performLater({ userId: body.userId, locale: body.locale ?? "en", signedUpAt: new Date() });
  response.setHeader("location", `/jobs/${jobId}`);
  reply(response, 202, { jobId });
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  let text = "";
  for await (const chunk of request) {
    text += chunk;
    if (text.length > maxBodyBytes) return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
