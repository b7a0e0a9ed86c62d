import { postgresService } from "./postgres-service.js";
import { pubsubEmulatorService } from "./pubsub-emulator-service.js";
import { redisClusterService } from "./redis-cluster-service.js";
import { redisService } from "./redis-service.js";
import { serviceNames, type ServiceDefinition, type ServiceName } from "./service-types.js";
import { sqsEmulatorService } from "./sqs-emulator-service.js";

export const serviceRegistry: Record<ServiceName, ServiceDefinition> = {
  redis: redisService,
  "redis-cluster": redisClusterService,
  postgres: postgresService,
  pubsub: pubsubEmulatorService,
  sqs: sqsEmulatorService,
};

export function isServiceName(name: string): name is ServiceName {
  return (serviceNames as readonly string[]).includes(name);
}

/** Validates user-supplied names (CLI arguments, HOPPER_SERVICES). */
export function parseServiceNames(names: readonly string[]): ServiceName[] {
  const unknown = names.filter((name) => !isServiceName(name));
  if (unknown.length > 0) throw new Error(`unknown service ${unknown.join(", ")}; known: ${serviceNames.join(", ")}`);
  return [...new Set(names)] as ServiceName[];
}
